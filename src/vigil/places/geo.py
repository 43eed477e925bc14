"""Which security area holds a point (from the areas' boundaries), and where a named place is
(duty stations, then the shipped city list)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import shape

from vigil.places.models import Country, SecurityArea
from vigil.places.rules import distance_km

CITIES = Path(__file__).resolve().parent / "data" / "cities.csv"


def area_at(country: Country, lat: float, lon: float) -> SecurityArea | None:
    """The security area of the country whose boundary holds the point, if one does."""
    point = shapely.Point(lon, lat)
    for area in SecurityArea.objects.filter(country=country, boundary__isnull=False):
        if area.boundary and shape(area.boundary).covers(point):
            return area
    return None


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float

    def __str__(self) -> str:
        return f"{self.name}, {self.country}"


@cache
def cities() -> tuple[City, ...]:
    """The shipped city list (Natural Earth populated places, see data/SOURCES.md)."""
    with CITIES.open(encoding="utf-8", newline="") as handle:
        return tuple(City(r["name"], r["country"], float(r["latitude"]), float(r["longitude"]))
                     for r in csv.DictReader(handle))


def find_place(text: str) -> tuple[str, float, float, str] | None:
    """A duty station (by code or name) or a city ("Name" or "Name, CC"): its name,
    coordinates and country code."""
    from vigil.places.models import DutyStation

    value = text.strip()
    if not value:
        return None
    head, _sep, tail = value.partition(",")
    code = value.split("·")[0].strip().upper()
    station = DutyStation.objects.select_related("country").filter(code=code).first() or \
        DutyStation.objects.select_related("country").filter(name__iexact=head.strip()).filter(
            **({"country__iso2": tail.strip().upper()} if tail.strip() else {})).first()
    if station is not None:
        return station.name, station.latitude, station.longitude, station.country.iso2
    name, country = head.strip().lower(), tail.strip().upper()
    for city in cities():
        if city.name.lower() == name and (not country or city.country == country):
            return city.name, city.latitude, city.longitude, city.country
    return None


def nearest_country_id(lat: float, lon: float, *, within_km: float = 500) -> int | None:
    """The country of the duty station nearest the point, if one lies within ``within_km``:
    where an event with coordinates but no country most likely belongs, in Vigil's terms."""
    import math

    from vigil.places.models import DutyStation

    span = within_km / 111.0
    stretch = span / max(math.cos(math.radians(lat)), 0.05)
    near = DutyStation.objects.filter(latitude__range=(lat - span, lat + span),
                                      longitude__range=(lon - stretch, lon + stretch))
    best: tuple[float, int] | None = None
    for country_id, a, b in near.values_list("country_id", "latitude", "longitude"):
        km = distance_km(lat, lon, a, b)
        if km <= within_km and (best is None or km < best[0]):
            best = (km, country_id)
    return best[1] if best else None
