"""Writes of HQ access control: zones and gates, pass holders, passes and their lifecycle,
visits (registration, identity check, arrival, departure), meetings with their delegations,
accreditations and event passes. Each checks permission, validates, writes and records one
audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, account_or_none, can, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import check_version, save_new_version, validate
from vigil.hq.access_rules import (
    AccreditationMove,
    PassMove,
    VisitMove,
    accreditation_move_target,
    event_window,
    pass_move_target,
    pass_number,
    visit_move_target,
    window_within,
)
from vigil.hq.models import (
    Accreditation,
    AccreditationStatus,
    Delegation,
    Gate,
    HolderKind,
    Meeting,
    Pass,
    PassHolder,
    PassNumberSequence,
    PassStatus,
    Visit,
    VisitStatus,
    Zone,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.people.models import Person
    from vigil.places.models import DutyStation, Premises

ZONE_FIELDS = {"premises", "code", "name", "restricted", "active"}
GATE_FIELDS = {"premises", "zone", "code", "name", "active"}
HOLDER_FIELDS = {"duty_station", "kind", "person", "family_name", "given_name", "organization",
                 "affiliation", "nationality", "email", "document_type", "document_number"}
MEETING_FIELDS = {"name", "kind", "duty_station", "premises", "starts_on", "ends_on", "notes"}
DELEGATION_FIELDS = {"meeting", "kind", "country", "name"}
VISITOR_FIELDS = {"family_name", "given_name", "affiliation", "organization", "nationality",
                  "email"}


def _local(at: dt.datetime, station: DutyStation) -> str:
    zone = ZoneInfo(station.time_zone)
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} ({station.time_zone})"


# --- Zones and gates --------------------------------------------------------------------------

@transaction.atomic
def zone_save(*, actor: AnyUser, zone: Zone | None = None, data: dict[str, Any]) -> Zone:
    """Create a zone of a premises, or change one (code, name, restricted, in use)."""
    obj = zone or Zone()
    if obj.pk is not None and "premises" in data and data["premises"] != obj.premises:
        raise ValidationFailed([FieldError("premises", _("A zone stays at its premises."))])
    return record_save(actor=actor, obj=obj, perm=Perm.CONFIGURE_ACCESS, data=data,
                       allowed=ZONE_FIELDS, action="hq.zone")


def _gate_problems(gate: Gate) -> list[FieldError]:
    if gate.zone_id is not None and gate.premises_id is not None \
            and gate.zone.premises_id != gate.premises_id:
        return [FieldError("zone", _("The zone must be one of this premises' zones."))]
    return []


@transaction.atomic
def gate_save(*, actor: AnyUser, gate: Gate | None = None, data: dict[str, Any]) -> Gate:
    """Create a gate into one zone of a premises, or change one."""
    obj = gate or Gate()
    if obj.pk is not None and "premises" in data and data["premises"] != obj.premises:
        raise ValidationFailed([FieldError("premises", _("A gate stays at its premises."))])
    return record_save(actor=actor, obj=obj, perm=Perm.CONFIGURE_ACCESS, data=data,
                       allowed=GATE_FIELDS, action="hq.gate", check=_gate_problems)


# --- Pass holders -----------------------------------------------------------------------------

def _holder_problems(actor: AnyUser, holder: PassHolder) -> list[FieldError]:
    errors: list[FieldError] = []
    if holder.kind == HolderKind.STAFF:
        if holder.person is None:
            errors.append(FieldError("person", _("A staff pass holder must be linked to "
                                                 "their staff record."), ErrorCode.REQUIRED))
        elif holder.person.duty_station_id != holder.duty_station_id:
            errors.append(FieldError("person", _("This staff member is not at this duty "
                                                 "station.")))
        elif not can(actor, Perm.VIEW_PERSON, holder.person):
            audit.record_refusal(actor=actor, object_type="people.person",
                                 object_id=str(holder.person.pk), field="person")
            errors.append(FieldError("person", _("Unknown staff member."),
                                     ErrorCode.UNKNOWN_REFERENCE))
    elif holder.person is not None:
        errors.append(FieldError("person", _("Only a staff member's pass links to a staff "
                                             "record.")))
    if holder.duty_station_id is not None and holder.duty_station.kind not in ("hq", "rc"):
        errors.append(FieldError("duty_station", _(
            "Passes are kept for headquarters duty stations and regional commissions only.")))
    if holder.document_number and not holder.document_type:
        errors.append(FieldError("document_type", _("Name the kind of identity document."),
                                 ErrorCode.REQUIRED))
    return errors


@transaction.atomic
def pass_holder_save(*, actor: AnyUser, holder: PassHolder | None = None,
                     data: dict[str, Any], version: int | None = None) -> PassHolder:
    """Record someone who holds a pass (staff linked to their staff record; delegates,
    visitors, contractors and media recorded here), or change their record."""
    obj = holder or PassHolder()
    if obj.pk is not None and "kind" in data and data["kind"] != obj.kind and obj.passes.exists():
        raise ValidationFailed([FieldError("kind", _(
            "The kind of a holder who has passes cannot change: record a new holder."))])
    saved = record_save(actor=actor, obj=obj, perm=Perm.MANAGE_PASSES, data=data,
                        allowed=HOLDER_FIELDS, action="hq.pass_holder", version=version,
                        check=lambda h: _holder_problems(actor, h))
    return saved


# --- Passes -----------------------------------------------------------------------------------

def _next_number(station: DutyStation) -> str:
    """Take the station's next pass number, the sequence row locked until the transaction
    ends, skipping any number taken by hand."""
    sequence, _created = PassNumberSequence.objects.get_or_create(duty_station=station)
    sequence = PassNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    while True:
        sequence.last += 1
        number = pass_number(station.code, sequence.last)
        if not Pass.objects.filter(number=number).exists():
            break
    sequence.save(update_fields=["last"])
    return number


def _window_errors(start: Any, end: Any) -> list[FieldError]:
    errors = []
    if not isinstance(start, dt.datetime):
        errors.append(FieldError("valid_from", _("Give the date and time the pass starts."),
                                 ErrorCode.REQUIRED))
    if not isinstance(end, dt.datetime):
        errors.append(FieldError("valid_until", _("Give the date and time the pass ends."),
                                 ErrorCode.REQUIRED))
    if not errors and end <= start:
        errors.append(FieldError("valid_until", _("A pass must end after it starts.")))
    return errors


def _zone_errors(zones: list[Zone], station_id: int) -> list[FieldError]:
    foreign = [z for z in zones if z.premises.duty_station_id != station_id]
    if foreign:
        return [FieldError("zones", _("These zones are not at the pass's duty station: %s")
                           % ", ".join(str(z) for z in foreign))]
    closed = [z for z in zones if not z.active]
    if closed:
        return [FieldError("zones", _("These zones are not in use: %s")
                           % ", ".join(str(z) for z in closed))]
    return []


def _cap_errors(holder_kind: str, start: dt.datetime, end: dt.datetime, *,
                visit: Visit | None, meeting: Meeting | None) -> list[FieldError]:
    if visit is not None and not window_within(start, end, visit.expected_from,
                                               visit.expected_until):
        return [FieldError("valid_until", _(
            "A visitor pass is valid only within its visit's window (%(start)s to %(end)s).")
            % {"start": _local(visit.expected_from, visit.premises.duty_station),
               "end": _local(visit.expected_until, visit.premises.duty_station)})]
    if meeting is not None:
        lo, hi = event_window(meeting.starts_on, meeting.ends_on,
                              ZoneInfo(meeting.duty_station.time_zone))
        if not window_within(start, end, lo, hi):
            return [FieldError("valid_until", _(
                "An event pass is valid only within the event's dates (%(start)s to %(end)s).")
                % {"start": meeting.starts_on.isoformat(), "end": meeting.ends_on.isoformat()})]
    return []


def _issue(*, actor: AnyUser, holder: PassHolder, zones: list[Zone], valid_from: Any,
           valid_until: Any, visit: Visit | None = None,
           meeting: Meeting | None = None) -> Pass:
    """Validate and write a pass (no permission check, no audit: the caller does both)."""
    errors = _window_errors(valid_from, valid_until)
    errors += _zone_errors(zones, holder.duty_station_id)
    if not errors:
        errors += _cap_errors(holder.kind, valid_from, valid_until, visit=visit, meeting=meeting)
    if meeting is not None:
        allowed = {z.pk for z in meeting.zones.all()}
        extra = [z for z in zones if z.pk not in allowed]
        if extra:
            errors.append(FieldError("zones", _("An event pass opens only the event's zones.")))
    if errors:
        raise ValidationFailed(errors)
    pass_ = Pass(number=_next_number(holder.duty_station), holder=holder,
                 duty_station_id=holder.duty_station_id, kind=holder.kind,
                 valid_from=valid_from, valid_until=valid_until,
                 issued_by=account_or_none(actor))
    validate(pass_, exclude=["token"])
    pass_.save()
    pass_.zones.set(zones)
    return pass_


@transaction.atomic
def pass_issue(*, actor: AnyUser, holder: PassHolder, zones: Iterable[Zone],
               valid_from: Any, valid_until: Any) -> Pass:
    """Issue a pass to a holder, at the holder's duty station, of the holder's kind, for a
    window and the zones chosen (only zones of that duty station). A visitor's pass is capped
    at their visit's window; a delegate's at the event's dates and zones (issue those through
    their visit or their accreditation). The number is the station's next one."""
    probe = Pass(holder=holder, duty_station_id=holder.duty_station_id, kind=holder.kind)
    require(actor, Perm.MANAGE_PASSES, probe)
    if holder.kind in (HolderKind.VISITOR, HolderKind.DELEGATE):
        raise ValidationFailed([FieldError("holder", _(
            "A visitor's pass is issued with their visit, a delegate's with their "
            "accreditation."))])
    pass_ = _issue(actor=actor, holder=holder, zones=list(zones), valid_from=valid_from,
                   valid_until=valid_until)
    audit.record(actor=actor, action="hq.pass.issue", obj=pass_, changes=_pass_facts(pass_))
    return pass_


