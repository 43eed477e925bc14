"""CSV imports: read, check every row, then write all or nothing.

Row numbers are the spreadsheet's: the header is row 1, the first record row 2. Every fault
names its row and column. Without ``skip_invalid``, one bad row means nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

T = TypeVar("T")
M = TypeVar("M", bound=Model)
N = TypeVar("N", int, float)
MAX_REPORTED_ERRORS = 200


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "errors": [e.as_dict() for e in self.errors]}

    def lines(self) -> list[str]:
        return [_("%(rows)d rows: %(created)d created, %(updated)d updated, %(skipped)d "
                  "skipped.") % {"rows": self.rows, "created": self.created,
                                 "updated": self.updated, "skipped": self.skipped}]


class RowError(Exception):
    """Raised by a row parser; carries the faults of that row."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class ImportFailed(ValidationFailed):
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        shown = report.errors[:MAX_REPORTED_ERRORS]
        super().__init__(shown, _("%(count)d rows have faults; nothing was imported.")
                         % {"count": len({e.row for e in report.errors})})
        self.code = ErrorCode.IMPORT_INVALID


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([FieldError(
            field="file", code=ErrorCode.BAD_FILE,
            message=_("The file is not UTF-8 text (byte %(pos)d).") % {"pos": exc.start})
        ]) from exc


@dataclass
class CsvRows:
    """The records of a checked file; a row of the wrong width is a fault of that row alone."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    errors: list[FieldError]

    def has(self, column: str) -> bool:
        return column in self.header


class BrokenCsv(ValidationFailed):
    """The file stops being CSV at ``row`` (a quote left open, a NUL byte): ``problem``."""

    def __init__(self, row: int, problem: csv.Error) -> None:
        self.row, self.problem = row, problem
        super().__init__([FieldError(field="file", code=ErrorCode.BAD_FILE, message=str(problem),
                                     row=row)])


def collect_rows(reader: Iterator[list[str]], columns: list[str], *, first: int,
                 wrong_width: str = "", cell: Callable[[str], str] = str.strip,
                 skip: Callable[[int, list[str]], bool] | None = None) -> CsvRows:
    """The records of a CSV file as (row number, {column: ``cell`` of its text}), numbered
    from ``first`` (2 after a header row). Blank lines and the rows ``skip`` names are passed
    over; a row of the wrong width is a fault of that row alone (``wrong_width``, with
    %(found)d and %(expected)d, says so). A file that stops being CSV raises BrokenCsv."""
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[FieldError] = []
    number = first - 1
    try:
        for number, values in enumerate(reader, start=first):
            if not any(v.strip() for v in values) or (skip is not None and skip(number, values)):
                continue
            if len(values) != len(columns):
                errors.append(FieldError(field="", row=number, message=(
                    wrong_width or _("The row has %(found)d cells; the header has %(expected)d."))
                    % {"found": len(values), "expected": len(columns)}))
                continue
            rows.append((number, {c: cell(v) for c, v in zip(columns, values, strict=True)}))
    except csv.Error as exc:
        raise BrokenCsv(number + 1, exc) from exc
    return CsvRows(header=list(columns), rows=rows, errors=errors)


def import_rows(data: bytes | str, *, actor: AnyUser, perm: Perm, required: Iterable[str],
                optional: Iterable[str],
                on_total: Callable[[int], None] | None = None) -> CsvRows:
    """The records of a CSV import that ``actor`` may run (``perm`` in some scope; each row's
    record is then checked in its own), their number told to ``on_total``."""
    if not has_perm_anywhere(actor, perm):
        raise Forbidden()
    csv_rows = read_rows(data, required=required, optional=optional)
    if on_total:
        on_total(len(csv_rows.rows))
    return csv_rows


def read_rows(data: bytes | str, *, required: Iterable[str],
              optional: Iterable[str]) -> CsvRows:
    """Rows as (row number, {column: stripped text}), after checking the header."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed([FieldError(field="file", code=ErrorCode.BAD_FILE,
                                           message=_("The file is empty."), row=1)]) from None
    except csv.Error as exc:
        raise ValidationFailed([FieldError(field="file", code=ErrorCode.BAD_FILE,
                                           message=str(exc), row=1)]) from exc
    required, known = set(required), set(required) | set(optional)
    problems = [FieldError(field=c, row=1, code=ErrorCode.REQUIRED,
                           message=_("The required column “%(column)s” is missing.")
                           % {"column": c}) for c in sorted(required - set(header))]
    problems += [FieldError(field=c, row=1, message=_("Unknown column “%(column)s”.")
                            % {"column": c}) for c in header if c not in known]
    seen: set[str] = set()
    for c in header:
        if c in seen:
            problems.append(FieldError(field=c, row=1, code=ErrorCode.DUPLICATE,
                                       message=_("The column “%(column)s” appears twice.")
                                       % {"column": c}))
        seen.add(c)
    if problems:
        raise ValidationFailed(problems)
    return collect_rows(reader, header, first=2)


