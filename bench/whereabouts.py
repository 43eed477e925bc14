"""Benchmark: who is within 25 km of a point at a time (whereabouts.who_is_near) against
hand-written SQL on the same tables.

    .venv/bin/python bench/whereabouts.py --people 70000 --segments 200000
    .venv/bin/python bench/whereabouts.py --people 700000 --segments 2000000
    VIGIL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_wb \\
        .venv/bin/python bench/whereabouts.py --people 70000 --segments 200000

The database is SQLite under var/bench/ unless --database-url (or VIGIL_DATABASE_URL) names
another (PostgreSQL: create an empty throwaway database first); it is migrated, as bench/run.py
does, then filled with synthetic personnel round 45 real duty stations and 255 field stations
per 70,000 people, their dependants, and itineraries over one year, written with bulk inserts
(COPY on PostgreSQL). Presences are cut from the itineraries exactly as
services.presence_rows does (rules.pieces, rules.split_interval, rules.cell). A database that
already holds other data is refused; one built earlier with the same arguments is reused.
SQLite is left without statistics, as Vigil leaves it, unless --analyze; PostgreSQL is
analyzed after the load, as autovacuum would.

Each of --queries random queries (a point near a populated place, a time in the year) is run
through whereabouts.who_is_near, and through one SQL statement that reads the same tables with
the same index ranges (presences by grid cell and time; residences, duty stations and
dependants by latitude/longitude B-tree boxes), the circle then tested in Python. Both must
find the same people; the script stops if they do not. It prints a markdown table of p50/p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
T0 = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The data set's pieces, shared with bench/data.py (re-exported: bench/crisis.py reads them here).
from common import machine  # noqa: E402
from data import (  # noqa: E402
    CENTRES,
    FIELD_STATIONS_PER_70000,
    Loader,
    jitter,
    template,
)

__all__ = ["CENTRES", "Loader", "jitter", "machine", "template"]



def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=70_000)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--radius", type=float, default=25.0, help="km")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--field-stations", type=int, default=None,
                        help="default: 255 per 70,000 people")
    parser.add_argument("--budget", type=float, default=900,
                        help="stop measuring after this many seconds (at least 10 queries)")
    parser.add_argument("--database-url", default=os.environ.get("VIGIL_DATABASE_URL"),
                        help="default: SQLite under var/bench/ (also VIGIL_DATABASE_URL)")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of both for the first query")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after building a SQLite database (Vigil never does; "
                        "PostgreSQL is always analyzed, as autovacuum would)")
    return parser.parse_args()


def setup_django(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "VIGIL_VAR_DIR": str(VAR)}
    vigil = str(ROOT / ".venv" / "bin" / "vigil")
    subprocess.run([vigil, "migrate", "-v0"], env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")
    import django

    django.setup()


# --- Synthetic data -------------------------------------------------------------------------------

def build(args: argparse.Namespace, rng: random.Random, marker: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from vigil.people.models import Dependant, Organization, Person
    from vigil.places.models import Country, DutyStation, SecurityArea
    from vigil.travel import rules
    from vigil.travel.models import Presence, Segment, TravelRequest

    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        organization = Organization.objects.create(code="BENCH", name="Benchmark entity",
                                                   kind=Organization.Kind.OTHER)
        user = get_user_model().objects.create_user(username="bench.whereabouts")
        countries = {c.iso2: c for c in Country.objects.filter(
            iso2__in={c[2] for c in CENTRES})}
        SecurityArea.objects.create(country=countries["KE"], code=marker[:20], name=marker)
        stations: list[tuple[int, float, float, str, int, int, float]] = []
        # (id, lat, lon, zone, country_id, area_id, weight)
        specs = [(c[0], c[1], c[2], c[3], c[4], c[5], float(c[6])) for c in CENTRES]
        for n in range(args.field_stations):
            code, name, iso2, lat, lon, zone, _w = rng.choice(CENTRES)
            lat, lon = jitter(rng, lat, lon, 1.5)
            specs.append((f"{code}{n:03d}", f"{name} field office {n}", iso2, lat, lon, zone,
                          rng.choice([0.2, 0.3, 0.5, 1.0])))
        for code, name, iso2, lat, lon, zone, weight in specs:
            area = SecurityArea.objects.create(country=countries[iso2], code=f"B-{code}",
                                               name=f"Area of {name}")
            made = DutyStation.objects.create(
                code=f"B-{code}", name=name, country=countries[iso2], security_area=area,
                latitude=lat, longitude=lon, time_zone=zone)
            stations.append((made.pk, lat, lon, zone, countries[iso2].pk, area.pk, weight))
        ids = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
               for m in (Person, Dependant, TravelRequest, Segment, Presence)}

    loader = Loader([Person, Dependant, TravelRequest, Segment, Presence], args.analyze)
    person_row = template(Person, created_at=loader.datetime(now),
                          updated_at=loader.datetime(now), organization_id=organization.pk,
                          category="international")
    dependant_row = template(Dependant, created_at=loader.datetime(now),
                             updated_at=loader.datetime(now), relationship="child")
    request_row = template(TravelRequest, created_at=loader.datetime(now),
                           updated_at=loader.datetime(now), requested_by_id=user.pk,
                           purpose="Mission", contacts=[])
    segment_row = template(Segment, mode="air")
    presence_row = template(Presence)

    weights = [s[6] for s in stations]
    # People: most with residence coordinates near their duty station.
    people = []  # (id, station index, status, active dependant ids)
    for _ in range(args.people):
        pk = ids[Person]
        ids[Person] += 1
        index = rng.choices(range(len(stations)), weights)[0]
        station = stations[index]
        residence: tuple[float, float] | tuple[None, None] = (None, None)
        if rng.random() < 0.75:
            residence = jitter(rng, station[1], station[2], 0.08)
        status = rng.choices(["active", "on_leave", "separated"], [93, 5, 2])[0]
        loader.add(Person, person_row(id=pk, index_number=f"B{pk:08d}",
                                      family_name=f"Person {pk}", duty_station_id=station[0],
                                      status=status, residence_latitude=residence[0],
                                      residence_longitude=residence[1]))
        family = []
        for _d in range(rng.choices([0, 1, 2, 3], [60, 20, 12, 8])[0]):
            dpk = ids[Dependant]
            ids[Dependant] += 1
            own: tuple[float, float] | tuple[None, None] = (None, None)
            if rng.random() < 0.2:
                own = jitter(rng, station[1], station[2], 0.1)
            dstatus = "inactive" if rng.random() < 0.05 else "active"
            loader.add(Dependant, dependant_row(
                id=dpk, person_id=pk, family_name=f"Family {pk}", status=dstatus,
                lives_with_staff_member=own[0] is None, residence_latitude=own[0],
                residence_longitude=own[1]))
            if dstatus == "active":
                family.append(dpk)
        people.append((pk, index, status, family))

    # Trips: spread over the people who serve, each person's laid out one after another.
    travellers = [p for p in people if p[2] != "separated"]
    trips: dict[int, list[int]] = {}
    legs_left = args.segments
    while legs_left > 0:
        shape = min(legs_left, rng.choices([2, 3, 1], [55, 30, 15])[0])
        trips.setdefault(rng.randrange(len(travellers)), []).append(shape)
        legs_left -= shape
    presences = 0
    for who, shapes in trips.items():
        pk, home_index, _status, family = travellers[who]
        home = stations[home_index]
        slot = YEAR / len(shapes)
        free = T0  # one trip after another: none overlap
        for number, shape in enumerate(shapes):
            request_pk = ids[TravelRequest]
            ids[TravelRequest] += 1
            # Places: the duty station first, then stops, then home unless one-way.
            Place = tuple[int | None, float, float, str, int, int]
            stops: list[Place] = []
            for _s in range(max(1, shape - 1) if shape > 1 else 1):
                target = stations[rng.choices(range(len(stations)), weights)[0]]
                if rng.random() < 0.5:  # a duty station
                    stops.append((target[0], target[1], target[2], target[3], target[4],
                                  target[5]))
                else:  # a named place near one
                    lat, lon = jitter(rng, target[1], target[2], 0.2)
                    stops.append((None, lat, lon, target[3], target[4], target[5]))
            places = [(home[0], home[1], home[2], home[3], home[4], home[5]), *stops]
            if shape > 1:
                places.append(places[0])
            # Times: legs of 1 to 14 hours, stays of 1 to 20 days (sometimes up to 40).
            length = dt.timedelta(0)
            plan = []
            for _leg in range(len(places) - 1):
                flight = dt.timedelta(minutes=rng.randint(60, 14 * 60))
                stay = dt.timedelta(days=rng.choice([rng.uniform(1, 20)] * 9
                                                    + [rng.uniform(15, 40)]))
                plan.append((flight, stay))
                length += flight + stay
            start = T0 + slot * number + max(dt.timedelta(0), slot - length) * rng.random()
            start = max(free, start.replace(second=0, microsecond=0))
            status = rng.choices(["cleared", "pending", "cancelled"], [85, 10, 5])[0]
            subjects: list[tuple[int, int | None]] = [(pk, None)]
            if family and rng.random() < 0.15:
                subjects += [(pk, d) for d in family]
            legs, at = [], start
            for index, (flight, stay) in enumerate(plan):
                origin, destination = places[index], places[index + 1]
                segment_pk = ids[Segment]
                ids[Segment] += 1
                departs, arrives = at, at + flight
                last = index == len(plan) - 1
                lodging = None
                if destination[0] is None or rng.random() < 0.5:
                    lodging = jitter(rng, destination[1], destination[2], 0.03)
                stays_until = arrives + stay if last and shape == 1 else None
                loader.add(Segment, segment_row(
                    id=segment_pk, request_id=request_pk, position=index + 1,
                    origin_station_id=origin[0], origin_name="From",
                    origin_country_id=origin[4], origin_area_id=origin[5],
                    origin_latitude=origin[1], origin_longitude=origin[2], origin_tz=origin[3],
                    destination_station_id=destination[0], destination_name="To",
                    destination_country_id=destination[4], destination_area_id=destination[5],
                    destination_latitude=destination[1], destination_longitude=destination[2],
                    destination_tz=destination[3], departs_at=loader.datetime(departs),
                    arrives_at=loader.datetime(arrives),
                    lodging_latitude=lodging[0] if lodging else None,
                    lodging_longitude=lodging[1] if lodging else None,
                    stays_until=loader.datetime(stays_until)))
                legs.append((segment_pk, origin, destination, rules.Leg(
                    departs_at=departs, arrives_at=arrives, origin=(origin[1], origin[2]),
                    destination=(destination[1], destination[2]), lodging=lodging,
                    home=destination[0] is not None and destination[0] == home[0],
                    stays_until=stays_until)))
                at = arrives + stay
            ends = legs[-1][3].stays_until or legs[-1][3].arrives_at
            free = at
            loader.add(TravelRequest, request_row(
                id=request_pk, traveller_id=pk, status=status,
                starts_at=loader.datetime(start), ends_at=loader.datetime(ends),
                submitted_at=loader.datetime(start - dt.timedelta(days=14))))
            if status == "cancelled":
                continue
            # As services.presence_rows: pieces of the itinerary, each cut at MAX_PRESENCE.
            for piece in rules.pieces([leg[3] for leg in legs]):
                segment_pk, origin, destination = legs[piece.leg][:3]
                end = origin if piece.at_origin else destination
                lat, lon = piece.point
                cell = rules.cell(lat, lon)
                for begin, finish in rules.split_interval(piece.starts_at, piece.ends_at):
                    for person_id, dependant_id in subjects:
                        loader.add(Presence, presence_row(
                            id=ids[Presence], request_id=request_pk, segment_id=segment_pk,
                            person_id=person_id, dependant_id=dependant_id, kind=piece.kind,
                            cleared=status == "cleared", starts_at=loader.datetime(begin),
                            ends_at=loader.datetime(finish), latitude=lat, longitude=lon,
                            cell=cell, country_id=end[4], security_area_id=end[5]))
                        ids[Presence] += 1
                        presences += 1
    loaded = time.perf_counter()
    indexing = loader.finish()
    return {"rows": loader.rows, "presences": presences, "load": loaded - started,
            "index": indexing, "total": time.perf_counter() - started}


# --- The reference --------------------------------------------------------------------------------

def reference_sql(box: Any, radius_cells: list[tuple[int, int]], detail: bool = False
                  ) -> tuple[str, Callable[[Any, Any], list[Any]]]:
    """One statement: travellers by presence (grid cells and time), and people at home by
    residence, duty station, or the staff member's home, each with a latitude/longitude box;
    and the function giving its parameters for a time and the start of its window. Its rows
    are (person, dependant, latitude, longitude); with ``detail`` (bench/crisis.py, which
    writes headcount rows from them) also the basis, the trip, the staff member's
    organization and duty station, all from rows the statement reads anyway."""
    def more(basis: str, trip: str) -> str:
        return f", {basis}, {trip}, p.organization_id, p.duty_station_id" if detail else ""

    def lon(column: str) -> str:
        if box.west <= box.east:
            return f"{column} BETWEEN %s AND %s"
        return f"({column} >= %s OR {column} <= %s)"

    box_params = [box.south, box.north, box.west, box.east]
    # Single cells rather than ranges, so that the (cell, starts_at) index serves the time
    # too; a range of cells would read every presence of those cells, of any time.
    numbers = [c for first, last in radius_cells for c in range(first, last + 1)]
    if len(numbers) <= 100:
        cells = f"pr.cell IN ({', '.join(['%s'] * len(numbers))})"
        cell_params = numbers
    else:
        cells = " OR ".join("pr.cell BETWEEN %s AND %s" for _ in radius_cells)
        cell_params = [v for r in radius_cells for v in r]
    active = "{a}.starts_at > %s AND {a}.starts_at <= %s AND {a}.ends_at > %s AND {a}.cleared"
    # NULL tests are written so that no index can serve them: "x.dependant_id IS NULL" lets
    # SQLite (without ANALYZE) read the staff's presences of the whole window through the
    # dependant index, and "residence_latitude IS NULL" every person without a residence.
    away_person = (f"NOT EXISTS (SELECT 1 FROM travel_presence x WHERE x.person_id = p.id AND "
                   f"COALESCE(x.dependant_id, 0) = 0 AND {active.format(a='x')})")
    away_dependant = (f"NOT EXISTS (SELECT 1 FROM travel_presence x WHERE x.dependant_id = d.id "
                      f"AND {active.format(a='x')})")
    live = "p.status <> 'separated'"
    res, station = "'residence'", "'duty_station'"
    trip = more("pr.kind", "pr.request_id")
    sql = f"""
    SELECT pr.person_id, pr.dependant_id, pr.latitude, pr.longitude{trip}
      FROM travel_presence pr JOIN people_person p ON p.id = pr.person_id
      LEFT JOIN people_dependant d ON d.id = pr.dependant_id
     WHERE ({cells}) AND {active.format(a='pr')}
       AND pr.latitude BETWEEN %s AND %s AND {lon('pr.longitude')}
       AND {live} AND (pr.dependant_id IS NULL OR d.status = 'active')
    UNION ALL
    SELECT p.id, NULL, p.residence_latitude, p.residence_longitude{more(res, 'NULL')}
      FROM people_person p
     WHERE p.residence_latitude BETWEEN %s AND %s AND {lon('p.residence_longitude')}
       AND {live} AND {away_person}
    UNION ALL
    SELECT p.id, NULL, s.latitude, s.longitude{more(station, 'NULL')}
      FROM places_dutystation s JOIN people_person p ON p.duty_station_id = s.id
     WHERE p.duty_station_id IN (SELECT id FROM places_dutystation
                                  WHERE latitude BETWEEN %s AND %s AND {lon('longitude')})
       AND COALESCE(p.residence_latitude, p.residence_longitude) IS NULL AND {live}
       AND {away_person}
    UNION ALL
    SELECT p.id, d.id, p.residence_latitude, p.residence_longitude{more(res, 'NULL')}
      FROM people_person p JOIN people_dependant d ON d.person_id = p.id
     WHERE p.residence_latitude BETWEEN %s AND %s AND {lon('p.residence_longitude')}
       AND {live} AND COALESCE(d.residence_latitude, d.residence_longitude) IS NULL
       AND d.status = 'active' AND {away_dependant}
    UNION ALL
    SELECT p.id, d.id, s.latitude, s.longitude{more(station, 'NULL')}
      FROM places_dutystation s JOIN people_person p ON p.duty_station_id = s.id
      JOIN people_dependant d ON d.person_id = p.id
     WHERE p.duty_station_id IN (SELECT id FROM places_dutystation
                                  WHERE latitude BETWEEN %s AND %s AND {lon('longitude')})
       AND COALESCE(p.residence_latitude, p.residence_longitude) IS NULL AND {live}
       AND COALESCE(d.residence_latitude, d.residence_longitude) IS NULL
       AND d.status = 'active' AND {away_dependant}
    UNION ALL
    SELECT p.id, d.id, d.residence_latitude, d.residence_longitude{more(res, 'NULL')}
      FROM people_dependant d JOIN people_person p ON p.id = d.person_id
     WHERE d.residence_latitude BETWEEN %s AND %s AND {lon('d.residence_longitude')}
       AND {live} AND d.status = 'active' AND {away_dependant}
    """

    def params(at: Any, since: Any) -> list[Any]:
        window = [since, at, at]
        return [*cell_params, *window, *box_params, *box_params, *window, *box_params,
                *window, *box_params, *window, *box_params, *window, *box_params, *window]

    return sql, params


# --- Measuring ------------------------------------------------------------------------------------

def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def prepare(args: argparse.Namespace, name: str = "whereabouts") -> tuple[str, Any]:
    """Set Django up on the database (SQLite var/bench/<name>-...sqlite3 unless
    --database-url), migrated, and build the synthetic data in it unless a database built with
    the same arguments is there. Returns its URL and the build's figures (None if reused).
    Also used by bench/crisis.py."""
    VAR.mkdir(parents=True, exist_ok=True)
    if args.field_stations is None:
        args.field_stations = round(FIELD_STATIONS_PER_70000 * args.people / 70_000)
    url = args.database_url or (
        f"sqlite:///{VAR}/{name}-{args.people}-{args.segments}-{args.seed}-"
        f"{args.field_stations}{'-analyzed' * args.analyze}.sqlite3")
    setup_django(url)
    from vigil.people.models import Person
    from vigil.places.models import SecurityArea

    rng = random.Random(args.seed)
    marker = f"WB-{args.people}-{args.segments}-{args.seed}{'A' * args.analyze}" + (
        f"-s{args.field_stations}" if args.field_stations != 255 else "")
    built = None
    if not SecurityArea.objects.filter(name=marker).exists():
        if Person.objects.exists():
            sys.exit(f"{url} already holds people: give an empty database (or one built by "
                     "this script with the same arguments).")
        print(f"Building {args.people} people and {args.segments} segments in {url} ...",
              file=sys.stderr)
        built = build(args, rng, marker)
        print(f"Built in {built['total']:.0f} s ({built['index']:.0f} s of it indexes and "
              f"statistics).", file=sys.stderr)
    return url, built


def database_label() -> str:
    """The database and its version, e.g. "SQLite 3.40.1, analyzed" or "PostgreSQL 15.20"."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            analyzed = cursor.fetchone()[0] > 0
        return f"SQLite {sqlite3.sqlite_version}" + (", analyzed" if analyzed else "")
    version = connection.cursor().connection.info.server_version
    return f"PostgreSQL {version // 10000}.{version % 10000}"


