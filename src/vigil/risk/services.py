"""Every write of security risk management: atomic, permission-checked, audited, and moved
through the transition tables of rules.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, can, holds_globally, require, users_with_perm
from vigil.core.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.places.models import SecurityArea
from vigil.risk import rules
from vigil.risk.models import (
    ComplianceAssessment,
    ComplianceResult,
    Mission,
    MissionRecommendation,
    MossDocument,
    MossItem,
    PlanAttachment,
    PlanContact,
    PlanRoute,
    PlanSite,
    PlanZone,
    PremisesSurvey,
    ProgrammeActivity,
    Questionnaire,
    ReviewReminder,
    RiskEntry,
    RiskSettings,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
    SraVersion,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def risk_settings() -> RiskSettings:
    return RiskSettings.objects.get(pk=1)


# --- Configuration ----------------------------------------------------------------------------

@transaction.atomic
def risk_settings_update(*, actor: AnyUser, matrix: Any = None, level_thresholds: Any = None,
                         version: int | None) -> RiskSettings:
    """An administrator changes the risk matrix or the level thresholds (global only)."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    current = RiskSettings.objects.select_for_update().get(pk=1)
    check_version(current, version)
    errors = []
    if matrix is not None:
        errors += [FieldError(field="matrix", message=p) for p in rules.matrix_problems(matrix)]
    if level_thresholds is not None:
        errors += [FieldError(field="level_thresholds", message=p)
                   for p in rules.threshold_problems(level_thresholds)]
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(current, ["matrix", "level_thresholds"])
    if matrix is not None:
        current.matrix = {li: {im: matrix[li][im] for im in rules.IMPACTS}
                          for li in rules.LIKELIHOODS}
    if level_thresholds is not None:
        current.level_thresholds = sorted([int(a), int(b)] for a, b in level_thresholds)
    current.version += 1
    current.save()
    audit.record(actor=actor, action="risk.settings.update", obj=current,
                 changes=audit.diff(before, audit.snapshot(current, ["matrix",
                                                                     "level_thresholds"])))
    return current


# --- Security levels --------------------------------------------------------------------------

def _clean_ratings(ratings: Any) -> tuple[dict[str, dict[str, str]], list[FieldError]]:
    """The five categories, each with a likelihood, an impact and a justification."""
    errors: list[FieldError] = []
    clean: dict[str, dict[str, str]] = {}
    if not isinstance(ratings, dict):
        return clean, [FieldError(field="ratings", message=_("Rate the five threat categories."))]
    for category in rules.THREAT_CATEGORIES:
        item = ratings.get(category)
        if not isinstance(item, dict):
            errors.append(FieldError(field=f"ratings.{category}", code=ErrorCode.REQUIRED,
                                     message=_("Rate this category.")))
            continue
        likelihood, impact = item.get("likelihood"), item.get("impact")
        justification = str(item.get("justification", "")).strip()
        if likelihood not in rules.LIKELIHOODS:
            errors.append(FieldError(field=f"ratings.{category}.likelihood",
                                     message=_("Choose a likelihood.")))
        if impact not in rules.IMPACTS:
            errors.append(FieldError(field=f"ratings.{category}.impact",
                                     message=_("Choose an impact.")))
        if not justification:
            errors.append(FieldError(field=f"ratings.{category}.justification",
                                     code=ErrorCode.REQUIRED,
                                     message=_("Say why: the justification is required.")))
        clean[category] = {"likelihood": str(likelihood), "impact": str(impact),
                           "justification": justification}
    unknown = sorted(set(ratings) - set(rules.THREAT_CATEGORIES))
    errors += [FieldError(field=f"ratings.{c}", message=_("Not a threat category."))
               for c in unknown]
    return clean, errors


def _assessed(ratings: Any, proposed_level: Any, justification: str
              ) -> tuple[dict[str, dict[str, str]], int, int]:
    clean, errors = _clean_ratings(ratings)
    try:
        level = int(proposed_level)
    except (TypeError, ValueError):
        level = 0
    if level not in rules.SECURITY_LEVELS:
        errors.append(FieldError(field="proposed_level", code=ErrorCode.OUT_OF_RANGE,
                                 message=_("Choose a level from 1 to 6.")))
    if errors:
        raise ValidationFailed(errors)
    settings_row = risk_settings()
    derived = rules.derive_security_level(
        {c: (r["likelihood"], r["impact"]) for c, r in clean.items()},
        [(int(a), int(b)) for a, b in settings_row.level_thresholds])
    if level != derived and not justification.strip():
        raise ValidationFailed([FieldError(field="justification", code=ErrorCode.REQUIRED,
                                           message=_(
            "The assessment gives level %(derived)d. Say why you propose %(level)d.")
            % {"derived": derived, "level": level})])
    return clean, derived, level


def _notify_reviewers(review: SecurityLevelReview) -> None:
    url = reverse("risk:level_detail", args=[review.pk])
    notify(users=users_with_perm(Perm.REVIEW_SECURITY_LEVEL, review),
           subject=Msg(gettext_lazy("Security level %(level)d proposed for %(area)s"),
                       level=review.proposed_level, area=review.security_area),
           body=Msg(gettext_lazy("%(who)s proposes level %(level)d (%(label)s). Please review "
                                 "it."),
                    who=review.proposed_by.get_full_name() or review.proposed_by.get_username(),
                    level=review.proposed_level, label=lambda: review.level_label),
           url=url)