def _pass_facts(pass_: Pass) -> dict[str, Any]:
    return {"number": [None, pass_.number], "holder": [None, str(pass_.holder)],
            "valid_from": [None, pass_.valid_from], "valid_until": [None, pass_.valid_until],
            "zones": [None, sorted(z.code for z in pass_.zones.all())]}


@transaction.atomic
def pass_update(*, actor: AnyUser, pass_: Pass, valid_from: Any, valid_until: Any,
                zones: Iterable[Zone], version: int | None = None) -> Pass:
    """Change a pass's window or zones, within the same caps as when it was issued. A revoked
    pass is final and cannot change. A visitor pass issued with a visit is not changed here:
    its window follows the visit's (``visit_update``)."""
    require(actor, Perm.MANAGE_PASSES, pass_)
    check_version(pass_, version)
    if pass_.status == PassStatus.REVOKED:
        raise TransitionRefused(_("A revoked pass cannot change."))
    if Visit.objects.filter(pass_issued=pass_).exists():
        raise ValidationFailed([FieldError("valid_until", _(
            "A visitor pass follows its visit: change the visit's window instead, and the "
            "pass follows it."))])
    chosen = list(zones)
    errors = _window_errors(valid_from, valid_until) + _zone_errors(chosen, pass_.duty_station_id)
    if not errors:
        accreditation = Accreditation.objects.select_related(
            "delegation__meeting__duty_station").filter(pass_issued=pass_).first()
        meeting = accreditation.delegation.meeting if accreditation else None
        errors += _cap_errors(pass_.kind, valid_from, valid_until, visit=None, meeting=meeting)
        if meeting is not None and {z.pk for z in chosen} - {z.pk for z in meeting.zones.all()}:
            errors.append(FieldError("zones", _("An event pass opens only the event's zones.")))
    if errors:
        raise ValidationFailed(errors)
    before = {"valid_from": pass_.valid_from, "valid_until": pass_.valid_until,
              "zones": sorted(z.code for z in pass_.zones.all())}
    pass_.valid_from, pass_.valid_until = valid_from, valid_until
    save_new_version(pass_, ["valid_from", "valid_until"])
    pass_.zones.set(chosen)
    after = {"valid_from": pass_.valid_from, "valid_until": pass_.valid_until,
             "zones": sorted(z.code for z in chosen)}
    audit.record(actor=actor, action="hq.pass.update", obj=pass_,
                 changes=audit.diff(audit.jsonable(before), audit.jsonable(after)))
    return pass_


