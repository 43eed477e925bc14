"""The pass-admission rule and the lifecycle tables: every edge, both ways."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vigil.hq.access_rules import (
    AccreditationMove,
    PassCondition,
    PassMove,
    PassState,
    Refusal,
    VisitMove,
    accreditation_move_target,
    day_bounds,
    event_window,
    masked,
    pass_condition,
    pass_move_target,
    pass_moves_from,
    pass_number,
    qr_payload,
    qr_token,
    refusal,
    visit_move_target,
    window_label,
    window_touches,
    window_within,
)

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 9, 30, 18, 0, tzinfo=dt.UTC)


def state(status: str = "active", zones: frozenset[int] = frozenset({1, 2})) -> PassState:
    return PassState(status=status, valid_from=T0, valid_until=T1, duty_station_id=7,
                     zone_ids=zones)


def test_a_valid_pass_opens_its_zone_inside_its_window() -> None:
    assert refusal(state(), station_id=7, zone_id=1, at=T0 + dt.timedelta(days=1)) is None


def test_the_window_start_is_inclusive() -> None:
    assert refusal(state(), station_id=7, zone_id=1, at=T0) is None
    assert refusal(state(), station_id=7, zone_id=1,
                   at=T0 - dt.timedelta(microseconds=1)) is Refusal.NOT_YET_VALID


def test_the_window_end_is_exclusive() -> None:
    assert refusal(state(), station_id=7, zone_id=1,
                   at=T1 - dt.timedelta(microseconds=1)) is None
    assert refusal(state(), station_id=7, zone_id=1, at=T1) is Refusal.EXPIRED


def test_a_zone_not_on_the_pass_is_refused_and_no_zone_asks_only_the_station() -> None:
    assert refusal(state(), station_id=7, zone_id=3, at=T0) is Refusal.ZONE
    assert refusal(state(zones=frozenset()), station_id=7, zone_id=None, at=T0) is None


def test_another_duty_station_is_refused() -> None:
    assert refusal(state(), station_id=8, zone_id=1, at=T0) is Refusal.WRONG_STATION


@pytest.mark.parametrize(("status", "why"), [("suspended", Refusal.SUSPENDED),
                                             ("revoked", Refusal.REVOKED)])
def test_suspended_and_revoked_passes_open_nothing_even_in_their_window(
        status: str, why: Refusal) -> None:
    assert refusal(state(status), station_id=7, zone_id=1, at=T0) is why


def test_an_unknown_pass_is_refused() -> None:
    assert refusal(None, station_id=7, zone_id=1, at=T0) is Refusal.UNKNOWN


def test_revocation_is_reported_before_the_dates() -> None:
    assert refusal(state("revoked"), station_id=8, zone_id=9,
                   at=T1 + dt.timedelta(days=9)) is Refusal.REVOKED


@pytest.mark.parametrize(("status", "move", "target"), [
    ("active", PassMove.SUSPEND, "suspended"), ("suspended", PassMove.SUSPEND, None),
    ("revoked", PassMove.SUSPEND, None),
    ("suspended", PassMove.REINSTATE, "active"), ("active", PassMove.REINSTATE, None),
    ("revoked", PassMove.REINSTATE, None),
    ("active", PassMove.REVOKE, "revoked"), ("suspended", PassMove.REVOKE, "revoked"),
    ("revoked", PassMove.REVOKE, None),
])
def test_pass_transition_table(status: str, move: PassMove, target: str | None) -> None:
    assert pass_move_target(status, move) == target


def test_nothing_leaves_revoked() -> None:
    assert pass_moves_from("revoked") == []
    assert pass_moves_from("suspended") == [PassMove.REINSTATE, PassMove.REVOKE]


@pytest.mark.parametrize(("status", "at", "condition"), [
    ("active", T0, PassCondition.VALID),
    ("active", T0 - dt.timedelta(seconds=1), PassCondition.NOT_YET_VALID),
    ("active", T1, PassCondition.EXPIRED),
    ("suspended", T1, PassCondition.SUSPENDED),
    ("revoked", T0, PassCondition.REVOKED),
])
def test_condition_is_read_from_status_then_dates(status: str, at: dt.datetime,
                                                  condition: PassCondition) -> None:
    assert pass_condition(status, T0, T1, at) is condition


@pytest.mark.parametrize(("status", "move", "target"), [
    ("expected", VisitMove.ARRIVE, "arrived"), ("arrived", VisitMove.ARRIVE, None),
    ("arrived", VisitMove.DEPART, "departed"), ("expected", VisitMove.DEPART, None),
    ("expected", VisitMove.CANCEL, "cancelled"), ("arrived", VisitMove.CANCEL, None),
    ("expected", VisitMove.NO_SHOW, "no_show"), ("cancelled", VisitMove.NO_SHOW, None),
])
def test_visit_transition_table(status: str, move: VisitMove, target: str | None) -> None:
    assert visit_move_target(status, move) == target


@pytest.mark.parametrize(("status", "move", "target"), [
    ("requested", AccreditationMove.ACCREDIT, "accredited"),
    ("accredited", AccreditationMove.ACCREDIT, None),
    ("requested", AccreditationMove.WITHDRAW, "withdrawn"),
    ("accredited", AccreditationMove.WITHDRAW, "withdrawn"),
    ("withdrawn", AccreditationMove.WITHDRAW, None),
])
def test_accreditation_transition_table(status: str, move: AccreditationMove,
                                        target: str | None) -> None:
    assert accreditation_move_target(status, move) == target


def test_window_within_its_cap_both_ways() -> None:
    assert window_within(T0, T1, T0, T1)
    assert not window_within(T0 - dt.timedelta(seconds=1), T1, T0, T1)
    assert not window_within(T0, T1 + dt.timedelta(seconds=1), T0, T1)


def test_windows_touch_only_when_they_overlap() -> None:
    assert window_touches(T0, T1, T1 - dt.timedelta(hours=1), T1 + dt.timedelta(hours=1))
    assert not window_touches(T0, T1, T1, T1 + dt.timedelta(hours=1))


def test_event_window_runs_from_first_local_midnight_to_the_end_of_the_last_day() -> None:
    from zoneinfo import ZoneInfo

    start, end = event_window(dt.date(2026, 9, 8), dt.date(2026, 9, 9),
                              ZoneInfo("America/New_York"))
    assert start == dt.datetime(2026, 9, 8, 4, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 9, 10, 4, 0, tzinfo=dt.UTC)
    assert day_bounds(dt.date(2026, 9, 8), ZoneInfo("UTC"))[1] == dt.datetime(
        2026, 9, 9, tzinfo=dt.UTC)


def test_pass_number_is_readable_and_padded() -> None:
    assert pass_number("us-newyor", 4217) == "US-NEWYOR-004217"


def test_masking_keeps_only_the_last_characters() -> None:
    assert masked("P1234567") == "•••••567"
    assert masked("AB") == "••"
    assert masked("") == ""


def test_qr_payload_carries_number_and_secret_and_the_secret_is_read_back() -> None:
    payload = qr_payload("KE-NBO-000001", "s3cr3t")
    assert payload == "VIGIL-PASS:KE-NBO-000001:s3cr3t"
    assert qr_token(payload) == "s3cr3t"
    assert qr_token(" s3cr3t ") == "s3cr3t"


NEW_YORK = ZoneInfo("America/New_York")


def test_a_window_within_the_day_shown_reads_as_its_hours_and_zone() -> None:
    start = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)  # 12:00 in New York
    assert window_label(start, start + dt.timedelta(hours=2), NEW_YORK,
                        dt.date(2026, 12, 7)) == "12:00\u201314:00 (EST)"


def test_a_window_on_another_day_names_its_date_once() -> None:
    start = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
    assert window_label(start, start + dt.timedelta(hours=2), NEW_YORK,
                        dt.date(2026, 12, 8)) == "2026-12-07 12:00\u201314:00 (EST)"
    assert window_label(start, start + dt.timedelta(hours=2), NEW_YORK) == \
        "2026-12-07 12:00\u201314:00 (EST)"


def test_a_window_across_days_names_both_dates_and_one_ending_at_midnight_does_not() -> None:
    start = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
    assert window_label(start, start + dt.timedelta(days=1), NEW_YORK,
                        dt.date(2026, 12, 7)) == \
        "2026-12-07 12:00 \u2013 2026-12-08 12:00 (EST)"
    midnight = dt.datetime(2026, 12, 8, 5, 0, tzinfo=dt.UTC)  # 00:00 in New York
    assert window_label(midnight - dt.timedelta(hours=2), midnight, NEW_YORK,
                        dt.date(2026, 12, 7)) == "22:00\u201300:00 (EST)"


def test_a_window_across_a_clock_change_names_both_zones() -> None:
    start = dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC)  # 00:00 EST, the night clocks go on
    assert window_label(start, start + dt.timedelta(hours=4), NEW_YORK,
                        dt.date(2026, 3, 8)) == "00:00\u201305:00 (EST/EDT)"
