from __future__ import annotations

import urllib.error
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError, ValidationFailed
from vigil.core.importing_cli import acting_user, add_actor_arguments, existing_file
from vigil.crisis.cap_services import cap_import, fetch_url


def read_source(source: str) -> bytes:
    """The bytes of a file, or of an http(s) address fetched as the CAP feed poller does
    (20 seconds, 5 MB at most). Any other kind of address is refused."""
    if "://" not in source:
        return existing_file(Path(source)).read_bytes()
    if urlsplit(source).scheme.lower() not in ("http", "https"):
        raise CommandError(_("Only http and https addresses are fetched, not %(url)s.")
                           % {"url": source})
    try:
        return fetch_url(source)
    except urllib.error.HTTPError as exc:
        problem = _("HTTP error %(code)s") % {"code": exc.code}
    except urllib.error.URLError as exc:
        problem = str(exc.reason)
    except (OSError, ValueError) as exc:  # a timeout, a reset, a body too large
        problem = str(exc) or type(exc).__name__
    raise CommandError(_("Could not fetch %(url)s: %(problem)s")
                       % {"url": source, "problem": problem})


class Command(BaseCommand):
    help = ("Receive a CAP 1.2 alert, or an EDXL-DE envelope of CAP 1.2 alerts, from a file or "
            "an http(s) address, as the upload page does: each alert is recorded as a hazard "
            "incident, or found already received (same sender and identifier). A refused "
            "message is named on stderr and nothing is recorded; the exit code is then 1.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="FILE|URL",
                            help="A file, or an http or https address.")
        add_actor_arguments(parser, skip_invalid=False)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["username"])
        data = read_source(options["source"])
        try:
            result = cap_import(actor=user, data=data)
        except ValidationFailed as exc:  # the faults themselves, each once
            raise CommandError("; ".join(dict.fromkeys(str(e.message) for e in exc.errors))
                               or str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for item in result.every:
            self.stdout.write(item.message)