MOVE_REFUSED = {
    PassMove.SUSPEND: gettext_lazy("Only an active pass can be suspended."),
    PassMove.REINSTATE: gettext_lazy("Only a suspended pass can be reinstated."),
    PassMove.REVOKE: gettext_lazy("This pass is already revoked: revocation is final."),
}


def _move_pass(*, actor: AnyUser | None, pass_: Pass, move: PassMove, reason: str,
               version: int | None, check: bool = True) -> Pass:
    if check:
        require(actor, Perm.MANAGE_PASSES, pass_)  # type: ignore[arg-type]
    check_version(pass_, version)
    target = pass_move_target(pass_.status, move)
    if target is None:
        raise TransitionRefused(MOVE_REFUSED[move])
    reason = (reason or "").strip()
    if move in (PassMove.SUSPEND, PassMove.REVOKE) and not reason:
        raise ValidationFailed([FieldError("reason", _("Give the reason."), ErrorCode.REQUIRED)])
    before = pass_.status
    pass_.status = target
    pass_.status_reason = reason
    pass_.status_changed_at = timezone.now()
    pass_.status_changed_by = account_or_none(actor)
    save_new_version(pass_, ["status", "status_reason", "status_changed_at",
                             "status_changed_by"])
    audit.record(actor=actor, action=f"hq.pass.{move.value}", obj=pass_,
                 changes={"status": [before, target], "reason": [None, reason]})
    return pass_


