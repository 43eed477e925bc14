"""Writes of entry events: the gate scan, an officer's report of tailgating or forced entry,
the import of a gate controller's export, and the unauthorized entries the rules raise from
them (each recorded as an incident); the review of an unauthorized entry; the controllers'
column mappings and the rules' thresholds."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account_or_none, can, require
from vigil.core.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    Forbidden,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.importing import BrokenCsv, ImportFailed, ImportReport, collect_rows, decode
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version, validate
from vigil.hq import access_services
from vigil.hq.access_rules import Refusal, refusal
from vigil.hq.access_selectors import pass_by_token, pass_state, passes_by_number, visit_for_pass
from vigil.hq.gate_rules import Finding, ReviewMove, Rule, findings, narrative, review_target
from vigil.hq.gate_selectors import facts_near, thresholds_of
from vigil.hq.models import (
    ColumnMapping,
    EntryDirection,
    EntryEvent,
    EntryImport,
    EntryKind,
    EntryReason,
    EntryResult,
    EntryRuleSettings,
    EntrySource,
    Gate,
    Pass,
    UnauthorizedEntry,
    Visit,
    VisitStatus,
)
from vigil.incidents.selectors import categories
from vigil.incidents.services import incident_create
from vigil.incidents.taxonomy import UNAUTHORIZED_ENTRY
from vigil.places.models import DutyStation, Premises

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# A gate's clock or an officer's may run a little ahead of the server's, no more.
FUTURE_SLACK = dt.timedelta(minutes=15)
MAX_BYTES = settings.VIGIL_MAX_UPLOAD_BYTES  # one limit for every upload
BATCH = 2000


def _not_future(at: dt.datetime, name: str) -> list[FieldError]:
    if at > timezone.now() + FUTURE_SLACK:
        return [FieldError(name, _("This time is in the future."))]
    return []


# --- Unauthorized entries ---------------------------------------------------------------------

def _category() -> Any:
    category = categories().filter(code=UNAUTHORIZED_ENTRY, parent__isnull=True).first()
    if category is None:
        raise ValidationFailed([FieldError("category", _(
            "The incident category “unauthorized entry” is not in use: an administrator "
            "must restore it before unauthorized entries can be recorded as incidents."))])
    return category


def _record_incident(actor: AnyUser, entry: UnauthorizedEntry) -> None:
    """The incident of an unauthorized entry, at its premises' duty station, by ``actor``."""
    premises = entry.premises
    station = premises.duty_station
    thresholds = thresholds_of(station.pk)
    title, description = narrative(
        Rule(entry.rule), count=entry.events_count, gate=entry.gate.name if entry.gate else "",
        premises=premises.name, pass_number=entry.pass_number, thresholds=thresholds)
    incident = incident_create(actor=actor, data={
        "category": _category(), "title": title, "occurred_at": entry.occurred_at,
        "time_zone": station.time_zone or "UTC", "duty_station": station,
        "place": premises.name, "latitude": premises.latitude,
        "longitude": premises.longitude, "description": description,
        "source": _("Vigil entry events, %(reference)s") % {"reference": entry.reference}})
    entry.incident = incident
    entry.save(update_fields=["incident", "updated_at"])


def _raise(actor: AnyUser | None, premises: Premises, finding: Finding,
           gates: dict[int, Gate | None]) -> UnauthorizedEntry:
    first = finding.first
    entry = UnauthorizedEntry.objects.create(
        premises=premises, rule=finding.rule.value, gate=gates.get(first.id),
        pass_number=first.pass_number, occurred_at=first.at, last_at=finding.last.at,
        events_count=len(finding.facts))
    EntryEvent.objects.filter(pk__in=[f.id for f in finding.facts],
                              unauthorized_entry__isnull=True).update(unauthorized_entry=entry)
    audit.record(actor=actor, action="hq.unauthorized_entry.raise", obj=entry, changes={
        "rule": [None, entry.rule], "events": [None, [f.id for f in finding.facts]]})
    # The incident is written by whoever may record incidents at the duty station. An actor
    # who may not (a premises-scoped officer), or a taxonomy without the category, leaves it
    # to be recorded from the entry's page: the gate's decision stands either way.
    if actor is None:
        return entry
    try:
        with transaction.atomic():
            _record_incident(actor, entry)
    except (Forbidden, ValidationFailed):
        entry.incident = None
    return entry


