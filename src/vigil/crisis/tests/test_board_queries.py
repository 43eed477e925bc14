"""The headcount board sends as many statements for a crisis of a few people as for one of
many (a crisis over a city puts thousands on it): its counts are grouped in the database and
its table is one page of entries with what it shows joined in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.crisis import services
from vigil.crisis.models import AccountEntry, AccountStatus, Crisis
from vigil.people.models import Dependant

pytestmark = pytest.mark.django_db

NAIROBI = {"center_latitude": -1.2864, "center_longitude": 36.8172, "radius_km": 25}


def grow(crisis: Crisis, cast: Any, staff: int) -> None:
    """``staff`` more staff members on the headcount, each with a dependant, in two
    organizations and two duty stations, some accounted for."""
    rows = []
    for n in range(staff):
        org, station = (cast.undp, cast.nairobi) if n % 2 else (cast.wfp, cast.mombasa)
        person = cast.person(f"3{n:07d}", f"Many{n}", org, station)
        child = Dependant.objects.create(person=person, family_name=f"Many{n}",
                                         given_name="Kid", relationship="child")
        status = AccountStatus.SAFE if n % 3 == 0 else AccountStatus.UNKNOWN
        for dependant in (None, child):
            rows.append(AccountEntry(crisis=crisis, person=person, dependant=dependant,
                                     organization=org, duty_station=station, basis="residence",
                                     place=str(station), status=status))
    AccountEntry.objects.bulk_create(rows)


def board_statements(client: Any, crisis: Crisis, **query: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("crisis:board", args=[crisis.pk]), query)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_board_sends_as_many_statements_for_many_people_as_for_few(client, cast,
                                                                        user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")
    crisis = services.crisis_declare(actor=officer, data={
        "title": "Explosion in Westlands", "country": cast.kenya, "zone_kind": "circle",
        **NAIROBI})
    client.force_login(officer)
    board_statements(client, crisis)  # the session and caches settle
    few, page = board_statements(client, crisis)
    assert "ACHIENG, A" in page
    grow(crisis, cast, 40)  # past one page of entries (50)
    many, page = board_statements(client, crisis)
    assert crisis.entries.count() > 80
    assert "MANY" in page.upper()
    assert many == few
    filtered, page = board_statements(client, crisis, status=AccountStatus.SAFE)
    assert filtered == few
