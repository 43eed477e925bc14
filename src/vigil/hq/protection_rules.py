"""Protective services for senior officials: pure rules over plain data, no ORM.

- The workflow of a protection case, as an explicit transition table.
- The recommended protection detail, read from one table by the highest security level among
  the destinations and the profiles of the principal and of the event.
- When a needs assessment is complete enough to go to a decision.

Sources: UN Security Policy Manual, chapter IV (Security Risk Management; Security Level
System) and the UNDSS protection-coordination practice for senior officials travelling to
field duty stations (close protection, advance work, host-country liaison).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

# --- Workflow ---------------------------------------------------------------------------------


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    UNDER_ASSESSMENT = "under_assessment"
    ASSESSED = "assessed"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class Move(StrEnum):
    START = "start"
    SUBMIT = "submit"
    REOPEN = "reopen"
    DECIDE = "decide"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    # Which right the move needs: "manage" (the coordinator's work) or "decide".
    right: str = "manage"


OPEN_STATES = frozenset({CaseStatus.REQUESTED, CaseStatus.UNDER_ASSESSMENT,
                         CaseStatus.ASSESSED})

CASE_TRANSITIONS: dict[str, Transition] = {
    Move.START: Transition(frozenset({CaseStatus.REQUESTED}), CaseStatus.UNDER_ASSESSMENT),
    Move.SUBMIT: Transition(frozenset({CaseStatus.UNDER_ASSESSMENT}), CaseStatus.ASSESSED),
    Move.REOPEN: Transition(frozenset({CaseStatus.ASSESSED}), CaseStatus.UNDER_ASSESSMENT),
    Move.DECIDE: Transition(frozenset({CaseStatus.ASSESSED}), CaseStatus.DECIDED, "decide"),
    Move.CANCEL: Transition(OPEN_STATES, CaseStatus.CANCELLED),
}

MOVE_LABELS = {
    Move.START: _("Start the assessment"),
    Move.SUBMIT: _("Submit for decision"),
    Move.REOPEN: _("Reopen the assessment"),
    Move.DECIDE: _("Decide"),
    Move.CANCEL: _("Cancel the case"),
}

# The case's own fields (purpose, dates, destinations, event) change only while it is open to
# assessment; once submitted, reopen it first.
EDITABLE_STATES = frozenset({CaseStatus.REQUESTED, CaseStatus.UNDER_ASSESSMENT})


def next_state(move: str, current: str) -> str | None:
    """The state ``move`` leads to from ``current``, or None when the table forbids it."""
    transition = CASE_TRANSITIONS.get(move)
    if transition is None or current not in transition.sources:
        return None
    return transition.target


def allowed_moves(current: str) -> list[str]:
    return [move for move, t in CASE_TRANSITIONS.items() if current in t.sources]


class Decision(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    DECLINED = "declined"


# --- Profiles and the threat band ---------------------------------------------------------------


class Profile(StrEnum):
    """How visible a principal, or an event, is: the exposure protection must answer."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"


PROFILE_ORDER = (Profile.LOW, Profile.MODERATE, Profile.HIGH, Profile.VERY_HIGH)


def combined_profile(principal: str, event: str) -> Profile:
    """The exposure of the trip: the higher of the principal's and the event's profiles."""
    return PROFILE_ORDER[max(PROFILE_ORDER.index(Profile(principal)),
                             PROFILE_ORDER.index(Profile(event)))]


class Band(StrEnum):
    """The threat band of a trip, from the highest security level among its destinations."""

    MINIMAL = "minimal"  # levels 1-2
    MODERATE = "moderate"  # level 3
    SUBSTANTIAL = "substantial"  # level 4, and any destination without a level in force
    HIGH = "high"  # levels 5-6


LEVEL_BANDS: dict[int | None, Band] = {
    1: Band.MINIMAL, 2: Band.MINIMAL, 3: Band.MODERATE, 4: Band.SUBSTANTIAL,
    5: Band.HIGH, 6: Band.HIGH,
    # No level in force is not "no threat": it is read as substantial until one is set.
    None: Band.SUBSTANTIAL,
}


