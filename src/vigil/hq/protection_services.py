"""Writes of protective services: principals, cases and their destinations, the needs
assessment with its advance work, and the case's moves from request to decision.

Only protection coordinators in scope write (MANAGE_PROTECTION; the decision needs
DECIDE_PROTECTION). The principal's office reads and never writes. Each write checks the
right, validates, writes and records one audit event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account, require
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.hq import protection_rules as rules
from vigil.hq import protection_selectors as selectors
from vigil.hq.models import (
    AdvanceTask,
    NeedsAssessment,
    Principal,
    ProtectionCase,
    ProtectionDestination,
)
from vigil.travel.models import TravelRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser

PRINCIPAL_FIELDS = {"name", "title", "organization", "duty_station", "person", "profile_level",
                    "profile_notes", "active"}
CASE_FIELDS = {"principal", "purpose", "starts_on", "ends_on", "trip_request", "event_level",
               "event_public", "event_media", "crowd_size", "event_notes", "coordinator"}
DESTINATION_FIELDS = {"country", "duty_station", "city", "arrives_on", "departs_on"}
ASSESSMENT_FIELDS = {"threat_summary", "principal_level", "event_level", "override_kind",
                     "override_officers", "override_advance_team", "override_armoured_vehicle",
                     "override_reason"}
TASK_FIELDS = {"status", "due_on", "note"}


# Fields whose values the audit log keeps: the rest of a protection record (names, places,
# dates, notes) is need-to-know, and the audit log is read by global auditors, so an event
# names those fields as changed without their values.
M = TypeVar("M", bound=Model)
AUDITED_VALUES = frozenset({"status", "decision", "version"})


def audit_label(obj: Any) -> str:
    """How the audit log names a protection record: its reference or kind and id, never a
    principal's name or a trip's purpose."""
    if isinstance(obj, ProtectionCase):
        return obj.reference
    if isinstance(obj, NeedsAssessment | ProtectionDestination):
        return f"{ProtectionCase.reference_of(obj.case_id)} · {obj._meta.verbose_name}"
    if isinstance(obj, AdvanceTask):
        return f"{obj._meta.verbose_name} #{obj.pk}"
    return f"{obj._meta.verbose_name} #{obj.pk}"


def redacted(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with the values of need-to-know fields replaced by a mark."""
    return {key: value if key in AUDITED_VALUES else "(changed)"
            for key, value in changes.items()}


def _record(*, actor: AnyUser, action: str, obj: Any, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action=action, obj=obj, object_repr=audit_label(obj),
                 changes=redacted(changes))


def _save(*, actor: AnyUser, obj: M, data: dict[str, Any], allowed: set[str], action: str,
          version: int | None = None, check: Any = None, then: Any = None) -> M:
    """core.services.record_save's steps (the right on the record as it was and will be, the
    version, validation, compare-and-set save), with one audit event that names the changed
    fields without their need-to-know values."""
    creating = obj.pk is None
    if not creating:
        require(actor, Perm.MANAGE_PROTECTION, obj)
        check_version(obj, version)
    before = {} if creating else audit.snapshot(obj)
    assign(obj, data, allowed)
    require(actor, Perm.MANAGE_PROTECTION, obj)
    validate(obj, extra=check(obj) if check is not None else None)
    if creating or not hasattr(obj, "version"):
        obj.save()
    else:
        save_new_version(obj, sorted(allowed & {f.name for f in obj._meta.concrete_fields}))
    changes = audit.diff(before, audit.snapshot(obj))
    if then is not None:
        changes.update(then(obj))
    _record(actor=actor, action=f"{action}.{'create' if creating else 'update'}", obj=obj,
            changes=changes)
    return obj


def _faults(pairs: Sequence[tuple[str, str]]) -> list[FieldError]:
    return [FieldError(field=f, message=m) for f, m in pairs]


def _refuse(pairs: Sequence[tuple[str, str]]) -> None:
    if pairs:
        raise ValidationFailed(_faults(pairs))


# --- Principals --------------------------------------------------------------------------------

