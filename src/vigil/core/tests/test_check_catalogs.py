"""`vigil check_catalogs` catches a string added to the code but not translated, on its first
run, and leaves the committed catalog as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None,
                                reason="GNU gettext is not installed")


def _tree(root: Path, translated: bool) -> Path:
    code = root / "vigil"
    (code / "app").mkdir(parents=True)
    (code / "app" / "views.py").write_text(
        "from django.utils.translation import gettext as _\n"
        "def page():\n    return _(\"Shelter in place.\")\n", encoding="utf-8")
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    if translated:
        catalog.append(polib.POEntry(msgid="Shelter in place.", msgstr="就地避险。"))
    folder = code / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog.save(str(folder / "django.po"))
    return code


def test_a_new_untranslated_string_fails_the_first_run(tmp_path, settings):
    code = _tree(tmp_path, translated=False)
    po = code / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    before = po.read_bytes()
    settings.SRC_DIR, settings.LOCALE_PATHS = code, [code / "locale"]
    with pytest.raises(CommandError, match="1 catalog problems"):
        call_command("check_catalogs")
    assert po.read_bytes() == before  # the committed catalog is untouched


def test_a_complete_catalog_passes(tmp_path, settings, capsys):
    code = _tree(tmp_path, translated=True)
    settings.SRC_DIR, settings.LOCALE_PATHS = code, [code / "locale"]
    call_command("check_catalogs")
    assert "Catalogs complete" in capsys.readouterr().out
