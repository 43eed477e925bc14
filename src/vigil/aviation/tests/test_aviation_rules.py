"""The pure rules of aviation advice: the suitability in force, the faults of an assessment,
the advice request's moves and the SP2.2.d figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.aviation import rules
from vigil.aviation.rules import AdviceRow, AssessmentFacts

DAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def facts(outcome: str = rules.SUITABLE, assessed_on: dt.date = DAY,
          valid_until: dt.date | None = DAY + dt.timedelta(days=365), **more: object
          ) -> AssessmentFacts:
    base: dict[str, object] = {"icao_ei_score": Decimal("80")}
    base.update(more)
    return AssessmentFacts(outcome=outcome, assessed_on=assessed_on, valid_until=valid_until,
                           **base)  # type: ignore[arg-type]


# --- Standing -----------------------------------------------------------------------------------

def test_nothing_assessed_is_not_assessed():
    assert rules.standing([], DAY) == rules.Standing(rules.NOT_ASSESSED, "", None)


def test_the_latest_replaces_the_earlier():
    older = facts(rules.UNSUITABLE, DAY - dt.timedelta(days=100))
    newer = facts(rules.SUITABLE, DAY - dt.timedelta(days=10))
    assert rules.standing([newer, older], DAY).suitability == rules.SUITABLE


def test_of_two_on_one_day_the_later_recorded_wins():
    first = facts(rules.SUITABLE, DAY, order=1)
    second = facts(rules.UNSUITABLE, DAY, order=2)
    assert rules.standing([second, first], DAY).suitability == rules.UNSUITABLE


def test_a_lapsed_latest_does_not_bring_back_an_earlier():
    earlier = facts(rules.SUITABLE, DAY - dt.timedelta(days=300),
                    DAY + dt.timedelta(days=100))
    lapsed = facts(rules.SUITABLE, DAY - dt.timedelta(days=60), DAY - dt.timedelta(days=1))
    assert rules.standing([earlier, lapsed], DAY).suitability == rules.NOT_ASSESSED


def test_in_force_through_its_last_day():
    assert rules.standing([facts(valid_until=DAY)], DAY).suitability == rules.SUITABLE
    assert rules.standing([facts(valid_until=DAY)], DAY + dt.timedelta(days=1)) \
        .suitability == rules.NOT_ASSESSED


def test_a_future_assessment_is_not_yet_in_force():
    assert rules.standing([facts(assessed_on=DAY + dt.timedelta(days=1))], DAY).suitability \
        == rules.NOT_ASSESSED


def test_conditions_are_the_note_only_with_conditions():
    conditional = facts(rules.WITH_CONDITIONS, conditions="Day flights only.")
    assert rules.standing([conditional], DAY).note == "Day flights only."
    assert rules.standing([facts(conditions="ignored")], DAY).note == ""


def test_a_migrated_flag_without_an_end_stands():
    assert rules.standing([facts(valid_until=None)], DAY + dt.timedelta(days=9999)) \
        .suitability == rules.SUITABLE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(rules.ASSESSED), st.integers(-400, 0),
                          st.integers(1, 400)), max_size=6))
def test_standing_is_the_latest_or_not_assessed(rows):
    items = [facts(o, DAY + dt.timedelta(days=a), DAY + dt.timedelta(days=a + v), order=i)
             for i, (o, a, v) in enumerate(rows)]
    result = rules.standing(items, DAY)
    latest = rules.latest(items)
    if latest is None or not rules.in_force(latest, DAY):
        assert result.suitability == rules.NOT_ASSESSED
    else:
        assert result.suitability == latest.outcome


# --- Faults ------------------------------------------------------------------------------------

def fields(f: AssessmentFacts) -> list[str]:
    return [name for name, _message in rules.assessment_faults(f, DAY)]


@pytest.mark.parametrize(("given_facts", "expected"), [
    (facts(), []),
    (facts(assessed_on=DAY + dt.timedelta(days=1), valid_until=DAY + dt.timedelta(days=9)),
     ["assessed_on"]),
    (facts(valid_until=None), ["valid_until"]),
    (facts(valid_until=DAY), ["valid_until"]),
    (facts(rules.UNSUITABLE, icao_ei_score=None), []),
    (facts(rules.NOT_ASSESSED, valid_until=None, icao_ei_score=None), []),
    (facts(rules.NOT_ASSESSED), ["valid_until"]),
    (facts(icao_ei_score=None), ["icao_ei_score"]),
    (facts(icao_ei_score=None, iosa_registered=True, iosa_expires=DAY), []),
    (facts(icao_ei_score=None, bars_registered=True, bars_expires=DAY), []),
    (facts(rules.WITH_CONDITIONS), ["conditions"]),
    (facts(rules.WITH_CONDITIONS, conditions="Day only."), []),
    (facts(iosa_registered=True), ["iosa_expires"]),
    (facts(iosa_registered=True, iosa_expires=DAY - dt.timedelta(days=1)), ["iosa_expires"]),
    (facts(iosa_expires=DAY), ["iosa_expires"]),
    (facts(bars_registered=True, bars_expires=DAY - dt.timedelta(days=1)), ["bars_expires"]),
    (facts(bars_expires=DAY), ["bars_expires"]),
])
def test_assessment_faults(given_facts, expected):
    assert fields(given_facts) == expected


# --- Advice requests ---------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("new", "answered", True), ("new", "closed", True), ("answered", "closed", True),
    ("answered", "answered", False), ("answered", "new", False), ("closed", "answered", False),
    ("closed", "new", False), ("closed", "closed", False), ("new", "new", False),
])
def test_advice_moves(current, target, allowed):
    assert rules.advice_may_move(current, target) is allowed


def test_on_time_is_within_the_target_inclusive():
    assert rules.answered_on_time(NOW, NOW + dt.timedelta(hours=48), 48)
    assert not rules.answered_on_time(NOW, NOW + dt.timedelta(hours=48, seconds=1), 48)
    assert not rules.answered_on_time(NOW, None, 48)


def test_overdue_open_and_answered():
    assert rules.overdue(NOW, None, 24, NOW + dt.timedelta(hours=25))
    assert not rules.overdue(NOW, None, 24, NOW + dt.timedelta(hours=23))
    assert rules.overdue(NOW, NOW + dt.timedelta(hours=30), 24, NOW)


def test_figures_count_what_can_be_judged():
    hours = [2, 10, 60]
    rows = [AdviceRow(NOW, NOW + dt.timedelta(hours=h)) for h in hours]
    rows += [AdviceRow(NOW, None), AdviceRow(NOW - dt.timedelta(days=5), None),
             AdviceRow(NOW, None, closed_unanswered=True)]
    figures = rules.advice_figures(rows, 48, NOW + dt.timedelta(hours=1))
    assert (figures.asked, figures.answered, figures.on_time, figures.late,
            figures.open_overdue, figures.open_within_target, figures.withdrawn) == (
        6, 3, 2, 1, 1, 1, 1)
    assert figures.judged == 4
    assert figures.share_on_time == 0.5
    assert figures.median_hours == 10


def test_no_requests_have_no_share_and_no_median():
    figures = rules.advice_figures([], 48, NOW)
    assert (figures.share_on_time, figures.median_hours) == (None, None)
