"""The review that SRAs and security plans share (rules.review_transitions): who may make each
move, what a move stamps, the return that reopens the draft, and the endorsement that
supersedes the document in force for the same place. Each document says only what differs:
its table, its rights, its place, what a move needs and whom it tells."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, can, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.validation import check_version, save_new_version
from vigil.risk import rules
from vigil.risk.models import SecurityPlan, SecurityRiskAssessment

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser

Document = TypeVar("Document", SecurityRiskAssessment, SecurityPlan)

ACTION_LABELS = {"submit": gettext_lazy("submitted"), "approve": gettext_lazy("approved"),
                 "endorse": gettext_lazy("endorsed"), "return": gettext_lazy("returned")}
# Who made a move and when: <stamp>_by and <stamp>_at. A return clears the round's submission
# and approval.
STAMPS = {"submit": "submitted", "approve": "approved", "endorse": "endorsed"}


@dataclass(frozen=True)
class Review(Generic[Document]):
    noun: str  # audit actions are risk.<noun>.<action>
    transitions: Mapping[str, rules.Transition]
    perms: Mapping[str, Perm]  # by step: submit, approve, endorse
    place: tuple[str, ...]  # the fields of the place a document is in force for
    refused: Any  # translatable, with %(status)s and %(action)s
    approver_endorses: Any  # translatable: why the DO who approved does not endorse
    needs: Callable[[Document, str], list[FieldError]]  # what a move needs of the document
    tell: Callable[[Document, str, list[User]], None]  # whoever acts next; the round's people
    kept: Callable[[AnyUser, Document, str], None] | None = None  # after each saved change

    def perm(self, action: str, status: str) -> Perm:
        return self.perms[rules.review_step(action, status)]

    @property
    def stamps(self) -> dict[str, str]:
        return {action: STAMPS[action] for action in self.transitions if action in STAMPS}


def may(review: Review[Document], user: AnyUser, document: Document, action: str) -> bool:
    """May the user make this move now? For pages; ``move`` decides the same way."""
    return (action in rules.allowed_actions(review.transitions, document.status)
            and can(user, review.perm(action, document.status), document)
            and not (action == "endorse" and document.approved_by_id == user.pk))


def move(review: Review[Document], *, actor: AnyUser, document: Document, action: str,
         version: int | None, comment: str = "") -> Document:
    """Make one move of the review; the caller's service holds the transaction."""
    if action not in review.transitions:
        raise ValidationFailed([FieldError(field="action", message=_(
            "Not a step of this review."))])
    require(actor, review.perm(action, document.status), document)
    check_version(document, version)
    target = rules.next_state(review.transitions, action, document.status)
    if target is None:
        raise TransitionRefused(review.refused % {"status": document.get_status_display(),
                                                  "action": ACTION_LABELS[action]})
    if action == "endorse" and document.approved_by_id == actor.pk:
        raise Forbidden(review.approver_endorses)
    errors = review.needs(document, action)
    if action == "return" and not comment.strip():
        errors.append(FieldError(field="comment", code=ErrorCode.REQUIRED,
                                 message=_("Say what must change.")))
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(document)
    stamps = review.stamps
    the_round = [stamps[step] for step in ("submit", "approve") if step in stamps]
    round_people: list[User] = [user for user in (
        getattr(document, f"{stamp}_by") for stamp in the_round) if user is not None]
    document.status = target
    if action in stamps:
        setattr(document, f"{stamps[action]}_by", account(actor))
        setattr(document, f"{stamps[action]}_at", timezone.now())
    if action == "return":  # the round starts again; the audit log keeps its approvals
        for stamp in the_round:
            setattr(document, f"{stamp}_by", None)
            setattr(document, f"{stamp}_at", None)
    document.return_comment = comment.strip() if action == "return" else ""
    save_new_version(document, ["status", "return_comment"] + [
        f"{stamp}_{part}" for stamp in stamps.values() for part in ("by", "at")])
    audit.record(actor=actor, action=f"risk.{review.noun}.{action}", obj=document,
                 changes=audit.diff(before, audit.snapshot(document)))
    if review.kept is not None:
        review.kept(actor, document, action)
    if action == "endorse":
        supersede_previous(review, actor=actor, document=document)
    review.tell(document, action, round_people)
    return document


def supersede_previous(review: Review[Document], *, actor: AnyUser,
                       document: Document) -> None:
    """The document in force for the same place before this one stops being in force."""
    place = {field: getattr(document, field) for field in review.place}
    older = type(document)._default_manager.filter(
        status__in=rules.SUPERSEDE.sources, **place).exclude(pk=document.pk)
    for previous in older:
        before = audit.snapshot(previous)
        previous.status = rules.SUPERSEDE.target
        save_new_version(previous, ["status"])
        if review.kept is not None:
            review.kept(actor, previous, "superseded")
        audit.record(actor=actor, action=f"risk.{review.noun}.supersede", obj=previous,
                     changes={**audit.diff(before, audit.snapshot(previous)),
                              "by": document.pk})