def _office_users(usernames: Sequence[str]) -> list[User]:
    """The accounts named as the principal's office, each by username; an unknown one is a
    fault naming it."""
    wanted = sorted({u.strip() for u in usernames if u and u.strip()})
    users = {u.username.lower(): u for u in get_user_model().objects.filter(
        username__in=wanted, is_active=True)}
    missing = [u for u in wanted if u.lower() not in users]
    if missing:
        raise ValidationFailed([FieldError(field="office", code=ErrorCode.UNKNOWN_REFERENCE,
                                           message=_("No active user “%(name)s”.")
                                           % {"name": name}) for name in missing])
    return [users[u.lower()] for u in wanted]


def _principal_save(*, actor: AnyUser, principal: Principal, data: dict[str, Any],
                    version: int | None, office: Sequence[str] | None) -> Principal:
    members = _office_users(office) if office is not None else None

    def then(saved: Principal) -> dict[str, Any]:
        if members is None:
            return {}
        before = sorted(saved.office.values_list("username", flat=True))
        saved.office.set(members)
        after = sorted(u.username for u in members)
        return {"office": [before, after]} if before != after else {}

    def check(obj: Principal) -> list[FieldError]:
        taken = obj.person_id is not None and Principal.objects.filter(
            person_id=obj.person_id).exclude(pk=obj.pk).exists()
        return [FieldError(field="person", code=ErrorCode.DUPLICATE, message=_(
            "This staff member is already recorded as another principal."))] if taken else []

    return _save(actor=actor, obj=principal, data=data,
                       allowed=PRINCIPAL_FIELDS, action="hq.principal", version=version,
                       check=check, then=then)


@transaction.atomic
def principal_create(*, actor: AnyUser, data: dict[str, Any],
                     office: Sequence[str] | None = None) -> Principal:
    """A new principal, in the coordinator's scope; ``office``: usernames of the office."""
    return _principal_save(actor=actor, principal=Principal(), data=data, version=None,
                           office=office or [])


@transaction.atomic
def principal_update(*, actor: AnyUser, principal: Principal, data: dict[str, Any],
                     version: int | None, office: Sequence[str] | None = None) -> Principal:
    return _principal_save(actor=actor, principal=principal, data=data, version=version,
                           office=office)


# --- Cases -------------------------------------------------------------------------------------

def _check_trip(actor: AnyUser, case: ProtectionCase) -> list[FieldError]:
    """A linked TRIP request is one of the principal's own that the actor may read."""
    request: TravelRequest | None = case.trip_request
    if request is None:
        return []
    principal = case.principal if case.principal_id else None
    if not selectors.trip_requests(user=actor, principal=principal).filter(
            pk=request.pk).exists():
        return [FieldError(field="trip_request", code=ErrorCode.UNKNOWN_REFERENCE, message=_(
            "This TRIP request is not one of this principal's, or you may not read it."))]
    return []


def _case_checks(actor: AnyUser) -> Any:
    def check(case: ProtectionCase) -> list[FieldError]:
        errors: list[FieldError] = []  # the dates: the model's own clean()
        if case.principal_id and not case.principal.active and case._state.adding:
            errors.append(FieldError(field="principal", message=_(
                "This principal is no longer active.")))
        return errors + _check_trip(actor, case)
    return check


@transaction.atomic
def case_create(*, actor: AnyUser, data: dict[str, Any],
                destinations: Sequence[dict[str, Any]] | None = None) -> ProtectionCase:
    """A new case, requested. Its destinations are those given, else, when it covers a TRIP
    request, the stops of that request's itinerary."""
    case = ProtectionCase(coordinator=account(actor))
    stops = destinations
    if not stops and data.get("trip_request") is not None:
        stops = selectors.trip_stops(data["trip_request"])

    def then(saved: ProtectionCase) -> dict[str, Any]:
        made = [_destination_new(saved, position, stop)
                for position, stop in enumerate(stops or [], start=1)]
        return {"destinations": [None, [str(d) for d in made]]} if made else {}

    created: ProtectionCase = _save(actor=actor, obj=case, data=data,
                                    allowed=CASE_FIELDS, action="hq.protection_case",
                                    check=_case_checks(actor), then=then)
    return created


