"""Rules of critical-incident stress support, as plain functions: the case's moves, the time
from an incident to the first contact, and the suppression of small counts.

Small-cell suppression (the rule every count of this app follows):

1. A count from 1 to ``minimum - 1`` is never shown; it reads "suppressed". Zero is shown.
2. Complementary suppression: in a table published with its total, the total minus the cells
   shown gives the sum of the hidden ones. While that sum itself lies between 1 and
   ``minimum - 1`` (one hidden cell always does), the smallest non-zero cell still shown is
   suppressed too; when none is left, the total is suppressed instead.
3. A total below ``minimum`` (and above zero) is suppressed like any cell.
4. A proportion (numerator of a denominator) is shown only when neither the numerator nor the
   remainder (denominator minus numerator) lies between 1 and ``minimum - 1``: otherwise the
   proportion would reveal a few individuals who received, or did not receive, support.
5. Rows of proportions published with an overall proportion follow rule 2 on both the
   numerators and the remainders of the hidden rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_MINIMUM_CELL = 5
SUPPRESSED = "suppressed"

PROPOSED, OPEN, CLOSED, DECLINED = "proposed", "open", "closed", "declined"

# Which move takes a case from which status to which.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "take": (frozenset({PROPOSED}), OPEN),
    "close": (frozenset({OPEN}), CLOSED),
    "decline": (frozenset({PROPOSED, OPEN}), DECLINED),
}


def next_status(move: str, status: str) -> str | None:
    """The status a move leads to from ``status``; None when the move is refused there."""
    allowed, target = TRANSITIONS[move]
    return target if status in allowed else None


def may_record_contact(status: str, has_contact: bool) -> bool:
    """The first contact is recorded once, on an open case."""
    return status == OPEN and not has_contact


def may_record_session(status: str) -> bool:
    return status == OPEN


def covers(covered_station_ids: frozenset[int], station_id: int | None) -> bool:
    """Whether a counsellor covering these duty stations may take a case at ``station_id``.
    A case with no duty station (a staff member between postings) may be taken by any."""
    return station_id is None or station_id in covered_station_ids


def elapsed(incident_at: dt.datetime | None, contact_at: dt.datetime) -> dt.timedelta | None:
    """Time from the incident to the first contact (immediacy); None without an incident."""
    if incident_at is None:
        return None
    return contact_at - incident_at


def elapsed_hours(span: dt.timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 3600, 1)


# Immediacy: first contact within 72 hours of the incident is timely.
TIMELY_HOURS = 72


def timely(span: dt.timedelta | None) -> bool | None:
    if span is None:
        return None
    return span <= dt.timedelta(hours=TIMELY_HOURS)


# --- Suppression -------------------------------------------------------------------------------

K = TypeVar("K")


@dataclass(frozen=True)
class Cell:
    """A count as it may be published: its value, or None when suppressed."""

    value: int | None
    minimum: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        # Every hidden cell reads the same, whether small itself or hidden beside a small one:
        # a mark that told them apart would tell which cells are small.
        return SUPPRESSED if self.value is None else str(self.value)


def small(count: int, minimum: int) -> bool:
    return 0 < count < minimum


def suppress_table(counts: Mapping[K, int], minimum: int = DEFAULT_MINIMUM_CELL
                   ) -> tuple[dict[K, Cell], Cell]:
    """The cells of a one-way table and its total, suppressed by rules 1 to 3."""
    if minimum < 1:
        raise ValueError("minimum cell size must be at least 1")
    keys = list(counts)
    hidden, total_hidden = _complement(
        keys, {k: (counts[k],) for k in keys},
        {k for k in keys if small(counts[k], minimum)}, minimum)
    total = sum(counts.values())
    total_hidden = total_hidden or small(total, minimum)
    cells = {key: Cell(None if key in hidden else counts[key], minimum) for key in keys}
    return cells, Cell(None if total_hidden else total, minimum)


def _complement(keys: list[K], parts: Mapping[K, tuple[int, ...]], hidden: set[K],
                minimum: int) -> tuple[set[K], bool]:
    """Rule 2: widen ``hidden`` until no part of its sum is small; True when the total must go
    instead. ``parts`` are the quantities published per row (a count; or a numerator and a
    remainder)."""
    hidden = set(hidden)
    width = len(next(iter(parts.values()), ()))

    def exposed() -> bool:
        return bool(hidden) and any(small(sum(parts[k][i] for k in hidden), minimum)
                                    for i in range(width))

    while exposed():
        shown = sorted((sum(parts[k]), keys.index(k)) for k in keys
                       if k not in hidden and sum(parts[k]) > 0)
        if not shown:
            return hidden, True
        hidden.add(keys[shown[0][1]])
    return hidden, False


@dataclass(frozen=True)
class Proportion:
    numerator: Cell
    denominator: Cell
    percent: float | None
    minimum: int

    @property
    def suppressed(self) -> bool:
        return self.percent is None

    def __str__(self) -> str:
        if self.percent is None:
            return SUPPRESSED if self.denominator.value != 0 else "—"
        return f"{self.percent:.1f} %"


def proportion(numerator: int, denominator: int, minimum: int = DEFAULT_MINIMUM_CELL
               ) -> Proportion:
    """A share published only when neither the numerator nor the remainder is small."""
    if numerator < 0 or denominator < 0 or numerator > denominator:
        raise ValueError("a proportion needs 0 <= numerator <= denominator")
    remainder = denominator - numerator
    hide = small(numerator, minimum) or small(remainder, minimum)
    num = Cell(None if hide else numerator, minimum)
    den = Cell(None if small(denominator, minimum) else denominator, minimum)
    percent = None if hide or denominator == 0 else round(100 * numerator / denominator, 1)
    return Proportion(num, den, percent, minimum)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year} Q{quarter}"


def suppress_proportions(rows: Mapping[K, tuple[int, int]],
                         minimum: int = DEFAULT_MINIMUM_CELL
                         ) -> tuple[dict[K, Proportion], Proportion]:
    """Rows of (numerator, denominator) and their overall proportion, by rules 4 and 5."""
    keys = list(rows)
    parts = {k: (rows[k][0], rows[k][1] - rows[k][0]) for k in keys}
    own = {k: proportion(*rows[k], minimum) for k in keys}
    hidden, overall_hidden = _complement(
        keys, parts, {k for k in keys if own[k].suppressed and rows[k][1] > 0}, minimum)
    numerator = sum(r[0] for r in rows.values())
    denominator = sum(r[1] for r in rows.values())
    overall = proportion(numerator, denominator, minimum)
    if overall_hidden and not overall.suppressed:
        overall = Proportion(Cell(None, minimum), overall.denominator, None, minimum)
    shown = {k: (own[k] if k not in hidden else
                 Proportion(Cell(None, minimum), own[k].denominator, None, minimum))
             for k in keys}
    return shown, overall
