"""Benchmark B7: declaring a crisis over a city at world scale, against one SQL statement.

    .venv/bin/python bench/b7_declare.py                  # large data set (not yet timed)
    .venv/bin/python bench/b7_declare.py --scale medium   # about 75 s (load 16, 2 cores)
    .venv/bin/python bench/b7_declare.py --scale small    # the smoke run (about 30 s)

On the shared data set (bench/data.py, PostgreSQL vigil_bench_data_<scale>), a 25 km circle
round the city of the data set whose circle holds nearest --target people (staff members and
dependants with a home in it; about 5,000 at the large scale). Each round picks a 24 h window
at a random time of the data's two years (seeded) and times, as one piece:

1. ``services.crisis_declare`` by a security officer of the city's country: the crisis, its
   zone and window, its lead, and the headcount of everyone presumed in the zone during the
   window (zone.presumed_in over the window's moments, then the AccountEntry rows written);
2. the crisis's headcount board (``crisis:board``) rendered through Django's test client as
   that officer (status 200 checked).

Reference, timed in the same round (Vigil and reference alternate which goes first): one SQL
statement that selects the same people: the window's moments (its start, its end, and the
arrivals of cleared trips in the zone's grid cells, thinned to 48 as Vigil thins them), and at
each moment, by LATERAL join, the travellers whose presence is in the circle and the people at
home in it (residence, duty station, or the staff member's home) who are not away on a trip,
with the great-circle test in SQL; DISTINCT (staff member, dependant). The set of (staff
member, dependant) on Vigil's headcount must equal the statement's, or the script stops.

Goal: Vigil <= 2 s end to end and <= 3 x the statement (medians of --rounds rounds, after one
round to warm the caches).

The data set is never changed: each Vigil round runs inside a transaction that is rolled back
(the officer, the crisis, its headcount, log, audit events and notifications all go with it;
the service's own ``transaction.atomic`` becomes a savepoint, and the after-commit hand-offs of
the notifications never run). The statements sent are counted; the shares of zone.presumed_in,
services.take_headcount and the board page are timed apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import data  # bench/data.py, next to this file
from common import Result, Row, counting, database_label, pg_database_exists, summary

LIMIT = 48  # travel.whereabouts.arrival_times' default, checked below


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(data.SCALES), default="large")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds (default 9 large and medium, 3 small)")
    parser.add_argument("--radius", type=float, default=25.0, help="km")
    parser.add_argument("--target", type=int, default=None,
                        help="people with a home in the circle (default 5,000 large, 1,000 "
                        "medium, 300 small)")
    parser.add_argument("--city", default=None, help="a city of the data set, by name")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-moment", action="store_true",
                        help="the zone read moment by moment, as before zone.present_during "
                        "(for the before figure)")
    parser.add_argument("--no-save", action="store_true",
                        help="print only; leave bench/results/B7.json as it is")
    return parser.parse_args()


@contextmanager
def timed(module: Any, name: str, into: dict[str, float]) -> Iterator[None]:
    """Time every call of ``module.name`` (added up in ``into[name]``) while inside."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - began

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


# --- The reference ------------------------------------------------------------------------------

