"""`vigil worker`: a Celery worker that consumes every queue Vigil sends tasks to."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

CELERY_APP = "vigil.config"


def _route_queues(routes: Any) -> Iterable[str]:
    """Queue names named by Celery routes: a dict {pattern: {"queue": name}}, or a list of
    such dicts and (pattern, options) pairs. A router function names none we can read."""
    if routes is None:
        return
    if isinstance(routes, dict):
        for value in routes.values():
            if isinstance(value, dict) and value.get("queue"):
                queue = value["queue"]
                yield str(getattr(queue, "name", queue))
            elif isinstance(value, str):
                yield value
        return
    if isinstance(routes, list | tuple):
        if (len(routes) == 2 and isinstance(routes[0], str)
                and isinstance(routes[1], dict)):
            yield from _route_queues({routes[0]: routes[1]})
            return
        for item in routes:
            yield from _route_queues(item)


def consumed_queues() -> list[str]:
    """Every queue a Vigil task can be sent to: the default queue, each task's own `queue`,
    the routes and declared queues of the Celery configuration, and the beat schedule's
    options. Sorted, default queue first."""
    # Vigil's app, made when the settings package loads (vigil.config), is Celery's current
    # one: core reads it from there rather than importing the project's assembly.
    from celery import current_app

    app = current_app._get_current_object()

    app.loader.import_default_modules()  # every app's tasks module (autodiscover)
    conf = app.conf
    default = conf.task_default_queue or "celery"
    names = {default}
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        queue = getattr(task, "queue", None)
        if queue:
            names.add(getattr(queue, "name", queue))
    names.update(_route_queues(conf.task_routes))
    for queue in conf.task_queues or ():
        names.add(getattr(queue, "name", queue))
    for entry in (conf.beat_schedule or {}).values():
        options = entry.get("options") or {}
        if options.get("queue"):
            names.add(getattr(options["queue"], "name", options["queue"]))
    return [default, *sorted(names - {default})]


def celery_argv(verb: str, args: list[str]) -> list[str]:
    """The command line that runs Celery's `verb` on Vigil's app with this interpreter."""
    return [sys.executable, "-m", "celery", "-A", CELERY_APP, verb, *args]


def passthrough(extra: list[str]) -> list[str]:
    """Options after `--` go to the program unchanged."""
    return extra[1:] if extra[:1] == ["--"] else extra


def run_or_print(command: BaseCommand, argv: list[str], dry_run: bool) -> None:
    """Print the command line (--dry-run), or become it: the process keeps its id, so that a
    supervisor (systemd) signals the program itself."""
    if dry_run:
        command.stdout.write(shlex.join(argv))
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)  # noqa: S606  # nosec B606 - our own interpreter, no shell


class Command(BaseCommand):
    # The program started checks nothing Django's checks would: start it without a second
    # start-up's worth of checks (run `vigil check --deploy` when installing).
    requires_system_checks: list[str] = []
    help = ("Start a Celery worker consuming every queue Vigil sends tasks to (needs "
            "CELERY_BROKER_URL). Options after `--` go to `celery worker` unchanged.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", "-Q", default="",
                            help="Comma-separated queues to consume instead of all of them "
                                 "(for a worker dedicated to some queues).")
        parser.add_argument("--concurrency", "-c", type=int, default=None,
                            help="Worker processes (default: the number of CPUs).")
        parser.add_argument("--loglevel", "-l", default="INFO")
        parser.add_argument("--hostname", "-n", default="vigil@%h",
                            help="Node name, unique per worker on a host (default vigil@%%h).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print the celery command line instead of running it.")
        parser.add_argument("extra", nargs="*", help="Options for `celery worker`, after --.")

    def build_argv(self, options: dict[str, Any]) -> list[str]:
        all_queues = consumed_queues()
        queues = [q for q in options["queues"].split(",") if q] or all_queues
        unknown = sorted(set(queues) - set(all_queues))
        if unknown:
            raise CommandError(f"No Vigil task goes to {', '.join(unknown)}; the queues are "
                               f"{', '.join(all_queues)}.")
        args = ["worker", "--queues", ",".join(queues), "--loglevel", options["loglevel"],
                "--hostname", options["hostname"]]
        if options["concurrency"]:
            args += ["--concurrency", str(options["concurrency"])]
        return celery_argv(args[0], args[1:] + passthrough(options["extra"]))

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL and not options["dry_run"]:
            raise CommandError("CELERY_BROKER_URL is not set: without a broker, tasks run in "
                               "the process that queues them and no worker is needed.")
        run_or_print(self, self.build_argv(options), options["dry_run"])
