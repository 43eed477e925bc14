"""Where a named place belongs: its security area (from area boundaries) and its time zone
(from the IANA zone table that the tzdata package ships)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from vigil.places.geo import area_at
from vigil.travel import rules

__all__ = ["area_at", "zone_for", "zones_by_country"]


def _coordinate(text: str, degree_digits: int) -> float:
    """ISO 6709 as zone.tab writes it: ±DDMM[SS] or ±DDDMM[SS]."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    degrees = int(digits[:degree_digits])
    minutes = int(digits[degree_digits:degree_digits + 2])
    seconds = int(digits[degree_digits + 2:] or 0)
    return sign * (degrees + minutes / 60 + seconds / 3600)


@cache
def zones_by_country() -> dict[str, list[tuple[str, float, float]]]:
    """ISO country code -> [(zone, latitude, longitude)], from zone.tab."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    out: dict[str, list[tuple[str, float, float]]] = {}
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        code, place, zone = line.split("\t")[:3]
        split = max(place.rfind("+"), place.rfind("-"))
        lat = _coordinate(place[:split], 2)
        lon = _coordinate(place[split:], 3)
        out.setdefault(code, []).append((zone, lat, lon))
    return out


def zone_for(iso2: str, lat: float, lon: float) -> str:
    """The country's time zone nearest the point (its only one, for most countries)."""
    zones = zones_by_country().get(iso2.upper(), [])
    if not zones:
        return ""
    return min(zones, key=lambda z: rules.distance_km(lat, lon, z[1], z[2]))[0]