@transaction.atomic
def security_level_propose(*, actor: AnyUser, area: SecurityArea, ratings: Any,
                           proposed_level: Any, justification: str = "") -> SecurityLevelReview:
    """The area's security officer proposes a level from a structured threat assessment."""
    review = SecurityLevelReview(security_area=area)
    require(actor, Perm.PROPOSE_SECURITY_LEVEL, review)
    if SecurityLevelReview.objects.filter(
            security_area=area, status__in=rules.OPEN_LEVEL_STATES).exists():
        raise TransitionRefused(_("This area already has a proposal in progress; resubmit or "
                                  "finish that one."))
    clean, derived, level = _assessed(ratings, proposed_level, justification)
    review.ratings, review.derived_level, review.proposed_level = clean, derived, level
    review.justification = justification.strip()
    review.proposed_by, review.proposed_at = actor, timezone.now()  # type: ignore[assignment]
    review.save()
    audit.record(actor=actor, action="risk.security_level.propose", obj=review,
                 changes=audit.diff({}, audit.snapshot(review)))
    _notify_reviewers(review)
    return review


def _move(review: SecurityLevelReview, action: str) -> str:
    target = rules.next_state(rules.LEVEL_TRANSITIONS, action, review.status)
    if target is None:
        raise TransitionRefused(_("A review that is “%(status)s” cannot be %(action)s.")
                                % {"status": review.get_status_display(),
                                   "action": ACTION_LABELS.get(action, action)})
    return target


ACTION_LABELS = {"start_review": _("taken for review"), "approve": _("approved"),
                 "return": _("returned"), "resubmit": _("resubmitted"),
                 "withdraw": _("withdrawn")}


@transaction.atomic
def security_level_withdraw(*, actor: AnyUser, review: SecurityLevelReview,
                            version: int | None) -> SecurityLevelReview:
    """The officer drops a proposal (say, one returned that no longer applies), so the area
    can take a new one."""
    require(actor, Perm.PROPOSE_SECURITY_LEVEL, review)
    if review.proposed_by_id != actor.pk:
        raise Forbidden(_("Only who proposed may withdraw the proposal."))
    check_version(review, version)
    before = audit.snapshot(review)
    review.status = _move(review, "withdraw")
    saved = _save_transition(actor, review, "withdraw", before, version)
    notify(users=users_with_perm(Perm.REVIEW_SECURITY_LEVEL, review),
           subject=Msg(gettext_lazy("Security level proposal for %(area)s withdrawn"),
                       area=review.security_area),
           url=reverse("risk:level_detail", args=[review.pk]))
    return saved


def _decide_guard(actor: AnyUser, review: SecurityLevelReview) -> None:
    require(actor, Perm.REVIEW_SECURITY_LEVEL, review)
    if review.proposed_by_id == actor.pk:
        raise Forbidden(_("Nobody reviews their own proposal."))


