"""The reliability check, `make check-reliability`: faults and load on real components.

It starts its own PostgreSQL cluster (so that restarting it disturbs nothing else on the
machine), a gunicorn server, Celery workers and beat over the machine's Redis, and an SMTP
server (aiosmtpd) in this process that records every message it accepts. It loads the small
demo, then:

1. import killed: `vigil import_personnel` of 2,000 new staff, killed with SIGKILL after 1, 2,
   4 ... seconds until one run ends on its own; after each kill not one row of the file is in
   the database, or (killed after its commit, while ending) all of them; the run that ends writes
   all 2,000; a second run changes nothing.
2. worker killed during a broadcast: a crisis broadcast to everyone on its headcount, sent in
   chunks; the Celery worker is killed with SIGKILL while it sends, and started again (as a
   supervisor would). Every delivery ends SENT, every recipient has the message, sending
   resumes within a minute of the kill, the rows the killed chunks held are all sent within a
   minute of it (their lease runs out, the sweep takes them), a recipient gets a second copy
   only if the SMTP server accepted the first within the last moments before the kill (the
   send whose SENT was never committed), and every second copy is counted on its delivery.
3. worker killed during the delivery sweep: the same, when the deliveries are sent by the
   periodic sweep (beat) instead of the broadcast's own task.
4. load: 50 clients for 60 seconds create incidents, answer check-in links and submit travel
   requests through the API and the check-in page: 0 errors, and the rows in the database
   match the answers (one row for each 201, none for anything else).
5. database restarted under load: 20 clients while PostgreSQL is stopped with `-m immediate`
   (a crash) and started again: every answer is 2xx or 503 (never a 500 or a broken
   connection), answers are 2xx again soon after the restart, and no record is partial
   (every incident has its audit event, every submitted travel request its clearance stops).

The figures are printed, and with --write they replace the figures section of
docs/reliability.md. Needs: PostgreSQL's server binaries, Redis on 127.0.0.1:6379 (database 13
and 14 are flushed), and the dev dependencies (aiosmtpd). Takes about 10 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import email
import http.cookiejar
import json
import logging
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "reliability.md"
REDIS = "redis://127.0.0.1:6379"
IMPORT_ROWS = 2000


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> float:
    """Seconds until ``check()`` holds; fails after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
    return time.monotonic() - start


# --- The components ---------------------------------------------------------------------------