def reference_statement(lat: float, lon: float, radius: float) -> tuple[str, list[Any]]:
    """One statement: the people presumed in the circle at some moment of the window, as
    (staff member, dependant). Parameters after the SQL: start, end (twice each, as the
    statement names them with %(start)s and %(end)s)."""
    from vigil.places.rules import EARTH_RADIUS_KM
    from vigil.travel import rules

    box = rules.circle_box(lat, lon, radius)
    cells = [c for first, last in rules.cell_ranges(box) for c in range(first, last + 1)]
    if box.west <= box.east:
        def lon_in(column: str) -> str:
            return f"{column} BETWEEN {box.west!r} AND {box.east!r}"
    else:
        def lon_in(column: str) -> str:
            return f"({column} >= {box.west!r} OR {column} <= {box.east!r})"

    def home_box(lat_col: str, lon_col: str) -> str:
        return f"{lat_col} BETWEEN {box.south!r} AND {box.north!r} AND {lon_in(lon_col)}"

    cell_list = ", ".join(str(c) for c in cells)
    active = ("{a}.starts_at > m.at - interval '%(days)s days' AND {a}.starts_at <= m.at "
              "AND {a}.ends_at > m.at AND {a}.cleared")
    away_person = (f"NOT EXISTS (SELECT 1 FROM travel_presence x WHERE x.person_id = p.id AND "
                   f"COALESCE(x.dependant_id, 0) = 0 AND {active.format(a='x')})")
    away_dependant = (f"NOT EXISTS (SELECT 1 FROM travel_presence x WHERE x.dependant_id = d.id "
                      f"AND {active.format(a='x')})")
    live = "p.status <> 'separated'"
    stations = f"SELECT id FROM places_dutystation WHERE {home_box('latitude', 'longitude')}"
    sql = f"""
    WITH arrivals AS (
        SELECT DISTINCT starts_at AS t FROM travel_presence
         WHERE cell IN ({cell_list}) AND cleared
           AND starts_at >= %(start)s AND starts_at < %(end)s),
    numbered AS (
        SELECT t, row_number() OVER (ORDER BY t) - 1 AS rn, count(*) OVER () AS n
          FROM arrivals),
    moments AS (
        SELECT CAST(%(start)s AS timestamptz) AS at
        UNION SELECT CAST(%(end)s AS timestamptz)
        UNION SELECT t FROM numbered
         WHERE n <= {LIMIT} OR EXISTS (
               SELECT 1 FROM generate_series(0, {LIMIT - 1}) i
                WHERE floor(i * (n::float8 / {LIMIT})) = rn))
    SELECT DISTINCT f.person_id, f.dependant_id
      FROM moments m CROSS JOIN LATERAL (
        SELECT pr.person_id, pr.dependant_id, pr.latitude AS lat, pr.longitude AS lon
          FROM travel_presence pr JOIN people_person p ON p.id = pr.person_id
          LEFT JOIN people_dependant d ON d.id = pr.dependant_id
         WHERE pr.cell IN ({cell_list}) AND {active.format(a='pr')}
           AND {live} AND (pr.dependant_id IS NULL OR d.status = 'active')
        UNION ALL
        SELECT p.id, NULL, p.residence_latitude, p.residence_longitude
          FROM people_person p
         WHERE {home_box('p.residence_latitude', 'p.residence_longitude')}
           AND {live} AND {away_person}
        UNION ALL
        SELECT p.id, NULL, s.latitude, s.longitude
          FROM places_dutystation s JOIN people_person p ON p.duty_station_id = s.id
         WHERE p.duty_station_id IN ({stations})
           AND COALESCE(p.residence_latitude, p.residence_longitude) IS NULL AND {live}
           AND {away_person}
        UNION ALL
        SELECT p.id, d.id, p.residence_latitude, p.residence_longitude
          FROM people_person p JOIN people_dependant d ON d.person_id = p.id
         WHERE {home_box('p.residence_latitude', 'p.residence_longitude')}
           AND {live} AND COALESCE(d.residence_latitude, d.residence_longitude) IS NULL
           AND d.status = 'active' AND {away_dependant}
        UNION ALL
        SELECT p.id, d.id, s.latitude, s.longitude
          FROM places_dutystation s JOIN people_person p ON p.duty_station_id = s.id
          JOIN people_dependant d ON d.person_id = p.id
         WHERE p.duty_station_id IN ({stations})
           AND COALESCE(p.residence_latitude, p.residence_longitude) IS NULL AND {live}
           AND COALESCE(d.residence_latitude, d.residence_longitude) IS NULL
           AND d.status = 'active' AND {away_dependant}
        UNION ALL
        SELECT p.id, d.id, d.residence_latitude, d.residence_longitude
          FROM people_dependant d JOIN people_person p ON p.id = d.person_id
         WHERE {home_box('d.residence_latitude', 'd.residence_longitude')}
           AND {live} AND d.status = 'active' AND {away_dependant}
      ) f
     WHERE 2 * {EARTH_RADIUS_KM!r} * asin(least(1.0, sqrt(
             power(sin((radians(f.lat) - radians({lat!r})) / 2), 2)
             + cos(radians({lat!r})) * cos(radians(f.lat))
               * power(sin(radians(f.lon - {lon!r}) / 2), 2)))) <= {radius!r}
    """
    days = rules.MAX_PRESENCE.days
    assert rules.MAX_PRESENCE == dt.timedelta(days=days)
    return sql.replace("%(days)s", str(days)), []


