from collections.abc import Callable
from typing import Any

from vigil.core.importing_cli import ImportCommand
from vigil.places.services import duty_stations_import


class Command(ImportCommand):
    help = "Import duty stations from CSV (matched by code). All rows or none."
    label = "duty stations"

    def service(self) -> Callable[..., Any]:
        return duty_stations_import