def _editable(case: ProtectionCase) -> None:
    if not case.editable:
        raise TransitionRefused(_(
            "A case that is %(status)s cannot change: reopen its assessment first.")
            % {"status": case.get_status_display().lower()})


@transaction.atomic
def case_update(*, actor: AnyUser, case: ProtectionCase, data: dict[str, Any],
                version: int | None) -> ProtectionCase:
    require(actor, Perm.MANAGE_PROTECTION, case)
    _editable(case)
    if "principal" in data and data["principal"] != case.principal:
        raise ValidationFailed([FieldError(field="principal", message=_(
            "A case stays with its principal: cancel it and open one for the other."))])
    return _save(actor=actor, obj=case, data=data,
                       allowed=CASE_FIELDS, action="hq.protection_case", version=version,
                       check=_case_checks(actor))


def _destination_new(case: ProtectionCase, position: int,
                     data: dict[str, Any]) -> ProtectionDestination:
    unknown = sorted(set(data) - DESTINATION_FIELDS)
    if unknown:
        raise ValidationFailed([FieldError(field=k, message=_("This field cannot be set here."))
                                for k in unknown])
    row = ProtectionDestination(case=case, position=position, **data)
    errors = _faults(rules.stay_problems(row.arrives_on, row.departs_on, case.starts_on,
                                         case.ends_on))
    station = row.duty_station
    if station is not None and row.country_id and station.country_id != row.country_id:
        errors.append(FieldError(field="duty_station", message=_(
            "This duty station is not in the country chosen.")))
    validate(row, extra=[FieldError(field=e.field, message=e.message,
                                    row=position) for e in errors], exclude=["case"])
    row.save()
    return row


@transaction.atomic
def destination_add(*, actor: AnyUser, case: ProtectionCase,
                    data: dict[str, Any]) -> ProtectionDestination:
    require(actor, Perm.MANAGE_PROTECTION, case)
    _editable(case)
    last = case.destinations.order_by("-position").values_list("position", flat=True).first()
    row = _destination_new(case, (last or 0) + 1, data)
    _record(actor=actor, action="hq.protection_case.destination_add", obj=case,
                 changes={"destination": [None, str(row)],
                          "dates": [None, [row.arrives_on, row.departs_on]]})
    return row


@transaction.atomic
def destination_remove(*, actor: AnyUser, case: ProtectionCase,
                       destination: ProtectionDestination) -> None:
    require(actor, Perm.MANAGE_PROTECTION, case)
    _editable(case)
    if destination.case_id != case.pk:
        raise ValidationFailed([FieldError(field="destination", message=_(
            "This destination is not one of the case's."))])
    _record(actor=actor, action="hq.protection_case.destination_remove", obj=case,
                 changes={"destination": [str(destination), None]})
    destination.delete()


@transaction.atomic
def destinations_from_trip(*, actor: AnyUser, case: ProtectionCase) -> list[
        ProtectionDestination]:
    """Replace the case's destinations by the stops of its TRIP request's itinerary."""
    require(actor, Perm.MANAGE_PROTECTION, case)
    _editable(case)
    if case.trip_request is None:
        raise ValidationFailed([FieldError(field="trip_request", code=ErrorCode.REQUIRED,
                                           message=_("The case covers no TRIP request."))])
    errors = _check_trip(actor, case)
    if errors:
        raise ValidationFailed(errors)
    before = [str(d) for d in case.destinations.all()]
    case.destinations.all().delete()
    made = [_destination_new(case, n, stop)
            for n, stop in enumerate(selectors.trip_stops(case.trip_request), start=1)]
    _record(actor=actor, action="hq.protection_case.destinations_from_trip", obj=case,
                 changes={"destinations": [before, [str(d) for d in made]],
                          "trip_request": case.trip_request.reference})
    return made


# --- The assessment ----------------------------------------------------------------------------

