"""Pure rules of mission readiness: how ready a new mission or operation is, when each
requirement is due, which are overdue, what an item's status needs, the checklist's workflow,
and the one-word state a list shows. Plain data in, plain data out; no ORM.

The edges, stated once:

- Readiness is the share of *applicable* requirements that are done: done ÷ (all - not
  applicable), as a whole percentage rounded half up. With no applicable requirement there is
  no figure (None, shown as "no data"), never 0 % or 100 %.
- Mandatory readiness is the same over the mandatory requirements only; each category has its
  own readiness over its own requirements.
- A requirement copied from a template is due ``due_offset_days`` after the mission starts
  (negative: before it starts; 0: on its first day).
- A requirement is overdue on day X when it is still open or in progress and its due date is
  before X (due today is not overdue yet).
- The state of a checklist being prepared or started (thresholds below, in the constants):

  * **late** when a mandatory requirement is overdue by more than ``LATE_AFTER_DAYS`` days, or
    the mission's first day has passed (X > start) while a mandatory requirement due on or
    before that day is still open or in progress;
  * **at risk** otherwise, when at least one mandatory requirement is overdue, or at least
    ``AT_RISK_OVERDUE_ITEMS`` requirements of any kind are overdue;
  * **ready** (on track) otherwise: nothing mandatory is overdue.

  A closed or cancelled checklist has no state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.risk.rules import Transition, allowed_actions, next_state

__all__ = ["AT_RISK_OVERDUE_ITEMS", "CATEGORIES", "CHECKLIST_TRANSITIONS", "ITEM_OPEN_STATES",
           "LATE_AFTER_DAYS", "LIVE_STATES", "STATE_LABELS", "Counts", "Item", "Readiness",
           "allowed_actions", "by_category", "close_blockers", "counts_of", "due_date",
           "is_overdue", "item_problems", "mandatory_readiness", "next_state", "percent",
           "readiness", "state"]

# The categories of requirements, in the order a checklist shows them.
CATEGORIES = ("staffing", "equipment", "communications", "premises", "moss", "training",
              "plans")

DONE = "done"
NOT_APPLICABLE = "not_applicable"
ITEM_OPEN_STATES = frozenset({"open", "in_progress"})

# A mandatory requirement overdue by more than this many days makes the checklist late.
LATE_AFTER_DAYS = 14
# This many overdue requirements of any kind put the checklist at risk.
AT_RISK_OVERDUE_ITEMS = 3

READY, AT_RISK, LATE = "ready", "at_risk", "late"
STATE_LABELS = {READY: gettext_lazy("On track"), AT_RISK: gettext_lazy("At risk"),
                LATE: gettext_lazy("Late")}

# --- The checklist's workflow -----------------------------------------------------------------

CHECKLIST_TRANSITIONS: dict[str, Transition] = {
    "start": Transition(frozenset({"preparing"}), "started"),
    "close": Transition(frozenset({"started"}), "closed"),
    "cancel": Transition(frozenset({"preparing", "started"}), "cancelled"),
}
# A checklist is worked on (items updated, added, dates moved) while preparing or started.
LIVE_STATES = frozenset({"preparing", "started"})


@dataclass(frozen=True)
class Item:
    """One requirement as the rules read it."""

    category: str
    mandatory: bool
    status: str
    due_on: dt.date
    text: str = ""


@dataclass(frozen=True)
class Readiness:
    done: int
    applicable: int

    @property
    def percent(self) -> int | None:
        return percent(self.done, self.applicable)


def percent(done: int, applicable: int) -> int | None:
    """done ÷ applicable as a whole percentage, rounded half up; None with nothing
    applicable."""
    if applicable <= 0:
        return None
    return (200 * done + applicable) // (2 * applicable)


def readiness(items: Iterable[Item]) -> Readiness:
    done = applicable = 0
    for item in items:
        if item.status == NOT_APPLICABLE:
            continue
        applicable += 1
        done += item.status == DONE
    return Readiness(done, applicable)


def mandatory_readiness(items: Iterable[Item]) -> Readiness:
    return readiness(i for i in items if i.mandatory)


def by_category(items: Sequence[Item]) -> dict[str, Readiness]:
    """Each category that has requirements, in the checklist's order, with its readiness."""
    return {c: readiness(i for i in items if i.category == c)
            for c in CATEGORIES if any(i.category == c for i in items)}