@transaction.atomic
def pass_suspend(*, actor: AnyUser, pass_: Pass, reason: str,
                 version: int | None = None) -> Pass:
    """Suspend an active pass (it opens nothing until reinstated). The reason is required."""
    return _move_pass(actor=actor, pass_=pass_, move=PassMove.SUSPEND, reason=reason,
                      version=version)


@transaction.atomic
def pass_reinstate(*, actor: AnyUser, pass_: Pass, version: int | None = None) -> Pass:
    """Lift a suspension. Only a suspended pass can be reinstated."""
    return _move_pass(actor=actor, pass_=pass_, move=PassMove.REINSTATE, reason="",
                      version=version)


@transaction.atomic
def pass_revoke(*, actor: AnyUser, pass_: Pass, reason: str,
                version: int | None = None) -> Pass:
    """Revoke a pass, active or suspended: final. The reason is required."""
    return _move_pass(actor=actor, pass_=pass_, move=PassMove.REVOKE, reason=reason,
                      version=version)


# --- Visits -----------------------------------------------------------------------------------

def _may_register(actor: AnyUser, visit: Visit) -> bool:
    return can(actor, Perm.MANAGE_VISITORS, visit) or can(actor, Perm.HOST_VISITOR, visit)


def _visit_window_errors(start: Any, end: Any, *, new: bool) -> list[FieldError]:
    errors = []
    if not isinstance(start, dt.datetime):
        errors.append(FieldError("expected_from", _("Give the time the visitor is expected."),
                                 ErrorCode.REQUIRED))
    if not isinstance(end, dt.datetime):
        errors.append(FieldError("expected_until", _("Give the time the visit ends."),
                                 ErrorCode.REQUIRED))
    if errors:
        return errors
    if end <= start:
        errors.append(FieldError("expected_until", _("A visit must end after it starts.")))
    elif new and end <= timezone.now():
        errors.append(FieldError("expected_until", _("This window has already passed.")))
    elif end - start > dt.timedelta(days=31):
        errors.append(FieldError("expected_until", _(
            "A visit lasts at most 31 days: longer stays need a contractor's or staff pass.")))
    return errors


@transaction.atomic
def visit_register(*, actor: AnyUser, premises: Premises, host: Person, purpose: str,
                   expected_from: Any, expected_until: Any, visitor: dict[str, Any],
                   issue_pass: bool | None = None, zones: Iterable[Zone] | None = None
                   ) -> Visit:
    """Register a visitor expected at a premises. A host registers their own visitor
    (HOST_VISITOR on a visit they host) and that pre-registration issues the visitor's pass,
    with its QR code, for the visit's window and the premises' non-restricted zones.
    Reception and HQ security (MANAGE_VISITORS) register on behalf of a host, and may issue
    the pass and choose its zones. ``visitor`` holds the visitor's names and affiliation
    (family_name required); the identity document is checked at reception."""
    holder = PassHolder(duty_station=premises.duty_station, kind=HolderKind.VISITOR)
    errors: list[FieldError] = []
    unknown = sorted(set(visitor) - VISITOR_FIELDS)
    errors += [FieldError(f"visitor.{k}", _("This field cannot be set here.")) for k in unknown]
    for key in VISITOR_FIELDS & set(visitor):
        setattr(holder, key, visitor[key] if visitor[key] is not None else "")
    visit = Visit(premises=premises, host=host, visitor=holder, purpose=(purpose or "").strip(),
                  expected_from=expected_from, expected_until=expected_until,
                  registered_by=account(actor))
    if not _may_register(actor, visit):
        raise Forbidden()
    manages = can(actor, Perm.MANAGE_VISITORS, visit)
    by_host = host.user_id is not None and host.user_id == actor.pk
    if premises.duty_station.kind not in ("hq", "rc"):
        errors.append(FieldError("premises", _(
            "Visitors are registered at headquarters and regional commission premises.")))
    if host.duty_station_id != premises.duty_station_id:
        errors.append(FieldError("host", _("The host must work at this premises' duty "
                                           "station.")))
    if not holder.family_name.strip():
        errors.append(FieldError("visitor.family_name", _("Give the visitor's family name."),
                                 ErrorCode.REQUIRED))
    if not visit.purpose:
        errors.append(FieldError("purpose", _("Give the purpose of the visit."),
                                 ErrorCode.REQUIRED))
    errors += _visit_window_errors(expected_from, expected_until, new=True)
    chosen = list(zones) if zones is not None else None
    if chosen and not manages:
        errors.append(FieldError("zones", _("Only security chooses a visitor pass's zones.")))
    if issue_pass is False and by_host and not manages:
        errors.append(FieldError("issue_pass", _(
            "A visitor registered by their host always receives a pass.")))
    if errors:
        raise ValidationFailed(errors)
    validate(holder, exclude=["person"])
    holder.save()
    visit.visitor = holder
    visit.pre_registered = by_host
    validate(visit, exclude=["pass_issued"])
    visit.save()
    if issue_pass or (issue_pass is None and by_host):
        if chosen is None:
            chosen = list(Zone.objects.filter(premises=premises, active=True, restricted=False)
                          .select_related("premises"))
        visit.pass_issued = _issue(actor=actor, holder=holder, zones=chosen,
                                   valid_from=visit.expected_from,
                                   valid_until=visit.expected_until, visit=visit)
        visit.save(update_fields=["pass_issued"])
    audit.record(actor=actor, action="hq.visit.register", obj=visit, changes={
        "host": [None, str(host)], "premises": [None, str(premises)],
        "expected_from": [None, visit.expected_from],
        "expected_until": [None, visit.expected_until], "purpose": [None, visit.purpose],
        "pass": [None, visit.pass_issued.number if visit.pass_issued else None]})
    return visit


