from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from vigil.core.importing_cli import ImportCommand
from vigil.incidents.importers import awsd_import


class Command(ImportCommand):
    help = ("Import security incidents from Aid Worker Security Database CSV exports (the "
            "current one or that of 2016, told apart by their header), matched by AWSD "
            "incident id: an id already imported is left as it is. Each file is imported whole "
            "or not at all, unless --skip-invalid; the files are imported in the order given.")
    many_files = True
    dry_run = True

    def service(self) -> Callable[..., Any]:
        return awsd_import

    def arguments(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        return {"path": path, "dry_run": options["dry_run"]}

    def description(self, path: Path) -> str:
        return _("Checking %(file)s") % {"file": path.name}
