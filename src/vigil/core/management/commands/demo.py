from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.core import demo
from vigil.core.errors import DomainError


class Command(BaseCommand):
    help = "Load deterministic demo data (one user per role) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing (and succeed) when the database has users.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and not demo.database_is_empty():
            self.stdout.write("The database has data already; demo not loaded.")
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), disable=options["verbosity"] == 0) as bar:
            tasks: dict[str, Any] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done, total=total)

            try:
                counts = demo.demo_load(scale=options["scale"], seed=options["seed"],
                                        progress=progress)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        for key, value in counts.items():
            self.stdout.write(f"{key}: {value}")
