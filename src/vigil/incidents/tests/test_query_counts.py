"""The incident list, map data and statistics ask as many queries for many incidents as for
few (issue 16: 100,000 incidents a year)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.query_counts import queries_of
from vigil.incidents.models import Incident, IncidentCategory


def add_incidents(cast: Any, n: int) -> None:
    crime = IncidentCategory.objects.get(code="crime")
    robbery = IncidentCategory.objects.get(code="robbery")
    now = timezone.now()
    Incident.objects.bulk_create([
        Incident(category=crime, subcategory=robbery, title=f"Robbery {i}",
                 occurred_at=now - dt.timedelta(days=i, hours=1),
                 country=(cast.kenya, cast.somalia)[i % 2],
                 duty_station=(cast.nairobi, cast.mogadishu)[i % 2],
                 latitude=-1.26 + i / 1000, longitude=36.78)
        for i in range(n)])


def test_the_incident_pages_ask_the_same_queries_for_few_and_many(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    reader = user_with(Role.SECURITY_OFFICER)
    pages = [reverse("incidents:incident_list"), reverse("incidents:incident_map"),
             reverse("incidents:incident_geojson"), reverse("incidents:statistics"),
             reverse("incidents:incident_list") + "?sort=category"]

    def counts() -> list[int]:
        return queries_of(client, (officer, reader), pages)

    add_incidents(cast, 2)
    counts()
    few = counts()
    add_incidents(cast, 60)
    assert counts() == few


def test_the_map_data_holds_the_scope_only(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    add_incidents(cast, 6)  # three in Kenya, three in Somalia
    client.force_login(officer)
    features = client.get(reverse("incidents:incident_geojson")).json()["features"]
    assert len(features) == 3
