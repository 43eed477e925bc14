"""Writes to security management teams: the teams, their meetings (scheduled, recorded as
held with attendance and numbered decisions, cancelled), the action points their meetings
give (tracked to closure), their joint plans, and the configured meeting intervals. Each in one
transaction, checked against the actor's scope, audited.

Who does what: whoever manages SMTs in the team's place (the security officer, the designated
official) keeps the team's records; an action point's owner may close their own action; the
meeting intervals are changed by a global holder of the right to configure coordination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination.models import (
    ActionPoint,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    CoordinationSettings,
    Decision,
    JointPlan,
    JointPlanStatus,
    Meeting,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core import audit
from vigil.core.authz import Perm, account, can, holds_globally, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

TEAM_FIELDS = {"country", "security_area", "name", "established_on", "terms_of_reference"}
TEAM_EDIT_FIELDS = {"name", "established_on", "terms_of_reference"}
MEETING_FIELDS = {"held_on", "kind", "location", "chaired_by", "agenda"}
ACTION_FIELDS = {"text", "owner", "due_on", "decision"}
PLAN_FIELDS = {"title", "kind", "lead", "review_due", "notes", "security_plan"}

INTERVAL_MESSAGES = {
    "not_a_number": gettext_lazy("Give a whole number of days."),
    "out_of_range": gettext_lazy("Give a number of days from 1 to 366."),
    "longer_than_lower_level": gettext_lazy(
        "A higher security level cannot allow more days between meetings than the level "
        "below it."),
}
# Why a move is refused, one whole sentence per move; the record's status follows.
REFUSED_MEETING = {
    "record": gettext_lazy("A cancelled meeting cannot be recorded as held. Its status: "
                           "%(status)s."),
    "cancel": gettext_lazy("Only a scheduled meeting can be cancelled. Its status: "
                           "%(status)s."),
}
REFUSED_ACTION = {
    "done": gettext_lazy("This action point is closed already. Its status: %(status)s."),
    "drop": gettext_lazy("This action point is closed already. Its status: %(status)s."),
    "reopen": gettext_lazy("Only a closed action point can be reopened. Its status: "
                           "%(status)s."),
}
REFUSED_PLAN = {
    "agree": gettext_lazy("Only a plan being drafted can be agreed. Its status: %(status)s."),
    "implement": gettext_lazy("Only an agreed plan can go into implementation. Its status: "
                              "%(status)s."),
    "complete": gettext_lazy("Only a plan being implemented can be completed. Its status: "
                             "%(status)s."),
    "abandon": gettext_lazy("A completed or abandoned plan cannot be abandoned. Its status: "
                            "%(status)s."),
}


def _today() -> dt.date:
    return timezone.localdate()


def _manage(actor: AnyUser, obj: Any) -> None:
    require(actor, Perm.MANAGE_SMT, obj)


# --- Teams ----------------------------------------------------------------------------------

def _team_problems(team: SecurityManagementTeam) -> list[FieldError]:
    errors: list[FieldError] = []
    area = team.security_area if team.security_area_id else None
    if area is not None and team.country_id and area.country_id != team.country_id:
        errors.append(FieldError("security_area", _("%(area)s is not in %(country)s.") % {
            "area": area, "country": team.country}))
    if team.established_on and team.established_on > _today():
        errors.append(FieldError("established_on", _(
            "A team cannot be established in the future.")))
    if team.active and team.country_id:
        others = SecurityManagementTeam.objects.filter(active=True).exclude(pk=team.pk)
        if area is None and others.filter(country_id=team.country_id,
                                          security_area__isnull=True).exists():
            errors.append(FieldError("country", _(
                "%(country)s has an active country team already.") % {
                "country": team.country}, code=ErrorCode.DUPLICATE))
        if area is not None and others.filter(security_area_id=area.pk).exists():
            errors.append(FieldError("security_area", _(
                "%(area)s has an active team already.") % {"area": area},
                code=ErrorCode.DUPLICATE))
    return errors


@transaction.atomic
def team_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityManagementTeam:
    """A new team for a country, or for one of its areas (one active team each)."""
    return record_save(actor=actor, obj=SecurityManagementTeam(), perm=Perm.MANAGE_SMT,
                       data=data, allowed=TEAM_FIELDS, action="coordination.smt",
                       check=_team_problems)


@transaction.atomic
def team_update(*, actor: AnyUser, team: SecurityManagementTeam, data: dict[str, Any],
                version: int | None) -> SecurityManagementTeam:
    """Change a team's name, establishment date or terms of reference; its place is fixed."""
    if not team.active:
        raise TransitionRefused(_("A team that was closed is kept as it was."))
    return record_save(actor=actor, obj=team, perm=Perm.MANAGE_SMT, data=data,
                       allowed=TEAM_EDIT_FIELDS, action="coordination.smt", version=version,
                       check=_team_problems)