def _extend(actor: AnyUser | None, finding: Finding) -> UnauthorizedEntry:
    assert finding.entry_id is not None  # noqa: S101 - only findings that continue one
    entry = UnauthorizedEntry.objects.select_for_update().get(pk=finding.entry_id)
    new = [f.id for f in finding.new_facts]
    EntryEvent.objects.filter(pk__in=new, unauthorized_entry__isnull=True).update(
        unauthorized_entry=entry)
    entry.events_count = entry.events.count()
    entry.last_at = max(entry.last_at, finding.last.at)
    entry.occurred_at = min(entry.occurred_at, finding.first.at)
    save_new_version(entry, ["events_count", "last_at", "occurred_at"])
    audit.record(actor=actor, action="hq.unauthorized_entry.extend", obj=entry,
                 changes={"events": [None, new]})
    return entry


def detect(*, actor: AnyUser | None, premises: Premises, events: list[EntryEvent]
           ) -> list[UnauthorizedEntry]:
    """Run the unauthorized-entry rules over ``events`` (just recorded at ``premises``) and
    the events around them: new unauthorized entries are raised (each with its incident),
    entries that ``events`` continue are extended. Running it again changes nothing. Returns
    the entries raised. ``actor`` None is Vigil itself (the demo): no incident is recorded."""
    thresholds = thresholds_of(premises.duty_station_id)
    facts = facts_near(premises, events, thresholds.window)
    found = findings(facts, thresholds)
    if not found:
        return []
    first_ids = [f.first.id for f in found if f.entry_id is None]
    gates: dict[int, Gate | None] = {e.pk: e.gate for e in EntryEvent.objects.filter(
        pk__in=first_ids).select_related("gate")}
    raised = []
    for finding in found:
        if finding.entry_id is None:
            raised.append(_raise(actor, premises, finding, gates))
        else:
            _extend(actor, finding)
    return raised


@transaction.atomic
def unauthorized_entry_record_incident(*, actor: AnyUser, entry: UnauthorizedEntry
                                       ) -> UnauthorizedEntry:
    """Record the incident of an unauthorized entry raised without one (by an officer who
    may not record incidents at the duty station)."""
    require(actor, Perm.RECORD_ENTRY, entry)
    if entry.incident_id is not None:
        raise TransitionRefused(_("This unauthorized entry has its incident already."))
    _record_incident(actor, entry)
    return entry


@transaction.atomic
def unauthorized_entry_review(*, actor: AnyUser, entry: UnauthorizedEntry, move: str,
                              note: str = "", version: int | None = None
                              ) -> UnauthorizedEntry:
    """Close an unauthorized entry after review (a note is required), or reopen it."""
    require(actor, Perm.RECORD_ENTRY, entry)
    check_version(entry, version)
    try:
        chosen = ReviewMove(move)
    except ValueError:
        raise ValidationFailed([FieldError("move", _("Unknown action."))]) from None
    target = review_target(entry.status, chosen)
    if target is None:
        status = {"status": entry.get_status_display()}
        if chosen is ReviewMove.CLOSE:
            raise TransitionRefused(_("This unauthorized entry's status is “%(status)s”: "
                                      "it cannot be closed.") % status)
        raise TransitionRefused(_("This unauthorized entry's status is “%(status)s”: "
                                  "it cannot be reopened.") % status)
    note = note.strip()
    if chosen is ReviewMove.CLOSE and not note:
        raise ValidationFailed([FieldError("note", _(
            "Say what the review found before closing."))])
    before = audit.snapshot(entry, ["status", "review_note"])
    entry.status = target
    if chosen is ReviewMove.CLOSE:
        entry.review_note = note
        entry.reviewed_by = account_or_none(actor)
        entry.reviewed_at = timezone.now()
    save_new_version(entry, ["status", "review_note", "reviewed_by", "reviewed_at"])
    audit.record(actor=actor, action=f"hq.unauthorized_entry.{chosen.value}", obj=entry,
                 changes=audit.diff(before, audit.snapshot(entry, ["status", "review_note"])))
    return entry


# --- The gate scan ----------------------------------------------------------------------------

