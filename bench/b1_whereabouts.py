"""B1: who is near a point and who is in an area, against PostGIS on the same rows.

    .venv/bin/python bench/b1_whereabouts.py                  # the large data set (bench/data.py)
    .venv/bin/python bench/b1_whereabouts.py --scale medium --queries 100
    .venv/bin/python bench/b1_whereabouts.py --scale small    # the smoke run, well under a minute

On the shared data set (``data.ensure_dataset``: personnel round duty stations, their
dependants, two years of travel with its presences), it times, for --queries random queries
each:

- ``whereabouts.who_is_near(lat, lon, 25 km, t)``: a point near a residence or a duty station
  (half each, moved by up to 0.1 degree), a time in the data set's two years;
- ``whereabouts.who_is_in(t, geometry=polygon)``: a polygon of 5 to 8 corners, 8 to 30 km from a
  point drawn the same way (a drawn area; the data set's security areas have no boundary);
- the who-is-where page (travel:whereabouts, through Django's test client, as a reader with the
  security officer's role everywhere), for --pages queries of the first kind;
- a crisis headcount (crisis.services.take_headcount of a 25 km circle and a 24-hour window, as
  as the earlier bench/crisis.py timed it), for --headcounts crises.

The reference, in the same run, interleaved query by query: PostGIS on a copy of the same rows
in schema ``bench_postgis`` of the data database (built once, reused; PostGIS is installed from
the distribution's package when missing): presences, people, dependants and duty stations with
a geography point, a GiST index on (geography, starts_at) (btree_gist) and one on its geometry
for polygons. One statement per query: ``ST_DWithin(point, centre, 25000, false)`` (a sphere, as
Vigil measures; with the spheroid about half the answers differ at the edge) or
``ST_Covers(polygon, point::geometry)`` (plane longitude/latitude, as Vigil's shapely test),
with the same rules (the trip covering t; else the residence; else the duty station; dependants
without a residence of their own at the staff member's home; separated staff and ineligible
dependants never). Both must give the same set of (staff member, dependant) for EVERY query, or
the script stops. The page and the headcount have the PostGIS statement at the same moments as
reference (the page: one statement; the headcount: one per moment, as zone.presumed_in reads).

Both run with ``SET max_parallel_workers_per_gather = 0``: on this 2-core machine PostgreSQL's
default of 2 workers makes single statements 2-3 times slower when others run.

Goal: who_is_near and who_is_in p95 <= 30 ms and <= 1.0x PostGIS. Time: at medium, 15 minutes
with --before on the loaded machine (load average 20), and 268 s once to build the PostGIS copy
(2.6 million presences; the large copy is ten times that); at small, 1 to 2 minutes loaded,
most of it the data set's migrate check and Django's start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data
from common import ROOT, Result, Row, database_label, summary

SCHEMA = "bench_postgis"
RADIUS_KM = 25.0
GOAL_MS = 30.0
KEY = tuple[int, int | None]
GAP = ("missed: {misses}. The 30 ms p95 is out of reach of the reference itself on this "
       "2-core machine at this scale: PostGIS's own p95 is {reference}. The slowest queries "
       "are those round the big cities, whose answers hold thousands of people. Against "
       "PostGIS, Vigil reads a latitude/longitude box (and, for travellers, its grid cells) and "
       "tests the circle or polygon exactly in Python, where PostGIS tests it in its GiST index "
       "and returns only the keys: Vigil reads more rows than it keeps (a polygon's box more "
       "than a circle's), as columns, and builds each answer in Python. Load average "
       "{load:.0f} on 2 cores at the end.")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--scale", choices=list(data.SCALES), default="large")
    parser.add_argument("--queries", type=int, default=200, help="of each kind")
    parser.add_argument("--pages", type=int, default=50, help="who-is-where pages")
    parser.add_argument("--headcounts", type=int, default=30, help="crisis headcounts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="a data set of the scale built elsewhere (bench/data.py "
                        "--database-url); default: the shared one, vigil_bench_data_<scale>")
    parser.add_argument("--rebuild-postgis", action="store_true",
                        help="drop the PostGIS copy and build it again")
    parser.add_argument("--no-save", action="store_true",
                        help="print the figures, do not write bench/results/B1.json")
    parser.add_argument("--label", default="", help="a note kept with the result")
    parser.add_argument("--before", metavar="REV", default=None,
                        help="also time travel/whereabouts.py as it was at git revision REV "
                        "(loaded beside the current one), interleaved: the speed work's before")
    args = parser.parse_args()
    if args.scale == "small":
        args.queries = min(args.queries, 40)
        args.pages = min(args.pages, 10)
        args.headcounts = min(args.headcounts, 5)
    return args


# --- PostGIS -------------------------------------------------------------------------------------

def _psycopg(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def ensure_postgis(url: str) -> None:
    """CREATE EXTENSION postgis and btree_gist; install the distribution's PostGIS package
    first when the server does not have it (as root; otherwise say what to run)."""
    with _psycopg(url) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            return
        except Exception as error:  # the server says why
            major = conn.info.server_version // 10000
            reason = str(error).strip().splitlines()[0]
    package = f"postgresql-{major}-postgis-3"
    if os.geteuid() != 0:
        sys.exit(f"PostGIS is not installed on the server ({reason}). Install it, as root: "
                 f"apt-get install -y {package}")
    print(f"PostGIS missing ({reason}): apt-get install -y {package} ...", file=sys.stderr)
    subprocess.run(["/usr/bin/apt-get", "install", "-y", package], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    with _psycopg(url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")


POINT = "ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography"
COPY = [
    f"""CREATE TABLE {SCHEMA}.presence AS
        SELECT id, person_id, dependant_id, request_id, segment_id, kind, cleared, starts_at,
               ends_at, {POINT.format(lon='longitude', lat='latitude')} AS geog
          FROM travel_presence""",
    f"""CREATE TABLE {SCHEMA}.station AS
        SELECT id, {POINT.format(lon='longitude', lat='latitude')} AS geog FROM places_dutystation
    """,
    # live: not separated. no_residence: as Vigil reads it, "residence_latitude IS NULL".
    f"""CREATE TABLE {SCHEMA}.person AS
        SELECT id, status <> 'separated' AS live, duty_station_id,
               residence_latitude IS NULL AS no_residence,
               CASE WHEN residence_latitude IS NOT NULL AND residence_longitude IS NOT NULL
                    THEN {POINT.format(lon='residence_longitude', lat='residence_latitude')}
               END AS residence
          FROM people_person""",
    f"""CREATE TABLE {SCHEMA}.dependant AS
        SELECT id, person_id, status = 'active' AS live,
               residence_latitude IS NULL AS no_residence,
               CASE WHEN residence_latitude IS NOT NULL AND residence_longitude IS NOT NULL
                    THEN {POINT.format(lon='residence_longitude', lat='residence_latitude')}
               END AS residence
          FROM people_dependant""",
    f"ALTER TABLE {SCHEMA}.presence ADD PRIMARY KEY (id)",
    f"ALTER TABLE {SCHEMA}.station ADD PRIMARY KEY (id)",
    f"ALTER TABLE {SCHEMA}.person ADD PRIMARY KEY (id)",
    f"ALTER TABLE {SCHEMA}.dependant ADD PRIMARY KEY (id)",
    f"CREATE INDEX ON {SCHEMA}.presence USING gist (geog, starts_at)",
    f"CREATE INDEX ON {SCHEMA}.presence USING gist ((geog::geometry), starts_at)",
    f"CREATE INDEX ON {SCHEMA}.presence (person_id, starts_at)",
    f"CREATE INDEX ON {SCHEMA}.presence (dependant_id, starts_at) WHERE dependant_id IS NOT NULL",
    f"CREATE INDEX ON {SCHEMA}.station USING gist (geog)",
    f"CREATE INDEX ON {SCHEMA}.station USING gist ((geog::geometry))",
    f"CREATE INDEX ON {SCHEMA}.person USING gist (residence)",
    f"CREATE INDEX ON {SCHEMA}.person USING gist ((residence::geometry))",
    f"CREATE INDEX ON {SCHEMA}.person (duty_station_id)",
    f"CREATE INDEX ON {SCHEMA}.dependant USING gist (residence)",
    f"CREATE INDEX ON {SCHEMA}.dependant USING gist ((residence::geometry))",
    f"CREATE INDEX ON {SCHEMA}.dependant (person_id)",
]


def ensure_copy(url: str, rebuild: bool) -> dict[str, Any]:
    """The PostGIS copy of the rows in schema bench_postgis, built unless one of the same row
    counts is there. Returns {"built": seconds or None, "rows": presences copied}."""
    with _psycopg(url) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM travel_presence), "
                              "(SELECT count(*) FROM people_person), "
                              "(SELECT count(*) FROM people_dependant)").fetchone()
        marker = ",".join(map(str, counts))
        have = conn.execute("SELECT to_regclass(%s)", [f"{SCHEMA}.built"]).fetchone()[0]
        if have and not rebuild:
            done = conn.execute(f"SELECT marker FROM {SCHEMA}.built").fetchone()
            if done and done[0] == marker:
                return {"built": None, "rows": counts[0]}
        print(f"Building the PostGIS copy ({counts[0]:,} presences) ...", file=sys.stderr)
        began = time.perf_counter()
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in COPY:
            step = time.perf_counter()
            conn.execute(statement)
            print(f"  {time.perf_counter() - step:6.1f} s  {' '.join(statement.split())[:90]}",
                  file=sys.stderr)
        conn.execute(f"ANALYZE {SCHEMA}.presence")
        for table in ("station", "person", "dependant"):
            conn.execute(f"ANALYZE {SCHEMA}.{table}")
        conn.execute(f"CREATE TABLE {SCHEMA}.built (marker TEXT NOT NULL)")
        conn.execute(f"INSERT INTO {SCHEMA}.built VALUES (%s)", [marker])
        seconds = time.perf_counter() - began
        print(f"Built in {seconds:.0f} s.", file=sys.stderr)
        return {"built": round(seconds, 1), "rows": counts[0]}


def postgis_sql(place: str) -> str:
    """One statement: everyone presumed in ``place`` at %(at)s; ``place`` is a condition on
    the geography column named by {g} (ST_DWithin for a circle, ST_Covers for a polygon)."""
    active = ("{a}.starts_at > %(since)s AND {a}.starts_at <= %(at)s AND {a}.ends_at > %(at)s "
              "AND {a}.cleared")
    away_person = (f"EXISTS (SELECT 1 FROM {SCHEMA}.presence x WHERE x.person_id = p.id "
                   f"AND x.dependant_id IS NULL AND {active.format(a='x')})")
    away_dependant = (f"EXISTS (SELECT 1 FROM {SCHEMA}.presence x WHERE x.dependant_id = d.id "
                      f"AND {active.format(a='x')})")
    return f"""
    SELECT pr.person_id, pr.dependant_id
      FROM {SCHEMA}.presence pr JOIN {SCHEMA}.person p ON p.id = pr.person_id
      LEFT JOIN {SCHEMA}.dependant d ON d.id = pr.dependant_id
     WHERE {place.format(g='pr.geog')} AND {active.format(a='pr')}
       AND p.live AND (pr.dependant_id IS NULL OR d.live)
    UNION
    SELECT p.id, NULL FROM {SCHEMA}.person p
     WHERE {place.format(g='p.residence')} AND p.live AND NOT {away_person}
    UNION
    SELECT p.id, NULL FROM {SCHEMA}.station s JOIN {SCHEMA}.person p
        ON p.duty_station_id = s.id AND p.no_residence
     WHERE {place.format(g='s.geog')} AND p.live AND NOT {away_person}
    UNION
    SELECT p.id, d.id FROM {SCHEMA}.person p JOIN {SCHEMA}.dependant d ON d.person_id = p.id
     WHERE {place.format(g='p.residence')} AND p.live AND d.live AND d.no_residence
       AND NOT {away_dependant}
    UNION
    SELECT p.id, d.id FROM {SCHEMA}.station s JOIN {SCHEMA}.person p
        ON p.duty_station_id = s.id AND p.no_residence
      JOIN {SCHEMA}.dependant d ON d.person_id = p.id
     WHERE {place.format(g='s.geog')} AND p.live AND d.live AND d.no_residence
       AND NOT {away_dependant}
    UNION
    SELECT d.person_id, d.id FROM {SCHEMA}.dependant d JOIN {SCHEMA}.person p ON p.id = d.person_id
     WHERE {place.format(g='d.residence')} AND p.live AND d.live AND NOT {away_dependant}
    """


NEAR_SQL = postgis_sql("ST_DWithin({g}, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
                       "::geography, %(metres)s, false)")
IN_SQL = postgis_sql("ST_Covers(ST_GeomFromGeoJSON(%(polygon)s), {g}::geometry)")


def module_at(rev: str) -> Any:
    """travel/whereabouts.py as it was at git revision ``rev``, as a module of its own."""
    import types

    source = subprocess.run(["/usr/bin/git", "show", f"{rev}:src/vigil/travel/whereabouts.py"],
                            cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("whereabouts_before")
    module.__file__ = f"whereabouts.py@{rev}"
    sys.modules[module.__name__] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


# --- Queries -------------------------------------------------------------------------------------

def draw_points(rng: random.Random, count: int, window: tuple[dt.datetime, dt.datetime]
                ) -> list[tuple[float, float, dt.datetime]]:
    """Points near a residence or a duty station (half each), times in the window."""
    from vigil.people.models import Person
    from vigil.places.models import DutyStation

    homes = list(Person.objects.filter(residence_latitude__isnull=False,
                                       residence_longitude__isnull=False)
                 .order_by("pk").values_list("residence_latitude", "residence_longitude"))
    stations = list(DutyStation.objects.order_by("pk").values_list("latitude", "longitude"))
    start, end = window
    out = []
    for _ in range(count):
        lat, lon = rng.choice(homes) if rng.random() < 0.5 else rng.choice(stations)
        lat = max(-89.0, min(89.0, lat + rng.uniform(-0.1, 0.1)))
        lon = (lon + rng.uniform(-0.1, 0.1) + 180) % 360 - 180
        at = (start + (end - start) * rng.random()).replace(microsecond=0)
        out.append((lat, lon, at))
    return out


def polygon_round(rng: random.Random, lat: float, lon: float) -> dict[str, Any]:
    """A GeoJSON polygon of 5 to 8 corners, 8 to 30 km from (lat, lon), in angle order."""
    corners = rng.randint(5, 8)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(corners))
    ring = []
    for angle in angles:
        km = rng.uniform(8, 30)
        dlat = km / 111.2 * math.sin(angle)
        dlon = km / (111.2 * max(0.05, math.cos(math.radians(lat)))) * math.cos(angle)
        ring.append([round(lon + dlon, 6), round(lat + dlat, 6)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


# --- Measuring -----------------------------------------------------------------------------------

def no_parallel_workers() -> None:
    """SET max_parallel_workers_per_gather = 0 on Django's connection, now and on reconnect."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def setting(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")

    connection_created.connect(setting, weak=False)
    connection.ensure_connection()
    setting(None, connection)


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    found = run()
    return found, (time.perf_counter() - began) * 1000


