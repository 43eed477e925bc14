"""The rules tables of the accountability framework, read both ways, as pure functions: no
database. The access each function grants, who may record which function, where each function
is held, one designated official at a time, each duty's due day and the day after, and the gap
board's arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.coordination import accountability_rules as rules
from vigil.coordination.accountability_rules import DutyKind, Fact, Period, Tenure
from vigil.coordination.models import Function, PlaceLevel
from vigil.core.roles import Role, ScopeKind

DAY = dt.date(2026, 3, 10)
NEXT = DAY + dt.timedelta(days=1)
COUNTRY, AREA, STATION = 7, 70, 700

# --- The access each function grants ---------------------------------------------------------

EXPECTED_ROLE = {
    Function.DESIGNATED_OFFICIAL: Role.DESIGNATED_OFFICIAL,
    Function.DEPUTY_DESIGNATED_OFFICIAL: Role.SMT_MEMBER,
    Function.SMT_MEMBER: Role.SMT_MEMBER,
    Function.CHIEF_SECURITY_ADVISER: Role.SECURITY_OFFICER,
    Function.FIELD_SECURITY_OFFICER: Role.SECURITY_OFFICER,
    Function.WARDEN: Role.WARDEN,
    Function.ZONE_WARDEN: Role.WARDEN,
}


def test_every_function_grants_one_role_and_no_other_role_is_granted():
    assert rules.FUNCTION_ROLE == EXPECTED_ROLE
    assert set(rules.FUNCTION_ROLE) == set(Function.values)
    # Roles no appointment gives: these come from a role grant only.
    assert set(rules.FUNCTION_ROLE.values()).isdisjoint({
        Role.TRAVELLER, Role.DRO_DESK_OFFICER, Role.ADMINISTRATOR, Role.TRAINING_OFFICER})


@pytest.mark.parametrize(("function", "area", "station", "expected"), [
    (Function.DESIGNATED_OFFICIAL, None, None, (ScopeKind.COUNTRY, COUNTRY)),
    (Function.CHIEF_SECURITY_ADVISER, None, None, (ScopeKind.COUNTRY, COUNTRY)),
    (Function.DEPUTY_DESIGNATED_OFFICIAL, AREA, None, (ScopeKind.SECURITY_AREA, AREA)),
    (Function.SMT_MEMBER, None, None, (ScopeKind.COUNTRY, COUNTRY)),
    (Function.SMT_MEMBER, AREA, None, (ScopeKind.SECURITY_AREA, AREA)),
    (Function.FIELD_SECURITY_OFFICER, None, STATION, (ScopeKind.DUTY_STATION, STATION)),
    # The duty station is narrower than its area: it wins.
    (Function.WARDEN, AREA, STATION, (ScopeKind.DUTY_STATION, STATION)),
    (Function.ZONE_WARDEN, None, STATION, (ScopeKind.DUTY_STATION, STATION)),
])
def test_the_grant_is_the_functions_role_over_the_narrowest_place(function, area, station,
                                                                   expected):
    role, kind, scope_id = rules.grant_for(function, country_id=COUNTRY,
                                           security_area_id=area, duty_station_id=station)
    assert role is EXPECTED_ROLE[function]
    assert (kind, scope_id) == expected


def test_place_level_is_the_narrowest_place_named():
    assert rules.place_level(security_area_id=None, duty_station_id=None) is PlaceLevel.COUNTRY
    assert rules.place_level(security_area_id=AREA, duty_station_id=None) \
        is PlaceLevel.SECURITY_AREA
    assert rules.place_level(security_area_id=AREA, duty_station_id=STATION) \
        is PlaceLevel.DUTY_STATION
    assert rules.place_level(security_area_id=None, duty_station_id=STATION) \
        is PlaceLevel.DUTY_STATION


# --- Who may record which function -----------------------------------------------------------

ALL = set(Function.values)
MAY = {
    Role.DRO_DESK_OFFICER: ALL,
    Role.ADMINISTRATOR: ALL,
    Role.DESIGNATED_OFFICIAL: {Function.DEPUTY_DESIGNATED_OFFICIAL, Function.SMT_MEMBER,
                               Function.WARDEN, Function.ZONE_WARDEN,
                               Function.FIELD_SECURITY_OFFICER},
    Role.SECURITY_OFFICER: {Function.WARDEN, Function.ZONE_WARDEN},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("function", Function.values)
def test_may_appoint_each_role_and_function(role, function):
    allowed = function in MAY.get(role, set())
    assert rules.may_appoint([role], function) is allowed
    if allowed:
        return
    message = rules.refusal([role], function)
    if role in MAY:
        # Names the function refused and every function the role may record.
        assert str(Function(function).label).lower() in message
        for other in MAY[role]:
            assert str(Function(other).label) in message
    else:
        assert message == "You may not record security appointments here."


def test_the_table_is_exactly_the_four_appointing_roles():
    assert {role: set(functions) for role, functions in rules.MAY_APPOINT.items()} == MAY


def test_several_roles_add_up_and_no_role_records_nothing():
    both = [Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL]
    assert rules.appointable(both) == MAY[Role.DESIGNATED_OFFICIAL]
    assert rules.may_appoint(both, Function.WARDEN)
    assert not rules.may_appoint(both, Function.CHIEF_SECURITY_ADVISER)
    assert rules.appointable([]) == frozenset()
    assert not rules.may_appoint([], Function.WARDEN)
    assert rules.refusal([], Function.WARDEN) == \
        "You may not record security appointments here."


def test_the_refusal_lists_what_a_security_officer_may_record_in_the_tables_order():
    message = rules.refusal([Role.SECURITY_OFFICER], Function.DESIGNATED_OFFICIAL)
    assert message == ("You may not record the appointment of a designated official here. "
                       "You may record: Warden, Zone warden.")


# --- Where each function is held -------------------------------------------------------------

PLACES = {"country": (None, None), "area": (AREA, None), "station": (None, STATION)}
HELD_AT = {
    Function.DESIGNATED_OFFICIAL: {"country"},
    Function.DEPUTY_DESIGNATED_OFFICIAL: {"country", "area"},
    Function.SMT_MEMBER: {"country", "area"},
    Function.CHIEF_SECURITY_ADVISER: {"country"},
    Function.FIELD_SECURITY_OFFICER: {"station"},
    Function.WARDEN: {"station"},
    Function.ZONE_WARDEN: {"station"},
}


@pytest.mark.parametrize("function", Function.values)
@pytest.mark.parametrize("place", list(PLACES))
def test_each_function_is_held_at_its_places_only(function, place):
    area, station = PLACES[place]
    zone = "Gigiri" if function == Function.ZONE_WARDEN else ""
    problems = rules.place_problems(function, security_area_id=area, duty_station_id=station,
                                    zone=zone)
    if place in HELD_AT[function]:
        assert problems == []
    else:
        assert len(problems) == 1
        field, message = problems[0]
        # The field to change: the duty station a function needs, or the one it must not
        # have; else the area it must not have.
        expected = "duty_station" if station is not None or "station" in HELD_AT[function] \
            else "security_area"
        assert field == expected
        assert str(Function(function).label).lower() in message


def test_a_zone_warden_needs_a_zone_and_only_a_zone_warden_has_one():
    assert rules.place_problems(Function.ZONE_WARDEN, security_area_id=None,
                                duty_station_id=STATION, zone="") == [
        ("zone", "A zone warden is appointed for a zone: name it.")]
    assert [f for f, _m in rules.place_problems(Function.ZONE_WARDEN, security_area_id=None,
                                                 duty_station_id=STATION, zone="   ")] == ["zone"]
    for function in set(Function.values) - {Function.ZONE_WARDEN}:
        area, station = PLACES[sorted(HELD_AT[function])[0]]
        assert rules.place_problems(function, security_area_id=area, duty_station_id=station,
                                    zone="North") == [
            ("zone", "Only a zone warden has a zone: leave it empty.")], function
    assert rules.NEEDS_ZONE == {Function.ZONE_WARDEN}


def test_a_zone_warden_without_station_or_zone_hears_of_both():
    fields = [f for f, _m in rules.place_problems(Function.ZONE_WARDEN, security_area_id=None,
                                                  duty_station_id=None, zone="")]
    assert fields == ["duty_station", "zone"]


def test_an_unknown_function_is_named():
    assert rules.place_problems("sheriff", security_area_id=None, duty_station_id=None,
                                zone="") == [("function", "Unknown function “sheriff”.")]


# --- One designated official at a time -------------------------------------------------------

def test_only_the_designated_official_is_held_by_one_person_at_a_time():
    assert rules.SOLE_HOLDER == {Function.DESIGNATED_OFFICIAL}


HELD = Period(1, dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(("starts", "ends", "clash"), [
    # Starting on the holder's last day meets it; the day after does not.
    (dt.date(2025, 12, 31), None, True),
    (dt.date(2026, 1, 1), None, False),
    # Ending on the holder's first day meets it; the day before does not.
    (dt.date(2024, 6, 1), dt.date(2025, 1, 1), True),
    (dt.date(2024, 6, 1), dt.date(2024, 12, 31), False),
    # Inside, around, and open from before.
    (dt.date(2025, 5, 1), dt.date(2025, 5, 2), True),
    (dt.date(2024, 1, 1), dt.date(2027, 1, 1), True),
    (dt.date(2024, 1, 1), None, True),
])
def test_overlap_on_the_boundaries(starts, ends, clash):
    found = rules.overlap(Period(None, starts, ends), [HELD])
    assert (found == HELD) is clash
    assert (found is None) is not clash


def test_an_open_tenure_meets_every_later_start_and_a_period_never_meets_itself():
    open_ = Period(2, dt.date(2026, 1, 1), None)
    assert rules.overlap(Period(None, dt.date(2040, 1, 1), None), [open_]) == open_
    assert rules.overlap(Period(None, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
                         [open_]) is None
    assert rules.overlap(Period(2, dt.date(2026, 1, 1), dt.date(2026, 6, 1)), [open_]) is None
    # The earliest clash is the one named.
    assert rules.overlap(Period(None, dt.date(2024, 1, 1), None), [open_, HELD]) == HELD


def test_a_period_holds_from_its_first_to_its_last_day():
    assert not HELD.holds_on(dt.date(2024, 12, 31))
    assert HELD.holds_on(dt.date(2025, 1, 1))
    assert HELD.holds_on(dt.date(2025, 12, 31))
    assert not HELD.holds_on(dt.date(2026, 1, 1))
    assert Period(None, DAY, None).holds_on(dt.date(2099, 1, 1))


@pytest.mark.parametrize(("ends_on", "already", "expected"), [
    (DAY, None, []),
    (dt.date(2025, 1, 1), None, []),  # the first day is also a last day
    (dt.date(2024, 12, 31), None, ["ends_on"]),
    (None, None, ["ends_on"]),
    (DAY, dt.date(2025, 6, 1), ["ends_on"]),
])
def test_ending_an_appointment(ends_on, already, expected):
    problems = rules.ending_problems(starts_on=dt.date(2025, 1, 1), ends_on=ends_on,
                                     already_ended=already)
    assert [f for f, _m in problems] == expected


# --- What each function answers for ----------------------------------------------------------

def test_every_function_has_responsibilities_and_its_own_action_points():
    for function in Function.values:
        assert rules.RESPONSIBILITIES[function], function
        assert DutyKind.ACTION_POINTS in rules.DUTIES[function], function
    assert rules.PERSONAL_DUTIES == {DutyKind.ACTION_POINTS}


def test_the_duties_of_each_function():
    place_duties = {f: set(kinds) - {DutyKind.ACTION_POINTS} for f, kinds in
                    rules.DUTIES.items()}
    assert place_duties == {
        Function.DESIGNATED_OFFICIAL: {DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                       DutyKind.PLAN_REVIEW, DutyKind.SMT_MEETING},
        Function.CHIEF_SECURITY_ADVISER: {DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                          DutyKind.PLAN_REVIEW, DutyKind.MOSS_ASSESSMENT,
                                          DutyKind.MISSION_RECOMMENDATIONS,
                                          DutyKind.SMT_MEETING},
        Function.FIELD_SECURITY_OFFICER: {DutyKind.MOSS_ASSESSMENT},
        Function.DEPUTY_DESIGNATED_OFFICIAL: set(),
        Function.SMT_MEMBER: set(),
        Function.WARDEN: set(),
        Function.ZONE_WARDEN: set(),
    }
    assert {kind: kind.label for kind in DutyKind} == {
        kind: str(rules.DUTY_LABELS[kind]) for kind in DutyKind}


# --- Each duty on its due day and the day after ----------------------------------------------

def _late(kind, fact, today, settings=None):
    return [(o.record_id, o.due_on, o.days_overdue)
            for o in rules.overdue(kind, [fact], today, settings)]


@pytest.mark.parametrize("kind", [DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                  DutyKind.PLAN_REVIEW])
def test_a_review_is_overdue_from_the_day_after_its_due_day(kind):
    fact = Fact("record", 1, "Record", due_on=DAY)
    assert _late(kind, fact, DAY - dt.timedelta(days=1)) == []
    assert _late(kind, fact, DAY) == []
    assert _late(kind, fact, NEXT) == [(1, DAY, 1)]
    assert _late(kind, fact, DAY + dt.timedelta(days=30)) == [(1, DAY, 30)]


@pytest.mark.parametrize("kind", [DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                  DutyKind.PLAN_REVIEW])
def test_a_review_never_made_is_overdue_at_once_with_no_date(kind):
    assert _late(kind, Fact("country", 2, "Kenya", missing=True), DAY) == [(2, None, None)]


def test_a_moss_assessment_is_due_twelve_months_after_the_last():
    fact = Fact("duty_station", 3, "Mombasa", last_on=dt.date(2025, 3, 10))
    assert _late(DutyKind.MOSS_ASSESSMENT, fact, DAY) == []
    assert _late(DutyKind.MOSS_ASSESSMENT, fact, NEXT) == [(3, DAY, 1)]
    assert rules.MOSS_ASSESSMENT_MONTHS == 12


def test_a_moss_assessment_interval_follows_the_settings_and_never_assessed_is_overdue():
    fact = Fact("duty_station", 3, "Mombasa", last_on=dt.date(2025, 9, 10))
    six = rules.Settings(moss_months=6)
    assert _late(DutyKind.MOSS_ASSESSMENT, fact, DAY, six) == []
    assert _late(DutyKind.MOSS_ASSESSMENT, fact, NEXT, six) == [(3, DAY, 1)]
    never = Fact("duty_station", 4, "Nairobi")
    assert _late(DutyKind.MOSS_ASSESSMENT, never, DAY) == [(4, None, None)]


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    assert rules.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert rules.add_months(dt.date(2025, 11, 15), 2) == dt.date(2026, 1, 15)
    assert rules.add_months(dt.date(2025, 3, 10), 12) == dt.date(2026, 3, 10)


def test_an_smt_meeting_is_late_from_the_day_after_the_interval():
    # No level set: level 1, 90 days between meetings.
    held = DAY - dt.timedelta(days=90)
    fact = Fact("smt", 5, "Kenya SMT", last_on=held, since=dt.date(2024, 1, 1))
    assert _late(DutyKind.SMT_MEETING, fact, DAY) == []
    assert _late(DutyKind.SMT_MEETING, fact, NEXT) == [(5, DAY, 1)]
    # At level 4 the team meets every 30 days.
    high = Fact("smt", 5, "Kenya SMT", last_on=DAY - dt.timedelta(days=30),
                since=dt.date(2024, 1, 1), level=4)
    assert _late(DutyKind.SMT_MEETING, high, DAY) == []
    assert _late(DutyKind.SMT_MEETING, high, NEXT) == [(5, DAY, 1)]


def test_a_team_that_never_met_is_due_one_interval_after_it_was_established():
    fact = Fact("smt", 6, "Area SMT", since=DAY - dt.timedelta(days=60), level=3)
    assert _late(DutyKind.SMT_MEETING, fact, DAY) == []
    assert _late(DutyKind.SMT_MEETING, fact, NEXT) == [(6, DAY, 1)]
    weekly = rules.Settings(intervals={"1": 7, "2": 7, "3": 7, "4": 7, "5": 7, "6": 7})
    assert _late(DutyKind.SMT_MEETING, fact, DAY, weekly) == [
        (6, DAY - dt.timedelta(days=53), 53)]
    assert rules.smt_meeting_late(level=3, last_held_on=None, established_on=fact.since,
                                  today=NEXT)
    assert not rules.smt_meeting_late(level=3, last_held_on=None, established_on=fact.since,
                                      today=DAY)


@pytest.mark.parametrize("kind", [DutyKind.ACTION_POINTS, DutyKind.MISSION_RECOMMENDATIONS])
def test_an_open_item_is_overdue_after_its_due_day_and_a_closed_one_never(kind):
    fact = Fact("item", 7, "Radio check", due_on=DAY, status="open")
    assert _late(kind, fact, DAY) == []
    assert _late(kind, fact, NEXT) == [(7, DAY, 1)]
    for status in ("done", "dropped", "closed"):
        closed = Fact("item", 7, "Radio check", due_on=DAY, status=status)
        assert _late(kind, closed, NEXT + dt.timedelta(days=100)) == [], status


def test_overdue_lists_the_never_made_first_then_the_longest_overdue():
    facts = [Fact("r", 1, "b", due_on=DAY - dt.timedelta(days=3)),
             Fact("r", 2, "a", due_on=DAY - dt.timedelta(days=10)),
             Fact("r", 3, "c", missing=True),
             Fact("r", 4, "d", due_on=DAY)]
    found = rules.overdue("sra_review", facts, DAY)
    assert [(o.record_id, o.days_overdue) for o in found] == [(3, None), (2, 10), (1, 3)]
    assert {o.kind for o in found} == {DutyKind.SRA_REVIEW}
    with pytest.raises(ValueError, match="sheriff"):
        rules.overdue("sheriff", facts, DAY)


# --- The gap board ---------------------------------------------------------------------------

KENYA = rules.Place(PlaceLevel.COUNTRY, COUNTRY, "Kenya", COUNTRY)
MOMBASA = rules.Place(PlaceLevel.DUTY_STATION, STATION, "Kenya · Mombasa", COUNTRY)
WARDENS = rules.Requirement(Function.WARDEN, PlaceLevel.DUTY_STATION, 2, 1)
FSO = rules.Requirement(Function.FIELD_SECURITY_OFFICER, PlaceLevel.DUTY_STATION, 1, 4)
DO = rules.Requirement(Function.DESIGNATED_OFFICIAL, PlaceLevel.COUNTRY, 1, 1)
STATION_KEY = (PlaceLevel.DUTY_STATION, STATION)


def _board(requirements, tenures=(), level=None, today=DAY):
    return [(g.place.pk, g.function, g.required, g.held, g.vacant_since)
            for g in rules.gaps(requirements, [KENYA, MOMBASA], {STATION_KEY: list(tenures)},
                                {STATION_KEY: level}, today)]


def test_fewer_holders_than_the_minimum_is_a_gap():
    one = Tenure(Function.WARDEN, dt.date(2025, 1, 1), None)
    two = Tenure(Function.WARDEN, dt.date(2025, 6, 1), None)
    assert _board([WARDENS]) == [(STATION, Function.WARDEN, 2, 0, None)]
    assert _board([WARDENS], [one]) == [(STATION, Function.WARDEN, 2, 1, None)]
    assert _board([WARDENS], [one, two]) == []
    # Another function's holders do not count.
    zone = Tenure(Function.ZONE_WARDEN, dt.date(2025, 1, 1), None)
    assert _board([WARDENS], [one, zone]) == [(STATION, Function.WARDEN, 2, 1, None)]


def test_a_requirement_applies_from_its_security_level_and_only_to_its_places():
    assert _board([FSO], level=3) == []
    assert _board([FSO], level=4) == [(STATION, Function.FIELD_SECURITY_OFFICER, 1, 0, None)]
    assert _board([FSO], level=6)
    # No level set counts as level 1.
    assert _board([FSO], level=None) == []
    level_one = rules.Requirement(Function.WARDEN, PlaceLevel.DUTY_STATION, 1, 1)
    assert _board([level_one], level=None)
    # A country requirement is the country's, not the duty station's.
    assert _board([DO]) == [(COUNTRY, Function.DESIGNATED_OFFICIAL, 1, 0, None)]
    inactive = rules.Requirement(Function.WARDEN, PlaceLevel.DUTY_STATION, 1, 1, active=False)
    assert _board([inactive]) == []


def test_applies_both_ways():
    assert rules.applies(FSO, PlaceLevel.DUTY_STATION, 4)
    assert not rules.applies(FSO, PlaceLevel.DUTY_STATION, 3)
    assert not rules.applies(FSO, PlaceLevel.COUNTRY, 5)
    assert rules.applies(DO, PlaceLevel.COUNTRY, None)


def test_a_gap_is_vacant_from_the_day_after_the_last_holder_left():
    single = rules.Requirement(Function.WARDEN, PlaceLevel.DUTY_STATION, 1, 1)
    left = Tenure(Function.WARDEN, dt.date(2024, 1, 1), dt.date(2026, 2, 27))
    earlier = Tenure(Function.WARDEN, dt.date(2020, 1, 1), dt.date(2023, 12, 31))
    assert _board([single], [earlier, left]) == [
        (STATION, Function.WARDEN, 1, 0, dt.date(2026, 2, 28))]
    # Held on the last day itself: no gap; vacant the day after.
    last_day = Tenure(Function.WARDEN, dt.date(2024, 1, 1), DAY)
    assert _board([single], [last_day]) == []
    assert _board([single], [last_day], today=NEXT) == [
        (STATION, Function.WARDEN, 1, 0, NEXT)]


def test_an_appointment_still_to_come_fills_nothing_yet():
    single = rules.Requirement(Function.WARDEN, PlaceLevel.DUTY_STATION, 1, 1)
    coming = Tenure(Function.WARDEN, NEXT, None)
    assert _board([single], [coming]) == [(STATION, Function.WARDEN, 1, 0, None)]
    assert _board([single], [coming], today=NEXT) == []


def test_vacant_since_reads_only_ended_tenures():
    assert rules.vacant_since([], DAY) is None
    assert rules.vacant_since([Tenure(Function.WARDEN, dt.date(2025, 1, 1), None)], DAY) is None
    assert rules.vacant_since([Tenure(Function.WARDEN, dt.date(2025, 1, 1), DAY)], DAY) is None
    assert rules.vacant_since([Tenure(Function.WARDEN, dt.date(2025, 1, 1),
                                      dt.date(2025, 5, 31))], DAY) == dt.date(2025, 6, 1)


def test_the_gap_carries_the_places_security_level_and_the_functions_name():
    (gap,) = rules.gaps([FSO], [MOMBASA], {}, {STATION_KEY: 5}, DAY)
    assert gap.security_level == 5
    assert gap.function_label == "Field security officer"
    assert gap.place == MOMBASA