def reference(sql: str, start: dt.datetime, end: dt.datetime) -> set[tuple[int, int | None]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end})
        return {(p, d) for p, d in cursor.fetchall()}


def timed_reference(sql: str, start: dt.datetime) -> tuple[float, set[tuple[int, int | None]]]:
    began = time.perf_counter()
    found = reference(sql, start, start + dt.timedelta(hours=24))
    return time.perf_counter() - began, found


# --- The city -----------------------------------------------------------------------------------

def homes_in_circle(lat: float, lon: float, radius: float) -> int:
    """Staff members and dependants whose home (residence, else duty station) is in the circle,
    ignoring travel: what picks the city."""
    from django.db.models import Q

    from vigil.people.models import Dependant, Person
    from vigil.places.models import DutyStation
    from vigil.places.rules import distance_km
    from vigil.travel import rules

    box = rules.circle_box(lat, lon, radius)
    near = [pk for pk, a, b in DutyStation.objects.filter(
        latitude__range=(box.south, box.north), longitude__range=(box.west, box.east))
        .values_list("pk", "latitude", "longitude") if distance_km(lat, lon, a, b) <= radius]
    people = Person.objects.exclude(status=Person.Status.SEPARATED)
    count = sum(1 for a, b in people.filter(
        residence_latitude__range=(box.south, box.north),
        residence_longitude__range=(box.west, box.east)).values_list(
        "residence_latitude", "residence_longitude") if distance_km(lat, lon, a, b) <= radius)
    at_station = people.filter(residence_latitude__isnull=True, duty_station_id__in=near)
    count += at_station.count()
    homes = Q(person__in=at_station) | Q(
        residence_latitude__isnull=True, person__residence_latitude__range=(box.south, box.north),
        person__residence_longitude__range=(box.west, box.east))
    count += Dependant.objects.filter(homes, status=Dependant.Status.ACTIVE).count()
    return count


def pick_city(info: dict[str, Any], args: argparse.Namespace) -> tuple[str, float, float, int]:
    cities = info["cities"]
    if args.city:
        chosen = [c for c in cities if c[0].lower() == args.city.lower()]
        if not chosen:
            sys.exit(f"--city: one of {', '.join(c[0] for c in cities)}")
        name, lat, lon = chosen[0]
        return name, lat, lon, homes_in_circle(lat, lon, args.radius)
    sized = [(name, lat, lon, homes_in_circle(lat, lon, args.radius))
             for name, lat, lon in cities]
    return min(sized, key=lambda c: (abs(c[3] - args.target), c[0]))


# --- One Vigil round ----------------------------------------------------------------------------

