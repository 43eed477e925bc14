"""Benchmark B5: a crisis broadcast fanned out over two Celery workers, against the accept rate
of the SMTP server it goes to.

    .venv/bin/python bench/b5_broadcast.py                 # 50,000 recipients (10 min at a
                                                           # load average of 20)
    .venv/bin/python bench/b5_broadcast.py --scale small   # 1,000 recipients, no "before"
                                                           # run (about 90 s at a load
                                                           # average of 15)

What is measured, on PostgreSQL: services.broadcast_send of a crisis broadcast with check-in
links to N staff members on the crisis's headcount (one Delivery row each, written in the
broadcast's transaction), then the fan-out: the broadcast's task queues one chunk task per 250
rows on Redis (127.0.0.1:6379, a database of its own, --redis-db), and --workers Celery worker
processes of --threads threads each (the threads pool: so many chunks at once per process, each
over its own SMTP connection and database connection) claim, send and mark the chunks. The
messages go to a local SMTP sink (aiosmtpd, in a process of its own) that records each accepted
message's recipient and Message-ID. Timed: from the hand-off (the broadcast's commit) to the
sink's last accept; the worker processes' CPU time over the same span is reported per message
(less bound to the machine's load than the rate). Checked afterwards from the sink's record:
N distinct recipients, N distinct Message-IDs (each a delivery's key), no duplicate; every
delivery SENT; every headcount entry contacted. Any difference stops the script.

Reference, in the same run on the same sink: the sink's own accept rate from a bare sender,
smtplib sending N messages of the same size (each with its own Message-ID) over as many
connections as the workers use (workers x threads), one process each; no database.

Before (the sequential task, as it was before the fan-out): --before recipients (default 1,000;
none at --scale small) of a second crisis sent by the code of the commit before the fan-out (its
src/vigil, taken with `git archive` into var/bench/b5-before), one worker process: one task
that claims, sends and marks each delivery in turn.

Goal: at least 500 messages/s, every recipient exactly once.

The database: a base (migrated, with 50,000 staff members with e-mail addresses; about 90 s to
build) is kept as vigil_bench_b5_base and rebuilt only when the migrations on disk change; each
run copies it to vigil_bench_b5 (CREATE DATABASE ... TEMPLATE) and drops it at the end unless
--keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import multiprocessing
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import (
    PYTHON,
    ROOT,
    VAR,
    VIGIL,
    Result,
    Row,
    base_is_current,
    database_label,
    mark_base,
    migrations_fingerprint,
    pg_admin,
    pg_url,
    setup_django,
)

BASE = "vigil_bench_b5_base"
DB = "vigil_bench_b5"
PEOPLE = 50_000
SCALES = {"large": 50_000, "medium": 10_000, "small": 1_000}
BEFORE_COMMIT = "759e889^"  # the commit before the fan-out
REDIS = "redis://127.0.0.1:6379"
CELERY = str(ROOT / ".venv" / "bin" / "celery")
GOAL = 500.0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="large")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4,
                        help="chunks each worker process sends at once (its thread pool)")
    parser.add_argument("--before", type=int, default=None,
                        help="recipients of the sequential task's run (0: leave it out; "
                             "default 1,000; none at --scale small)")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--keep", action="store_true", help="keep the database vigil_bench_b5")
    parser.add_argument("--no-save", action="store_true", help="print only; no result file")
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args()


# --- The SMTP sink, in its own process --------------------------------------------------------

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def run_sink(port: int, path: str) -> None:
    """Accept every message; on SIGTERM write one line per message: time, recipients,
    Message-ID."""
    import asyncio

    from aiosmtpd.controller import Controller

    record: list[tuple[float, str, str]] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            found = MESSAGE_ID.search(envelope.content or b"")
            record.append((time.time(), ",".join(envelope.rcpt_tos),
                           found.group(1).decode() if found else ""))
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = {"now": False}

    def finish(*_: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, finish)
    print("ready", flush=True)
    while not stop["now"]:
        time.sleep(0.1)
    controller.stop()
    with open(path, "w") as out:
        for at, to, key in record:
            out.write(f"{at:.6f}\t{to}\t{key}\n")
    del asyncio


class Sink:
    def __init__(self, name: str) -> None:
        self.port = free_port()
        self.path = VAR / f"b5-sink-{name}.tsv"
        self.child = subprocess.Popen([PYTHON, __file__, "--sink", str(self.port),
                                       str(self.path)], stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        if self.child.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def stop(self) -> list[tuple[float, str, str]]:
        self.child.send_signal(signal.SIGTERM)
        self.child.wait(60)
        rows = []
        for line in self.path.read_text().splitlines():
            at, to, key = line.split("\t")
            rows.append((float(at), to, key))
        self.path.unlink()
        return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- The reference: a bare sender ------------------------------------------------------------

def bare_sender(port: int, first: int, count: int, size: int) -> None:
    text = ("x" * 70 + "\n") * max(1, size // 71)
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(first, first + count):
            to = f"bare.{i}@bench.example.org"
            message = (f"From: vigil@localhost\r\nTo: {to}\r\nSubject: Shelter in place\r\n"
                       f"Message-ID: <{uuid.uuid4()}@vigil>\r\nIdempotency-Key: {i}\r\n"
                       f"\r\n{text}").encode()
            smtp.sendmail("vigil@localhost", [to], message)


def reference(n: int, connections: int, size: int) -> dict[str, Any]:
    sink = Sink("reference")
    share = math.ceil(n / connections)
    started = time.time()
    senders = [multiprocessing.Process(target=bare_sender, args=(
        sink.port, i * share, min(share, n - i * share), size)) for i in range(connections)]
    for p in senders:
        p.start()
    for p in senders:
        p.join()
    rows = sink.stop()
    if len(rows) != n or len({r[2] for r in rows}) != n:
        raise SystemExit(f"the bare sender's sink got {len(rows)} of {n}")
    last = max(r[0] for r in rows)
    return {"seconds": last - started, "rate": n / (last - started)}


# --- The database ---------------------------------------------------------------------------

def ensure_base() -> float:
    """The migrated database the runs copy, with PEOPLE staff members, each with an e-mail
    address, at one duty station; built when missing or when the migrations changed."""
    fingerprint = migrations_fingerprint(f"\n{PEOPLE}")
    if base_is_current(BASE, fingerprint):
        return 0.0
    started = time.perf_counter()
    pg_admin(f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{BASE}"')
    VAR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": pg_url(BASE), "VIGIL_VAR_DIR": str(VAR)}
    subprocess.run([VIGIL, "migrate", "-v0"], env=env, check=True)
    script = f"""
