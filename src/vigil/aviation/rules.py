"""The rules of aviation advice, as pure functions of plain data (no ORM, no request).

- Suitability: DSS advises whether a commercial air operator is suitable for UN travel on the
  basis of the ICAO Universal Safety Oversight Audit Programme (USOAP) result of the operator's
  state, the operator's industry audit registration (IATA's IOSA, the Flight Safety
  Foundation's BARS), its incident history, and public lists such as the EU Air Safety List.
  The UN publishes no ban list. The assessment in force is the latest recorded, until its
  valid-until date; after that the operator counts as not assessed.
- Advice requests: new → answered or closed; answered → closed. A request's response time is
  from asking to the answer, and SP2.2.d counts those answered within the target.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from vigil.core.i18n import Text

SUITABLE = "suitable"
WITH_CONDITIONS = "with_conditions"
UNSUITABLE = "unsuitable"
NOT_ASSESSED = "not_assessed"
ASSESSED = (SUITABLE, WITH_CONDITIONS, UNSUITABLE)

MIGRATED_BASIS = "Migrated from the travel flag."


@dataclass(frozen=True)
class AssessmentFacts:
    outcome: str
    assessed_on: dt.date
    valid_until: dt.date | None = None
    conditions: str = ""
    icao_ei_score: Decimal | None = None
    iosa_registered: bool = False
    iosa_expires: dt.date | None = None
    bars_registered: bool = False
    bars_expires: dt.date | None = None
    order: int = 0  # the record's sequence: of two on one day, the later recorded wins


@dataclass(frozen=True)
class Standing:
    """What the operator's record says is in force: the outcome, its note and its end."""

    suitability: str
    note: str
    valid_until: dt.date | None


def latest(assessments: Iterable[AssessmentFacts]) -> AssessmentFacts | None:
    """The assessment that replaced every other: the latest assessed, the later recorded."""
    return max(assessments, key=lambda a: (a.assessed_on, a.order), default=None)


def in_force(assessment: AssessmentFacts, on: dt.date) -> bool:
    """Assessed by ``on`` and not yet past its valid-until day."""
    return assessment.assessed_on <= on and (
        assessment.valid_until is None or on <= assessment.valid_until)


def standing(assessments: Iterable[AssessmentFacts], on: dt.date) -> Standing:
    """The suitability the operator stands at on ``on``: the latest assessment while it is in
    force; not assessed before any, or once the latest has lapsed (an earlier one does not
    come back: the latest replaced it)."""
    current = latest(a for a in assessments if a.assessed_on <= on)
    if current is None or not in_force(current, on):
        return Standing(NOT_ASSESSED, "", None)
    note = current.conditions if current.outcome == WITH_CONDITIONS else ""
    return Standing(current.outcome, note, current.valid_until)


def assessment_faults(facts: AssessmentFacts, today: dt.date) -> list[tuple[str, Text]]:
    """Each fault of an assessment about to be recorded, as (field, message)."""
    faults: list[tuple[str, Text]] = []
    if facts.assessed_on > today:
        faults.append(("assessed_on", _("An assessment cannot be dated in the future.")))
    if facts.outcome in ASSESSED:
        if facts.valid_until is None:
            faults.append(("valid_until", _(
                "Give the day this assessment stands until: an outcome without an end is "
                "never reviewed.")))
        elif facts.valid_until <= facts.assessed_on:
            faults.append(("valid_until", _("The valid-until day comes after the day of "
                                             "the assessment.")))
    elif facts.valid_until is not None:
        faults.append(("valid_until", _("“Not assessed” stands until a new assessment: "
                                         "leave the valid-until day empty.")))
    if facts.outcome in (SUITABLE, WITH_CONDITIONS) and not (
            facts.icao_ei_score is not None or facts.iosa_registered or facts.bars_registered):
        faults.append(("icao_ei_score", _(
            "Give the basis of a suitable outcome: the ICAO audit result of the operator's "
            "state, or its IOSA or BARS registration.")))
    if facts.outcome == WITH_CONDITIONS and not facts.conditions.strip():
        faults.append(("conditions", _("Name the conditions: travellers are cleared with "
                                        "them.")))
    for field, registered, expires in (("iosa_expires", facts.iosa_registered,
                                        facts.iosa_expires),
                                       ("bars_expires", facts.bars_registered,
                                        facts.bars_expires)):
        if registered and expires is None:
            faults.append((field, _("Give the day the registration expires.")))
        elif registered and expires is not None and expires < facts.assessed_on:
            faults.append((field, _("This registration had expired by the day of the "
                                    "assessment: record it as not registered.")))
        elif not registered and expires is not None:
            faults.append((field, _("An expiry day is given only for a registration.")))
    return faults


