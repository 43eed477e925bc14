"""Writes to emergency plans, drills and corrective actions, and to the configured periods.
Each in one transaction, checked against the actor's scope, audited, and kept in the plan's
history.

Who does what: the HQ security officer drafts, edits and submits plans, records that a plan
in force was reviewed with no change, starts a new version, and records drills and their
corrective actions; the designated official approves a submitted plan, or returns it with a
note; the approver is never the plan's last editor. Approving a plan supersedes the plan of
the same kind in force at the station. The periods are changed by a global holder of the right
to manage emergency plans."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, account_or_none, can, holds_globally, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version
from vigil.hq import plans_rules as rules
from vigil.hq.models import (
    ActionStatus,
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    PlanEvent,
    PlanReview,
    PlanSettings,
    PlanStatus,
)
from vigil.hq.plans_selectors import HQ_KINDS, station_today

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

PLAN_FIELDS = {"duty_station", "kind", "title", "owner", "version_label", "summary",
               "document_reference", "review_due_set"}
DRILL_FIELDS = {"duty_station", "premises", "kind", "held_on", "participants",
                "duration_minutes", "findings"}
ACTION_FIELDS = {"description", "owner", "due_on"}
# Why a move is refused, one whole sentence per move (so that each language can phrase it);
# the plan's status is named after it, as a label.
REFUSED_MOVES = {
    "submit": gettext_lazy("Only a draft can be submitted for approval. Its status: "
                           "%(status)s."),
    "approve": gettext_lazy("Only a plan submitted for approval can be approved. Its status: "
                            "%(status)s."),
    "return": gettext_lazy("Only a plan submitted for approval can be returned to draft. "
                           "Its status: %(status)s."),
}


def _event(plan: EmergencyPlan, actor: AnyUser | None, action: str, note: str = "") -> None:
    PlanEvent.objects.create(plan=plan, at=timezone.now(), actor=account_or_none(actor),
                             action=action, note=note)


def _station_problem(station: Any) -> list[FieldError]:
    if station is not None and station.kind not in HQ_KINDS:
        return [FieldError("duty_station", _(
            "Emergency plans and drills are kept here for headquarters duty stations and "
            "regional commissions only."))]
    return []


def _plan_problems(plan: EmergencyPlan) -> list[FieldError]:
    errors = _station_problem(plan.duty_station if plan.duty_station_id else None)
    if plan.review_due_set is not None and plan.approved_on is not None and \
            plan.review_due_set <= plan.approved_on:
        errors.append(FieldError("review_due_set", _(
            "The review date set must come after the approval (%(date)s).")
            % {"date": plan.approved_on.isoformat()}))
    return errors


# --- Plans ------------------------------------------------------------------------------------

@transaction.atomic
def plan_create(*, actor: AnyUser, data: dict[str, Any]) -> EmergencyPlan:
    """A new plan, as a draft. Its owner is the drafter unless another is named."""
    user = account(actor)
    plan = EmergencyPlan(last_edited_by=user, owner=user)
    saved = record_save(actor=actor, obj=plan, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                        allowed=PLAN_FIELDS, action="hq.emergency_plan",
                        check=_plan_problems)
    _event(saved, actor, "create")
    return saved


@transaction.atomic
def plan_update(*, actor: AnyUser, plan: EmergencyPlan, data: dict[str, Any],
                version: int | None) -> EmergencyPlan:
    """Edit a draft. A plan submitted or in force changes only by a new version; the date
    its review is due may be brought forward on a plan in force."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, plan)
    allowed = PLAN_FIELDS
    if plan.status not in rules.EDITABLE_STATES:
        changing = {k for k, v in data.items() if getattr(plan, k, None) != v}
        if plan.status != PlanStatus.APPROVED or changing - {"review_due_set"}:
            raise TransitionRefused(_(
                "Only a draft is edited. Start a new version of a plan in force; return a "
                "submitted plan to draft first."))
        allowed = {"review_due_set"}
        data = {k: v for k, v in data.items() if k in allowed}
    fields = set(allowed)
    if plan.status in rules.EDITABLE_STATES:
        fields.add("last_edited_by")
        data = {**data, "last_edited_by": account(actor)}
    saved = record_save(actor=actor, obj=plan, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                        allowed=fields, action="hq.emergency_plan", version=version,
                        check=_plan_problems)
    _event(saved, actor, "update")
    return saved


