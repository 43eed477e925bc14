"""The pure rules: moves, immediacy, and small-cell suppression (with its property tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.wellbeing import rules


@pytest.mark.parametrize(("move", "status", "expected"), [
    ("take", "proposed", "open"), ("take", "open", None), ("take", "closed", None),
    ("close", "open", "closed"), ("close", "proposed", None), ("close", "declined", None),
    ("decline", "proposed", "declined"), ("decline", "open", "declined"),
    ("decline", "closed", None), ("decline", "declined", None),
])
def test_moves_follow_the_table(move, status, expected):
    assert rules.next_status(move, status) == expected


def test_contact_once_and_only_on_an_open_case():
    assert rules.may_record_contact("open", has_contact=False)
    assert not rules.may_record_contact("open", has_contact=True)
    assert not rules.may_record_contact("proposed", has_contact=False)
    assert rules.may_record_session("open")
    assert not rules.may_record_session("closed")


def test_a_counsellor_covers_listed_stations_and_cases_without_one():
    assert rules.covers(frozenset({1, 2}), 2)
    assert not rules.covers(frozenset({1, 2}), 3)
    assert not rules.covers(frozenset(), 3)
    assert rules.covers(frozenset(), None)


def test_elapsed_time_and_immediacy():
    incident = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    span = rules.elapsed(incident, incident + dt.timedelta(hours=30))
    assert rules.elapsed_hours(span) == 30.0
    assert rules.timely(span) is True
    late = rules.elapsed(incident, incident + dt.timedelta(hours=73))
    assert rules.timely(late) is False
    assert rules.elapsed(None, incident) is None
    assert rules.timely(None) is None


def test_small_cells_are_suppressed_and_zero_is_shown():
    cells, total = rules.suppress_table({"a": 12, "b": 0, "c": 9, "d": 7}, 5)
    assert [str(c) for c in cells.values()] == ["12", "0", "9", "7"]
    assert str(total) == "28"
    cells, total = rules.suppress_table({"a": 12, "b": 3, "c": 9, "d": 7}, 5)
    assert str(cells["b"]) == "suppressed"
    # Complementary: the smallest other cell goes too, so 31 - 12 - 9 does not give b.
    assert cells["d"].suppressed
    assert not cells["c"].suppressed
    assert str(total) == "31"


def test_a_lone_small_cell_with_nothing_to_hide_beside_it_hides_the_total():
    cells, total = rules.suppress_table({"a": 3, "b": 0}, 5)
    assert cells["a"].suppressed
    assert not cells["b"].suppressed
    assert total.suppressed


def test_two_small_cells_summing_small_take_a_third():
    cells, _total = rules.suppress_table({"a": 1, "b": 1, "c": 20, "d": 30}, 5)
    assert cells["a"].suppressed
    assert cells["b"].suppressed
    assert cells["c"].suppressed
    assert not cells["d"].suppressed


def test_a_small_total_is_suppressed():
    _cells, total = rules.suppress_table({"a": 2, "b": 1}, 5)
    assert total.suppressed


def test_minimum_size_is_configurable():
    cells, _total = rules.suppress_table({"a": 3, "b": 8}, 3)
    assert not cells["a"].suppressed
    with pytest.raises(ValueError, match="at least 1"):
        rules.suppress_table({"a": 1}, 0)


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 40), min_size=1),
       st.integers(2, 10))
def test_no_hidden_cell_can_be_recovered_from_the_total(counts, minimum):
    cells, total = rules.suppress_table(counts, minimum)
    for key, cell in cells.items():
        if cell.suppressed:
            assert 0 < counts[key]
        else:
            assert not rules.small(counts[key], minimum)
    hidden = [counts[k] for k, c in cells.items() if c.suppressed]
    if not total.suppressed and hidden:
        assert not rules.small(sum(hidden), minimum)


def test_proportion_hides_few_who_received_or_few_who_did_not():
    assert str(rules.proportion(8, 10, 5)) == "suppressed"  # 2 did not: revealed otherwise
    assert rules.proportion(3, 20, 5).suppressed
    shown = rules.proportion(10, 20, 5)
    assert shown.percent == 50.0
    assert str(shown) == "50.0 %"
    assert rules.proportion(0, 0, 5).percent is None
    assert str(rules.proportion(0, 0, 5)) == "—"
    assert rules.proportion(0, 12, 5).percent == 0.0
    with pytest.raises(ValueError, match="numerator"):
        rules.proportion(5, 4)


def test_proportion_rows_are_complemented_against_the_overall():
    rows, overall = rules.suppress_proportions({"KE": (18, 37), "SO": (2, 3)}, 5)
    assert rows["SO"].suppressed
    # KE is the only other row: hiding it still leaves overall minus nothing; overall goes.
    assert rows["KE"].suppressed or overall.suppressed
    rows, overall = rules.suppress_proportions(
        {"KE": (18, 37), "SO": (2, 3), "UG": (10, 20)}, 5)
    assert rows["SO"].suppressed
    assert not overall.suppressed
    hidden = [k for k, r in rows.items() if r.suppressed]
    assert len(hidden) >= 2


@given(st.dictionaries(st.sampled_from("abcde"),
                       st.tuples(st.integers(0, 30), st.integers(0, 30)).map(
                           lambda t: (min(t), max(t))), min_size=1),
       st.integers(2, 8))
def test_hidden_proportion_rows_cannot_be_recovered(rows, minimum):
    shares, overall = rules.suppress_proportions(rows, minimum)
    hidden = [k for k, s in shares.items() if s.suppressed and rows[k][1] > 0]
    if hidden and not overall.suppressed:
        assert not rules.small(sum(rows[k][0] for k in hidden), minimum)
        assert not rules.small(sum(rows[k][1] - rows[k][0] for k in hidden), minimum)
