from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.core.errors import DomainError, ValidationFailed
from vigil.travel.importers import AIRLINES_FILE, air_operators_import


class Command(BaseCommand):
    help = ("Import air operators from OpenFlights' airlines.dat (matched by OpenFlights id), "
            "by default the copy shipped with Vigil. All rows or none. Suitability is kept.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?", default=AIRLINES_FILE)
        parser.add_argument("--as", dest="username", required=True,
                            help="The user the import is done as (checked and audited).")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the good rows and report the bad ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": options["username"]})
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), disable=options["verbosity"] == 0) as bar:
            task = bar.add_task(_("Checking air operators"), total=None)
            try:
                report = air_operators_import(
                    actor=user, path=path, skip_invalid=options["skip_invalid"],
                    on_total=lambda n: bar.update(task, total=n),
                    progress=lambda n: bar.advance(task, n))
            except ValidationFailed as exc:
                bar.stop()
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(str(exc.message)) from exc
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        for error in report.errors:
            self.stderr.write(_("skipped: %(error)s") % {"error": error})
        for line in report.lines():
            self.stdout.write(line)