def may_move(user: AnyUser, plan: EmergencyPlan, action: str) -> bool:
    """May the user make this move now? For pages; ``plan_transition`` decides the same."""
    if rules.next_state(rules.PLAN_TRANSITIONS, action, plan.status) is None:
        return False
    if action == "approve":
        return (can(user, Perm.APPROVE_EMERGENCY_PLAN, plan)
                and plan.last_edited_by_id != user.pk)
    if action == "return":
        return can(user, Perm.APPROVE_EMERGENCY_PLAN, plan) or \
            can(user, Perm.MANAGE_EMERGENCY_PLANS, plan)
    return can(user, Perm.MANAGE_EMERGENCY_PLANS, plan)


@transaction.atomic
def plan_transition(*, actor: AnyUser, plan: EmergencyPlan, action: str, version: int | None,
                    comment: str = "") -> EmergencyPlan:
    """Submit a draft; approve or return a submitted plan. Approving supersedes the plan of
    the same kind in force at the station."""
    if action not in rules.PLAN_TRANSITIONS:
        raise ValidationFailed([FieldError("action", _("Not a step of a plan's workflow."))])
    if action == "approve":
        require(actor, Perm.APPROVE_EMERGENCY_PLAN, plan)
    elif action == "return":
        if not (can(actor, Perm.APPROVE_EMERGENCY_PLAN, plan)
                or can(actor, Perm.MANAGE_EMERGENCY_PLANS, plan)):
            raise Forbidden()
    else:
        require(actor, Perm.MANAGE_EMERGENCY_PLANS, plan)
    check_version(plan, version)
    target = rules.next_state(rules.PLAN_TRANSITIONS, action, plan.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_MOVES[action])
                                % {"status": plan.get_status_display()})
    if action == "approve" and plan.last_edited_by_id == actor.pk:
        raise Forbidden(_("You edited this plan last: another official approves it."))
    comment = comment.strip()
    if action == "return" and not comment:
        raise ValidationFailed([FieldError("comment", _("Say what must change."),
                                           code=ErrorCode.REQUIRED)])
    before = audit.snapshot(plan)
    fields = ["status", "return_note"]
    plan.status = target
    plan.return_note = comment if action == "return" else ""
    if action == "submit":
        plan.submitted_at = timezone.now()
        fields.append("submitted_at")
    if action == "approve":
        plan.approved_by = account(actor)
        plan.approved_on = station_today(plan.duty_station)
        fields += ["approved_by", "approved_on"]
        _supersede_previous(actor, plan)
    if action == "return":
        plan.submitted_at = None
        fields.append("submitted_at")
    save_new_version(plan, fields)
    audit.record(actor=actor, action=f"hq.emergency_plan.{action}", obj=plan,
                 changes=audit.diff(before, audit.snapshot(plan)))
    _event(plan, actor, action, comment)
    return plan


def _supersede_previous(actor: AnyUser, plan: EmergencyPlan) -> None:
    """The plan of the same kind in force at the station stops being in force the day this
    one is approved."""
    for previous in EmergencyPlan.objects.select_for_update().filter(
            duty_station_id=plan.duty_station_id, kind=plan.kind,
            status__in=rules.SUPERSEDE.sources).exclude(pk=plan.pk):
        before = audit.snapshot(previous)
        previous.status = rules.SUPERSEDE.target
        previous.superseded_on = plan.approved_on
        save_new_version(previous, ["status", "superseded_on"])
        audit.record(actor=actor, action="hq.emergency_plan.supersede", obj=previous,
                     changes={**audit.diff(before, audit.snapshot(previous)), "by": plan.pk})
        _event(previous, actor, "supersede", str(plan))


