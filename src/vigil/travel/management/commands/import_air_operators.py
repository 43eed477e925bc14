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
from vigil.travel.importers import AIRLINES_FILE, air_operators_import


class Command(BaseCommand):
    help = ("Import air operators from OpenFlights' airlines.dat (matched by OpenFlights id), "
            "by default the copy shipped with Vigil. All rows or none. Suitability is kept.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?", default=AIRLINES_FILE)
        add_actor_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        path = existing_file(options["file"])
        report = run_import(self, _("Checking air operators"), lambda on_total, progress: (
            air_operators_import(actor=user, path=path, skip_invalid=options["skip_invalid"],
                                 on_total=on_total, progress=progress)),
                            verbosity=options["verbosity"])
        write_report(self, report)
