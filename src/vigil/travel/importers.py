"""Imports of public reference data into travel: US State Department travel advisories (one
JSON file per country) and the OpenFlights list of air operators.

Both name countries in English prose, not by ISO code. ``CountryNames`` (in
``vigil.places.names``) turns such a name into a row of the country table, and every import
reports which names needed its explicit table, which were matched only approximately, and which
could not be matched at all. The names of that module are re-exported here for code that
imported them from travel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import DomainError, ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.importing import (
    CsvRows,
    ImportReport,
    RowParser,
    collect_rows,
    decode,
    parse_all,
    settle,
    working_copy,
)
from vigil.core.validation import save_new_version, validate
from vigil.places.models import Country
from vigil.places.names import COUNTRY_NAME_TABLE as COUNTRY_NAME_TABLE
from vigil.places.names import CountryMatch as CountryMatch
from vigil.places.names import CountryNames as CountryNames
from vigil.places.names import NameReport as NameReport
from vigil.places.names import name_key as name_key
from vigil.places.names import name_words as name_words
from vigil.travel.models import Advisory, AirOperator

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

AIRLINES_FILE = Path(__file__).resolve().parent / "data" / "airlines.dat"

# --- US State Department advisories -----------------------------------------------------------

# Model field -> key of the advisory file, so that a fault names the key the file got wrong.
ADVISORY_KEYS = {"country": "country", "level": "level", "title": "full_title",
                 "text": "content_md", "source_url": "remote_link",
                 "external_id": "filename_base", "issued_on": "date"}
ADVISORY_IMPORTED_FIELDS = sorted(ADVISORY_KEYS)
MONTHS = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                      "sep", "oct", "nov", "dec"), start=1)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "Fri, 20 Feb 2026", in English whatever the server's locale, so no strptime.
ADVISORY_DATE = re.compile(r"^(?:([A-Za-z]{3}), )?(\d{1,2}) ([A-Za-z]{3}) (\d{4})$")


@dataclass(frozen=True)
class FileError:
    """One fault of one file: which file, which key (blank for the whole file) and why."""

    file: str
    key: str
    message: str
    code: str = ErrorCode.INVALID

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "key": self.key, "code": self.code,
                "message": str(self.message)}

    def __str__(self) -> str:
        if self.key:
            return _("%(file)s, key “%(key)s”: %(message)s") % {
                "file": self.file, "key": self.key, "message": self.message}
        return _("%(file)s: %(message)s") % {"file": self.file, "message": self.message}


@dataclass
class AdvisoryImportReport(NameReport):
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    dry_run: bool = False
    # Country name -> the files naming it, none of them imported.
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed, "dry_run": self.dry_run,
                "by_table": self.by_table, "approximate": self.approximate,
                "absent": self.absent, "unmapped": self.unmapped,
                "errors": [e.as_dict() for e in self.errors]}

    def lines(self) -> list[str]:
        lines = [_("%(files)d files: %(created)d created, %(updated)d updated, %(unchanged)d "
                   "unchanged, %(failed)d not imported.")
                 % {"files": self.files, "created": self.created, "updated": self.updated,
                    "unchanged": self.unchanged, "failed": self.failed}]
        lines += self.name_lines()
        lines += [_("%(reason)s; not imported: %(files)s.")
                  % {"reason": self.why_unmapped(name), "files": ", ".join(files)}
                  for name, files in sorted(self.unmapped.items())]
        if self.dry_run:
            lines.append(_("Dry run: nothing was saved."))
        return lines


@dataclass(frozen=True)
class AdvisoryFile:
    """The values of one well-formed advisory file, by model field."""

    country_name: str
    level: int
    title: str
    text: str
    source_url: str
    external_id: str
    issued_on: dt.date


class FileFaults(Exception):
    def __init__(self, errors: list[FileError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def _shown(value: object) -> str:
    """A value as the file has it, for a message: 4.5, "4", true, null, or "a list"."""
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("a list")
    return json.dumps(value, ensure_ascii=False)[:60]


def _parse_date(value: str) -> dt.date | None:
    found = ADVISORY_DATE.match(value.strip())
    if found is None:
        return None
    weekday, day, month_name, year = found.groups()
    month = MONTHS.get(month_name.lower())
    if month is None:
        return None
    try:
        date = dt.date(int(year), month, int(day))
    except ValueError:
        return None
    if weekday is not None and WEEKDAYS[date.weekday()] != weekday.lower():
        return None
    return date


def read_advisory_file(path: Path) -> AdvisoryFile:
    """Read and check one advisory file. Raises FileFaults naming every bad key at once."""
    name = path.name

    def fault(key: str, message: str, code: str = ErrorCode.INVALID) -> FileError:
        return FileError(file=name, key=key, message=message, code=code)

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileFaults([fault("", _("The file cannot be read (%(problem)s).")
                                % {"problem": exc.strerror or exc}, ErrorCode.BAD_FILE)]) from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FileFaults([fault("", _("The file is not UTF-8 text (byte %(pos)d).")
                                % {"pos": exc.start}, ErrorCode.BAD_FILE)]) from exc
    except json.JSONDecodeError as exc:
        raise FileFaults([fault("", _("The file is not valid JSON: %(problem)s at line "
                                      "%(line)d, column %(column)d.")
                                % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno},
                                ErrorCode.BAD_FILE)]) from exc
    if not isinstance(data, dict):
        raise FileFaults([fault("", _("The file holds %(found)s, not an object.")
                                % {"found": _shown(data)}, ErrorCode.BAD_FILE)])

    errors: list[FileError] = []

    def text(key: str, *, max_length: int | None = None, blank: bool = False) -> str:
        if key not in data:
            errors.append(fault(key, _("The key is missing."), ErrorCode.REQUIRED))
            return ""
        value: object = data[key]
        if not isinstance(value, str):
            errors.append(fault(key, _("Expected text, found %(found)s.")
                                % {"found": _shown(value)}))
            return ""
        value = value.strip()
        if not value and not blank:
            errors.append(fault(key, _("This value is required."), ErrorCode.REQUIRED))
        if max_length is not None and len(value) > max_length:
            errors.append(fault(key, _("At most %(n)d characters.") % {"n": max_length}))
        return value

    level = 0
    if "level" not in data:
        errors.append(fault("level", _("The key is missing."), ErrorCode.REQUIRED))
    elif type(data["level"]) is not int:  # bool is an int to isinstance, not to us
        errors.append(fault("level", _("Expected a whole number from 1 to 4, found %(found)s.")
                            % {"found": _shown(data["level"])}))
    elif not 1 <= data["level"] <= 4:
        errors.append(fault("level", _("%(value)d is not an advisory level; levels go from 1 "
                                       "to 4.") % {"value": data["level"]},
                            ErrorCode.OUT_OF_RANGE))
    else:
        level = data["level"]
    country_name = text("country")
    title = text("full_title", max_length=Advisory._meta.get_field("title").max_length)
    body = text("content_md")
    source_url = text("remote_link", blank=True,
                      max_length=Advisory._meta.get_field("source_url").max_length)
    external_id = text("filename_base",
                       max_length=Advisory._meta.get_field("external_id").max_length)
    date_text = text("date")
    issued_on = _parse_date(date_text) if date_text else None
    if date_text and issued_on is None:
        errors.append(fault("date", _("“%(value)s” is not a date such as “Fri, 20 Feb 2026”.")
                            % {"value": date_text}))
    if errors or issued_on is None:
        raise FileFaults(errors)
    return AdvisoryFile(country_name=country_name, level=level, title=title, text=body,
                        source_url=source_url, external_id=external_id, issued_on=issued_on)


def advisories_import(*, actor: AnyUser, paths: Sequence[Path],
                      dry_run: bool = False) -> AdvisoryImportReport:
    """Create or update US State Department advisories from their JSON files, matched by
    ``filename_base``. Each file is imported whole or not at all: a malformed file, or one
    whose country cannot be matched, is reported and skipped, and the other files still
    import, since each advisory stands alone. A file that changes nothing writes nothing,
    not even an audit event; the summary event is written only when something changed.
    ``dry_run`` does all of it and then rolls it back."""
    if not holds_globally(actor, Perm.EDIT_ADVISORY):
        raise Forbidden(_("Importing advisories needs a global grant to edit advisories."))
    report = AdvisoryImportReport(files=len(paths), dry_run=dry_run)
    countries = CountryNames()
    existing = {a.external_id: a for a in Advisory.objects.filter(
        source=Advisory.Source.US_STATE).exclude(external_id="").select_related("country")}
    file_of: dict[str, str] = {}
    with transaction.atomic():
        for path in paths:
            try:
                outcome = _import_advisory(actor, path, countries, existing, file_of, report)
            except FileFaults as exc:
                report.errors.extend(exc.errors)
                report.failed += 1
                continue
            if outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        if report.created or report.updated:
            audit.record(actor=actor, action="travel.advisory.import",
                         object_type="travel.advisory", changes=report.as_dict())
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_advisory(actor: AnyUser, path: Path, countries: CountryNames,
                     existing: dict[str, Advisory], file_of: dict[str, str],
                     report: AdvisoryImportReport) -> str:
    record = read_advisory_file(path)
    found = countries.match(record.country_name)
    if found is None:
        report.unmapped.setdefault(record.country_name, []).append(path.name)
        message = _("%(reason)s; the file was not imported.") % {
            "reason": report.note_unmapped(record.country_name, countries)}
        raise FileFaults([FileError(path.name, "country", message,
                                    ErrorCode.UNKNOWN_REFERENCE)])
    report.note(record.country_name, found)
    if record.external_id in file_of:
        raise FileFaults([FileError(path.name, "filename_base", _(
            "“%(value)s” is already the id of %(file)s in this import.")
            % {"value": record.external_id, "file": file_of[record.external_id]},
            ErrorCode.DUPLICATE)])
    file_of[record.external_id] = path.name
    stored = existing.get(record.external_id)
    advisory = working_copy(stored, lambda: Advisory(source=Advisory.Source.US_STATE,
                                                     external_id=record.external_id))
    before = {} if stored is None else audit.snapshot(advisory, ADVISORY_IMPORTED_FIELDS)
    advisory.country = found.country
    advisory.level = record.level
    advisory.title = record.title
    advisory.text = record.text
    advisory.source_url = record.source_url
    advisory.issued_on = record.issued_on
    changes = audit.diff(before, audit.snapshot(advisory, ADVISORY_IMPORTED_FIELDS))
    if stored is not None and not changes:
        return "unchanged"
    try:
        validate(advisory)
        # A savepoint per file: a refusal from the database undoes this file alone.
        with transaction.atomic():
            if stored is None:
                advisory.save()
            else:
                save_new_version(advisory, ADVISORY_IMPORTED_FIELDS)
            action = "create" if stored is None else "update"
            audit.record(actor=actor, action=f"travel.advisory.import.{action}",
                         obj=advisory, changes=changes)
    except ValidationFailed as exc:
        raise FileFaults([FileError(path.name, ADVISORY_KEYS.get(e.field, e.field),
                                    str(e.message), e.code) for e in exc.errors]) from exc
    except (DomainError, DatabaseError) as exc:
        raise FileFaults([FileError(path.name, "", _("The advisory could not be saved: "
                                                     "%(problem)s") % {"problem": exc})]) from exc
    existing[record.external_id] = advisory
    return "created" if stored is None else "updated"


# --- OpenFlights air operators ----------------------------------------------------------------

AIRLINE_COLUMNS = ("id", "name", "alias", "iata", "icao", "callsign", "country", "active")
AIRLINE_PLACEHOLDER_ID = "-1"  # "Unknown", a stand-in for routes without an operator
# The fields an import owns. Suitability and its note are the aviation officer's.
AIR_OPERATOR_IMPORTED_FIELDS = ["name", "iata", "icao", "callsign", "country", "is_active"]
IATA_CODE = re.compile(r"^[A-Z0-9]{2}$")
ICAO_CODE = re.compile(r"^[A-Z0-9]{3}$")
SOURCE_ID = re.compile(r"^-?[0-9]+$")
# OpenFlights escapes some quotes with backslashes ("d\\'Aviation"); they are not part of names.
ESCAPED_QUOTE = re.compile(r"\\+(['\"])")
BATCH = 1000


@dataclass
class AirOperatorImportReport(ImportReport, NameReport):
    unchanged: int = 0
    # Country name -> how many operators name it; they are imported without a country.
    unmapped: dict[str, int] = field(default_factory=dict)
    # Line numbers of OpenFlights' placeholder record, read and left out (it is no operator).
    placeholders: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "unchanged": self.unchanged, "by_table": self.by_table,
                "approximate": self.approximate, "absent": self.absent,
                "unmapped": self.unmapped, "placeholders": self.placeholders}

    def lines(self) -> list[str]:
        lines = [_("%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d "
                   "unchanged, %(skipped)d skipped.")
                 % {"rows": self.rows, "created": self.created, "updated": self.updated,
                    "unchanged": self.unchanged, "skipped": self.skipped}]
        lines += [_("Line %(line)d left out: OpenFlights' placeholder “Unknown” (id -1) "
                    "stands for routes without an operator and is not one.") % {"line": line}
                  for line in self.placeholders]
        lines += self.name_lines()
        lines += [_("%(reason)s; %(count)d operators were imported without a country.")
                  % {"reason": self.why_unmapped(name), "count": count}
                  for name, count in sorted(self.unmapped.items())]
        return lines


@dataclass
class ParsedOperator:
    source_id: str
    name: str
    iata: str
    icao: str
    callsign: str
    country_name: str
    country: Country | None
    is_active: bool

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "iata": self.iata, "icao": self.icao,
                "callsign": self.callsign, "country": self.country,
                "is_active": self.is_active}


def _cell(value: str) -> str:
    value = value.strip()
    return "" if value == "\\N" else ESCAPED_QUOTE.sub(r"\1", value)


def read_airline_rows(data: bytes | str) -> CsvRows:
    """The records of airlines.dat, which has no header. Row numbers are line numbers."""
    return collect_rows(csv.reader(io.StringIO(decode(data), newline="")), list(AIRLINE_COLUMNS),
                        first=1, cell=_cell, wrong_width=_(
                            "The row has %(found)d cells; an OpenFlights airline has "
                            "%(expected)d."))


def air_operators_import(*, actor: AnyUser, path: Path, skip_invalid: bool = False,
                         progress: Callable[[int], None] | None = None,
                         on_total: Callable[[int], None] | None = None
                         ) -> AirOperatorImportReport:
    """Create or update air operators from OpenFlights' airlines.dat, matched by its id.

    All rows or none, as every CSV import here, unless ``skip_invalid``. A country name that
    matches no country is reported, and its operators are imported without a country. IATA
    and ICAO codes are kept only when they have the form of one (2 or 3 letters or digits;
    OpenFlights has "-", "N/A" and the like). Suitability is never touched. One summary
    audit event, written only when something changed: per-row events for six thousand
    reference rows would bury the log."""
    if not holds_globally(actor, Perm.ASSESS_AIR_OPERATOR):
        raise Forbidden(_("Importing air operators needs a global grant to assess them."))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed([FieldError(field="file", code=ErrorCode.BAD_FILE, message=_(
            "The file cannot be read (%(problem)s).") % {"problem": exc.strerror or exc})
        ]) from exc
    csv_rows = read_airline_rows(data)
    placeholders = [n for n, r in csv_rows.rows if r["id"] == AIRLINE_PLACEHOLDER_ID]
    csv_rows.rows = [(n, r) for n, r in csv_rows.rows if r["id"] != AIRLINE_PLACEHOLDER_ID]
    if on_total:
        on_total(len(csv_rows.rows))
    countries = CountryNames()

    def parse(number: int, row: dict[str, str]) -> ParsedOperator:
        p = RowParser(number, row)
        source_id = p.text("id", required=True,
                           max_length=AirOperator._meta.get_field("source_id").max_length)
        if source_id and not SOURCE_ID.match(source_id):
            p.fail("id", _("“%(value)s” is not a whole number.") % {"value": source_id})
        name = p.text("name", required=True,
                      max_length=AirOperator._meta.get_field("name").max_length)
        callsign = p.text("callsign",
                          max_length=AirOperator._meta.get_field("callsign").max_length)
        is_active = p.choice("active", ["y", "n"]) == "y"
        p.done()
        iata, icao = row["iata"].upper(), row["icao"].upper()
        country_name = row["country"]
        found = countries.match(country_name) if country_name else None
        return ParsedOperator(source_id=source_id, name=name,
                              iata=iata if IATA_CODE.match(iata) else "",
                              icao=icao if ICAO_CODE.match(icao) else "",
                              callsign=callsign, country_name=country_name,
                              country=found.country if found else None, is_active=is_active)

    parsed, checked = parse_all(csv_rows, parse, key=lambda o: o.source_id, key_column="id",
                                progress=progress)
    report = AirOperatorImportReport(rows=checked.rows, errors=checked.errors,
                                     placeholders=placeholders)
    settle(report, skip_invalid=skip_invalid)
    for item in parsed:
        if item.country_name and item.country is None:
            report.unmapped[item.country_name] = report.unmapped.get(item.country_name, 0) + 1
            report.note_unmapped(item.country_name, countries)
        elif item.country is not None:
            found = countries.match(item.country_name)
            if found is not None:
                report.note(item.country_name, found)
    with transaction.atomic():
        _save_operators(actor, parsed, report)
    return report


def _save_operators(actor: AnyUser, parsed: list[ParsedOperator],
                    report: AirOperatorImportReport) -> None:
    stored = {o.source_id: o for o in AirOperator.objects.exclude(source_id="")}
    new: list[AirOperator] = []
    changed: list[AirOperator] = []
    changes: dict[str, dict[str, list[Any]]] = {}
    now = timezone.now()
    for item in parsed:
        values = item.values()
        operator = stored.get(item.source_id)
        if operator is None:
            new.append(AirOperator(source_id=item.source_id, **values))
            continue
        before = audit.snapshot(operator, AIR_OPERATOR_IMPORTED_FIELDS)
        for name, value in values.items():
            setattr(operator, name, value)
        diff = audit.diff(before, audit.snapshot(operator, AIR_OPERATOR_IMPORTED_FIELDS))
        if not diff:
            report.unchanged += 1
            continue
        operator.version += 1
        operator.updated_at = now
        changed.append(operator)
        changes[item.source_id] = diff
    AirOperator.objects.bulk_create(new, batch_size=BATCH)
    AirOperator.objects.bulk_update(changed, [*AIR_OPERATOR_IMPORTED_FIELDS, "version",
                                              "updated_at"], batch_size=BATCH)
    report.created, report.updated = len(new), len(changed)
    if new or changed:
        audit.record(actor=actor, action="travel.air_operator.import",
                     object_type="travel.airoperator",
                     changes={**report.as_dict(), "changes": changes})