def parse_all(csv_rows: CsvRows, parse: Callable[[int, dict[str, str]], T],
              *, key: Callable[[T], str], key_column: str,
              progress: Callable[[int], None] | None = None) -> tuple[list[T], ImportReport]:
    """Parse each row; collect every fault instead of stopping at the first."""
    report = ImportReport(rows=len(csv_rows.rows) + len(csv_rows.errors),
                          errors=list(csv_rows.errors))
    parsed: list[T] = []
    first_row_of: dict[str, int] = {}
    for number, row in csv_rows.rows:
        try:
            item = parse(number, row)
        except RowError as exc:
            report.errors.extend(exc.errors)
        else:
            k = key(item)
            if k in first_row_of:
                report.errors.append(FieldError(
                    field=key_column, row=number, code=ErrorCode.DUPLICATE,
                    message=_("“%(value)s” is already in row %(row)d of this file.")
                    % {"value": k, "row": first_row_of[k]}))
            else:
                first_row_of[k] = number
                parsed.append(item)
        if progress:
            progress(1)
    report.errors.sort(key=lambda e: e.row or 0)
    return parsed, report


def settle(report: ImportReport, *, skip_invalid: bool) -> None:
    """All rows or none: a fault in any row refuses the whole import, unless ``skip_invalid``;
    then the rows at fault are left out and counted as skipped."""
    if report.errors and not skip_invalid:
        raise ImportFailed(report)
    report.skipped = len({e.row for e in report.errors})


def write_imported(model: type[M], records: list[M], *, actor: AnyUser, fields: Iterable[str],
                   batch_size: int, report: ImportReport, action: str) -> None:
    """Write the records an import checked, in one transaction: the new ones created, the
    others' ``fields`` updated with their version counted up; the counts go in the report,
    and the report in one audit event, ``action``."""
    with transaction.atomic():
        new = [r for r in records if r.pk is None]
        old = [r for r in records if r.pk is not None]
        model._default_manager.bulk_create(new, batch_size=batch_size)
        for record in old:
            record.version += 1  # type: ignore[attr-defined]
        model._default_manager.bulk_update(old, [*fields, "version"], batch_size=batch_size)
        report.created, report.updated = len(new), len(old)
        audit.record(actor=actor, action=action, object_type=model._meta.label_lower,
                     changes=report.as_dict())


def import_records(model: type[M], csv_rows: CsvRows, parse: Callable[[int, dict[str, str]], M],
                   *, key: Callable[[M], str], key_column: str, actor: AnyUser,
                   fields: Iterable[str], action: str, batch_size: int, skip_invalid: bool,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """The rest of an import of records matched by a key: every row parsed (parse_all), all
    or none (settle), and the records written with one audit event (write_imported)."""
    records, report = parse_all(csv_rows, parse, key=key, key_column=key_column,
                                progress=progress)
    settle(report, skip_invalid=skip_invalid)
    write_imported(model, records, actor=actor, fields=fields, batch_size=batch_size,
                   report=report, action=action)
    return report


def working_copy(obj: M | None, factory: Callable[[], M]) -> M:
    """A separate instance to fill from one row, so that a row later refused (a duplicate, a
    fault under --skip-invalid) never leaves its values on the record another row writes."""
    if obj is None:
        return factory()
    copy = type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})
    copy._state.adding = False
    copy._state.db = obj._state.db
    # Related rows already loaded stay loaded: scope checks read them for every row.
    copy._state.fields_cache = dict(obj._state.fields_cache)
    return copy