def due_date(starts_on: dt.date, offset_days: int) -> dt.date:
    return starts_on + dt.timedelta(days=offset_days)


def is_overdue(status: str, due_on: dt.date, today: dt.date) -> bool:
    return status in ITEM_OPEN_STATES and due_on < today


# --- An item's status -------------------------------------------------------------------------

def item_problems(*, status: str, done_on: dt.date | None, evidence: str, mandatory: bool,
                  today: dt.date, not_before: dt.date | None = None) -> list[tuple[str, str]]:
    """Why a requirement cannot have this status, as (field, message): "not applicable" says
    why in the evidence; "done" has a date, not in the future (nor before ``not_before``, when
    given), and a mandatory requirement shows its evidence; other statuses have no done date."""
    problems: list[tuple[str, str]] = []
    has_evidence = bool(evidence.strip())
    if status == DONE:
        if done_on is None:
            problems.append(("done_on", _("Give the day it was done.")))
        elif done_on > today:
            problems.append(("done_on", _("A requirement cannot be done in the future.")))
        elif not_before is not None and done_on < not_before:
            problems.append(("done_on", _("A requirement cannot be done before %(date)s.")
                             % {"date": not_before.isoformat()}))
        if mandatory and not has_evidence:
            problems.append(("evidence", _("Say what shows a mandatory requirement is done.")))
    else:
        if done_on is not None:
            problems.append(("done_on", _("Only a requirement that is done has a done date.")))
        if status == NOT_APPLICABLE and not has_evidence:
            problems.append(("evidence", _("Say why this requirement does not apply.")))
    return problems


def close_blockers(items: Iterable[Item]) -> list[str]:
    """The mandatory requirements that keep a checklist from closing: every mandatory one must
    be done or not applicable."""
    return [i.text for i in items if i.mandatory and i.status in ITEM_OPEN_STATES]


# --- The state of a checklist -----------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """What the state and the figures of a checklist are computed from: in memory
    (``counts_of``) or by the database (the list's annotations)."""

    total: int = 0
    applicable: int = 0
    done: int = 0
    mandatory_applicable: int = 0
    mandatory_done: int = 0
    overdue: int = 0
    mandatory_overdue: int = 0
    oldest_mandatory_due: dt.date | None = None  # the earliest due date among those overdue
    mandatory_open_by_start: int = 0  # mandatory, still open, due on or before the start

    @property
    def percent(self) -> int | None:
        return percent(self.done, self.applicable)

    @property
    def mandatory_percent(self) -> int | None:
        return percent(self.mandatory_done, self.mandatory_applicable)


def counts_of(items: Sequence[Item], *, starts_on: dt.date, today: dt.date) -> Counts:
    overall, mandatory = readiness(items), mandatory_readiness(items)
    overdue = [i for i in items if is_overdue(i.status, i.due_on, today)]
    late_mandatory = [i.due_on for i in overdue if i.mandatory]
    return Counts(
        total=len(items), applicable=overall.applicable, done=overall.done,
        mandatory_applicable=mandatory.applicable, mandatory_done=mandatory.done,
        overdue=len(overdue), mandatory_overdue=len(late_mandatory),
        oldest_mandatory_due=min(late_mandatory) if late_mandatory else None,
        mandatory_open_by_start=sum(1 for i in items if i.mandatory
                                    and i.status in ITEM_OPEN_STATES and i.due_on <= starts_on))


def state(counts: Counts, *, status: str, starts_on: dt.date, today: dt.date) -> str | None:
    """ready, at_risk or late (see the module's docstring); None for a checklist closed or
    cancelled."""
    if status not in LIVE_STATES:
        return None
    oldest = counts.oldest_mandatory_due
    if (oldest is not None and (today - oldest).days > LATE_AFTER_DAYS) or \
            (today > starts_on and counts.mandatory_open_by_start > 0):
        return LATE
    if counts.mandatory_overdue > 0 or counts.overdue >= AT_RISK_OVERDUE_ITEMS:
        return AT_RISK
    return READY