@transaction.atomic
def visit_update(*, actor: AnyUser, visit: Visit, purpose: str, expected_from: Any,
                 expected_until: Any, version: int | None = None) -> Visit:
    """Change an expected visit's purpose or window; its pass follows the new window."""
    if not _may_register(actor, visit):
        raise Forbidden()
    check_version(visit, version)
    if visit.status != VisitStatus.EXPECTED:
        raise TransitionRefused(_("Only an expected visit can change."))
    errors = _visit_window_errors(expected_from, expected_until, new=False)
    if not (purpose or "").strip():
        errors.append(FieldError("purpose", _("Give the purpose of the visit."),
                                 ErrorCode.REQUIRED))
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(visit, ["purpose", "expected_from", "expected_until"])
    visit.purpose, visit.expected_from, visit.expected_until = (
        purpose.strip(), expected_from, expected_until)
    save_new_version(visit, ["purpose", "expected_from", "expected_until"])
    if visit.pass_issued is not None and visit.pass_issued.status != PassStatus.REVOKED:
        pass_ = visit.pass_issued
        pass_.valid_from, pass_.valid_until = expected_from, expected_until
        save_new_version(pass_, ["valid_from", "valid_until"])
    audit.record(actor=actor, action="hq.visit.update", obj=visit,
                 changes=audit.diff(before, audit.snapshot(
                     visit, ["purpose", "expected_from", "expected_until"])))
    return visit


@transaction.atomic
def visit_check_document(*, actor: AnyUser, visit: Visit, document_type: str,
                         document_number: str) -> Visit:
    """Reception records that it checked the visitor's identity document: its type and
    number (kept on the visitor's record, as personal data), by whom and when."""
    require(actor, Perm.MANAGE_VISITORS, visit)
    if visit.status not in (VisitStatus.EXPECTED, VisitStatus.ARRIVED):
        raise TransitionRefused(_("Only an expected visitor's identity document can be "
                                  "checked."))
    errors = []
    if not (document_type or "").strip():
        errors.append(FieldError("document_type", _("Name the kind of identity document."),
                                 ErrorCode.REQUIRED))
    if not (document_number or "").strip():
        errors.append(FieldError("document_number", _("Give the document's number."),
                                 ErrorCode.REQUIRED))
    if errors:
        raise ValidationFailed(errors)
    holder = visit.visitor
    holder.document_type, holder.document_number = document_type.strip(), document_number.strip()
    validate(holder, exclude=["person"])
    save_new_version(holder, ["document_type", "document_number"])
    visit.document_checked_at = timezone.now()
    visit.document_checked_by = account(actor)
    save_new_version(visit, ["document_checked_at", "document_checked_by"])
    audit.record(actor=actor, action="hq.visit.check_document", obj=visit,
                 changes={"document_type": [None, holder.document_type],
                          "document_checked_at": [None, visit.document_checked_at]})
    return visit


def _may_receive(actor: AnyUser, visit: Visit) -> bool:
    return can(actor, Perm.MANAGE_VISITORS, visit) or can(actor, Perm.RECORD_ENTRY, visit)


