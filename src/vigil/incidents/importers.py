"""Import of security incidents from the Aid Worker Security Database (AWSD, © Humanitarian
Outcomes, https://aidworkersecurity.org): one CSV export, each row one incident.

Two export formats are recognised by their header:

* the current one (``awsd``): 44 columns, UTF-8, a second row of HXL hashtags (``#event+id``...)
  which is skipped, an ISO alpha-2 ``Country Code`` beside the country name, the detained
  counts, the motive, the actor and whether AWSD verified the incident;
* the 2016 one (``awsd-2016``): 35 columns, coded attack fields (``S`` shooting, ``K``
  kidnapping, ``Am`` ambush...), no country code, no detained counts, no verification.

A file that is not valid UTF-8 is read as UTF-8 where it is, and each other byte as
Windows-1252 (Latin-1 where Windows-1252 leaves a byte undefined): the 2016 export is Latin-1
with a few later rows in UTF-8. The copy of the current export in circulation has already lost
its non-ASCII letters to U+FFFD ("Bogot\ufffd\ufffd"); the report counts such rows.

Each row becomes an Incident recorded from AWSD, keyed by the AWSD ``Incident ID``. An id
already imported is "already present": neither added nor changed, so importing a file twice
adds nothing, and importing the 2016 export after the current one adds only the ids it alone
has. Rows are checked first, every fault named by row (the file's row number, the header
being row 1) and column; by default one bad row refuses the whole file, and with
``skip_invalid`` the bad rows are reported and skipped. Nothing is written per row: the new
incidents are bulk-created in one transaction, with one audit event for the import.

The category comes from the two tables below, ``MEANS_OF_ATTACK`` and ``ATTACK_CONTEXT`` (the
2016 codes are first turned into the current words by ``CODES``). Precedence, first match wins:

1. a means of attack that names what was done to the people: kidnapping and kidnap-killing
   (abduction / kidnapping), detention or arrest (abduction / detention), rape or sexual
   assault (sexual assault);
2. an explosive means: body-borne or suicide vehicle-borne IED (terrorism / suicide attack),
   complex attack (terrorism / complex attack), other IEDs (terrorism / IED), aerial
   bombardment and shelling (armed conflict / shelling), landmine (armed conflict / explosive
   remnant);
3. the attack context: raid (attack on premises / raid), ambush (attack on vehicle / ambush),
   combat or crossfire (armed conflict / crossfire), mob violence (civil unrest / riot),
   detention (abduction / detention);
4. the remaining means: shooting (violent death / shooting when someone was killed, else
   crime / physical assault), bodily assault (violent death when someone was killed, else
   crime / physical assault), other explosives (terrorism);
5. anyone killed: violent death;
6. otherwise, "Unknown", "Individual attack" or a value the tables do not hold: other safety
   incident.

A value the tables do not hold is never dropped: the report counts it by column, and the row
falls through to the next rule. Country: the ``Country Code`` when the country table holds it,
else the name through ``vigil.places.names.CountryNames``; a name that matches nothing is
reported and its incidents are imported without a country.

Coordinates: the copy of the current export in circulation has lost the decimal point of most
coordinates, its digits grouped in threes ("1.407.092.855" for 14.07092855, "-149.984" for
-1.49984). When a file has such values (two dots or more), each pair with a value of that shape
is read back by ``rules.recover_point``: of the ways of placing the decimal point, the one
candidate point that lies in the row's country (its outline, within ``AWSD_TOLERANCE_KM``) is
the incident's point. A row with no candidate there, or several, or without a country, keeps
no point. Either way the values as given are kept in ``source_details``, and the report says
how many were recovered, and which rows were not and why. An incident already imported whose
values were kept so gains its point when a later import meets its id again. Elsewhere a
coordinate is a number in range or the row is bad. Every point gets the security area whose
boundary holds it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import audit
from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.importing import (
    MAX_REPORTED_ERRORS,
    BrokenCsv,
    CsvRows,
    ImportFailed,
    ImportReport,
    RowParser,
    collect_rows,
    parse_all,
)
from vigil.incidents import taxonomy
from vigil.incidents.models import Incident, IncidentCategory
from vigil.incidents.rules import SURELY_DIGIT_GROUPED, Recovery, lost_its_point, recover_point
from vigil.places.borders import country_holds
from vigil.places.geo import area_at
from vigil.places.models import Country, SecurityArea
from vigil.places.names import CountryNames, NameReport

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

V = TypeVar("V")
SOURCE = "Aid Worker Security Database"
BATCH = 500
ID = "Incident ID"
COUNTRY_CODE = "Country Code"
COUNTRY = "Country"
MEANS = "Means of attack"
CONTEXT = "Attack context"
LOCATION = "Location"
LATITUDE = "Latitude"
LONGITUDE = "Longitude"
KILLED = "Total killed"
# Their keys in source_details.
MEANS_KEY, CONTEXT_KEY, LOCATION_KEY = "means_of_attack", "attack_context", "location"

# --- The two formats --------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsdFormat:
    name: str
    columns: tuple[str, ...]
    # Column -> key in source_details["organizations"]: the staff affected, by employer.
    organizations: dict[str, str]
    # Column -> (group, key) in source_details: the people affected, by status and gender.
    people: dict[str, tuple[str, str]]
    # Column -> key in source_details, for the descriptive columns kept as given.
    described: dict[str, str]
    # The totals Incident keeps: killed, injured, abducted and (current export) detained.
    totals: tuple[str, ...]
    coded: bool


def _people(detained: bool) -> dict[str, tuple[str, str]]:
    people: dict[str, tuple[str, str]] = {}
    for group in ("Nationals", "Internationals"):
        for impact in ("killed", "wounded", "kidnapped", *(("detained",) if detained else ())):
            people[f"{group} {impact}"] = (group.lower(), impact)
        people[f"Total {group.lower()}"] = (group.lower(), "total")
    for gender in ("Male", "Female", "Unknown"):
        people[f"Gender {gender}"] = ("gender", gender.lower())
    people["Total affected"] = ("total", "affected")
    return people


_TOTALS = ["Total killed", "Total wounded", "Total kidnapped"]

CURRENT = AwsdFormat(
    name="awsd",
    columns=(ID, "Year", "Month", "Day", COUNTRY_CODE, COUNTRY, "Region", "District", "City",
             "UN", "INGO", "ICRC", "NRCS and IFRC", "NNGO", "Other",
             "Nationals killed", "Nationals wounded", "Nationals kidnapped",
             "Nationals detained", "Total nationals", "Internationals killed",
             "Internationals wounded", "Internationals kidnapped", "Internationals detained",
             "Total internationals", *_TOTALS, "Total detained", "Total affected",
             "Gender Male", "Gender Female", "Gender Unknown", MEANS, CONTEXT, LOCATION,
             LATITUDE, LONGITUDE, "Motive", "Actor type", "Actor name", "Details", "Verified",
             "Source"),
    organizations={"UN": "un", "INGO": "ingo", "ICRC": "icrc", "NRCS and IFRC": "nrcs_and_ifrc",
                   "NNGO": "nngo", "Other": "other"},
    people=_people(detained=True),
    described={"Motive": "motive", "Actor type": "actor_type", "Actor name": "actor_name",
               "Verified": "verified", "Source": "awsd_source"},
    totals=(*_TOTALS, "Total detained"),
    coded=False,
)

OLD_2016 = AwsdFormat(
    name="awsd-2016",
    columns=(ID, "Year", "Month", "Day", COUNTRY, "Region", "District", "City", "UN", "INGO",
             "LNGO/NRCS", "ICRC", "IFRC", "Other", "Nationals killed", "Nationals wounded",
             "Nationals kidnapped", "Total nationals", "Internationals killed",
             "Internationals wounded", "Internationals kidnapped", "Total internationals",
             *_TOTALS, "Total affected", "Gender Male", "Gender Female", "Gender Unknown",
             MEANS, CONTEXT, LOCATION, LATITUDE, LONGITUDE, "Details"),
    organizations={"UN": "un", "INGO": "ingo", "LNGO/NRCS": "lngo_nrcs", "ICRC": "icrc",
                   "IFRC": "ifrc", "Other": "other"},
    people=_people(detained=False),
    described={},
    totals=tuple(_TOTALS),
    coded=True,
)

FORMATS = (CURRENT, OLD_2016)

# --- The mapping tables -----------------------------------------------------------------------

# The 2016 export's codes, as the current export spells them (the codebook's abbreviations,
# checked against the 2085 incidents both exports hold). Two codes say more than the current
# words: VBIED-S is a suicide vehicle-borne IED, VBIED-RC a remote-controlled one.
CODES: dict[str, dict[str, str]] = {
    MEANS: {
        "AB": "Aerial bombardment",  # now split into aerial bombardment and shelling
        "B": "Other Explosives",  # a bomb: a grenade, an explosive device
        "BA": "Bodily assault",
        "BBIED": "Body-borne IED",
        "CX": "Complex attack",
        "K": "Kidnapping",
        "KK": "Kidnap-killing",
        "LM": "Landmine",
        "RIED": "Roadside IED",
        "RSA": "Rape/sexual assault",
        "S": "Shooting",
        "U": "Unknown",
        "VBIED": "Vehicle-born IED",
        "VBIED-RC": "Vehicle-born IED (remote-controlled)",
        "VBIED-S": "Vehicle-born IED (suicide)",
    },
    CONTEXT: {
        "Am": "Ambush",
        "C": "Combat/Crossfire",
        "D": "Detention",
        "IA": "Individual attack",
        "MV": "Mob violence",
        "R": "Raid",
        "U": "Unknown",
    },
    LOCATION: {
        "C": "Custody",
        "H": "Home",
        "OC": "Office/compound",
        "P": "Public location",
        "PS": "Project site",
        "R": "Road",
        "U": "Unknown",
    },
}

HARM, EXPLOSIVE, SETTING, OTHER_MEANS = 1, 2, 3, 4


@dataclass(frozen=True)
class Rule:
    """What one value says about the category. ``category`` None: known, but says nothing."""

    rank: int = 0
    category: str | None = None
    subcategory: str | None = None
    # The (category, subcategory) instead when the row counts someone killed.
    if_killed: tuple[str, str | None] | None = None


SAYS_NOTHING = Rule()
ABDUCTION, VIOLENT_DEATH = taxonomy.ABDUCTION, taxonomy.VIOLENT_DEATH
TERRORISM, ARMED_CONFLICT = taxonomy.TERRORISM, taxonomy.ARMED_CONFLICT

MEANS_OF_ATTACK: dict[str, Rule] = {
    "Kidnapping": Rule(HARM, ABDUCTION, "kidnapping"),
    "Kidnap-killing": Rule(HARM, ABDUCTION, "kidnapping"),
    "Detention/arrest": Rule(HARM, ABDUCTION, "detention"),
    "Rape/sexual assault": Rule(HARM, taxonomy.SEXUAL_ASSAULT),
    "Body-borne IED": Rule(EXPLOSIVE, TERRORISM, "suicide-attack"),
    "Vehicle-born IED (suicide)": Rule(EXPLOSIVE, TERRORISM, "suicide-attack"),
    "Complex attack": Rule(EXPLOSIVE, TERRORISM, "complex-attack"),
    "Roadside IED": Rule(EXPLOSIVE, TERRORISM, "ied"),
    "Vehicle-born IED": Rule(EXPLOSIVE, TERRORISM, "ied"),
    "Vehicle-born IED (remote-controlled)": Rule(EXPLOSIVE, TERRORISM, "ied"),
    "Aerial bombardment": Rule(EXPLOSIVE, ARMED_CONFLICT, "shelling"),
    "Shelling": Rule(EXPLOSIVE, ARMED_CONFLICT, "shelling"),
    "Landmine": Rule(EXPLOSIVE, ARMED_CONFLICT, "explosive-remnant"),
    "Shooting": Rule(OTHER_MEANS, taxonomy.CRIME, "assault",
                     if_killed=(VIOLENT_DEATH, "shooting")),
    "Bodily assault": Rule(OTHER_MEANS, taxonomy.CRIME, "assault",
                           if_killed=(VIOLENT_DEATH, None)),
    "Other Explosives": Rule(OTHER_MEANS, TERRORISM),
    "Unknown": SAYS_NOTHING,
}

ATTACK_CONTEXT: dict[str, Rule] = {
    "Raid": Rule(SETTING, taxonomy.ATTACK_ON_PREMISES, "raid"),
    "Ambush": Rule(SETTING, taxonomy.ATTACK_ON_VEHICLE, "ambush"),
    "Combat/Crossfire": Rule(SETTING, ARMED_CONFLICT, "crossfire"),
    "Mob violence": Rule(SETTING, taxonomy.CIVIL_UNREST, "riot"),
    "Detention": Rule(SETTING, ABDUCTION, "detention"),
    "Individual attack": SAYS_NOTHING,
    "Unknown": SAYS_NOTHING,
}

# Location is kept as given; these are the values it is known to take.
LOCATIONS = set(CODES[LOCATION].values())


def value_key(value: str) -> str:
    """Table lookups ignore case and spacing: "Landmine " is "Landmine"."""
    return " ".join(value.split()).casefold()


def _keyed(table: dict[str, V]) -> dict[str, V]:
    return {value_key(k): v for k, v in table.items()}


_MEANS_RULES = _keyed(MEANS_OF_ATTACK)
_CONTEXT_RULES = _keyed(ATTACK_CONTEXT)
_CODES = {column: _keyed(codes) for column, codes in CODES.items()}
_WORDS = {MEANS: {value_key(k): k for k in MEANS_OF_ATTACK},
          CONTEXT: {value_key(k): k for k in ATTACK_CONTEXT},
          LOCATION: {value_key(k): k for k in LOCATIONS}}
# Values that would add nothing to a title.
SAYS_NOTHING_IN_TITLE = {"unknown", "individual attack"}


def categorise(means: str, context: str, killed: int) -> tuple[str, str | None]:
    """The (category, subcategory) codes of an incident, by the precedence above. ``means``
    and ``context`` are the current export's words; a value the tables lack says nothing."""
    best: Rule | None = None
    for rule in (_MEANS_RULES.get(value_key(means)), _CONTEXT_RULES.get(value_key(context))):
        if rule is not None and rule.category is not None and (
                best is None or rule.rank < best.rank):
            best = rule
    if best is not None and best.category is not None:
        if killed and best.if_killed is not None:
            return best.if_killed
        return best.category, best.subcategory
    if killed:
        return VIOLENT_DEATH, None
    return taxonomy.OTHER_SAFETY, None


