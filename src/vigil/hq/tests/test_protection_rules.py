"""The pure rules of protective services: the case's transition table, the recommended
detail table (exhaustively), the highest destination level and the completeness check."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from vigil.hq import protection_rules as rules
from vigil.hq.protection_rules import Band, CaseStatus, DetailKind, Move, Profile

ALL_STATES = list(CaseStatus)
EXPECTED_MOVES = {
    (Move.START, CaseStatus.REQUESTED): CaseStatus.UNDER_ASSESSMENT,
    (Move.SUBMIT, CaseStatus.UNDER_ASSESSMENT): CaseStatus.ASSESSED,
    (Move.REOPEN, CaseStatus.ASSESSED): CaseStatus.UNDER_ASSESSMENT,
    (Move.DECIDE, CaseStatus.ASSESSED): CaseStatus.DECIDED,
    (Move.CANCEL, CaseStatus.REQUESTED): CaseStatus.CANCELLED,
    (Move.CANCEL, CaseStatus.UNDER_ASSESSMENT): CaseStatus.CANCELLED,
    (Move.CANCEL, CaseStatus.ASSESSED): CaseStatus.CANCELLED,
}


@pytest.mark.parametrize(("move", "state"), list(itertools.product(list(Move), ALL_STATES)))
def test_every_move_from_every_state_is_the_tables(move, state):
    assert rules.next_state(move, state) == EXPECTED_MOVES.get((move, state))


def test_an_unknown_move_leads_nowhere():
    assert rules.next_state("approve", CaseStatus.ASSESSED) is None


def test_allowed_moves_and_closed_states():
    assert rules.allowed_moves(CaseStatus.REQUESTED) == [Move.START, Move.CANCEL]
    assert rules.allowed_moves(CaseStatus.ASSESSED) == [Move.REOPEN, Move.DECIDE, Move.CANCEL]
    assert rules.allowed_moves(CaseStatus.DECIDED) == []
    assert rules.allowed_moves(CaseStatus.CANCELLED) == []


def test_only_the_decision_needs_the_deciding_right():
    assert {m for m, t in rules.CASE_TRANSITIONS.items() if t.right == "decide"} == {Move.DECIDE}


EXPECTED_DETAIL = {
    # band: (low, moderate, high, very high) as (kind, officers)
    Band.MINIMAL: [("none", 0), ("liaison", 0), ("liaison", 0), ("close_protection", 2)],
    Band.MODERATE: [("liaison", 0), ("liaison", 0), ("close_protection", 2),
                    ("close_protection", 4)],
    Band.SUBSTANTIAL: [("close_protection", 2), ("close_protection", 4), ("full", 4),
                       ("full", 6)],
    Band.HIGH: [("full", 4), ("full", 6), ("full", 8), ("full", 8)],
}


@pytest.mark.parametrize(("level", "principal", "event"), list(itertools.product(
    [1, 2, 3, 4, 5, 6, None], list(Profile), list(Profile))))
def test_the_recommended_detail_table_for_every_level_and_profile(level, principal, event):
    detail = rules.recommended_detail(level, principal, event)
    combined = max(rules.PROFILE_ORDER.index(principal), rules.PROFILE_ORDER.index(event))
    kind, officers = EXPECTED_DETAIL[rules.LEVEL_BANDS[level]][combined]
    assert (detail.kind, detail.officers) == (kind, officers)
    assert detail.advance_team is detail.armoured_vehicle is (kind == DetailKind.FULL)


def test_no_level_in_force_reads_as_substantial_not_as_safe():
    assert rules.LEVEL_BANDS[None] is Band.SUBSTANTIAL
    assert rules.recommended_detail(None, "low", "low").kind == DetailKind.CLOSE_PROTECTION


def test_the_detail_never_falls_as_the_level_or_a_profile_rises():
    order = [DetailKind.NONE, DetailKind.LIAISON, DetailKind.CLOSE_PROTECTION, DetailKind.FULL]

    def weight(d):
        return (order.index(d.kind), d.officers)

    for profile in Profile:
        levels = [weight(rules.recommended_detail(lv, profile, "low")) for lv in range(1, 7)]
        assert levels == sorted(levels)
    for level in range(1, 7):
        profiles = [weight(rules.recommended_detail(level, p, "low")) for p in Profile]
        assert profiles == sorted(profiles)


@pytest.mark.parametrize("bad", [0, 7, "3"])
def test_a_level_outside_the_scale_is_refused(bad):
    with pytest.raises(KeyError):
        rules.recommended_detail(bad, "low", "low")


def test_a_profile_outside_the_scale_is_refused():
    with pytest.raises(ValueError, match="extreme"):
        rules.recommended_detail(3, "extreme", "low")


@pytest.mark.parametrize(("levels", "expected"), [
    ([1, 3, 2], 3), ([4], 4), ([], None), ([2, None], None), ([None, 5], 5), ([6, None, 1], 6),
    ([None], None)])
def test_the_highest_destination_level(levels, expected):
    assert rules.highest_level(levels) == expected


@pytest.mark.parametrize(("kind", "officers", "fields"), [
    ("close_protection", 4, []), ("full", 6, []), ("none", None, []), ("liaison", 0, []),
    ("close_protection", None, ["override_officers"]), ("full", 0, ["override_officers"]),
    ("liaison", 2, ["override_officers"]), ("close_protection", 41, ["override_officers"]),
    ("army", None, ["override_kind"])])
def test_a_detail_set_by_hand(kind, officers, fields):
    assert [f for f, _m in rules.detail_problems(kind, officers)] == fields


def _state(**kw):
    base = {"destination_ids": frozenset({1, 2}), "pictured_ids": frozenset({1, 2}),
            "task_statuses": ("planned", "done", "not_needed"), "override_kind": "",
            "override_reason": ""}
    return rules.AssessmentState(**{**base, **kw})


@pytest.mark.parametrize(("change", "fields"), [
    ({}, []),
    ({"pictured_ids": frozenset({1, 2, 3})}, []),
    ({"pictured_ids": frozenset({1})}, ["threat_picture"]),
    ({"destination_ids": frozenset()}, ["destinations"]),
    ({"task_statuses": ("planned", "to_plan")}, ["tasks"]),
    ({"override_kind": "none", "override_reason": " "}, ["override_reason"]),
    ({"override_kind": "none", "override_reason": "Host provides a detail"}, []),
])
def test_when_an_assessment_may_go_to_a_decision(change, fields):
    assert [f for f, _m in rules.assessment_problems(_state(**change))] == fields


def test_dates_and_stays():
    d = dt.date(2031, 1, 10)
    assert rules.dates_problems(d, d) == []
    assert [f for f, _ in rules.dates_problems(d, d - dt.timedelta(days=1))] == ["ends_on"]
    assert rules.stay_problems(d, d, d, d) == []
    assert [f for f, _ in rules.stay_problems(d, d - dt.timedelta(days=1), d, d)] == [
        "departs_on"]
    assert [f for f, _ in rules.stay_problems(d - dt.timedelta(days=1), d, d, d)] == [
        "arrives_on"]
    assert [f for f, _ in rules.stay_problems(d, d + dt.timedelta(days=1), d, d)] == [
        "departs_on"]


# --- When advance tasks may change -------------------------------------------------------------

DAY = dt.date(2031, 5, 10)
TaskLock = rules.TaskLock


@pytest.mark.parametrize(("status", "decision", "ends_on", "expected"), [
    # Under assessment: always open (submitting needs every task planned).
    (CaseStatus.UNDER_ASSESSMENT, "", DAY, None),
    (CaseStatus.UNDER_ASSESSMENT, "", DAY - dt.timedelta(days=1), None),
    (CaseStatus.REQUESTED, "", DAY, TaskLock.NOT_STARTED),
    (CaseStatus.ASSESSED, "", DAY, TaskLock.AWAITING_DECISION),
    (CaseStatus.CANCELLED, "", DAY, TaskLock.CANCELLED),
    # Approved: open until the last day of the trip, closed the day after.
    (CaseStatus.DECIDED, "approved", DAY, None),
    (CaseStatus.DECIDED, "approved_with_changes", DAY + dt.timedelta(days=3), None),
    (CaseStatus.DECIDED, "approved", DAY - dt.timedelta(days=1), TaskLock.TRIP_OVER),
    (CaseStatus.DECIDED, "approved_with_changes", DAY - dt.timedelta(days=1),
     TaskLock.TRIP_OVER),
    (CaseStatus.DECIDED, "declined", DAY + dt.timedelta(days=3), TaskLock.DECLINED),
])
def test_when_advance_tasks_may_change(status, decision, ends_on, expected):
    assert rules.task_lock(status, decision, ends_on, DAY) == expected