@transaction.atomic
def plan_review(*, actor: AnyUser, plan: EmergencyPlan, version: int | None,
                reviewed_on: dt.date | None = None, note: str = "") -> PlanReview:
    """Record that a plan in force was reviewed and needs no change: its review period starts
    again from that day."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, plan)
    check_version(plan, version)
    if plan.status != PlanStatus.APPROVED:
        raise TransitionRefused(_("Only a plan in force can be reviewed. Its status: "
                                  "%(status)s.") % {"status": plan.get_status_display()})
    today = station_today(plan.duty_station)
    day = reviewed_on or today
    if day > today:
        raise ValidationFailed([FieldError("reviewed_on", _(
            "A review cannot be dated in the future."))])
    if plan.approved_on is not None and day < plan.approved_on:
        raise ValidationFailed([FieldError("reviewed_on", _(
            "A review cannot be dated before the approval (%(date)s).")
            % {"date": plan.approved_on.isoformat()})])
    review = PlanReview.objects.create(plan=plan, reviewed_on=day, reviewed_by=account(actor),
                                       note=note.strip())
    save_new_version(plan, [])
    audit.record(actor=actor, action="hq.emergency_plan.review", obj=plan,
                 changes={"reviewed_on": [None, day.isoformat()], "note": note.strip()})
    _event(plan, actor, "review", note.strip())
    return review


@transaction.atomic
def plan_revise(*, actor: AnyUser, plan: EmergencyPlan) -> EmergencyPlan:
    """Start a new version of a plan in force (or superseded): a draft copy, which replaces
    it once approved."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, plan)
    if plan.status not in {PlanStatus.APPROVED, PlanStatus.SUPERSEDED}:
        raise TransitionRefused(_("A new version is started from a plan that was approved; "
                                  "edit this draft instead."))
    pending = EmergencyPlan.objects.filter(
        duty_station_id=plan.duty_station_id, kind=plan.kind,
        status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED]).first()
    if pending is not None:
        raise TransitionRefused(_("A new version of this plan is already in preparation: "
                                  "%(plan)s.") % {"plan": pending})
    user = account(actor)
    draft = EmergencyPlan(duty_station_id=plan.duty_station_id, kind=plan.kind,
                          title=plan.title, owner_id=plan.owner_id,
                          version_label=plan.version_label, summary=plan.summary,
                          document_reference=plan.document_reference, last_edited_by=user)
    draft.save()
    audit.record(actor=actor, action="hq.emergency_plan.revise", obj=draft,
                 changes={"from": plan.pk, **audit.diff({}, audit.snapshot(draft))})
    _event(draft, actor, "revise", str(plan))
    return draft


# --- Settings ---------------------------------------------------------------------------------

@transaction.atomic
def plan_settings_update(*, actor: AnyUser, periods: dict[str, Any],
                         version: int | None) -> PlanSettings:
    """Change which plans are required and their review and test periods (global holders of
    the right to manage emergency plans only)."""
    if not holds_globally(actor, Perm.MANAGE_EMERGENCY_PLANS):
        raise Forbidden()
    current = PlanSettings.objects.select_for_update().filter(pk=1).first()
    if current is None:
        current = PlanSettings(pk=1, version=0)
    check_version(current, version)
    problems = rules.policy_problems(periods)
    if problems:
        raise ValidationFailed([FieldError(f, m) for f, m in problems])
    before = {"periods": current.periods} if current.version else {}
    current.periods = {kind: dict(periods[kind]) for kind in rules.KINDS}
    current.version += 1
    current.save()
    audit.record(actor=actor, action="hq.plan_settings.update", obj=current,
                 changes=audit.diff(before, {"periods": current.periods}))
    return current


# --- Drills -----------------------------------------------------------------------------------

def _drill_problems(drill: Drill, plans: list[EmergencyPlan] | None) -> list[FieldError]:
    errors = _station_problem(drill.duty_station if drill.duty_station_id else None)
    premises = drill.premises if drill.premises_id is not None else None
    if premises is not None and drill.duty_station_id is not None and \
            premises.duty_station_id != drill.duty_station_id:
        errors.append(FieldError("premises", _("%(premises)s is not at %(station)s.") % {
            "premises": drill.premises, "station": drill.duty_station}))
    if drill.held_on and drill.duty_station_id is not None and \
            drill.held_on > station_today(drill.duty_station):
        errors.append(FieldError("held_on", _("Record a drill once it has been held.")))
    for plan in plans or []:
        if plan.duty_station_id != drill.duty_station_id:
            errors.append(FieldError("plans", _("%(plan)s is a plan of another duty station.")
                                     % {"plan": plan}))
        elif plan.status == PlanStatus.DRAFT:
            errors.append(FieldError("plans", _("%(plan)s is a draft: a drill tests a plan "
                                                "that was submitted or approved.")
                                     % {"plan": plan}))
    return errors


