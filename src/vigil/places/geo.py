"""Which security area holds a point (from the areas' boundaries), and where a named place is
(duty stations, then the shipped city list). Which country holds a point is
vigil.places.borders' answer, from the countries' outlines: never from duty stations."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import shape

from vigil.places.models import Country, SecurityArea

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



NEIGHBOURS = Path(__file__).resolve().parent / "data" / "neighbours.csv"


@cache
def _neighbour_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    with NEIGHBOURS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row["iso2"], set()).add(row["neighbour"])
            table.setdefault(row["neighbour"], set()).add(row["iso2"])
    return {code: frozenset(found) for code, found in table.items()}


def neighbours(iso2: str) -> frozenset[str]:
    """The ISO alpha-2 codes of the countries whose outlines touch this one's (within about
    5 km; data/neighbours.csv, built from Natural Earth by scripts/build_geodata.py)."""
    return _neighbour_table().get(iso2.upper(), frozenset())