def _save_transition(actor: AnyUser, review: SecurityLevelReview, action: str,
                     before: dict[str, Any], version: int | None) -> SecurityLevelReview:
    save_new_version(review, ["status", "reviewer", "review_started_at", "decided_by",
                              "decided_at", "decision_comment", "next_review_due", "ratings",
                              "derived_level", "proposed_level", "justification",
                              "proposed_at"])
    audit.record(actor=actor, action=f"risk.security_level.{action}", obj=review,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review


@transaction.atomic
def security_level_start_review(*, actor: AnyUser, review: SecurityLevelReview,
                                version: int | None) -> SecurityLevelReview:
    _decide_guard(actor, review)
    check_version(review, version)
    before = audit.snapshot(review)
    review.status = _move(review, "start_review")
    review.reviewer, review.review_started_at = actor, timezone.now()  # type: ignore[assignment]
    return _save_transition(actor, review, "start_review", before, version)


@transaction.atomic
def security_level_approve(*, actor: AnyUser, review: SecurityLevelReview,
                           next_review_due: dt.date | None, comment: str = "",
                           version: int | None) -> SecurityLevelReview:
    """A DRO desk officer approves; the approval sets when the level must be reviewed next."""
    _decide_guard(actor, review)
    check_version(review, version)
    today = timezone.localdate()
    if next_review_due is None:
        raise ValidationFailed([FieldError(field="next_review_due", code=ErrorCode.REQUIRED,
                                           message=_("Set the date of the next review."))])
    if next_review_due <= today:
        raise ValidationFailed([FieldError(field="next_review_due",
                                           code=ErrorCode.OUT_OF_RANGE,
                                           message=_("The next review must be in the future."))])
    before = audit.snapshot(review)
    review.status = _move(review, "approve")
    now = timezone.now()
    review.reviewer = review.reviewer or actor  # type: ignore[assignment]
    review.review_started_at = review.review_started_at or now
    review.decided_by, review.decided_at = actor, now  # type: ignore[assignment]
    review.decision_comment, review.next_review_due = comment.strip(), next_review_due
    saved = _save_transition(actor, review, "approve", before, version)
    notify(users=[review.proposed_by], subject=Msg(gettext_lazy(
        "Security level %(level)d approved for %(area)s"), level=review.proposed_level,
        area=review.security_area),
        body=Msg(gettext_lazy("Next review due %(date)s."), date=next_review_due.isoformat()),
        url=reverse("risk:level_detail", args=[review.pk]))
    return saved


@transaction.atomic
def security_level_return(*, actor: AnyUser, review: SecurityLevelReview, comment: str,
                          version: int | None) -> SecurityLevelReview:
    _decide_guard(actor, review)
    check_version(review, version)
    if not comment.strip():
        raise ValidationFailed([FieldError(field="comment", code=ErrorCode.REQUIRED, message=_(
            "Say what must change: a returned proposal needs comments."))])
    before = audit.snapshot(review)
    review.status = _move(review, "return")
    review.decided_by, review.decided_at = actor, timezone.now()  # type: ignore[assignment]
    review.decision_comment = comment.strip()
    saved = _save_transition(actor, review, "return", before, version)
    notify(users=[review.proposed_by], subject=Msg(gettext_lazy(
        "Security level proposal for %(area)s returned"), area=review.security_area),
           body=comment.strip(), url=reverse("risk:level_detail", args=[review.pk]))
    return saved


@transaction.atomic
def security_level_resubmit(*, actor: AnyUser, review: SecurityLevelReview, ratings: Any,
                            proposed_level: Any, justification: str = "",
                            version: int | None) -> SecurityLevelReview:
    """The security officer answers the comments and proposes again."""
    require(actor, Perm.PROPOSE_SECURITY_LEVEL, review)
    check_version(review, version)
    target = _move(review, "resubmit")
    clean, derived, level = _assessed(ratings, proposed_level, justification)
    before = audit.snapshot(review)
    review.status = target
    review.ratings, review.derived_level, review.proposed_level = clean, derived, level
    review.justification = justification.strip()
    review.proposed_by = actor  # type: ignore[assignment]
    review.reviewer = review.review_started_at = review.decided_by = None
    review.decided_at = None
    review.decision_comment = ""  # the comments answered stay in the audit log
    saved = _save_transition(actor, review, "resubmit", before, version)
    _notify_reviewers(review)
    return saved


# --- Security risk assessments ----------------------------------------------------------------

SRA_FIELDS = {"country", "security_area", "title", "summary", "valid_from", "valid_until",
              "review_due"}
ENTRY_FIELDS = {"threat_category", "description", "at_risk", "likelihood", "impact",
                "mitigation", "moss_categories", "residual_likelihood", "residual_impact",
                "response"}
ACTIVITY_FIELDS = {"organization", "name", "criticality"}
# Who moves an SRA: the permission each action needs.
SRA_ACTION_PERMS = {"submit": Perm.EDIT_SRA, "approve": Perm.APPROVE_SRA,
                    "endorse": Perm.ENDORSE_SRA}


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


def _check_dates(sra: SecurityRiskAssessment) -> list[FieldError]:
    errors = []
    if sra.valid_from and sra.valid_until and sra.valid_until < sra.valid_from:
        errors.append(FieldError(field="valid_until", message=_(
            "The end of validity comes before its start.")))
    if sra.valid_from and sra.review_due and sra.review_due < sra.valid_from:
        errors.append(FieldError(field="review_due", message=_(
            "The review falls before the assessment takes effect.")))
    return errors


@transaction.atomic
def sra_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityRiskAssessment:
    sra = SecurityRiskAssessment()
    assign(sra, data, SRA_FIELDS)
    require(actor, Perm.EDIT_SRA, sra)
    validate(sra, extra=_check_dates(sra))
    sra.save()
    audit.record(actor=actor, action="risk.sra.create", obj=sra,
                 changes=audit.diff({}, audit.snapshot(sra)))
    _keep_version(actor, sra, "created")
    return sra


def _editable(actor: AnyUser, sra: SecurityRiskAssessment, version: int | None) -> None:
    require(actor, Perm.EDIT_SRA, sra)
    check_version(sra, version)
    if sra.status != SecurityRiskAssessment.Status.DRAFT:
        raise TransitionRefused(_("Only a draft can be changed. This assessment is "
                                  "“%(status)s”.") % {"status": sra.get_status_display()})


def _bump(actor: AnyUser, sra: SecurityRiskAssessment, reason: str) -> None:
    """Every change of a part of the SRA makes a new version of the whole."""
    save_new_version(sra, ["title"])
    _keep_version(actor, sra, reason)


@transaction.atomic
def sra_update(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
               version: int | None) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    before = audit.snapshot(sra)
    assign(sra, data, SRA_FIELDS - {"country"})
    require(actor, Perm.EDIT_SRA, sra)
    validate(sra, extra=_check_dates(sra))
    save_new_version(sra, sorted(SRA_FIELDS - {"country"}))
    audit.record(actor=actor, action="risk.sra.update", obj=sra,
                 changes=audit.diff(before, audit.snapshot(sra)))
    _keep_version(actor, sra, "edited")
    return sra


def _entry_errors(entry: RiskEntry) -> list[FieldError]:
    unknown = sorted(set(entry.moss_categories or []) - set(rules.MOSS_CATEGORIES)) \
        if isinstance(entry.moss_categories, list) else ["?"]
    if unknown:
        return [FieldError(field="moss_categories", message=_(
            "Not MOSS categories: %(values)s.") % {"values": ", ".join(map(str, unknown))})]
    return []


# --- Rows of a document (register, activities, MOSS items, plan parts) ------------------------

def _save_row(*, actor: AnyUser, parent: models.Model, row: models.Model, link: str,
              fields: set[str], data: dict[str, Any], action: str, key: str,
              errors: list[FieldError] | None = None) -> models.Model:
    """Add or change one row of a document: the row must belong to the document; its fields
    are validated; one audit event names the row under ``key`` and holds what changed."""
    if getattr(row, f"{link}_id") != parent.pk:
        raise ValidationFailed([FieldError(field=key, message=_(
            "This row belongs to another document."))])
    before = {} if row.pk is None else audit.snapshot(row, fields)
    assign(row, data, fields)
    validate(row, exclude=[link], extra=(errors or []) + _row_errors(row))
    row.save()
    audit.record(actor=actor, action=action, obj=parent,
                 changes={key: row.pk, **audit.diff(before, audit.snapshot(row, fields))})
    return row


def _remove_row(*, actor: AnyUser, parent: models.Model, row: models.Model, link: str,
                fields: set[str], action: str, key: str) -> None:
    if getattr(row, f"{link}_id") != parent.pk:
        raise ValidationFailed([FieldError(field=key, message=_(
            "This row belongs to another document."))])
    audit.record(actor=actor, action=action, obj=parent,
                 changes={key: row.pk, **audit.diff(audit.snapshot(row, fields), {})})
    row.delete()


def _row_errors(row: models.Model) -> list[FieldError]:
    """Rules of particular rows: MOSS categories of a risk, attachments, the tree."""
    if isinstance(row, RiskEntry):
        return _entry_errors(row)
    return _attachment_errors(row) + _tree_errors(row)


@transaction.atomic
def risk_entry_save(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
                    version: int | None, entry: RiskEntry | None = None) -> RiskEntry:
    """Add a risk to the register of a draft SRA, or change one."""
    _editable(actor, sra, version)
    row = _save_row(actor=actor, parent=sra, link="sra", fields=ENTRY_FIELDS, data=data,
                    row=entry or RiskEntry(sra=sra, position=sra.entries.count() + 1),
                    action="risk.sra.entry_save", key="entry")
    _bump(actor, sra, "register")
    return row  # type: ignore[return-value]


@transaction.atomic
def risk_entry_remove(*, actor: AnyUser, sra: SecurityRiskAssessment, entry: RiskEntry,
                      version: int | None) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    _remove_row(actor=actor, parent=sra, row=entry, link="sra", fields=ENTRY_FIELDS,
                action="risk.sra.entry_remove", key="entry")
    _bump(actor, sra, "register")
    return sra


@transaction.atomic
def activity_save(*, actor: AnyUser, sra: SecurityRiskAssessment, data: dict[str, Any],
                  version: int | None, activity: ProgrammeActivity | None = None
                  ) -> ProgrammeActivity:
    """Add or change a programme activity and its criticality (draft SRAs only)."""
    _editable(actor, sra, version)
    row = _save_row(actor=actor, parent=sra, link="sra", fields=ACTIVITY_FIELDS, data=data,
                    row=activity or ProgrammeActivity(sra=sra),
                    action="risk.sra.activity_save", key="activity")
    _bump(actor, sra, "activities")
    return row  # type: ignore[return-value]


@transaction.atomic
def activity_remove(*, actor: AnyUser, sra: SecurityRiskAssessment,
                    activity: ProgrammeActivity, version: int | None
                    ) -> SecurityRiskAssessment:
    _editable(actor, sra, version)
    _remove_row(actor=actor, parent=sra, row=activity, link="sra", fields=ACTIVITY_FIELDS,
                action="risk.sra.activity_remove", key="activity")
    _bump(actor, sra, "activities")
    return sra


@transaction.atomic
def sra_transition(*, actor: AnyUser, sra: SecurityRiskAssessment, action: str,
                   version: int | None, comment: str = "") -> SecurityRiskAssessment:
    """Submit (officer), approve (DO), endorse (DRO) or return (DO or DRO, with comments)."""
    target = rules.next_state(rules.SRA_TRANSITIONS, action, sra.status)
    if action == "return":
        perm = Perm.APPROVE_SRA if sra.status == "submitted" else Perm.ENDORSE_SRA
    else:
        perm = SRA_ACTION_PERMS.get(action, Perm.EDIT_SRA)
    require(actor, perm, sra)
    check_version(sra, version)
    if target is None:
        raise TransitionRefused(_("An assessment that is “%(status)s” cannot be "
                                  "%(action)s.") % {"status": sra.get_status_display(),
                                                    "action": SRA_ACTION_LABELS.get(action,
                                                                                    action)})
    if action == "submit" and not sra.entries.exists():
        raise ValidationFailed([FieldError(field="entries", message=_(
            "An assessment without any risk in its register cannot be submitted."))])
    if action == "return" and not comment.strip():
        raise ValidationFailed([FieldError(field="comment", code=ErrorCode.REQUIRED,
                                           message=_("Say what must change."))])
    before = audit.snapshot(sra)
    now = timezone.now()
    sra.status = target
    stamp = {"submit": ("submitted_by", "submitted_at"), "approve": ("approved_by",
                                                                     "approved_at"),
             "endorse": ("endorsed_by", "endorsed_at")}.get(action)
    if stamp:
        setattr(sra, stamp[0], actor)
        setattr(sra, stamp[1], now)
    if action == "endorse" and sra.approved_by_id == actor.pk:
        raise Forbidden(_("The designated official who approved the assessment does not "
                          "endorse it too."))
    round_people = [u for u in (sra.submitted_by, sra.approved_by) if u is not None]
    if action == "return":
        # The round starts again: its approvals no longer hold (the audit log keeps them).
        sra.submitted_by = sra.approved_by = None
        sra.submitted_at = sra.approved_at = None
    sra.return_comment = comment.strip() if action == "return" else ""
    save_new_version(sra, ["status", "submitted_by", "submitted_at", "approved_by",
                           "approved_at", "endorsed_by", "endorsed_at", "return_comment"])
    audit.record(actor=actor, action=f"risk.sra.{action}", obj=sra,
                 changes=audit.diff(before, audit.snapshot(sra)))
    _keep_version(actor, sra, action)
    if action == "endorse":
        _supersede_previous(actor, sra)
    _notify_next(sra, action, round_people=round_people)
    return sra


def _supersede_previous(actor: AnyUser, sra: SecurityRiskAssessment) -> None:
    """The endorsed SRA of the same country and area before this one stops being in force."""
    older = SecurityRiskAssessment.objects.filter(
        country=sra.country, security_area=sra.security_area,
        status=rules.SRA_IN_FORCE).exclude(pk=sra.pk)
    for previous in older:
        before = audit.snapshot(previous)
        previous.status = rules.SRA_SUPERSEDED
        save_new_version(previous, ["status"])
        _keep_version(actor, previous, "superseded")
        audit.record(actor=actor, action="risk.sra.supersede", obj=previous,
                     changes={**audit.diff(before, audit.snapshot(previous)),
                              "by": sra.pk})


SRA_ACTION_LABELS = {"submit": _("submitted"), "approve": _("approved"),
                     "endorse": _("endorsed"), "return": _("returned")}


def _notify_next(sra: SecurityRiskAssessment, action: str, *,
                 round_people: list[Any] | None = None) -> None:
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
        users = list(round_people or [])
        subject = gettext_lazy("SRA “%(title)s” returned with comments")
    notify(users=users, subject=Msg(subject, title=sra.title), body=sra.return_comment,
           url=url)


# --- Reminders of reviews falling due ---------------------------------------------------------

REMIND_DAYS_BEFORE = 30


def _stage(due: dt.date, today: dt.date) -> str | None:
    if due < today:
        return "overdue"
    if (due - today).days <= REMIND_DAYS_BEFORE:
        return "soon"
    return None


@transaction.atomic
def review_reminders_send(*, today: dt.date | None = None) -> int:
    """Tell whoever must act about each security level and SRA review due within 30 days or
    overdue: once per review, stage and due date, however often this runs."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    sent = 0
    latest: dict[int, SecurityLevelReview] = {}
    for review in (SecurityLevelReview.objects.filter(status="approved")
                   .select_related("security_area").order_by("decided_at")):
        latest[review.security_area_id] = review  # the last approved is the level in force
    for review in latest.values():
        due = review.next_review_due
        if due is None or due > horizon:
            continue
        stage = _stage(due, today)
        if stage is None or _already(kind="security_level", pk=review.pk, due=due,
                                     stage=stage):
            continue
        subject = Msg(gettext_lazy("Security level review of %(area)s overdue since %(date)s")
                      if stage == "overdue" else
                      gettext_lazy("Security level review of %(area)s due on %(date)s"),
                      area=review.security_area, date=due.isoformat())
        notify(users=[*users_with_perm(Perm.PROPOSE_SECURITY_LEVEL, review),
                      *users_with_perm(Perm.REVIEW_SECURITY_LEVEL, review)],
               subject=subject, url=reverse("risk:area_levels", args=[review.security_area_id]))
        sent += 1
    for sra in SecurityRiskAssessment.objects.filter(
            status__in=["approved", "endorsed"], review_due__lte=horizon):
        stage = _stage(sra.review_due, today)
        if stage is None or _already(kind="sra", pk=sra.pk, due=sra.review_due, stage=stage):
            continue
        subject = Msg(gettext_lazy("SRA “%(title)s” overdue for review since %(date)s")
                      if stage == "overdue" else
                      gettext_lazy("SRA “%(title)s” due for review on %(date)s"),
                      title=sra.title, date=sra.review_due.isoformat())
        notify(users=[*users_with_perm(Perm.EDIT_SRA, sra),
                      *users_with_perm(Perm.ENDORSE_SRA, sra)],
               subject=subject, url=reverse("risk:sra_detail", args=[sra.pk]))
        sent += 1
    for plan in SecurityPlan.objects.filter(status="endorsed", review_due__lte=horizon):
        stage = _stage(plan.review_due, today)
        if stage is None or _already(kind="plan", pk=plan.pk, due=plan.review_due,
                                     stage=stage):
            continue
        subject = Msg(gettext_lazy("Security plan “%(title)s” overdue for review since "
                                   "%(date)s")
                      if stage == "overdue" else
                      gettext_lazy("Security plan “%(title)s” due for review on %(date)s"),
                      title=plan.title, date=plan.review_due.isoformat())
        notify(users=users_with_perm(Perm.EDIT_PLAN, plan), subject=subject,
               url=reverse("risk:plan_detail", args=[plan.pk]))
        sent += 1
    if sent:
        audit.record(actor=None, action="risk.reminders.send", object_type="risk",
                     changes={"date": today.isoformat(), "sent": sent})
    return sent


def _already(*, kind: str, pk: int, due: dt.date, stage: str) -> bool:
    """Record the reminder; True when it had been sent before."""
    _reminder, created = ReviewReminder.objects.get_or_create(kind=kind, object_id=pk,
                                                              due=due, stage=stage)
    return not created


# --- MOSS -------------------------------------------------------------------------------------

MOSS_ITEM_FIELDS = {"category", "standard", "requirement", "remarks", "applies_to"}
STANDARD_ITEMS = Path(__file__).parent / "data" / "moss_standard.json"


def standard_moss_items() -> list[dict[str, str]]:
    rows = json.loads(STANDARD_ITEMS.read_text(encoding="utf-8"))["items"]
    return [{"category": c, "standard": s, "requirement": r, "applies_to": a}
            for c, s, r, a in rows]


@transaction.atomic
def moss_document_create(*, actor: AnyUser, country: Any, title: str,
                         kind: str = MossDocument.Kind.COUNTRY,
                         sra: SecurityRiskAssessment | None = None,
                         duty_station: Any = None) -> MossDocument:
    """Start a MOSS document, seeded with the standard items. A country MOSS derives from an
    SRA of that country that the DO has approved; H-MOSS covers the premises of one
    headquarters duty station."""
    if duty_station is not None:
        country = duty_station.country
    document = MossDocument(country=country, kind=kind, sra=sra, title=title.strip(),
                            duty_station=duty_station)
    require(actor, Perm.EDIT_MOSS, document)
    errors = []
    if kind == MossDocument.Kind.COUNTRY and duty_station is not None:
        errors.append(FieldError(field="duty_station", message=_(
            "A country MOSS covers the whole country; only H-MOSS names a duty station.")))
    if kind == MossDocument.Kind.HQ and (duty_station is None
                                         or duty_station.kind != "hq"):
        errors.append(FieldError(field="duty_station", code=ErrorCode.REQUIRED, message=_(
            "H-MOSS belongs to a headquarters duty station: choose it.")))
    if kind == MossDocument.Kind.COUNTRY:
        if sra is None:
            errors.append(FieldError(field="sra", code=ErrorCode.REQUIRED, message=_(
                "A country MOSS derives from the SRA in force: choose it.")))
        elif sra.country_id != document.country_id:
            errors.append(FieldError(field="sra", message=_(
                "This SRA assesses another country.")))
        elif sra.status not in {"approved", "endorsed"}:
            errors.append(FieldError(field="sra", message=_(
                "Derive MOSS from an SRA the designated official has approved.")))
    validate(document, extra=errors)
    document.save()
    items = [i for i in standard_moss_items()
             if kind == MossDocument.Kind.COUNTRY or i["applies_to"] in {"all", "premises"}]
    MossItem.objects.bulk_create([MossItem(document=document, position=n, **item)
                                  for n, item in enumerate(items, start=1)])
    audit.record(actor=actor, action="risk.moss.create", obj=document,
                 changes={**audit.diff({}, audit.snapshot(document)), "items": len(items)})
    return document


def _moss_editable(actor: AnyUser, document: MossDocument, version: int | None) -> None:
    require(actor, Perm.EDIT_MOSS, document)
    check_version(document, version)
    if document.status != MossDocument.Status.DRAFT:
        raise TransitionRefused(_("An approved MOSS document does not change; start a new "
                                  "one from the SRA in force."))


@transaction.atomic
def moss_item_save(*, actor: AnyUser, document: MossDocument, data: dict[str, Any],
                   version: int | None, item: MossItem | None = None) -> MossItem:
    _moss_editable(actor, document, version)
    row = _save_row(actor=actor, parent=document, link="document", fields=MOSS_ITEM_FIELDS,
                    data=data, action="risk.moss.item_save", key="item",
                    row=item or MossItem(document=document,
                                         position=document.items.count() + 1))
    save_new_version(document, ["title"])
    return row  # type: ignore[return-value]


@transaction.atomic
def moss_item_remove(*, actor: AnyUser, document: MossDocument, item: MossItem,
                     version: int | None) -> MossDocument:
    _moss_editable(actor, document, version)
    _remove_row(actor=actor, parent=document, row=item, link="document",
                fields=MOSS_ITEM_FIELDS, action="risk.moss.item_remove", key="item")
    save_new_version(document, ["title"])
    return document


@transaction.atomic
def moss_document_approve(*, actor: AnyUser, document: MossDocument,
                          version: int | None) -> MossDocument:
    """DSS approval, given by the DRO desk."""
    require(actor, Perm.APPROVE_MOSS, document)
    check_version(document, version)
    if document.status != MossDocument.Status.DRAFT:
        raise TransitionRefused(_("This MOSS document is approved already."))
    if not document.items.exists():
        raise ValidationFailed([FieldError(field="items", message=_(
            "A MOSS document without items cannot be approved."))])
    before = audit.snapshot(document)
    document.status = MossDocument.Status.APPROVED
    document.approved_by, document.approved_at = actor, timezone.now()  # type: ignore[assignment]
    save_new_version(document, ["status", "approved_by", "approved_at"])
    audit.record(actor=actor, action="risk.moss.approve", obj=document,
                 changes=audit.diff(before, audit.snapshot(document)))
    return document


@transaction.atomic
def compliance_assessment_start(*, actor: AnyUser, document: MossDocument, duty_station: Any,
                                premises: Any = None, residence_of: Any = None,
                                assessed_on: dt.date | None = None) -> ComplianceAssessment:
    """Open an assessment of one duty station, premises or residence against approved MOSS,
    with one result to rate for every item that applies there."""
    if premises is not None:
        duty_station = premises.duty_station
    if residence_of is not None:
        duty_station = residence_of.duty_station
    assessment = ComplianceAssessment(document=document, duty_station=duty_station,
                                      premises=premises, residence_of=residence_of,
                                      assessed_on=assessed_on or timezone.localdate(),
                                      assessor_id=cast(int, actor.pk))
    require(actor, Perm.ASSESS_MOSS, assessment)
    if residence_of is not None and not can(actor, Perm.VIEW_PERSONAL_DATA, residence_of):
        raise Forbidden(_("A residence is personal data: you may not assess this one."))
    errors = []
    if document.status != MossDocument.Status.APPROVED:
        errors.append(FieldError(field="document", message=_(
            "Assess against approved MOSS only.")))
    if duty_station is not None and duty_station.country_id != document.country_id:
        errors.append(FieldError(field="duty_station", message=_(
            "This place is in another country than the MOSS document.")))
    if premises is not None and residence_of is not None:
        errors.append(FieldError(field="premises", message=_(
            "Assess a premises or a residence, not both at once.")))
    if errors:
        raise ValidationFailed(errors)
    validate(assessment)
    assessment.save()
    kind = assessment.target_kind
    items = [i for i in document.items.all() if rules.applies(i.applies_to, kind)]
    ComplianceResult.objects.bulk_create([ComplianceResult(assessment=assessment, item=i)
                                          for i in items])
    audit.record(actor=actor, action="risk.moss.assessment_start", obj=assessment,
                 changes={**audit.diff({}, audit.snapshot(assessment)), "items": len(items)})
    return assessment


@transaction.atomic
def compliance_assessment_record(*, actor: AnyUser, assessment: ComplianceAssessment,
                                 results: dict[int, dict[str, Any]], version: int | None,
                                 final: bool = False) -> ComplianceAssessment:
    """Record the state, evidence and corrective action of each item; make it final when
    every item is rated. Every fault is named by its item."""
    require(actor, Perm.ASSESS_MOSS, assessment)
    check_version(assessment, version)
    if assessment.status != ComplianceAssessment.Status.DRAFT:
        raise TransitionRefused(_("A final assessment does not change; start a new one."))
    rows = {r.item_id: r for r in assessment.results.select_related("item")}
    unknown = sorted(set(results) - set(rows))
    errors = [FieldError(field=f"item-{i}", message=_("Not an item of this assessment."))
              for i in unknown]
    for item_id, row in rows.items():
        given = results.get(item_id, {})
        for key in ("state", "evidence", "corrective_action", "action_owner", "action_due"):
            if key in given:
                setattr(row, key, given[key] if given[key] is not None else (
                    None if key == "action_due" else ""))
        errors += [FieldError(field=f"item-{item_id}-{field}", message=_(message))
                   for field, message in rules.result_problems(
                       row.state, row.corrective_action, row.action_owner, row.action_due,
                       final=final)]
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(assessment)
    ComplianceResult.objects.bulk_update(rows.values(), ["state", "evidence",
                                                         "corrective_action", "action_owner",
                                                         "action_due"])
    assessment.compliance = rules.compliance_percent(r.state for r in rows.values()
                                                     if r.state)
    if final:
        assessment.status = ComplianceAssessment.Status.FINAL
    save_new_version(assessment, ["compliance", "status"])
    audit.record(actor=actor, action="risk.moss.assessment_record", obj=assessment,
                 changes={**audit.diff(before, audit.snapshot(assessment)),
                          "results": {str(k): v for k, v in results.items()}})
    return assessment


# --- Security plans ---------------------------------------------------------------------------

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
PLAN_ACTION_PERMS = {"approve": Perm.APPROVE_PLAN, "endorse": Perm.ENDORSE_PLAN,
                     "return": Perm.ENDORSE_PLAN}


@transaction.atomic
def plan_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityPlan:
    plan = SecurityPlan()
    assign(plan, data, PLAN_FIELDS)
    require(actor, Perm.EDIT_PLAN, plan)
    validate(plan)
    plan.save()
    audit.record(actor=actor, action="risk.plan.create", obj=plan,
                 changes=audit.diff({}, audit.snapshot(plan)))
    return plan


def _plan_editable(actor: AnyUser, plan: SecurityPlan, version: int | None) -> None:
    require(actor, Perm.EDIT_PLAN, plan)
    check_version(plan, version)
    if plan.status == SecurityPlan.Status.APPROVED:
        raise TransitionRefused(_("Only a draft plan changes. Ask DRO to return it first."))
    if plan.status != SecurityPlan.Status.DRAFT:
        raise TransitionRefused(_("An endorsed plan does not change: write the next one as a "
                                  "new plan; its endorsement supersedes this one."))


@transaction.atomic
def plan_update(*, actor: AnyUser, plan: SecurityPlan, data: dict[str, Any],
                version: int | None) -> SecurityPlan:
    _plan_editable(actor, plan, version)
    before = audit.snapshot(plan)
    assign(plan, data, PLAN_FIELDS - {"country"})
    require(actor, Perm.EDIT_PLAN, plan)
    validate(plan)
    save_new_version(plan, sorted(PLAN_FIELDS - {"country"}))
    audit.record(actor=actor, action="risk.plan.update", obj=plan,
                 changes=audit.diff(before, audit.snapshot(plan)))
    return plan


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
    saved = _save_row(actor=actor, parent=plan, row=row or model(plan=plan), link="plan",
                      fields=fields, data=data, action=f"risk.plan.{part}_save", key="row")
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
    _remove_row(actor=actor, parent=plan, row=row, link="plan", fields=PLAN_PARTS[part][1],
                action=f"risk.plan.{part}_remove", key="row")
    save_new_version(plan, ["title"])
    return plan


@transaction.atomic
def plan_transition(*, actor: AnyUser, plan: SecurityPlan, action: str, version: int | None,
                    comment: str = "") -> SecurityPlan:
    """The DO approves a complete draft; DRO endorses it or returns it with comments."""
    perm = PLAN_ACTION_PERMS.get(action)
    if perm is None:
        raise ValidationFailed([FieldError(field="action", message=_("Not a plan action."))])
    require(actor, perm, plan)
    check_version(plan, version)
    target = rules.next_state(rules.PLAN_TRANSITIONS, action, plan.status)
    if target is None:
        raise TransitionRefused(_("A plan that is “%(status)s” cannot be %(action)s.") % {
            "status": plan.get_status_display(), "action": SRA_ACTION_LABELS[action]})
    if action == "approve":
        missing = [FieldError(field=part, code=ErrorCode.REQUIRED, message=message)
                   for part, message in (
                       ("zones", _("Name at least one zone and its warden.")),
                       ("contacts", _("Set out the communication tree.")),
                       ("sites", _("Give at least one concentration point or safe haven.")),
                       ("routes", _("Describe at least one relocation or evacuation route.")))
                   if not getattr(plan, part).exists()]
        if missing:
            raise ValidationFailed(missing)
    if action == "endorse" and plan.approved_by_id == actor.pk:
        raise Forbidden(_("The designated official who approved the plan does not endorse "
                          "it too."))
    if action == "return" and not comment.strip():
        raise ValidationFailed([FieldError(field="comment", code=ErrorCode.REQUIRED,
                                           message=_("Say what must change."))])
    before = audit.snapshot(plan)
    now = timezone.now()
    plan.status = target
    if action == "approve":
        plan.approved_by, plan.approved_at = actor, now  # type: ignore[assignment]
    elif action == "endorse":
        plan.endorsed_by, plan.endorsed_at = actor, now  # type: ignore[assignment]
    else:
        plan.approved_by, plan.approved_at = None, None
    plan.return_comment = comment.strip() if action == "return" else ""
    save_new_version(plan, ["status", "approved_by", "approved_at", "endorsed_by",
                            "endorsed_at", "return_comment"])
    audit.record(actor=actor, action=f"risk.plan.{action}", obj=plan,
                 changes=audit.diff(before, audit.snapshot(plan)))
    if action == "endorse":
        for previous in SecurityPlan.objects.filter(
                country=plan.country, duty_station=plan.duty_station,
                status=SecurityPlan.Status.ENDORSED).exclude(pk=plan.pk):
            old = audit.snapshot(previous)
            previous.status = SecurityPlan.Status.SUPERSEDED
            save_new_version(previous, ["status"])
            audit.record(actor=actor, action="risk.plan.supersede", obj=previous,
                         changes={**audit.diff(old, audit.snapshot(previous)), "by": plan.pk})
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
    return plan


# --- Security assistance and assessment missions ----------------------------------------------

MISSION_FIELDS = {"country", "kind", "purpose", "team", "planned_start", "planned_end"}
RECOMMENDATION_FIELDS = {"finding", "recommendation", "owner", "due"}


def _mission_dates(mission: Mission) -> list[FieldError]:
    if (mission.planned_start and mission.planned_end
            and mission.planned_end < mission.planned_start):
        return [FieldError(field="planned_end", message=_(
            "The mission ends before it starts."))]
    return []


@transaction.atomic
def mission_create(*, actor: AnyUser, data: dict[str, Any]) -> Mission:
    mission = Mission()
    assign(mission, data, MISSION_FIELDS)
    require(actor, Perm.MANAGE_MISSIONS, mission)
    validate(mission, extra=_mission_dates(mission))
    mission.save()
    audit.record(actor=actor, action="risk.mission.create", obj=mission,
                 changes=audit.diff({}, audit.snapshot(mission)))
    return mission


@transaction.atomic
def mission_update(*, actor: AnyUser, mission: Mission, data: dict[str, Any],
                   version: int | None) -> Mission:
    require(actor, Perm.MANAGE_MISSIONS, mission)
    check_version(mission, version)
    if mission.status != Mission.Status.PLANNED:
        raise TransitionRefused(_("Only a planned mission changes."))
    before = audit.snapshot(mission)
    assign(mission, data, MISSION_FIELDS - {"country"})
    validate(mission, extra=_mission_dates(mission))
    save_new_version(mission, sorted(MISSION_FIELDS - {"country"}))
    audit.record(actor=actor, action="risk.mission.update", obj=mission,
                 changes=audit.diff(before, audit.snapshot(mission)))
    return mission


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


# --- Premises vulnerability surveys -----------------------------------------------------------

def questionnaire_specs(questionnaire: Questionnaire) -> list[rules.QuestionSpec]:
    return [rules.QuestionSpec(q.pk, q.weight, tuple(score for _label, score in q.options))
            for section in questionnaire.sections.prefetch_related("questions")
            for q in section.questions.all()]


@transaction.atomic
def premises_survey_record(*, actor: AnyUser, premises: Any, questionnaire: Questionnaire,
                           answers: dict[int, Any], surveyed_on: dt.date | None = None
                           ) -> PremisesSurvey:
    """Answer every question for a premises; the score and the vulnerabilities follow."""
    survey = PremisesSurvey(premises=premises, questionnaire=questionnaire,
                            surveyed_on=surveyed_on or timezone.localdate(),
                            surveyor_id=cast(int, actor.pk), answers={}, score=0)
    require(actor, Perm.SURVEY_PREMISES, survey)
    if not questionnaire.is_active:
        raise ValidationFailed([FieldError(field="questionnaire", message=_(
            "This questionnaire is no longer in use."))])
    specs = questionnaire_specs(questionnaire)
    clean: dict[int, int] = {}
    errors = []
    for spec in specs:
        raw = answers.get(spec.id)
        try:
            option = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            option = -1
        if not 0 <= option < len(spec.scores):
            errors.append(FieldError(field=f"q-{spec.id}", code=ErrorCode.REQUIRED,
                                     message=_("Choose an answer.")))
        else:
            clean[spec.id] = option
    if surveyed_on is not None and surveyed_on > timezone.localdate():
        errors.append(FieldError(field="surveyed_on", code=ErrorCode.OUT_OF_RANGE,
                                 message=_("A survey cannot be dated in the future.")))
    if errors:
        raise ValidationFailed(errors)
    survey.score, survey.vulnerabilities = rules.survey_result(specs, clean)
    survey.answers = {str(k): v for k, v in clean.items()}
    survey.save()
    audit.record(actor=actor, action="risk.survey.record", obj=survey,
                 changes={"premises": premises.pk, "score": survey.score,
                          "vulnerabilities": survey.vulnerabilities})
    return survey


@transaction.atomic
def questionnaire_copy(*, actor: AnyUser, questionnaire: Questionnaire) -> Questionnaire:
    """A new editable questionnaire from one that surveys already used (those keep theirs);
    the copy replaces the original in use."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    copy = Questionnaire.objects.create(name=f"{questionnaire.name} (copy)",
                                        source=questionnaire.source, is_active=True)
    for section in questionnaire.sections.prefetch_related("questions"):
        new_section = copy.sections.create(title=section.title, position=section.position)
        for q in section.questions.all():
            new_section.questions.create(text=q.text, weight=q.weight, options=q.options,
                                         position=q.position)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(is_active=False)
    audit.record(actor=actor, action="risk.questionnaire.copy", obj=copy,
                 changes={"from": questionnaire.pk})
    return copy


def config_saved(*, actor: AnyUser, obj: models.Model, created: bool,
                 before: dict[str, Any]) -> None:
    """Audit a configuration change made in the admin site (questionnaires)."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    audit.record(actor=actor, action=f"risk.config.{'create' if created else 'update'}",
                 obj=obj, changes=audit.diff(before, audit.snapshot(obj)))
