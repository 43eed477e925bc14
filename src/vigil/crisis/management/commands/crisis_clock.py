"""Run crisis management's periodic work without Celery beat: due deliveries and retries,
reminders, scheduled check-ins, escalations and CAP feed polling. `--every N` repeats every
N seconds until stopped; without it the work runs once."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from vigil.crisis.tasks import PERIODIC


class Command(BaseCommand):
    help = "Run crisis management's periodic work once, or every N seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0,
                            help="repeat every N seconds (0: once)")

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        while True:
            for name, (path, _interval) in PERIODIC.items():
                try:
                    result = import_string(path)()  # in this process, as a plain call
                except Exception as exc:
                    self.stderr.write(f"{name}: {type(exc).__name__}: {exc}")
                    continue
                if result and options["verbosity"] > 1:
                    self.stdout.write(f"{name}: {result}")
            if not every:
                return
            time.sleep(every)
