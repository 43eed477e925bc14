"""Travel fixtures: a traveller with BSAFE, officers for Kenya and Somalia, air operators,
levels, and a helper that builds an itinerary in local times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.places.models import SecurityArea
from vigil.risk.models import SecurityLevelReview
from vigil.training.models import Completion, Course
from vigil.training.services import new_certificate_code
from vigil.travel import selectors
from vigil.travel.models import AirOperator


def set_level(area: SecurityArea, level: int, by: Any) -> SecurityLevelReview:
    now = timezone.now()
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=level, proposed_level=level,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=by, proposed_at=now,
        decided_by=by, decided_at=now, next_review_due=now.date() + dt.timedelta(days=90))


class Trip:
    """Builds segment input rows: local wall-clock times, as a traveller types them."""

    def __init__(self, cast: Any, operator: AirOperator) -> None:
        self.cast, self.operator = cast, operator

    def leg(self, origin: Any, destination: Any, departs: dt.datetime, hours: float = 2,
            **extra: Any) -> dict[str, Any]:
        row: dict[str, Any] = {"origin_station": origin, "destination_station": destination,
                               "departs_local": departs,
                               "arrives_local": departs + dt.timedelta(hours=hours),
                               "mode": "air", "operator": self.operator,
                               "flight_number": "KQ 310"}
        row.update(extra)
        return row

    def there_and_back(self, destination: Any, days_ahead: int = 30, nights: int = 3,
                       origin: Any = None) -> list[dict[str, Any]]:
        origin = origin or self.cast.nairobi
        start = (timezone.now() + dt.timedelta(days=days_ahead)).replace(
            tzinfo=None, hour=8, minute=0, second=0, microsecond=0)
        return [self.leg(origin, destination, start),
                self.leg(destination, origin, start + dt.timedelta(days=nights))]


@pytest.fixture
def airline(db: Any) -> AirOperator:
    return AirOperator.objects.create(name="Kenya Airways", iata="KQ", icao="KQA",
                                      suitability=AirOperator.Suitability.SUITABLE)


@pytest.fixture
def trip(cast: Any, airline: AirOperator) -> Trip:
    return Trip(cast, airline)


@pytest.fixture
def areas(cast: Any) -> dict[str, SecurityArea]:
    """Mombasa and Mogadishu get areas of their own; Nairobi has NBI already."""
    mba = SecurityArea.objects.create(country=cast.kenya, code="MBA", name="Coast")
    mgq = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Banadir")
    cast.mombasa.security_area = mba
    cast.mombasa.save()
    cast.mogadishu.security_area = mgq
    cast.mogadishu.save()
    return {"nbi": cast.nbi_area, "mba": mba, "mgq": mgq}


@pytest.fixture
def levels(cast: Any, areas: dict[str, SecurityArea]) -> dict[str, SecurityArea]:
    setter = get_user_model().objects.create_user(username="level-setter")
    set_level(areas["nbi"], 3, setter)
    set_level(areas["mba"], 2, setter)
    set_level(areas["mgq"], 5, setter)
    return areas


def hold(person: Any, code: str, completed_on: dt.date, expires_on: dt.date | None = None,
         dependant: Any = None) -> Completion:
    """A completion of a course as training records it (travel reads it through training's
    selectors)."""
    return Completion.objects.create(
        person=person, dependant=dependant, course=Course.objects.get(code=code),
        completed_on=completed_on, expires_on=expires_on,
        certificate_code=new_certificate_code())


@pytest.fixture
def traveller(cast: Any, user_with: Any) -> Any:
    hold(cast.amina, "BSAFE", timezone.localdate() - dt.timedelta(days=200))
    user = user_with(Role.TRAVELLER, person=cast.amina, username="amina")
    user.email = "amina@un.example"
    user.save()
    return user


@pytest.fixture
def kenya_officer(cast: Any, user_with: Any) -> Any:
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")
    user.email = "so.ke@un.example"
    user.save()
    return user


@pytest.fixture
def somalia_officer(cast: Any, user_with: Any) -> Any:
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia, username="so-so")
    user.email = "so.so@un.example"
    user.save()
    return user


@pytest.fixture
def no_lead_time(db: Any) -> None:
    settings = selectors.travel_settings()
    settings.lead_days = 0
    settings.save()
