"""Rules of security management teams, as pure functions: how often a team must meet at the
security level in force, when its next meeting is due, and whether it is late.

A team at a higher security level meets more often: the configured table gives the days
allowed between two meetings for each level (1 minimal ... 6 extreme). The level that counts is
the highest level in force in the team's place (its area, or any area of its country). Where no
level was ever set, the level 1 interval applies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from vigil.coordination.models.smt import DEFAULT_MEETING_INTERVAL_DAYS

LEVELS = range(1, 7)


def interval_days(level: int | None, intervals: Mapping[str, int] | None = None) -> int:
    """Days allowed between two meetings at ``level`` (None: no level set, so level 1)."""
    table = intervals or DEFAULT_MEETING_INTERVAL_DAYS
    return int(table[str(level if level in LEVELS else 1)])


def validate_intervals(intervals: Mapping[str, object]) -> dict[str, str]:
    """Errors by level ("1" … "6") for a table of intervals: each level present, a whole
    number of days from 1 to 366, and never longer at a higher level than at a lower one."""
    errors: dict[str, str] = {}
    values: dict[int, int] = {}
    for level in LEVELS:
        raw = intervals.get(str(level))
        try:
            days = int(str(raw))
        except (TypeError, ValueError):
            errors[str(level)] = "not_a_number"
            continue
        if not 1 <= days <= 366:
            errors[str(level)] = "out_of_range"
            continue
        values[level] = days
    for level in LEVELS:
        lower = values.get(level - 1)
        if level in values and lower is not None and values[level] > lower:
            errors.setdefault(str(level), "longer_than_lower_level")
    return errors


@dataclass(frozen=True)
class MeetingState:
    level: int | None
    interval_days: int
    last_held_on: dt.date | None
    due_on: dt.date
    late: bool
    days_late: int


def meeting_state(*, level: int | None, last_held_on: dt.date | None, established_on: dt.date,
                  today: dt.date, intervals: Mapping[str, int] | None = None) -> MeetingState:
    """When a team's next meeting is due and whether it is late today. A team that never met
    is due one interval after it was established. Due on day N means a meeting on day N is in
    time; from day N + 1 the team is late."""
    days = interval_days(level, intervals)
    since = last_held_on or established_on
    due = since + dt.timedelta(days=days)
    late_by = (today - due).days
    return MeetingState(level=level, interval_days=days, last_held_on=last_held_on, due_on=due,
                        late=late_by > 0, days_late=max(late_by, 0))


def action_late(*, status: str, due_on: dt.date, today: dt.date) -> bool:
    """An action point is late when it is still open after its due date."""
    return status == "open" and due_on < today


# --- Workflows ------------------------------------------------------------------------------
# Each workflow is a table: action -> (the states it may start from, the state it leads to).

Transitions = dict[str, tuple[frozenset[str], str]]

MEETING_TRANSITIONS: Transitions = {
    # Recording a meeting that was held again corrects its record (attendance, decisions).
    "record": (frozenset({"scheduled", "held"}), "held"),
    "cancel": (frozenset({"scheduled"}), "cancelled"),
}

ACTION_TRANSITIONS: Transitions = {
    "done": (frozenset({"open"}), "done"),
    "drop": (frozenset({"open"}), "dropped"),
    "reopen": (frozenset({"done", "dropped"}), "open"),
}

JOINT_PLAN_TRANSITIONS: Transitions = {
    "agree": (frozenset({"drafting"}), "agreed"),
    "implement": (frozenset({"agreed"}), "in_implementation"),
    "complete": (frozenset({"in_implementation"}), "completed"),
    "abandon": (frozenset({"drafting", "agreed", "in_implementation"}), "abandoned"),
}


def next_state(table: Transitions, action: str, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when the move is not allowed."""
    move = table.get(action)
    if move is None or state not in move[0]:
        return None
    return move[1]


def allowed_actions(table: Transitions, state: str) -> list[str]:
    """The actions that may start from ``state``, in the table's order."""
    return [action for action, (sources, _target) in table.items() if state in sources]


def days_late(*, due_on: dt.date, today: dt.date) -> int:
    """Whole days past a due date (0 while it is not past)."""
    return max((today - due_on).days, 0)


def late_threshold(level: int | None, today: dt.date,
                   intervals: Mapping[str, int] | None = None) -> dt.date:
    """A team at ``level`` whose last meeting (or, never having met, its establishment) is
    before this day is late today: the same rule as ``meeting_state``, as a date to compare."""
    return today - dt.timedelta(days=interval_days(level, intervals))