def main() -> None:
    args = parse()
    _url, built = prepare(args)
    from django.db import connection

    from vigil.people.models import Dependant, Person
    from vigil.places.models import DutyStation
    from vigil.travel import rules, whereabouts
    from vigil.travel.models import Presence, Segment

    counts = {"personnel": Person.objects.count(), "dependants": Dependant.objects.count(),
              "segments": Segment.objects.count(), "presences": Presence.objects.count(),
              "duty stations": DutyStation.objects.count()}

    # Query points: half near a random residence, half near a duty station; times in the year.
    rng = random.Random(args.seed + 1)
    homes: list[tuple[float, float]] = [
        (a, b) for a, b in Person.objects.filter(residence_latitude__isnull=False)
        .order_by("pk").values_list("residence_latitude", "residence_longitude")
        if a is not None and b is not None]
    stations = list(DutyStation.objects.order_by("pk").values_list("latitude", "longitude"))
    queries = []
    for _ in range(args.queries + 5):
        lat, lon = rng.choice(homes) if rng.random() < 0.5 else rng.choice(stations)
        lat, lon = lat + rng.uniform(-0.1, 0.1), (lon + rng.uniform(-0.1, 0.1) + 180) % 360 - 180
        queries.append((lat, lon, T0 + YEAR * rng.random()))

    def moment(at: dt.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(at)  # as the ORM sends it

    def vigil(lat: float, lon: float, at: dt.datetime) -> set[tuple[int, int | None]]:
        return {w.key for w in whereabouts.who_is_near(lat, lon, args.radius, at)}

    def reference(lat: float, lon: float, at: dt.datetime) -> set[tuple[int, int | None]]:
        box = rules.circle_box(lat, lon, args.radius)
        sql, params = reference_sql(box, rules.cell_ranges(box))
        with connection.cursor() as cursor:
            cursor.execute(sql, params(moment(at), moment(at - rules.MAX_PRESENCE)))
            rows = cursor.fetchall()
        return {(person, dependant) for person, dependant, plat, plon in rows
                if rules.distance_km(lat, lon, plat, plon) <= args.radius}

    if args.explain:  # the plans of both, for the first query
        from django.test.utils import CaptureQueriesContext

        lat, lon, at = queries[0]
        box = rules.circle_box(lat, lon, args.radius)
        sql, params = reference_sql(box, rules.cell_ranges(box))
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with CaptureQueriesContext(connection) as captured:
            vigil(lat, lon, at)
        plans: list[tuple[str, list[Any] | None]] = [
            (q["sql"], None) for q in captured.captured_queries]
        plans.append((sql, params(moment(at), moment(at - rules.MAX_PRESENCE))))
        with connection.cursor() as cursor:
            for number, (text, values) in enumerate(plans, start=1):
                title = "reference" if values is not None else f"Vigil query {number}"
                print(f"--- {title}: {text[:300]}", file=sys.stderr)
                cursor.execute(prefix + text, values)
                for row in cursor.fetchall():
                    print("    " + " | ".join(str(v) for v in row), file=sys.stderr)

    timings: dict[str, list[float]] = {"vigil": [], "reference": []}
    sizes: list[int] = []
    deadline = time.monotonic() + args.budget
    for number, (lat, lon, at) in enumerate(queries):
        if len(sizes) >= 10 and time.monotonic() > deadline:
            break
        found = {}
        for name, run in (("vigil", vigil), ("reference", reference)):
            started = time.perf_counter()
            found[name] = run(lat, lon, at)
            if number >= 5:  # the first few warm the caches
                timings[name].append((time.perf_counter() - started) * 1000)
        if found["vigil"] != found["reference"]:
            sys.exit(f"Different answers at {lat},{lon} {at}: {len(found['vigil'])} by Vigil, "
                     f"{len(found['reference'])} by the reference; "
                     f"{sorted(found['vigil'] ^ found['reference'])[:10]}")
        if number >= 5:
            sizes.append(len(found["vigil"]))

    label = database_label()
    lines = [
        f"\n### {time.strftime('%Y-%m-%d')}, {label}, {args.people:,} people / "
        f"{args.segments:,} segments\n",
        f"Machine: {machine()}; Python {platform.python_version()}.",
        "Data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "."
        + (f" Built in {built['total']:.0f} s." if built else ""),
        f"{len(sizes)} queries of {args.radius:g} km"
        + (f" (of {args.queries}: the time budget ran out)" if len(sizes) < args.queries else "")
        + "; people found per query: median "
        f"{statistics.median(sizes):.0f}, p95 {percentile(sizes, 0.95):.0f}, max "
        f"{max(sizes)}; every answer identical in both.\n",
        "| query | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
    for name, title in (("vigil", "whereabouts.who_is_near"),
                        ("reference", "raw SQL, same tables and index ranges")):
        values = timings[name]
        lines.append(f"| {title} | {statistics.median(values):.1f} | "
                     f"{percentile(values, 0.95):.1f} | {max(values):.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
