import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from vigil.core.authz import Perm
from vigil.core.errors import DomainError
from vigil.core.importing_cli import acting_user
from vigil.people import privacy
from vigil.people.models import Person


class Command(BaseCommand):
    help = ("One person's data on request. `vigil privacy export PERSON --as USER [--out FILE]` "
            "writes everything Vigil holds on them as JSON; `vigil privacy erase PERSON --as "
            "USER --yes` erases it. PERSON is an index number or an id. Both are checked "
            "against USER's permissions and audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("person", help="The staff member's index number or id.")
        parser.add_argument("--as", dest="username", required=True,
                            help="The officer acting (checked and audited).")
        parser.add_argument("--out", type=Path, help="Export: the file to write (default: "
                                                     "standard output).")
        parser.add_argument("--yes", action="store_true",
                            help="Erase: confirm. Erasure cannot be undone.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["username"])
        key = options["person"]
        match = Q(index_number=key) | Q(pk=int(key)) if key.isdigit() else Q(index_number=key)
        found = Person.objects.filter(match).order_by("pk").values_list("pk", flat=True).first()
        perm = Perm.EXPORT_PERSONAL_DATA if options["action"] == "export" else Perm.CHANGE_PERSON
        try:
            person = privacy.person_for(actor=actor, perm=perm, pk=found)
            if options["action"] == "export":
                self._export(actor, person, options["out"])
            else:
                self._erase(actor, person, options["yes"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None

    def _export(self, actor: Any, person: Person, out: Path | None) -> None:
        data = privacy.person_export(actor=actor, person=person)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            out.write_text(text, encoding="utf-8")
            self.stdout.write(f"Exported {len(data['records'])} records to {out}.")

    def _erase(self, actor: Any, person: Person, confirmed: bool) -> None:
        if not confirmed:
            holds = privacy.erasure_holds(person)
            if holds:
                raise CommandError("Cannot be erased yet: " + "; ".join(holds) + ".")
            raise CommandError("Erasure cannot be undone. Give --yes to erase.")
        counts = privacy.person_erase(actor=actor, person=person)
        self.stdout.write(f"Erased. Records changed: {sum(counts.values())}.")
        for label, n in sorted(counts.items()):
            if n:
                self.stdout.write(f"  {label}: {n}")
