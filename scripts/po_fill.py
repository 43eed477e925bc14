"""Fill untranslated or fuzzy entries of a catalog from a JSON object {msgid: msgstr}.

Usage: .venv/bin/python scripts/po_fill.py CATALOG.po TRANSLATIONS.json
Entries with a context are keyed "context\\x04msgid", as gettext does; a plural entry takes a
list of its forms (or one string, for languages with a single form such as Chinese).
"""

from __future__ import annotations

import json
import sys

import polib


def main() -> None:
    path, table_path = sys.argv[1], sys.argv[2]
    with open(table_path, encoding="utf-8") as handle:
        table = json.load(handle)
    catalog = polib.pofile(path)
    filled = 0
    for entry in catalog:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if key in table and (not entry.translated() or entry.fuzzy):
            value = table[key]
            if entry.msgid_plural:
                # A list gives each plural form; one string serves languages with one form.
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
            filled += 1
    catalog.save(path)
    left = len(catalog.untranslated_entries()) + len(catalog.fuzzy_entries())
    print(f"{filled} filled, {left} still missing")


if __name__ == "__main__":
    main()