def _recommend(assessment: NeedsAssessment) -> None:
    """Set the highest level and the recommendation from the snapshot and the profiles."""
    levels = [entry.get("level") for entry in assessment.threat_picture]
    assessment.highest_level = rules.highest_level(levels) if levels else None
    detail = rules.recommended_detail(assessment.highest_level, assessment.principal_level,
                                      assessment.event_level)
    assessment.recommended_kind = detail.kind.value
    assessment.recommended_officers = detail.officers
    assessment.recommended_advance_team = detail.advance_team
    assessment.recommended_armoured_vehicle = detail.armoured_vehicle


def _take_picture(assessment: NeedsAssessment, case: ProtectionCase) -> None:
    assessment.threat_picture = selectors.threat_picture(selectors.destinations_of(case))
    assessment.threat_taken_at = timezone.now()


def _assessment_new(actor: AnyUser, case: ProtectionCase) -> NeedsAssessment:
    assessment = NeedsAssessment(case=case, principal_level=case.principal.profile_level,
                                 event_level=case.event_level, assessed_by=account(actor))
    _take_picture(assessment, case)
    _recommend(assessment)
    assessment.save()
    AdvanceTask.objects.bulk_create([AdvanceTask(assessment=assessment, kind=kind.value)
                                     for kind in rules.STANDARD_TASKS])
    return assessment


def _under_assessment(case: ProtectionCase) -> None:
    if case.status != rules.CaseStatus.UNDER_ASSESSMENT:
        raise TransitionRefused(_(
            "The assessment changes only while the case is under assessment (it is "
            "%(status)s).") % {"status": case.get_status_display().lower()})


def _override_faults(assessment: NeedsAssessment) -> list[FieldError]:
    if not assessment.override_kind:
        if assessment.override_officers or assessment.override_advance_team \
                or assessment.override_armoured_vehicle:
            return [FieldError(field="override_kind", message=_(
                "Choose the detail that replaces the recommendation."))]
        return []
    errors = _faults(rules.detail_problems(assessment.override_kind,
                                           assessment.override_officers))
    if not assessment.override_reason.strip():
        errors.append(FieldError(field="override_reason", code=ErrorCode.REQUIRED, message=_(
            "Say why the recommended detail is overridden.")))
    return errors