def _plans_set(drill: Drill, plans: list[EmergencyPlan] | None) -> dict[str, Any]:
    if plans is None:
        return {}
    before = sorted(drill.plans.values_list("pk", flat=True))
    drill.plans.set(plans)
    after = sorted(p.pk for p in plans)
    return {"plans": [before, after]} if before != after else {}


@transaction.atomic
def drill_create(*, actor: AnyUser, data: dict[str, Any],
                 plans: list[EmergencyPlan] | None = None) -> Drill:
    drill = Drill(recorded_by=account_or_none(actor))
    return record_save(actor=actor, obj=drill, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                       allowed=DRILL_FIELDS, action="hq.drill",
                       check=lambda d: _drill_problems(d, plans),
                       then=lambda d: _plans_set(d, plans))


@transaction.atomic
def drill_update(*, actor: AnyUser, drill: Drill, data: dict[str, Any], version: int | None,
                 plans: list[EmergencyPlan] | None = None) -> Drill:
    return record_save(actor=actor, obj=drill, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                       allowed=DRILL_FIELDS, action="hq.drill", version=version,
                       check=lambda d: _drill_problems(d, plans),
                       then=lambda d: _plans_set(d, plans))


# --- Corrective actions -----------------------------------------------------------------------

def _action_problems(row: CorrectiveAction) -> list[FieldError]:
    if row.due_on and row.due_on < row.drill.held_on:
        return [FieldError("due_on", _(
            "An action cannot be due before the drill that found it (%(date)s).")
            % {"date": row.drill.held_on.isoformat()})]
    return []


@transaction.atomic
def corrective_action_add(*, actor: AnyUser, drill: Drill, data: dict[str, Any]
                          ) -> CorrectiveAction:
    """A corrective action found by a drill: what to do, who does it, by when."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, drill)
    row = CorrectiveAction(drill=drill)
    return record_save(actor=actor, obj=row, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                       allowed=ACTION_FIELDS, action="hq.corrective_action",
                       check=_action_problems)


@transaction.atomic
def corrective_action_update(*, actor: AnyUser, action: CorrectiveAction,
                             data: dict[str, Any], version: int | None) -> CorrectiveAction:
    """Change an open action's description, owner or due date. A closed action stays as it
    was closed."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, action)
    if action.status != ActionStatus.OPEN:
        raise TransitionRefused(_("A closed action cannot be changed."))
    return record_save(actor=actor, obj=action, perm=Perm.MANAGE_EMERGENCY_PLANS, data=data,
                       allowed=ACTION_FIELDS, action="hq.corrective_action", version=version,
                       check=_action_problems)


@transaction.atomic
def corrective_action_close(*, actor: AnyUser, action: CorrectiveAction, version: int | None,
                            note: str, closed_on: dt.date | None = None) -> CorrectiveAction:
    """Close an open action: how it was done, and when."""
    require(actor, Perm.MANAGE_EMERGENCY_PLANS, action)
    check_version(action, version)
    if action.status != ActionStatus.OPEN:
        raise TransitionRefused(_("This action is closed already."))
    today = station_today(action.drill.duty_station)
    day = closed_on or today
    errors = []
    if not note.strip():
        errors.append(FieldError("note", _("Say how the action was completed."),
                                 code=ErrorCode.REQUIRED))
    if day > today:
        errors.append(FieldError("closed_on", _("An action cannot be closed in the future.")))
    elif day < action.drill.held_on:
        errors.append(FieldError("closed_on", _(
            "An action cannot be closed before the drill that found it (%(date)s).")
            % {"date": action.drill.held_on.isoformat()}))
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(action)
    action.status = ActionStatus.CLOSED
    action.closed_on = day
    action.closing_note = note.strip()
    action.closed_by = account(actor)
    save_new_version(action, ["status", "closed_on", "closing_note", "closed_by"])
    audit.record(actor=actor, action="hq.corrective_action.close", obj=action,
                 changes=audit.diff(before, audit.snapshot(action)))
    return action
