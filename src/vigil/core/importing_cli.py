"""Runs an import service from the command line with a rich progress bar: the pieces every
`vigil import_*` command shares (the acting user, the progress bar, faults to stderr)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

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


def run_import(command: BaseCommand, description: str, call: Callable[..., R], *,
               verbosity: int = 1, failed: Callable[[str], str] = str) -> R:
    """Run ``call(on_total=, progress=)`` under a progress bar. A refused import writes each
    of its faults to stderr and ends the command with its message (through ``failed``)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), disable=verbosity == 0) as bar:
        task = bar.add_task(description, total=None)
        try:
            return call(on_total=lambda n: bar.update(task, total=n),
                        progress=lambda n: bar.advance(task, n))
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


def imported_before(message: str, done: list[str]) -> str:
    """A refusal's message, naming the files of the same command imported before it."""
    if not done:
        return message
    return _("%(message)s (Imported before it: %(files)s.)") % {
        "message": message, "files": ", ".join(done)}


class ImportCommand(BaseCommand):
    """A `vigil import_*` verb: the acting user (--as), the files checked to exist, each file
    imported through ``service()`` under a progress bar, in the order given, and its report
    written. A refused file ends the command with its faults, naming the files imported
    before it. The import service takes ``actor``, ``skip_invalid``, ``on_total`` and
    ``progress``, and what ``arguments`` gives for the file (by default its bytes)."""

    label = "rows"
    many_files: ClassVar[bool] = False  # one or more files, instead of one
    default_file: ClassVar[Path | None] = None  # the file when none is named
    dry_run: ClassVar[bool] = False  # the service takes dry_run: offer --dry-run

    def service(self) -> Callable[..., Any]:
        raise CommandError("No import service declared.")

    def arguments(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        return {"data": path.read_bytes()}

    def description(self, path: Path) -> str:
        return f"Checking {self.label}"

    def add_arguments(self, parser: CommandParser) -> None:
        if self.many_files:
            parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        elif self.default_file is not None:
            parser.add_argument("file", type=Path, nargs="?", default=self.default_file)
        else:
            parser.add_argument("file", type=Path)
        add_actor_arguments(parser, dry_run=self.dry_run)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        files = [existing_file(path) for path in
                 (options["files"] if self.many_files else [options["file"]])]
        done: list[str] = []
        for path in files:
            service = partial(self.service(), actor=user, skip_invalid=options["skip_invalid"],
                              **self.arguments(path, options))
            report = run_import(self, self.description(path), service,
                                verbosity=options["verbosity"],
                                failed=partial(imported_before, done=done))
            write_report(self, report)
            done.append(path.name)