@transaction.atomic
def assessment_update(*, actor: AnyUser, assessment: NeedsAssessment, data: dict[str, Any],
                      version: int | None) -> NeedsAssessment:
    """The coordinator's assessment: the profiles, the summary and any override. The
    recommendation follows the profiles."""
    case = assessment.case
    require(actor, Perm.MANAGE_PROTECTION, case)
    _under_assessment(case)
    check_version(assessment, version)
    before = audit.snapshot(assessment)
    unknown = sorted(set(data) - ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationFailed([FieldError(field=k, message=_("This field cannot be set here."))
                                for k in unknown])
    for key, value in data.items():
        setattr(assessment, key, value)
    if not assessment.override_kind:
        assessment.override_officers = None
    validate(assessment, extra=_override_faults(assessment))
    _recommend(assessment)
    assessment.assessed_by = account(actor)
    save_new_version(assessment, [*sorted(ASSESSMENT_FIELDS), "highest_level",
                                  "recommended_kind", "recommended_officers",
                                  "recommended_advance_team", "recommended_armoured_vehicle",
                                  "assessed_by"])
    _record(actor=actor, action="hq.needs_assessment.update", obj=assessment,
                 changes=audit.diff(before, audit.snapshot(assessment)))
    return assessment


@transaction.atomic
def assessment_refresh(*, actor: AnyUser, assessment: NeedsAssessment,
                       version: int | None) -> NeedsAssessment:
    """Take the threat picture again from the security levels and SRAs in force now."""
    case = assessment.case
    require(actor, Perm.MANAGE_PROTECTION, case)
    _under_assessment(case)
    check_version(assessment, version)
    before = {"levels": [e.get("level") for e in assessment.threat_picture],
              "taken": assessment.threat_taken_at, "recommended": assessment.recommended_kind}
    _take_picture(assessment, case)
    _recommend(assessment)
    save_new_version(assessment, ["threat_picture", "threat_taken_at", "highest_level",
                                  "recommended_kind", "recommended_officers",
                                  "recommended_advance_team", "recommended_armoured_vehicle"])
    _record(actor=actor, action="hq.needs_assessment.refresh", obj=assessment, changes={
        "levels": [before["levels"], [e.get("level") for e in assessment.threat_picture]],
        "taken": [before["taken"], assessment.threat_taken_at],
        "recommended": [before["recommended"], assessment.recommended_kind]})
    return assessment


def _task_lock_messages() -> dict[rules.TaskLock, str]:
    return {
        rules.TaskLock.NOT_STARTED: _(
            "The advance work starts with the assessment: start it first."),
        rules.TaskLock.AWAITING_DECISION: _(
            "The assessment awaits its decision and the advance work stays as submitted: "
            "reopen the assessment to change it."),
        rules.TaskLock.DECLINED: _(
            "The protection of this trip was declined: its advance work no longer changes."),
        rules.TaskLock.CANCELLED: _(
            "The case is cancelled: its advance work no longer changes."),
        rules.TaskLock.TRIP_OVER: _(
            "The trip is over: its advance work no longer changes."),
    }


@transaction.atomic
def task_update(*, actor: AnyUser, task: AdvanceTask, data: dict[str, Any]) -> AdvanceTask:
    """Advance work goes on while the case is under assessment, and after an approval until
    the trip ends (protection_rules.task_lock)."""
    case = task.assessment.case
    require(actor, Perm.MANAGE_PROTECTION, case)
    lock = selectors.task_lock(case)
    if lock is not None:
        raise TransitionRefused(_task_lock_messages()[lock])
    if case.status == rules.CaseStatus.DECIDED and data.get("status") == rules.TaskStatus.TO_PLAN:
        raise ValidationFailed([FieldError(field="status", message=_(
            "The advance work of a decided case cannot go back to “To plan”."))])
    saved: AdvanceTask = _save(actor=actor, obj=task, data=data, allowed=TASK_FIELDS,
                               action="hq.advance_task")
    return saved


# --- The case's moves --------------------------------------------------------------------------

def _completeness(case: ProtectionCase, assessment: NeedsAssessment | None) -> None:
    if assessment is None:
        raise ValidationFailed([FieldError(field="assessment", code=ErrorCode.REQUIRED,
                                           message=_("The case has no assessment yet."))])
    state = rules.AssessmentState(
        destination_ids=frozenset(case.destinations.values_list("pk", flat=True)),
        pictured_ids=frozenset(int(e["destination"]) for e in assessment.threat_picture
                               if e.get("destination") is not None),
        task_statuses=tuple(assessment.tasks.values_list("status", flat=True)),
        override_kind=assessment.override_kind, override_reason=assessment.override_reason)
    _refuse(rules.assessment_problems(state))


def _move_refusal(move: rules.Move) -> str:
    """Why the table refuses ``move`` here, one whole sentence per move (each language words
    its own), with the case's status to fill in."""
    return {
        rules.Move.START: _("Only a requested case can start its assessment; this case's "
                            "status is “%(status)s”."),
        rules.Move.SUBMIT: _("Only a case under assessment can be submitted for decision; "
                             "this case's status is “%(status)s”."),
        rules.Move.REOPEN: _("Only a case awaiting decision can have its assessment "
                             "reopened; this case's status is “%(status)s”."),
        rules.Move.DECIDE: _("Only a case assessed and awaiting decision can be decided; "
                             "this case's status is “%(status)s”."),
        rules.Move.CANCEL: _("Only an open case can be cancelled; this case's status is "
                             "“%(status)s”."),
    }[move]


def _move(*, actor: AnyUser, case: ProtectionCase, move: rules.Move, version: int | None,
          changes: dict[str, Any] | None = None, fields: Sequence[str] = ()) -> ProtectionCase:
    """The one writer of a case's status: the table allows the move from where the case
    stands, the actor holds the move's right, the version is the one read."""
    transition = rules.CASE_TRANSITIONS[move]
    require(actor, Perm.DECIDE_PROTECTION if transition.right == "decide"
            else Perm.MANAGE_PROTECTION, case)
    check_version(case, version)
    target = rules.next_state(move, case.status)
    if target is None:
        raise TransitionRefused(_move_refusal(move) % {
            "status": case.get_status_display()})
    before = case.status
    case.status = target
    save_new_version(case, ["status", *fields])
    _record(actor=actor, action=f"hq.protection_case.{move.value}", obj=case,
                 changes={"status": [before, target], **(changes or {})})
    return case


@transaction.atomic
def case_start(*, actor: AnyUser, case: ProtectionCase,
               version: int | None = None) -> ProtectionCase:
    """Start the assessment: the threat picture is taken, the detail recommended and the
    standard advance tasks listed."""
    fields = []
    if case.coordinator_id is None:
        case.coordinator = account(actor)
        fields.append("coordinator")
    moved = _move(actor=actor, case=case, move=rules.Move.START, version=version, fields=fields)
    if selectors.assessment_of(case) is None:
        _assessment_new(actor, case)
    return moved


@transaction.atomic
def case_submit(*, actor: AnyUser, case: ProtectionCase,
                version: int | None = None) -> ProtectionCase:
    """Submit the complete assessment for decision."""
    require(actor, Perm.MANAGE_PROTECTION, case)
    assessment = selectors.assessment_of(case)
    if case.status == rules.CaseStatus.UNDER_ASSESSMENT:
        _completeness(case, assessment)
    moved = _move(actor=actor, case=case, move=rules.Move.SUBMIT, version=version)
    if assessment is not None:
        assessment.completed_at = timezone.now()
        assessment.save(update_fields=["completed_at", "updated_at"])
    return moved


@transaction.atomic
def case_reopen(*, actor: AnyUser, case: ProtectionCase, version: int | None = None,
                reason: str = "") -> ProtectionCase:
    return _move(actor=actor, case=case, move=rules.Move.REOPEN, version=version,
                 changes={"reason": reason} if reason else None)


@transaction.atomic
def case_decide(*, actor: AnyUser, case: ProtectionCase, decision: str, note: str = "",
                version: int | None = None) -> ProtectionCase:
    """The decision on an assessed case: approved, approved with changes (say which), or
    declined (say why)."""
    require(actor, Perm.DECIDE_PROTECTION, case)
    if decision not in {d.value for d in rules.Decision}:
        raise ValidationFailed([FieldError(field="decision", message=_(
            "Choose approved, approved with changes or declined."))])
    if decision != rules.Decision.APPROVED and not note.strip():
        raise ValidationFailed([FieldError(field="note", code=ErrorCode.REQUIRED, message=_(
            "Say what changes, or why the protection is declined."))])
    if case.status == rules.CaseStatus.ASSESSED:
        _completeness(case, selectors.assessment_of(case))
    case.decision, case.decision_note = decision, note.strip()
    case.decided_by, case.decided_at = account(actor), timezone.now()
    return _move(actor=actor, case=case, move=rules.Move.DECIDE, version=version,
                 changes={"decision": [None, decision], "note": note.strip()},
                 fields=["decision", "decision_note", "decided_by", "decided_at"])


@transaction.atomic
def case_cancel(*, actor: AnyUser, case: ProtectionCase, reason: str,
                version: int | None = None) -> ProtectionCase:
    require(actor, Perm.MANAGE_PROTECTION, case)
    if not reason.strip():
        raise ValidationFailed([FieldError(field="reason", code=ErrorCode.REQUIRED, message=_(
            "Say why the case is cancelled."))])
    case.cancel_reason = reason.strip()
    return _move(actor=actor, case=case, move=rules.Move.CANCEL, version=version,
                 changes={"reason": reason.strip()}, fields=["cancel_reason"])


MOVES = {
    rules.Move.START: case_start,
    rules.Move.SUBMIT: case_submit,
    rules.Move.REOPEN: case_reopen,
    rules.Move.DECIDE: case_decide,
    rules.Move.CANCEL: case_cancel,
}

