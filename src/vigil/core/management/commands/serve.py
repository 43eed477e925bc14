"""`vigil serve`: gunicorn serving Vigil's WSGI application, with production defaults."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vigil.core.management.commands.worker import passthrough, run_or_print

WSGI_APP = "vigil.config.wsgi:application"


def default_workers(cpus: int | None = None) -> int:
    """gunicorn's advice, 2 x CPUs + 1 sync workers; Vigil's requests wait mostly on the
    database, so a worker's CPU share is small."""
    return 2 * (cpus or os.cpu_count() or 1) + 1


def default_bind() -> str:
    return os.environ.get("VIGIL_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"


class Command(BaseCommand):
    # The program started checks nothing Django's checks would: start it without a second
    # start-up's worth of checks (run `vigil check --deploy` when installing).
    requires_system_checks: list[str] = []
    help = ("Serve Vigil with gunicorn (bind 127.0.0.1:$PORT, 2 x CPUs + 1 workers, access "
            "log on standard output). Options after `--` go to gunicorn unchanged.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", "-b", default=None,
                            help="Address to listen on (default: $VIGIL_BIND, or "
                                 "127.0.0.1:$PORT, or 127.0.0.1:8000). Repeatable in gunicorn "
                                 "after --.")
        parser.add_argument("--workers", "-w", type=int, default=None,
                            help="Worker processes (default: 2 x CPUs + 1).")
        parser.add_argument("--timeout", "-t", type=int, default=120,
                            help="Seconds before a silent worker is killed and restarted "
                                 "(default 120: the biennium report's PDF takes a while).")
        parser.add_argument("--graceful-timeout", type=int, default=30,
                            help="Seconds a worker has to finish its requests on restart.")
        parser.add_argument("--max-requests", type=int, default=2000,
                            help="Requests after which a worker is replaced (with jitter), "
                                 "so that memory never grows without bound; 0: never.")
        parser.add_argument("--access-logfile", default="-",
                            help="Access log file (default: standard output).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print the gunicorn command line instead of running it.")
        parser.add_argument("extra", nargs="*", help="Options for gunicorn, after --.")

    def build_argv(self, options: dict[str, Any]) -> list[str]:
        args = [sys.executable, "-m", "gunicorn",
                "--bind", options["bind"] or default_bind(),
                "--workers", str(options["workers"] or default_workers()),
                "--timeout", str(options["timeout"]),
                "--graceful-timeout", str(options["graceful_timeout"]),
                "--access-logfile", options["access_logfile"],
                "--error-logfile", "-"]
        if options["max_requests"]:
            args += ["--max-requests", str(options["max_requests"]),
                     "--max-requests-jitter", str(max(1, options["max_requests"] // 10))]
        return [*args, *passthrough(options["extra"]), WSGI_APP]

    def handle(self, *args: Any, **options: Any) -> None:
        run_or_print(self, self.build_argv(options), options["dry_run"])