@transaction.atomic
def visit_arrive(*, actor: AnyUser, visit: Visit, at: dt.datetime,
                 gate: Gate | None = None) -> Visit:
    """Record that an expected visitor arrived at ``at`` (aware), at ``gate`` if the arrival
    was read at a gate, and tell the host (one notification, in the host's language).

    Who: reception or security (MANAGE_VISITORS) or a gate officer (RECORD_ENTRY) in the
    visit's scope; anyone else gets Forbidden.

    Idempotent: a visit already arrived (or departed) is returned as it is, with nothing
    written and nobody notified again; so a gate may call this on every scan of the pass.
    A visit cancelled or marked no-show is refused (TransitionRefused).

    At the reception desk (``gate`` None) the visitor's identity document must have been
    checked first (``visit_check_document``); a scan of the visit's own pass at a gate is its
    proof. The gate must be one of the visit's premises'. One audit event,
    ``hq.visit.arrive``."""
    if not _may_receive(actor, visit):
        raise Forbidden()
    if visit.status in (VisitStatus.ARRIVED, VisitStatus.DEPARTED):
        return visit
    if visit_move_target(visit.status, VisitMove.ARRIVE) is None:
        raise TransitionRefused(_("This visit was cancelled or marked as a no-show."))
    errors = []
    if gate is not None and gate.premises_id != visit.premises_id:
        errors.append(FieldError("gate", _("This gate is not at the visit's premises.")))
    if gate is None and visit.document_checked_at is None:
        errors.append(FieldError("document_number", _(
            "Check the visitor's identity document before recording the arrival.")))
    if not isinstance(at, dt.datetime) or timezone.is_naive(at):
        errors.append(FieldError("at", _("Give the arrival time with its time zone.")))
    if errors:
        raise ValidationFailed(errors)
    visit.status = VisitStatus.ARRIVED
    visit.arrived_at = at
    visit.arrival_gate = gate
    visit.arrival_recorded_by = account_or_none(actor)
    save_new_version(visit, ["status", "arrived_at", "arrival_gate", "arrival_recorded_by"])
    host_user = visit.host.user
    if host_user is not None:
        station = visit.premises.duty_station
        notify(users=[host_user],
               subject=Msg(gettext_lazy("Your visitor %(visitor)s has arrived"),
                           visitor=str(visit.visitor)),
               body=Msg(gettext_lazy("%(visitor)s arrived at %(premises)s at %(time)s."),
                        visitor=str(visit.visitor), premises=str(visit.premises),
                        time=_local(at, station)),
               url=reverse("hq:access_visit_detail", args=[visit.pk]))
    audit.record(actor=actor, action="hq.visit.arrive", obj=visit,
                 changes={"status": [VisitStatus.EXPECTED, VisitStatus.ARRIVED],
                          "arrived_at": [None, at],
                          "gate": [None, gate.code if gate is not None else None]})
    return visit


@transaction.atomic
def visit_depart(*, actor: AnyUser, visit: Visit, at: dt.datetime | None = None) -> Visit:
    """Record that a visitor left. Their visitor pass ends then, so it cannot be used again."""
    if not _may_receive(actor, visit):
        raise Forbidden()
    if visit_move_target(visit.status, VisitMove.DEPART) is None:
        raise TransitionRefused(_("Only a visitor who arrived can depart."))
    at = at or timezone.now()
    if visit.arrived_at is not None and at < visit.arrived_at:
        raise ValidationFailed([FieldError("at", _("A visitor cannot leave before arriving."))])
    visit.status, visit.departed_at = VisitStatus.DEPARTED, at
    save_new_version(visit, ["status", "departed_at"])
    pass_ = visit.pass_issued
    if pass_ is not None and pass_.valid_from < at < pass_.valid_until:
        pass_.valid_until = at
        save_new_version(pass_, ["valid_until"])
    audit.record(actor=actor, action="hq.visit.depart", obj=visit,
                 changes={"status": [VisitStatus.ARRIVED, VisitStatus.DEPARTED],
                          "departed_at": [None, at]})
    return visit


def _end_visit(*, actor: AnyUser, visit: Visit, move: VisitMove, reason: str,
               pass_reason: str) -> Visit:
    target = visit_move_target(visit.status, move)
    if target is None:
        raise TransitionRefused(_("Only an expected visit can be cancelled or marked as a "
                                  "no-show."))
    before = visit.status
    visit.status, visit.status_reason = target, reason.strip()
    save_new_version(visit, ["status", "status_reason"])
    pass_ = visit.pass_issued
    if pass_ is not None and pass_.status != PassStatus.REVOKED:
        _move_pass(actor=actor, pass_=pass_, move=PassMove.REVOKE, reason=pass_reason,
                   version=None, check=False)
    audit.record(actor=actor, action=f"hq.visit.{move.value}", obj=visit,
                 changes={"status": [before, target], "reason": [None, visit.status_reason]})
    return visit


@transaction.atomic
def visit_cancel(*, actor: AnyUser, visit: Visit, reason: str = "") -> Visit:
    """Cancel an expected visit (its host or reception); its pass is revoked."""
    if not _may_register(actor, visit):
        raise Forbidden()
    return _end_visit(actor=actor, visit=visit, move=VisitMove.CANCEL, reason=reason,
                      pass_reason=_("Visit cancelled"))


