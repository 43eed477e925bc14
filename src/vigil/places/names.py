"""Country names in English prose, matched to the country table.

Imports of public data (US State Department advisories, OpenFlights operators, the Aid Worker
Security Database) name countries by their English name, not by ISO code. ``CountryNames``
turns such a name into a row of the country table, and ``NameReport`` lets an import say which
names needed the explicit table below, which were matched only approximately, and which could
not be matched at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import pycountry
from django.utils.translation import gettext as _

from vigil.places.models import Country

# Names the ISO names do not match, even ignoring case, accents, punctuation and a leading
# "The", and that an approximate match would miss or get wrong (pycountry files "Kosovo"
# under Serbia, a subdivision match). Keys are compared in that same forgiving way.
COUNTRY_NAME_TABLE: dict[str, str] = {
    # US State Department advisory titles.
    "Burma": "MM",
    "Burma (Myanmar)": "MM",
    "Congo, Democratic Republic of the": "CD",
    "Democratic Republic of the Congo": "CD",
    "French Saint Martin": "MF",
    # One advisory covers Guadeloupe, Martinique, Saint Martin and Saint Barthélemy; the
    # archive also has one file for each of them. It is filed under the first it names.
    "French West Indies": "GP",
    # A user-assigned code outside ISO 3166-1: imported only where the country table has XK.
    "Kosovo": "XK",
    "Macau": "MO",
    "Mainland China, Hong Kong & Macau": "CN",
    "Mexico Travel Advisory": "MX",
    # The Israel, the West Bank and Gaza advisory (its address says so) is titled this way.
    "See Individual Summaries": "IL",
    "Turkey": "TR",
    # OpenFlights spellings.
    "Cape Verde": "CV",
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Democratic Republic of Congo": "CD",
    "Hong Kong SAR of China": "HK",
    "Ivory Coast": "CI",
    "Macedonia": "MK",
    "Republic of Korea": "KR",
    "Somali Republic": "SO",
    "Swaziland": "SZ",
    # Aid Worker Security Database spellings (its current export also gives the ISO code).
    "DR Congo": "CD",
    "Libyan Arab Jamahiriya": "LY",
    "Occupied Palestinian Territories": "PS",
    # AWSD files incidents in the Chechen Republic, a subject of the Russian Federation, under
    # a country of their own, without a code. ("Kashmir", disputed, is left unmatched.)
    "Chechnya": "RU",
}

# Shorter queries match too much by substring ("S" is a word of "People's").
MIN_APPROXIMATE_LENGTH = 4

How = Literal["table", "exact", "approximate"]


def name_words(name: str) -> list[str]:
    """The words of a name without case, accents, apostrophes (straight or curly),
    punctuation or a leading "The": "Côte d'Ivoire", "Cote d Ivoire" and "COTE D'IVOIRE"
    compare equal."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub("['`\u2018\u2019]", "", text)
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return words


def name_key(name: str) -> str:
    return "".join(name_words(name))


def _iso_names(entry: Any) -> list[str]:
    return [n for n in (getattr(entry, "name", ""), getattr(entry, "official_name", ""),
                        getattr(entry, "common_name", "")) if n]


def _starts_words(query: list[str], words: list[str]) -> bool:
    size = len(query)
    return any(all(w.startswith(q) for q, w in zip(query, words[i:i + size], strict=True))
               for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class CountryMatch:
    country: Country
    how: How


class CountryNames:
    """Matches English country names to the country table, in this order: the explicit
    table, the ISO names (name, official name, common name) compared forgivingly, then
    pycountry's fuzzy search, kept only when exactly one country's own names begin words
    with the name's words. Reads the country table once; remembers every answer."""

    def __init__(self) -> None:
        self.by_code = {c.iso2: c for c in Country.objects.all()}
        self.table = {name_key(name): code for name, code in COUNTRY_NAME_TABLE.items()}
        self.exact: dict[str, str] = {}
        for entry in pycountry.countries:
            if entry.alpha_2 in self.by_code:
                for name in _iso_names(entry):
                    self.exact.setdefault(name_key(name), entry.alpha_2)
        for country in self.by_code.values():
            for name in (country.name, country.official_name):
                if name:
                    self.exact.setdefault(name_key(name), country.iso2)
        self._known: dict[str, CountryMatch | None] = {}

    def match(self, name: str) -> CountryMatch | None:
        if name not in self._known:
            self._known[name] = self._match(name)
        return self._known[name]

    def code_in_table(self, name: str) -> str | None:
        """The ISO code the explicit table gives this name, present in the country table or
        not: a report says "XK, which the country table does not hold"."""
        return self.table.get(name_key(name))

    def _match(self, name: str) -> CountryMatch | None:
        key = name_key(name)
        if not key:
            return None
        code = self.table.get(key)
        if code is not None:
            country = self.by_code.get(code)
            return CountryMatch(country, "table") if country is not None else None
        code = self.exact.get(key)
        if code is not None:
            return CountryMatch(self.by_code[code], "exact")
        if len(key) < MIN_APPROXIMATE_LENGTH:
            return None
        words = name_words(name)
        try:
            found = pycountry.countries.search_fuzzy(" ".join(words))
        except LookupError:
            return None
        # The fuzzy search also answers with the country of a subdivision of that name, and
        # with matches inside words; keep the countries whose own names hold the query's words
        # in order, each at the start of a word ("Russia" in "Russian Federation").
        own = {entry.alpha_2 for entry in found if entry.alpha_2 in self.by_code and any(
            _starts_words(words, name_words(n)) for n in _iso_names(entry))}
        if len(own) != 1:
            return None
        return CountryMatch(self.by_code[own.pop()], "approximate")


@dataclass
class NameReport:
    """Which country names needed the explicit table, an approximate match, or had none."""

    by_table: dict[str, str] = field(default_factory=dict)
    approximate: dict[str, str] = field(default_factory=dict)
    # Names the table gives a code the country table lacks (Kosovo, XK): unmapped, not unknown.
    absent: dict[str, str] = field(default_factory=dict)

    def note(self, name: str, found: CountryMatch) -> None:
        if found.how == "table":
            self.by_table[name] = found.country.iso2
        elif found.how == "approximate":
            self.approximate[name] = found.country.iso2

    def note_unmapped(self, name: str, countries: CountryNames) -> str:
        """Remember why a name has no country, and say it."""
        code = countries.code_in_table(name)
        if code is not None:
            self.absent[name] = code
        return self.why_unmapped(name)

    def why_unmapped(self, name: str) -> str:
        if name in self.absent:
            return _("“%(name)s” is %(code)s, which the country table does not hold") % {
                "name": name, "code": self.absent[name]}
        return _("“%(name)s” is not a country of the country table") % {"name": name}

    def name_lines(self) -> list[str]:
        lines = [_("“%(name)s” → %(code)s, from the table of names.")
                 % {"name": name, "code": code} for name, code in sorted(self.by_table.items())]
        lines += [_("“%(name)s” → %(code)s, an approximate match: check it.")
                  % {"name": name, "code": code}
                  for name, code in sorted(self.approximate.items())]
        return lines
