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
    Nothing is repaired: a ring not closed, or a polygon crossing itself, is refused.
    """
    from django.utils.translation import gettext as _
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(geometry, dict):
        return _("A boundary must be a GeoJSON geometry object.")
    if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return _("A boundary must be a GeoJSON Polygon or MultiPolygon.")
    problem = ring_problem(geometry)
    if problem:
        return problem
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


def _is_position(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) >= 2 and all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in value)


def ring_problem(geometry: dict[str, Any]) -> str | None:
    """Why the rings of a GeoJSON Polygon or MultiPolygon, as written, are not linear rings
    (RFC 7946, section 3.1.6: four or more positions, the last the same as the first), naming
    the ring; None when each is one. Read before shapely, which closes an open ring without
    a word."""
    from django.utils.translation import gettext as _

    coordinates = geometry.get("coordinates")
    multi = geometry.get("type") == "MultiPolygon"
    polygons = coordinates if multi else [coordinates]
    if not isinstance(polygons, list):
        return _("The coordinates must be a list of polygons.")
    for p, rings in enumerate(polygons, start=1):
        if not isinstance(rings, list):
            return _("Polygon %(polygon)s is not a list of rings.") % {"polygon": p}
        for r, ring in enumerate(rings, start=1):
            name = _("Polygon %(polygon)s, ring %(ring)s") % {"polygon": p, "ring": r} \
                if multi else _("Ring %(ring)s") % {"ring": r}
            if not isinstance(ring, list):
                return _("%(ring)s is not a list of positions.") % {"ring": name}
            for n, position in enumerate(ring, start=1):
                if not _is_position(position):
                    return _("%(ring)s, position %(n)s is not a [longitude, latitude] pair.") \
                        % {"ring": name, "n": n}
            if len(ring) < 4:
                return _("%(ring)s has %(count)s positions: RFC 7946 asks for at least 4, the "
                         "last the same as the first (section 3.1.6).") % {
                    "ring": name, "count": len(ring)}
            if list(ring[0]) != list(ring[-1]):
                return _("%(ring)s is not closed: its last position %(last)s is not its first "
                         "%(first)s (RFC 7946, section 3.1.6).") % {
                    "ring": name, "last": list(ring[-1]), "first": list(ring[0])}
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
