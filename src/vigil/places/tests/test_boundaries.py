"""A GeoJSON boundary is a valid RFC 7946 surface, or refused with the ring at fault named.
shapely closes an open ring without a word, so the raw coordinates are read first."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.places.rules import boundary_problem

SQUARE = [[36.6, -1.5], [37.0, -1.5], [37.0, -1.1], [36.6, -1.1], [36.6, -1.5]]
HOLE = [[36.7, -1.4], [36.7, -1.2], [36.9, -1.2], [36.9, -1.4], [36.7, -1.4]]


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def test_a_closed_polygon_with_a_hole_is_a_boundary() -> None:
    assert boundary_problem(polygon(SQUARE, HOLE)) is None
    assert boundary_problem({"type": "MultiPolygon", "coordinates": [[SQUARE]]}) is None


@pytest.mark.parametrize(("geometry", "words"), [
    (polygon(SQUARE[:-1]), "Ring 1 is not closed: its last position [36.6, -1.1] is not its "
                           "first [36.6, -1.5] (RFC 7946, section 3.1.6)."),
    (polygon(SQUARE, HOLE[:-1]), "Ring 2 is not closed"),
    ({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE, HOLE[:-1]]]},
     "Polygon 2, ring 2 is not closed"),
    (polygon([[36.6, -1.5], [37.0, -1.5], [36.6, -1.5]]),
     "Ring 1 has 3 positions: RFC 7946 asks for at least 4"),
    (polygon([]), "Ring 1 has 0 positions"),
    (polygon([[36.6, -1.5], "x", [37.0, -1.1], [36.6, -1.5]]),
     "Ring 1, position 2 is not a [longitude, latitude] pair"),
    ({"type": "Polygon", "coordinates": "nonsense"}, "Polygon 1 is not a list of rings"),
])
def test_a_ring_at_fault_is_named(geometry: dict[str, Any], words: str) -> None:
    problem = boundary_problem(geometry)
    assert problem is not None
    assert words in problem
