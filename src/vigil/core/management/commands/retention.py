from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vigil.core import retention


class Command(BaseCommand):
    help = ("Deletes or strips personal records past their keeping period: whereabouts older "
            "than VIGIL_WHEREABOUTS_RETENTION_DAYS (except what an open crisis still needs) "
            "and counselling cases closed more than VIGIL_COUNSELLING_RETENTION_DAYS ago. "
            "Audited with counts only. --dry-run counts and changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = retention.retention_apply(dry_run=options["dry_run"])
        verb = "Would remove" if outcome.dry_run else "Removed"
        for what, n in sorted(outcome.counts.items()):
            self.stdout.write(f"{verb} {n}: {what}")
