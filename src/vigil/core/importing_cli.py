"""Runs an import service from the command line with a rich progress bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.core.errors import DomainError, ValidationFailed


class ImportCommand(BaseCommand):
    label = "rows"

    def service(self) -> Callable[..., Any]:
        raise CommandError("No import service declared.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True,
                            help="The user the import is done as (checked and audited).")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the good rows and report the bad ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No file {path}.")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), disable=options["verbosity"] == 0) as bar:
            task = bar.add_task(f"Checking {self.label}", total=None)
            try:
                report = self.service()(
                    actor=user, data=path.read_bytes(), skip_invalid=options["skip_invalid"],
                    on_total=lambda n: bar.update(task, total=n),
                    progress=lambda n: bar.advance(task, n))
            except ValidationFailed as exc:
                bar.stop()
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(str(exc.message)) from exc
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        for error in report.errors:
            self.stderr.write(f"skipped: {error}")
        self.stdout.write(f"{report.rows} rows: {report.created} created, {report.updated} "
                          f"updated, {report.skipped} skipped.")
