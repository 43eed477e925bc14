import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vigil.core import audit


class Command(BaseCommand):
    help = "Audit log tools. `vigil audit verify` walks the hash chain and reports a break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit.verify()
        if broken is None:
            self.stdout.write(f"Audit chain intact. Events verified: {checked}.")
            return
        self.stderr.write(f"Audit chain BROKEN at event #{broken.seq}: {broken.reason}. "
                          f"Events verified before it: {checked}.")
        sys.exit(1)