@dataclass
class ScanResult:
    event: EntryEvent
    refusal: Refusal | None
    pass_obj: Pass | None
    visit: Visit | None = None
    visit_note: str = ""
    unauthorized: list[UnauthorizedEntry] = field(default_factory=list)

    @property
    def granted(self) -> bool:
        return self.refusal is None

    @property
    def label(self) -> str:
        return _("Granted") if self.refusal is None else self.refusal.label


def _scanned_number(code: str) -> str:
    """The pass number a QR payload names (``VIGIL-PASS:<number>:<secret>``), else ""."""
    parts = code.strip().split(":")
    return parts[1].strip() if len(parts) == 3 else ""


def _find_pass(code: str, number: str) -> tuple[Pass | None, str]:
    """The pass a scan names, and the number to record. A code is trusted by its secret
    only: one whose number disagrees with the secret's pass names no pass."""
    if code.strip():
        found = pass_by_token(code)
        read = _scanned_number(code)
        if found is not None and read and read != found.number:
            return None, read
        return found, found.number if found is not None else read
    number = number.strip()
    return passes_by_number([number]).get(number), number


def _arrive(actor: AnyUser, pass_obj: Pass, gate: Gate, at: dt.datetime
            ) -> tuple[Visit | None, str]:
    """A visitor's first granted entry records their arrival (visit_arrive is idempotent)."""
    visit = visit_for_pass(pass_obj)
    if visit is None or visit.premises_id != gate.premises_id or \
            visit.status != VisitStatus.EXPECTED:
        return visit, ""
    try:
        with transaction.atomic():
            visit = access_services.visit_arrive(actor=actor, visit=visit, at=at, gate=gate)
    except DomainError as exc:
        return visit, str(exc.message)
    return visit, _("Arrival recorded; the host has been told.")


@transaction.atomic
def gate_scan(*, actor: AnyUser, gate: Gate, code: str = "", pass_number: str = "",
              direction: str = EntryDirection.IN, at: dt.datetime | None = None
              ) -> ScanResult:
    """A pass presented at a gate, by its QR code or its number: the decision (granted, or
    denied with the reason, by hq.access_rules.refusal), recorded as an entry event; a
    visitor's first granted entry records their arrival; the unauthorized-entry rules run."""
    require(actor, Perm.RECORD_ENTRY, gate)
    errors = []
    if not code.strip() and not pass_number.strip():
        errors.append(FieldError("code", _("Scan the pass's code or type its number.")))
    if not gate.active:
        errors.append(FieldError("gate", _("This gate is not in use.")))
    if direction not in EntryDirection.values:
        errors.append(FieldError("direction", _("In or out.")))
    if len(pass_number.strip()) > 40:
        errors.append(FieldError("pass_number", _("At most %(n)d characters.") % {"n": 40}))
    when = at or timezone.now()
    errors += _not_future(when, "at")
    if errors:
        raise ValidationFailed(errors)
    pass_obj, number = _find_pass(code, pass_number)
    premises = gate.premises
    why = refusal(pass_state(pass_obj) if pass_obj is not None else None,
                  station_id=premises.duty_station_id, zone_id=gate.zone_id, at=when)
    event = EntryEvent.objects.create(
        premises=premises, gate=gate, occurred_at=when, pass_obj=pass_obj,
        pass_number=number[:40], direction=direction,
        result=EntryResult.GRANTED if why is None else EntryResult.DENIED,
        reason=why.value if why is not None else "",
        pass_refusal=why.value if why is not None else "", kind=EntryKind.PASS_READ,
        source=EntrySource.SCAN, external_id=f"scan:{uuid.uuid4().hex}",
        recorded_by=account_or_none(actor))
    audit.record(actor=actor, action="hq.entry_event.scan", obj=event, changes={
        "gate": [None, gate.pk], "pass_number": [None, event.pass_number],
        "result": [None, event.result], "reason": [None, event.reason]})
    result = ScanResult(event=event, refusal=why, pass_obj=pass_obj)
    if why is None and pass_obj is not None and direction == EntryDirection.IN:
        result.visit, result.visit_note = _arrive(actor, pass_obj, gate, when)
    result.unauthorized = detect(actor=actor, premises=premises, events=[event])
    return result


# --- An officer's report ----------------------------------------------------------------------