from vigil.people.models import Organization, Person
from vigil.places.models import Country, DutyStation
kenya, _ = Country.objects.get_or_create(iso2="KE", defaults=dict(
    iso3="KEN", numeric="404", name="Kenya"))
station = DutyStation.objects.create(code="KE-NAIROB", name="Nairobi", country=kenya,
    latitude=-1.2921, longitude=36.8219, time_zone="Africa/Nairobi")
org = Organization.objects.create(code="UNDP", name="UNDP", kind="fund")
Person.objects.bulk_create([Person(index_number=f"B5{{i:07d}}", family_name=f"Staff{{i}}",
    given_name="Bench", organization=org, category="international", duty_station=station,
    emails=[f"staff.{{i}}@bench.example.org"]) for i in range({PEOPLE})], batch_size=5000)
"""
    subprocess.run([VIGIL, "shell", "-c", script], env=env, check=True)
    import psycopg

    with psycopg.connect(pg_url(BASE), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        mark_base(conn, fingerprint)
    return time.perf_counter() - started


def crisis_of(people: list[int], title: str) -> Any:
    """A crisis with ``people`` on its headcount (written directly)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from vigil.crisis.models import AccountEntry, Crisis
    from vigil.people.models import Person
    from vigil.places.models import Country

    now = timezone.now()
    officer, _ = get_user_model().objects.get_or_create(username="b5.officer")
    crisis = Crisis.objects.create(
        title=title, declared_by=officer, country=Country.objects.get(iso2="KE"),
        incident_at=now, activated_at=now,
        zone_kind=Crisis.ZoneKind.CIRCLE, center_latitude=-1.2921, center_longitude=36.8219,
        radius_km=50, window_start=now, window_end=now + dt.timedelta(hours=24))
    orgs = dict(Person.objects.filter(pk__in=people).values_list("pk", "organization_id"))
    AccountEntry.objects.bulk_create([
        AccountEntry(crisis=crisis, person_id=pk, organization_id=orgs[pk],
                     basis=AccountEntry.Basis.RESIDENCE) for pk in people], batch_size=5000)
    return crisis


