"""The rule "updated and tested as required" at the edges of its periods, month ends included,
and the plan workflow's table."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.hq import plans_rules as rules
from vigil.hq.plans_rules import Drilled, KindPolicy, ReasonCode, Tenure

D = dt.date
ALL = frozenset(rules.KINDS)
POLICY = rules.default_policy()


def _all_approved(on: dt.date, **changes: object) -> list[Tenure]:
    return [Tenure(kind=k, approved_on=on, **changes) for k in rules.KINDS]  # type: ignore[arg-type]


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2025, 3, 31), 6, D(2025, 9, 30)),
    (D(2025, 11, 15), 3, D(2026, 2, 15)),
    (D(2025, 8, 31), 12, D(2026, 8, 31)),
])
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_review_due_on_the_day_is_in_time_and_overdue_the_day_after():
    approved = D(2025, 3, 10)
    tests = [Drilled(D(2025, 6, 1), ALL)]
    on_due = rules.station_status(D(2026, 3, 10), _all_approved(approved), tests, POLICY)
    after = rules.station_status(D(2026, 3, 11), _all_approved(approved), tests, POLICY)
    assert not [r for r in on_due.reasons if r.code is ReasonCode.REVIEW_OVERDUE]
    overdue = [r for r in after.reasons if r.code is ReasonCode.REVIEW_OVERDUE]
    assert len(overdue) == 3
    assert overdue[0].since == D(2026, 3, 11)


def test_review_due_at_a_month_end_in_february():
    approved = D(2025, 1, 31)
    policy = {k: KindPolicy(review_months=1, test_months=12) for k in rules.KINDS}
    tests = [Drilled(D(2025, 2, 1), ALL)]
    assert rules.station_status(D(2025, 2, 28), _all_approved(approved), tests,
                                policy).compliant
    late = rules.station_status(D(2025, 3, 1), _all_approved(approved), tests, policy)
    assert {r.code for r in late.reasons} == {ReasonCode.REVIEW_OVERDUE}


def test_a_review_starts_the_period_again():
    tenures = [Tenure(kind=k, approved_on=D(2024, 1, 15), reviews=(D(2025, 1, 10),))
               for k in rules.KINDS]
    tests = [Drilled(D(2025, 6, 1), ALL)]
    assert rules.station_status(D(2026, 1, 10), tenures, tests, POLICY).compliant
    assert not rules.station_status(D(2026, 1, 11), tenures, tests, POLICY).compliant
    # A review made after the day asked about does not count on that day.
    late_review = [Tenure(kind=k, approved_on=D(2024, 1, 15), reviews=(D(2025, 2, 1),))
                   for k in rules.KINDS]
    early = rules.station_status(D(2025, 1, 16), late_review, [Drilled(D(2024, 6, 1), ALL)],
                                 POLICY)
    assert {r.code for r in early.reasons} == {ReasonCode.REVIEW_OVERDUE}
    assert early.reasons[0].since == D(2025, 1, 16)


def test_a_review_date_set_earlier_counts_only_when_earlier_and_after_the_basis():
    assert rules.review_due(D(2025, 1, 1), 12, D(2025, 6, 30)) == D(2025, 6, 30)
    assert rules.review_due(D(2025, 1, 1), 12, D(2026, 6, 30)) == D(2026, 1, 1)
    # Reviewed on the date set (or after): the period runs from the review.
    assert rules.review_due(D(2025, 6, 30), 12, D(2025, 6, 30)) == D(2026, 6, 30)
    tenures = [Tenure(kind=k, approved_on=D(2025, 1, 1), review_due_set=D(2025, 6, 30))
               for k in rules.KINDS]
    tests = [Drilled(D(2025, 2, 1), ALL)]
    assert rules.station_status(D(2025, 6, 30), tenures, tests, POLICY).compliant
    assert not rules.station_status(D(2025, 7, 1), tenures, tests, POLICY).compliant


def test_tested_in_time_on_the_last_day_of_the_test_period_and_overdue_after():
    tenures = _all_approved(D(2024, 7, 1))
    tests = [Drilled(D(2024, 8, 31), ALL)]
    policy = {k: KindPolicy(review_months=24, test_months=6) for k in rules.KINDS}
    assert rules.station_status(D(2025, 2, 28), tenures, tests, policy).compliant
    late = rules.station_status(D(2025, 3, 1), tenures, tests, policy)
    reasons = [r for r in late.reasons if r.code is ReasonCode.TEST_OVERDUE]
    assert len(reasons) == 3
    assert reasons[0].last == D(2024, 8, 31)
    assert reasons[0].since == D(2025, 3, 1)
    assert "2024-08-31" in reasons[0].message


def test_missing_plan_and_never_tested_are_reasons_of_their_own():
    status = rules.station_status(D(2025, 5, 1), [], [], POLICY)
    assert not status.compliant
    assert {(r.code, r.kind) for r in status.reasons} == {
        *((ReasonCode.MISSING_PLAN, k) for k in rules.KINDS),
        *((ReasonCode.NEVER_TESTED, k) for k in rules.KINDS)}


def test_a_drill_tests_only_the_kinds_it_tested_and_only_once_held():
    tenures = _all_approved(D(2025, 1, 1))
    tests = [Drilled(D(2025, 3, 1), frozenset({"evacuation", "crisis"})),
             Drilled(D(2025, 5, 2), frozenset({"contingency"}))]
    on = rules.station_status(D(2025, 5, 1), tenures, tests, POLICY)
    assert [(r.code, r.kind) for r in on.reasons] == [(ReasonCode.NEVER_TESTED, "contingency")]
    assert rules.station_status(D(2025, 5, 2), tenures, tests, POLICY).compliant


def test_a_kind_not_required_is_not_asked_for():
    policy = {**POLICY, "contingency": KindPolicy(required=False)}
    tenures = [t for t in _all_approved(D(2025, 1, 1)) if t.kind != "contingency"]
    tests = [Drilled(D(2025, 2, 1), frozenset({"crisis", "evacuation"}))]
    assert rules.station_status(D(2025, 5, 1), tenures, tests, policy).compliant
    assert not rules.station_status(D(2025, 5, 1), tenures, tests, POLICY).compliant


def test_the_plan_in_force_changes_on_the_day_it_is_superseded():
    old = Tenure(kind="crisis", approved_on=D(2023, 1, 1), superseded_on=D(2025, 3, 1))
    new = Tenure(kind="crisis", approved_on=D(2025, 3, 1))
    assert rules.plan_in_force([old, new], "crisis", D(2025, 2, 28)) is old
    assert rules.plan_in_force([old, new], "crisis", D(2025, 3, 1)) is new
    assert rules.plan_in_force([old], "crisis", D(2025, 3, 1)) is None


def test_status_over_a_period_counts_the_days_not_as_required():
    tenures = _all_approved(D(2024, 3, 10))
    tests = [Drilled(D(2024, 4, 1), ALL)]
    period = rules.status_over(D(2025, 3, 1), D(2025, 3, 31), tenures, tests, POLICY)
    assert period.days_not_compliant == 21  # overdue from 11 March
    assert period.first_not_compliant == D(2025, 3, 11)
    assert not period.compliant_throughout
    assert not period.at_end.compliant
    whole = rules.status_over(D(2025, 3, 1), D(2025, 3, 10), tenures, tests, POLICY)
    assert whole.compliant_throughout
    with pytest.raises(ValueError, match="ends before"):
        rules.status_over(D(2025, 3, 2), D(2025, 3, 1), tenures, tests, POLICY)


def test_policy_problems_name_each_bad_field():
    assert rules.policy_problems(rules.default_policy_data()) == []
    bad = rules.default_policy_data()
    bad["crisis"]["review_months"] = 0
    bad["evacuation"]["required"] = "yes"
    bad["contingency"]["test_months"] = 61
    fields = [f for f, _m in rules.policy_problems(bad)]
    assert fields == ["crisis_review_months", "evacuation_required", "contingency_test_months"]
    assert rules.policy_problems([]) == [("periods", rules.policy_problems([])[0][1])]
    assert rules.policy_problems({**rules.default_policy_data(), "fire": {}})[0][0] == "periods"


@pytest.mark.parametrize(("action", "source", "target"), [
    ("submit", "draft", "submitted"), ("approve", "submitted", "approved"),
    ("return", "submitted", "draft")])
def test_plan_workflow_allowed_moves(action, source, target):
    assert rules.next_state(rules.PLAN_TRANSITIONS, action, source) == target


@pytest.mark.parametrize(("action", "source"), [
    ("submit", "submitted"), ("submit", "approved"), ("approve", "draft"),
    ("approve", "approved"), ("return", "draft"), ("return", "approved"),
    ("approve", "superseded"), ("supersede", "approved")])
def test_plan_workflow_refused_moves(action, source):
    assert rules.next_state(rules.PLAN_TRANSITIONS, action, source) is None
