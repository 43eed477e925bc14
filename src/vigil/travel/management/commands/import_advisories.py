from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.core.importing_cli import acting_user, add_actor_arguments
from vigil.travel.importers import advisories_import


def advisory_files(arguments: list[Path]) -> list[Path]:
    """The .json files named, and those directly inside each directory named."""
    files: list[Path] = []
    for path in arguments:
        if path.is_dir():
            files.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(_("No file or directory %(path)s.") % {"path": path})
    return files


class Command(BaseCommand):
    help = ("Import US State Department travel advisories, one JSON file per country "
            "(matched by filename_base). A malformed file is reported and skipped; the others "
            "import.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="DIR_OR_FILE")
        add_actor_arguments(parser, skip_invalid=False, dry_run=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        files = advisory_files(options["paths"])
        if not files:
            raise CommandError(_("No .json files to import."))
        try:
            report = advisories_import(actor=user, paths=files, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for line in report.lines():
            self.stdout.write(line)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.failed:
            # The good files are saved; a non-zero exit still tells a scheduler to look.
            raise CommandError(_("%(failed)d of %(files)d files were not imported.")
                               % {"failed": report.failed, "files": report.files})
