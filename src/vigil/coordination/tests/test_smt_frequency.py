"""How often a security management team must meet, by the security level in force: each
level's interval, the due day itself in time and the next day late, no level counted as level
1, an area team at its own area's level and a country team at the highest of its areas, the
configured table over the default, and each fault of a table named by its level. The rules as
pure functions, then the same flags as the team list and team page read them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination.models import (
    CoordinationSettings,
    Meeting,
    SecurityManagementTeam,
)
from vigil.coordination.models.smt import DEFAULT_MEETING_INTERVAL_DAYS
from vigil.core.authz import Role, ScopeKind
from vigil.places.models import SecurityArea
from vigil.risk.models import SecurityLevelReview

DAY = dt.date(2026, 3, 1)


@pytest.mark.parametrize(("level", "days"), [(1, 90), (2, 90), (3, 60), (4, 30), (5, 14),
                                             (6, 7)])
def test_each_level_has_its_interval_and_the_due_day_is_in_time(level, days):
    last = DAY - dt.timedelta(days=days)
    on_time = rules.meeting_state(level=level, last_held_on=last, established_on=last,
                                  today=DAY)
    assert (on_time.interval_days, on_time.due_on, on_time.late) == (days, DAY, False)
    late = rules.meeting_state(level=level, last_held_on=last - dt.timedelta(days=1),
                               established_on=last, today=DAY)
    assert (late.late, late.days_late) == (True, 1)


def test_no_level_counts_as_level_one():
    last = DAY - dt.timedelta(days=91)
    state = rules.meeting_state(level=None, last_held_on=last, established_on=last, today=DAY)
    assert (state.interval_days, state.late, state.days_late) == (90, True, 1)
    assert rules.interval_days(None) == rules.interval_days(1) == 90
    assert rules.interval_days(9) == 90  # not a level: level 1


def test_a_team_that_never_met_is_due_one_interval_after_it_was_established():
    state = rules.meeting_state(level=5, last_held_on=None, established_on=DAY, today=DAY)
    assert (state.due_on, state.late) == (DAY + dt.timedelta(days=14), False)


def test_configured_table_overrides_the_default():
    table = {"1": 120, "2": 100, "3": 45, "4": 20, "5": 10, "6": 3}
    last = DAY - dt.timedelta(days=46)
    assert rules.meeting_state(level=3, last_held_on=last, established_on=last,
                               today=DAY).late is False  # default 60 days: in time
    assert rules.meeting_state(level=3, last_held_on=last, established_on=last, today=DAY,
                               intervals=table).late is True


def test_late_threshold_agrees_with_meeting_state():
    for level in (None, *rules.LEVELS):
        threshold = rules.late_threshold(level, DAY)
        assert not rules.meeting_state(level=level, last_held_on=threshold,
                                       established_on=threshold, today=DAY).late
        before = threshold - dt.timedelta(days=1)
        assert rules.meeting_state(level=level, last_held_on=before, established_on=before,
                                   today=DAY).late


def test_valid_table_has_no_faults():
    assert rules.validate_intervals(DEFAULT_MEETING_INTERVAL_DAYS) == {}


@pytest.mark.parametrize(("change", "errors"), [
    ({"3": "often"}, {"3": "not_a_number"}),
    ({"4": None}, {"4": "not_a_number"}),
    ({"1": 0}, {"1": "out_of_range"}),
    ({"6": 367}, {"6": "out_of_range"}),
    ({"5": 40}, {"5": "longer_than_lower_level"}),
    ({"2": 91, "6": -1}, {"2": "longer_than_lower_level", "6": "out_of_range"}),
])
def test_validate_intervals_names_each_faulty_level(change, errors):
    assert rules.validate_intervals({**DEFAULT_MEETING_INTERVAL_DAYS, **change}) == errors


def test_missing_level_is_named():
    table = dict(DEFAULT_MEETING_INTERVAL_DAYS)
    del table["2"]
    assert rules.validate_intervals(table) == {"2": "not_a_number"}


def test_workflow_tables_allow_and_refuse():
    assert rules.next_state(rules.MEETING_TRANSITIONS, "record", "scheduled") == "held"
    assert rules.next_state(rules.MEETING_TRANSITIONS, "cancel", "held") is None
    assert rules.next_state(rules.ACTION_TRANSITIONS, "reopen", "open") is None
    assert rules.next_state(rules.JOINT_PLAN_TRANSITIONS, "complete", "agreed") is None
    assert rules.allowed_actions(rules.JOINT_PLAN_TRANSITIONS, "drafting") == ["agree",
                                                                              "abandon"]
    assert rules.action_late(status="open", due_on=DAY, today=DAY) is False
    assert rules.action_late(status="open", due_on=DAY, today=DAY + dt.timedelta(days=1))
    assert not rules.action_late(status="done", due_on=DAY, today=DAY + dt.timedelta(days=9))


# --- The flags as the pages read them ---------------------------------------------------------

def _level(area, value, by, days_ago=10):
    SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=value, proposed_level=value,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=by,
        proposed_at=timezone.now() - dt.timedelta(days=days_ago + 1), decided_by=by,
        decided_at=timezone.now() - dt.timedelta(days=days_ago),
        next_review_due=timezone.localdate() + dt.timedelta(days=90))


def _team(country, area=None, *, last_held_ago=None, established_ago=400):
    today = timezone.localdate()
    team = SecurityManagementTeam.objects.create(
        country=country, security_area=area, name=f"SMT {area or country}",
        established_on=today - dt.timedelta(days=established_ago))
    if last_held_ago is not None:
        Meeting.objects.create(team=team, held_on=today - dt.timedelta(days=last_held_ago),
                               status="held")
    return team


@pytest.fixture
def reader(user_with):
    return user_with(Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL)


def _flags(reader):
    return {t.pk: t.state for t in selectors.team_list(user=reader)}


def test_country_team_uses_the_highest_level_of_its_areas(cast, reader):
    coast = SecurityArea.objects.create(country=cast.kenya, code="CST", name="Coast")
    _level(cast.nbi_area, 2, reader)
    _level(coast, 4, reader)
    on_time = _team(cast.kenya, last_held_ago=30)
    state = _flags(reader)[on_time.pk]
    assert (state.level, state.interval_days, state.late) == (4, 30, False)
    Meeting.objects.filter(team=on_time).update(
        held_on=timezone.localdate() - dt.timedelta(days=31))
    assert _flags(reader)[on_time.pk].late is True
    assert _flags(reader)[on_time.pk].days_late == 1


def test_area_team_uses_its_own_area_level(cast, reader):
    coast = SecurityArea.objects.create(country=cast.kenya, code="CST", name="Coast")
    _level(cast.nbi_area, 2, reader)
    _level(coast, 5, reader)
    nairobi_team = _team(cast.kenya, cast.nbi_area, last_held_ago=60)
    coast_team = _team(cast.kenya, coast, last_held_ago=15)
    flags = _flags(reader)
    assert (flags[nairobi_team.pk].level, flags[nairobi_team.pk].late) == (2, False)
    assert (flags[coast_team.pk].level, flags[coast_team.pk].late) == (5, True)


def test_the_latest_approved_level_counts(cast, reader):
    _level(cast.nbi_area, 5, reader, days_ago=100)
    _level(cast.nbi_area, 1, reader, days_ago=5)
    team = _team(cast.kenya, last_held_ago=80)
    assert (_flags(reader)[team.pk].level, _flags(reader)[team.pk].late) == (1, False)


def test_no_level_in_force_counts_as_level_one(cast, reader):
    team = _team(cast.somalia, last_held_ago=90)
    assert _flags(reader)[team.pk].level is None
    assert _flags(reader)[team.pk].late is False
    Meeting.objects.filter(team=team).update(
        held_on=timezone.localdate() - dt.timedelta(days=91))
    assert _flags(reader)[team.pk].late is True


def test_late_filter_and_configured_intervals_in_the_list(cast, reader):
    _level(cast.nbi_area, 3, reader)
    kenya = _team(cast.kenya, last_held_ago=50)
    somalia = _team(cast.somalia, last_held_ago=100)  # no level: 90 days, late
    assert set(selectors.team_list(user=reader, late="yes").values_list("pk", flat=True)) \
        == {somalia.pk}
    CoordinationSettings.objects.filter(pk=1).update(meeting_interval_days={
        "1": 120, "2": 90, "3": 45, "4": 30, "5": 14, "6": 7})
    assert set(selectors.team_list(user=reader, late="yes").values_list("pk", flat=True)) \
        == {kenya.pk}
    assert _flags(reader)[kenya.pk].days_late == 5


def test_a_team_that_never_met_is_late_from_its_establishment(cast, reader):
    team = _team(cast.somalia, established_ago=91)
    state = _flags(reader)[team.pk]
    assert (state.last_held_on, state.late, state.days_late) == (None, True, 1)
