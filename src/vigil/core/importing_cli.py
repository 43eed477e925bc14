"""Runs an import service from the command line with a rich progress bar: the pieces every
`vigil import_*` command shares (the acting user, the progress bar, faults to stderr)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.core.errors import DomainError, ValidationFailed

R = TypeVar("R")


def add_actor_arguments(parser: CommandParser, *, skip_invalid: bool = True,
                        dry_run: bool = False) -> None:
    parser.add_argument("--as", dest="username", required=True,
                        help="The user the import is done as (checked and audited).")
    if skip_invalid:
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the good rows and report the bad ones.")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true",
                            help="Check and report everything, then save nothing.")


def acting_user(username: str) -> Any:
    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        raise CommandError(_("No user %(name)s.") % {"name": username})
    return user


def existing_file(path: Path) -> Path:
    if not path.is_file():
        raise CommandError(_("No file %(path)s.") % {"path": path})
    return path


def run_import(command: BaseCommand, description: str,
               call: Callable[[Callable[[int], None], Callable[[int], None]], R], *,
               verbosity: int = 1, failed: Callable[[str], str] = str) -> R:
    """Run ``call(on_total, progress)`` under a progress bar. A refused import writes each of
    its faults to stderr and ends the command with its message (through ``failed``)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), disable=verbosity == 0) as bar:
        task = bar.add_task(description, total=None)
        try:
            return call(lambda n: bar.update(task, total=n), lambda n: bar.advance(task, n))
        except ValidationFailed as exc:
            bar.stop()
            for error in exc.errors:
                command.stderr.write(str(error))
            raise CommandError(failed(str(exc.message))) from exc
        except DomainError as exc:
            raise CommandError(failed(str(exc.message))) from exc


def write_report(command: BaseCommand, report: Any) -> None:
    """The rows skipped as invalid to stderr, the report's lines to stdout."""
    for error in report.errors:
        command.stderr.write(_("skipped: %(error)s") % {"error": error})
    for line in report.lines():
        command.stdout.write(line)


class ImportCommand(BaseCommand):
    label = "rows"

    def service(self) -> Callable[..., Any]:
        raise CommandError("No import service declared.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        add_actor_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        path = existing_file(options["file"])
        report = run_import(self, f"Checking {self.label}", lambda on_total, progress: (
            self.service()(actor=user, data=path.read_bytes(),
                           skip_invalid=options["skip_invalid"], on_total=on_total,
                           progress=progress)), verbosity=options["verbosity"])
        for error in report.errors:
            self.stderr.write(f"skipped: {error}")
        self.stdout.write(f"{report.rows} rows: {report.created} created, {report.updated} "
                          f"updated, {report.skipped} skipped.")
