from typing import Any

from django.core.management.base import BaseCommand

from vigil.places.services import countries_sync


class Command(BaseCommand):
    help = "Bring the country table in line with ISO 3166-1 as the installed pycountry ships it."

    def handle(self, *args: Any, **options: Any) -> None:
        created = countries_sync()
        self.stdout.write(f"{created} countries added.")