# --- Advice requests ---------------------------------------------------------------------------

ADVICE_NEW = "new"
ADVICE_ANSWERED = "answered"
ADVICE_CLOSED = "closed"
ADVICE_MOVES: dict[str, frozenset[str]] = {
    ADVICE_NEW: frozenset({ADVICE_ANSWERED, ADVICE_CLOSED}),
    ADVICE_ANSWERED: frozenset({ADVICE_CLOSED}),
    ADVICE_CLOSED: frozenset(),
}


def advice_may_move(current: str, target: str) -> bool:
    return target in ADVICE_MOVES.get(current, frozenset())


def response_hours(asked_at: dt.datetime, answered_at: dt.datetime) -> float:
    return max(0.0, (answered_at - asked_at).total_seconds() / 3600)


def answered_on_time(asked_at: dt.datetime, answered_at: dt.datetime | None,
                     target_hours: int) -> bool:
    return answered_at is not None and response_hours(asked_at, answered_at) <= target_hours


def overdue(asked_at: dt.datetime, answered_at: dt.datetime | None, target_hours: int,
            now: dt.datetime) -> bool:
    """Past the target without an answer, or answered after it."""
    end = answered_at or now
    return response_hours(asked_at, end) > target_hours


@dataclass(frozen=True)
class AdviceRow:
    asked_at: dt.datetime
    answered_at: dt.datetime | None
    closed_unanswered: bool = False  # withdrawn or closed without an answer


@dataclass(frozen=True)
class AdviceFigures:
    """SP2.2.d over a period: of the requests that can be judged (answered, or open past the
    target), the share answered within the target; and the median response time."""

    asked: int
    answered: int
    on_time: int
    late: int  # answered after the target
    open_overdue: int  # not answered, past the target
    open_within_target: int  # not answered yet, still within the target: not judged yet
    withdrawn: int  # closed without an answer: not counted
    median_hours: float | None
    target_hours: int

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.open_overdue

    @property
    def share_on_time(self) -> float | None:
        """0..1, or None when nothing can be judged yet."""
        return self.on_time / self.judged if self.judged else None


# How one request counts in SP2.2.d: exactly one of these.
JUDGEMENTS = ("on_time", "late", "open_overdue", "open_within_target", "withdrawn")


def counted_as(row: AdviceRow, target_hours: int, now: dt.datetime) -> str:
    """Which of JUDGEMENTS one request falls under."""
    if row.answered_at is not None:
        return "on_time" if answered_on_time(row.asked_at, row.answered_at, target_hours) \
            else "late"
    if row.closed_unanswered:
        return "withdrawn"
    return "open_overdue" if overdue(row.asked_at, None, target_hours, now) \
        else "open_within_target"


def advice_figures(rows: Sequence[AdviceRow], target_hours: int,
                   now: dt.datetime) -> AdviceFigures:
    counts = Counter(counted_as(row, target_hours, now) for row in rows)
    hours = [response_hours(row.asked_at, row.answered_at) for row in rows
             if row.answered_at is not None]
    return AdviceFigures(asked=len(rows), answered=len(hours), on_time=counts["on_time"],
                         late=counts["late"], open_overdue=counts["open_overdue"],
                         open_within_target=counts["open_within_target"],
                         withdrawn=counts["withdrawn"],
                         median_hours=statistics.median(hours) if hours else None,
                         target_hours=target_hours)
