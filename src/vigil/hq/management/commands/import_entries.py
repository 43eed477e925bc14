from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from vigil.core.importing_cli import ImportCommand
from vigil.hq.gate_selectors import mapping_named
from vigil.hq.gate_services import entries_import
from vigil.places.models import Premises


class Command(ImportCommand):
    help = ("Import the entry events of a gate controller's CSV export at one premises, read "
            "through a named column mapping of its duty station. Idempotent: events imported "
            "before are counted, not added. The file is imported whole or not at all, unless "
            "--skip-invalid; --dry-run checks and saves nothing.")
    label = "entry events"
    dry_run = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--premises", type=int, required=True,
                            help="The id of the premises the export comes from.")
        parser.add_argument("--mapping", required=True,
                            help="The name of the column mapping of the controller.")

    def service(self) -> Callable[..., Any]:
        return entries_import

    def arguments(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        premises = Premises.objects.select_related("duty_station").filter(
            pk=options["premises"]).first()
        if premises is None:
            raise CommandError(_("No premises %(id)s.") % {"id": options["premises"]})
        mapping = mapping_named(station_id=premises.duty_station_id, name=options["mapping"])
        if mapping is None:
            raise CommandError(_("No column mapping “%(name)s” at %(station)s.") % {
                "name": options["mapping"], "station": premises.duty_station})
        return {"premises": premises, "mapping": mapping, "data": path.read_bytes(),
                "file_name": path.name, "dry_run": options["dry_run"]}

    def description(self, path: Path) -> str:
        return _("Checking %(file)s") % {"file": path.name}
