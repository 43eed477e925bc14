from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from vigil.aviation import services


class Command(BaseCommand):
    help = ("Air operators whose suitability assessment lapsed before today (or --on) fall "
            "back to not assessed, so that clearance asks for a decision. Safe to run again.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None,
                            help="the day to check (YYYY-MM-DD); today by default")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.operators_expire(on=options["on"])
        self.stdout.write(ngettext("%(count)d air operator fell back to not assessed.",
                                   "%(count)d air operators fell back to not assessed.",
                                   changed) % {"count": changed})