def vigil_round(city: tuple[str, float, float, int], country: Any, radius: float,
                start: dt.datetime) -> dict[str, Any]:
    """Declare the crisis and render its board inside a transaction rolled back after."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vigil.core.models import RoleGrant
    from vigil.core.roles import Role, ScopeKind
    from vigil.crisis import services
    from vigil.crisis import zone as zones
    from vigil.crisis.models import AccountEntry

    name, lat, lon, _homes = city
    spent: dict[str, float] = {}
    tally = [0]
    with transaction.atomic():
        officer = get_user_model().objects.create_user(username="bench.b7.officer")
        RoleGrant.objects.create(user=officer, role=Role.SECURITY_OFFICER,
                                 scope_kind=ScopeKind.COUNTRY, scope_id=country.pk)
        client = Client(HTTP_HOST="localhost")
        client.force_login(officer)
        # As a session after the right second-factor code (the tests' shortcut, src/conftest.py).
        device = TOTPDevice.objects.create(user=officer, name="Bench B7", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        with timed(zones, "presumed_in", spent), timed(services, "take_headcount", spent), \
                counting(tally):
            began = time.perf_counter()
            crisis = services.crisis_declare(actor=officer, now=start, data={
                "title": f"Bench B7: {name}", "description": "Declared by bench/b7_declare.py",
                "country": country, "incident_at": start,
                "zone_kind": "circle", "center_latitude": lat, "center_longitude": lon,
                "radius_km": radius, "window_start": start,
                "window_end": start + dt.timedelta(hours=24)})
            declared = time.perf_counter()
            statements_declare = tally[0]
            response = client.get(reverse("crisis:board", args=[crisis.pk]))
            done = time.perf_counter()
        if response.status_code != 200:
            sys.exit(f"The board answered {response.status_code} {response.get('Location')}")
        people = set(AccountEntry.objects.filter(crisis=crisis).values_list(
            "person_id", "dependant_id"))
        total = AccountEntry.objects.filter(crisis=crisis).count()
        transaction.set_rollback(True)
    if total != len(people):
        sys.exit(f"{total} entries for {len(people)} (staff member, dependant)")
    return {"total": done - began, "declare": declared - began, "board": done - declared,
            "presumed_in": spent.get("presumed_in", 0.0),
            "take_headcount": spent.get("take_headcount", 0.0),
            "statements": tally[0], "statements declare": statements_declare,
            "statements board": tally[0] - statements_declare, "people": people,
            "page bytes": len(response.content)}


# --- Main ---------------------------------------------------------------------------------------

def main() -> None:
    args = parse()
    rounds = args.rounds or (3 if args.scale == "small" else 9)
    target = args.target or {"large": 5000, "medium": 1000, "small": 300}[args.scale]
    args.target = target
    name = data.database_name(args.scale)
    if pg_database_exists(name):
        import psycopg
        from common import pg_url

        with psycopg.connect(pg_url(name)) as conn:
            complete = conn.execute("SELECT to_regclass('bench_dataset')").fetchone()
        if not complete or complete[0] is None:
            sys.exit(f"{name} is being built (no bench_dataset table yet): try again later.")
    result = Result(
        id="B7", title="Declaring a crisis over a city",
        workload="", reference="", goal="<= 2 s end to end and <= 3x one SQL statement")
    info = data.ensure_dataset(args.scale)
    import inspect

    from vigil.places.models import Country
    from vigil.travel import whereabouts

    if inspect.signature(whereabouts.arrival_times).parameters["limit"].default != LIMIT:
        sys.exit("travel.whereabouts.arrival_times thins to another number of moments")
    if args.per_moment:
        from vigil.crisis import zone as zones

        zones.Zone.region = lambda self: None  # type: ignore[method-assign]
        for kind in (zones.Circle, zones.Polygon):
            del kind.region
    city = pick_city(info, args)
    cname, lat, lon, homes = city
    iso2 = next(c[2] for c in data.CENTRES if c[1] == cname)
    country = Country.objects.get(iso2=iso2)
    sql, _ = reference_statement(lat, lon, args.radius)
    window = [dt.datetime.fromisoformat(v) for v in info["window"]]
    rng = random.Random(args.seed)
    span = (window[1] - window[0] - dt.timedelta(days=1)).total_seconds()
    label = database_label()
    load = os.getloadavg()[0]
    print(f"{label}; {args.scale}: {cname}, {args.radius:g} km, {homes:,} people with a home "
          "in the circle", file=sys.stderr)

    times: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    sizes: list[int] = []
    for number in range(rounds + 1):  # the first warms the caches and is not counted
        start = window[0] + dt.timedelta(seconds=round(rng.random() * span / 60) * 60)
        first_vigil = number % 2 == 0

        if not first_vigil:
            ref_time, expected = timed_reference(sql, start)
        found = vigil_round(city, country, args.radius, start)
        if first_vigil:
            ref_time, expected = timed_reference(sql, start)
        if found["people"] != expected:
            only_vigil = sorted(found["people"] - expected)[:10]
            only_ref = sorted(expected - found["people"])[:10]
            sys.exit(f"Different people at {start:%Y-%m-%d %H:%M}: {len(found['people'])} on "
                     f"the headcount, {len(expected)} from the statement; only on the "
                     f"headcount {only_vigil}, only from the statement {only_ref}")
        print(f"  round {number}: {start:%Y-%m-%d %H:%M}, {len(expected):,} people: vigil "
              f"{found['total']:.3f} s ({found['statements']} statements), statement "
              f"{ref_time:.3f} s" + (" (warm-up)" if number == 0 else ""), file=sys.stderr)
        if number == 0:
            continue
        sizes.append(len(expected))
        for key in ("total", "declare", "presumed_in", "take_headcount", "board"):
            times.setdefault(key, []).append(found[key])
        times.setdefault("reference", []).append(ref_time)
        for key in ("statements", "statements declare", "statements board"):
            counts.setdefault(key, []).append(found[key])

    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["total"] / med["reference"]
    result.workload = (
        f"services.crisis_declare of a {args.radius:g} km circle round {cname} ({homes:,} "
        f"people with a home in it) and a 24 h window at a random time of the data's two "
        f"years, then its headcount board rendered through Django's test client as the "
        f"declaring security officer; {rounds} rounds after one warm-up, each in a transaction "
        f"rolled back; {statistics.median(sizes):,.0f} people on the headcount (median, "
        f"{min(sizes):,} to {max(sizes):,})")
    result.reference = (
        "one SQL statement selecting the same (staff member, dependant) set: the window's "
        "moments (start, end, thinned arrivals) and, by LATERAL join at each, the travellers "
        "in the circle and the people at home in it not away on a trip, great-circle test in "
        "SQL; checked equal to the headcount's set every round")
    result.database = label
    result.scale = {"scale": args.scale, "city": cname, "radius_km": args.radius,
                    "homes_in_circle": homes, "rounds": rounds,
                    "people_median": statistics.median(sizes),
                    **info["counts"]}
    result.rows = [
        Row("declare and board, end to end (median)", round(med["total"], 3),
            round(med["reference"], 3), "s", "<= 2 s and <= 3x",
            med["total"] <= 2 and ratio <= 3),
        Row("declare and board, p95", summary(times["total"])["p95"],
            summary(times["reference"])["p95"], "s", "", None),
    ]
    result.detail = {"times": {k: summary(v) for k, v in times.items()},
                     "statements": {k: {"p50": statistics.median(v), "max": max(v)}
                                    for k, v in counts.items()}}
    parts = ", ".join(f"{k} {med[k]:.2f} s" for k in ("presumed_in", "take_headcount", "declare",
                                                        "board"))
    result.notes = [
        f"Medians: {parts} (take_headcount includes presumed_in; declare includes "
        f"take_headcount); statements per round "
        f"{statistics.median(counts['statements']):.0f} (declaration "
        f"{statistics.median(counts['statements declare']):.0f}, board "
        f"{statistics.median(counts['statements board']):.0f}).",
        f"Machine load average (1 min) at the start: {load:.1f} on 2 cores.",
        *([f"Measured on the {args.scale} data set, not the large one."]
          if args.scale != "large" else []),
        *(["The zone read moment by moment (--per-moment), as before the speed work."]
          if args.per_moment else [])]
    if not result.met:
        reasons = []
        if med["total"] > 2:
            reasons.append(f"{med['total']:.2f} s end to end, over 2 s, on a machine at load "
                           f"{load:.0f} (2 cores); of it zone.presumed_in {med['presumed_in']:.2f}"
                           f" s (travellers worked out moment by moment in Python) and the "
                           f"board {med['board']:.2f} s")
        if ratio > 3:
            reasons.append(f"{ratio:.1f}x the statement, over 3x")
        result.gap = "; ".join(reasons)
    if args.scale != "large":
        result.gap = "; ".join(filter(None, [
            result.gap, f"measured on the {args.scale} data set ({info['counts']['personnel']:,} "
            f"staff), not the large one (300,000)"]))
    lines = [f"{label}, {args.scale}: {cname}, {rounds} rounds, people median "
             f"{statistics.median(sizes):,.0f}",
             "| part | p50 s | p95 s |", "|---|---|---|"]
    for key in ("total", "declare", "presumed_in", "take_headcount", "board", "reference"):
        s = summary(times[key])
        lines.append(f"| {key} | {s['p50']:.3f} | {s['p95']:.3f} |")
    lines.append(f"ratio {ratio:.2f}; statements {result.detail['statements']}")
    print("\n".join(lines))
    if not args.no_save:
        print(f"Saved {result.save()}", file=sys.stderr)


if __name__ == "__main__":
    main()