@transaction.atomic
def team_deactivate(*, actor: AnyUser, team: SecurityManagementTeam,
                    version: int | None) -> SecurityManagementTeam:
    """Close a team (it no longer meets); its records stay. Its place may then have a new
    team."""
    _manage(actor, team)
    check_version(team, version)
    if not team.active:
        raise TransitionRefused(_("This team was closed already."))
    team.active = False
    save_new_version(team, ["active"])
    audit.record(actor=actor, action="coordination.smt.deactivate", obj=team,
                 changes={"active": [True, False]})
    return team


# --- Meetings -------------------------------------------------------------------------------

def _meeting_problems(meeting: Meeting) -> list[FieldError]:
    team = meeting.team
    if not team.active:
        return [FieldError("team", _("This team was closed: it holds no more meetings."))]
    if meeting.held_on and meeting.held_on < team.established_on:
        return [FieldError("held_on", _(
            "The team was established on %(date)s: a meeting cannot come before.")
            % {"date": team.established_on.isoformat()})]
    return []


@transaction.atomic
def meeting_schedule(*, actor: AnyUser, team: SecurityManagementTeam,
                     data: dict[str, Any]) -> Meeting:
    """Put a meeting of the team in the calendar."""
    _manage(actor, team)
    meeting = Meeting(team=team, status=MeetingStatus.SCHEDULED)
    return record_save(actor=actor, obj=meeting, perm=Perm.MANAGE_SMT, data=data,
                       allowed=MEETING_FIELDS, action="coordination.smt_meeting",
                       check=_meeting_problems)


