"""Every write of aviation advice. Each service checks the permission, validates, writes and
records its audit event.

An assessment recorded, or one that lapses, changes the suitability in force on travel's air
operator record through travel's own services: clearance reads it from there."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.aviation import rules, selectors
from vigil.aviation.models import AdviceRequest, Assessment, AviationSettings
from vigil.core import audit
from vigil.core.authz import Perm, account, can, require, users_with_perm
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.travel import services as travel_services

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.travel.models import AirOperator

ASSESSMENT_FIELDS = {"outcome", "icao_ei_score", "state_audit_note", "iosa_registered",
                     "iosa_expires", "bars_registered", "bars_expires", "incident_history",
                     "conditions", "note", "assessed_on", "valid_until"}
ADVICE_FIELDS = {"country", "operator", "origin", "destination", "question"}
SETTINGS_FIELDS = {"advice_target_hours", "validity_months"}


# --- Assessments -------------------------------------------------------------------------------

def _write_standing(*, actor: AnyUser, operator: AirOperator, on: dt.date) -> bool:
    """Put the suitability the assessments give on ``on`` onto the operator's record, when it
    differs from what is there."""
    now = selectors.operator_standing(operator.pk, on)
    if (operator.suitability, operator.suitability_note, operator.suitability_valid_until) == (
            now.suitability, now.note, now.valid_until):
        return False
    travel_services.operator_assess(actor=actor, operator=operator, suitability=now.suitability,
                                    note=now.note, valid_until=now.valid_until)
    return True


@transaction.atomic
def assessment_record(*, actor: AnyUser, operator: AirOperator,
                      data: dict[str, Any]) -> Assessment:
    """Record a suitability assessment; it replaces the one before it, and its outcome
    becomes the operator's suitability in force."""
    assessment = Assessment(operator=operator, assessor=account(actor))
    require(actor, Perm.ASSESS_AIR_OPERATOR, operator)
    assign(assessment, {"assessed_on": timezone.localdate(), **data}, ASSESSMENT_FIELDS)
    for name in ("state_audit_note", "incident_history", "conditions", "note"):
        setattr(assessment, name, (getattr(assessment, name) or "").strip())
    faults: list[FieldError] = []
    if isinstance(assessment.assessed_on, dt.date) and assessment.outcome:
        faults = [FieldError(name, str(message)) for name, message in
                  rules.assessment_faults(assessment.facts(), timezone.localdate())]
    validate(assessment, extra=faults)
    assessment.save()
    audit.record(actor=actor, action="aviation.assessment.create", obj=assessment,
                 changes=audit.diff({}, audit.snapshot(assessment)))
    _write_standing(actor=actor, operator=operator, on=timezone.localdate())
    return assessment


@transaction.atomic
def assessments_from_flags() -> int:
    """Vigil itself: each operator whose suitability was set in travel without an assessment
    (suitable or not) gets one, its basis "Migrated from the travel flag.", as the data
    migration did for the flags set before assessments were kept. Returns how many."""
    flagged = selectors.operators_flagged_without_assessment()
    created = Assessment.objects.bulk_create([
        Assessment(operator=o, outcome=o.suitability, assessed_on=timezone.localdate(),
                   valid_until=o.suitability_valid_until,
                   conditions=o.suitability_note
                   if o.suitability == rules.WITH_CONDITIONS else "",
                   note=f"{rules.MIGRATED_BASIS} {o.suitability_note}".strip())
        for o in flagged], batch_size=500)
    if created:
        audit.record(actor=None, action="aviation.assessment.migrate",
                     object_type="aviation.assessment", changes={"created": len(created)})
    return len(created)


@transaction.atomic
def operators_expire(*, on: dt.date | None = None) -> int:
    """Vigil itself: each operator whose assessment in force lapsed before ``on`` (today)
    falls back to what its assessments give now (not assessed). Idempotent: a second run
    finds nothing to do. Returns how many operators changed."""
    day = on or timezone.localdate()
    changed = 0
    for operator in selectors.operators_lapsed(day):
        now = selectors.operator_standing(operator.pk, day)
        note = now.note if now.suitability != rules.NOT_ASSESSED else _(
            "The assessment lapsed on %(date)s.") % {
                "date": operator.suitability_valid_until.isoformat()
                if operator.suitability_valid_until else ""}
        if travel_services.operator_suitability_lapse(
                operator=operator, on=day, suitability=now.suitability, note=note,
                valid_until=now.valid_until):
            changed += 1
    return changed


@transaction.atomic
def operator_facts_update(*, actor: AnyUser, operator: AirOperator, data: dict[str, Any],
                          version: int | None = None) -> AirOperator:
    """The registry facts an aviation officer keeps: certificate state and fleet notes."""
    return travel_services.operator_update(actor=actor, operator=operator, data=data,
                                           version=version)


