"""Demo duty stations, security areas and premises, on real cities (Natural Earth)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from vigil.core.demo import DemoContext, register_step
from vigil.places.models import Country, DutyStation, Premises, SecurityArea

CITIES = Path(__file__).parent / "data" / "cities.csv"

# Headquarters duty stations and regional commissions, by (city, ISO country code).
HEADQUARTERS = [("New York", "US"), ("Geneva", "CH"), ("Vienna", "AT"), ("Nairobi", "KE")]
REGIONAL_COMMISSIONS = [("Addis Ababa", "ET"), ("Bangkok", "TH"), ("Beirut", "LB"),
                        ("Santiago", "CL")]
# Field duty stations every demo has, so the demo users' scopes are never empty.
FIELD_FIRST = [("Mombasa", "KE"), ("Kisumu", "KE"), ("Mogadishu", "SO"), ("Juba", "SS"),
               ("Kinshasa", "CD"), ("Goma", "CD"), ("Kabul", "AF"), ("Port-au-Prince", "HT"),
               ("Bamako", "ML"), ("Baghdad", "IQ"), ("Amman", "JO"), ("Dakar", "SN"),
               ("Khartoum", "SD"), ("Islamabad", "PK"), ("Dhaka", "BD"), ("Panama City", "PA")]
PREMISES_NAMES = ["UN House", "UN Compound", "Field Office", "Logistics Base", "Warehouse"]


def area_code(name: str) -> str:
    """A city's name as a security area code: ASCII capitals and digits, as the model's
    validator wants (São Paulo is SAOPAULO; a name without one is AREA)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_name.upper() if c.isascii() and c.isalnum())[:16] or "AREA"


def read_cities() -> list[dict[str, str]]:
    with CITIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _code(name: str, iso2: str, taken: set[str]) -> str:
    letters = "".join(c for c in name.upper() if "A" <= c <= "Z")[:6] or "DS"
    base = f"{iso2}-{letters}"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base[:10]}{n}"
    taken.add(code)
    return code


def _demo_boundary(lat: float, lon: float, half: float = 0.25) -> dict[str, object]:
    """An illustrative square around the city (demo data, not a real area boundary)."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [[[round(x, 4), round(y, 4)] for x, y in ring]]}


def load_places(ctx: DemoContext) -> None:
    cities = read_cities()
    by_key = {(c["name"].lower(), c["country"]): c for c in cities}
    wanted: list[tuple[dict[str, str], str]] = []
    seen: set[tuple[str, str]] = set()
    groups: tuple[tuple[list[tuple[str, str]], str], ...] = (
        (HEADQUARTERS, DutyStation.Kind.HEADQUARTERS),
        (REGIONAL_COMMISSIONS, DutyStation.Kind.REGIONAL_COMMISSION),
        (FIELD_FIRST, DutyStation.Kind.FIELD))
    for group, kind in groups:
        for name, iso2 in group:
            city = by_key.get((name.lower(), iso2))
            if city is not None:
                wanted.append((city, kind))
                seen.add((name.lower(), iso2))
    for city in cities:
        if len(wanted) >= ctx.scale.duty_stations:
            break
        key = (city["name"].lower(), city["country"])
        if key not in seen:
            seen.add(key)
            wanted.append((city, DutyStation.Kind.FIELD))
    wanted = wanted[:ctx.scale.duty_stations]
    countries = {c.iso2: c for c in Country.objects.all()}

    areas: dict[tuple[str, str], SecurityArea] = {}
    for index, (city, _kind) in enumerate(wanted):
        # One in ten stations is left without an area: the officer's queue shows it.
        if index % 10 == 9:
            continue
        key = (city["country"], city["name"])
        code = area_code(city["name"])
        lat, lon = float(city["latitude"]), float(city["longitude"])
        areas[key] = SecurityArea(country=countries[city["country"]], code=code,
                                  name=f"Greater {city['name']}",
                                  boundary=_demo_boundary(lat, lon))
    unique_areas: dict[tuple[int, str], SecurityArea] = {}
    for area in areas.values():
        unique_areas.setdefault((area.country.pk, area.code), area)
    SecurityArea.objects.bulk_create(unique_areas.values(), batch_size=1000)
    saved = {(a.country_id, a.code): a for a in SecurityArea.objects.all()}

    taken: set[str] = set()
    stations = []
    for index, (city, kind) in enumerate(wanted):
        own_area = areas.get((city["country"], city["name"]))
        stations.append(DutyStation(
            code=_code(city["name"], city["country"], taken), name=city["name"],
            country=countries[city["country"]],
            security_area=saved[(own_area.country.pk, own_area.code)] if own_area else None,
            latitude=float(city["latitude"]), longitude=float(city["longitude"]),
            time_zone=city["time_zone"], kind=kind))
        ctx.progress("Duty stations", index + 1, len(wanted))
    DutyStation.objects.bulk_create(stations, batch_size=1000)
    stations = list(DutyStation.objects.order_by("pk"))

    premises = []
    for index, station in enumerate(stations):
        # Stations after the first twenty have premises two times in three.
        count = 2 if station.kind != DutyStation.Kind.FIELD else (
            1 if index < 20 or ctx.rng.random() < 0.67 else 0)
        for n in range(count):
            name = PREMISES_NAMES[n % len(PREMISES_NAMES)]
            premises.append(Premises(
                duty_station=station, name=f"{name} {station.name}",
                address=f"{10 + ctx.rng.randrange(300)} UN Avenue, {station.name}",
                latitude=round(station.latitude + ctx.rng.uniform(-0.04, 0.04), 5),
                longitude=round(station.longitude + ctx.rng.uniform(-0.04, 0.04), 5),
                staff_capacity=ctx.rng.choice([40, 80, 150, 300, 900]),
                visitor_capacity=ctx.rng.choice([0, 20, 50, 200]),
                public_access=station.kind == DutyStation.Kind.HEADQUARTERS and n == 0))
    Premises.objects.bulk_create(premises, batch_size=1000)
    ctx.data["stations"] = stations
    ctx.counts.update(security_areas=len(unique_areas), duty_stations=len(stations),
                      premises=len(premises))


register_step(10, "places", load_places)
