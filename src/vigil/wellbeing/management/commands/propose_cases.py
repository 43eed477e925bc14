"""`vigil propose_cases`: propose a support case for every person recorded as affected by an
incident who has none yet. Idempotent; run by the periodic clock."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vigil.wellbeing import tasks


class Command(BaseCommand):
    help = "Propose critical-incident stress support for people affected by incidents."

    def handle(self, *args: Any, **options: Any) -> None:
        made = tasks.propose_locked()
        if made is None:
            self.stdout.write("Another run is proposing cases; nothing done.")
        else:
            self.stdout.write(f"{made} cases proposed.")
