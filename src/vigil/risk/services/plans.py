"""Security plans: the structured parts of a draft (zones and wardens, the communication
tree, concentration points and safe havens, routes, attachments), and the review from DO
approval to DRO endorsement (the review shared with SRAs, services.review)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.authz import Perm, users_with_perm
from vigil.core.errors import ErrorCode, FieldError, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import save_new_version
from vigil.risk import rules
from vigil.risk.models import (
    PlanAttachment,
    PlanContact,
    PlanRoute,
    PlanSite,
    PlanZone,
    SecurityPlan,
)
from vigil.risk.services.common import remove_row, require_draft, save_row
from vigil.risk.services.review import Review, move

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser

PLAN_FIELDS = {"country", "duty_station", "title", "review_due"}
# The structured parts of a plan: model and the fields a person fills.
PLAN_PARTS: dict[str, tuple[type[models.Model], set[str]]] = {
    "zones": (PlanZone, {"name", "description", "warden", "warden_phone", "deputy"}),
    "contacts": (PlanContact, {"role", "name", "phone", "radio_callsign", "reports_to"}),
    "sites": (PlanSite, {"kind", "name", "latitude", "longitude", "capacity", "notes"}),
    "routes": (PlanRoute, {"kind", "name", "description", "destination", "trigger"}),
    "attachments": (PlanAttachment, {"title", "file"}),
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf", ".docx", ".xlsx", ".odt", ".ods", ".png", ".jpg", ".jpeg"}


@transaction.atomic
def plan_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityPlan:
    return record_save(actor=actor, obj=SecurityPlan(), perm=Perm.EDIT_PLAN, data=data,
                       allowed=PLAN_FIELDS, action="risk.plan")


def _plan_editable(actor: AnyUser, plan: SecurityPlan, version: int | None) -> None:
    require_draft(actor, Perm.EDIT_PLAN, plan, version, _(
        "Only a draft plan changes. Ask DRO to return it first.")
        if plan.status == SecurityPlan.Status.APPROVED else _(
        "An endorsed plan does not change: write the next one as a new plan; its endorsement "
        "supersedes this one."))


@transaction.atomic
def plan_update(*, actor: AnyUser, plan: SecurityPlan, data: dict[str, Any],
                version: int | None) -> SecurityPlan:
    _plan_editable(actor, plan, version)
    return record_save(actor=actor, obj=plan, perm=Perm.EDIT_PLAN, data=data,
                       allowed=PLAN_FIELDS - {"country"}, action="risk.plan", version=version)


def _attachment_errors(row: models.Model) -> list[FieldError]:
    upload = getattr(row, "file", None)
    if not upload or not hasattr(upload, "size"):
        return []
    errors = []
    if upload.size > ATTACHMENT_MAX_BYTES:
        errors.append(FieldError(field="file", code=ErrorCode.OUT_OF_RANGE, message=_(
            "The file is larger than 10 MB.")))
    if Path(upload.name).suffix.lower() not in ATTACHMENT_TYPES:
        errors.append(FieldError(field="file", message=_(
            "Attach a PDF, Word, Excel, OpenDocument or image file.")))
    return errors


@transaction.atomic
def plan_part_save(*, actor: AnyUser, plan: SecurityPlan, part: str, data: dict[str, Any],
                   version: int | None, row: models.Model | None = None) -> models.Model:
    """Add or change one row of a structured part of a draft plan."""
    if part not in PLAN_PARTS:
        raise ValidationFailed([FieldError(field="part", message=_("Not a part of a plan."))])
    _plan_editable(actor, plan, version)
    model, fields = PLAN_PARTS[part]
    reports_to = data.get("reports_to")
    if reports_to is not None and getattr(reports_to, "plan_id", plan.pk) != plan.pk:
        raise ValidationFailed([FieldError(field="reports_to", message=_(
            "Choose someone of this plan's tree."))])
    saved = save_row(actor=actor, parent=plan, row=row or model(plan=plan), link="plan",
                     fields=fields, data=data, action=f"risk.plan.{part}_save", key="row",
                     check=lambda row: _attachment_errors(row) + _tree_errors(row))
    save_new_version(plan, ["title"])
    return saved


def _tree_errors(row: models.Model) -> list[FieldError]:
    """The communication tree is a tree: nobody reports, through others, to themself."""
    if not isinstance(row, PlanContact) or row.reports_to_id is None:
        return []
    seen = {row.pk} if row.pk else set()
    current = row.reports_to
    while current is not None:
        if current.pk in seen:
            return [FieldError(field="reports_to", message=_(
                "This would make the communication tree loop."))]
        seen.add(current.pk)
        current = current.reports_to
    return []


@transaction.atomic
def plan_part_remove(*, actor: AnyUser, plan: SecurityPlan, part: str, row: models.Model,
                     version: int | None) -> SecurityPlan:
    if part not in PLAN_PARTS:
        raise ValidationFailed([FieldError(field="part", message=_("Not a part of a plan."))])
    _plan_editable(actor, plan, version)
    remove_row(actor=actor, parent=plan, row=row, link="plan", fields=PLAN_PARTS[part][1],
               action=f"risk.plan.{part}_remove", key="row")
    save_new_version(plan, ["title"])
    return plan


# The parts an approved plan must have, each with what to do when it is missing.
REQUIRED_PARTS = (
    ("zones", gettext_lazy("Name at least one zone and its warden.")),
    ("contacts", gettext_lazy("Set out the communication tree.")),
    ("sites", gettext_lazy("Give at least one concentration point or safe haven.")),
    ("routes", gettext_lazy("Describe at least one relocation or evacuation route.")),
)


def _needs(plan: SecurityPlan, action: str) -> list[FieldError]:
    if action != "approve":
        return []
    return [FieldError(field=part, code=ErrorCode.REQUIRED, message=str(message))
            for part, message in REQUIRED_PARTS if not getattr(plan, part).exists()]


def _notify_next(plan: SecurityPlan, action: str, round_people: list[User]) -> None:
    """An approved plan goes to DRO; a returned one back to its officers and the DO."""
    url = reverse("risk:plan_detail", args=[plan.pk])
    if action == "approve":
        notify(users=users_with_perm(Perm.ENDORSE_PLAN, plan), url=url,
               subject=Msg(gettext_lazy("Security plan “%(title)s” awaits DRO endorsement"),
                           title=plan.title))
    elif action == "return":
        notify(users=[*users_with_perm(Perm.EDIT_PLAN, plan),
                      *users_with_perm(Perm.APPROVE_PLAN, plan)], url=url,
               subject=Msg(gettext_lazy("Security plan “%(title)s” returned with comments"),
                           title=plan.title), body=plan.return_comment)


PLAN_REVIEW = Review[SecurityPlan](
    noun="plan", transitions=rules.PLAN_TRANSITIONS,
    perms={"approve": Perm.APPROVE_PLAN, "endorse": Perm.ENDORSE_PLAN},
    place=("country_id", "duty_station_id"),
    refused=gettext_lazy("A plan that is “%(status)s” cannot be %(action)s."),
    approver_endorses=gettext_lazy("The designated official who approved the plan does not "
                                   "endorse it too."),
    needs=_needs, tell=_notify_next)


@transaction.atomic
def plan_transition(*, actor: AnyUser, plan: SecurityPlan, action: str, version: int | None,
                    comment: str = "") -> SecurityPlan:
    """The DO approves a complete draft; DRO endorses it or returns it with comments."""
    return move(PLAN_REVIEW, actor=actor, document=plan, action=action,
                       version=version, comment=comment)