def compare(kind: str, number: int, vigil: set[KEY], reference: set[KEY], what: str) -> None:
    if vigil != reference:
        sys.exit(f"{kind} {number} ({what}): different answers: {len(vigil)} by Vigil, "
                 f"{len(reference)} by PostGIS; differing: {sorted(vigil ^ reference)[:10]}")


def queries(args: argparse.Namespace, window: tuple[dt.datetime, dt.datetime],
            connection: Any) -> dict[str, Any]:
    import json

    from vigil.travel import rules, whereabouts

    rng = random.Random(args.seed)
    warm = 5
    points = draw_points(rng, args.queries + warm, window)
    polygons = [(polygon_round(rng, lat, lon), at) for lat, lon, at in
                draw_points(rng, args.queries + warm, window)]
    times: dict[str, list[float]] = {k: [] for k in (
        "near", "near_ref", "near_before", "in", "in_ref", "in_before")}
    sizes: dict[str, list[int]] = {"near": [], "in": []}
    before = module_at(args.before) if args.before else None

    def reference(sql: str, params: dict[str, Any]) -> set[KEY]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {(p, d) for p, d in cursor.fetchall()}

    for number in range(args.queries + warm):
        lat, lon, at = points[number]
        geometry, when = polygons[number]
        near = {"lat": lat, "lon": lon, "metres": RADIUS_KM * 1000, "at": at,
                "since": at - rules.MAX_PRESENCE}
        inside = {"polygon": json.dumps(geometry), "at": when,
                  "since": when - rules.MAX_PRESENCE}
        runs: dict[str, Callable[[], set[KEY]]] = {
            "near": lambda lat=lat, lon=lon, at=at: {
                w.key for w in whereabouts.who_is_near(lat, lon, RADIUS_KM, at)},
            "near_ref": lambda near=near: reference(NEAR_SQL, near),
            "in": lambda geometry=geometry, when=when: {
                w.key for w in whereabouts.who_is_in(when, geometry=geometry)},
            "in_ref": lambda inside=inside: reference(IN_SQL, inside)}
        if before is not None:
            runs["near_before"] = lambda lat=lat, lon=lon, at=at: {
                w.key for w in before.who_is_near(lat, lon, RADIUS_KM, at)}
            runs["in_before"] = lambda geometry=geometry, when=when: {
                w.key for w in before.who_is_in(when, geometry=geometry)}
        names = list(runs)
        if number % 2:  # who goes first alternates
            names.reverse()
        got: dict[str, set[KEY]] = {}
        took: dict[str, float] = {}
        for name in names:
            got[name], took[name] = timed(runs[name])
        for name in got:
            kind = name.split("_")[0]
            compare(f"who_is_{kind} ({name})", number, got[name], got[f"{kind}_ref"],
                    f"{lat:.4f},{lon:.4f} at {at}" if kind == "near" else f"{geometry} at {when}")
        if number < warm:
            continue
        for name, value in took.items():
            times[name].append(value)
        sizes["near"].append(len(got["near"]))
        sizes["in"].append(len(got["in"]))
    return {"times": times, "sizes": sizes}