# --- Advice requests -----------------------------------------------------------------------------

def _route_check(advice: AdviceRequest) -> list[FieldError]:
    if advice.operator_id is None and not (advice.origin.strip() and
                                           advice.destination.strip()):
        return [FieldError("operator", _("Name the air operator, or the route (from and "
                                         "to), the question is about."), ErrorCode.REQUIRED)]
    return []


@transaction.atomic
def advice_ask(*, actor: AnyUser, data: dict[str, Any]) -> AdviceRequest:
    """An air-travel focal point or a security professional asks for advice; the aviation
    officers are told."""
    advice = AdviceRequest(requester=account(actor), asked_at=timezone.now())
    for name in ("origin", "destination", "question"):
        if isinstance(data.get(name), str):
            data = {**data, name: data[name].strip()}
    saved = record_save(actor=actor, obj=advice, perm=Perm.REQUEST_AVIATION_ADVICE, data=data,
                        allowed=ADVICE_FIELDS, action="aviation.advice", check=_route_check)
    notify(users=users_with_perm(Perm.ANSWER_AVIATION_ADVICE, saved),
           subject=Msg(gettext_lazy("Aviation advice asked: %(reference)s %(subject)s"),
                       reference=saved.reference, subject=saved.subject),
           body=saved.question, url=reverse("aviation:advice_detail", args=[saved.pk]))
    return saved


def _move(advice: AdviceRequest, target: str) -> None:
    if not rules.advice_may_move(advice.status, target):
        raise TransitionRefused(_("Advice request %(reference)s is %(status)s: it cannot "
                                  "be %(target)s.") % {
            "reference": advice.reference, "status": advice.get_status_display().lower(),
            "target": AdviceRequest.Status(target).label.lower()})


@transaction.atomic
def advice_answer(*, actor: AnyUser, advice: AdviceRequest, answer: str,
                  version: int | None = None) -> AdviceRequest:
    """The aviation officer answers; the response time is counted from asking to now."""
    require(actor, Perm.ANSWER_AVIATION_ADVICE, advice)
    check_version(advice, version)
    _move(advice, rules.ADVICE_ANSWERED)
    if not answer.strip():
        raise ValidationFailed([FieldError("answer", _("Write the answer."),
                                           ErrorCode.REQUIRED)])
    before = audit.snapshot(advice)
    advice.answer, advice.status = answer.strip(), rules.ADVICE_ANSWERED
    advice.answered_by, advice.answered_at = account(actor), timezone.now()
    save_new_version(advice, ["answer", "status", "answered_by", "answered_at"])
    audit.record(actor=actor, action="aviation.advice.answer", obj=advice,
                 changes=audit.diff(before, audit.snapshot(advice)))
    notify(users=[advice.requester],
           subject=Msg(gettext_lazy("Aviation advice answered: %(reference)s %(subject)s"),
                       reference=advice.reference, subject=advice.subject),
           body=advice.answer, url=reverse("aviation:advice_detail", args=[advice.pk]))
    return advice


@transaction.atomic
def advice_close(*, actor: AnyUser, advice: AdviceRequest, note: str = "",
                 version: int | None = None) -> AdviceRequest:
    """Close a request: once answered, by either side; unanswered (withdrawn, a duplicate),
    by the aviation officer with a note saying why, or by the requester withdrawing it."""
    answers = can(actor, Perm.ANSWER_AVIATION_ADVICE, advice)
    if not answers and advice.requester_id != actor.pk:
        require(actor, Perm.ANSWER_AVIATION_ADVICE, advice)
    check_version(advice, version)
    _move(advice, rules.ADVICE_CLOSED)
    if advice.status == rules.ADVICE_NEW and answers and not note.strip():
        raise ValidationFailed([FieldError("closing_note", _(
            "Say why the request is closed without an answer."), ErrorCode.REQUIRED)])
    before = audit.snapshot(advice)
    advice.status, advice.closed_at = rules.ADVICE_CLOSED, timezone.now()
    advice.closing_note = note.strip()
    save_new_version(advice, ["status", "closed_at", "closing_note"])
    audit.record(actor=actor, action="aviation.advice.close", obj=advice,
                 changes=audit.diff(before, audit.snapshot(advice)))
    return advice


# --- Settings ----------------------------------------------------------------------------------

@transaction.atomic
def settings_update(*, actor: AnyUser, data: dict[str, Any],
                    version: int | None = None) -> AviationSettings:
    return record_save(actor=actor, obj=selectors.aviation_settings(),
                       perm=Perm.CONFIGURE_AVIATION, data=data, allowed=SETTINGS_FIELDS,
                       action="aviation.settings", version=version)
