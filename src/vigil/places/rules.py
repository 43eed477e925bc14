"""Pure rules about places: coordinates, time zones, codes, boundaries. No ORM here."""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import cache
from typing import Any

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
DUTY_STATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,11}$")


@cache
def iana_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in iana_time_zones()


def latitude_ok(value: float) -> bool:
    return math.isfinite(value) and -90.0 <= value <= 90.0


def longitude_ok(value: float) -> bool:
    return math.isfinite(value) and -180.0 <= value <= 180.0


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on the mean-radius sphere, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def boundary_problem(geometry: Any) -> str | None:
    """Why a GeoJSON geometry is not a usable area boundary, or None when it is.

    A boundary is an RFC 7946 Polygon or MultiPolygon in WGS84, valid as a surface.
    """
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(geometry, dict):
        return "A boundary must be a GeoJSON geometry object."
    if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return "A boundary must be a GeoJSON Polygon or MultiPolygon."
    try:
        shp = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return f"The geometry cannot be read: {exc}."
    if shp.is_empty:
        return "The boundary is empty."
    minx, miny, maxx, maxy = shp.bounds
    if not (longitude_ok(minx) and longitude_ok(maxx) and latitude_ok(miny)
            and latitude_ok(maxy)):
        return "The boundary has coordinates outside WGS84 longitude/latitude ranges."
    if not shp.is_valid:
        return f"The boundary is not a valid polygon: {explain_validity(shp)}."
    return None


def point_in_boundary(geometry: dict[str, Any], latitude: float, longitude: float) -> bool:
    from shapely.geometry import Point, shape

    return bool(shape(geometry).covers(Point(longitude, latitude)))
