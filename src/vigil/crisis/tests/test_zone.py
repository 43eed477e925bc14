"""A crisis's zone, one class per kind: each answers its faults, geometry, centre, country,
points inside, and CAP area, so that no caller branches on the kind."""

from __future__ import annotations

import pytest

from vigil.crisis import zone as zones
from vigil.crisis.models import Crisis
from vigil.places.models import SecurityArea

# Greater Nairobi as a box, longitude first (RFC 7946); a bow-tie crosses itself.
NAIROBI_BOX = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.45], [37.1, -1.1],
                                                   [36.6, -1.1], [36.6, -1.45]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.1], [37.1, -1.45],
                                               [36.6, -1.1], [36.6, -1.45]]]}
CITY_CENTRE = (-1.2864, 36.8172)
MOMBASA = (-4.05, 39.67)


def fields(zone: zones.Zone) -> set[str]:
    return {e.field for e in zone.problems()}


def test_each_kind_of_the_crisis_has_its_class() -> None:
    areas = (SecurityArea(name="Nairobi"),)
    circle = zones.zone_of(Crisis(zone_kind=Crisis.ZoneKind.CIRCLE, center_latitude=-1.3,
                                  center_longitude=36.8, radius_km=25))
    assert circle == zones.Circle(center=(-1.3, 36.8), radius_km=25)
    assert zones.zone_of(Crisis(zone_kind="polygon", polygon=NAIROBI_BOX)) == \
        zones.Polygon(polygon=NAIROBI_BOX)
    assert zones.zone_of(Crisis(zone_kind="areas"), areas) == zones.Areas(chosen=areas)
    assert zones.zone_of(Crisis(zone_kind="hexagon")) == zones.Unknown(given="hexagon")
    assert {k.kind for k in zones.KINDS.values()} == set(Crisis.ZoneKind.values)


def test_a_circle() -> None:
    circle = zones.Circle(center=CITY_CENTRE, radius_km=25)
    assert circle.problems() == []
    assert circle.centre() == CITY_CENTRE
    assert circle.contains(-1.25, 36.8)
    assert not circle.contains(*MOMBASA)
    geometry = circle.geometry()
    assert geometry is not None
    assert geometry["type"] == "Polygon"
    assert len(geometry["coordinates"][0]) == zones.CIRCLE_CORNERS + 1  # closed
    assert circle.placement().iso2 == "KE"
    assert circle.outlines() == []
    assert circle.cap_circle() == (*CITY_CENTRE, 25)
    assert circle.describe("Kenya", "Nairobi") == "Kenya — Nairobi"
    assert circle.areas == ()
    assert zones.Circle.centred
    assert zones.Circle.fields == ("center_latitude", "center_longitude", "radius_km")


@pytest.mark.parametrize(("circle", "faults"), [
    (zones.Circle(center=None, radius_km=25), {"center_latitude"}),
    (zones.Circle(center=(-91, 36.8), radius_km=25), {"center_latitude"}),
    (zones.Circle(center=(-1.3, 181), radius_km=25), {"center_longitude"}),
    (zones.Circle(center=CITY_CENTRE, radius_km=None), {"radius_km"}),
    (zones.Circle(center=CITY_CENTRE, radius_km=2500), {"radius_km"}),
])
def test_a_circle_drawn_wrong_names_its_field(circle: zones.Circle, faults: set[str]) -> None:
    assert fields(circle) == faults


def test_a_circle_without_a_centre_holds_no_one() -> None:
    circle = zones.Circle(radius_km=25)
    assert (circle.geometry(), circle.centre(), circle.cap_circle()) == (None, None, None)
    assert not circle.contains(*CITY_CENTRE)


def test_a_polygon() -> None:
    polygon = zones.Polygon(polygon=NAIROBI_BOX)
    assert polygon.problems() == []
    assert polygon.geometry() == NAIROBI_BOX
    lat, lon = polygon.centre()
    assert polygon.contains(lat, lon)
    assert polygon.contains(*CITY_CENTRE)
    assert not polygon.contains(*MOMBASA)
    assert polygon.placement().iso2 == "KE"  # the country holding most of it
    assert polygon.outlines() == [NAIROBI_BOX]
    assert polygon.cap_circle() is None
    assert polygon.describe("Kenya") == "Kenya"
    assert not zones.Polygon.centred
    assert zones.Polygon.fields == ("polygon",)


@pytest.mark.parametrize("drawn", [None, BOW_TIE, {"type": "Point", "coordinates": [36.8, -1.2]}])
def test_a_polygon_drawn_wrong_is_a_fault_on_the_polygon(drawn: dict | None) -> None:
    assert fields(zones.Polygon(polygon=drawn)) == {"polygon"}


def test_areas() -> None:
    nairobi = SecurityArea(name="Nairobi", boundary=NAIROBI_BOX)
    coast = SecurityArea(name="Coast")  # no boundary: holds the people of its stations
    areas = zones.Areas(chosen=(nairobi, coast))
    assert areas.problems() == []
    assert areas.areas == (nairobi, coast)
    assert areas.geometry()["type"] == "Polygon"
    assert areas.contains(*CITY_CENTRE)
    assert not areas.contains(*MOMBASA)
    assert areas.centre() is None
    assert areas.placement() is None
    assert areas.outlines() == [NAIROBI_BOX]
    assert areas.cap_circle() is None
    assert areas.describe("Kenya", "Nairobi") == "Kenya — Nairobi; Kenya — Coast"
    assert zones.Areas(chosen=(coast,)).geometry() is None
    assert fields(zones.Areas()) == {"areas"}
    assert zones.Areas.fields == ()


def test_a_kind_that_is_none_of_them_is_a_fault_on_the_kind() -> None:
    unknown = zones.kind_of("hexagon")
    assert unknown is zones.Unknown
    zone = zones.Unknown(given="hexagon")
    assert fields(zone) == {"zone_kind"}
    assert (zone.geometry(), zone.centre(), zone.placement()) == (None, None, None)
    assert not zone.contains(*CITY_CENTRE)
