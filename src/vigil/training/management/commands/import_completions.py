"""vigil import_completions FILE --as USER [--skip-invalid]: completions from a learning
platform's CSV export (columns index_number, course_code, completed_on; optional record_id,
family_name, score). Idempotent: importing a file twice changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vigil.core.importing_cli import (
    acting_user,
    add_actor_arguments,
    existing_file,
    run_import,
    write_report,
)
from vigil.training import services


class Command(BaseCommand):
    help = "Import training completions from a learning platform's CSV export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        add_actor_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path = existing_file(options["file"])
        actor = acting_user(options["username"])
        report = run_import(self, "completions", lambda **kw: services.completions_import(
            actor=actor, data=path.read_bytes(), skip_invalid=options["skip_invalid"], **kw),
            verbosity=options["verbosity"])
        write_report(self, report)