@transaction.atomic
def meeting_update(*, actor: AnyUser, meeting: Meeting, data: dict[str, Any],
                   version: int | None) -> Meeting:
    """Change a scheduled meeting's date, kind, place, chair or agenda. A meeting held is
    corrected by recording it again."""
    _manage(actor, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise TransitionRefused(_("Only a scheduled meeting is edited here; record a meeting "
                                  "that was held again to correct it."))
    return record_save(actor=actor, obj=meeting, perm=Perm.MANAGE_SMT, data=data,
                       allowed=MEETING_FIELDS, action="coordination.smt_meeting",
                       version=version, check=_meeting_problems)


@dataclass(frozen=True)
class AttendanceRow:
    """One member's attendance (``user`` given) or one guest's (``guest_name``)."""

    status: str
    user: Any = None
    appointment: Any = None
    organization: Any = None
    guest_name: str = ""
    represented_by: str = ""


def _attendance_problems(team: SecurityManagementTeam, held_on: dt.date,
                         rows: Sequence[AttendanceRow]) -> list[FieldError]:
    errors: list[FieldError] = []
    members = {a.user_id: a for a in selectors.member_appointments(team, on=held_on)}
    seen: set[int] = set()
    valid = {s.value for s in AttendanceStatus}
    for index, row in enumerate(rows):
        field = f"attendance[{index}]"
        if row.status not in valid:
            errors.append(FieldError(f"{field}.status", _("Not a kind of attendance.")))
        if row.user is None and not row.guest_name.strip():
            errors.append(FieldError(f"{field}.guest_name", _(
                "Name the guest, or choose a member."), code=ErrorCode.REQUIRED))
        if row.user is not None:
            if row.user.pk in seen:
                errors.append(FieldError(f"{field}.user", _(
                    "%(user)s is listed twice.") % {"user": row.user},
                    code=ErrorCode.DUPLICATE))
            seen.add(row.user.pk)
            if row.user.pk not in members:
                errors.append(FieldError(f"{field}.user", _(
                    "%(user)s held no SMT function here on %(date)s: add them as a guest.")
                    % {"user": row.user, "date": held_on.isoformat()}))
        if row.status == AttendanceStatus.REPRESENTED and not row.represented_by.strip():
            errors.append(FieldError(f"{field}.represented_by", _(
                "Say who represented them."), code=ErrorCode.REQUIRED))
        if row.status != AttendanceStatus.REPRESENTED and row.represented_by.strip():
            errors.append(FieldError(f"{field}.represented_by", _(
                "Only a member who was represented has a representative.")))
    if not errors and not any(r.status in {AttendanceStatus.PRESENT,
                                           AttendanceStatus.REPRESENTED}
                              and r.user is not None for r in rows):
        errors.append(FieldError("attendance", _(
            "A meeting held has at least one member present or represented."),
            code=ErrorCode.REQUIRED))
    return errors


@transaction.atomic
def meeting_record(*, actor: AnyUser, meeting: Meeting, version: int | None,
                   held_on: dt.date, attendance: Sequence[AttendanceRow],
                   decisions: Sequence[str], agenda: str = "", summary: str = "",
                   location: str = "", chaired_by: Any = None,
                   minutes_approved_on: dt.date | None = None) -> Meeting:
    """Record a meeting as held: when, who attended (each member present, represented,
    with apologies or absent; guests), the agenda, a summary, the decisions in order
    (numbered from 1) and the day the minutes were approved. Recording a meeting held again
    corrects its record; a decision that action points come from is kept."""
    _manage(actor, meeting)
    check_version(meeting, version)
    if rules.next_state(rules.MEETING_TRANSITIONS, "record", meeting.status) is None:
        raise TransitionRefused(str(REFUSED_MEETING["record"])
                                % {"status": meeting.get_status_display()})
    team = meeting.team
    today = _today()
    errors: list[FieldError] = []
    if held_on > today:
        errors.append(FieldError("held_on", _("Record a meeting once it has been held.")))
    elif held_on < team.established_on:
        errors.append(FieldError("held_on", _(
            "The team was established on %(date)s: a meeting cannot come before.")
            % {"date": team.established_on.isoformat()}))
    if minutes_approved_on is not None:
        if minutes_approved_on < held_on:
            errors.append(FieldError("minutes_approved_on", _(
                "Minutes are approved on or after the day of the meeting.")))
        elif minutes_approved_on > today:
            errors.append(FieldError("minutes_approved_on", _(
                "Minutes cannot be approved in the future.")))
    texts = [t.strip() for t in decisions if t and t.strip()]
    kept = set(meeting.decisions.filter(action_points__isnull=False).values_list(
        "number", flat=True))
    if kept and max(kept) > len(texts):
        errors.append(FieldError("decisions", _(
            "Decision %(number)s has action points: it cannot be removed.")
            % {"number": max(kept)}))
    if not errors:
        errors = _attendance_problems(team, held_on, attendance)
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(meeting)
    before_decisions = list(meeting.decisions.order_by("number").values_list("text",
                                                                                flat=True))
    before_attendance = _attendance_summary(meeting)
    meeting.status = MeetingStatus.HELD
    meeting.held_on = held_on
    meeting.agenda = agenda.strip() or meeting.agenda
    meeting.summary = summary.strip()
    meeting.location = location.strip() or meeting.location
    meeting.chaired_by = chaired_by or meeting.chaired_by
    meeting.minutes_approved_on = minutes_approved_on
    meeting.recorded_by = account(actor)
    save_new_version(meeting, ["status", "held_on", "agenda", "summary", "location",
                               "chaired_by", "minutes_approved_on", "recorded_by"])
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create([Attendance(
        meeting=meeting, user=row.user, appointment=row.appointment,
        organization=row.organization or getattr(row.appointment, "organization", None),
        guest_name="" if row.user is not None else row.guest_name.strip(),
        status=row.status, represented_by=row.represented_by.strip()) for row in attendance])
    existing = {d.number: d for d in meeting.decisions.all()}
    for number, text in enumerate(texts, start=1):
        decision = existing.pop(number, None)
        if decision is None:
            Decision.objects.create(meeting=meeting, number=number, text=text)
        elif decision.text != text:
            decision.text = text
            decision.save(update_fields=["text"])
    for surplus in existing.values():
        surplus.delete()
    changes = audit.diff(before, audit.snapshot(meeting))
    if before_decisions != texts:
        changes["decisions"] = [before_decisions, texts]
    after_attendance = _attendance_summary(meeting)
    if before_attendance != after_attendance:
        changes["attendance"] = [before_attendance, after_attendance]
    audit.record(actor=actor, action="coordination.smt_meeting.record", obj=meeting,
                 changes=changes)
    return meeting


def _attendance_summary(meeting: Meeting) -> list[str]:
    return [f"{a.user_id or a.guest_name}:{a.status}"
            + (f":{a.represented_by}" if a.represented_by else "")
            for a in meeting.attendance.order_by("pk")]


@transaction.atomic
def meeting_cancel(*, actor: AnyUser, meeting: Meeting, version: int | None,
                   reason: str = "") -> Meeting:
    """Cancel a scheduled meeting; the reason is kept as its summary."""
    _manage(actor, meeting)
    check_version(meeting, version)
    target = rules.next_state(rules.MEETING_TRANSITIONS, "cancel", meeting.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_MEETING["cancel"])
                                % {"status": meeting.get_status_display()})
    before = audit.snapshot(meeting)
    meeting.status = target
    meeting.summary = reason.strip()
    save_new_version(meeting, ["status", "summary"])
    audit.record(actor=actor, action="coordination.smt_meeting.cancel", obj=meeting,
                 changes=audit.diff(before, audit.snapshot(meeting)))
    return meeting


