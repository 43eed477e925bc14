"""Security assistance and assessment missions: planned, then completed with their report
or cancelled; the recommendations of a completed mission, followed to closure."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, require, users_with_perm
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.risk.models import Mission, MissionRecommendation

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

MISSION_FIELDS = {"country", "kind", "purpose", "team", "planned_start", "planned_end"}
RECOMMENDATION_FIELDS = {"finding", "recommendation", "owner", "due"}


@transaction.atomic
def mission_create(*, actor: AnyUser, data: dict[str, Any]) -> Mission:
    return record_save(actor=actor, obj=Mission(), perm=Perm.MANAGE_MISSIONS, data=data,
                       allowed=MISSION_FIELDS, action="risk.mission")


@transaction.atomic
def mission_update(*, actor: AnyUser, mission: Mission, data: dict[str, Any],
                   version: int | None) -> Mission:
    require(actor, Perm.MANAGE_MISSIONS, mission)
    check_version(mission, version)
    if mission.status != Mission.Status.PLANNED:
        raise TransitionRefused(_("Only a planned mission changes."))
    return record_save(actor=actor, obj=mission, perm=Perm.MANAGE_MISSIONS, data=data,
                       allowed=MISSION_FIELDS - {"country"}, action="risk.mission",
                       version=version)


@transaction.atomic
def mission_close(*, actor: AnyUser, mission: Mission, outcome: str, version: int | None,
                  completed_on: dt.date | None = None, report: str = "") -> Mission:
    """Record a planned mission as completed (with its date and report) or cancelled."""
    require(actor, Perm.MANAGE_MISSIONS, mission)
    check_version(mission, version)
    if mission.status != Mission.Status.PLANNED:
        raise TransitionRefused(_("This mission is closed already."))
    if outcome not in {"completed", "cancelled"}:
        raise ValidationFailed([FieldError(field="outcome", message=_(
            "Say whether the mission was completed or cancelled."))])
    errors = []
    if outcome == "completed":
        if completed_on is None:
            errors.append(FieldError(field="completed_on", code=ErrorCode.REQUIRED,
                                     message=_("Give the date the mission ended.")))
        elif completed_on > timezone.localdate():
            errors.append(FieldError(field="completed_on", code=ErrorCode.OUT_OF_RANGE,
                                     message=_("A mission cannot end in the future.")))
        if not report.strip():
            errors.append(FieldError(field="report", code=ErrorCode.REQUIRED,
                                     message=_("Summarize the mission's report.")))
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(mission)
    mission.status = outcome
    mission.completed_on = completed_on if outcome == "completed" else None
    mission.report = report.strip()
    save_new_version(mission, ["status", "completed_on", "report"])
    audit.record(actor=actor, action=f"risk.mission.{outcome}", obj=mission,
                 changes=audit.diff(before, audit.snapshot(mission)))
    return mission


@transaction.atomic
def recommendation_save(*, actor: AnyUser, mission: Mission, data: dict[str, Any],
                        recommendation: MissionRecommendation | None = None
                        ) -> MissionRecommendation:
    """The mission team records a finding and its recommendation, with owner and due date."""
    require(actor, Perm.MANAGE_MISSIONS, mission)
    if mission.status != Mission.Status.COMPLETED:
        raise TransitionRefused(_("Recommendations follow a completed mission."))
    created = recommendation is None
    row = recommendation or MissionRecommendation(mission=mission)
    if row.mission_id != mission.pk:
        raise ValidationFailed([FieldError(field="recommendation", message=_(
            "This recommendation belongs to another mission."))])
    before = {} if created else audit.snapshot(row, RECOMMENDATION_FIELDS)
    assign(row, data, RECOMMENDATION_FIELDS)
    validate(row, exclude=["mission"])
    row.save()
    audit.record(actor=actor, action="risk.mission.recommendation_save", obj=mission,
                 changes={"recommendation": row.pk,
                          **audit.diff(before, audit.snapshot(row, RECOMMENDATION_FIELDS))})
    if created:
        notify(users=users_with_perm(Perm.FOLLOW_UP_MISSIONS, mission),
               subject=Msg(gettext_lazy("Mission recommendation for %(country)s due %(date)s"),
                           country=mission.country, date=row.due.isoformat()),
               body=row.recommendation, url=reverse("risk:mission_detail", args=[mission.pk]))
    return row


@transaction.atomic
def recommendation_close(*, actor: AnyUser, recommendation: MissionRecommendation,
                         note: str, closed_on: dt.date | None = None
                         ) -> MissionRecommendation:
    """The country team closes a recommendation, saying how it was done."""
    mission = recommendation.mission
    require(actor, Perm.FOLLOW_UP_MISSIONS, mission)
    if recommendation.status != MissionRecommendation.Status.OPEN:
        raise TransitionRefused(_("This recommendation is closed already."))
    if not note.strip():
        raise ValidationFailed([FieldError(field="note", code=ErrorCode.REQUIRED,
                                           message=_("Say how it was done."))])
    before = audit.snapshot(recommendation)
    recommendation.status = MissionRecommendation.Status.CLOSED
    recommendation.closed_on = closed_on or timezone.localdate()
    recommendation.closure_note = note.strip()
    recommendation.save(update_fields=["status", "closed_on", "closure_note"])
    audit.record(actor=actor, action="risk.mission.recommendation_close", obj=mission,
                 changes={"recommendation": recommendation.pk,
                          **audit.diff(before, audit.snapshot(recommendation))})
    return recommendation
