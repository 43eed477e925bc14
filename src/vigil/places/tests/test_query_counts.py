"""The places list pages ask as many queries for many duty stations, areas and premises as
for few (issue 16: about 1,100 field stations round the duty stations)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.query_counts import queries_of
from vigil.places.models import DutyStation, Premises, SecurityArea


def add_places(cast: Any, n: int, start: int) -> None:
    for i in range(start, start + n):
        country = (cast.kenya, cast.somalia)[i % 2]
        area = SecurityArea.objects.create(country=country, code=f"A{i}", name=f"Area {i}")
        station = DutyStation.objects.create(
            code=f"X-{i:04d}", name=f"Station {i}", country=country, security_area=area,
            latitude=-1 + i / 100, longitude=36 + i / 100, time_zone="Africa/Nairobi")
        Premises.objects.create(duty_station=station, name=f"Office {i}", address="Road",
                                latitude=-1 + i / 100, longitude=36 + i / 100)


def test_the_places_lists_ask_the_same_queries_for_few_and_many(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    admin = user_with(Role.ADMINISTRATOR)
    pages = [reverse("places:duty_station_list"), reverse("places:security_area_list"),
             reverse("places:premises_list"), reverse("places:duty_station_geojson")]

    def counts() -> list[int]:
        return queries_of(client, (officer, admin), pages)

    add_places(cast, 2, 0)
    counts()
    few = counts()
    add_places(cast, 30, 100)
    assert counts() == few


def test_the_officer_lists_every_station_and_the_premises_of_kenya(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    add_places(cast, 4, 0)  # two in Kenya, two in Somalia
    client.force_login(officer)
    # Duty stations are reference data, read by all: the cast's three and the four new.
    page = client.get(reverse("places:duty_station_list")).context["page"]
    assert page.paginator.count == 3 + 4
    # Premises are read in scope: Gigiri, the Mombasa office and the two new in Kenya.
    page = client.get(reverse("places:premises_list")).context["page"]
    assert page.paginator.count == 2 + 2
