"""The pure rules of host-country cooperation, each both ways and on its edges."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.coordination import host_rules as rules

D = dt.date


@pytest.mark.parametrize(("on", "expected"), [
    (D(2024, 12, 31), False), (D(2025, 1, 1), True), (D(2025, 6, 30), True),
    (D(2025, 7, 1), False)])
def test_in_force_from_first_to_last_day_both_included(on, expected):
    assert rules.in_force(D(2025, 1, 1), D(2025, 6, 30), on) is expected


def test_in_force_without_end_runs_on():
    assert rules.in_force(D(2025, 1, 1), None, D(2099, 1, 1))
    assert not rules.in_force(D(2025, 1, 1), None, D(2024, 12, 31))


@pytest.mark.parametrize(("scores", "expected"), [
    ([], rules.Trend.NONE), ([3], rules.Trend.NONE), ([2, 3], rules.Trend.IMPROVING),
    ([4, 3], rules.Trend.WORSENING), ([3, 3], rules.Trend.STABLE),
    ([1, 5, 5], rules.Trend.STABLE), ([5, 1, 2], rules.Trend.IMPROVING)])
def test_trend_by_the_last_two(scores, expected):
    assert rules.trend(scores) is expected


def test_every_trend_has_a_word_and_an_arrow():
    assert set(rules.TREND_LABELS) == set(rules.Trend) == set(rules.ARROWS)
    assert str(rules.TREND_LABELS[rules.Trend.IMPROVING]) == "improving"


def test_slope_over_the_last_n():
    assert rules.slope([]) is None
    assert rules.slope([4]) is None
    assert rules.slope([1, 2]) == 1.0
    assert rules.slope([5, 4, 3, 2]) == -1.0
    assert rules.slope([3, 3, 3]) == 0.0
    # Only the last four count: the early 1 is left out.
    assert rules.slope([1, 4, 4, 4, 4]) == 0.0
    assert rules.slope([1, 4, 4, 4, 4], last=5) == pytest.approx(0.6)


def test_periods_sharing_a_day_overlap_and_the_clash_is_named():
    q1 = rules.Period(D(2025, 1, 1), D(2025, 3, 31), 1)
    q2 = rules.Period(D(2025, 4, 1), D(2025, 6, 30), 2)
    assert rules.overlapping(rules.Period(D(2025, 7, 1), D(2025, 9, 30)), [q1, q2]) is None
    assert rules.overlapping(rules.Period(D(2025, 3, 31), D(2025, 4, 30)), [q2, q1]) == q1
    assert rules.overlapping(rules.Period(D(2025, 6, 30), D(2025, 7, 1)), [q1, q2]) == q2
    assert str(q1) == "2025-01-01/2025-03-31"


def test_a_period_does_not_overlap_itself():
    q1 = rules.Period(D(2025, 1, 1), D(2025, 3, 31), 1)
    assert rules.overlapping(rules.Period(D(2025, 1, 1), D(2025, 2, 28), 1), [q1]) is None


@pytest.mark.parametrize(("day", "start", "end"), [
    (D(2025, 1, 1), D(2025, 1, 1), D(2025, 3, 31)), (D(2025, 5, 15), D(2025, 4, 1),
                                                      D(2025, 6, 30)),
    (D(2025, 9, 30), D(2025, 7, 1), D(2025, 9, 30)), (D(2025, 12, 31), D(2025, 10, 1),
                                                       D(2025, 12, 31))])
def test_quarter_of(day, start, end):
    assert (rules.quarter_of(day).start, rules.quarter_of(day).end) == (start, end)


def test_the_rating_of_the_previous_quarter_is_due_until_one_reaches_its_end():
    today = D(2025, 5, 10)
    due = rules.due_rating_period(None, today)
    assert due is not None
    assert (due.start, due.end) == (D(2025, 1, 1), D(2025, 3, 31))
    assert rules.due_rating_period(D(2024, 12, 31), today) == due
    assert rules.due_rating_period(D(2025, 3, 30), today) == due
    assert rules.due_rating_period(D(2025, 3, 31), today) is None
    assert rules.due_rating_period(D(2024, 12, 31), D(2025, 1, 1)) is None


def _problems(**kwargs):
    handling = rules.Handling(**{"investigation": "open", **kwargs})
    return {f for f, _m in rules.handling_problems(handling, incident_day=D(2025, 3, 10),
                                                     today=D(2025, 4, 1))}


@pytest.mark.parametrize("investigation", ["open", "closed_solved"])
def test_a_prosecution_with_an_open_or_solved_investigation_holds(investigation):
    assert _problems(investigation=investigation, prosecution="charged") == set()


@pytest.mark.parametrize("investigation", ["reported", "closed_unsolved", "declined",
                                           "not_reported"])
def test_a_prosecution_without_one_is_refused(investigation):
    assert "prosecution" in _problems(investigation=investigation, prosecution="convicted")
    assert _problems(investigation=investigation, prosecution="none") == set()


def test_arrests_and_report_date():
    assert _problems(arrests=-1) == {"arrests"}
    assert _problems(arrests=0) == set()
    assert _problems(reported_on=D(2025, 3, 9)) == {"reported_on"}
    assert _problems(reported_on=D(2025, 3, 10)) == set()
    assert _problems(reported_on=D(2025, 4, 1)) == set()
    assert _problems(reported_on=D(2025, 4, 2)) == {"reported_on"}


def test_not_reported_has_no_report_date_and_no_arrests():
    assert _problems(investigation="not_reported") == set()
    assert _problems(investigation="not_reported", reported_on=D(2025, 3, 11),
                     arrests=1) == {"reported_on", "arrests"}


def test_no_incident_means_no_data_never_zero():
    summary = rules.summarize([])
    assert not summary.has_data
    assert summary.investigated.percent is None
    assert str(summary.investigated) == "no data"


def test_the_shares_count_every_incident_those_without_handling_included():
    summary = rules.summarize([
        rules.Handling("closed_solved", "convicted", 2, D(2025, 1, 1)),
        rules.Handling("reported"),
        rules.Handling("not_reported"),
        None])
    assert summary.incidents == 4
    assert (summary.recorded.count, summary.reported.count, summary.investigated.count,
            summary.with_arrests.count, summary.prosecuted.count,
            summary.convicted.count) == (3, 2, 1, 1, 1, 1)
    assert summary.reported.percent == 50.0
    assert str(summary.convicted) == "1/4 (25 %)"
    assert rules.summarize([None]).investigated.percent == 0.0


def test_a_follow_up_is_open_until_a_later_meeting_with_the_same_authority():
    a = rules.FollowUp(1, "Ministry of Interior", D(2025, 1, 10), D(2025, 2, 1))
    b = rules.FollowUp(2, "National Police", D(2025, 1, 20), D(2025, 1, 25))
    c = rules.FollowUp(3, "National Police", D(2025, 1, 5), None)
    assert rules.open_follow_ups([a, b, c]) == [b, a]
    later = rules.FollowUp(4, " ministry of interior ", D(2025, 3, 1), None)
    assert rules.open_follow_ups([a, b, later]) == [b]
    same_day = rules.FollowUp(5, "National Police", D(2025, 1, 20), None)
    assert rules.open_follow_ups([b, same_day]) == [b]