# --- The workers ----------------------------------------------------------------------------

class Workers:
    def __init__(self, env: dict[str, str], count: int, name: str, threads: int) -> None:
        self.children = []
        pool = ["-P", "solo"] if threads == 1 else ["-P", "threads", "-c", str(threads)]
        for i in range(count):
            log = open(VAR / f"b5-worker-{name}-{i}.log", "w")
            self.children.append(subprocess.Popen(
                [CELERY, "-A", "vigil.config", "worker", "-Q", "mail", *pool,
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"b5-{name}-{i}@%h", "--loglevel", "WARNING"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=VAR,
                start_new_session=True))
        self.logs = [VAR / f"b5-worker-{name}-{i}.log" for i in range(count)]

    def wait_ready(self, env: dict[str, str]) -> None:
        """Ready when each answers a ping."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = subprocess.run([CELERY, "-A", "vigil.config", "inspect", "ping", "-t", "2"],
                                  env=env, capture_output=True, text=True, cwd=VAR)
            if done.stdout.count("pong") >= len(self.children):
                return
            time.sleep(1)
        raise SystemExit("the workers did not start: see " + ", ".join(map(str, self.logs)))

    def cpu_seconds(self) -> float:
        """The CPU time the worker processes have used so far (all their threads; with the
        threads pool the chunks run in the worker's own process)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for child in self.children:
            try:
                fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def stop(self) -> None:
        for child in self.children:
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for child in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


MARK = "vigil:bench:b5"


def claim_redis(url: str) -> None:
    """Empty the broker's database and mark it taken at once: others on the machine look for
    an empty database (the real-Celery tests take the first), and their worker would take
    these tasks. Refuses a database someone else is using."""
    import redis

    client = redis.Redis.from_url(url)
    if client.dbsize() and not client.exists(MARK):
        raise SystemExit(f"Redis database {url} is in use by someone else: choose --redis-db")
    client.flushdb()
    client.set(MARK, os.getpid())


def before_source() -> Path:
    """The src/ of the commit before the fan-out, for the sequential task's run."""
    target = VAR / "b5-before"
    if not (target / "src" / "vigil" / "crisis" / "delivery.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        git = shutil.which("git") or "git"
        archive = subprocess.run([git, "-C", str(ROOT), "archive", BEFORE_COMMIT, "src"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target / "src"


def broadcast_run(env: dict[str, str], people: list[int], *, workers: int, name: str,
                  threads: int = 1, pythonpath: Path | None = None) -> dict[str, Any]:
    """A crisis broadcast to ``people`` sent by ``workers`` worker processes (of the code in
    ``pythonpath``, else this checkout's); returns its figures after checking the sink's
    record."""
    from django.db import connection

    from vigil.crisis import services
    from vigil.crisis.models import AccountStatus, Delivery
    from vigil.people.models import Person

    claim_redis(env["CELERY_BROKER_URL"])
    crisis = crisis_of(people, f"B5 {name}")
    connection.close()
    sink = Sink(name)
    env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    pool = Workers(env, workers, name, threads)
    try:
        pool.wait_ready(env)
        cpu_ready = pool.cpu_seconds()
        began = time.perf_counter()
        broadcast = services.broadcast_send(
            actor=None, crisis=crisis, subject="Shelter in place",
            body="A security incident is affecting your area. Stay where you are if you are "
                 "safe, follow the instructions of your security officer, and tell us how "
                 "you are.", people=Person.objects.filter(pk__in=people))
        handed = time.time()
        write = time.perf_counter() - began
        n = len(people)
        deadline = time.monotonic() + 3600
        swept, last_sweep = [], time.monotonic()
        while Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENT) \
                .count() < n:
            if time.monotonic() > deadline:
                raise SystemExit(f"{name}: not all sent within an hour")
            if pythonpath is None and time.monotonic() - last_sweep >= 30:
                # The delivery sweep, every 30 s as beat runs it (here in this process): it
                # queues the chunks of a broadcast no chunk works on (their tasks lost).
                from vigil.crisis import tasks

                swept.append(tasks.deliver_due() or {})
                last_sweep = time.monotonic()
            time.sleep(0.5)
        worker_cpu = pool.cpu_seconds() - cpu_ready
        connection.close()
    finally:
        pool.stop()
        rows = sink.stop()
    keys = {f"<{k}@vigil>" for k in Delivery.objects.filter(broadcast=broadcast)
            .values_list("key", flat=True)}
    addresses = set(Delivery.objects.filter(broadcast=broadcast).values_list("address",
                                                                              flat=True))
    recipients = [r[1] for r in rows]
    ids = [r[2] for r in rows]
    problems = []
    if len(rows) != n:
        problems.append(f"{len(rows)} messages accepted for {n} recipients")
    if set(recipients) != addresses or len(set(recipients)) != n:
        problems.append(f"{len(set(recipients))} distinct recipients of {n}")
    if set(ids) != keys or len(set(ids)) != len(ids):
        problems.append(f"{len(set(ids))} distinct Message-IDs in {len(ids)} messages")
    unknown = crisis.entries.filter(status=AccountStatus.UNKNOWN).count()
    if pythonpath is None and unknown:
        problems.append(f"{unknown} headcount entries not marked contacted")
    resent = sum(Delivery.objects.filter(broadcast=broadcast).values_list("resends",
                                                                           flat=True)) \
        if pythonpath is None else 0
    if problems:
        raise SystemExit(f"{name}: " + "; ".join(problems))
    last = max(r[0] for r in rows)
    first = min(r[0] for r in rows)
    chunks = Delivery.objects.filter(broadcast=broadcast).values("claim").distinct().count() \
        if pythonpath is None else 1
    connection.close()
    return {"n": n, "write": write, "seconds": last - handed, "rate": n / (last - handed),
            "first accept": first - handed, "chunks": chunks, "resent": resent,
            "duplicates": len(rows) - len(set(ids)), "size": message_size(broadcast),
            "sweeps": swept, "worker cpu ms": 1000 * worker_cpu / n}


def message_size(broadcast: Any) -> int:
    """The size of one of the broadcast's messages as sent (for the reference's)."""
    from django.core import mail
    from django.test.utils import override_settings

    from vigil.crisis import delivery
    from vigil.crisis.models import CrisisSettings, Delivery

    row = Delivery.objects.filter(broadcast=broadcast).select_related("broadcast",
                                                                       "person").first()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        delivery._send_email(row, delivery.message_of(row, CrisisSettings.load()), None)
        return len(mail.outbox[0].message().as_bytes())


def main() -> None:
    args = parse()
    if args.sink:
        run_sink(int(args.sink[0]), args.sink[1])
        return
    n = SCALES[args.scale]
    before_n = min(args.before if args.before is not None
                   else 0 if args.scale == "small" else 1000, n)
    result = Result(
        id="B5", title="Crisis broadcast fan-out",
        workload=f"a crisis broadcast with check-in links to {n:,} staff members on the "
                 f"headcount, {args.workers} Celery worker processes of {args.threads} threads "
                 "(chunks of 250, one SMTP connection each), e-mail to a local SMTP sink "
                 "(aiosmtpd, own process)",
        reference=f"the same sink's accept rate from a bare smtplib sender: {n:,} messages of "
                  f"the same size over {args.workers * args.threads} connections (one process "
                  "each)",
        goal=f">= {GOAL:.0f} messages/s, every recipient exactly once",
        scale={"recipients": n, "workers": args.workers, "threads": args.threads,
               "before recipients": before_n})
    built = ensure_base()
    pg_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{DB}" TEMPLATE "{BASE}"')
    # This process hands the broadcast to the broker, as the web server does.
    os.environ["CELERY_BROKER_URL"] = f"{REDIS}/{args.redis_db}"
    setup_django(pg_url(DB), migrate=False)
    from django.db import connection

    from vigil.crisis.models import CrisisSettings
    from vigil.people.models import Person

    result.database = database_label()
    CrisisSettings.load()
    everyone = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    connection.close()
    env = {**os.environ, "DATABASE_URL": pg_url(DB), "VIGIL_VAR_DIR": str(VAR),
           "CELERY_BROKER_URL": f"{REDIS}/{args.redis_db}", "DEBUG": "false",
           "DJANGO_SETTINGS_MODULE": "vigil.config.settings"}
    from vigil.config.celery import app

    assert not app.conf.task_always_eager
    try:
        print(f"base database ready ({built:.0f} s to build)" if built else "base database kept",
              flush=True)
        # Interleaved: reference, Vigil, reference, so that other work on the machine hits both.
        connections = args.workers * args.threads
        ref1 = reference(n, connections, 900)
        print(f"reference: {ref1['rate']:.0f} messages/s", flush=True)
        after = broadcast_run(env, everyone[:n], workers=args.workers, name="after",
                              threads=args.threads)
        print(f"Vigil: {after['rate']:.0f} messages/s ({after['seconds']:.1f} s, "
              f"{after['chunks']} chunks, write {after['write']:.1f} s; the workers' CPU "
              f"{after['worker cpu ms']:.2f} ms a message; load average "
              f"{os.getloadavg()[0]:.1f})", flush=True)
        ref2 = reference(n, connections, after["size"])
        print(f"reference: {ref2['rate']:.0f} messages/s")
        before = None
        if before_n:
            before = broadcast_run(env, everyone[-before_n:], workers=1, name="before",
                                   pythonpath=before_source())
            print(f"before (sequential task): {before['rate']:.0f} messages/s")
    finally:
        connection.close()
        if not args.keep:
            pg_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    ref_rate = max(ref1["rate"], ref2["rate"])
    result.rows.append(Row(
        name=f"broadcast to {n:,}: hand-off to last message accepted", vigil=round(
            after["rate"], 1), reference=round(ref_rate, 1), unit="messages/s",
        goal=f">= {GOAL:.0f}/s", met=after["rate"] >= GOAL,
        note=f"{after['seconds']:.1f} s; reference {ref1['rate']:.0f} and "
             f"{ref2['rate']:.0f}/s (before and after)"))
    result.rows.append(Row(
        name="recipients with the message, duplicates", vigil=after["n"], reference=n,
        unit="recipients", goal="every recipient once, no duplicate",
        met=after["duplicates"] == 0, note=f"{after['duplicates']} duplicates, "
                                           f"{after['resent']} resends"))
    if before is not None:
        result.rows.append(Row(
            name=f"before: the sequential task, {before_n:,} recipients, one worker",
            vigil=round(before["rate"], 1), reference=round(ref_rate, 1), unit="messages/s",
            goal="(before the fan-out)", met=None, note=f"{before['seconds']:.1f} s"))
    result.detail = {"after": after, "before": before, "reference": [ref1, ref2]}
    result.notes.append(f"The worker processes' CPU time: {after['worker cpu ms']:.2f} ms a "
                        "message (from the hand-off to the last SENT, all threads; the "
                        "database's and the sink's not included), at a load average of "
                        f"{os.getloadavg()[0]:.0f}.")
    result.notes.append(f"Writing the {n:,} Delivery rows (broadcast_send, in the broadcast's "
                        f"transaction): {after['write']:.1f} s, not in the rate.")
    if not result.met:
        result.gap = (f"{after['rate']:.0f} messages/s against {GOAL:.0f}: each message is "
                      "built through Django's e-mail classes and marked sent in its own "
                      "PostgreSQL transaction, which the bare sender does not do; measured at "
                      f"a load average of {os.getloadavg()[0]:.0f} on the machine's "
                      f"{os.cpu_count()} cores")
    if not args.no_save:
        print("written:", result.save())
    print(result.rows)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
