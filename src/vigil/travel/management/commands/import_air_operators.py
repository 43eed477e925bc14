from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from vigil.core.importing_cli import ImportCommand
from vigil.travel.importers import AIRLINES_FILE, air_operators_import


class Command(ImportCommand):
    help = ("Import air operators from OpenFlights' airlines.dat (matched by OpenFlights id), "
            "by default the copy shipped with Vigil. All rows or none. Suitability is kept.")
    default_file = AIRLINES_FILE

    def service(self) -> Callable[..., Any]:
        return air_operators_import

    def arguments(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        return {"path": path}

    def description(self, path: Path) -> str:
        return _("Checking air operators")
