"""Writes to safety claims: the HQ security officer records and amends a claim and moves it
through its workflow (hq.safety_rules.CLAIM_TRANSITIONS); a staff member files their own claim
and may withdraw it while it is open. Each write is one transaction, checked, audited, and
kept in the claim's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, account_or_none, can, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version
from vigil.hq import safety_rules as rules
from vigil.hq.models import ClaimantKind, ClaimEvent, SafetyClaim
from vigil.hq.safety_selectors import HQ_KINDS, linkable_incidents
from vigil.people.models import Person

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CLAIM_FIELDS = {"premises", "kind", "claimant_kind", "claimant", "claimant_name",
                "claimant_contact", "occurred_at", "received_on", "description", "currency",
                "amount_claimed", "incident"}
# What a staff member gives when filing their own claim; the rest is set for them.
FILE_FIELDS = {"premises", "kind", "occurred_at", "description", "currency", "amount_claimed",
               "claimant_contact"}
# Why a move is refused, one whole sentence per move (so that each language can phrase it);
# the claim's status is named after it, as a label.
REFUSED_MOVES = {
    "review": gettext_lazy("Only a received claim can be taken under review. Its status: "
                           "%(status)s."),
    "settle": gettext_lazy("Only a claim under review can be settled. Its status: "
                           "%(status)s."),
    "reject": gettext_lazy("Only a claim under review can be rejected. Its status: "
                           "%(status)s."),
    "withdraw": gettext_lazy("Only a received claim or one under review can be withdrawn. "
                             "Its status: %(status)s."),
    "reopen": gettext_lazy("Only a rejected claim can be reopened. Its status: %(status)s."),
}
# An event may be recorded a little ahead of the server's clock (a phone's clock), no more.
FUTURE_SLACK = dt.timedelta(minutes=15)


def _problems(actor: AnyUser, claim: SafetyClaim) -> list[FieldError]:
    errors = []
    if claim.premises_id is not None and claim.premises.duty_station.kind not in HQ_KINDS:
        errors.append(FieldError("premises", _(
            "Claims are kept for the premises of headquarters duty stations and regional "
            "commissions only.")))
    if claim.claimant_kind == ClaimantKind.STAFF:
        if claim.claimant_id is None:
            errors.append(FieldError("claimant", _("Choose the staff member who claims."),
                                     code=ErrorCode.REQUIRED))
        claim.claimant_name = ""
    elif claim.claimant_kind:
        claim.claimant = None
        if not claim.claimant_name.strip():
            errors.append(FieldError("claimant_name", _("Give the claimant's name."),
                                     code=ErrorCode.REQUIRED))
    claim.currency = (claim.currency or "").strip().upper()
    now = timezone.now()
    if claim.occurred_at and claim.occurred_at > now + FUTURE_SLACK:
        errors.append(FieldError("occurred_at", _("It cannot have happened in the future.")))
    if claim.received_on and claim.received_on > timezone.localdate(now) + dt.timedelta(days=1):
        errors.append(FieldError("received_on", _("A claim cannot be received in the future.")))
    if claim.received_on and claim.occurred_at and \
            claim.received_on < claim.occurred_at.date() - dt.timedelta(days=1):
        errors.append(FieldError("received_on", _(
            "A claim cannot be received before the event it concerns.")))
    if claim.incident_id is not None and not linkable_incidents(user=actor).filter(
            pk=claim.incident_id).exists():
        errors.append(FieldError("incident", _("Unknown, or outside your scope."),
                                 code=ErrorCode.UNKNOWN_REFERENCE))
    return errors


def _event(claim: SafetyClaim, actor: AnyUser, action: str, before: str, note: str = ""
           ) -> None:
    ClaimEvent.objects.create(claim=claim, at=timezone.now(), actor=account_or_none(actor),
                              action=action, from_status=before, to_status=claim.status,
                              note=note)


@transaction.atomic
def claim_record(*, actor: AnyUser, data: dict[str, Any]) -> SafetyClaim:
    """The HQ security officer records a claim received (from anyone)."""
    claim = SafetyClaim(filed_by=account_or_none(actor))
    data = {"received_on": timezone.localdate(), **data}
    saved = record_save(actor=actor, obj=claim, perm=Perm.MANAGE_CLAIMS, data=data,
                        allowed=CLAIM_FIELDS, action="hq.claim",
                        check=lambda c: _problems(actor, c))
    _event(saved, actor, "record", "")
    return saved


@transaction.atomic
def claim_update(*, actor: AnyUser, claim: SafetyClaim, data: dict[str, Any],
                 version: int | None) -> SafetyClaim:
    """Amend an open claim's facts. A decided claim is reopened first (a rejected one) or
    stays as decided."""
    require(actor, Perm.MANAGE_CLAIMS, claim)
    if claim.status not in rules.EDITABLE_STATES:
        raise TransitionRefused(_("This claim's status is “%(status)s”: only a received "
                                  "claim or one under review can be changed.")
                                % {"status": claim.get_status_display()})
    saved = record_save(actor=actor, obj=claim, perm=Perm.MANAGE_CLAIMS, data=data,
                        allowed=CLAIM_FIELDS, action="hq.claim", version=version,
                        check=lambda c: _problems(actor, c))
    _event(saved, actor, "update", saved.status)
    return saved


@transaction.atomic
def claim_file(*, actor: AnyUser, data: dict[str, Any]) -> SafetyClaim:
    """A staff member files their own claim: they are its claimant, it is received today."""
    user = account(actor)
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise ValidationFailed([FieldError("claimant", _(
            "Your account is not linked to a staff record: ask the HQ security officer to "
            "record your claim."))])
    unknown = sorted(set(data) - FILE_FIELDS)
    if unknown:
        raise ValidationFailed([FieldError(k, _("This field cannot be set here."))
                                for k in unknown])
    claim = SafetyClaim(filed_by=user, claimant=person, claimant_kind=ClaimantKind.STAFF,
                        received_on=timezone.localdate())
    saved = record_save(actor=actor, obj=claim, perm=Perm.FILE_CLAIM, data=data,
                        allowed=FILE_FIELDS, action="hq.claim.file",
                        check=lambda c: _problems(actor, c))
    _event(saved, actor, "file", "")
    return saved


def may_move(user: AnyUser, claim: SafetyClaim, action: str) -> bool:
    """May the user make this move now? For pages; ``claim_transition`` decides the same."""
    if rules.next_state(rules.CLAIM_TRANSITIONS, action, claim.status) is None:
        return False
    return can(user, Perm.MANAGE_CLAIMS, claim) or (
        action == "withdraw" and can(user, Perm.FILE_CLAIM, claim))


@transaction.atomic
def claim_transition(*, actor: AnyUser, claim: SafetyClaim, action: str, version: int | None,
                     note: str = "", amount_settled: Decimal | None = None) -> SafetyClaim:
    """One move of the claim's workflow. The HQ security officer makes every move; the
    claimant may withdraw their own open claim."""
    if action not in rules.CLAIM_TRANSITIONS:
        raise ValidationFailed([FieldError("action", _("Not a step of a claim's workflow."))])
    if not (can(actor, Perm.MANAGE_CLAIMS, claim)
            or (action == "withdraw" and can(actor, Perm.FILE_CLAIM, claim))):
        raise Forbidden()
    check_version(claim, version)
    target = rules.next_state(rules.CLAIM_TRANSITIONS, action, claim.status)
    if target is None:
        raise TransitionRefused(str(REFUSED_MOVES[action])
                                % {"status": claim.get_status_display()})
    problems = rules.decision_problems(action, amount_claimed=claim.amount_claimed,
                                       amount_settled=amount_settled, note=note)
    if problems:
        raise ValidationFailed([FieldError(f, m, code=ErrorCode.REQUIRED) for f, m in problems])
    before = audit.snapshot(claim)
    previous = claim.status
    claim.status = target
    fields = ["status"]
    if action in rules.DECISIONS:
        claim.decision_note = note.strip()
        claim.decided_on = timezone.localdate()
        claim.decided_by = account(actor)
        fields += ["decision_note", "decided_on", "decided_by"]
    if action == "settle":
        claim.amount_settled = amount_settled
        fields.append("amount_settled")
    if action == "reopen":
        claim.decided_on, claim.decided_by = None, None
        fields += ["decided_on", "decided_by"]
    save_new_version(claim, fields)
    audit.record(actor=actor, action=f"hq.claim.{action}", obj=claim,
                 changes={**audit.diff(before, audit.snapshot(claim)),
                          **({"note": note.strip()} if note.strip() else {})})
    _event(claim, actor, action, previous, note.strip())
    return claim