REPORT_KINDS = (EntryKind.TAILGATING, EntryKind.FORCED)


@transaction.atomic
def entry_report(*, actor: AnyUser, premises: Premises, kind: str, occurred_at: dt.datetime,
                 description: str, gate: Gate | None = None) -> EntryEvent:
    """Tailgating or forced entry seen or found by an officer: recorded as an entry event,
    and raised as an unauthorized entry (with its incident) by the rules."""
    event = EntryEvent(premises=premises, gate=gate, occurred_at=occurred_at, kind=kind,
                       source=EntrySource.REPORT, description=description.strip(),
                       external_id=f"report:{uuid.uuid4().hex}",
                       recorded_by=account_or_none(actor))
    require(actor, Perm.RECORD_ENTRY, event)
    errors = []
    if kind not in REPORT_KINDS:
        errors.append(FieldError("kind", _("Report tailgating or forced entry.")))
    if gate is not None and gate.premises_id != premises.pk:
        errors.append(FieldError("gate", _("This gate is not at %(premises)s.")
                                 % {"premises": premises}))
    if not event.description:
        errors.append(FieldError("description", _("Say what was seen or found.")))
    if occurred_at is not None:
        errors += _not_future(occurred_at, "occurred_at")
    validate(event, exclude=["result"], extra=errors)
    event.save()
    audit.record(actor=actor, action="hq.entry_event.report", obj=event,
                 changes=audit.diff({}, audit.snapshot(event)))
    detect(actor=actor, premises=premises, events=[event])
    event.refresh_from_db()
    return event


# --- Import of a controller's export ----------------------------------------------------------

@dataclass
class EntryImportReport(ImportReport):
    duplicates: int = 0
    unauthorized: int = 0
    dry_run: bool = False
    batch_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "duplicates": self.duplicates,
                "unauthorized": self.unauthorized, "dry_run": self.dry_run}

    def lines(self) -> list[str]:
        if self.dry_run:
            return [_("%(rows)d rows: %(created)d events would be added, %(duplicates)d were "
                      "imported before, %(skipped)d rows have faults. Nothing was saved (dry "
                      "run).") % self._figures()]
        return [_("%(rows)d rows: %(created)d events added, %(duplicates)d imported before, "
                  "%(skipped)d rows skipped; %(unauthorized)d unauthorized entries raised.")
                % self._figures()]

    def _figures(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "duplicates": self.duplicates,
                "skipped": self.skipped, "unauthorized": self.unauthorized}


def _values(text: str) -> set[str]:
    return {v.strip().lower() for v in text.split(",") if v.strip()}


