from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil.core import backup


class Command(BaseCommand):
    help = ("Restores a `vigil backup` FILE into an empty, migrated database (or this one, "
            "emptied first, with --flush). Refuses a file whose content does not match its "
            "digest, or whose audit chain is broken; then nothing is changed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--flush", action="store_true",
                            help="Delete every row of this database before restoring.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup.backup_restore(options["file"], flush=options["flush"])
        except backup.BackupError as exc:
            raise CommandError(f"Not restored: {exc}") from None
        self.stdout.write(f"Restored {summary.rows} rows. Audit chain intact: "
                          f"{summary.audit_events} events verified. "
                          f"Content digest: {summary.digest}.")
