from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from vigil.core.importing_cli import (
    acting_user,
    add_actor_arguments,
    existing_file,
    run_import,
    write_report,
)
from vigil.incidents.importers import awsd_import


class Command(BaseCommand):
    help = ("Import security incidents from Aid Worker Security Database CSV exports (the "
            "current one or that of 2016, told apart by their header), matched by AWSD "
            "incident id: an id already imported is left as it is. Each file is imported whole "
            "or not at all, unless --skip-invalid; the files are imported in the order given.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        add_actor_arguments(parser, dry_run=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        files = [existing_file(path) for path in options["files"]]
        done: list[str] = []
        for path in files:
            def call(on_total: Any, progress: Any, path: Path = path) -> Any:
                return awsd_import(actor=user, path=path, dry_run=options["dry_run"],
                                   skip_invalid=options["skip_invalid"], on_total=on_total,
                                   progress=progress)

            report = run_import(self, _("Checking %(file)s") % {"file": path.name}, call,
                                verbosity=options["verbosity"],
                                failed=lambda message: self._failed(message, done))
            write_report(self, report)
            done.append(path.name)

    @staticmethod
    def _failed(message: str, done: list[str]) -> str:
        if not done:
            return message
        return _("%(message)s (Imported before it: %(files)s.)") % {
            "message": message, "files": ", ".join(done)}
