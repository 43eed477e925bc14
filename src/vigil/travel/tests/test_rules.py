"""The pure travel rules: every clearance rule on both sides of its boundary, the request states,
the pieces of an itinerary, the presence grid (antimeridian and poles included) and local
times. No database."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vigil.travel import rules
from vigil.travel.rules import Outcome, Reason, Status, StopStatus

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
POLICY = rules.Policy()  # manual from level 4, advisories from 4, 7 days ahead
FIT = rules.Traveller(bsafe_valid=True)
NONE = rules.Traveller(bsafe_valid=False)


def stop(**changes: object) -> rules.Stop:
    facts: dict[str, object] = {"place": "Mombasa", "arrives_at": NOW + dt.timedelta(days=30),
                                "leaves_at": NOW + dt.timedelta(days=33), "level": 2}
    facts.update(changes)
    return rules.Stop(**facts)  # type: ignore[arg-type]


def codes(reasons: list[Reason]) -> list[str]:
    return [r.code for r in reasons]


def reasons_for(policy: rules.Policy = POLICY, traveller: rules.Traveller = FIT,
                **changes: object) -> list[str]:
    return codes(rules.stop_reasons(stop(**changes), traveller, policy, NOW))


# --- Clearance rules: each at its boundary and one step inside -----------------------------------

def test_a_plain_stop_is_cleared_automatically() -> None:
    assert reasons_for() == []
    assert rules.outcome_of([]) is Outcome.CLEARED


@pytest.mark.parametrize(("level", "expected"), [(3, []), (4, ["level_manual"]),
                                                 (6, ["level_manual"])])
def test_manual_clearance_from_the_manual_level(level: Any, expected: Any) -> None:
    assert reasons_for(level=level) == expected


def test_manual_level_is_a_setting() -> None:
    assert reasons_for(level=2, policy=rules.Policy(manual_level=2)) == ["level_manual"]
    assert reasons_for(level=1, policy=rules.Policy(manual_level=2)) == []


@pytest.mark.parametrize(("level", "expected"), [(4, ["level_manual"]), (5, ["level_refused"]),
                                                 (6, ["level_refused"])])
def test_refusal_from_the_refusal_level_replaces_manual_clearance(level: int,
                                                                  expected: list[str]) -> None:
    policy = rules.Policy(refusal_level=5)
    reasons = rules.stop_reasons(stop(level=level), FIT, policy, NOW)
    assert codes(reasons) == expected
    assert rules.outcome_of(reasons) is (Outcome.REFUSED if level >= 5 else Outcome.APPROVAL)


def test_without_a_refusal_level_even_level_6_is_only_manual() -> None:
    assert reasons_for(level=6, policy=rules.Policy(refusal_level=None)) == ["level_manual"]


def test_a_refusal_level_below_the_manual_level_refuses() -> None:
    assert reasons_for(level=3, policy=rules.Policy(manual_level=4, refusal_level=3)) == [
        "level_refused"]


def test_an_unknown_level_needs_approval() -> None:
    reasons = rules.stop_reasons(stop(level=None), FIT, POLICY, NOW)
    assert codes(reasons) == ["level_unknown"]
    assert rules.outcome_of(reasons) is Outcome.APPROVAL


def test_advisories_at_or_above_the_threshold_each_give_a_reason() -> None:
    advisories = [(4, "Do not travel"), (3, "Reconsider travel"), (4, "Curfew")]
    reasons = rules.stop_reasons(stop(advisories=advisories), FIT, POLICY, NOW)
    assert codes(reasons) == ["advisory", "advisory"]
    assert [r.params["title"] for r in reasons] == ["Do not travel", "Curfew"]
    assert reasons_for(advisories=[(3, "Reconsider travel")]) == []
    assert reasons_for(advisories=[(3, "Reconsider travel")],
                       policy=rules.Policy(advisory_level=3)) == ["advisory"]


def test_a_closed_area_is_refused_and_a_manual_one_needs_approval() -> None:
    closed = rules.stop_reasons(stop(control=rules.Control(closed=True)), FIT, POLICY, NOW)
    assert codes(closed) == ["area_closed"]
    assert rules.outcome_of(closed) is Outcome.REFUSED
    manual = rules.stop_reasons(stop(control=rules.Control(manual=True)), FIT, POLICY, NOW)
    assert codes(manual) == ["manual_clearance"]
    assert rules.outcome_of(manual) is Outcome.APPROVAL


def test_ssafe_is_required_only_where_the_area_requires_it() -> None:
    control = rules.Control(ssafe_required=True)
    without = rules.Traveller(bsafe_valid=True, ssafe_valid=False)
    assert reasons_for(control=control, traveller=without) == ["ssafe_required"]
    assert reasons_for(control=control, traveller=rules.Traveller(True, ssafe_valid=True)) == []
    assert reasons_for(control=rules.Control(), traveller=without) == []  # not required


def test_a_dependant_without_ssafe_is_named_where_the_area_requires_it() -> None:
    traveller = rules.Traveller(True, ssafe_valid=True, dependants_without_ssafe=("Ali Hassan",))
    reasons = rules.stop_reasons(stop(control=rules.Control(ssafe_required=True)), traveller,
                                 POLICY, NOW)
    assert codes(reasons) == ["dependant_ssafe"]
    assert reasons[0].params == {"place": "Mombasa", "name": "Ali Hassan"}
    assert rules.outcome_of(reasons) is Outcome.REFUSED
    assert reasons_for(control=rules.Control(), traveller=traveller) == []


@pytest.mark.parametrize(("visitors", "limit", "expected"), [
    (2, 3, []), (3, 3, ["movement_limit"]), (4, 3, ["movement_limit"]),
    (0, 0, ["movement_limit"]),  # an area that admits nobody
    (10, None, [])])
def test_movement_limit_counts_other_cleared_visitors(visitors: int, limit: int | None,
                                                      expected: list[str]) -> None:
    reasons = rules.stop_reasons(stop(control=rules.Control(max_visitors=limit),
                                      visitors=visitors), FIT, POLICY, NOW)
    assert codes(reasons) == expected
    if expected:
        assert reasons[0].params == {"place": "Mombasa", "limit": limit, "count": visitors}


def test_lead_time_exactly_lead_days_is_enough() -> None:
    assert reasons_for(arrives_at=NOW + dt.timedelta(days=7)) == []


def test_lead_time_just_under_lead_days_needs_approval() -> None:
    reasons = rules.stop_reasons(stop(arrives_at=NOW + dt.timedelta(days=7, seconds=-1)),
                                 FIT, POLICY, NOW)
    assert codes(reasons) == ["lead_time"]
    assert reasons[0].params == {"place": "Mombasa", "days": 6, "limit": 7}
    assert rules.outcome_of(reasons) is Outcome.APPROVAL


def test_an_arrival_in_the_past_needs_approval_and_says_zero_days() -> None:
    reasons = rules.stop_reasons(stop(arrives_at=NOW - dt.timedelta(days=2, hours=3)),
                                 FIT, POLICY, NOW)
    assert codes(reasons) == ["lead_time"]
    assert reasons[0].params["days"] == 0


def test_no_lead_time_setting_ignores_the_arrival_even_in_the_past() -> None:
    assert reasons_for(arrives_at=NOW - dt.timedelta(days=2),
                       policy=rules.Policy(lead_days=0)) == []


def test_an_unsuitable_air_operator_needs_approval() -> None:
    reasons = rules.stop_reasons(stop(operator="Bad Air (BA)", operator_unsuitable=True),
                                 FIT, POLICY, NOW)
    assert codes(reasons) == ["operator_unsuitable"]
    assert reasons[0].params == {"operator": "Bad Air (BA)"}
    assert reasons_for(operator="Good Air", operator_unsuitable=False) == []


def test_reasons_accumulate_in_rule_order() -> None:
    reasons = rules.stop_reasons(
        stop(level=5, advisories=[(4, "x")], control=rules.Control(
            closed=True, manual=True, ssafe_required=True, max_visitors=1), visitors=1,
             arrives_at=NOW + dt.timedelta(days=1), operator="O", operator_unsuitable=True),
        FIT, rules.Policy(refusal_level=6), NOW)
    assert codes(reasons) == ["area_closed", "ssafe_required", "level_manual", "advisory",
                              "manual_clearance", "movement_limit", "lead_time",
                              "operator_unsuitable"]
    assert rules.outcome_of(reasons) is Outcome.REFUSED


# --- The traveller: BSAFE -------------------------------------------------------------------------

def test_no_bsafe_is_refused() -> None:
    reasons = rules.traveller_reasons(NONE, dt.date(2030, 6, 1))
    assert codes(reasons) == ["bsafe_missing"]
    assert rules.outcome_of(reasons) is Outcome.REFUSED


def test_a_bsafe_not_valid_across_the_trip_is_expired_with_its_date() -> None:
    expired = rules.traveller_reasons(rules.Traveller(False, dt.date(2027, 6, 1)),
                                      dt.date(2030, 6, 1))
    assert codes(expired) == ["bsafe_expired"]
    assert expired[0].params == {"date": "2027-06-01", "on": "2030-06-01"}
    assert rules.outcome_of(expired) is Outcome.REFUSED


def test_a_valid_bsafe_gives_no_reason() -> None:
    assert rules.traveller_reasons(FIT, dt.date(2030, 6, 1)) == []


def test_each_dependant_without_bsafe_is_named() -> None:
    traveller = rules.Traveller(True, dependants_without_bsafe=("Ali Hassan", "Sara Hassan"))
    reasons = rules.traveller_reasons(traveller, dt.date(2030, 6, 1))
    assert codes(reasons) == ["dependant_bsafe", "dependant_bsafe"]
    assert [r.params for r in reasons] == [{"name": "Ali Hassan"}, {"name": "Sara Hassan"}]
    assert rules.outcome_of(reasons) is Outcome.REFUSED
    both = rules.traveller_reasons(rules.Traveller(False, dependants_without_bsafe=("A B",)),
                                   dt.date(2030, 6, 1))
    assert codes(both) == ["bsafe_missing", "dependant_bsafe"]


# --- The rule table as a whole -------------------------------------------------------------------

# A reason produced for real by the functions above, for each code, with its outcome.
PRODUCED = {
    "bsafe_missing": rules.traveller_reasons(NONE, NOW.date()),
    "bsafe_expired": rules.traveller_reasons(rules.Traveller(False, dt.date(2000, 1, 1)),
                                             NOW.date()),
    "dependant_bsafe": rules.traveller_reasons(
        rules.Traveller(True, dependants_without_bsafe=("Ali Hassan",)), NOW.date()),
    "dependant_ssafe": rules.stop_reasons(
        stop(control=rules.Control(ssafe_required=True)),
        rules.Traveller(True, ssafe_valid=True, dependants_without_ssafe=("Ali Hassan",)),
        POLICY, NOW),
    "ssafe_required": rules.stop_reasons(stop(control=rules.Control(ssafe_required=True)), FIT,
                                         POLICY, NOW),
    "area_closed": rules.stop_reasons(stop(control=rules.Control(closed=True)), FIT, POLICY,
                                      NOW),
    "level_refused": rules.stop_reasons(stop(level=6), FIT, rules.Policy(refusal_level=6),
                                        NOW),
    "overlap": [Reason("overlap", {"other": "TR-000012"})],  # found by services.evaluate
    "level_manual": rules.stop_reasons(stop(level=4), FIT, POLICY, NOW),
    "level_unknown": rules.stop_reasons(stop(level=None), FIT, POLICY, NOW),
    "advisory": rules.stop_reasons(stop(advisories=[(4, "Do not travel")]), FIT, POLICY, NOW),
    "manual_clearance": rules.stop_reasons(stop(control=rules.Control(manual=True)), FIT,
                                           POLICY, NOW),
    "movement_limit": rules.stop_reasons(stop(control=rules.Control(max_visitors=1),
                                              visitors=1), FIT, POLICY, NOW),
    "lead_time": rules.stop_reasons(stop(arrives_at=NOW + dt.timedelta(days=1)), FIT, POLICY,
                                    NOW),
    "operator_unsuitable": rules.stop_reasons(stop(operator="X", operator_unsuitable=True), FIT,
                                              POLICY, NOW),
    "operator_not_assessed": rules.stop_reasons(
        stop(flown=[rules.Flown("X", rules.NOT_ASSESSED)]), FIT, POLICY, NOW),
    "operator_expired": rules.stop_reasons(
        stop(flown=[rules.Flown("X", rules.SUITABLE, NOW.date() - dt.timedelta(days=1))]), FIT,
        POLICY, NOW),
    "operator_conditions": rules.stop_reasons(
        stop(flown=[rules.Flown("X", rules.WITH_CONDITIONS, None, "Daylight only.")]), FIT,
        POLICY, NOW),
}
REFUSING = {"bsafe_missing", "bsafe_expired", "dependant_bsafe", "dependant_ssafe",
            "ssafe_required", "area_closed", "level_refused",
            "overlap"}
CLEARING = {"operator_conditions"}  # a note on a cleared stop


def test_every_rule_is_exercised() -> None:
    assert set(PRODUCED) == set(rules.RULES)


@pytest.mark.parametrize("code", sorted(rules.RULES))
def test_each_rule_has_its_outcome_and_a_message_that_renders(code: Any) -> None:
    (reason,) = PRODUCED[code]
    assert reason.code == code
    assert reason.outcome is (Outcome.REFUSED if code in REFUSING else Outcome.CLEARED
                              if code in CLEARING else Outcome.APPROVAL)
    text = reason.message()
    assert text
    assert "%(" not in text
    assert rules.reason_from(reason.as_dict()) == reason


def test_outcome_is_the_worst_reason() -> None:
    approval, refusal = PRODUCED["level_manual"][0], PRODUCED["area_closed"][0]
    assert rules.outcome_of([approval]) is Outcome.APPROVAL
    assert rules.outcome_of([approval, refusal]) is Outcome.REFUSED
    assert rules.outcome_of([refusal, approval, approval]) is Outcome.REFUSED
    assert rules.outcome_of(iter([approval])) is Outcome.APPROVAL


def test_fingerprint_is_the_stop_and_the_codes_that_made_it_manual() -> None:
    lead, advisory = PRODUCED["lead_time"][0], PRODUCED["advisory"][0]
    closed = PRODUCED["area_closed"][0]
    # The lead time is left out: it shortens by itself, and an approval holds through it.
    assert rules.fingerprint("KE:1:2:Mombasa", [lead, advisory, advisory, closed]) == \
        "KE:1:2:Mombasa|advisory"
    assert rules.fingerprint("k", [lead]) == rules.fingerprint("k", [])
    assert rules.fingerprint("k", [advisory, lead]) == rules.fingerprint("k", [lead, advisory])
    assert rules.fingerprint("k", []) == "k|"
    assert rules.fingerprint("k", [closed]) == "k|"  # refusals are not approved
    assert rules.fingerprint("k", [lead]) != rules.fingerprint("j", [lead])


# --- Request states -------------------------------------------------------------------------------

def test_the_state_table() -> None:
    assert rules.ACTIONS == {
        Status.DRAFT: {"edit", "submit", "cancel"},
        Status.PENDING: {"amend", "cancel", "decide"},
        Status.CLEARED: {"amend", "cancel"},
        Status.REFUSED: {"amend"},
        Status.CANCELLED: set(),
    }
    everything = {"edit", "submit", "cancel", "amend", "decide"}
    for status, allowed in rules.ACTIONS.items():
        for action in everything:
            assert rules.allows(str(status), action) is (action in allowed)
    with pytest.raises(ValueError, match="closed"):
        rules.allows("closed", "edit")


def test_the_state_after_each_outcome() -> None:
    assert rules.status_after(Outcome.CLEARED) is Status.CLEARED
    assert rules.status_after(Outcome.APPROVAL) is Status.PENDING
    assert rules.status_after(Outcome.REFUSED) is Status.REFUSED


def test_the_rules_outcome_gives_the_stop_its_state() -> None:
    assert rules.stop_status(Outcome.CLEARED) is StopStatus.CLEARED
    assert rules.stop_status(Outcome.APPROVAL) is StopStatus.PENDING
    assert rules.stop_status(Outcome.REFUSED) is StopStatus.RULE_REFUSED


@pytest.mark.parametrize(("stops", "expected"), [
    ([], Status.CLEARED),
    ([StopStatus.CLEARED, StopStatus.APPROVED], Status.CLEARED),
    ([StopStatus.CLEARED, StopStatus.PENDING, StopStatus.APPROVED], Status.PENDING),
    ([StopStatus.PENDING, StopStatus.REFUSED], Status.REFUSED),
    ([StopStatus.APPROVED, StopStatus.RULE_REFUSED, StopStatus.PENDING], Status.REFUSED),
    (["cleared", "pending"], Status.PENDING),  # as read from the database
])
def test_a_request_after_clearance_is_as_its_worst_stop(stops: list[str],
                                                         expected: Status) -> None:
    assert rules.request_status(stops) is expected


def test_every_stop_state_counts_towards_the_request() -> None:
    for state in StopStatus:
        assert rules.request_status([state]) in {Status.CLEARED, Status.PENDING,
                                                 Status.REFUSED}
    with pytest.raises(ValueError, match="unknown"):
        rules.request_status(["unknown"])


@pytest.mark.parametrize(("destination", "home", "expected"), [
    (7, 7, True), (8, 7, False), (None, 7, False), (None, None, False), (7, None, False)])
def test_a_leg_ends_at_home_only_at_the_travellers_own_duty_station(
        destination: int | None, home: int | None, expected: bool) -> None:
    assert rules.ends_at_home(destination, home) is expected


# --- Pieces of an itinerary -----------------------------------------------------------------------

T0 = dt.datetime(2030, 6, 1, 6, 0, tzinfo=dt.UTC)
NBO, MBA, MGQ, HOTEL = (-1.286, 36.817), (-4.043, 39.668), (2.046, 45.318), (-4.05, 39.7)


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


def leg(origin: tuple[float, float], destination: tuple[float, float], departs: dt.datetime,
        arrives: dt.datetime, *, home: bool = False, lodging: tuple[float, float] | None = None,
        stays_until: dt.datetime | None = None) -> rules.Leg:
    return rules.Leg(departs_at=departs, arrives_at=arrives, origin=origin,
                     destination=destination, lodging=lodging, home=home,
                     stays_until=stays_until)


def summary(pieces: list[rules.Piece]) -> list[tuple[str, dt.datetime, dt.datetime,
                                                      tuple[float, float], int]]:
    return [(p.kind, p.starts_at, p.ends_at, p.point, p.leg) for p in pieces]


def test_there_and_back_transit_at_both_ends_then_a_stay_then_home() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(1), lodging=HOTEL),
            leg(MBA, NBO, hours(72), hours(73), home=True)]
    assert summary(rules.pieces(legs)) == [
        ("transit", hours(0), hours(1), NBO, 0), ("transit", hours(0), hours(1), MBA, 0),
        ("stay", hours(1), hours(72), HOTEL, 0),
        ("transit", hours(72), hours(73), MBA, 1), ("transit", hours(72), hours(73), NBO, 1)]


def test_only_the_first_transit_piece_is_at_the_origin() -> None:
    """Told by position, not by coordinates: both ends may share them (a transfer from a
    place to the duty station at the same point), and each keeps its own country and area."""
    for destination in (MBA, NBO):
        legs = [leg(NBO, destination, hours(0), hours(1), stays_until=hours(5))]
        assert [p.at_origin for p in rules.pieces(legs)] == [True, False, False]


def test_a_stay_without_lodging_is_at_the_destination() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(1)), leg(MBA, NBO, hours(5), hours(6), home=True)]
    assert rules.pieces(legs)[2].point == MBA


def test_a_one_way_trip_stays_until_the_given_end() -> None:
    legs = [leg(NBO, MGQ, hours(0), hours(2), stays_until=hours(50))]
    assert summary(rules.pieces(legs))[-1] == ("stay", hours(2), hours(50), MGQ, 0)


def test_the_last_leg_home_ends_the_trip_even_with_a_stay_end() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(1)),
            leg(MBA, NBO, hours(5), hours(6), home=True, stays_until=hours(30))]
    assert [p.kind for p in rules.pieces(legs)] == ["transit", "transit", "stay", "transit",
                                                    "transit"]
    assert rules.pieces(legs)[-1].ends_at == hours(6)


def test_a_last_leg_away_without_a_stay_end_ends_on_arrival() -> None:
    legs = [leg(NBO, MGQ, hours(0), hours(2))]
    assert [p.kind for p in rules.pieces(legs)] == ["transit", "transit"]


def test_a_stay_end_before_the_arrival_gives_no_stay() -> None:
    legs = [leg(NBO, MGQ, hours(0), hours(2), stays_until=hours(2))]
    assert [p.kind for p in rules.pieces(legs)] == ["transit", "transit"]


def test_a_stay_end_on_a_middle_leg_is_ignored() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(1), stays_until=hours(100)),
            leg(MBA, NBO, hours(5), hours(6), home=True)]
    assert rules.pieces(legs)[2].ends_at == hours(5)


def test_a_zero_length_segment_has_no_transit_but_its_stay() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(0)), leg(MBA, NBO, hours(5), hours(6), home=True)]
    assert summary(rules.pieces(legs))[:1] == [("stay", hours(0), hours(5), MBA, 0)]
    assert len(rules.pieces(legs)) == 3


def test_a_connection_without_a_layover_has_no_stay() -> None:
    legs = [leg(NBO, MBA, hours(0), hours(1)), leg(MBA, MGQ, hours(1), hours(3)),
            leg(MGQ, NBO, hours(3), hours(5), home=True)]
    pieces = rules.pieces(legs)
    assert {p.kind for p in pieces} == {"transit"}
    assert [(p.starts_at, p.ends_at) for p in pieces[::2]] == [
        (hours(0), hours(1)), (hours(1), hours(3)), (hours(3), hours(5))]


def test_no_legs_no_pieces() -> None:
    assert rules.pieces([]) == []


@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 3000)), min_size=1, max_size=5),
       st.booleans(), st.one_of(st.none(), st.integers(1, 3000)))
def test_pieces_cover_the_trip_without_gaps_or_overlaps(gaps: Any, home: Any, stay: Any) -> None:
    """Pieces, one end of each transit, tile [first departure, end of trip) exactly."""
    legs, at = [], T0
    for index, (wait, duration) in enumerate(gaps):
        departs = at + dt.timedelta(minutes=wait) if index else at
        arrives = departs + dt.timedelta(minutes=duration)
        legs.append(leg((index, 0.0), (index + 1, 0.0), departs, arrives))
        at = arrives
    last_home = home
    stays = at + dt.timedelta(minutes=stay) if stay else None
    legs[-1] = leg(legs[-1].origin, legs[-1].destination, legs[-1].departs_at,
                   legs[-1].arrives_at, home=last_home, stays_until=stays)
    pieces = rules.pieces(legs)
    # The two ends of a transit cover the same time: keep one.
    tiles = [p for p in pieces if p.kind == "stay" or p.point == legs[p.leg].origin]
    assert all(p.starts_at < p.ends_at for p in pieces)
    end = stays if stays and not last_home else at
    if tiles:
        assert tiles[0].starts_at == legs[0].departs_at or legs[0].departs_at == \
            legs[0].arrives_at
        for before, after in itertools.pairwise(tiles):
            assert before.ends_at == after.starts_at
        assert tiles[-1].ends_at == end
    else:
        assert legs[0].departs_at == end


# --- Splitting ------------------------------------------------------------------------------------

def test_split_interval_cuts_long_stays_into_max_presence_pieces() -> None:
    start = T0
    assert rules.MAX_PRESENCE == dt.timedelta(days=14)
    assert rules.split_interval(start, start + dt.timedelta(days=14)) == [
        (start, start + dt.timedelta(days=14))]
    assert rules.split_interval(start, start + dt.timedelta(days=29)) == [
        (start, start + dt.timedelta(days=14)),
        (start + dt.timedelta(days=14), start + dt.timedelta(days=28)),
        (start + dt.timedelta(days=28), start + dt.timedelta(days=29))]
    assert rules.split_interval(start, start + dt.timedelta(days=28, microseconds=1)) == [
        (start, start + dt.timedelta(days=14)),
        (start + dt.timedelta(days=14), start + dt.timedelta(days=28)),
        (start + dt.timedelta(days=28), start + dt.timedelta(days=28, microseconds=1))]
    assert rules.split_interval(start, start) == []
    assert rules.split_interval(start, start - dt.timedelta(hours=1)) == []
    assert rules.split_interval(start, hours(5), dt.timedelta(hours=2)) == [
        (hours(0), hours(2)), (hours(2), hours(4)), (hours(4), hours(5))]


@given(st.integers(1, 10 ** 8), st.integers(10 ** 5, 10 ** 7))
def test_split_interval_tiles_the_interval(seconds: Any, piece_seconds: Any) -> None:
    start, piece = T0, dt.timedelta(seconds=piece_seconds)
    end = start + dt.timedelta(seconds=seconds)
    parts = rules.split_interval(start, end, piece)
    assert parts[0][0] == start
    assert parts[-1][1] == end
    assert all(a < b and b - a <= piece for a, b in parts)
    assert all(p[1] == q[0] for p, q in itertools.pairwise(parts))
    assert len(parts) == math.ceil(seconds / piece_seconds)


# --- Distance, grid cells and boxes ---------------------------------------------------------------

def test_distance_across_the_antimeridian_and_the_pole() -> None:
    assert rules.distance_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, abs=0.01)
    assert rules.distance_km(89.9, 0, 89.9, 180) == pytest.approx(22.24, abs=0.01)
    assert rules.distance_km(-1.286, 36.817, -1.286, 36.817) == 0
    assert rules.distance_km(0, 0, 0, 180) == pytest.approx(math.pi * rules.EARTH_RADIUS_KM)
    assert rules.distance_km(-1.286, 36.817, 2.046, 45.318) == pytest.approx(
        rules.distance_km(2.046, 45.318, -1.286, 36.817))


def test_cells_number_the_grid_from_the_south_west() -> None:
    columns = 360 * 4
    assert rules.cell(-90, -180) == 0
    assert rules.cell(-90, -179.75) == 1
    assert rules.cell(-89.75, -180) == columns
    assert rules.cell(0, 0) == 360 * columns + 720
    assert rules.cell(-0.0001, -0.0001) == 359 * columns + 719
    assert rules.cell(89.99, 179.99) == 720 * columns - 1


def test_cells_at_the_edges_of_the_grid() -> None:
    columns = 360 * 4
    # Longitude 180 is longitude -180: the first column.
    assert rules.cell(10, 180) == rules.cell(10, -180)
    assert rules.cell(10, 179.999) == rules.cell(10, -180) + columns - 1
    # The north pole belongs to the last row, not to a row beyond the grid.
    assert rules.cell(90, 0) == rules.cell(89.9, 0)
    assert rules.cell(90, 0) // columns == 719
    assert rules.cell(-90, 0) // columns == 0


def test_a_small_circle_box() -> None:
    box = rules.circle_box(-1.286, 36.817, 25)
    dlat = math.degrees(25 / rules.EARTH_RADIUS_KM)
    assert box.south == pytest.approx(-1.286 - dlat)
    assert box.north == pytest.approx(-1.286 + dlat)
    assert box.west < 36.817 < box.east
    assert box.east - 36.817 == pytest.approx(36.817 - box.west)
    assert box.lon_ranges() == [(box.west, box.east)]
    assert box.contains(-1.286, 36.817)
    assert not box.contains(-1.286, 37.2)


def test_a_circle_box_across_the_antimeridian_is_two_longitude_ranges() -> None:
    box = rules.circle_box(-16.5, 179.95, 25)  # Fiji
    assert box.west > box.east
    assert box.west == pytest.approx(179.95 - (box.east + 360 - 179.95))
    assert box.lon_ranges() == [(box.west, 180.0), (-180.0, box.east)]
    for inside in (179.99, -179.9, 180.0, -180.0):
        assert box.contains(-16.5, inside)
    for outside in (179.5, -179.5):
        assert not box.contains(-16.5, outside)
    west_side = rules.circle_box(-16.5, -179.95, 25)
    assert west_side.west > west_side.east
    assert west_side.contains(-16.5, 179.9)


def test_a_circle_box_reaching_a_pole_takes_every_longitude() -> None:
    north = rules.circle_box(89.9, 10, 25)
    assert (north.west, north.east, north.north) == (-180, 180, 90)
    south = rules.circle_box(-89.95, -170, 25)
    assert (south.west, south.east, south.south) == (-180, 180, -90)
    # Near the pole but not reaching it: wide, but not every longitude.
    near = rules.circle_box(89.0, 10, 25)
    assert near.north < 90
    assert 0 < near.east - near.west < 360
    assert near.east - near.west > 20  # the meridians converge


def test_a_huge_circle_box_is_the_whole_world_band() -> None:
    box = rules.circle_box(0, 0, 15000)
    assert (box.west, box.east) == (-180, 180)


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) on an initial bearing (degrees), on the sphere."""
    p1, l1, th = math.radians(lat), math.radians(lon), math.radians(bearing)
    d = km / rules.EARTH_RADIUS_KM
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(th))
    l2 = l1 + math.atan2(math.sin(th) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    lon2 = (math.degrees(l2) + 540) % 360 - 180
    return math.degrees(p2), lon2


centres = st.tuples(st.floats(-89.99, 89.99), st.floats(-180, 180))
antimeridian = st.tuples(st.floats(-60, 60), st.one_of(st.floats(179, 180),
                                                       st.floats(-180, -179)))
polar = st.tuples(st.one_of(st.floats(85, 89.99), st.floats(-89.99, -85)), st.floats(-180, 180))


@given(st.one_of(centres, antimeridian, polar), st.floats(0.5, 2000), st.floats(0, 360),
       st.floats(0, 0.999))
def test_every_point_of_a_circle_is_in_its_box_and_its_cells(
        centre: tuple[float, float], radius: float, bearing: float, share: float) -> None:
    lat, lon = centre
    point = destination(lat, lon, bearing, radius * share)
    assume(abs(point[0]) < 90)
    box = rules.circle_box(lat, lon, radius)
    assert box.contains(*point), (box, point)
    cell = rules.cell(*point)
    assert any(first <= cell <= last for first, last in rules.cell_ranges(box)), (box, point)


@given(st.floats(-89, 89), st.floats(-180, 180))
def test_a_25_km_circle_needs_few_cells(lat: Any, lon: Any) -> None:
    ranges = rules.cell_ranges(rules.circle_box(lat, lon, 25))
    rows = {first // 1440 for first, _ in ranges}
    assert len(rows) <= 3
    assert len(ranges) <= 3 * len(rows)
    assert all(0 <= first <= last < 720 * 1440 for first, last in ranges)


def test_cell_ranges_across_the_antimeridian() -> None:
    box = rules.circle_box(-16.5, 179.95, 25)
    ranges = rules.cell_ranges(box)
    row = rules.cell(-16.5, 0) // 1440
    west = rules.cell(-16.5, box.west) % 1440
    assert west == 1438  # 179.715 lies in 179.5..179.75
    assert (row * 1440 + west, row * 1440 + 1439) in ranges
    assert (row * 1440, row * 1440) in ranges  # the column of -180..-179.75
    # Two rows, each with columns 1438, 1439 and 0; nothing else.
    covered = {c for a, b in ranges for c in range(a, b + 1)}
    assert covered == {r * 1440 + c for r in (row - 1, row) for c in (1438, 1439, 0)}
    for point in [(-16.5, 179.99), (-16.5, -179.99), (-16.5, 180.0), (-16.6, -179.82)]:
        assert box.contains(*point)
        assert any(a <= rules.cell(*point) <= b for a, b in ranges), point


def test_cell_ranges_of_the_whole_world_band() -> None:
    ranges = rules.cell_ranges(rules.Box(-0.1, 0.1, -180, 180))
    assert ranges == [(359 * 1440, 359 * 1440 + 1439), (360 * 1440, 360 * 1440 + 1439)]


@given(st.floats(-89, 89), st.floats(-180, 180), st.floats(0.01, 30), st.floats(0.01, 30),
       st.floats(0, 1), st.floats(0, 1))
def test_every_point_of_a_box_is_in_its_cells(south: float, west: float, height: float,
                                              width: float, fy: float, fx: float) -> None:
    north = min(90.0, south + height)
    east = west + width
    if east > 180:
        east -= 360  # crosses the antimeridian
    box = rules.Box(south, north, west, east)
    lat = south + fy * (north - south)
    lon = west + fx * width
    if lon > 180:
        lon -= 360
    assume(box.contains(lat, lon))
    cell = rules.cell(lat, lon)
    assert any(a <= cell <= b for a, b in rules.cell_ranges(box)), (box, lat, lon)


def test_a_box_ending_at_180_finds_a_point_at_180() -> None:
    """A GeoJSON polygon clipped at the antimeridian ends at 180, which is column 0."""
    box = rules.Box(-17.0, -16.0, 179.0, 180.0)
    assert box.contains(-16.5, 180.0)
    for lat in (-17.0, -16.5, -16.0):
        cell = rules.cell(lat, 180.0)
        assert any(a <= cell <= b for a, b in rules.cell_ranges(box))


# --- Local times ----------------------------------------------------------------------------------

def wall(year: int, month: int, day: int, hour: int, minute: int, second: int = 0
         ) -> dt.datetime:
    """A wall-clock time, without a zone, as a traveller types it."""
    return dt.datetime.combine(dt.date(year, month, day), dt.time(hour, minute, second))


def test_aware_keeps_an_ordinary_local_time() -> None:
    nairobi = rules.aware(wall(2030, 6, 1, 23, 30), ZoneInfo("Africa/Nairobi"))
    assert nairobi.astimezone(dt.UTC) == dt.datetime(2030, 6, 1, 20, 30, tzinfo=dt.UTC)
    dubai = rules.aware(wall(2030, 6, 2, 1, 15), ZoneInfo("Asia/Dubai"))
    assert dubai.astimezone(dt.UTC) == dt.datetime(2030, 6, 1, 21, 15, tzinfo=dt.UTC)
    fiji = rules.aware(wall(2030, 6, 2, 8, 0), ZoneInfo("Pacific/Fiji"))
    assert fiji.astimezone(dt.UTC) == dt.datetime(2030, 6, 1, 20, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("zone", "local"), [
    ("Europe/Paris", wall(2025, 3, 30, 2, 0)),
    ("Europe/Paris", wall(2025, 3, 30, 2, 30)),
    ("Europe/Paris", wall(2025, 3, 30, 2, 59, 59)),
    ("America/New_York", wall(2025, 3, 9, 2, 30)),
])
def test_aware_refuses_a_time_the_clocks_skip(zone: Any, local: Any) -> None:
    with pytest.raises(ValueError, match="nonexistent"):
        rules.aware(local, ZoneInfo(zone))


def test_aware_accepts_the_edges_of_the_skipped_hour() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert rules.aware(wall(2025, 3, 30, 1, 59), paris).astimezone(dt.UTC) == \
        dt.datetime(2025, 3, 30, 0, 59, tzinfo=dt.UTC)
    assert rules.aware(wall(2025, 3, 30, 3, 0), paris).astimezone(dt.UTC) == \
        dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("zone", "local", "utc"), [
    ("Europe/Paris", wall(2025, 10, 26, 2, 30), wall(2025, 10, 26, 0, 30)),
    ("Europe/Paris", wall(2025, 10, 26, 2, 0), wall(2025, 10, 26, 0, 0)),
    ("America/New_York", wall(2025, 11, 2, 1, 30), wall(2025, 11, 2, 5, 30)),
])
def test_aware_takes_the_first_pass_of_a_repeated_hour(zone: Any, local: Any, utc: Any) -> None:
    value = rules.aware(local, ZoneInfo(zone))
    assert value.astimezone(dt.UTC) == utc.replace(tzinfo=dt.UTC)
    assert value.fold == 0
    # Even when asked for the second pass.
    assert rules.aware(local.replace(fold=1), ZoneInfo(zone)).astimezone(dt.UTC) == \
        utc.replace(tzinfo=dt.UTC)


def test_coverage_percent() -> None:
    assert rules.coverage_percent(1, 3) == 33.3
    assert rules.coverage_percent(0, 0) is None
