"""AWSD incidents imported into a country with a security area boundary are placed in the
area, and the area's proposal counts them as its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.evidence import selectors
from vigil.incidents.importers import awsd_import
from vigil.incidents.models import Incident
from vigil.places.models import Country, SecurityArea

EXCERPT = Path(__file__).resolve().parents[2] / "incidents" / "tests" / "data" / \
    "awsd_2024_excerpt.csv"


def square(lat: float, lon: float, half: float = 0.5) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half]]]}


@pytest.fixture
def parwan(db):
    # AWSD incident 369 (2005, Afghanistan) is at 35.75 N, 69 E.
    return SecurityArea.objects.create(country=Country.objects.get(iso2="AF"), code="PRW",
                                       name="Parwan", boundary=square(35.75, 69.0))


def test_awsd_incidents_in_an_area_count_as_the_areas_own(parwan, user_with):
    admin = user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)
    awsd_import(actor=admin, path=EXCERPT)
    placed = Incident.objects.get(source_kind=Incident.Source.AWSD, source_id="369")
    assert placed.security_area == parwan
    place = selectors.area_proposals(parwan, dt.date(2006, 1, 1))
    counted = {e.incident_id: e.neighbour for found in place.evidence.values() for e in found}
    assert counted[placed.pk] is False
    # The excerpt's other Afghan row is in another province: counted, as a neighbour's.
    assert all(neighbour for pk, neighbour in counted.items() if pk != placed.pk)
    category = next(c for c, found in place.evidence.items()
                    if placed.pk in {e.incident_id for e in found})
    own = next(e for e in place.evidence[category] if e.incident_id == placed.pk)
    assert own.weighted.place == 1.0
    assert own.weighted.weight > 0.5  # under a year old, full place weight
    assert place.proposals[category].weighted_count >= own.weighted.weight
