"""The pure rules of mission readiness, computed by hand: readiness is done ÷ applicable with
"not applicable" left out and no figure without an applicable requirement; mandatory and
per-category readiness; due dates; overdue; what each status needs; the workflow; the state."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.coordination import readiness_rules as rules

D = dt.date(2026, 3, 1)


def item(category="staffing", status="open", *, mandatory=True, due=D, text="x"):
    return rules.Item(category=category, mandatory=mandatory, status=status, due_on=due,
                      text=text)


def test_readiness_is_done_over_applicable_with_not_applicable_left_out():
    items = [item(status="done"), item(status="done"), item(status="done"),
             item(status="open"), item(status="in_progress"), item(status="not_applicable")]
    figure = rules.readiness(items)
    assert (figure.done, figure.applicable, figure.percent) == (3, 5, 60)


def test_readiness_rounds_half_up():
    assert rules.percent(2, 3) == 67
    assert rules.percent(1, 3) == 33
    assert rules.percent(1, 8) == 13  # 12.5 -> 13
    assert rules.percent(0, 4) == 0
    assert rules.percent(4, 4) == 100


@pytest.mark.parametrize("items", [[], [item(status="not_applicable")] * 3])
def test_no_applicable_requirement_gives_no_figure_not_zero_or_hundred(items):
    figure = rules.readiness(items)
    assert figure.applicable == 0
    assert figure.percent is None


def test_mandatory_readiness_counts_only_the_mandatory():
    items = [item(status="done"), item(status="open"),
             item(status="done", mandatory=False), item(status="done", mandatory=False)]
    assert rules.readiness(items).percent == 75
    assert rules.mandatory_readiness(items).percent == 50
    assert rules.mandatory_readiness([item(mandatory=False)]).percent is None


def test_readiness_per_category_in_the_checklist_order():
    items = [item("plans", "done"), item("staffing", "open"), item("staffing", "done"),
             item("moss", "not_applicable")]
    result = rules.by_category(items)
    assert list(result) == ["staffing", "moss", "plans"]
    assert result["staffing"].percent == 50
    assert result["plans"].percent == 100
    assert result["moss"].percent is None


def test_due_date_counts_from_the_start_both_ways():
    assert rules.due_date(D, -30) == dt.date(2026, 1, 30)
    assert rules.due_date(D, 0) == D
    assert rules.due_date(D, 14) == dt.date(2026, 3, 15)


@pytest.mark.parametrize(("status", "due", "overdue"), [
    ("open", D - dt.timedelta(days=1), True), ("in_progress", D - dt.timedelta(days=1), True),
    ("open", D, False), ("done", D - dt.timedelta(days=9), False),
    ("not_applicable", D - dt.timedelta(days=9), False)])
def test_overdue_is_open_or_in_progress_past_the_due_day(status, due, overdue):
    assert rules.is_overdue(status, due, D) is overdue


def _fields(**kwargs):
    base = {"status": "open", "done_on": None, "evidence": "", "mandatory": True, "today": D}
    return [f for f, _m in rules.item_problems(**{**base, **kwargs})]


def test_item_status_rules_both_ways():
    assert _fields() == []
    assert _fields(status="not_applicable") == ["evidence"]
    assert _fields(status="not_applicable", evidence="No premises: home-based staff.") == []
    assert _fields(status="done") == ["done_on", "evidence"]
    assert _fields(status="done", done_on=D, evidence="Signed.") == []
    assert _fields(status="done", done_on=D, mandatory=False) == []
    assert _fields(status="done", done_on=D + dt.timedelta(days=1), evidence="x") == ["done_on"]
    assert _fields(status="open", done_on=D) == ["done_on"]
    assert _fields(status="done", done_on=D - dt.timedelta(days=5), evidence="x",
                   not_before=D) == ["done_on"]


@pytest.mark.parametrize(("action", "source", "target"), [
    ("start", "preparing", "started"), ("close", "started", "closed"),
    ("cancel", "preparing", "cancelled"), ("cancel", "started", "cancelled"),
    ("start", "started", None), ("close", "preparing", None), ("close", "closed", None),
    ("cancel", "closed", None), ("cancel", "cancelled", None), ("start", "cancelled", None)])
def test_checklist_transitions_allowed_and_refused(action, source, target):
    assert rules.next_state(rules.CHECKLIST_TRANSITIONS, action, source) == target


def test_closing_is_blocked_by_mandatory_requirements_still_open_named():
    items = [item(status="done", text="CSA in post"), item(status="not_applicable", text="a"),
             item(status="open", text="Radio room"), item(status="in_progress", text="SRA"),
             item(status="open", mandatory=False, text="Gym")]
    assert rules.close_blockers(items) == ["Radio room", "SRA"]
    assert rules.close_blockers(items[:2]) == []


def _state(items, *, starts_on=D + dt.timedelta(days=30), today=D, status="preparing"):
    counts = rules.counts_of(items, starts_on=starts_on, today=today)
    return rules.state(counts, status=status, starts_on=starts_on, today=today)


def test_state_thresholds():
    yesterday = D - dt.timedelta(days=1)
    long_ago = D - dt.timedelta(days=rules.LATE_AFTER_DAYS + 1)
    just_late = D - dt.timedelta(days=rules.LATE_AFTER_DAYS)
    assert _state([item(due=D), item(status="done", due=yesterday)]) == "ready"
    assert _state([item(due=yesterday, mandatory=False)]) == "ready"
    assert _state([item(due=yesterday)]) == "at_risk"
    assert _state([item(due=just_late)]) == "at_risk"
    assert _state([item(due=yesterday, mandatory=False)] * rules.AT_RISK_OVERDUE_ITEMS) \
        == "at_risk"
    assert _state([item(due=long_ago)]) == "late"
    # Started past its first day with a mandatory requirement due by then still open.
    assert _state([item(due=yesterday)], starts_on=yesterday, status="started") == "late"
    assert _state([item(due=D)], starts_on=D, status="started") == "ready"
    assert _state([item(due=long_ago)], status="closed") is None
    assert _state([item(due=long_ago)], status="cancelled") is None