def _digits(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(raw)
    return int(raw)


class RowParser:
    """Collects the faults of one row, so a row reports all of its bad cells at once."""

    def __init__(self, number: int, row: dict[str, str]) -> None:
        self.number = number
        self.row = row
        self.errors: list[FieldError] = []

    def fail(self, column: str, message: str, code: str = ErrorCode.INVALID) -> None:
        self.errors.append(FieldError(field=column, row=self.number, message=message, code=code))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.fail(column, _("This value is required."), ErrorCode.REQUIRED)
        if max_length is not None and len(value) > max_length:
            self.fail(column, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def number_in(self, column: str, low: float, high: float, *,
                  required: bool = True) -> float | None:
        return self._in_range(column, low, high, float, _("“%(value)s” is not a number."),
                              required=required)

    def whole_in(self, column: str, low: int, high: int, *,
                 required: bool = False) -> int | None:
        """A whole number written in digits only, from ``low`` to ``high``."""
        return self._in_range(column, low, high, _digits,
                              _("“%(value)s” is not a whole number."), required=required)

    def _in_range(self, column: str, low: N, high: N, read: Callable[[str], N], fault: str, *,
                  required: bool) -> N | None:
        raw = self.row.get(column, "")
        if not raw:
            if required:
                self.fail(column, _("This value is required."), ErrorCode.REQUIRED)
            return None
        try:
            value = read(raw)
        except ValueError:
            self.fail(column, fault % {"value": raw})
            return None
        if not low <= value <= high:
            self.fail(column, _("%(value)s is outside %(low)s to %(high)s.")
                      % {"value": raw, "low": low, "high": high}, ErrorCode.OUT_OF_RANGE)
            return None
        return value

    def integer(self, column: str, *, default: int = 0) -> int:
        raw = self.row.get(column, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.fail(column, _("“%(value)s” is not a whole number.") % {"value": raw})
            return default
        if value < 0:
            self.fail(column, _("The number cannot be negative."), ErrorCode.OUT_OF_RANGE)
        return value

    def boolean(self, column: str, *, default: bool = False) -> bool:
        raw = self.row.get(column, "").lower()
        if not raw:
            return default
        if raw in {"1", "true", "yes", "y"}:
            return True
        if raw in {"0", "false", "no", "n"}:
            return False
        self.fail(column, _("“%(value)s” is not yes or no.") % {"value": raw})
        return default

    def choice(self, column: str, choices: Iterable[str], *, default: str | None = None) -> str:
        raw = self.row.get(column, "").lower()
        options = list(choices)
        if not raw and default is not None:
            return default
        if raw not in options:
            self.fail(column, _("“%(value)s” is not one of: %(options)s.")
                      % {"value": raw, "options": ", ".join(options)})
            return options[0]
        return raw

    def code(self, column: str, form: re.Pattern[str], fault: str) -> str:
        """A required code, in capitals, of the ``form`` (else the row's fault: ``fault``)."""
        value = self.text(column, required=True).upper()
        if value and not form.match(value):
            self.fail(column, fault)
        return value

    def reference(self, column: str, table: Mapping[str, T], unknown: str) -> T | None:
        """The row a required code names in ``table`` (keyed by code in capitals). A code that
        names none is a fault: ``unknown``, with the code as %(value)s."""
        found = table.get(self.text(column, required=True).upper())
        if self.row.get(column) and found is None:
            self.fail(column, unknown % {"value": self.row[column]}, ErrorCode.UNKNOWN_REFERENCE)
        return found

    def done(self) -> None:
        if self.errors:
            raise RowError(self.errors)

    def refuse(self, column: str, message: str) -> None:
        """Stop this row: the user may not touch the record it names."""
        raise RowError([FieldError(field=column, row=self.number, message=message,
                                   code=ErrorCode.FORBIDDEN)])


@dataclass
class ImportScope:
    """Whose records an import may write: ``perm`` held over a record where it is now (an
    update) and where the row puts it. Anything else refuses the row with ``refusal``."""

    actor: AnyUser
    perm: Perm
    refusal: str

    def take(self, p: RowParser, column: str, existing: M | None, factory: Callable[[], M]
             ) -> M:
        """The row's own copy of the record it names (or a new one), if the actor may
        change it where it is."""
        record = working_copy(existing, factory)
        if record.pk is not None:
            self.check(p, column, record)
        return record

    def check(self, p: RowParser, column: str, record: Model) -> None:
        if not can(self.actor, self.perm, record):
            p.refuse(column, self.refusal)