@dataclass
class _Reader:
    """Reads one row of an export through its mapping."""

    mapping: ColumnMapping
    premises: Premises
    gates: dict[str, Gate]
    header: dict[str, str]  # mapping's column name (lower) -> the file's column
    now: dt.datetime

    def __post_init__(self) -> None:
        zone = self.mapping.time_zone or self.premises.duty_station.time_zone or "UTC"
        self.tz = ZoneInfo(zone)
        self.granted = _values(self.mapping.granted_values)
        self.denied = _values(self.mapping.denied_values)
        self.ins = _values(self.mapping.in_values)
        self.outs = _values(self.mapping.out_values)
        self.reasons = {str(k).strip().lower(): str(v) for k, v in
                        (self.mapping.reason_values or {}).items()}

    def column(self, name: str) -> str:
        return self.header.get(name.strip().lower(), name)

    def cell(self, row: dict[str, str], name: str) -> str:
        return row.get(self.column(name), "").strip() if name else ""

    def time(self, row: dict[str, str], fail: Callable[[str, str], None]) -> dt.datetime | None:
        column = self.mapping.time_column
        raw = self.cell(row, column)
        if not raw:
            fail(self.column(column), _("The time is missing."))
            return None
        try:
            at = (dt.datetime.strptime(raw, self.mapping.time_format)  # noqa: DTZ007
                  if self.mapping.time_format else dt.datetime.fromisoformat(raw))
        except ValueError:
            fail(self.column(column), _("“%(value)s” is not a time as the mapping writes it "
                                        "(%(format)s).") % {
                "value": raw, "format": self.mapping.time_format or "ISO 8601"})
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.tz)
        at = at.astimezone(dt.UTC)
        if at > self.now + FUTURE_SLACK:
            fail(self.column(column), _("“%(value)s” is in the future.") % {"value": raw})
            return None
        return at

    def read(self, number: int, row: dict[str, str]) -> tuple[EntryEvent | None,
                                                              list[FieldError]]:
        errors: list[FieldError] = []

        def fail(column: str, message: str) -> None:
            errors.append(FieldError(field=column, row=number, message=message))

        m = self.mapping
        at = self.time(row, fail)
        gate_code = self.cell(row, m.gate_column)
        gate = self.gates.get(gate_code.upper())
        if not gate_code:
            fail(self.column(m.gate_column), _("The gate is missing."))
        elif gate is None:
            fail(self.column(m.gate_column), _("No gate “%(value)s” at %(premises)s.")
                 % {"value": gate_code, "premises": self.premises})
        pass_number = self.cell(row, m.pass_column)
        if len(pass_number) > 40:
            fail(self.column(m.pass_column), _("At most %(n)d characters.") % {"n": 40})
        raw_result = self.cell(row, m.result_column)
        result = (EntryResult.GRANTED if raw_result.lower() in self.granted else
                  EntryResult.DENIED if raw_result.lower() in self.denied else None)
        if result is None:
            fail(self.column(m.result_column), _(
                "“%(value)s” is neither a granted value (%(granted)s) nor a denied one "
                "(%(denied)s).") % {"value": raw_result, "granted": m.granted_values,
                                     "denied": m.denied_values})
        raw_reason = self.cell(row, m.reason_column)
        reason = ""
        if raw_reason:
            reason = self.reasons.get(raw_reason.lower(), raw_reason.lower())
            if reason not in EntryReason.values:
                reason = EntryReason.OTHER
        raw_direction = self.cell(row, m.direction_column).lower()
        direction = ""
        if raw_direction:
            direction = (EntryDirection.IN if raw_direction in self.ins else
                         EntryDirection.OUT if raw_direction in self.outs else "")
            if not direction:
                fail(self.column(m.direction_column), _(
                    "“%(value)s” is neither in (%(ins)s) nor out (%(outs)s).") % {
                    "value": raw_direction, "ins": m.in_values, "outs": m.out_values})
        external = self.cell(row, m.event_id_column)
        if len(external) > 80:
            fail(self.column(m.event_id_column), _("At most %(n)d characters.") % {"n": 80})
        if errors or at is None or result is None or gate is None:
            return None, errors
        if not external:
            # The same row, in this export or an overlapping one, gives the same key.
            key = "|".join([at.isoformat(), gate.code, pass_number, result, reason, direction])
            external = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        return EntryEvent(premises=self.premises, gate=gate, occurred_at=at,
                          pass_number=pass_number, direction=direction, result=result,
                          reason=reason if result == EntryResult.DENIED or reason else "",
                          kind=EntryKind.PASS_READ, source=EntrySource.IMPORT,
                          external_id=external), []


def _header(data: bytes | str) -> tuple[list[str], Any]:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed([FieldError(field="file", code=ErrorCode.BAD_FILE, row=1,
                                           message=_("The file is empty."))]) from None
    except csv.Error as exc:
        raise BrokenCsv(1, exc) from exc
    return header, reader


def _mapped_columns(mapping: ColumnMapping) -> list[tuple[str, str]]:
    """(mapping field, column the file must have) for every column the mapping names."""
    names = ["time_column", "gate_column", "pass_column", "result_column", "reason_column",
             "event_id_column", "direction_column"]
    return [(n, getattr(mapping, n)) for n in names if getattr(mapping, n)]


def _check_header(header: list[str], mapping: ColumnMapping) -> dict[str, str]:
    lowered = {h.lower(): h for h in header if h}
    missing = [column for _name, column in _mapped_columns(mapping)
               if column.strip().lower() not in lowered]
    if missing:
        raise ValidationFailed([FieldError(field="file", code=ErrorCode.BAD_FILE, row=1, message=_(
            "This is not an export of the kind the mapping “%(mapping)s” reads: its header "
            "lacks the columns %(columns)s. Check the file, or the mapping.") % {
            "mapping": mapping.name, "columns": ", ".join(f"“{c}”" for c in missing)})])
    return lowered