# --- Action points --------------------------------------------------------------------------

def _action_problems(row: ActionPoint) -> list[FieldError]:
    errors: list[FieldError] = []
    meeting = row.meeting
    if row.due_on and row.due_on < meeting.held_on:
        errors.append(FieldError("due_on", _(
            "An action cannot be due before the meeting that decided it (%(date)s).")
            % {"date": meeting.held_on.isoformat()}))
    if row.owner_id is not None and not selectors.may_own_actions(row.team, row.owner):
        errors.append(FieldError("owner", _(
            "%(user)s is neither a member of the team nor somebody with access to its "
            "records.") % {"user": row.owner}))
    if row.decision_id is not None and row.decision is not None and \
            row.decision.meeting_id != meeting.pk:
        errors.append(FieldError("decision", _("This decision was taken at another meeting.")))
    return errors


@transaction.atomic
def action_point_add(*, actor: AnyUser, meeting: Meeting, data: dict[str, Any]) -> ActionPoint:
    """An action point from a meeting held: what to do, who owns it, by when, and the
    decision it carries out (if any)."""
    _manage(actor, meeting)
    if meeting.status != MeetingStatus.HELD:
        raise TransitionRefused(_("Action points come from a meeting that was held. Its "
                                  "status: %(status)s.") % {
            "status": meeting.get_status_display()})
    row = ActionPoint(team=meeting.team, meeting=meeting)
    return record_save(actor=actor, obj=row, perm=Perm.MANAGE_SMT, data=data,
                       allowed=ACTION_FIELDS, action="coordination.smt_action",
                       check=_action_problems)


@transaction.atomic
def action_point_update(*, actor: AnyUser, action: ActionPoint, data: dict[str, Any],
                        version: int | None) -> ActionPoint:
    """Change an open action point's text, owner, due date or decision."""
    _manage(actor, action)
    if action.status != ActionStatus.OPEN:
        raise TransitionRefused(_("A closed action point is kept as it was closed; reopen "
                                  "it first."))
    return record_save(actor=actor, obj=action, perm=Perm.MANAGE_SMT, data=data,
                       allowed=ACTION_FIELDS, action="coordination.smt_action",
                       version=version, check=_action_problems)