@transaction.atomic
def visit_no_show(*, actor: AnyUser, visit: Visit) -> Visit:
    """Reception marks an expected visitor who did not come; their pass is revoked."""
    require(actor, Perm.MANAGE_VISITORS, visit)
    return _end_visit(actor=actor, visit=visit, move=VisitMove.NO_SHOW, reason="",
                      pass_reason=_("No-show"))


# --- Meetings, delegations, accreditations ----------------------------------------------------

def _meeting_problems(meeting: Meeting) -> list[FieldError]:
    errors = []
    if meeting.duty_station_id is not None and meeting.premises_id is not None \
            and meeting.premises.duty_station_id != meeting.duty_station_id:
        errors.append(FieldError("premises", _("The premises must be at the meeting's duty "
                                                "station.")))
    if meeting.duty_station_id is not None and meeting.duty_station.kind not in ("hq", "rc"):
        errors.append(FieldError("duty_station", _(
            "Meetings are kept for headquarters duty stations and regional commissions.")))
    return errors


@transaction.atomic
def meeting_save(*, actor: AnyUser, meeting: Meeting | None = None, data: dict[str, Any],
                 zones: Iterable[Zone] | None = None, version: int | None = None) -> Meeting:
    """Create or change a meeting or event, and the zones its passes open (zones of its
    premises)."""
    obj = meeting or Meeting(created_by=account(actor))
    chosen = list(zones) if zones is not None else None

    def link(saved: Meeting) -> dict[str, Any]:
        if chosen is None:
            return {}
        foreign = [z for z in chosen if z.premises_id != saved.premises_id]
        if foreign:
            raise ValidationFailed([FieldError("zones", _(
                "These zones are not at the meeting's premises: %s")
                % ", ".join(str(z) for z in foreign))])
        before = sorted(z.code for z in saved.zones.all())
        saved.zones.set(chosen)
        after = sorted(z.code for z in chosen)
        return {"zones": [before, after]} if before != after else {}

    return record_save(actor=actor, obj=obj, perm=Perm.MANAGE_MEETINGS, data=data,
                       allowed=MEETING_FIELDS, action="hq.meeting", version=version,
                       check=_meeting_problems, then=link)


@transaction.atomic
def delegation_save(*, actor: AnyUser, delegation: Delegation | None = None,
                    data: dict[str, Any]) -> Delegation:
    """Add a delegation to a meeting (a State names its country), or change one."""
    obj = delegation or Delegation()
    if obj.pk is not None and "meeting" in data and data["meeting"] != obj.meeting:
        raise ValidationFailed([FieldError("meeting", _("A delegation stays at its meeting."))])
    if obj.pk is None and not data.get("name") and data.get("country") is not None:
        data = {**data, "name": data["country"].name}
    return record_save(actor=actor, obj=obj, perm=Perm.MANAGE_MEETINGS, data=data,
                       allowed=DELEGATION_FIELDS, action="hq.delegation")


@transaction.atomic
def accreditation_request(*, actor: AnyUser, delegation: Delegation,
                          holder: PassHolder | None = None,
                          new_delegate: dict[str, Any] | None = None,
                          function: str = "") -> Accreditation:
    """Ask for a delegate to be accredited to a meeting within a delegation: a pass holder of
    kind delegate at the meeting's duty station, or a new one recorded from ``new_delegate``
    (family_name required, given_name, nationality, email), affiliated to the delegation."""
    station_id = delegation.meeting.duty_station_id
    created = holder is None
    if holder is None:
        given = dict(new_delegate or {})
        unknown = sorted(set(given) - {"family_name", "given_name", "nationality", "email"})
        if unknown:
            raise ValidationFailed([FieldError(k, _("This field cannot be set here."))
                                    for k in unknown])
        holder = PassHolder(duty_station_id=station_id, kind=HolderKind.DELEGATE,
                            family_name=(given.get("family_name") or "").strip(),
                            given_name=(given.get("given_name") or "").strip(),
                            nationality=given.get("nationality") or delegation.country,
                            email=given.get("email") or "", affiliation=delegation.name)
    accreditation = Accreditation(delegation=delegation, holder=holder,
                                  function=(function or "").strip())
    require(actor, Perm.MANAGE_MEETINGS, accreditation)
    errors = []
    if created and not holder.family_name:
        errors.append(FieldError("family_name", _("Give the delegate's family name."),
                                 ErrorCode.REQUIRED))
    if holder.kind != HolderKind.DELEGATE:
        errors.append(FieldError("holder", _("Only a delegate can be accredited.")))
    if holder.duty_station_id != station_id:
        errors.append(FieldError("holder", _("This delegate is recorded at another duty "
                                             "station.")))
    if not errors and not created and Accreditation.objects.filter(
            delegation__meeting=delegation.meeting, holder=holder).exclude(
            status=AccreditationStatus.WITHDRAWN).exists():
        errors.append(FieldError("holder", _("This delegate is already accredited to this "
                                             "meeting.")))
    if errors:
        raise ValidationFailed(errors)
    if created:
        validate(holder, exclude=["person"])
        holder.save()
        accreditation.holder = holder
    validate(accreditation, exclude=["pass_issued"])
    accreditation.save()
    audit.record(actor=actor, action="hq.accreditation.request", obj=accreditation,
                 changes={"delegation": [None, str(delegation)], "holder": [None, str(holder)],
                          "function": [None, accreditation.function],
                          "holder_created": [None, created]})
    return accreditation


