import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

# English is the source language; these catalogs must always be complete.
REQUIRED = ["zh_Hans"]


class Command(BaseCommand):
    help = ("Fail when a required catalog (Chinese) lacks a translation. With GNU gettext "
            "present, strings are first extracted afresh from the code, so a new untranslated "
            "string is caught even before `make messages` was run.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locale", action="append", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        locales = options["locale"] or REQUIRED
        root = Path(settings.LOCALE_PATHS[0])
        with tempfile.TemporaryDirectory() as tmp:
            # makemessages writes to the `locale` folder nearest each source file, whatever
            # LOCALE_PATHS says: run it over a copy of the code, so that the check neither
            # changes the committed catalogs nor misses a string it has just added to them.
            code = Path(tmp) / "vigil"
            shutil.copytree(Path(settings.SRC_DIR), code, ignore=shutil.ignore_patterns(
                "locale", "__pycache__", "tests", "migrations", "data", "img", "*.geojson"))
            work = code / "locale"
            for locale in locales:
                source = root / locale / "LC_MESSAGES" / "django.po"
                if not source.exists():
                    raise CommandError(f"No catalog for {locale}: {source}")
                (work / locale / "LC_MESSAGES").mkdir(parents=True)
                shutil.copy(source, work / locale / "LC_MESSAGES" / "django.po")
            if shutil.which("xgettext") and shutil.which("msgmerge"):
                cwd = os.getcwd()
                os.chdir(code)
                try:
                    with override_settings(LOCALE_PATHS=[str(work)]):
                        call_command("makemessages", locale=locales, verbosity=0,
                                     no_obsolete=True)
                finally:
                    os.chdir(cwd)
            else:
                self.stderr.write("GNU gettext is absent: checking the catalogs as committed, "
                                  "without extracting new strings.")
            problems = []
            for locale in locales:
                catalog = polib.pofile(str(work / locale / "LC_MESSAGES" / "django.po"))
                for entry in catalog.untranslated_entries():
                    problems.append(f"{locale}: untranslated: {entry.msgid!r} "
                                    f"({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:2])})")
                for entry in catalog.fuzzy_entries():
                    problems.append(f"{locale}: fuzzy: {entry.msgid!r}")
        if problems:
            for line in problems[:200]:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} catalog problems; run `make messages`, "
                               "translate, and try again.")
        self.stdout.write(f"Catalogs complete: {', '.join(locales)} (English is the source).")
