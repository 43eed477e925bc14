"""Security levels: a structured threat assessment proposes a level for an area; DRO takes it
for review and approves it (setting the next review) or returns it with comments; the officer
answers and resubmits, or withdraws it. rules.LEVEL_TRANSITIONS is the table."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, require, users_with_perm
from vigil.core.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.core.validation import check_version, save_new_version
from vigil.places.models import SecurityArea
from vigil.risk import proposals, rules, selectors
from vigil.risk.models import SecurityLevelReview
from vigil.risk.signals import level_approved

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


ACTION_LABELS = {"start_review": gettext_lazy("taken for review"),
                 "approve": gettext_lazy("approved"), "return": gettext_lazy("returned"),
                 "resubmit": gettext_lazy("resubmitted"), "withdraw": gettext_lazy("withdrawn")}


def _clean_ratings(ratings: Any) -> tuple[dict[str, dict[str, Any]], list[FieldError]]:
    """The five categories, each with a likelihood, an impact and a justification. The
    evidence's proposal beside a rating is Vigil's to compute (``_with_proposals``): one sent
    in is refused, so that nobody can store a proposal the evidence did not make."""
    errors: list[FieldError] = []
    clean: dict[str, dict[str, Any]] = {}
    if not isinstance(ratings, dict):
        return clean, [FieldError(field="ratings", message=_("Rate the five threat categories."))]
    for category in rules.THREAT_CATEGORIES:
        item = ratings.get(category)
        if not isinstance(item, dict):
            errors.append(FieldError(field=f"ratings.{category}", code=ErrorCode.REQUIRED,
                                     message=_("Rate this category.")))
            continue
        if "proposal" in item:
            errors.append(FieldError(field=f"ratings.{category}.proposal",
                                     message=_("This field cannot be set here.")))
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
              ) -> tuple[dict[str, dict[str, Any]], int, int]:
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
    settings_row = selectors.risk_settings()
    derived = rules.derive_security_level(
        {c: (r["likelihood"], r["impact"]) for c, r in clean.items()},
        [(int(a), int(b)) for a, b in settings_row.level_thresholds])
    if level != derived and not justification.strip():
        raise ValidationFailed([FieldError(field="justification", code=ErrorCode.REQUIRED,
                                           message=_(
            "The assessment gives level %(derived)d. Say why you propose %(level)d.")
            % {"derived": derived, "level": level})])
    return clean, derived, level


def _with_proposals(area: SecurityArea, clean: dict[str, dict[str, Any]]
                    ) -> dict[str, dict[str, Any]]:
    """Beside each rating, the evidence's proposal for the area and category as it stands
    today (when a source speaks to it); the officer's rating stays as rated."""
    found = proposals.propose(area, list(clean))
    for category, rating in clean.items():
        stored = proposals.kept(found.get(category))
        if stored:
            rating["proposal"] = stored
    return clean


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
    review.ratings = _with_proposals(area, clean)
    review.derived_level, review.proposed_level = derived, level
    review.justification = justification.strip()
    review.proposed_by, review.proposed_at = account(actor), timezone.now()
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
    review.reviewer, review.review_started_at = account(actor), timezone.now()
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
    review.reviewer = review.reviewer or account(actor)
    review.review_started_at = review.review_started_at or now
    review.decided_by, review.decided_at = account(actor), now
    review.decision_comment, review.next_review_due = comment.strip(), next_review_due
    saved = _save_transition(actor, review, "approve", before, version)
    # Whoever depends on the level in force hears of it (travel re-clears the area's trips
    # once this is committed); risk itself knows none of them.
    level_approved.send(sender=SecurityLevelReview, review=saved)
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
    review.decided_by, review.decided_at = account(actor), timezone.now()
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
    review.ratings = _with_proposals(review.security_area, clean)
    review.derived_level, review.proposed_level = derived, level
    review.justification = justification.strip()
    review.proposed_by = account(actor)
    review.reviewer = review.review_started_at = review.decided_by = None
    review.decided_at = None
    review.decision_comment = ""  # the comments answered stay in the audit log
    saved = _save_transition(actor, review, "resubmit", before, version)
    _notify_reviewers(review)
    return saved