def pages(args: argparse.Namespace, window: tuple[dt.datetime, dt.datetime],
          connection: Any) -> dict[str, list[float]]:
    """The who-is-where page for a 25 km circle, as a reader with the security officer's role
    everywhere; in a transaction rolled back (the page writes an audit event)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vigil.core.models import RoleGrant
    from vigil.core.roles import Role, ScopeKind
    from vigil.travel import rules, selectors

    rng = random.Random(args.seed + 7)
    points = draw_points(rng, args.pages + 3, window)
    times: dict[str, list[float]] = {"page": [], "page_ref": [], "page_before": [], "rows": []}
    url = reverse("travel:whereabouts")
    before = module_at(args.before) if args.before else None
    setup_test_environment()  # as a test run: the test client's host, the page's context
    with transaction.atomic():
        reader = get_user_model().objects.create_user(username="bench.b1.reader")
        RoleGrant.objects.create(user=reader, role=Role.SECURITY_OFFICER,
                                 scope_kind=ScopeKind.GLOBAL)
        client = Client()
        client.force_login(reader)
        # The second factor counted as verified, as the tests' force_login does.
        device = TOTPDevice.objects.create(user=reader, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        for number, (lat, lon, at) in enumerate(points):
            lat, lon = round(lat, 5), round(lon, 5)  # as the page is given them
            query = {"latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}",
                     "radius_km": str(RADIUS_KM), "at": at.strftime("%Y-%m-%dT%H:%M")}
            at = at.replace(second=0)
            response, took = timed(lambda query=query: client.get(url, query))
            if response.status_code != 200:
                sys.exit(f"The who-is-where page answered {response.status_code}")
            if before is not None:
                with mock.patch.object(selectors, "whereabouts", before):
                    old, took_before = timed(lambda query=query: client.get(url, query))
                if old.context["count"] != response.context["count"]:
                    sys.exit("The page before the speed work found another count")
                if number >= 3:
                    times["page_before"].append(took_before)
            params = {"lat": lat, "lon": lon, "metres": RADIUS_KM * 1000, "at": at,
                      "since": at - rules.MAX_PRESENCE}
            with connection.cursor() as cursor:
                _rows, ref = timed(lambda params=params: (cursor.execute(NEAR_SQL, params),
                                                          cursor.fetchall())[1])
            if response.context["count"] != len(_rows):
                sys.exit(f"The page found {response.context['count']}, PostGIS {len(_rows)}")
            if number >= 3:
                times["page"].append(took)
                times["page_ref"].append(ref)
                times["rows"].append(len(_rows))
        transaction.set_rollback(True)
    return times


def new_crisis(model: Any, user: Any, lat: float, lon: float, start: dt.datetime,
               end: dt.datetime, country_id: int, title: str) -> Any:
    """A crisis over a 25 km circle, its row made directly (the declaration's own work is
    B7's): what take_headcount reads."""
    return model.objects.create(
        title=title, country_id=country_id, incident_at=start, activated_at=start,
        declared_by=user, zone_kind=model.ZoneKind.CIRCLE, center_latitude=lat,
        center_longitude=lon, radius_km=RADIUS_KM, window_start=start, window_end=end)


def headcounts(args: argparse.Namespace, window: tuple[dt.datetime, dt.datetime],
               connection: Any) -> dict[str, list[float]]:
    """crisis.services.take_headcount of a 25 km circle over 24 hours (a Crisis row made
    directly), in a transaction rolled back. Reference: the PostGIS
    statement at each moment the headcount read (zone.presumed_in's moments), unioned."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from vigil.crisis import services
    from vigil.crisis.models import AccountEntry, Crisis
    from vigil.places.models import DutyStation
    from vigil.travel import rules, whereabouts

    rng = random.Random(args.seed + 11)
    points = draw_points(rng, args.headcounts + 2, window)
    stations = list(DutyStation.objects.values_list("latitude", "longitude", "country_id"))
    times: dict[str, list[float]] = {"headcount": [], "headcount_ref": [], "rows": [],
                                     "moments": []}
    with transaction.atomic():
        user = get_user_model().objects.create_user(username="bench.b1.declarer")
        for number, (lat, lon, start) in enumerate(points):
            end = start + dt.timedelta(hours=24)
            country = min(stations, key=lambda s: rules.distance_km(lat, lon, s[0], s[1]))[2]
            crisis = new_crisis(Crisis, user, lat, lon, start, end, country,
                                f"B1 crisis {number}")
            moments = sorted({start, end, *whereabouts.arrival_times(
                whereabouts.circle(lat, lon, RADIUS_KM), start, end)})
            with transaction.atomic():
                _added, took = timed(lambda crisis=crisis: services.take_headcount(crisis))
            mine = set(AccountEntry.objects.filter(crisis=crisis).values_list(
                "person_id", "dependant_id"))

            def reference(lat: float = lat, lon: float = lon,
                          moments: list[dt.datetime] = moments) -> set[KEY]:
                found: set[KEY] = set()
                with connection.cursor() as cursor:
                    for at in moments:
                        cursor.execute(NEAR_SQL, {"lat": lat, "lon": lon,
                                                  "metres": RADIUS_KM * 1000, "at": at,
                                                  "since": at - rules.MAX_PRESENCE})
                        found.update((p, d) for p, d in cursor.fetchall())
                return found

            theirs, ref = timed(reference)
            compare("headcount", number, mine, theirs, f"{lat:.4f},{lon:.4f} from {start}")
            if number >= 2:
                times["headcount"].append(took)
                times["headcount_ref"].append(ref)
                times["rows"].append(len(mine))
                times["moments"].append(len(moments))
        transaction.set_rollback(True)
    return times


def main() -> None:
    args = parse()
    info = data.ensure_dataset(args.scale, url=args.database_url)
    ensure_postgis(info["url"])
    copy = ensure_copy(info["url"], args.rebuild_postgis)
    from django.db import connection

    no_parallel_workers()
    window = (dt.datetime.fromisoformat(info["window"][0]),
              dt.datetime.fromisoformat(info["window"][1]))
    result = Result(
        id="B1", title="Who is near, who is in",
        workload=(f"{args.queries} random who_is_near (25 km) and who_is_in (drawn polygon) "
                  f"queries, {args.pages} who-is-where pages, {args.headcounts} crisis "
                  f"headcounts, on the {args.scale} data set"),
        reference=("PostGIS 3 on a copy of the same rows (schema bench_postgis): GiST on "
                   "geography and starts_at, ST_DWithin on a sphere, ST_Covers for polygons; "
                   "one statement per query"),
        goal=f"p95 <= {GOAL_MS:g} ms and <= 1.0x PostGIS",
        scale={"scale": args.scale, **info["counts"]}, database=database_label())
    if args.label:
        result.notes.append(args.label)
    result.notes.append("Load average when it started: "
                        + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + ".")
    began = time.perf_counter()
    found = queries(args, window, connection)
    print(f"queries: {time.perf_counter() - began:.0f} s", file=sys.stderr)
    page = pages(args, window, connection) if args.pages else None
    count = headcounts(args, window, connection) if args.headcounts else None

    t = found["times"]
    for kind, name in (("near", "who_is_near, 25 km"), ("in", "who_is_in, drawn polygon")):
        mine, theirs = summary(t[kind]), summary(t[f"{kind}_ref"])
        sizes = sorted(found["sizes"][kind])
        for stat in ("p50", "p95"):
            goal = (f"<= {GOAL_MS:g} ms and <= 1.0x" if stat == "p95" else "")
            met = (mine[stat] <= GOAL_MS and mine[stat] <= theirs[stat]) if stat == "p95" \
                else None
            result.rows.append(Row(f"{name}, {stat}", round(mine[stat], 1),
                                   round(theirs[stat], 1), "ms", goal, met,
                                   note=f"people found: median {sizes[len(sizes) // 2]}, "
                                   f"max {sizes[-1]}" if stat == "p50" else ""))
        if t[f"{kind}_before"]:
            old = summary(t[f"{kind}_before"])
            for stat in ("p50", "p95"):
                result.rows.append(Row(f"{name}, before the speed work ({args.before}), {stat}",
                                       round(old[stat], 1), round(theirs[stat], 1), "ms", "",
                                       None, note="seven statements built by the ORM"))
            result.detail[f"{kind}_before"] = old
        result.detail[kind] = {"vigil": mine, "postgis": theirs,
                               "found_median": sizes[len(sizes) // 2], "found_max": sizes[-1]}
    if page:
        mine, theirs = summary(page["page"]), summary(page["page_ref"])
        result.rows.append(Row("who-is-where page (25 km), p95", round(mine["p95"], 1),
                               round(theirs["p95"], 1), "ms", "", None,
                               note="reference: the bare PostGIS statement"))
        result.detail["page"] = {"vigil": mine, "postgis": theirs}
        if page["page_before"]:
            old = summary(page["page_before"])
            result.rows.append(Row(f"who-is-where page, before ({args.before}), p95",
                                   round(old["p95"], 1), round(theirs["p95"], 1), "ms", "",
                                   None))
            result.detail["page_before"] = old
    if count:
        mine, theirs = summary(count["headcount"]), summary(count["headcount_ref"])
        result.rows.append(Row("crisis headcount (25 km, 24 h), p95", round(mine["p95"], 1),
                               round(theirs["p95"], 1), "ms", "", None,
                               note=f"moments read: median "
                               f"{sorted(count['moments'])[len(count['moments']) // 2]}; "
                               "reference: the PostGIS statement at each moment, no write"))
        result.detail["headcount"] = {"vigil": mine, "postgis": theirs,
                                      "rows_median": sorted(count["rows"])[
                                          len(count["rows"]) // 2]}
    result.detail["postgis_copy"] = copy
    result.notes.append("max_parallel_workers_per_gather = 0 for Vigil and PostGIS alike.")
    misses = [r.name for r in result.rows if r.met is False]
    if misses:
        reference = ", ".join(f"{r.reference:.0f} ms ({r.name.split(',')[0]})"
                              for r in result.rows if r.met is False and r.reference)
        result.gap = GAP.format(misses="; ".join(misses), reference=reference,
                                load=os.getloadavg()[0])
    for row in result.rows:
        print(f"{row.name:45} vigil {row.vigil:8.1f}  postgis {row.reference:8.1f} {row.unit}"
              f"  x{row.ratio}  {'' if row.met is None else ('met' if row.met else 'MISSED')}")
    if not args.no_save:
        print(f"Written {result.save()}", file=sys.stderr)


if __name__ == "__main__":
    main()