def may_close(user: AnyUser, action: ActionPoint) -> bool:
    """The team's managers close any action point; its owner closes their own."""
    return action.owner_id == user.pk or can(user, Perm.MANAGE_SMT, action)


@transaction.atomic
def action_point_close(*, actor: AnyUser, action: ActionPoint, version: int | None,
                       outcome: str, note: str) -> ActionPoint:
    """Close an open action point, done or dropped, saying how. Its owner may, as may the
    team's managers."""
    if not may_close(actor, action):
        raise Forbidden()
    check_version(action, version)
    if outcome not in {"done", "drop"}:
        raise ValidationFailed([FieldError("outcome", _("Choose done or dropped."))])
    target = rules.next_state(rules.ACTION_TRANSITIONS, outcome, action.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_ACTION[outcome])
                                % {"status": action.get_status_display()})
    if not note.strip():
        raise ValidationFailed([FieldError("note", _(
            "Say how the action was done, or why it was dropped."), code=ErrorCode.REQUIRED)])
    before = audit.snapshot(action)
    action.status = target
    action.closed_on = _today()
    action.closed_by = account(actor)
    action.closure_note = note.strip()
    save_new_version(action, ["status", "closed_on", "closed_by", "closure_note"])
    audit.record(actor=actor, action="coordination.smt_action.close", obj=action,
                 changes=audit.diff(before, audit.snapshot(action)))
    return action


@transaction.atomic
def action_point_reopen(*, actor: AnyUser, action: ActionPoint, version: int | None,
                        reason: str) -> ActionPoint:
    """Reopen a closed action point (the team's managers): the reason goes to the audit
    trail, the closure is cleared."""
    _manage(actor, action)
    check_version(action, version)
    target = rules.next_state(rules.ACTION_TRANSITIONS, "reopen", action.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_ACTION["reopen"])
                                % {"status": action.get_status_display()})
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("Say why it is reopened."),
                                           code=ErrorCode.REQUIRED)])
    before = audit.snapshot(action)
    action.status = target
    action.closed_on = None
    action.closed_by = None
    action.closure_note = ""
    save_new_version(action, ["status", "closed_on", "closed_by", "closure_note"])
    audit.record(actor=actor, action="coordination.smt_action.reopen", obj=action,
                 changes={**audit.diff(before, audit.snapshot(action)),
                          "reason": reason.strip()})
    return action


# --- Joint plans ----------------------------------------------------------------------------

def _plan_problems(plan: JointPlan, organizations: Sequence[Any] | None) -> list[FieldError]:
    errors: list[FieldError] = []
    security_plan = plan.security_plan if plan.security_plan_id else None
    if security_plan is not None and security_plan.country_id != plan.team.country_id:
        errors.append(FieldError("security_plan", _(
            "%(plan)s is a security plan of another country.") % {"plan": security_plan}))
    if organizations is not None and len({o.pk for o in organizations}) < 2:
        errors.append(FieldError("organizations", _(
            "A joint plan is made by at least two organizations."), code=ErrorCode.REQUIRED))
    return errors


def _organizations_set(plan: JointPlan, organizations: Sequence[Any] | None) -> dict[str, Any]:
    if organizations is None:
        return {}
    before = sorted(plan.organizations.values_list("pk", flat=True))
    plan.organizations.set(organizations)
    after = sorted({o.pk for o in organizations})
    return {"organizations": [before, after]} if before != after else {}


@transaction.atomic
def joint_plan_create(*, actor: AnyUser, team: SecurityManagementTeam, data: dict[str, Any],
                      organizations: Sequence[Any] | None = None) -> JointPlan:
    """A plan the team's organizations make together, being drafted."""
    _manage(actor, team)
    plan = JointPlan(team=team, status=JointPlanStatus.DRAFTING)
    return record_save(actor=actor, obj=plan, perm=Perm.MANAGE_SMT, data=data,
                       allowed=PLAN_FIELDS, action="coordination.joint_plan",
                       check=lambda p: _plan_problems(p, organizations or []),
                       then=lambda p: _organizations_set(p, organizations or []))