# --- Coordinates and damaged text ------------------------------------------------------------

# How far outside its country's outline a candidate point may lie and still count as in it.
# AWSD gives the town or district named, often to two or three decimals, and many incidents
# happen in ports and coastal towns (Mogadishu, Gaza, Mumbai) that a 1:50m outline leaves a few
# kilometres offshore. Measured on the 1997-2024 export against the 2016 export's own values
# for the same incidents: 10 km places the coast without placing any point the 2016 export
# contradicts that 5 km does not; 15 km and more begin to.
AWSD_TOLERANCE_KM = 10.0
# What a decoder left for bytes it could not read, in a copy made before Vigil got it.
REPLACEMENT = "\ufffd"


# --- Reading the file -------------------------------------------------------------------------

def _one_byte(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the bytes that are not UTF-8, read as Windows-1252 (Latin-1
    where that leaves a byte undefined)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    text = "".join(_cp1252(b) for b in error.object[error.start:error.end])
    return text, error.end


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([byte]).decode("latin-1")


codecs.register_error("vigil-awsd-single-byte", _one_byte)


def decode_awsd(data: bytes) -> tuple[str, bool]:
    """The text of the file, and whether it was all UTF-8."""
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="vigil-awsd-single-byte")
        return text.removeprefix("\ufeff"), False


