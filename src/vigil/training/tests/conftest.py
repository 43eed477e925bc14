from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.training.models import Course, Session


@pytest.fixture
def bsafe(db: Any) -> Course:
    return Course.objects.get(code="BSAFE")


@pytest.fixture
def ssafe(db: Any) -> Course:
    return Course.objects.get(code="SSAFE")


@pytest.fixture
def officer(user_with: Any) -> Any:
    return user_with(Role.TRAINING_OFFICER)


@pytest.fixture
def kenya_officer(user_with: Any, cast: Any) -> Any:
    return user_with(Role.TRAINING_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def running(cast: Any, ssafe: Course) -> Session:
    """An SSAFE session at Nairobi that started an hour ago, two places."""
    now = timezone.now()
    return Session.objects.create(course=ssafe, duty_station=cast.nairobi, venue="Gigiri",
                                  starts_at=now - dt.timedelta(hours=1),
                                  ends_at=now + dt.timedelta(days=2), capacity=2,
                                  time_zone="Africa/Nairobi")