def entries_import(*, actor: AnyUser, premises: Premises, mapping: ColumnMapping,
                   data: bytes | str, file_name: str = "", skip_invalid: bool = False,
                   dry_run: bool = False, on_total: Callable[[int], None] | None = None,
                   progress: Callable[[int], None] | None = None) -> EntryImportReport:
    """Import the entry events of a gate controller's CSV export at ``premises``, read
    through ``mapping``. Idempotent: an event already imported (by its event id, or the hash
    of its values) is counted, not added again. Every bad row is reported with its row and
    column; one bad row refuses the whole file unless ``skip_invalid``. ``dry_run`` checks
    and reports and writes nothing. The unauthorized-entry rules run over the new events.
    One audit event, ``hq.entry_event.import``."""
    if not can(actor, Perm.IMPORT_ENTRIES, premises):
        raise Forbidden()
    if mapping.duty_station_id != premises.duty_station_id:
        raise ValidationFailed([FieldError("mapping", _(
            "The mapping “%(mapping)s” is of another duty station.") % {"mapping": mapping})])
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise ValidationFailed([FieldError("file", _(
            "The file is larger than %(size)d MB: split the export by day or week.")
            % {"size": MAX_BYTES // (1024 * 1024)}, code=ErrorCode.BAD_FILE)])
    if b"\x00" in raw[:4096]:
        raise ValidationFailed([FieldError("file", _(
            "This is not a CSV file: it holds binary data."), code=ErrorCode.BAD_FILE)])
    header, reader = _header(raw)
    lowered = _check_header(header, mapping)
    csv_rows = collect_rows(reader, header, first=2)
    if on_total:
        on_total(len(csv_rows.rows))
    reader_ = _Reader(mapping=mapping, premises=premises,
                      gates={g.code.upper(): g for g in premises.gates.select_related("zone")},
                      header=lowered, now=timezone.now())
    report = EntryImportReport(rows=len(csv_rows.rows) + len(csv_rows.errors),
                               errors=list(csv_rows.errors), dry_run=dry_run)
    parsed: list[EntryEvent] = []
    seen: set[str] = set()
    for number, row in csv_rows.rows:
        event, errors = reader_.read(number, row)
        report.errors.extend(errors)
        if event is not None:
            if event.external_id in seen:
                report.duplicates += 1
            else:
                seen.add(event.external_id)
                parsed.append(event)
        if progress:
            progress(1)
    report.errors.sort(key=lambda e: e.row or 0)
    if report.errors and not skip_invalid:
        raise ImportFailed(report)
    report.skipped = len({e.row for e in report.errors})
    known = set()
    ids = [e.external_id for e in parsed]
    for start in range(0, len(ids), BATCH):
        known |= set(EntryEvent.objects.filter(
            premises=premises, external_id__in=ids[start:start + BATCH]).values_list(
            "external_id", flat=True))
    new = [e for e in parsed if e.external_id not in known]
    report.duplicates += len(parsed) - len(new)
    report.created = len(new)
    if dry_run:
        return report
    _judge_passes(new, premises)
    with transaction.atomic():
        batch = EntryImport.objects.create(
            premises=premises, mapping=mapping, file_name=file_name[:200],
            sha256=hashlib.sha256(raw).hexdigest(), imported_by=account_or_none(actor),
            rows=report.rows, created=report.created, duplicates=report.duplicates,
            skipped=report.skipped, errors=[e.as_dict() for e in report.errors[:200]])
        for event in new:
            event.batch = batch
        EntryEvent.objects.bulk_create(new, batch_size=BATCH)
        saved = list(EntryEvent.objects.filter(batch=batch))
        raised = detect(actor=actor, premises=premises, events=saved) if saved else []
        report.unauthorized = batch.unauthorized = len(raised)
        batch.save(update_fields=["unauthorized", "updated_at"])
        report.batch_id = batch.pk
        audit.record(actor=actor, action="hq.entry_event.import", obj=batch,
                     changes={"file": file_name, "mapping": mapping.name, **report.as_dict()})
    return report


def _judge_passes(events: list[EntryEvent], premises: Premises) -> None:
    """Link each event to the pass its number names, and note Vigil's own check of that pass
    at that moment (whatever the controller decided)."""
    passes = passes_by_number({e.pass_number for e in events if e.pass_number})
    states = {number: pass_state(p) for number, p in passes.items()}
    for event in events:
        found = passes.get(event.pass_number)
        event.pass_obj = found
        if not event.pass_number:
            continue
        why = refusal(states.get(event.pass_number), station_id=premises.duty_station_id,
                      zone_id=event.gate.zone_id if event.gate else None, at=event.occurred_at)
        event.pass_refusal = why.value if why is not None else ""


# --- Mappings and thresholds ------------------------------------------------------------------

MAPPING_FIELDS = {"duty_station", "name", "description", "time_column", "time_format",
                  "time_zone", "gate_column", "pass_column", "result_column", "granted_values",
                  "denied_values", "reason_column", "reason_values", "event_id_column",
                  "direction_column", "in_values", "out_values"}


def _mapping_faults(mapping: ColumnMapping) -> list[FieldError]:
    errors = []
    granted, denied = _values(mapping.granted_values), _values(mapping.denied_values)
    if not granted:
        errors.append(FieldError("granted_values", _("Give at least one value.")))
    if not denied:
        errors.append(FieldError("denied_values", _("Give at least one value.")))
    both = granted & denied
    if both:
        errors.append(FieldError("denied_values", _(
            "%(values)s cannot mean both granted and denied.")
            % {"values": ", ".join(sorted(both))}))
    if not isinstance(mapping.reason_values, dict):
        errors.append(FieldError("reason_values", _("Give pairs of a controller's reason and "
                                                    "Vigil's reason.")))
    else:
        wrong = sorted(str(v) for v in mapping.reason_values.values()
                       if v not in EntryReason.values)
        if wrong:
            errors.append(FieldError("reason_values", _(
                "Not Vigil reasons: %(values)s. Use one of: %(codes)s.") % {
                "values": ", ".join(wrong), "codes": ", ".join(EntryReason.values)}))
    if mapping.time_format:
        try:
            timezone.now().strftime(mapping.time_format)
        except ValueError:
            errors.append(FieldError("time_format", _("Not a time format.")))
        if "%" not in mapping.time_format:
            errors.append(FieldError("time_format", _("A time format has %-codes, such as "
                                                      "%Y-%m-%d %H:%M:%S.")))
    columns = [c.strip().lower() for _n, c in _mapped_columns(mapping)]
    if len(columns) != len(set(columns)):
        errors.append(FieldError("", _("Each column of the file holds one thing: the mapping "
                                       "names a column twice.")))
    if mapping.duty_station_id and not DutyStation.objects.filter(
            pk=mapping.duty_station_id,
            kind__in=[DutyStation.Kind.HEADQUARTERS,
                      DutyStation.Kind.REGIONAL_COMMISSION]).exists():
        errors.append(FieldError("duty_station", _(
            "Choose a headquarters duty station or a regional commission.")))
    return errors


@transaction.atomic
def mapping_save(*, actor: AnyUser, data: dict[str, Any], mapping: ColumnMapping | None = None,
                 version: int | None = None) -> ColumnMapping:
    """Create or change a controller's column mapping (CONFIGURE_ACCESS)."""
    return record_save(actor=actor, obj=mapping or ColumnMapping(), perm=Perm.CONFIGURE_ACCESS,
                       data=data, allowed=MAPPING_FIELDS, action="hq.entry_mapping",
                       version=version, check=_mapping_faults)


RULE_SETTINGS_FIELDS = {"denied_threshold", "denied_window_minutes", "denied_rule",
                        "tailgating_rule", "forced_rule", "invalid_pass_rule"}


@transaction.atomic
def rule_settings_save(*, actor: AnyUser, station: DutyStation, data: dict[str, Any],
                       version: int | None = None) -> EntryRuleSettings:
    """Set the thresholds of the unauthorized-entry rules at a duty station
    (CONFIGURE_ACCESS). They apply to events recorded from then on."""
    row = EntryRuleSettings.objects.filter(duty_station=station).first() or \
        EntryRuleSettings(duty_station=station)
    return record_save(actor=actor, obj=row, perm=Perm.CONFIGURE_ACCESS, data=data,
                       allowed=RULE_SETTINGS_FIELDS, action="hq.entry_rules",
                       version=version if row.pk else None)