def _header_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def detect_format(header: list[str]) -> tuple[AwsdFormat | None, list[str]]:
    """The format whose columns the header has (by name, ignoring case and spacing), or None
    and the columns missing from the nearest format."""
    have = {_header_key(h) for h in header}
    missing_by_format = [[c for c in f.columns if _header_key(c) not in have] for f in FORMATS]
    for fmt, missing in zip(FORMATS, missing_by_format, strict=True):
        if not missing:
            return fmt, []
    return None, min(missing_by_format, key=len)


def _is_hxl(values: list[str]) -> bool:
    cells = [v.strip() for v in values if v.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


# --- The report -------------------------------------------------------------------------------


@dataclass
class AwsdImportReport(NameReport):
    file: str = ""
    format: str = ""
    utf8: bool = True
    read: int = 0
    added: int = 0
    already_present: int = 0
    skipped_invalid: int = 0
    dry_run: bool = False
    errors: list[FieldError] = field(default_factory=list)
    # Column -> value -> rows: values no table maps (for Country: names matching no country).
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)
    # Category code -> incidents added; the same by subcategory code.
    by_category: dict[str, int] = field(default_factory=dict)
    by_subcategory: dict[str, int] = field(default_factory=dict)
    approximate_dates: int = 0
    without_country: int = 0
    # Rows whose coordinates lost their decimal point (added or already present), and one of
    # those values. Each is placed by this import, was placed before, or is kept as given.
    coordinates_lost_point: int = 0
    lost_point_example: str = ""
    coordinates_recovered: int = 0
    placed_before: int = 0
    # Reason -> the rows kept as given for it ("no candidate in SD": [102, 1142]).
    coordinates_kept: dict[str, list[int]] = field(default_factory=dict)
    # The AWSD ids of incidents already present that gained their point in this import.
    points_gained: list[str] = field(default_factory=list)
    # Rows holding U+FFFD: letters lost before the file reached Vigil.
    damaged_text: int = 0

    def note_unmapped_value(self, column: str, value: str) -> None:
        counts = self.unmapped.setdefault(column, {})
        counts[value] = counts.get(value, 0) + 1

    def note_lost_point(self, row: int, as_given: tuple[str, str], *, recovered: bool = False,
                        placed_before: bool = False, kept_because: str = "") -> None:
        self.coordinates_lost_point += 1
        self.lost_point_example = self.lost_point_example or next(
            v for v in as_given if lost_its_point(v))
        if recovered:
            self.coordinates_recovered += 1
        elif placed_before:
            self.placed_before += 1
        else:
            self.coordinates_kept.setdefault(kept_because, []).append(row)

    @property
    def coordinates_kept_count(self) -> int:
        return sum(len(rows) for rows in self.coordinates_kept.values())

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "utf8": self.utf8,
                "read": self.read, "added": self.added,
                "already_present": self.already_present,
                "skipped_invalid": self.skipped_invalid, "dry_run": self.dry_run,
                "unmapped": self.unmapped, "by_category": self.by_category,
                "by_subcategory": self.by_subcategory,
                "approximate_dates": self.approximate_dates,
                "without_country": self.without_country,
                "coordinates_lost_point": self.coordinates_lost_point,
                "coordinates_recovered": self.coordinates_recovered,
                "placed_before": self.placed_before,
                "coordinates_kept": self.coordinates_kept,
                "points_gained": self.points_gained,
                "damaged_text": self.damaged_text,
                "by_table": self.by_table, "approximate": self.approximate,
                "absent": self.absent,
                "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]]}

    def lines(self) -> list[str]:
        lines = [ngettext("%(file)s (%(format)s): %(read)d row, %(added)d added, %(present)d "
                          "already present, %(skipped)d skipped as invalid.",
                          "%(file)s (%(format)s): %(read)d rows, %(added)d added, %(present)d "
                          "already present, %(skipped)d skipped as invalid.", self.read)
                 % {"file": self.file, "format": self.format, "read": self.read,
                    "added": self.added, "present": self.already_present,
                    "skipped": self.skipped_invalid}]
        if not self.utf8:
            lines.append(_("The file is not all UTF-8: the bytes that are not were read as "
                           "Windows-1252 (Latin-1)."))
        if self.by_category:
            lines.append(_("Incidents added, by category:"))
            labels, parents = category_tree()
            for code, count in sorted(self.by_category.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(_("  %(category)s: %(count)d")
                             % {"category": labels.get(code, code), "count": count})
                for sub, sub_count in sorted(self.by_subcategory.items(),
                                             key=lambda kv: (-kv[1], kv[0])):
                    if parents.get(sub) == code:
                        lines.append(_("    %(category)s: %(count)d")
                                     % {"category": labels.get(sub, sub), "count": sub_count})
        lines += self.name_lines()
        for column, values in sorted(self.unmapped.items()):
            for value, count in sorted(values.items()):
                if column in (COUNTRY, COUNTRY_CODE):
                    reason = (self.why_unmapped(value) if column == COUNTRY else _(
                        "“%(code)s” is not a code of the country table") % {"code": value})
                    lines.append(ngettext("%(reason)s: %(count)d row imported without a country.",
                                          "%(reason)s: %(count)d rows imported without a country.",
                                          count) % {"reason": reason, "count": count})
                else:
                    lines.append(ngettext(
                        "%(column)s “%(value)s” is not in the mapping tables: %(count)d row, "
                        "where it is kept as given and decides no category.",
                        "%(column)s “%(value)s” is not in the mapping tables: %(count)d rows, "
                        "where it is kept as given and decides no category.", count)
                        % {"column": column, "value": value, "count": count})
        if self.without_country:
            lines.append(ngettext(
                "%(count)d row names no country: imported without one (visible to global "
                "readers only).",
                "%(count)d rows name no country: imported without one (visible to global "
                "readers only).", self.without_country) % {"count": self.without_country})
        if self.approximate_dates:
            lines.append(ngettext(
                "%(count)d row gives only a year or a month: dated its first day and marked "
                "approximate.",
                "%(count)d rows give only a year or a month: dated its first day and marked "
                "approximate.", self.approximate_dates) % {"count": self.approximate_dates})
        lines += self.lost_point_lines()
        if self.damaged_text:
            lines.append(ngettext(
                "%(count)d row holds “%(mark)s” where letters were lost before the file reached "
                "Vigil: imported as it is.",
                "%(count)d rows hold “%(mark)s” where letters were lost before the file reached "
                "Vigil: imported as they are.", self.damaged_text) % {
                    "count": self.damaged_text, "mark": REPLACEMENT})
        if self.dry_run:
            lines.append(_("Dry run: nothing was saved."))
        return lines


    def lost_point_lines(self) -> list[str]:
        if not self.coordinates_lost_point:
            return []
        lines = [ngettext(
            "%(count)d row gives coordinates that lost their decimal point (such as "
            "“%(example)s”); their values are kept in the details:",
            "%(count)d rows give coordinates that lost their decimal point (such as "
            "“%(example)s”); their values are kept in the details:",
            self.coordinates_lost_point) % {"count": self.coordinates_lost_point,
                                            "example": self.lost_point_example}]
        if self.coordinates_recovered:
            lines.append(ngettext(
                "  %(count)d placed now, by the one reading that lies in the row's country.",
                "  %(count)d placed now, each by the one reading that lies in the row's "
                "country.",
                self.coordinates_recovered) % {"count": self.coordinates_recovered})
            if self.points_gained:
                lines.append(ngettext(
                    "    %(count)d of them an incident already present, which gains its point.",
                    "    %(count)d of them incidents already present, which gain their point.",
                    len(self.points_gained)) % {"count": len(self.points_gained)})
        if self.placed_before:
            lines.append(ngettext("  %(count)d placed by an earlier import.",
                                  "  %(count)d placed by an earlier import.",
                                  self.placed_before) % {"count": self.placed_before})
        if self.coordinates_kept:
            count = self.coordinates_kept_count
            lines.append(ngettext("  %(count)d kept as given, without a point:",
                                  "  %(count)d kept as given, without a point:",
                                  count) % {"count": count})
            for reason, rows in sorted(self.coordinates_kept.items(),
                                       key=lambda kv: (-len(kv[1]), kv[0])):
                lines.append(ngettext("    %(reason)s: row %(rows)s.",
                                      "    %(reason)s: rows %(rows)s.", len(rows))
                             % {"reason": reason, "rows": ", ".join(map(str, rows))})
        return lines


def category_tree() -> tuple[dict[str, str], dict[str, str]]:
    """Each category's label, and each subcategory's parent, by code."""
    labels: dict[str, str] = {}
    parents: dict[str, str] = {}
    for category in IncidentCategory.objects.select_related("parent"):
        labels[category.code] = category.label
        if category.parent is not None:
            parents[category.code] = category.parent.code
    return labels, parents


class AwsdImportFailed(ImportFailed):
    """Nothing was imported: the file, or some of its rows, are not a good AWSD export."""

    def __init__(self, report: AwsdImportReport, message: str = "") -> None:
        super().__init__(ImportReport(rows=report.read, errors=report.errors))
        self.awsd_report = report
        count = len({e.row for e in report.errors})
        self.message = message or ngettext(
            "%(file)s: %(count)d row has faults; nothing was imported.",
            "%(file)s: %(count)d rows have faults; nothing was imported.", count) % {
            "file": report.file, "count": count}
        self.args = (str(self.message),)


# --- Parsing one row --------------------------------------------------------------------------


class _Placer:
    """Puts back the decimal point of coordinates that lost it, and finds the security area of
    a point, remembering each answer: an export names the same places again and again."""

    def __init__(self) -> None:
        self._recoveries: dict[tuple[str, str, str], Recovery] = {}
        self._areas: dict[tuple[int, float, float], SecurityArea | None] = {}

    def recover(self, country: Country | None,
                as_given: tuple[str, str]) -> tuple[tuple[float, float] | None, str]:
        """The point, or None and why the values are kept as given."""
        if country is None:
            return None, _("no country")
        code = country.iso2
        key = (code, *as_given)
        if key not in self._recoveries:
            self._recoveries[key] = recover_point(*as_given, lambda lat, lon: country_holds(
                code, lat, lon, tolerance_km=AWSD_TOLERANCE_KM))
        recovery = self._recoveries[key]
        if recovery.point is not None:
            return recovery.point, ""
        if not recovery.in_country:
            return None, _("no candidate in %(country)s") % {"country": code}
        return None, ngettext("%(count)d candidate in %(country)s",
                              "%(count)d candidates in %(country)s", recovery.in_country) % {
            "count": recovery.in_country, "country": code}

    def area(self, country: Country | None, latitude: float | None,
             longitude: float | None) -> SecurityArea | None:
        if country is None or latitude is None or longitude is None:
            return None
        key = (country.pk, latitude, longitude)
        if key not in self._areas:
            self._areas[key] = area_at(country, latitude, longitude)
        return self._areas[key]


@dataclass
class ParsedIncident:
    row: int
    source_id: str
    values: dict[str, Any]
    category: str
    subcategory: str | None
    # What the report says of the row: (column, value) pairs no table maps; the coordinates as
    # given when they lost their decimal point, and why no point came from them ("" if one did).
    unmapped: list[tuple[str, str]]
    lost_point: tuple[str, str] | None
    kept_because: str
    damaged: bool

    def note(self, report: AwsdImportReport) -> None:
        for column, value in self.unmapped:
            report.note_unmapped_value(column, value)
        if self.values["date_approximate"]:
            report.approximate_dates += 1
        if self.lost_point:
            report.note_lost_point(self.row, self.lost_point,
                                   recovered=self.values["latitude"] is not None,
                                   kept_because=self.kept_because)
        if self.values["country"] is None:
            report.without_country += 1
        if self.damaged:
            report.damaged_text += 1


class _RowReader:
    """Turns the rows of one file into ParsedIncidents, noting what the report must say."""

    def __init__(self, fmt: AwsdFormat, report: AwsdImportReport, digit_grouped: bool,
                 placer: _Placer) -> None:
        self.fmt = fmt
        self.report = report
        self.digit_grouped = digit_grouped
        self.placer = placer
        self.countries = CountryNames()
        self.this_year = timezone.now().year
        self.today = timezone.now().date()
        # The values of the row being read that no table maps.
        self.unmapped: list[tuple[str, str]] = []

    def parse(self, number: int, row: dict[str, str]) -> ParsedIncident:
        self.unmapped = []
        p = RowParser(number, row)
        source_id = p.text(ID, required=True, max_length=200)
        if source_id and not source_id.isdigit():
            p.fail(ID, _("“%(value)s” is not a whole number.") % {"value": source_id})
        occurred_at, approximate = self._date(p)
        counts = {column: p.integer(column) for column in (
            *self.fmt.organizations, *self.fmt.people, *self.fmt.totals)}
        latitude, longitude, lost_point = self._coordinates(p)
        p.done()

        means = self._word(MEANS, row[MEANS])
        context = self._word(CONTEXT, row[CONTEXT])
        location = self._word(LOCATION, row[LOCATION])
        country, country_name = self._country(row)
        killed = counts[KILLED]
        category, subcategory = categorise(means, context, killed)
        details = self._details(row, counts, means, context, location, country_name)
        as_given = (row[LATITUDE], row[LONGITUDE])
        kept_because = ""
        if lost_point:
            details["coordinates_as_given"] = list(as_given)
            point, kept_because = self.placer.recover(country, as_given)
            if point is not None:
                latitude, longitude = point
                details["coordinates_recovered"] = True
        values = {
            "title": self._title(means, context, country_name or (
                country.name if country else "")),
            "occurred_at": occurred_at,
            "date_approximate": approximate,
            "country": country,
            "place": self._place(row),
            "latitude": latitude,
            "longitude": longitude,
            "description": row["Details"],
            "source": SOURCE,
            "verification": (Incident.Verification.VERIFIED
                             if value_key(row.get("Verified", "")) == "yes"
                             else Incident.Verification.UNVERIFIED),
            "killed": killed,
            "injured": counts["Total wounded"],
            "abducted": counts["Total kidnapped"],
            "detained": counts.get("Total detained", 0),
            "source_details": details,
        }
        return ParsedIncident(
            row=number, source_id=source_id, values=values, category=category,
            subcategory=subcategory, unmapped=self.unmapped,
            lost_point=as_given if lost_point else None, kept_because=kept_because,
            damaged=any(REPLACEMENT in value for value in row.values()))

    def _date(self, p: RowParser) -> tuple[dt.datetime, bool]:
        fallback = dt.datetime(self.this_year, 1, 1, tzinfo=dt.UTC)
        year = p.whole_in("Year", 1900, self.this_year, required=True)
        month = p.whole_in("Month", 1, 12)
        day = p.whole_in("Day", 1, 31)
        if year is None:
            return fallback, False
        if day is not None and month is None and not p.row.get("Month"):
            p.fail("Day", _("A day without a month is not a date."))
            return fallback, False
        try:
            date = dt.date(year, month or 1, day or 1)
        except ValueError:
            if month is not None and day is not None:
                p.fail("Day", _("%(year)d-%(month)02d has no day %(day)d.")
                       % {"year": year, "month": month, "day": day}, ErrorCode.OUT_OF_RANGE)
            return fallback, False
        if date > self.today:
            p.fail("Year", _("%(date)s is in the future.") % {"date": date.isoformat()},
                   ErrorCode.OUT_OF_RANGE)
        at = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
        return at, month is None or day is None

    def _coordinates(self, p: RowParser) -> tuple[float | None, float | None, bool]:
        """The point as given, or (None, None, True) when the pair lost its decimal point."""
        lat_raw, lon_raw = p.row[LATITUDE], p.row[LONGITUDE]
        lost_point = self.digit_grouped and any(lost_its_point(v) for v in (lat_raw, lon_raw))
        if lost_point:
            # The other cell is still checked: a value that is no number is a fault anyway.
            for column, raw in ((LATITUDE, lat_raw), (LONGITUDE, lon_raw)):
                if raw and not lost_its_point(raw):
                    self._number(p, column, raw)
            return None, None, True
        latitude = p.number_in(LATITUDE, -90, 90, required=False)
        longitude = p.number_in(LONGITUDE, -180, 180, required=False)
        if bool(lat_raw) != bool(lon_raw):
            missing = LONGITUDE if lat_raw else LATITUDE
            p.fail(missing, _("A latitude and a longitude go together; this one is missing."),
                   ErrorCode.REQUIRED)
        if latitude is None or longitude is None:
            return None, None, False
        return latitude, longitude, False

    @staticmethod
    def _number(p: RowParser, column: str, raw: str) -> None:
        try:
            float(raw)
        except ValueError:
            p.fail(column, _("“%(value)s” is not a number.") % {"value": raw})

    def _word(self, column: str, raw: str) -> str:
        """The current export's word for a cell (a 2016 code is translated), or the cell as
        given, noted as unmapped, when no table knows it. The current export's locations are
        kept as given: no table needs them."""
        if not raw:
            return ""
        key = value_key(raw)
        if column == LOCATION and not self.fmt.coded:
            return _WORDS[LOCATION].get(key, " ".join(raw.split()))
        if self.fmt.coded:
            word = _CODES[column].get(key)
            if word is None:
                self.unmapped.append((column, raw))
                return raw
            return word
        word = _WORDS[column].get(key)
        if word is None:
            self.unmapped.append((column, raw))
            return " ".join(raw.split())
        return word

    def _country(self, row: dict[str, str]) -> tuple[Country | None, str]:
        name = row[COUNTRY]
        code = row.get(COUNTRY_CODE, "").upper()
        if code:
            country = self.countries.by_code.get(code)
            if country is not None:
                return country, name
        if name:
            found = self.countries.match(name)
            if found is not None:
                self.report.note(name, found)
                return found.country, name
            self.report.note_unmapped(name, self.countries)
            self.unmapped.append((COUNTRY, name))
        elif code:
            self.unmapped.append((COUNTRY_CODE, code))
        return None, name

    def _place(self, row: dict[str, str]) -> str:
        parts: list[str] = []
        for column in ("City", "District", "Region"):
            value = " ".join(row[column].split())
            if value and value.casefold() not in {p.casefold() for p in parts}:
                parts.append(value)
        return _cut(", ".join(parts), 200)

    @staticmethod
    def _title(means: str, context: str, country: str) -> str:
        """Short and in English, as the source is: "Shooting, ambush in Afghanistan"."""
        said = [w for w in (means, context) if w and value_key(w) not in SAYS_NOTHING_IN_TITLE]
        if not said:
            said = ["Security incident"]
        what = ", ".join([said[0], *(w.lower() for w in said[1:])])
        return _cut(f"{what} in {country}" if country else what, 200)

    def _details(self, row: dict[str, str], counts: dict[str, int], means: str, context: str,
                 location: str, country_name: str) -> dict[str, Any]:
        details: dict[str, Any] = {"format": self.fmt.name, MEANS_KEY: means,
                                   CONTEXT_KEY: context, LOCATION_KEY: location}
        if self.fmt.coded:
            details["codes"] = {MEANS_KEY: row[MEANS], CONTEXT_KEY: row[CONTEXT],
                                LOCATION_KEY: row[LOCATION]}
        for column, key in self.fmt.described.items():
            details[key] = " ".join(row[column].split())
        details["organizations"] = {key: counts[column]
                                    for column, key in self.fmt.organizations.items()}
        for column, (group, key) in self.fmt.people.items():
            if group == "total":
                details[f"total_{key}"] = counts[column]
            else:
                details.setdefault(group, {})[key] = counts[column]
        details["country_name"] = country_name
        if row.get(COUNTRY_CODE):
            details["country_code"] = row[COUNTRY_CODE]
        for column in ("Region", "District", "City"):
            if row[column]:
                details[column.lower()] = row[column]
        return details


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def read_awsd_rows(path: Path, report: AwsdImportReport) -> tuple[AwsdFormat, CsvRows]:
    """The format and the records of the file, as {column: stripped text} by the format's own
    column names. Raises AwsdImportFailed when the file is not an AWSD export."""
    name = path.name

    def refuse(message: str) -> AwsdImportFailed:
        report.errors = [FieldError(field="file", row=1, code=ErrorCode.BAD_FILE,
                                    message=message)]
        return AwsdImportFailed(report, message)

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refuse(_("%(file)s cannot be read (%(problem)s).")
                     % {"file": name, "problem": exc.strerror or exc}) from exc
    text, report.utf8 = decode_awsd(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 2  # where a file that stops being CSV stops: in its header, the row after it
    try:
        header = next(reader, None)
        if header is None:
            raise refuse(_("%(file)s is empty.") % {"file": name})
        fmt, missing = detect_format(header)
        if fmt is None:
            raise refuse(_("%(file)s is not an export of the Aid Worker Security Database: "
                           "its header lacks %(columns)s.")
                         % {"file": name, "columns": ", ".join(f"“{c}”" for c in missing)})
        canonical = {_header_key(c): c for c in fmt.columns}
        columns = [canonical.get(_header_key(h), h.strip()) for h in header]
        # The HXL hashtag row of the current export is passed over.
        return fmt, collect_rows(reader, columns, first=2,
                                 skip=lambda number, values: number == 2 and _is_hxl(values))
    except BrokenCsv as exc:
        row, problem = exc.row, exc.problem
    except csv.Error as exc:
        problem = exc
    raise refuse(_("%(file)s is not a readable CSV file: %(problem)s (row %(row)d).")
                 % {"file": name, "problem": problem, "row": row})


# --- The import -------------------------------------------------------------------------------


def awsd_import(*, actor: AnyUser, path: Path, dry_run: bool = False,
                skip_invalid: bool = False, progress: Callable[[int], None] | None = None,
                on_total: Callable[[int], None] | None = None) -> AwsdImportReport:
    """Add the incidents of one AWSD export that Vigil does not hold yet (see the module's
    docstring). ``progress`` is called with 1 for each row checked, ``on_total`` once with the
    number of rows. ``dry_run`` checks and counts everything, then saves nothing."""
    if not holds_globally(actor, Perm.IMPORT_INCIDENTS):
        raise Forbidden(_("Importing incidents needs a global grant to import incidents."))
    report = AwsdImportReport(file=path.name, dry_run=dry_run)
    fmt, csv_rows = read_awsd_rows(path, report)
    report.format = fmt.name
    if on_total:
        on_total(len(csv_rows.rows))
    digit_grouped = any(SURELY_DIGIT_GROUPED.match(row[c]) for _n, row in csv_rows.rows
                        for c in (LATITUDE, LONGITUDE))
    placer = _Placer()
    reader = _RowReader(fmt, report, digit_grouped, placer)
    parsed, checked = parse_all(csv_rows, reader.parse, key=lambda item: item.source_id,
                                key_column=ID, progress=progress)
    report.read = checked.rows
    report.errors = checked.errors
    if report.errors and not skip_invalid:
        raise AwsdImportFailed(report)
    report.skipped_invalid = len({e.row for e in report.errors})
    categories = _categories(parsed)
    with transaction.atomic():
        present = set(Incident.objects.filter(source_kind=Incident.Source.AWSD)
                      .exclude(source_id="").values_list("source_id", flat=True))
        new: list[Incident] = []
        # (row, AWSD id, coordinates as given) of the rows already present that lost their point.
        present_lost: list[tuple[int, str, tuple[str, str]]] = []
        for item in parsed:
            if item.source_id in present:
                report.already_present += 1
                if item.lost_point:
                    present_lost.append((item.row, item.source_id, item.lost_point))
                continue
            item.note(report)  # the notes describe what is imported, not what was there
            new.append(Incident(source_kind=Incident.Source.AWSD, source_id=item.source_id,
                                category=categories[item.category],
                                subcategory=(categories[item.subcategory]
                                             if item.subcategory else None),
                                security_area=placer.area(item.values["country"],
                                                          item.values["latitude"],
                                                          item.values["longitude"]),
                                **item.values))
            report.by_category[item.category] = report.by_category.get(item.category, 0) + 1
            if item.subcategory:
                report.by_subcategory[item.subcategory] = (
                    report.by_subcategory.get(item.subcategory, 0) + 1)
        Incident.objects.bulk_create(new, batch_size=BATCH)
        report.added = len(new)
        gained = _place_present(present_lost, placer, report)
        if new or gained:
            audit.record(actor=actor, action="incidents.import", object_type="incidents.incident",
                         object_repr=report.file, changes=_audited(report))
        if dry_run:
            transaction.set_rollback(True)
    return report


def _place_present(items: list[tuple[int, str, tuple[str, str]]], placer: _Placer,
                   report: AwsdImportReport) -> int:
    """Give a point to the incidents already present whose coordinates, having lost their
    decimal point, were kept as given: from those values and the incident's own country, as
    when they were added. Nothing else of theirs changes. Returns how many gained one."""
    if not items:
        return 0
    unplaced = {i.source_id: i for i in Incident.objects.filter(
        source_kind=Incident.Source.AWSD, latitude__isnull=True).exclude(source_id="")
        .select_related("country").only("pk", "source_id", "country", "source_details",
                                        "version")}
    now = timezone.now()
    changed: list[Incident] = []
    for row, source_id, as_given in items:
        incident = unplaced.get(source_id)
        if incident is None:
            report.note_lost_point(row, as_given, placed_before=True)
            continue
        kept = incident.source_details.get("coordinates_as_given")
        if not (isinstance(kept, list) and len(kept) == 2):
            report.note_lost_point(row, as_given, kept_because=_(
                "already present without its coordinates as given"))
            continue
        point, kept_because = placer.recover(incident.country, (str(kept[0]), str(kept[1])))
        if point is None:
            report.note_lost_point(row, as_given, kept_because=kept_because)
            continue
        incident.latitude, incident.longitude = point
        incident.security_area = placer.area(incident.country, *point)
        incident.source_details = {**incident.source_details, "coordinates_recovered": True}
        incident.version += 1
        incident.updated_at = now
        changed.append(incident)
        report.points_gained.append(incident.source_id)
        report.note_lost_point(row, as_given, recovered=True)
    Incident.objects.bulk_update(changed, ["latitude", "longitude", "security_area",
                                           "source_details", "version", "updated_at"],
                                 batch_size=BATCH)
    return len(changed)


def _audited(report: AwsdImportReport) -> dict[str, Any]:
    data = report.as_dict()
    data["errors"] = data["errors"][:20]
    return data


def _categories(parsed: list[ParsedIncident]) -> dict[str, IncidentCategory]:
    """The categories the rows need, by code. A code the taxonomy has lost is a fault of the
    configuration, not of the file: it refuses the import."""
    needed = {code for item in parsed for code in (item.category, item.subcategory) if code}
    found = {c.code: c for c in IncidentCategory.objects.filter(code__in=needed)}
    missing = sorted(needed - set(found))
    if missing:
        raise ValidationFailed([FieldError(field="category", code=ErrorCode.UNKNOWN_REFERENCE,
                                           message=_(
            "The incident taxonomy lacks the categories %(codes)s that the AWSD mapping names; "
            "restore them before importing.") % {"codes": ", ".join(missing)})])
    return found
