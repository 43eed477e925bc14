from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.core.errors import DomainError, ValidationFailed
from vigil.incidents.importers import awsd_import


class Command(BaseCommand):
    help = ("Import security incidents from Aid Worker Security Database CSV exports (the "
            "current one or that of 2016, told apart by their header), matched by AWSD "
            "incident id: an id already imported is left as it is. Each file is imported whole "
            "or not at all, unless --skip-invalid; the files are imported in the order given.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--as", dest="username", required=True,
                            help="The user the import is done as (checked and audited).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check and report everything, then save nothing.")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the good rows and report the bad ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": options["username"]})
        files: list[Path] = options["files"]
        for path in files:
            if not path.is_file():
                raise CommandError(_("No file %(path)s.") % {"path": path})
        done: list[str] = []
        for path in files:
            self._import(user, path, done, options)
            done.append(path.name)

    def _import(self, user: Any, path: Path, done: list[str], options: dict[str, Any]) -> None:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), disable=options["verbosity"] == 0) as bar:
            task = bar.add_task(_("Checking %(file)s") % {"file": path.name}, total=None)
            try:
                report = awsd_import(
                    actor=user, path=path, dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    on_total=lambda n: bar.update(task, total=n),
                    progress=lambda n: bar.advance(task, n))
            except ValidationFailed as exc:
                bar.stop()
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(self._failed(str(exc.message), done)) from exc
            except DomainError as exc:
                raise CommandError(self._failed(str(exc.message), done)) from exc
        for error in report.errors:
            self.stderr.write(_("skipped: %(error)s") % {"error": error})
        for line in report.lines():
            self.stdout.write(line)

    @staticmethod
    def _failed(message: str, done: list[str]) -> str:
        if not done:
            return message
        return _("%(message)s (Imported before it: %(files)s.)") % {
            "message": message, "files": ", ".join(done)}