class Postgres:
    """A private cluster in the work folder, on its own port, run as the postgres user when
    this runs as root (initdb refuses root)."""

    def __init__(self, work: Path) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        pg_ctl = found[-1] if found else shutil.which("pg_ctl")
        if not pg_ctl:
            raise SystemExit("PostgreSQL's server binaries (pg_ctl, initdb) are not installed")
        self.bindir = Path(pg_ctl).parent
        self.data = work / "pgdata"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/vigil"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def init(self) -> None:
        self.data.mkdir(mode=0o700)
        if self.as_user:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                  "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                        "-c", "CREATE DATABASE vigil"], check=True)

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.data / "server.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
                  "-c max_connections=300", "start")

    def crash(self) -> None:
        """Stop as a crash does: no checkpoint, every connection cut."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                        "fast", "stop"], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


@dataclass
class Received:
    at: float
    key: str
    to: str


class Mailbox:
    """An SMTP server that keeps what it accepted, taking ``delay`` seconds per message."""

    def __init__(self, delay: float = 0.0) -> None:
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.received.append(Received(time.monotonic(),
                                          str(message.get("X-Vigil-Delivery", "")),
                                          ",".join(envelope.rcpt_tos)))
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def since(self, at: float) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.at >= at]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    def stop(self) -> None:
        self.controller.stop()


class Processes:
    """The children started here, all stopped at the end whatever happens."""

    def __init__(self, env: dict[str, str], work: Path) -> None:
        self.env, self.work = env, work
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.work / f"{name}.log", "ab")
        child = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                 cwd=self.work, start_new_session=True)
        self.children[name] = child
        return child

    def kill(self, name: str) -> None:
        """SIGKILL to the child and every process of its group (a worker's pool too)."""
        child = self.children.pop(name)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()

    def stop(self, name: str) -> None:
        child = self.children.pop(name, None)
        if child is None:
            return
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def stop_all(self) -> None:
        for name in list(self.children):
            self.stop(name)

    def vigil(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([str(BIN / "vigil"), *args], env=self.env, cwd=self.work,
                              capture_output=True, text=True, check=False)
        if check and done.returncode:
            raise SystemExit(f"vigil {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def worker(self) -> None:
        self.start("worker", [str(BIN / "celery"), "-A", "vigil.config", "worker", "-Q",
                              "mail,periodic,celery", "-c", "2", "--without-gossip",
                              "--without-mingle", "-n", f"reliability-{secrets.token_hex(3)}@%h",
                              "--loglevel", "INFO"])

    def beat(self) -> None:
        self.start("beat", [str(BIN / "celery"), "-A", "vigil.config", "beat",
                            "-s", str(self.work / "celerybeat-schedule"), "--loglevel", "INFO"])


# --- HTTP ----------------------------------------------------------------------------------

@dataclass
class Answer:
    kind: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    at: float
    id: int | None = None
    error: str = ""


def call(url: str, *, method: str = "GET", body: Any = None, token: str = "",
         form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
         opener: urllib.request.OpenerDirector | None = None, timeout: float = 30
         ) -> tuple[int, bytes]:
    data, sent = None, dict(headers or {})
    if body is not None:
        data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        sent["Authorization"] = f"Token {token}"
        sent["Accept"] = "application/json"
    # Only this check's own http://127.0.0.1 addresses are opened.
    request = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Load:
    """Clients that create records for ``seconds``; each answer is kept."""

    def __init__(self, base: str, tokens: dict[str, str], checkins: list[str],
                 stations: list[str], kinds: tuple[str, ...] = ("incident", "checkin",
                                                                "travel")) -> None:
        self.base, self.tokens, self.stations, self.kinds = base, tokens, stations, kinds
        self.checkins = checkins
        self.lock = threading.Lock()
        self.answers: list[Answer] = []

    def next_checkin(self) -> str | None:
        with self.lock:
            return self.checkins.pop() if self.checkins else None

    def incident(self, n: int) -> Answer:
        status, body = call(f"{self.base}/api/v1/incidents/", method="POST",
                            token=self.tokens["security.officer"], body={
                                "category": "crime", "subcategory": "robbery",
                                "title": f"Reliability load {n}",
                                "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                                "country": "KE", "latitude": -1.28 + (n % 97) / 1000,
                                "longitude": 36.8 + (n % 89) / 1000})
        return Answer("incident", status, time.monotonic(), _id(body, status))

    def travel(self, n: int) -> Answer:
        days = 20 + n % 200
        start = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()
        back = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days + 2)).isoformat()
        there = self.stations[n % len(self.stations)]
        status, body = call(f"{self.base}/api/v1/travel-requests/", method="POST",
                            token=self.tokens["traveller"], body={
                                "purpose": f"Reliability load {n}", "kind": "official",
                                "submit": True, "segments": [
                                    {"origin_station": "KE-NAIROB", "destination_station": there,
                                     "departs_local": f"{start}T08:00:00",
                                     "arrives_local": f"{start}T12:00:00", "mode": "road"},
                                    {"origin_station": there, "destination_station": "KE-NAIROB",
                                     "departs_local": f"{back}T08:00:00",
                                     "arrives_local": f"{back}T12:00:00", "mode": "road"}]})
        return Answer("travel", status, time.monotonic(), _id(body, status))

    def checkin(self, n: int) -> Answer | None:
        link = self.next_checkin()
        if link is None:
            return None
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        url = f"{self.base}/c/{link}/"
        status, page = call(url, opener=opener)
        if status != 200:
            return Answer("checkin", status, time.monotonic(), error="GET")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, page = call(url, method="POST", opener=opener, form={
            "csrfmiddlewaretoken": token.group(1).decode() if token else "",
            "status": "safe", "note": f"load {n}"})
        return Answer("checkin", status, time.monotonic())

    def client(self, number: int, until: float) -> None:
        n = number * 100_000
        while time.monotonic() < until:
            n += 1
            kind = self.kinds[n % len(self.kinds)]
            try:
                answer = getattr(self, kind)(n)
            except (OSError, urllib.error.URLError) as exc:
                answer = Answer(kind, 0, time.monotonic(), error=type(exc).__name__)
            if answer is not None:
                with self.lock:
                    self.answers.append(answer)
                if answer.status == 503:
                    time.sleep(0.5)  # as a client told Retry-After would, a little sooner

    def run(self, clients: int, seconds: float) -> float:
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=self.client, args=(i, until)) for i in
                   range(clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - start


def _id(body: bytes, status: int) -> int | None:
    if status != 201:
        return None
    try:
        return int(json.loads(body)["id"])
    except (ValueError, KeyError, TypeError):
        return None


# --- The check ------------------------------------------------------------------------------

@dataclass
class Report:
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def figure(self, part: str, what: str, value: Any) -> None:
        self.rows.append((part, what, str(value)))
        say(f"{part}: {what}: {value}")

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)
            say(f"FAILED: {what}")

    def markdown(self, seconds: float) -> str:
        cpu = platform.processor() or platform.machine()
        lines = [f"Measured {dt.datetime.now(dt.UTC).date().isoformat()} on {platform.node()}: "
                 f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
                 f"PostgreSQL {_pg_version()}, whole run {seconds / 60:.1f} min. "
                 f"Result: {'all checks passed' if not self.failures else 'FAILED'}.", "",
                 "| Part | Figure | Value |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in self.rows]
        if self.failures:
            lines += ["", "Failed:", *[f"- {f}" for f in self.failures]]
        return "\n".join(lines)


def _pg_version() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*"))
    return found[-1].name if found else "?"


class Check:
    def __init__(self, work: Path, report: Report, skip_import: bool = False) -> None:
        self.work, self.report, self.skip_import = work, report, skip_import
        self.pg = Postgres(work)
        self.mail = Mailbox(delay=0.004)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        redis_db = 13
        self.env = {**os.environ,
                    "DATABASE_URL": self.pg.url, "DEBUG": "false",
                    "SECRET_KEY": secrets.token_urlsafe(40),
                    "ALLOWED_HOSTS": "127.0.0.1,localhost",
                    "VIGIL_SECURE_COOKIES": "false", "VIGIL_BASE_URL": self.base,
                    "VIGIL_VAR_DIR": str(work / "var"),
                    "CELERY_BROKER_URL": f"{REDIS}/{redis_db}",
                    "CACHE_URL": f"{REDIS}/{redis_db + 1}",
                    "EMAIL_URL": f"smtp://127.0.0.1:{self.mail.port}",
                    "VIGIL_API_RATE_USER": "1000000/hour",
                    "DJANGO_SETTINGS_MODULE": "vigil.config.settings"}
        self.procs = Processes(self.env, work)

    # The ORM of this process reads the same database, for setting up and for counting.
    def django(self) -> None:
        os.environ.update(self.env)
        import django

        django.setup()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's, each command

    def close_db(self) -> None:
        from django.db import connections

        for c in connections.all():
            c.close()

    def setup(self) -> None:
        say(f"work folder {self.work}")
        import redis

        client = redis.Redis.from_url(f"{REDIS}/13")
        client.flushdb()
        redis.Redis.from_url(f"{REDIS}/14").flushdb()
        # Taken at once: other work on the machine looks for an empty database to use (the
        # real-Celery tests do), and its worker would take this check's tasks.
        for number in (13, 14):
            redis.Redis.from_url(f"{REDIS}/{number}").set("vigil:reliability", os.getpid())
        saved = self.work / "tokens.json"
        if saved.exists():  # --work: a folder kept from an earlier run, demo loaded
            self.pg.port = int((self.work / "port").read_text())
            self.env["DATABASE_URL"] = self.pg.url
            self.pg.start()
            self.tokens = json.loads(saved.read_text())
            self.django()
            self.short_lease()
            return
        self.pg.init()
        (self.work / "port").write_text(str(self.pg.port))
        self.procs.vigil("migrate", "--no-input", "-v0")
        say("loading the small demo")
        self.procs.vigil("demo", "--scale", "small")
        self.tokens = {name: self.procs.vigil("api_token", name, "--name", "reliability",
                                              "--days", "1").split()[-1]
                       for name in ("admin", "security.officer", "traveller")}
        self.pg.stop()
        _copy(self.pg.data, self.work / "pgdata-demo")
        self.pg.start()
        saved.write_text(json.dumps(self.tokens))
        self.django()
        self.short_lease()

    def short_lease(self) -> None:
        from vigil.crisis.models import CrisisSettings

        # The default lease (20 s, renewed while a chunk works): the check measures what an
        # installation gets.
        settings = CrisisSettings.load()
        self.report.figure("Settings", "a send in progress is presumed dead after (the lease)",
                           f"{settings.lease_seconds} s")
        self.close_db()

    def server(self) -> None:
        self.procs.start("gunicorn", [
            str(BIN / "gunicorn"), "vigil.config.wsgi:application", "-b",
            f"127.0.0.1:{self.port}", "-w", "3", "-k", "gthread", "--threads", "8",
            "--timeout", "60", "--graceful-timeout", "5"])
        wait_for(lambda: _answers(f"{self.base}/healthz"), 60, "gunicorn")

    # 1. ---------------------------------------------------------------------------------
    def import_killed(self) -> None:
        from vigil.people.models import Person

        part = "Import killed"
        path = self.work / "personnel.csv"
        with path.open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["index_number", "family_name", "given_name", "organization",
                          "category", "duty_station", "emails"])
            for i in range(IMPORT_ROWS):
                out.writerow([f"REL{i:06d}", f"Load{i}", "Test", "UNDP", "general_service",
                              "KE-NAIROB", f"rel{i}@staff.example"])
        before = Person.objects.count()
        kills, delay = 0, 1.0
        committed_when_killed = False
        self.close_db()
        args = [str(BIN / "vigil"), "import_personnel", str(path), "--as", "admin", "-v0"]
        while True:
            child = subprocess.Popen(args, env=self.env, cwd=self.work,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                child.wait(delay)
                finished = True
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                finished = False
            now = Person.objects.filter(index_number__startswith="REL").count()
            self.close_db()
            if finished:
                self.report.expect(child.returncode == 0, f"the import ended with "
                                   f"{child.returncode}: {child.stderr.read()[:300]!r}")
                break
            if now == IMPORT_ROWS:
                # Killed after its commit, while the process was ending: the whole file is in,
                # which is the other outcome all-or-nothing allows.
                committed_when_killed = True
                break
            kills += 1
            self.report.expect(now == 0, f"killed after {delay:.0f} s: {now} of the file's "
                                         "rows in the database")
            delay *= 2
        self.report.figure(part, "runs killed (after 1, 2, 4 ... s), rows left by them",
                           f"{kills}, 0" if not self.report.failures else f"{kills}, see below")
        self.report.figure(part, "uninterrupted run", f"{delay:.0f} s or less" + (
            " (killed after its commit, while ending: all rows in)" if committed_when_killed
            else ""))
        written = Person.objects.filter(index_number__startswith="REL").count()
        self.report.expect(written == IMPORT_ROWS, f"the run that ended wrote {written}")
        self.procs.vigil("import_personnel", str(path), "--as", "admin", "-v0")
        again = Person.objects.count()
        self.report.expect(again == before + IMPORT_ROWS, "a second run changed the count")
        self.report.figure(part, "rows after the run, and after a second run",
                           f"{written}, {again - before}")
        self.close_db()

    # 2 and 3. -------------------------------------------------------------------------------
    def crisis(self) -> Any:
        from django.contrib.auth import get_user_model

        from vigil.crisis import services
        from vigil.places.models import SecurityArea

        officer = get_user_model().objects.get(username="security.officer")
        crisis = services.crisis_declare(actor=officer, data={
            "title": "Reliability check", "description": "A crisis for the reliability check.",
            "zone_kind": "areas"}, areas=list(SecurityArea.objects.filter(country__iso2="KE")))
        return crisis

    def broadcast(self, crisis: Any, subject: str, *, everyone: bool = False) -> Any:
        """A broadcast with check-in links to the crisis's headcount: to the demo's staff
        (a few hundred; not the 2,000 imported, all of UNDP), or to ``everyone``."""
        from django.contrib.auth import get_user_model

        from vigil.crisis import services
        from vigil.people.models import Organization

        officer = get_user_model().objects.get(username="security.officer")
        audience = {} if everyone else {"organizations": list(
            Organization.objects.exclude(code="UNDP").values_list("code", flat=True))}
        return services.broadcast_send(actor=officer, crisis=crisis, subject=subject,
                                       body="Are you safe? Answer through the link.",
                                       audience=audience, with_checkin=True)

    def deliveries(self, broadcast: Any) -> Counter[str]:
        from vigil.crisis.models import Delivery

        found = Counter(Delivery.objects.filter(broadcast=broadcast)
                        .values_list("status", flat=True))
        self.close_db()
        return found

    def killed_worker(self, part: str, broadcast: Any, kill_at: int) -> None:
        """Kill the worker once ``kill_at`` messages are in, start another, and reconcile."""
        from vigil.crisis.models import Delivery

        wanted = Delivery.objects.filter(broadcast=broadcast).exclude(
            status=Delivery.Status.SKIPPED).count()
        keys = {str(k) for k in Delivery.objects.filter(broadcast=broadcast).exclude(
            status=Delivery.Status.SKIPPED).values_list("key", flat=True)}
        self.close_db()
        self.report.figure(part, "messages to send", wanted)
        wait_for(lambda: self.mail.count() >= kill_at, 300, f"{kill_at} messages")
        self.procs.kill("worker")
        killed = time.monotonic()
        before_kill = self.mail.count()
        # The rows the killed worker's chunks held: sent again only once their lease has run
        # out, by the sweep.
        held = set(Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.SENDING)
                   .values_list("pk", flat=True))
        self.close_db()
        self.procs.worker()
        waited = wait_for(lambda: bool(self.mail.since(killed + 0.5)), 180,
                          "sending to resume", every=0.1)
        self.report.figure(part, "sent before the kill", before_kill)
        self.report.figure(part, "sending resumed after the kill", f"{waited:.1f} s")
        self.report.expect(waited <= 60, f"sending resumed after {waited:.0f} s")

        def held_sent() -> bool:
            done = Delivery.objects.filter(pk__in=held, status=Delivery.Status.SENT).count()
            self.close_db()
            return done == len(held)

        wait_for(held_sent, 300, "the killed chunks' rows sent", every=0.2)
        taken_over = time.monotonic() - killed
        self.report.figure(part, "rows held by the killed worker's chunks, all sent after the "
                           "kill", f"{len(held)}, {taken_over:.1f} s")
        self.report.expect(taken_over <= 60, f"the killed chunks' rows were sent {taken_over:.0f}"
                           " s after the kill")
        done = wait_for(lambda: self.deliveries(broadcast).get("sent", 0) >= wanted, 300,
                        "every delivery sent")
        self.report.figure(part, "all sent, after the kill", f"{time.monotonic() - killed:.0f} s"
                           f" (the last {done:.0f} s of it waiting)")
        statuses = self.deliveries(broadcast)
        self.report.expect(set(statuses) <= {"sent", "skipped"}, f"deliveries {statuses}")
        mine = [r for r in self.mail.received if r.key in keys]
        copies = Counter(r.key for r in mine)
        missing = keys - set(copies)
        twice = {k: n for k, n in copies.items() if n > 1}
        self.report.expect(not missing, f"{len(missing)} recipients without the message")
        self.report.figure(part, "recipients with the message", f"{len(copies)} of {len(keys)}")
        # A second copy is allowed only for a message whose first copy the server accepted
        # in the last moments before the kill (its SENT was not committed when it died).
        late = [k for k in twice if min(r.at for r in mine if r.key == k) >= killed - 2.0]
        self.report.expect(len(late) == len(twice),
                           f"{len(twice) - len(late)} second copies of messages accepted "
                           "long before the kill")
        # Every second copy is counted on its delivery (resends; the count is an upper bound:
        # a row in doubt is counted whether or not the server had its first copy), and
        # carries the same Message-ID as the first (the key is the Message-ID's).
        counted = dict(Delivery.objects.filter(broadcast=broadcast, resends__gt=0)
                       .values_list("key", "resends"))
        counted = {str(k): n for k, n in counted.items()}
        self.close_db()
        uncounted = [k for k, n in twice.items() if counted.get(k, 0) < n - 1]
        self.report.expect(not uncounted, f"{len(uncounted)} second copies not counted")
        self.report.figure(part, "second copies at the server, resends counted",
                           f"{sum(n - 1 for n in twice.values())}, {sum(counted.values())}")

    def worker_killed(self) -> None:
        from vigil.crisis.models import Delivery

        crisis = self.crisis()
        self.crisis_id = crisis.pk
        say(f"crisis {crisis.reference}: {crisis.entries.count()} on the headcount")
        self.procs.worker()
        self.procs.beat()
        self.mail.clear()
        broadcast = self.broadcast(crisis, "Reliability: the broadcast's own task")
        self.close_db()
        self.killed_worker("Worker killed during a broadcast", broadcast, kill_at=100)
        # The sweep: the fan-out task is dropped from the queue, as if its worker had taken
        # it and died, so the deliveries go out through the periodic sweep alone.
        self.procs.stop("worker")
        self.mail.clear()
        broadcast = self.broadcast(crisis, "Reliability: the delivery sweep")
        self.procs.vigil("shell", "-c", "from vigil.config.celery import app; "
                         "app.control.purge()")
        self.close_db()
        self.procs.worker()
        self.killed_worker("Worker killed during the delivery sweep", broadcast, kill_at=100)
        self.procs.stop("worker")
        self.procs.stop("beat")
        # The load answers check-in links: one broadcast to everyone on the headcount, its
        # messages left unsent (no worker; the queue purged).
        broadcast = self.broadcast(crisis, "Reliability: check-in links", everyone=True)
        self.procs.vigil("shell", "-c", "from vigil.config.celery import app; "
                         "app.control.purge()")
        self.checkin_links = [
            _link(d) for d in Delivery.objects.filter(broadcast=broadcast).exclude(
                status=Delivery.Status.SKIPPED)]
        # Answered in an order unrelated to the headcount's (by the signature's last letters).
        self.checkin_links.sort(key=lambda link: link[-8:])
        self.close_db()

    # 4. --------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        from vigil.crisis.models import AccountEntry
        from vigil.incidents.models import Incident
        from vigil.travel.models import TravelRequest

        found = {"incident": Incident.objects.filter(title__startswith="Reliability").count(),
                 "travel": TravelRequest.objects.filter(purpose__startswith="Reliability")
                 .count(),
                 "checkin": AccountEntry.objects.filter(crisis_id=self.crisis_id,
                                                        status="safe",
                                                        note__startswith="load").count()}
        self.close_db()
        return found

    def load(self, part: str, clients: int, seconds: float,
             fault: Callable[[], None] | None = None) -> Load:
        from vigil.places.models import DutyStation

        stations = list(DutyStation.objects.filter(country__iso2="KE").exclude(code="KE-NAIROB")
                        .values_list("code", flat=True))
        self.close_db()
        load = Load(self.base, self.tokens, self.checkin_links, stations)
        before = self.counts()
        runner = threading.Thread(target=load.run, args=(clients, seconds))
        runner.start()
        if fault is not None:
            fault()
        runner.join()
        after = self.counts()
        by_status = Counter(a.status for a in load.answers)
        for kind in ("incident", "checkin", "travel"):
            made = [a for a in load.answers if a.kind == kind]
            ok = sum(1 for a in made if a.status in (200, 201))
            rows = after[kind] - before[kind]
            self.report.figure(part, f"{kind}: answers, ok, rows written",
                               f"{len(made)}, {ok}, {rows}")
            self.report.expect(rows == ok, f"{part}: {kind}: {rows} rows for {ok} answers ok")
        self.report.figure(part, "answers by status", ", ".join(
            f"{s or 'no answer'}: {n}" for s, n in sorted(by_status.items())))
        self.report.figure(part, "requests per second", f"{len(load.answers) / seconds:.0f}")
        return load

    def full_load(self) -> None:
        part = "Load, 50 clients for 60 s"
        load = self.load(part, 50, 60)
        errors = [a for a in load.answers if a.status not in (200, 201)]
        self.report.expect(not errors, f"{part}: {len(errors)} errors: "
                           f"{Counter((a.kind, a.status, a.error) for a in errors)}")

    # 5. --------------------------------------------------------------------------------------
    def restart_under_load(self) -> None:
        part = "Database restarted under load"
        moments: dict[str, float] = {}

        def fault() -> None:
            time.sleep(10)
            moments["down"] = time.monotonic()
            self.pg.crash()
            time.sleep(5)
            self.pg.start()
            moments["up"] = time.monotonic()

        load = self.load(part, 20, 35, fault)
        wrong = [a for a in load.answers if a.status not in (200, 201, 503)]
        self.report.expect(not wrong, f"{part}: answers other than 2xx and 503: "
                           f"{Counter((a.kind, a.status, a.error) for a in wrong)}")
        unavailable = [a for a in load.answers if a.status == 503]
        later = [a for a in load.answers if a.at > moments["up"] and a.status in (200, 201)]
        back = min((a.at for a in later), default=None)
        recovered = f"{back - moments['up']:.1f} s" if back else "never"
        self.report.figure(part, "down (crash, 5 s, start), 503 answers",
                           f"{moments['up'] - moments['down']:.1f} s, {len(unavailable)}")
        self.report.figure(part, "first success after the start", recovered)
        self.report.expect(back is not None and back - moments["up"] < 10,
                           f"{part}: recovered after {recovered}")
        self.partial_records(part)

    def partial_records(self, part: str) -> None:
        from vigil.core.models import AuditEvent
        from vigil.incidents.models import Incident
        from vigil.travel.models import TravelRequest

        incidents = set(Incident.objects.filter(title__startswith="Reliability")
                        .values_list("pk", flat=True))
        audited = {int(k) for k in AuditEvent.objects.filter(
            action="incidents.incident.create").values_list("object_id", flat=True)}
        no_audit = incidents - audited
        requests = TravelRequest.objects.filter(purpose__startswith="Reliability")
        no_segments = requests.filter(segments__isnull=True).count()
        no_stops = requests.exclude(status="draft").filter(clearances__isnull=True).count()
        self.close_db()
        self.report.figure(part, "incidents without their audit event, requests without "
                           "segments or clearance stops",
                           f"{len(no_audit)}, {no_segments}, {no_stops}")
        self.report.expect(not no_audit and not no_segments and not no_stops,
                           "partial records")

    def run(self) -> None:
        try:
            self.setup()
            if not self.skip_import:
                self.import_killed()
            self.worker_killed()
            self.server()
            self.full_load()
            self.restart_under_load()
        finally:
            self.close_db()
            self.procs.stop_all()
            self.mail.stop()
            self.pg.stop()