def highest_level(levels: Iterable[int | None]) -> int | None:
    """The highest security level among the destinations. A destination without a level in
    force makes the answer None (unknown) unless another one is at 5 or 6, which read higher
    than the substantial band an unknown level stands for."""
    found = list(levels)
    known = [lv for lv in found if lv is not None]
    if any(lv is None for lv in found) and not any(lv >= 5 for lv in known):
        return None
    return max(known) if known else None


# --- The recommended protection detail ----------------------------------------------------------


class DetailKind(StrEnum):
    NONE = "none"
    LIAISON = "liaison"
    CLOSE_PROTECTION = "close_protection"
    FULL = "full"


DETAIL_LABELS = {
    DetailKind.NONE: _("No protection detail"),
    DetailKind.LIAISON: _("Liaison with host-country security"),
    DetailKind.CLOSE_PROTECTION: _("Close protection team"),
    DetailKind.FULL: _("Close protection team, advance team and armoured vehicle"),
}


@dataclass(frozen=True)
class Detail:
    kind: DetailKind
    officers: int = 0
    advance_team: bool = False
    armoured_vehicle: bool = False


_NONE = Detail(DetailKind.NONE)
_LIAISON = Detail(DetailKind.LIAISON)


def _cp(officers: int) -> Detail:
    return Detail(DetailKind.CLOSE_PROTECTION, officers)


def _full(officers: int) -> Detail:
    return Detail(DetailKind.FULL, officers, advance_team=True, armoured_vehicle=True)


# Rows: the threat band; columns: the combined profile (low, moderate, high, very high).
DETAIL_TABLE: dict[Band, dict[Profile, Detail]] = {
    Band.MINIMAL: dict(zip(PROFILE_ORDER, (_NONE, _LIAISON, _LIAISON, _cp(2)), strict=True)),
    Band.MODERATE: dict(zip(PROFILE_ORDER, (_LIAISON, _LIAISON, _cp(2), _cp(4)), strict=True)),
    Band.SUBSTANTIAL: dict(zip(PROFILE_ORDER, (_cp(2), _cp(4), _full(4), _full(6)),
                               strict=True)),
    Band.HIGH: dict(zip(PROFILE_ORDER, (_full(4), _full(6), _full(8), _full(8)), strict=True)),
}


def recommended_detail(level: int | None, principal: str, event: str) -> Detail:
    """The protection detail the table gives for the highest destination level (None: no
    level in force somewhere) and the two profiles. Raises KeyError or ValueError for a level
    or a profile outside the scales, so a typo never reads as some detail."""
    if level not in LEVEL_BANDS:
        raise KeyError(f"unknown security level {level!r}")
    return DETAIL_TABLE[LEVEL_BANDS[level]][combined_profile(principal, event)]


def detail_problems(kind: str, officers: int | None) -> list[tuple[str, str]]:
    """Faults of a detail the coordinator sets by hand: (field, message) pairs. A close
    protection team has officers; no detail and liaison have none."""
    problems: list[tuple[str, str]] = []
    if kind not in {k.value for k in DetailKind}:
        return [("override_kind", str(_("Unknown kind of protection detail.")))]
    needs_team = kind in {DetailKind.CLOSE_PROTECTION, DetailKind.FULL}
    if needs_team and not officers:
        problems.append(("override_officers",
                         str(_("A close protection team needs its number of officers."))))
    if not needs_team and officers:
        problems.append(("override_officers",
                         str(_("Only a close protection team has officers."))))
    if officers is not None and officers > 40:
        problems.append(("override_officers", str(_("At most 40 officers."))))
    return problems


# --- Advance work and completeness ---------------------------------------------------------------


class TaskKind(StrEnum):
    SITE_SURVEY = "site_survey"
    ROUTE_RECONNAISSANCE = "route_reconnaissance"
    HOST_LIAISON = "host_liaison"
    MEDEVAC_PLAN = "medevac_plan"


class TaskStatus(StrEnum):
    TO_PLAN = "to_plan"
    PLANNED = "planned"
    DONE = "done"
    NOT_NEEDED = "not_needed"


