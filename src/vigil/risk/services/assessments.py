"""Security risk assessments: the register of risks and the programme activities of a draft,
every change kept as a version, and the review from submission to DRO endorsement (the
review shared with security plans, services.review)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, users_with_perm
from vigil.core.errors import FieldError
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import save_new_version
from vigil.risk import proposals, rules
from vigil.risk.models import ProgrammeActivity, RiskEntry, SecurityRiskAssessment, SraVersion
from vigil.risk.services.common import remove_row, require_draft, save_row
from vigil.risk.services.review import Review, move

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser


SRA_FIELDS = {"country", "security_area", "title", "summary", "valid_from", "valid_until",
              "review_due"}
ENTRY_FIELDS = {"threat_category", "description", "at_risk", "likelihood", "impact",
                "mitigation", "moss_categories", "residual_likelihood", "residual_impact",
                "response"}
ACTIVITY_FIELDS = {"organization", "name", "criticality"}


def sra_snapshot(sra: SecurityRiskAssessment) -> dict[str, Any]:
    """Everything a reader compares between two versions, in plain data."""
    header = audit.snapshot(sra, SRA_FIELDS | {"status"})
    return {
        "header": header,
        "entries": [{"id": e.pk, **audit.snapshot(e, ENTRY_FIELDS)}
                    for e in sra.entries.all()],
        "activities": [{"id": a.pk, **audit.snapshot(a, ACTIVITY_FIELDS)}
                       for a in sra.activities.all()],
    }


def _keep_version(actor: AnyUser, sra: SecurityRiskAssessment, reason: str) -> None:
    SraVersion.objects.create(sra=sra, number=sra.version, snapshot=sra_snapshot(sra),
                              reason=reason, created_by_id=cast(int, actor.pk))


@transaction.atomic
def sra_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityRiskAssessment:
    sra = record_save(actor=actor, obj=SecurityRiskAssessment(), perm=Perm.EDIT_SRA, data=data,
                      allowed=SRA_FIELDS, action="risk.sra")
    _keep_version(actor, sra, "created")
    return sra


def _editable(actor: AnyUser, sra: SecurityRiskAssessment, version: int | None) -> None:
    require_draft(actor, Perm.EDIT_SRA, sra, version, _(
        "Only a draft can be changed. This assessment is “%(status)s”.")
        % {"status": sra.get_status_display()})


def _bump(actor: AnyUser, sra: SecurityRiskAssessment, reason: str) -> None:
    """Every change of a part of the SRA makes a new version of the whole."""
    save_new_version(sra, ["title"])
    _keep_version(actor, sra, reason)


@transaction.atomic
def sra_update(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
               version: int | None) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    record_save(actor=actor, obj=sra, perm=Perm.EDIT_SRA, data=data,
                allowed=SRA_FIELDS - {"country"}, action="risk.sra", version=version)
    _keep_version(actor, sra, "edited")
    return sra


def _entry_errors(entry: RiskEntry) -> list[FieldError]:
    unknown = sorted(set(entry.moss_categories or []) - set(rules.MOSS_CATEGORIES)) \
        if isinstance(entry.moss_categories, list) else ["?"]
    if unknown:
        return [FieldError(field="moss_categories", message=_(
            "Not MOSS categories: %(values)s.") % {"values": ", ".join(map(str, unknown))})]
    return []


def _proposal(entry: RiskEntry) -> set[str]:
    """Beside the officer's likelihood, the evidence's proposal for the assessment's area and
    the risk's threat category as it stands today; none for an assessment of a whole
    country or without a source."""
    category = entry.threat_category
    found = proposals.propose(entry.sra.security_area, [category]) \
        if category in rules.THREAT_CATEGORIES else {}
    entry.proposal = proposals.kept(found.get(category))
    return {"proposal"}


@transaction.atomic
def risk_entry_save(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
                    version: int | None, entry: RiskEntry | None = None) -> RiskEntry:
    """Add a risk to the register of a draft SRA, or change one."""
    _editable(actor, sra, version)
    row = save_row(actor=actor, parent=sra, link="sra", fields=ENTRY_FIELDS, data=data,
                   row=entry or RiskEntry(sra=sra, position=sra.entries.count() + 1),
                   action="risk.sra.entry_save", key="entry", check=_entry_errors,
                   derive=_proposal)
    _bump(actor, sra, "register")
    return row


@transaction.atomic
def risk_entry_remove(*, actor: AnyUser, sra: SecurityRiskAssessment, entry: RiskEntry,
                      version: int | None) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    remove_row(actor=actor, parent=sra, row=entry, link="sra", fields=ENTRY_FIELDS,
               action="risk.sra.entry_remove", key="entry")
    _bump(actor, sra, "register")
    return sra


@transaction.atomic
def activity_save(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
                  version: int | None, activity: ProgrammeActivity | None = None
                  ) -> ProgrammeActivity:
    """Add or change a programme activity and its criticality (draft SRAs only)."""
    _editable(actor, sra, version)
    row = save_row(actor=actor, parent=sra, link="sra", fields=ACTIVITY_FIELDS, data=data,
                   row=activity or ProgrammeActivity(sra=sra),
                   action="risk.sra.activity_save", key="activity")
    _bump(actor, sra, "activities")
    return row


@transaction.atomic
def activity_remove(*, actor: AnyUser, sra: SecurityRiskAssessment,
                    activity: ProgrammeActivity, version: int | None
                    ) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    remove_row(actor=actor, parent=sra, row=activity, link="sra", fields=ACTIVITY_FIELDS,
               action="risk.sra.activity_remove", key="activity")
    _bump(actor, sra, "activities")
    return sra


def _needs(sra: SecurityRiskAssessment, action: str) -> list[FieldError]:
    if action == "submit" and not sra.entries.exists():
        return [FieldError(field="entries", message=_(
            "An assessment without any risk in its register cannot be submitted."))]
    return []


def _notify_next(sra: SecurityRiskAssessment, action: str, round_people: list[User]) -> None:
    """Tell whoever must act next; on a return, the officer who submitted and the DO who
    approved the round."""
    url = reverse("risk:sra_detail", args=[sra.pk])
    if action == "submit":
        users, subject = users_with_perm(Perm.APPROVE_SRA, sra), gettext_lazy(
            "SRA “%(title)s” awaits your approval")
    elif action == "approve":
        users, subject = users_with_perm(Perm.ENDORSE_SRA, sra), gettext_lazy(
            "SRA “%(title)s” awaits DRO endorsement")
    elif action == "endorse":
        users, subject = [u for u in (sra.submitted_by,) if u is not None], gettext_lazy(
            "SRA “%(title)s” endorsed")
    else:
        users = round_people
        subject = gettext_lazy("SRA “%(title)s” returned with comments")
    notify(users=users, subject=Msg(subject, title=sra.title), body=sra.return_comment,
           url=url)


SRA_REVIEW = Review[SecurityRiskAssessment](
    noun="sra", transitions=rules.SRA_TRANSITIONS,
    perms={"submit": Perm.EDIT_SRA, "approve": Perm.APPROVE_SRA, "endorse": Perm.ENDORSE_SRA},
    place=("country_id", "security_area_id"),
    refused=gettext_lazy("An assessment that is “%(status)s” cannot be %(action)s."),
    approver_endorses=gettext_lazy("The designated official who approved the assessment does "
                                   "not endorse it too."),
    needs=_needs, tell=_notify_next, kept=_keep_version)


@transaction.atomic
def sra_transition(*, actor: AnyUser, sra: SecurityRiskAssessment, action: str,
                   version: int | None, comment: str = "") -> SecurityRiskAssessment:
    """Submit (officer), approve (DO), endorse (DRO) or return (DO or DRO, with comments)."""
    return move(SRA_REVIEW, actor=actor, document=sra, action=action, version=version,
                       comment=comment)