def _copy(source: Path, target: Path) -> None:
    """A copy that keeps owners and modes (the cluster's files belong to postgres)."""
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)


def _answers(url: str) -> bool:
    try:
        return call(url, timeout=2)[0] == 200
    except OSError:
        return False


def _link(delivery: Any) -> str:
    from vigil.crisis import checkin

    return checkin.token(delivery)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write the figures to {DOC}")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--work", type=Path, help="a work folder kept (--keep) from an earlier "
                        "run: its demo database is used again instead of loading the demo")
    parser.add_argument("--skip-import", action="store_true",
                        help="leave out the killed import (while working on the other parts)")
    options = parser.parse_args()
    if options.work:
        work = options.work
        for leftover in ("pgdata", "celerybeat-schedule", "personnel.csv"):
            path = work / leftover
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        _copy(work / "pgdata-demo", work / "pgdata")
        options.keep = True
    else:
        work = Path(tempfile.mkdtemp(prefix="vigil-reliability-"))
        work.chmod(0o755)
    report = Report()
    start = time.monotonic()
    try:
        Check(work, report, options.skip_import).run()
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = report.markdown(time.monotonic() - start)
    print(text)
    if options.write:
        doc = DOC.read_text()
        begin, end = "<!-- figures -->", "<!-- /figures -->"
        head, _, rest = doc.partition(begin)
        _, _, tail = rest.partition(end)
        DOC.write_text(f"{head}{begin}\n{text}\n{end}{tail}")
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
