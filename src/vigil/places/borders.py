"""Which country a point or a shape lies in, decided by the shape of the country.

The country outlines are Natural Earth's 1:50 million admin-0 countries (241 units, see
data/SOURCES.md), shipped with Vigil and read once per process. A point's country is the
outline that holds it. A point just off the coast (a port, a boat at anchor, an outline drawn
at this scale) counts as inside when it lies within ``COAST_TOLERANCE_KM``. Failing that, the
nearest country within ``FALLBACK_KM`` is taken, and the answer says that it fell back, so the
caller can tell the person. Nothing here reads the database: duty stations never decide a
country.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from vigil.places.rules import distance_km

COUNTRIES = Path(__file__).resolve().parent / "data" / "countries_50m.geojson"

# A 1:50m outline is drawn with points a few kilometres apart: a point on the shore can fall
# just outside it.
COAST_TOLERANCE_KM = 5.0
# Farther than this from every country, a point is at sea and belongs to no country.
FALLBACK_KM = 50.0

_KM_PER_DEGREE = 111.195


@dataclass(frozen=True)
class Placement:
    """A country found for a point or shape. ``fell_back`` is true when nothing held it and the
    nearest country (``distance_km`` away) was taken instead."""

    iso2: str
    fell_back: bool = False
    distance_km: float = 0.0


@dataclass(frozen=True)
class _Outlines:
    codes: tuple[str, ...]
    shapes: tuple[BaseGeometry, ...]
    tree: shapely.STRtree


@cache
def _outlines() -> _Outlines:
    with COUNTRIES.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for feature in features:
        code = feature["properties"].get("iso_a2")
        if code:
            parts[code].append(shape(feature["geometry"]))
    codes = tuple(sorted(parts))
    shapes = tuple(unary_union(parts[c]) if len(parts[c]) > 1 else parts[c][0] for c in codes)
    for geometry in shapes:
        shapely.prepare(geometry)
    return _Outlines(codes, shapes, shapely.STRtree(shapes))


def country_codes() -> frozenset[str]:
    """The ISO codes that have an outline."""
    return frozenset(_outlines().codes)


def _degrees_around(lat: float, km: float) -> float:
    """How many degrees of longitude span ``km`` at the latitude (the wider of the two axes)."""
    return km / _KM_PER_DEGREE / max(math.cos(math.radians(min(abs(lat), 89.0))), 0.01)


def _km_to(geometry: BaseGeometry, point: shapely.Point) -> float:
    near, _ = nearest_points(geometry, point)
    return distance_km(point.y, point.x, near.y, near.x)


def _nearest(point: shapely.Point, within_km: float) -> tuple[str, float] | None:
    outlines = _outlines()
    box = point.buffer(_degrees_around(point.y, within_km))
    best: tuple[float, str] | None = None
    for index in outlines.tree.query(box):
        km = _km_to(outlines.shapes[index], point)
        if km <= within_km and (best is None or (km, outlines.codes[index]) < best):
            best = (km, outlines.codes[index])
    return (best[1], best[0]) if best else None


def country_at(lat: float, lon: float) -> Placement | None:
    """The country whose outline holds the point; else the nearest within ``FALLBACK_KM``
    (``fell_back`` true beyond ``COAST_TOLERANCE_KM``); else None."""
    outlines = _outlines()
    point = shapely.Point(lon, lat)
    hits = outlines.tree.query(point, predicate="intersects")
    if len(hits):
        return Placement(min(outlines.codes[i] for i in hits))
    nearest = _nearest(point, FALLBACK_KM)
    if nearest is None:
        return None
    code, km = nearest
    return Placement(code, fell_back=km > COAST_TOLERANCE_KM, distance_km=round(km, 1))


def country_of_shape(geometry: BaseGeometry) -> Placement | None:
    """The country that holds the largest part of a polygon (or a point's country); for a
    shape wholly at sea, the country nearest to it within ``FALLBACK_KM``."""
    if geometry.is_empty:
        return None
    if geometry.geom_type == "Point":
        return country_at(geometry.y, geometry.x)
    outlines = _outlines()
    best: tuple[float, str] | None = None
    for index in outlines.tree.query(geometry, predicate="intersects"):
        share = outlines.shapes[index].intersection(geometry).area
        code = outlines.codes[index]
        if best is None or share > best[0] or (share == best[0] and code < best[1]):
            best = (share, code)
    if best is not None:
        return Placement(best[1])
    lat = geometry.representative_point().y
    box = geometry.buffer(_degrees_around(lat, FALLBACK_KM))
    closest: tuple[float, str] | None = None
    for index in outlines.tree.query(box):
        near_country, near_shape = nearest_points(outlines.shapes[index], geometry)
        km = distance_km(near_shape.y, near_shape.x, near_country.y, near_country.x)
        code = outlines.codes[index]
        if km <= FALLBACK_KM and (closest is None or (km, code) < closest):
            closest = (km, code)
    if closest is None:
        return None
    return Placement(closest[1], fell_back=closest[0] > COAST_TOLERANCE_KM,
                     distance_km=round(closest[0], 1))


def country_holds(iso2: str, lat: float, lon: float, *,
                  tolerance_km: float = COAST_TOLERANCE_KM) -> bool:
    """Whether the point lies in the country's outline, or within ``tolerance_km`` of it.
    False for a code that has no outline."""
    outlines = _outlines()
    try:
        geometry = outlines.shapes[outlines.codes.index(iso2.upper())]
    except ValueError:
        return False
    point = shapely.Point(lon, lat)
    if geometry.intersects(point):
        return True
    if tolerance_km <= 0:
        return False
    if geometry.distance(point) > _degrees_around(lat, tolerance_km):
        return False
    return _km_to(geometry, point) <= tolerance_km
