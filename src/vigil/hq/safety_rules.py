"""Pure rules of safety claims: the workflow, what each decision needs, and the periods the
statistics count by. No ORM.

The settlement rule: a settled claim states the amount settled (zero or more, in the claim's
currency). It may exceed the amount claimed only with a decision note that says why (costs
that rose after the claim was filed, a medical bill received later); otherwise the amount is
refused. A rejection, and a reopening, give their reason in the note."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from vigil.risk.rules import Transition, allowed_actions, next_state

__all__ = ["CLAIM_TRANSITIONS", "OPEN_STATES", "PERIODS", "allowed_actions",
           "decision_problems", "next_state", "period_start"]

CLAIM_TRANSITIONS: dict[str, Transition] = {
    "review": Transition(frozenset({"received"}), "under_review"),
    "settle": Transition(frozenset({"under_review"}), "settled"),
    "reject": Transition(frozenset({"under_review"}), "rejected"),
    "withdraw": Transition(frozenset({"received", "under_review"}), "withdrawn"),
    "reopen": Transition(frozenset({"rejected"}), "under_review"),
}
# Claims still to decide: the HQ security officer's queue.
OPEN_STATES = frozenset({"received", "under_review"})
# A claim's facts change only while it is open.
EDITABLE_STATES = OPEN_STATES
# Moves that write a decision (and so a decision date).
DECISIONS = frozenset({"settle", "reject"})
PERIODS = ("month", "quarter", "year")


def decision_problems(action: str, *, amount_claimed: Decimal | None,
                      amount_settled: Decimal | None, note: str) -> list[tuple[str, str]]:
    """What a move lacks, as (field, message)."""
    problems: list[tuple[str, str]] = []
    note = note.strip()
    if action == "settle":
        if amount_settled is None:
            problems.append(("amount_settled", _("State the amount settled.")))
        elif amount_settled < 0:
            problems.append(("amount_settled", _("The amount settled cannot be negative.")))
        elif amount_claimed is not None and amount_settled > amount_claimed and not note:
            problems.append(("note", _(
                "The amount settled is more than the amount claimed: say why in the note.")))
    elif action in {"reject", "reopen"} and not note:
        problems.append(("note", _("Give the reason.") if action == "reject"
                         else _("Say why the claim is reopened.")))
    return problems


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the month, quarter or year holding ``day``."""
    if period == "year":
        return dt.date(day.year, 1, 1)
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def period_label(start: dt.date, period: str) -> str:
    if period == "year":
        return str(start.year)
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"