def _move_accreditation(actor: AnyUser, accreditation: Accreditation, move: AccreditationMove,
                        reason: str, version: int | None) -> tuple[str, str]:
    require(actor, Perm.MANAGE_MEETINGS, accreditation)
    check_version(accreditation, version)
    target = accreditation_move_target(accreditation.status, move)
    if target is None:
        refused = (_("Only a requested accreditation can be granted.")
                   if move is AccreditationMove.ACCREDIT
                   else _("This accreditation is already withdrawn."))
        raise TransitionRefused(refused)
    before = accreditation.status
    accreditation.status = target
    accreditation.status_reason = reason
    accreditation.status_changed_at = timezone.now()
    accreditation.status_changed_by = account(actor)
    save_new_version(accreditation, ["status", "status_reason", "status_changed_at",
                                     "status_changed_by"])
    return before, target


@transaction.atomic
def accreditation_grant(*, actor: AnyUser, accreditation: Accreditation,
                        version: int | None = None) -> Accreditation:
    """Accredit a requested delegate. Their event pass is issued with
    ``meeting_issue_passes``."""
    before, target = _move_accreditation(actor, accreditation, AccreditationMove.ACCREDIT, "",
                                         version)
    audit.record(actor=actor, action="hq.accreditation.grant", obj=accreditation,
                 changes={"status": [before, target]})
    return accreditation


@transaction.atomic
def accreditation_withdraw(*, actor: AnyUser, accreditation: Accreditation, reason: str,
                           revoke_pass: bool = False,
                           version: int | None = None) -> Accreditation:
    """Withdraw an accreditation (the reason is required). The delegate's event pass is
    suspended, so the accreditation can be looked at again, or revoked when ``revoke_pass``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", _("Give the reason."), ErrorCode.REQUIRED)])
    before, target = _move_accreditation(actor, accreditation, AccreditationMove.WITHDRAW,
                                         reason, version)
    pass_ = accreditation.pass_issued
    pass_change = None
    if pass_ is not None:
        move = PassMove.REVOKE if revoke_pass else PassMove.SUSPEND
        if pass_move_target(pass_.status, move) is not None:
            _move_pass(actor=actor, pass_=pass_, move=move, reason=reason, version=None,
                       check=False)
            pass_change = pass_.status
    audit.record(actor=actor, action="hq.accreditation.withdraw", obj=accreditation,
                 changes={"status": [before, target], "reason": [None, reason],
                          "pass": [None, pass_change]})
    return accreditation


@transaction.atomic
def meeting_issue_passes(*, actor: AnyUser, meeting: Meeting) -> list[Pass]:
    """Issue an event pass to every accredited delegate of the meeting who has none, valid for
    the event's dates (local to its duty station) and zones. Returns the passes issued."""
    require(actor, Perm.MANAGE_MEETINGS, meeting)
    require(actor, Perm.MANAGE_PASSES, Pass(duty_station_id=meeting.duty_station_id))
    zones = list(meeting.zones.select_related("premises"))
    if not zones:
        raise ValidationFailed([FieldError("zones", _(
            "Choose the zones the event's passes open first."))])
    start, end = event_window(meeting.starts_on, meeting.ends_on,
                              ZoneInfo(meeting.duty_station.time_zone))
    issued = []
    for accreditation in (Accreditation.objects.select_related("holder", "holder__duty_station")
                          .filter(delegation__meeting=meeting,
                                  status=AccreditationStatus.ACCREDITED,
                                  pass_issued__isnull=True).order_by("pk")):
        pass_ = _issue(actor=actor, holder=accreditation.holder, zones=zones, valid_from=start,
                       valid_until=end, meeting=meeting)
        accreditation.pass_issued = pass_
        save_new_version(accreditation, ["pass_issued"])
        issued.append(pass_)
    audit.record(actor=actor, action="hq.meeting.issue_passes", obj=meeting,
                 changes={"passes": [None, [p.number for p in issued]]})
    return issued
