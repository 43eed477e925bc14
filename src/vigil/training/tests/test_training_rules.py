"""Training rules: validity, requirement, dependants, enrolment moves, waiting list, codes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.training import rules

D = dt.date


@pytest.mark.parametrize(("completed", "months", "expected"), [
    (D(2024, 1, 15), 36, D(2027, 1, 15)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 11, 30), 3, D(2025, 2, 28)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
])
def test_expiry_adds_months_clamped_to_the_month(completed, months, expected):
    assert rules.expiry(completed, months) == expected


def test_a_course_without_validity_never_expires():
    assert rules.expiry(D(2001, 5, 1), None) is None
    assert rules.valid_on(D(2001, 5, 1), None, D(2099, 1, 1))


def test_valid_from_completion_until_the_day_before_expiry():
    done, expires = D(2024, 3, 1), D(2027, 3, 1)
    assert not rules.valid_on(done, expires, D(2024, 2, 29))
    assert rules.valid_on(done, expires, done)
    assert rules.valid_on(done, expires, D(2027, 2, 28))
    assert not rules.valid_on(done, expires, expires)


def test_a_revoked_completion_is_never_valid():
    assert not rules.valid_on(D(2024, 1, 1), None, D(2024, 6, 1), revoked=True)


def test_valid_throughout_needs_both_ends_of_the_trip():
    done, expires = D(2024, 3, 1), D(2025, 3, 1)
    assert rules.valid_throughout(done, expires, D(2025, 2, 1), D(2025, 2, 28))
    assert not rules.valid_throughout(done, expires, D(2025, 2, 20), D(2025, 3, 2))
    assert not rules.valid_throughout(done, expires, D(2024, 2, 20), D(2024, 3, 5))


@pytest.mark.parametrize(("today", "revoked", "state"), [
    (D(2024, 1, 1), False, rules.NOT_YET), (D(2024, 6, 1), False, rules.VALID),
    (D(2025, 3, 1), False, rules.EXPIRED), (D(2024, 6, 1), True, rules.REVOKED),
])
def test_validity_state(today, revoked, state):
    assert rules.validity_state(D(2024, 3, 1), D(2025, 3, 1), today, revoked=revoked) == state


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 1, 1)), st.integers(1, 240))
def test_expiry_is_always_after_completion_and_within_the_months(day, months):
    expires = rules.expiry(day, months)
    assert expires is not None
    assert day < expires <= day + dt.timedelta(days=31 * months)
    assert rules.valid_on(day, expires, expires - dt.timedelta(days=1))
    assert not rules.valid_on(day, expires, expires)


def test_requirement_any_condition_is_enough():
    none = rules.Requirement()
    assert not rules.required_of(none, category="international", duty_station_id=1)
    assert rules.required_of(rules.Requirement(for_all=True), category="x", duty_station_id=1)
    cats = rules.Requirement(categories=frozenset({"field_service"}))
    assert rules.required_of(cats, category="field_service", duty_station_id=1)
    assert not rules.required_of(cats, category="international", duty_station_id=1)
    stations = rules.Requirement(duty_station_ids=frozenset({7}))
    assert rules.required_of(stations, category="x", duty_station_id=7)
    assert not rules.required_of(stations, category="x", duty_station_id=8)
    roles = rules.Requirement(roles=frozenset({"counsellor"}))
    assert rules.required_of(roles, category="x", duty_station_id=1, roles={"counsellor"})
    assert not rules.required_of(roles, category="x", duty_station_id=1, roles={"traveller"})


def test_dependants_concerned_by_course_and_age():
    day = D(2026, 6, 1)
    assert not rules.dependant_concerned(applies_to_dependants=False, minimum_age=None,
                                         born=D(1990, 1, 1), day=day)
    assert rules.dependant_concerned(applies_to_dependants=True, minimum_age=None,
                                     born=D(2020, 1, 1), day=day)
    assert rules.dependant_concerned(applies_to_dependants=True, minimum_age=18,
                                     born=D(2008, 6, 1), day=day)
    assert not rules.dependant_concerned(applies_to_dependants=True, minimum_age=18,
                                         born=D(2008, 6, 2), day=day)
    assert rules.dependant_concerned(applies_to_dependants=True, minimum_age=18, born=None,
                                     day=day)


@pytest.mark.parametrize(("current", "wanted"), sorted(rules.ENROLMENT_MOVES))
def test_allowed_enrolment_moves(current, wanted):
    assert rules.may_move(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), [
    ("attended", "cancelled"), ("no_show", "cancelled"), ("cancelled", "attended"),
    ("waitlisted", "attended"), ("enrolled", "waitlisted"), ("attended", "enrolled")])
def test_refused_enrolment_moves(current, wanted):
    assert not rules.may_move(current, wanted)


def test_new_enrolment_takes_a_place_or_waits():
    assert rules.status_on_enrolment(seated=9, capacity=10) == rules.ENROLLED
    assert rules.status_on_enrolment(seated=10, capacity=10) == rules.WAITLISTED


def test_waiting_list_promoted_in_order_into_free_places():
    assert rules.to_promote([5, 3, 9], seated=9, capacity=10) == [5]
    assert rules.to_promote([5, 3, 9], seated=7, capacity=10) == [5, 3, 9]
    assert rules.to_promote([5, 3], seated=12, capacity=10) == []


def test_result_only_after_attendance():
    assert rules.may_record_result("attended")
    assert not rules.may_record_result("enrolled")
    assert not rules.may_record_result("no_show")


def test_certificate_code_form_and_check_character():
    code = rules.certificate_code([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31])
    assert rules.CODE_FORM.match(code)
    assert rules.code_well_formed(code)
    last = code[-1]
    forged = code[:-1] + ("0" if last != "0" else "1")
    assert not rules.code_well_formed(forged)
    assert rules.normalized_code(code.lower().replace("-", " ")) == code
    with pytest.raises(ValueError, match="eleven"):
        rules.certificate_code([1, 2])


@given(st.lists(st.integers(0, 31), min_size=11, max_size=11), st.integers(0, 11),
       st.integers(1, 31))
def test_any_single_character_change_is_caught(values, position, shift):
    code = rules.certificate_code(values).replace("-", "")
    changed = list(code)
    changed[position] = rules.ALPHABET[(rules.ALPHABET.index(code[position]) + shift) % 32]
    text = "".join(changed)
    assert not rules.code_well_formed(f"{text[:4]}-{text[4:8]}-{text[8:]}")


def test_share_and_initials():
    assert rules.share(1, 3) == 33.3
    assert rules.share(0, 0) is None
    assert rules.initials("Achieng", "Amina") == "A.A."