@transaction.atomic
def joint_plan_update(*, actor: AnyUser, plan: JointPlan, data: dict[str, Any],
                      version: int | None,
                      organizations: Sequence[Any] | None = None) -> JointPlan:
    if plan.status in {JointPlanStatus.COMPLETED, JointPlanStatus.ABANDONED}:
        raise TransitionRefused(_("A completed or abandoned plan is kept as it was."))
    return record_save(actor=actor, obj=plan, perm=Perm.MANAGE_SMT, data=data,
                       allowed=PLAN_FIELDS, action="coordination.joint_plan", version=version,
                       check=lambda p: _plan_problems(p, organizations),
                       then=lambda p: _organizations_set(p, organizations))


@transaction.atomic
def joint_plan_transition(*, actor: AnyUser, plan: JointPlan, action: str, version: int | None,
                          agreed_on: dt.date | None = None,
                          agreed_at: Meeting | None = None) -> JointPlan:
    """Move a joint plan: agree it (on a day, or at a meeting of the team held), put it into
    implementation, complete it, or abandon it."""
    if action not in rules.JOINT_PLAN_TRANSITIONS:
        raise ValidationFailed([FieldError("action", _("Not a step of a joint plan."))])
    _manage(actor, plan)
    check_version(plan, version)
    target = rules.next_state(rules.JOINT_PLAN_TRANSITIONS, action, plan.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_PLAN[action])
                                % {"status": plan.get_status_display()})
    before = audit.snapshot(plan)
    fields = ["status"]
    if action == "agree":
        errors: list[FieldError] = []
        if agreed_at is not None and (agreed_at.team_id != plan.team_id
                                      or agreed_at.status != MeetingStatus.HELD):
            errors.append(FieldError("agreed_at", _(
                "Choose a meeting of this team that was held.")))
        if agreed_at is None and agreed_on is None:
            errors.append(FieldError("agreed_on", _(
                "Give the day the team agreed the plan, or the meeting that did."),
                code=ErrorCode.REQUIRED))
        day = agreed_on or (agreed_at.held_on if agreed_at is not None else None)
        if day is not None and day > _today():
            errors.append(FieldError("agreed_on", _("A plan cannot be agreed in the future.")))
        if plan.organizations.count() < 2:
            errors.append(FieldError("organizations", _(
                "A joint plan is made by at least two organizations.")))
        if errors:
            raise ValidationFailed(errors)
        plan.agreed_at = agreed_at
        plan.agreed_on = day
        fields += ["agreed_at", "agreed_on"]
    plan.status = target
    save_new_version(plan, fields)
    audit.record(actor=actor, action=f"coordination.joint_plan.{action}", obj=plan,
                 changes=audit.diff(before, audit.snapshot(plan)))
    return plan


# --- Settings -------------------------------------------------------------------------------

@transaction.atomic
def settings_update(*, actor: AnyUser, meeting_interval_days: dict[str, Any],
                    version: int | None) -> CoordinationSettings:
    """Change the days allowed between SMT meetings at each security level (global holders
    of the right to configure coordination only). Each fault names its level."""
    if not holds_globally(actor, Perm.CONFIGURE_COORDINATION):
        raise Forbidden()
    current = CoordinationSettings.objects.select_for_update().filter(pk=1).first()
    if current is None:
        current = CoordinationSettings(pk=1, version=0)
    check_version(current, version)
    table = {str(k): v for k, v in (meeting_interval_days or {}).items()}
    problems = rules.validate_intervals(table)
    if problems:
        raise ValidationFailed([FieldError(f"level_{level}", str(INTERVAL_MESSAGES[code]),
                                           code=ErrorCode.OUT_OF_RANGE
                                           if code == "out_of_range" else ErrorCode.INVALID)
                                for level, code in sorted(problems.items())])
    before = {"meeting_interval_days": current.meeting_interval_days} if current.pk and \
        current.version else {}
    current.meeting_interval_days = {str(level): int(str(table[str(level)]))
                                     for level in rules.LEVELS}
    current.version += 1
    current.save()
    audit.record(actor=actor, action="coordination.settings.update", obj=current,
                 changes=audit.diff(before, {"meeting_interval_days":
                                             current.meeting_interval_days}))
    return current
