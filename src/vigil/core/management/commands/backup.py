from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vigil.core import audit, backup


class Command(BaseCommand):
    help = ("Writes the whole database to FILE (gzipped JSON) with its content digest and its "
            "audit chain's head. `vigil restore FILE` loads it back.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        summary = backup.backup_write(options["file"])
        audit.record(actor=None, action="core.backup.written",
                     object_type="core.backup", object_repr=str(options["file"])[:200],
                     changes={"rows": summary.rows, "digest": summary.digest,
                              "audit_events": summary.audit_events})
        self.stdout.write(f"Backup written: {options['file']}. Rows: {summary.rows}. "
                          f"Audit events: {summary.audit_events}. "
                          f"Content digest: {summary.digest}.")
