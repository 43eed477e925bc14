"""Pure rules of emergency plans and drills: the plan workflow, the configured periods, the
review-due date, and whether a duty station's plans are "updated and tested as required" on a
day (SP1.c). Plain data in, plain data out; no ORM.

The edges, stated once:

- A period of N months from day B ends on the same day of the month N months later; when that
  month is shorter, on its last day (31 January + 1 month = 28 or 29 February).
- A plan is due for review on D = (approval or last review) + review period, or on the date
  set explicitly when that is earlier and later than the approval or last review. It is on
  time if reviewed on D, and overdue from D + 1.
- A kind of plan is tested on time on day X while X is no later than (last drill that tested a
  plan of that kind, held on or before X) + test period; overdue from the day after.
- The plan in force on X is the one approved on or before X and not superseded on or before X.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.risk.rules import Transition, allowed_actions, next_state

__all__ = ["KINDS", "PLAN_TRANSITIONS", "SUPERSEDE", "Drilled", "KindPolicy", "KindState",
           "PeriodStatus", "Reason", "ReasonCode", "StationStatus", "Tenure", "add_months",
           "allowed_actions", "default_policy", "default_policy_data", "next_state",
           "policy_from_data", "policy_problems", "review_due", "station_status",
           "status_over"]

KINDS = ("crisis", "evacuation", "contingency")

# --- The workflow -----------------------------------------------------------------------------

PLAN_TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({"draft"}), "submitted"),
    "approve": Transition(frozenset({"submitted"}), "approved"),
    "return": Transition(frozenset({"submitted"}), "draft"),
}
# Approving a plan supersedes the one in force of the same kind at the station: not a move
# anyone asks for, so not in the table.
SUPERSEDE = Transition(frozenset({"approved"}), "superseded")
# Only a draft is edited; a plan in force changes by a new version (a new draft).
EDITABLE_STATES = frozenset({"draft"})
IN_FORCE_STATES = frozenset({"approved"})


# --- The configured periods -------------------------------------------------------------------

@dataclass(frozen=True)
class KindPolicy:
    required: bool = True
    review_months: int = 12
    test_months: int = 12


MAX_MONTHS = 60


def default_policy() -> dict[str, KindPolicy]:
    return {kind: KindPolicy() for kind in KINDS}


def default_policy_data() -> dict[str, dict[str, object]]:
    return {kind: {"required": p.required, "review_months": p.review_months,
                   "test_months": p.test_months} for kind, p in default_policy().items()}


def policy_problems(data: object) -> list[tuple[str, str]]:
    """Why a settings table cannot be used, as (field, message): one entry per kind, each with
    ``required`` (true or false) and two periods of 1 to 60 whole months."""
    if not isinstance(data, Mapping):
        return [("periods", _("Give the periods of each kind of plan."))]
    problems = []
    unknown = sorted(set(data) - set(KINDS))
    if unknown:
        problems.append(("periods", _("Unknown kind of plan: %(kinds)s.")
                         % {"kinds": ", ".join(map(str, unknown))}))
    for kind in KINDS:
        entry = data.get(kind)
        if not isinstance(entry, Mapping):
            problems.append((kind, _("Missing.")))
            continue
        if not isinstance(entry.get("required"), bool):
            problems.append((f"{kind}_required", _("Say whether this plan is required.")))
        for name in ("review_months", "test_months"):
            value = entry.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not 1 <= value <= MAX_MONTHS:
                problems.append((f"{kind}_{name}", _("A whole number of months from 1 to "
                                                     "%(max)d.") % {"max": MAX_MONTHS}))
    return problems


def policy_from_data(data: Mapping[str, Mapping[str, object]]) -> dict[str, KindPolicy]:
    """The policy a settings row holds; a kind it lacks takes the default."""
    policy = default_policy()
    for kind in KINDS:
        entry = data.get(kind)
        if isinstance(entry, Mapping):
            default = policy[kind]
            policy[kind] = KindPolicy(
                required=bool(entry.get("required", default.required)),
                review_months=_int(entry.get("review_months"), default.review_months),
                test_months=_int(entry.get("test_months"), default.test_months))
    return policy


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# --- Dates ------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(basis: dt.date, months: int, set_due: dt.date | None = None) -> dt.date:
    """When a plan approved or last reviewed on ``basis`` is due for review. A date set
    explicitly counts when it is earlier than the period's end and after ``basis`` (a review
    on or after the date set answers it)."""
    due = add_months(basis, months)
    if set_due is not None and basis < set_due < due:
        return set_due
    return due


# --- The status of a station ------------------------------------------------------------------

@dataclass(frozen=True)
class Tenure:
    """A plan that was approved at some time: when, until when (superseded), its reviews."""

    kind: str
    approved_on: dt.date
    superseded_on: dt.date | None = None
    reviews: tuple[dt.date, ...] = ()
    review_due_set: dt.date | None = None
    plan_id: int | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.approved_on <= on and (self.superseded_on is None
                                           or self.superseded_on > on)

    def basis(self, on: dt.date) -> dt.date:
        """The approval or the latest review made by ``on``."""
        return max([self.approved_on, *(r for r in self.reviews
                                        if self.approved_on <= r <= on)])


@dataclass(frozen=True)
class Drilled:
    """A drill: the day it was held and the kinds of plan it tested."""

    held_on: dt.date
    kinds: frozenset[str]


class ReasonCode(StrEnum):
    MISSING_PLAN = "missing_plan"
    REVIEW_OVERDUE = "review_overdue"
    NEVER_TESTED = "never_tested"
    TEST_OVERDUE = "test_overdue"


KIND_LABELS = {"crisis": gettext_lazy("Crisis management plan"),
               "evacuation": gettext_lazy("Evacuation plan"),
               "contingency": gettext_lazy("Contingency plan")}


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    kind: str
    since: dt.date | None = None  # overdue since
    last: dt.date | None = None  # last tested

    @property
    def message(self) -> str:
        kind = str(KIND_LABELS.get(self.kind, self.kind))
        if self.code is ReasonCode.MISSING_PLAN:
            return _("%(kind)s: no approved plan in force.") % {"kind": kind}
        if self.code is ReasonCode.REVIEW_OVERDUE:
            return _("%(kind)s: review overdue since %(date)s.") % {
                "kind": kind, "date": _iso(self.since)}
        if self.code is ReasonCode.NEVER_TESTED:
            return _("%(kind)s: never tested by a drill or exercise.") % {"kind": kind}
        return _("%(kind)s: last tested %(last)s, test overdue since %(date)s.") % {
            "kind": kind, "last": _iso(self.last), "date": _iso(self.since)}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "?"


@dataclass(frozen=True)
class KindState:
    kind: str
    required: bool
    tenure: Tenure | None
    review_due: dt.date | None
    last_tested: dt.date | None
    test_due: dt.date | None


@dataclass(frozen=True)
class StationStatus:
    on: dt.date
    reasons: tuple[Reason, ...]
    kinds: tuple[KindState, ...] = field(default=())

    @property
    def compliant(self) -> bool:
        return not self.reasons


def plan_in_force(tenures: Iterable[Tenure], kind: str, on: dt.date) -> Tenure | None:
    found = [t for t in tenures if t.kind == kind and t.in_force(on)]
    return max(found, key=lambda t: t.approved_on) if found else None


def last_tested(tests: Iterable[Drilled], kind: str, on: dt.date) -> dt.date | None:
    days = [t.held_on for t in tests if kind in t.kinds and t.held_on <= on]
    return max(days) if days else None


def station_status(on: dt.date, tenures: Sequence[Tenure], tests: Sequence[Drilled],
                   policy: Mapping[str, KindPolicy]) -> StationStatus:
    """Whether a station's plans are updated and tested as required on ``on``: every required
    kind has a plan in force, not overdue for review, and tested within the test period.
    Otherwise the reasons, every one of them."""
    reasons: list[Reason] = []
    states: list[KindState] = []
    for kind in KINDS:
        rule = policy.get(kind, KindPolicy())
        tenure = plan_in_force(tenures, kind, on)
        due = (review_due(tenure.basis(on), rule.review_months, tenure.review_due_set)
               if tenure is not None else None)
        tested = last_tested(tests, kind, on)
        test_due = add_months(tested, rule.test_months) if tested is not None else None
        states.append(KindState(kind, rule.required, tenure, due, tested, test_due))
        if not rule.required:
            continue
        if tenure is None:
            reasons.append(Reason(ReasonCode.MISSING_PLAN, kind))
        elif due is not None and on > due:
            reasons.append(Reason(ReasonCode.REVIEW_OVERDUE, kind,
                                  since=due + dt.timedelta(days=1)))
        if tested is None:
            reasons.append(Reason(ReasonCode.NEVER_TESTED, kind))
        elif test_due is not None and on > test_due:
            reasons.append(Reason(ReasonCode.TEST_OVERDUE, kind,
                                  since=test_due + dt.timedelta(days=1), last=tested))
    return StationStatus(on=on, reasons=tuple(reasons), kinds=tuple(states))


@dataclass(frozen=True)
class PeriodStatus:
    start: dt.date
    end: dt.date
    days_not_compliant: int
    first_not_compliant: dt.date | None
    at_end: StationStatus

    @property
    def compliant_throughout(self) -> bool:
        return self.days_not_compliant == 0


def status_over(start: dt.date, end: dt.date, tenures: Sequence[Tenure],
                tests: Sequence[Drilled], policy: Mapping[str, KindPolicy]) -> PeriodStatus:
    """The status on each day from ``start`` to ``end`` (both included): how many days the
    station was not updated and tested as required, the first of them, and the status on the
    last day."""
    if end < start:
        raise ValueError("The period ends before it starts.")
    days_not, first = 0, None
    day = start
    status = station_status(day, tenures, tests, policy)
    while True:
        status = station_status(day, tenures, tests, policy)
        if not status.compliant:
            days_not += 1
            first = first or day
        if day >= end:
            break
        day += dt.timedelta(days=1)
    return PeriodStatus(start, end, days_not, first, status)
