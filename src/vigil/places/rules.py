"""Pure rules about places: coordinates, time zones, codes, boundaries. No ORM here."""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import cache
from typing import Any

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


def boundary_problem(geometry: Any) -> str | None:
    """Why a GeoJSON geometry is not a usable area boundary, or None when it is.

    A boundary is an RFC 7946 Polygon or MultiPolygon in WGS84, valid as a surface.
    """
    from django.utils.translation import gettext as _
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(geometry, dict):
        return _("A boundary must be a GeoJSON geometry object.")
    if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return _("A boundary must be a GeoJSON Polygon or MultiPolygon.")
    try:
        shp = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return _("The geometry cannot be read: %(error)s.") % {"error": exc}
    if shp.is_empty:
        return _("The boundary is empty.")
    minx, miny, maxx, maxy = shp.bounds
    if not (longitude_ok(minx) and longitude_ok(maxx) and latitude_ok(miny)
            and latitude_ok(maxy)):
        return _("The boundary has coordinates outside WGS84 longitude/latitude ranges.")
    if not shp.is_valid:
        return _("The boundary is not a valid polygon: %(reason)s.") % {
            "reason": explain_validity(shp)}
    return None


# Places that ISO 3166-1 does not list but UN records name, with the user-assigned code in
# common use. Kosovo: XK / XKX, as the European Commission and the IMF use it; the UN refers
# to it "in the context of Security Council resolution 1244 (1999)".
EXTRA_TERRITORIES: dict[str, dict[str, str]] = {
    "XK": {"iso3": "XKX", "numeric": "", "name": "Kosovo",
           "official_name": "Kosovo (under UNSCR 1244 (1999))"},
}


# --- The sphere ----------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def circle_ring(lat: float, lon: float, radius_km: float,
                sides: int = 32) -> list[tuple[float, float]]:
    """A circle on the sphere as a closed ring of ``sides`` points (lat, lon)."""
    d = radius_km / EARTH_RADIUS_KM
    p1, l1 = math.radians(lat), math.radians(lon)
    ring = []
    for i in range(sides):
        bearing = 2 * math.pi * i / sides
        p2 = math.asin(math.sin(p1) * math.cos(d)
                       + math.cos(p1) * math.sin(d) * math.cos(bearing))
        l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                             math.cos(d) - math.sin(p1) * math.sin(p2))
        ring.append((round(math.degrees(p2), 6), round(math.degrees(l2), 6)))
    ring.append(ring[0])
    return ring
