"""The personnel import's checking and writing, built for files of the whole UN system
(300,000 staff members): the same rules as a row-by-row import, with reads and writes in bulk.

- References (organizations, duty stations) are read once; the staff members a file names are
  read in batches of LOOKUP_BATCH index numbers, as plain values, not model instances.
- The scope check (``authz.can``) depends only on a record's organization, duty station and
  user: it is asked once per distinct combination, not once per row.
- Every row is checked before anything is written, every fault naming its row and column
  (core.importing.parse_all and settle); then one transaction writes it all with one audit
  event. On PostgreSQL, new staff members are written with COPY, and the changes to existing
  ones are copied into a temporary table and applied by one UPDATE ... FROM; elsewhere,
  one executemany INSERT and one executemany UPDATE.
- Only a staff member whose values the file changes is updated: its version is counted up and
  it is stamped. A row that says what the record already says is counted as unchanged and left
  as it is, so that a nightly file from the human-resources system does not make every open
  edit form stale (optimistic locking) for nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, can
from vigil.core.importing import CsvRows, ImportReport, RowParser, parse_all, settle
from vigil.people import rules
from vigil.people.models import Organization, Person
from vigil.places.models import DutyStation

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

#: Index numbers per query when reading the staff members a file names (within SQLite's
#: limit on query parameters).
LOOKUP_BATCH = 2000
#: What an existing staff member's row is compared with and checked against.
EXISTING = ("id", "index_number", "organization_id", "duty_station_id", "user_id",
            "residence_latitude", "residence_longitude", "residence_confirmed_on")
#: Rows checked between two reports to the progress bar.
PROGRESS_EVERY = 500
JSON_FIELDS = frozenset({"phones", "emails"})


@dataclass
class PersonnelImportReport(ImportReport):
    """The import's counts, with the rows that named a staff member as it already was."""

    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "unchanged": self.unchanged}

    def lines(self) -> list[str]:
        return [_("%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d "
                  "unchanged, %(skipped)d skipped.") % {
            "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped}]


class Imported:
    """One checked row: the record it names (``pk``, None for a new one) and the values the
    file gives it, by column name (attname for the references)."""

    __slots__ = ("index_number", "pk", "values")

    def __init__(self, index_number: str, pk: int | None, values: dict[str, Any]) -> None:
        self.index_number, self.pk, self.values = index_number, pk, values


class _RowParser(RowParser):
    """RowParser with its fault for a number translated once per import, not once per cell."""

    def __init__(self, number: int, row: dict[str, str], not_a_number: str) -> None:
        super().__init__(number, row)
        self.not_a_number = not_a_number

    def number_in(self, column: str, low: float, high: float, *,
                  required: bool = True) -> float | None:
        return self._in_range(column, low, high, float, self.not_a_number, required=required)


def batched_progress(progress: Callable[[int], None] | None, every: int = PROGRESS_EVERY
                     ) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """``progress`` told once per ``every`` rows (a progress bar's update costs more than
    checking a row), and a function that tells it the rest."""
    if progress is None:
        return None, lambda: None
    pending = [0]

    def step(n: int) -> None:
        pending[0] += n
        if pending[0] >= every:
            progress(pending[0])
            pending[0] = 0

    def flush() -> None:
        if pending[0]:
            progress(pending[0])
            pending[0] = 0

    return step, flush


class ScopeCache:
    """``authz.can(actor, perm, person)`` for a person at an organization and duty station
    (and with a user account), asked once per distinct combination: a person's scope is
    decided by those three alone (Person.scope_paths and owner_path)."""

    def __init__(self, actor: AnyUser, perm: Perm, orgs: dict[int, Organization],
                 stations: dict[int, DutyStation]) -> None:
        self.actor, self.perm, self.orgs, self.stations = actor, perm, orgs, stations
        self.answers: dict[tuple[int | None, int | None, int | None], bool] = {}

    def allows(self, organization_id: int | None, duty_station_id: int | None,
               user_id: int | None) -> bool:
        key = (organization_id, duty_station_id, user_id)
        answer = self.answers.get(key)
        if answer is None:
            probe = Person(user_id=user_id)
            if organization_id is not None:
                probe.organization = self.orgs[organization_id]
            if duty_station_id is not None:
                probe.duty_station = self.stations[duty_station_id]
            answer = self.answers[key] = can(self.actor, self.perm, probe)
        return answer


def existing_people(index_numbers: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """The staff members with these index numbers, as EXISTING values, by index number."""
    wanted = sorted(set(index_numbers))
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        for values in Person.objects.filter(
                index_number__in=wanted[start:start + LOOKUP_BATCH]).order_by().values_list(
                    *EXISTING):
            found[values[1]] = values
    return found


def check_rows(csv_rows: CsvRows, *, actor: AnyUser, skip_invalid: bool,
               progress: Callable[[int], None] | None = None
               ) -> tuple[list[Imported], PersonnelImportReport, list[str]]:
    """Every row checked (all its faults, by row and column); refused as a whole on a fault
    unless ``skip_invalid``. Returns the good rows, the report, and the columns to write."""
    orgs = {o.code.upper(): o for o in Organization.objects.all()}
    stations = {s.code: s for s in DutyStation.objects.select_related("country")}
    scope = ScopeCache(actor, Perm.IMPORT_PERSONNEL, {o.pk: o for o in orgs.values()},
                       {s.pk: s for s in stations.values()})
    existing = existing_people(r.get("index_number", "").upper() for _n, r in csv_rows.rows)
    categories = [c.value for c in Person.Category]
    statuses = [s.value for s in Person.Status]
    has = csv_rows.has
    coordinates = has("residence_latitude") or has("residence_longitude")
    columns = ["family_name", "organization_id", "category", "duty_station_id"]
    columns += [c for c in ("given_name", "name_original", "status", "residence_address",
                            "phones", "emails") if has(c)]
    if coordinates:
        columns += ["residence_latitude", "residence_longitude", "residence_confirmed_on"]
    # The messages every row may need, translated once.
    bad_index = _("3 to 20 capital letters, digits or hyphens.")
    no_org = _("No organization with code “%(value)s”.")
    no_station = _("No duty station with code “%(value)s”.")
    refusal = _("You may not manage personnel of this duty station or organization.")
    not_phone = _("“%(value)s” is not a phone number.")
    not_email = _("“%(value)s” is not an e-mail address.")
    both = _("Give both latitude and longitude, or neither.")
    not_a_number = _("“%(value)s” is not a number.")
    today = timezone.localdate()

    def parse(number: int, row: dict[str, str]) -> Imported:
        p = _RowParser(number, row, not_a_number)
        index = p.code("index_number", rules.INDEX_NUMBER, bad_index)
        before = existing.get(index)
        if before is not None and not scope.allows(before[2], before[3], before[4]):
            p.refuse("index_number", refusal)
        values: dict[str, Any] = {"family_name": p.text("family_name", required=True,
                                                        max_length=100)}
        org = p.reference("organization", orgs, no_org)
        values["category"] = p.choice("category", categories)
        station = p.reference("duty_station", stations, no_station)
        if has("given_name"):
            values["given_name"] = p.text("given_name", max_length=100)
        if has("name_original"):
            values["name_original"] = p.text("name_original", max_length=200)
        if has("status"):
            values["status"] = p.choice("status", statuses, default=Person.Status.ACTIVE)
        if has("residence_address"):
            values["residence_address"] = row["residence_address"]
        if coordinates:
            lat = p.number_in("residence_latitude", -90, 90, required=False)
            lon = p.number_in("residence_longitude", -180, 180, required=False)
            if (lat is None) != (lon is None) and not p.errors:
                p.fail("residence_longitude" if lon is None else "residence_latitude", both)
            then = (None, None, None) if before is None else before[5:8]
            values["residence_confirmed_on"] = today if (
                lat is not None and (lat, lon) != then[:2]) else then[2]
            values["residence_latitude"], values["residence_longitude"] = lat, lon
        if has("phones"):
            values["phones"] = rules.split_list(row["phones"])
            for phone in values["phones"]:
                if not rules.phone_ok(phone):
                    p.fail("phones", not_phone % {"value": phone})
        if has("emails"):
            values["emails"] = rules.split_list(row["emails"])
            for email in values["emails"]:
                try:
                    validate_email(email)
                except DjangoValidationError:
                    p.fail("emails", not_email % {"value": email})
        p.done()  # raises on any fault: the organization and duty station are found
        values["organization_id"] = org_id = org.pk if org is not None else None
        values["duty_station_id"] = station_id = station.pk if station is not None else None
        if not scope.allows(org_id, station_id, None if before is None else before[4]):
            p.refuse("duty_station", refusal)
        return Imported(index, None if before is None else before[0], values)

    step, flush = batched_progress(progress)
    records, parsed = parse_all(csv_rows, parse, key=lambda r: r.index_number,
                                key_column="index_number", progress=step)
    flush()
    report = PersonnelImportReport(rows=parsed.rows, errors=parsed.errors)
    settle(report, skip_invalid=skip_invalid)
    return records, report, columns


def write(records: list[Imported], columns: list[str], *, actor: AnyUser,
          report: PersonnelImportReport, action: str) -> None:
    """All checked rows in one transaction, with one audit event (the report). Of the
    existing staff members, only those the file changes are written."""
    new = [r for r in records if r.pk is None]
    old = [r for r in records if r.pk is not None]
    now = timezone.now()
    with transaction.atomic():
        if uses_copy():
            _copy_new(new, now)
            changed = _copy_updates(old, columns, now)
        else:
            _execute_new(new, now)
            changed = _execute_updates(old, columns, now)
        report.created, report.updated = len(new), changed
        report.unchanged = len(old) - changed
        audit.record(actor=actor, action=action, object_type=Person._meta.label_lower,
                     changes=report.as_dict())


def uses_copy() -> bool:
    """Whether the rows are written with COPY (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _copy_cell(name: str, value: Any) -> Any:
    return json.dumps(value) if name in JSON_FIELDS else value


def _new_columns(now: dt.datetime) -> tuple[list[Field[Any, Any]], dict[str, Any]]:
    """The person table's columns but its key, and the values of a new record the file does
    not give: the model's defaults, created and updated now, version 1."""
    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(created_at=now, updated_at=now, version=1)
    return fields, defaults


def _copy_new(new: list[Imported], now: dt.datetime) -> None:
    """COPY into the person table: every column, the file's values over the defaults."""
    if not new:
        return
    fields, defaults = _new_columns(now)
    names = [f.attname for f in fields]
    quoted = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    table = connection.ops.quote_name(Person._meta.db_table)
    # COPY goes round Django's cursor wrapper: its errors are made Django's here.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(
            f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for r in new:
            values = r.values
            copy.write_row([r.index_number if name == "index_number" else _copy_cell(
                name, values[name] if name in values else defaults[name]) for name in names])


def _copy_updates(old: list[Imported], columns: list[str], now: dt.datetime) -> int:
    """The rows' values COPYed into a temporary table of the same column types, then one
    UPDATE ... FROM it of the records where a column the file gives differs: those columns,
    updated now, version counted up. Returns how many were updated."""
    if not old:
        return 0
    q = connection.ops.quote_name
    table = q(Person._meta.db_table)
    names = ", ".join(q(c) for c in columns)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS vigil_person_import")
        select = f"SELECT id, {names} FROM {table}"  # noqa: S608 - the model's names
        cursor.execute(f"CREATE TEMPORARY TABLE vigil_person_import AS {select} WITH NO DATA")
        with cursor.copy(f"COPY vigil_person_import (id, {names}) FROM STDIN") as copy:
            for r in old:
                values = r.values
                copy.write_row([r.pk, *(_copy_cell(c, values[c]) for c in columns)])
        cursor.execute("ANALYZE vigil_person_import")
        settings = ", ".join(f"{q(c)} = t.{q(c)}" for c in columns)
        differs = " OR ".join(f"p.{q(c)} IS DISTINCT FROM t.{q(c)}" for c in columns)
        update = (f"UPDATE {table} AS p SET {settings}, "  # noqa: S608 - the model's names
                  "version = p.version + 1, updated_at = %s")
        cursor.execute(f"{update} FROM vigil_person_import AS t WHERE p.id = t.id "
                       f"AND ({differs})", [now])
        changed: int = cursor.rowcount
        cursor.execute("DROP TABLE vigil_person_import")
    return changed


def _execute_new(new: list[Imported], now: dt.datetime) -> None:
    """One executemany INSERT: every column, the file's values over the defaults."""
    if not new:
        return
    fields, defaults = _new_columns(now)
    q = connection.ops.quote_name
    table = q(Person._meta.db_table)
    names = ", ".join(q(f.column or f.attname) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {table} ({names})"
    rows = []
    for r in new:
        values = {**defaults, **r.values, "index_number": r.index_number}
        rows.append([f.get_db_prep_save(values[f.attname], connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(f"{insert} VALUES ({marks})", rows)


def _concrete(attname: str) -> Field[Any, Any]:
    field = next(f for f in Person._meta.concrete_fields if f.attname == attname)
    return field


def _execute_updates(old: list[Imported], columns: list[str], now: dt.datetime) -> int:
    """One executemany UPDATE by primary key, of the records where a column the file gives
    differs (null-safe: two NULLs are equal): those columns, updated now, version
    counted up. Returns how many were updated."""
    if not old:
        return 0
    q = connection.ops.quote_name
    fields = [_concrete(c) for c in columns]
    updated_at = Person._meta.get_field("updated_at").get_db_prep_save(now, connection)
    settings = ", ".join(f"{q(f.column or f.attname)} = %s" for f in fields)
    table = q(Person._meta.db_table)
    update = f"UPDATE {table} SET {settings}"  # noqa: S608 - the model's names
    # Null-safe inequality; SQLite spells it IS NOT (IS DISTINCT FROM only since 3.39).
    unlike = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    differs = " OR ".join(f"{q(f.column or f.attname)} {unlike} %s" for f in fields)
    sql = f"{update}, version = version + 1, updated_at = %s WHERE id = %s AND ({differs})"
    rows = []
    for r in old:
        values = [f.get_db_prep_save(r.values[c], connection)
                  for f, c in zip(fields, columns, strict=True)]
        rows.append([*values, updated_at, r.pk, *values])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        changed: int = cursor.rowcount
    return changed


def personnel_import_bulk(csv_rows: CsvRows, *, actor: AnyUser, skip_invalid: bool,
                          progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row, then write them all (or, with ``skip_invalid``, the good ones)."""
    with without_cycle_collection():
        records, report, columns = check_rows(csv_rows, actor=actor,
                                              skip_invalid=skip_invalid, progress=progress)
        write(records, columns, actor=actor, report=report, action="people.person.import")
    return report


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector held back while a file's rows are checked and written: the
    millions of small objects they make would have it scan the heap again and again (a
    quarter of the import's time at 30,000 rows), for no cycles. It runs again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

