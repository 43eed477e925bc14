"""Celery for real: a `vigil worker` process (prefork, 2 processes) on the machine's Redis,
against this run's PostgreSQL test database, with tasks sent the way Vigil sends them (after
commit, through the broker), never eagerly.

- a crisis broadcast is fanned out by the worker and reaches an SMTP server once per person;
- every task of the beat schedule, looked up by its schedule name and sent as beat sends it,
  succeeds on the worker (read from the worker's log); retention, one of them, removes old
  whereabouts;
- `vigil beat` itself queues the whole schedule, and the worker runs each job.

Imports are not Celery tasks (they run in the request or command that asks for them), so none
is sent here; a test says so, and fails when one becomes a task.

Run by .ci/run in one step (3 minutes measured on the shared 2-core machine, load average 20):

    VIGIL_REAL_CELERY=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/pytest -p no:cacheprovider --no-migrations \\
        src/vigil/core/tests/test_real_celery.py

Without VIGIL_REAL_CELERY, on SQLite, or when Redis does not answer at 127.0.0.1:6379 (or
VIGIL_REAL_CELERY_REDIS), the tests are skipped with that reason. The broker is a Redis
database nobody uses (the first empty one of 1-15, claimed with a key), emptied at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from vigil.config.celery import app
from vigil.core.tests.migrated_rows import restore_migrated_rows
from vigil.crisis.tests.conftest import (  # noqa: F401 - the crisis fixtures used here
    Inbox,
    free_port,
    nairobi_crisis,
    officer,
    staff_with_mail,
)

REDIS = os.environ.get("VIGIL_REAL_CELERY_REDIS", "redis://127.0.0.1:6379").rstrip("/")
WAIT = 60  # seconds; a task here takes well under one


def _redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(f"{REDIS}/0", socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure to reach it is a reason to skip
        return f"Redis is not reachable at {REDIS}: {exc}"
    return None


def _skip_reason() -> str | None:
    if not os.environ.get("VIGIL_REAL_CELERY"):
        return "real Celery runs only with VIGIL_REAL_CELERY=1 (.ci/run sets it)"
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "real Celery needs PostgreSQL: the worker process shares the test database"
    return _redis_problem()


REASON = _skip_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def _claim_redis_db() -> tuple[str, Any]:
    import redis

    for number in range(1, 16):
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if client.dbsize() == 0 and client.set("vigil:real-celery:claim", os.getpid(), nx=True):
            return f"{REDIS}/{number}", client
    pytest.skip("no empty Redis database among 1-15")


class Worker:
    """The worker process, its log and the SMTP server its e-mails go to."""

    def __init__(self, log: Path, inbox: Inbox, env: dict[str, str], var: Path) -> None:
        self.log = log
        self.inbox = inbox
        self.env = env
        self.var = var

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not done():
            if time.monotonic() > deadline:
                pytest.fail(f"not within {WAIT} s: {what}\n--- worker log ---\n"
                            f"{self.text()[-4000:]}")
            time.sleep(0.2)

    def outcome(self, task_id: str) -> str | None:
        """'succeeded' or 'raised' once the worker has finished the task, as it logs it."""
        found = re.search(rf"Task [\w.]+\[{task_id}\] (succeeded|raised|failed)", self.text())
        return found.group(1) if found else None


def _vigil(*args: str) -> list[str]:
    return [sys.executable, "-m", "vigil.manage", *args]


@pytest.fixture(scope="module")
def real_celery(django_db_setup: Any, django_db_blocker: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """A real `vigil worker` on a free Redis database and the test database; this process
    sends its tasks through the same broker."""
    broker, client = _claim_redis_db()
    with django_db_blocker.unblock():
        from django.db import connection

        db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    database_url = (f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
                    f"{db['PORT'] or 5432}/{db['NAME']}")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    var = tmp_path_factory.mktemp("real-celery")
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker,
           "VIGIL_VAR_DIR": str(var), "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
           "VIGIL_BASE_URL": "http://127.0.0.1:8000", "LOG_LEVEL": "INFO"}
    log = var / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            _vigil("worker", "--concurrency", "2", "--loglevel", "INFO", "--",
                   "--without-gossip", "--without-mingle"),
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=var)
    app.loader.import_default_modules()  # every task, as the worker and beat have them
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.broker_url = broker
    app.conf.task_always_eager = False
    worker = Worker(log, inbox, env, var)
    try:
        worker.wait_for(lambda: process.poll() is not None or " ready." in worker.text(),
                        "the worker is ready")
        assert process.poll() is None, worker.text()
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for key, value in saved.items():
            app.conf[key] = value
        app.pool.force_close_all()
        smtp.stop()
        client.flushdb()


@pytest.fixture
def committed(transactional_db: Any, settings: Any, real_celery: Worker) -> Worker:
    """Each test's rows committed (the worker reads them), with the rows data migrations
    write (countries, the audit chain's head...), also when the tables were made from the
    models (--no-migrations, as .ci/run does: a minute faster)."""
    restore_migrated_rows()
    settings.CELERY_BROKER_URL = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    real_celery.inbox.messages.clear()
    return real_celery


def test_a_broadcast_is_delivered_by_the_worker_once_per_person(
        committed, cast, officer, nairobi_crisis):  # noqa: F811
    from vigil.crisis import services
    from vigil.crisis.models import Delivery

    sent = services.broadcast_send(actor=officer, crisis=nairobi_crisis,
                                   subject="Are you safe?", body="Reply with the link.")
    # broadcast_send queued the fan-out after its commit; the worker does the rest.
    committed.wait_for(lambda: not sent.deliveries.exclude(status=Delivery.Status.SENT).exists(),
                       "every delivery sent")
    committed.wait_for(lambda: len(committed.inbox.messages) >= 3, "three e-mails arrive")
    time.sleep(1)  # a duplicate would arrive now
    assert sorted(m["To"] for m in committed.inbox.messages) == [
        "amina@un.example", "fatuma@un.example", "omar@un.example"]
    assert {m["Subject"] for m in committed.inbox.messages} == {"Are you safe?"}
    assert re.search(r"Task vigil\.crisis\.tasks\.\w+\[[\w-]+\] succeeded", committed.text())


def test_every_scheduled_task_sent_by_name_succeeds_on_the_worker_retention_too(
        committed, cast, user_with):
    from vigil.core.authz import Role
    from vigil.core.models import AuditEvent
    from vigil.crisis.tests.test_retention import a_trip
    from vigil.travel.models import Presence

    admin = user_with(Role.ADMINISTRATOR, username="root")
    old = a_trip(cast, admin, cast.amina, timezone.now() - dt.timedelta(days=800))
    recent = a_trip(cast, admin, cast.omar, timezone.now() - dt.timedelta(days=30))
    sent = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = app.tasks[entry["task"]]  # beat looks the task up by its name, and so here
        sent[name] = task.apply_async(entry.get("args", ()), entry.get("kwargs", {}),
                                      **entry.get("options", {})).id
    committed.wait_for(lambda: all(committed.outcome(i) for i in sent.values()),
                       f"the {len(sent)} scheduled tasks finish")
    outcomes = {name: committed.outcome(task_id) for name, task_id in sent.items()}
    assert outcomes == dict.fromkeys(settings.CELERY_BEAT_SCHEDULE, "succeeded")
    # Retention (core-retention) removed the old whereabouts on the worker, and said so.
    assert not Presence.objects.filter(request=old).exists()
    assert Presence.objects.filter(request=recent).exists()
    event = AuditEvent.objects.get(action="core.retention.applied")
    assert event.changes["counts"]["travel.presences"] == 1


def test_vigil_beat_queues_the_whole_schedule_for_the_worker(committed):
    """The real beat process, with a schedule file saying each job last ran a day ago: beat
    queues every job at once, and each succeeds on the worker."""
    from celery.beat import PersistentScheduler

    schedule = committed.var / "schedule"
    seeded = PersistentScheduler(app=app, schedule_filename=str(schedule), lazy=True)
    seeded.setup_schedule()
    for entry in seeded.schedule.values():
        entry.last_run_at = timezone.now() - dt.timedelta(days=1)
    seeded.sync()
    seeded.close()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    done_before = {task: len(re.findall(rf"Task {re.escape(task)}\[[\w-]+\] succeeded",
                                        committed.text())) for task in tasks}

    def all_ran() -> bool:
        text = committed.text()
        return all(len(re.findall(rf"Task {re.escape(task)}\[[\w-]+\] succeeded", text))
                   > done_before[task] for task in tasks)

    log = committed.var / "beat.log"
    with log.open("w") as out:
        beat = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            _vigil("beat", "--schedule", str(schedule), "--", "--max-interval", "1"),
            env=committed.env, stdout=out, stderr=subprocess.STDOUT, cwd=committed.var)
    try:
        committed.wait_for(all_ran, f"beat's {len(tasks)} scheduled tasks run on the worker")
    finally:
        beat.terminate()
        beat.wait(timeout=20)
    sent = set(re.findall(r"Sending due task ([\w-]+)", log.read_text()))
    assert sent == set(settings.CELERY_BEAT_SCHEDULE)
    assert not re.search(r"\] (raised|failed)", committed.text())


def test_no_import_is_a_celery_task():
    """Imports (people, travel, incidents, training, gate exports) run where they are asked
    for; were one to become a task, it belongs in this file."""
    app.loader.import_default_modules()
    assert not [name for name in app.tasks if "import" in name.lower()]
