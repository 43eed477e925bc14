from collections.abc import Callable
from typing import Any

from vigil.core.importing_cli import ImportCommand
from vigil.people.services import personnel_import


class Command(ImportCommand):
    help = "Import personnel from CSV (matched by index number). All rows or none."
    label = "personnel"

    def service(self) -> Callable[..., Any]:
        return personnel_import
