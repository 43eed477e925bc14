from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from vigil.people.demo import DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("\nVigil demo sign-ins (password for all: "
                          f"{settings.VIGIL_DEMO_PASSWORD}):")
        for username, _first, _last, role, kind, value in DEMO_USERS:
            scope = kind.value + (f" {value}" if value else "")
            self.stdout.write(f"  {username:<22} {role.label:<24} {scope}")
        self.stdout.write("")
