"""Benchmark B2: travel clearance throughput, in the service layer and over HTTP.

    .venv/bin/python bench/b2_clearance.py --scale large    # 100,000 requests, ~10 min
    .venv/bin/python bench/b2_clearance.py --scale small    # 2,000 requests, the smoke run

What "clearance through the service layer" is here: a draft travel request is submitted; the
clearance rules run on every stop (BSAFE/SSAFE of the traveller and dependants, overlap with
their other cleared trips, security level in force, advisories, area controls and visitor
limits, lead time, air operators), and the decision is written: the stops' clearances, the
request's status and version, its presences for whereabouts, one audit event in the
hash-chained log, and a notification to whoever holds a stop that needs approval (its e-mail
queued to Celery; the queue is kombu's in-memory broker here, so the sending, a worker's job,
is not timed). All of that, commit included, is what is timed.

(a) On PostgreSQL, with the small demo (duty stations, travellers, officers) and --requests
    drafts (2 segments, there and back, from the traveller's duty station to another one, on
    suitable or unassessed air operators) inserted in bulk first (not timed):
    1. per request: services.request_submit, one transaction each, on --sample drafts;
    2. bulk submission: services.requests_submit_many on all the other drafts
       (CLEAR_BATCH requests per transaction; the same rules, writes and audit);
    3. re-clearance after a level change: the level of every security area is raised to 4
       (manual clearance) and services.requests_reclear re-runs the rules on every open
       request, writing the ones that change; then once more with nothing changed.
    Goal: >= 5,000 requests/s. Query counts: per request, and per batch of the bulk paths.
(b) Over HTTP: gunicorn with 2 workers on this database, bench/b2_settings.py (Vigil's
    settings, bench/b2_urls.py: Vigil's URLs plus /bench/minimal/), wrk with
    bench/b2_clearance.lua POSTing one new trip per request to /api/v1/travel-requests/ with
    "submit": true (create and clear, API token auth), against the minimal Django JSON view
    with the same bodies, interleaved: minimal, API, minimal, API, --http-seconds in all
    for each. Goal: API throughput >= 0.5x the minimal view's; p50/p95/p99 reported (the
    worse of the two halves). The API's per-user rate limit is raised for the run.

The template database vigil_bench_b2_base (migrated, small demo) is built once (~70 s) and
copied for every run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PYTHON,
    ROOT,
    VAR,
    VIGIL,
    Result,
    Row,
    database_label,
    pg_admin,
    pg_database_exists,
    pg_url,
    summary,
)

BASE = "vigil_bench_b2_base"
DB = "vigil_bench_b2"
SCALES = {  # requests, per-request sample, HTTP seconds (each side)
    "small": (2_000, 100, 4),
    "medium": (20_000, 500, 30),
    "large": (100_000, 2_000, 60),
}
GOAL_RATE = 5_000.0
GOAL_HTTP = 0.5


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="large")
    parser.add_argument("--requests", type=int, default=None, help="drafts (default: scale)")
    parser.add_argument("--sample", type=int, default=None,
                        help="drafts submitted one by one (default: scale)")
    parser.add_argument("--http-seconds", type=int, default=None,
                        help="seconds of wrk for each side (default: scale)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--per-request-only", action="store_true",
                        help="only (a)1, printed, nothing saved (for a before/after run)")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--no-save", action="store_true", help="print only; no result file")
    args = parser.parse_args()
    requests, sample, seconds = SCALES[args.scale]
    args.requests = args.requests or requests
    args.sample = min(args.sample or sample, args.requests)
    args.http_seconds = args.http_seconds or seconds
    return args


def environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": pg_url(DB), "VIGIL_VAR_DIR": str(VAR),
            "CELERY_BROKER_URL": "memory://", "VIGIL_API_RATE_USER": "100000000/hour"}


def prepare_database() -> None:
    """vigil_bench_b2 as a fresh copy of the template (built once)."""
    VAR.mkdir(parents=True, exist_ok=True)
    if not pg_database_exists(BASE):
        pg_admin(f'CREATE DATABASE "{BASE}_building"')
        env = {**environment(), "DATABASE_URL": pg_url(f"{BASE}_building")}
        subprocess.run([VIGIL, "migrate", "-v0"], env=env, check=True)
        subprocess.run([VIGIL, "demo", "--scale", "small", "-v0"], env=env, check=True)
        pg_admin(f'ALTER DATABASE "{BASE}_building" RENAME TO "{BASE}"')
    pg_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{DB}" TEMPLATE "{BASE}"')


def setup() -> None:
    os.environ.update(environment())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")
    import django

    django.setup()


# --- Data ---------------------------------------------------------------------------------------

class World:
    """The demo's travellers, duty stations and operators, and where each traveller's next
    trip may start (trips of one traveller never overlap)."""

    def __init__(self, seed: int) -> None:
        from django.contrib.auth import get_user_model

        from vigil.core.models import RoleGrant
        from vigil.people.models import Person
        from vigil.places.models import DutyStation
        from vigil.travel.models import AirOperator

        self.random = random.Random(seed)
        self.admin = get_user_model().objects.get(pk=RoleGrant.objects.filter(
            role="administrator", scope_kind="global").values_list("user_id", flat=True)[0])
        self.people = list(Person.objects.filter(status=Person.Status.ACTIVE).exclude(
            duty_station=None).select_related("duty_station").order_by("pk"))
        self.stations = list(DutyStation.objects.order_by("pk"))
        self.suitable = list(AirOperator.objects.filter(suitability="suitable").order_by("pk"))
        self.unassessed = list(AirOperator.objects.filter(
            suitability="not_assessed").order_by("pk")[:50])
        self.next_day: dict[int, int] = {}

    def trip(self, first_day: int) -> tuple[Any, Any, Any, int]:
        """(traveller, destination, operator, days ahead of the trip's start)."""
        person = self.random.choice(self.people)
        destination = self.random.choice(
            [s for s in self.stations if s.pk != person.duty_station_id])
        operator = self.random.choice(self.unassessed if self.random.random() < 0.1
                                      else self.suitable)
        day = self.next_day.get(person.pk, first_day)
        self.next_day[person.pk] = day + 6
        return person, destination, operator, day


def load_drafts(world: World, count: int) -> list[int]:
    """``count`` draft requests with their segments, bulk inserted (not timed)."""
    from django.db import transaction

    from vigil.travel.models import Segment, TravelRequest

    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    ids: list[int] = []
    for start in range(0, count, 5000):
        requests, segments = [], []
        for _ in range(min(5000, count - start)):
            person, destination, operator, day = world.trip(10)
            home = person.duty_station
            departs = now + dt.timedelta(days=day, hours=world.random.randrange(12))
            back = departs + dt.timedelta(days=3)
            legs = [(home, destination, departs), (destination, home, back)]
            request = TravelRequest(traveller=person, requested_by=world.admin,
                                    purpose="B2 benchmark trip", starts_at=departs,
                                    ends_at=back + dt.timedelta(hours=8))
            requests.append(request)
            for position, (origin, to, leaves) in enumerate(legs, start=1):
                segments.append((request, Segment(
                    position=position, mode=Segment.Mode.AIR, operator=operator,
                    flight_number="UN 100", departs_at=leaves,
                    arrives_at=leaves + dt.timedelta(hours=8),
                    origin_station=origin, origin_name=origin.name,
                    origin_country_id=origin.country_id, origin_area_id=origin.security_area_id,
                    origin_latitude=origin.latitude, origin_longitude=origin.longitude,
                    origin_tz=origin.time_zone, destination_station=to,
                    destination_name=to.name, destination_country_id=to.country_id,
                    destination_area_id=to.security_area_id,
                    destination_latitude=to.latitude, destination_longitude=to.longitude,
                    destination_tz=to.time_zone)))
        with transaction.atomic():
            TravelRequest.objects.bulk_create(requests, batch_size=2000)
            for request, segment in segments:
                segment.request = request
            Segment.objects.bulk_create([s for _r, s in segments], batch_size=2000)
        ids += [r.pk for r in requests]
    return ids


def http_bodies(world: World, count: int, path: Path) -> None:
    """One create-and-submit body per line, for wrk: later trips than the loaded ones."""
    base = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    lines = []
    for _ in range(count):
        person, destination, operator, day = world.trip(10)
        start = dt.date.fromisoformat(base) + dt.timedelta(days=day)
        home = person.duty_station
        lines.append(json.dumps({
            "traveller": person.pk, "purpose": "B2 HTTP trip", "submit": True,
            "segments": [
                {"origin_station": home.code, "destination_station": destination.code,
                 "departs_local": f"{start}T06:00", "arrives_local": f"{start}T23:00",
                 "mode": "air", "operator": operator.pk, "flight_number": "UN 200"},
                {"origin_station": destination.code, "destination_station": home.code,
                 "departs_local": f"{start + dt.timedelta(days=3)}T06:00",
                 "arrives_local": f"{start + dt.timedelta(days=3)}T23:00",
                 "mode": "air", "operator": operator.pk, "flight_number": "UN 201"}]}))
    path.write_text("\n".join(lines) + "\n")


# --- (a) the service layer ----------------------------------------------------------------------

def queries_of(function: Any) -> tuple[Any, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        value = function()
    return value, len(captured.captured_queries)


def per_request(world: World, ids: list[int]) -> dict[str, Any]:
    """services.request_submit on each draft, one transaction each."""
    from vigil.travel import services
    from vigil.travel.models import TravelRequest

    timings, statuses, queries = [], {}, []
    requests = {r.pk: r for r in TravelRequest.objects.filter(pk__in=ids).select_related(
        "traveller__duty_station")}
    started = time.perf_counter()
    for index, pk in enumerate(ids):
        request = requests[pk]
        begun = time.perf_counter()
        if index < 20:  # the query count, on the first few
            _value, count = queries_of(lambda r=request: services.request_submit(
                actor=world.admin, request=r, version=r.version))
            queries.append(count)
        else:
            services.request_submit(actor=world.admin, request=request,
                                    version=request.version)
        timings.append((time.perf_counter() - begun) * 1000)
        statuses[request.status] = statuses.get(request.status, 0) + 1
    seconds = time.perf_counter() - started
    return {"requests": len(ids), "seconds": round(seconds, 2),
            "rate": round(len(ids) / seconds, 1), "ms": summary(timings),
            "queries": {"min": min(queries), "max": max(queries),
                        "mean": round(sum(queries) / len(queries), 1)},
            "statuses": statuses}


def bulk_submit(world: World, ids: list[int]) -> dict[str, Any]:
    from vigil.travel import services
    from vigil.travel.models import TravelRequest

    batch = services.CLEAR_BATCH
    first = list(TravelRequest.objects.filter(pk__in=ids[:batch]))
    started = time.perf_counter()
    done, queries = queries_of(lambda: services.requests_submit_many(actor=world.admin,
                                                                     requests=first))
    rest = list(TravelRequest.objects.filter(pk__in=ids[batch:]).only("pk"))
    done.add(services.requests_submit_many(actor=world.admin, requests=rest))
    seconds = time.perf_counter() - started
    return {"requests": len(ids), "seconds": round(seconds, 2),
            "rate": round(len(ids) / seconds, 1), "queries_per_batch": queries,
            "batch": batch, "changed": done.changed, "statuses": done.statuses}


def raise_levels() -> int:
    """Every security area at level 4 (manual clearance from 4): an approved review each."""
    from django.utils import timezone

    from vigil.places.models import SecurityArea
    from vigil.risk.models import SecurityLevelReview

    now = timezone.now()
    from django.contrib.auth import get_user_model

    setter = get_user_model().objects.filter(is_superuser=True).first() or \
        get_user_model().objects.order_by("pk").first()
    areas = list(SecurityArea.objects.all())
    SecurityLevelReview.objects.bulk_create([SecurityLevelReview(
        security_area=area, ratings={}, derived_level=4, proposed_level=4,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=setter, proposed_at=now,
        decided_by=setter, decided_at=now, next_review_due=now.date() + dt.timedelta(days=90))
        for area in areas])
    return len(areas)


def reclear(world: World) -> dict[str, Any]:
    from vigil.travel import services

    started = time.perf_counter()
    done, queries = queries_of(lambda: services.requests_reclear(actor=world.admin))
    seconds = time.perf_counter() - started
    batches = -(-done.read // services.CLEAR_BATCH)
    return {"requests": done.read, "changed": done.changed, "seconds": round(seconds, 2),
            "rate": round(done.read / seconds, 1), "statuses": done.statuses,
            "queries_per_batch": round(queries / max(1, batches), 1),
            "batch": services.CLEAR_BATCH}


# --- (b) HTTP ------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, seconds: int, bodies: Path, token: str) -> dict[str, Any]:
    out = subprocess.run(
        [shutil.which("wrk") or "/usr/bin/wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout",
         "30s", "-H",
         f"Authorization: Token {token}", "-s", str(ROOT / "bench" / "b2_clearance.lua"), url,
         "--", str(bodies)], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("B2RESULT "))
    data: dict[str, Any] = json.loads(line.split(" ", 1)[1])
    data["rate"] = round(data["requests"] / data["seconds"], 1)
    return data


def http(world: World, seconds: int) -> dict[str, Any]:
    from vigil.core import account

    _token, key = account.token_issue(actor=None, user=world.admin, name="B2 benchmark",
                                      days=1)
    work = Path(tempfile.mkdtemp(prefix="b2-"))
    bodies = work / "bodies.jsonl"
    http_bodies(world, 40_000, bodies)
    port = free_port()
    env = {**environment(), "DJANGO_SETTINGS_MODULE": "b2_settings",
           "PYTHONPATH": str(ROOT / "bench")}
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "vigil.config.wsgi:application", "-w", "2",
         "-b", f"127.0.0.1:{port}", "--pythonpath", str(ROOT / "bench"), "--log-level",
         "warning", "--timeout", "120"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 (http)
                break
            except Exception as error:  # starting up: refused; or answered with an error
                if getattr(error, "code", None):
                    break
                time.sleep(0.3)
        minimal_url, api_url = f"{base}/bench/minimal/", f"{base}/api/v1/travel-requests/"
        # Each worker loads the URLconf on its first request (seconds on a busy machine):
        # warm both, one request at a time, then with wrk.
        for _ in range(6):
            for url in (minimal_url, f"{base}/api/v1/"):
                asked = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
                    url, data=b"{}" if url == minimal_url else None,
                    headers={"Authorization": f"Token {key}",
                             "Content-Type": "application/json"})
                urllib.request.urlopen(asked, timeout=120).read()  # noqa: S310 (http)
        wrk(minimal_url, 2, bodies, key)
        wrk(api_url, 2, bodies, key)
        half = max(1, seconds // 2)
        runs: dict[str, list[dict[str, Any]]] = {"minimal": [], "api": []}
        for _round in range(2):
            runs["minimal"].append(wrk(minimal_url, half, bodies, key))
            runs["api"].append(wrk(api_url, half, bodies, key))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    result: dict[str, Any] = {}
    for name, items in runs.items():
        requests = sum(i["requests"] for i in items)
        total = sum(i["seconds"] for i in items)
        result[name] = {
            "requests": requests, "seconds": round(total, 1),
            "rate": round(requests / total, 1),
            "errors": sum(i["errors"] for i in items),
            **{p: round(max(i[p] for i in items) / 1000, 2) for p in ("p50", "p95", "p99")},
            "halves": items}
    return result


# --- Report --------------------------------------------------------------------------------------

def main() -> None:
    args = parse()
    begun = time.perf_counter()
    load_before = os.getloadavg()
    prepare_database()
    setup()
    world = World(args.seed)
    ids = load_drafts(world, args.requests)
    loaded = time.perf_counter() - begun
    sample, rest = ids[:args.sample], ids[args.sample:]
    one = per_request(world, sample)
    print(f"per request: {json.dumps(one)}", flush=True)
    if args.per_request_only:
        return
    many = bulk_submit(world, rest)
    print(f"bulk submit: {json.dumps(many)}", flush=True)
    areas = raise_levels()
    again = reclear(world)
    print(f"re-clearance after a level change: {json.dumps(again)}", flush=True)
    unchanged = reclear(world)
    print(f"re-clearance, nothing changed: {json.dumps(unchanged)}", flush=True)
    web = None if args.skip_http else http(world, args.http_seconds)
    if web:
        print(f"http: {json.dumps({k: {x: y for x, y in v.items() if x != 'halves'} for k, v in web.items()})}", flush=True)  # noqa: E501

    result = Result(
        id="B2", title="Travel clearance throughput",
        workload=(f"{args.requests:,} draft travel requests (2 segments each) on the small "
                  f"demo; {args.sample:,} submitted one by one, the rest in bulk; then all "
                  "re-cleared after every area's level is raised to 4; HTTP create-and-submit "
                  f"for {args.http_seconds} s"),
        reference=("goal 5,000 requests/s in the service layer; over HTTP the minimal Django "
                   "JSON view on the same gunicorn (2 workers)"),
        goal=">= 5,000 clearances/s in the service layer; API >= 0.5x the minimal view",
        database=database_label(),
        scale={"scale": args.scale, "requests": args.requests, "sample": args.sample,
               "http_seconds": args.http_seconds, "areas": areas,
               "load_seconds": round(loaded, 1)},
        detail={"per_request": one, "bulk_submit": many, "reclear_changed": again,
                "reclear_unchanged": unchanged,
                "http": web})
    result.rows = [
        Row("Submit one request (request_submit)", one["rate"], GOAL_RATE, "requests/s",
            ">= 5,000/s", one["rate"] >= GOAL_RATE,
            note=f"{one['queries']['mean']} queries each; p50 {one['ms']['p50']} ms"),
        Row("Submit in bulk (requests_submit_many)", many["rate"], GOAL_RATE, "requests/s",
            ">= 5,000/s", many["rate"] >= GOAL_RATE,
            note=f"{many['queries_per_batch']} queries per batch of {many['batch']}"),
        Row("Re-clear after a level change (requests_reclear)", again["rate"], GOAL_RATE,
            "requests/s", ">= 5,000/s", again["rate"] >= GOAL_RATE,
            note=(f"{again['changed']:,} of {again['requests']:,} changed; "
                  f"{again['queries_per_batch']} queries per batch of {again['batch']}")),
        Row("Re-clear, nothing changed", unchanged["rate"], GOAL_RATE, "requests/s",
            ">= 5,000/s", unchanged["rate"] >= GOAL_RATE,
            note=f"{unchanged['queries_per_batch']} queries per batch"),
    ]
    if web:
        ratio = web["api"]["rate"] / web["minimal"]["rate"] if web["minimal"]["rate"] else 0
        result.rows.append(Row(
            "HTTP create-and-submit vs minimal view", web["api"]["rate"],
            web["minimal"]["rate"] or None, "requests/s", ">= 0.5x", ratio >= GOAL_HTTP,
            note=(f"API p50/p95/p99 {web['api']['p50']}/{web['api']['p95']}/"
                  f"{web['api']['p99']} ms; minimal {web['minimal']['p50']}/"
                  f"{web['minimal']['p95']}/{web['minimal']['p99']} ms")))
    result.notes.append(
        "Load average of the machine (1, 5, 15 min) at the start: "
        + ", ".join(f"{x:.1f}" for x in load_before) + "; at the end: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" ({os.cpu_count()} cores).")
    missed = [r.name for r in result.rows if r.met is False]
    if missed:
        result.gap = ("Missed: " + "; ".join(missed) + ". One request is a transaction of "
                      "16-21 statements; the bulk paths are bounded by PostgreSQL writing "
                      "about seven rows and their indexes per request on the same two cores; "
                      "over HTTP each create-and-submit runs about 37 statements against a "
                      "minimal view that does none. See the section.")
    if args.no_save:
        print(f"not saved (--no-save); {time.perf_counter() - begun:.0f} s")
        return
    path = result.save()
    print(f"wrote {path} in {time.perf_counter() - begun:.0f} s")


if __name__ == "__main__":
    main()