STANDARD_TASKS = tuple(TaskKind)


class TaskLock(StrEnum):
    """Why a case's advance tasks cannot change now."""

    NOT_STARTED = "not_started"  # requested: no assessment, no advance work yet
    AWAITING_DECISION = "awaiting_decision"  # submitted: the decider reads it as it stands
    DECLINED = "declined"
    CANCELLED = "cancelled"
    TRIP_OVER = "trip_over"


APPROVALS = frozenset({Decision.APPROVED, Decision.APPROVED_WITH_CHANGES})


def task_lock(status: str, decision: str, ends_on: dt.date | None, today: dt.date
              ) -> TaskLock | None:
    """Whether the advance tasks of a case may change now: None when they may, else why not.

    Advance work is done before and during the trip. It goes on while the case is under
    assessment (submitting needs every task planned), stops while the submitted assessment
    awaits its decision (reopen the assessment to change it), and goes on after an approval
    until the last day of the trip. A declined or cancelled case, and a trip that is over,
    keep their advance work as it was."""
    if status == CaseStatus.UNDER_ASSESSMENT:
        return None
    if status == CaseStatus.REQUESTED:
        return TaskLock.NOT_STARTED
    if status == CaseStatus.ASSESSED:
        return TaskLock.AWAITING_DECISION
    if status == CaseStatus.CANCELLED:
        return TaskLock.CANCELLED
    if decision not in APPROVALS:
        return TaskLock.DECLINED
    if ends_on is not None and today > ends_on:
        return TaskLock.TRIP_OVER
    return None


@dataclass(frozen=True)
class AssessmentState:
    """What completeness reads of an assessment, as plain data."""

    destination_ids: frozenset[int]
    pictured_ids: frozenset[int]
    task_statuses: tuple[str, ...]
    override_kind: str
    override_reason: str


def assessment_problems(state: AssessmentState) -> list[tuple[str, str]]:
    """Why an assessment cannot go to a decision yet: (field, message) pairs, [] when it can.
    The threat picture covers every destination as it stands now; every advance task is
    planned, done or not needed; an override of the recommendation gives its reason."""
    problems: list[tuple[str, str]] = []
    if not state.destination_ids:
        problems.append(("destinations", str(_("The case has no destination."))))
    elif not state.destination_ids <= state.pictured_ids:
        problems.append(("threat_picture", str(_(
            "The threat picture does not cover every destination: refresh it."))))
    if any(s == TaskStatus.TO_PLAN for s in state.task_statuses):
        problems.append(("tasks", str(_(
            "Every advance task must be planned, done or marked not needed."))))
    if state.override_kind and not state.override_reason.strip():
        problems.append(("override_reason", str(_(
            "Say why the recommended detail is overridden."))))
    return problems


def dates_problems(starts_on: dt.date | None, ends_on: dt.date | None
                   ) -> list[tuple[str, str]]:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        return [("ends_on", str(_("The trip ends before it starts.")))]
    return []


def stay_problems(arrives_on: dt.date | None, departs_on: dt.date | None,
                  starts_on: dt.date | None, ends_on: dt.date | None) -> list[tuple[str, str]]:
    """A stay at a destination lies within the trip and does not end before it starts."""
    problems: list[tuple[str, str]] = []
    if arrives_on is not None and departs_on is not None and departs_on < arrives_on:
        problems.append(("departs_on", str(_("The departure comes before the arrival."))))
    if starts_on is not None and arrives_on is not None and arrives_on < starts_on:
        problems.append(("arrives_on", str(_("The arrival comes before the trip starts."))))
    if ends_on is not None and departs_on is not None and departs_on > ends_on:
        problems.append(("departs_on", str(_("The departure comes after the trip ends."))))
    return problems


def highest_residual(levels: Iterable[str], order: Mapping[str, int]) -> str | None:
    """The highest of some risk levels by ``order`` (risk level -> rank), None if none."""
    ranked = sorted((order[lv], lv) for lv in levels if lv in order)
    return ranked[-1][1] if ranked else None
