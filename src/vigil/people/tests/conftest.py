"""Fixtures shared by the tests of a person's data on request (export and erasure)."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.people.models import Person


@pytest.fixture
def kenya_admin(cast: Any, user_with: Any) -> Any:
    """An administrator over Kenya: Amina (Nairobi) and Omar (Mombasa), not Fatuma (Somalia)."""
    return user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def separated(cast: Any, user_with: Any) -> Person:
    """Omar has left, and has an account: nothing holds his erasure."""
    cast.omar.status = Person.Status.SEPARATED
    cast.omar.save()
    user_with(Role.TRAVELLER, person=cast.omar, username="omar")
    return Person.objects.get(pk=cast.omar.pk)
