"""`vigil beat`: Celery beat, which queues Vigil's periodic tasks (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil.core.management.commands.worker import celery_argv, passthrough, run_or_print


class Command(BaseCommand):
    # The program started checks nothing Django's checks would: start it without a second
    # start-up's worth of checks (run `vigil check --deploy` when installing).
    requires_system_checks: list[str] = []
    help = ("Start Celery beat, which queues the periodic tasks (needs CELERY_BROKER_URL). Run "
            "exactly one. Its schedule state is kept in VIGIL_VAR_DIR/celerybeat-schedule. "
            "Options after `--` go to `celery beat` unchanged.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", "-s", default=str(settings.VAR_DIR /
                                                            "celerybeat-schedule"),
                            help="File holding the time of each job's last run.")
        parser.add_argument("--loglevel", "-l", default="INFO")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print the celery command line instead of running it.")
        parser.add_argument("extra", nargs="*", help="Options for `celery beat`, after --.")

    def build_argv(self, options: dict[str, Any]) -> list[str]:
        return celery_argv("beat", ["--schedule", options["schedule"],
                                    "--loglevel", options["loglevel"],
                                    *passthrough(options["extra"])])

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL and not options["dry_run"]:
            raise CommandError("CELERY_BROKER_URL is not set: without a broker, run "
                               "`vigil crisis_clock --every 60` and the daily jobs from cron "
                               "(docs/deploy.md).")
        run_or_print(self, self.build_argv(options), options["dry_run"])
