"""The apportionment rule: exact sums, flat amounts, the order of headcounts, refusals."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.costshare import rules
from vigil.costshare.rules import ApportionmentRefused, Basis, Threshold, apportion

HISTORIC = [Threshold(Decimal("0.5"), Decimal("25000")), Threshold(Decimal("1.0"),
                                                                   Decimal("100000"))]


def amounts(shares: list[rules.Share]) -> dict[str, Decimal]:
    return {s.organization: s.amount for s in shares}


def test_pure_pro_rata_splits_by_headcount_and_sums_to_the_cent():
    shares = amounts(apportion({"A": 1, "B": 1, "C": 1}, Decimal("100.00"), []))
    assert sum(shares.values()) == Decimal("100.00")
    # 33.333... each; the one cent left goes to the tie broken by code.
    assert shares == {"A": Decimal("33.34"), "B": Decimal("33.33"), "C": Decimal("33.33")}


def test_the_cents_left_over_go_to_the_largest_remainders():
    # Exact: 10/3*2 = 66.666.., 10/3 = 33.333..: the larger remainder takes the cent.
    shares = amounts(apportion({"BIG": 2, "SMALL": 1}, Decimal("100.00"), []))
    assert shares == {"BIG": Decimal("66.67"), "SMALL": Decimal("33.33")}


def test_flat_amounts_below_the_thresholds_and_the_rest_pro_rata():
    # 1000 staff: 4 (0.4 %) pays 25,000; 6 (0.6 %) pays 100,000; the rest shares the balance.
    headcounts = {"TINY": 4, "SMALL": 6, "X": 490, "Y": 500}
    shares = {s.organization: s for s in apportion(headcounts, Decimal("10000000.00"), HISTORIC)}
    assert shares["TINY"].amount == Decimal("25000.00")
    assert shares["TINY"].basis is Basis.FLAT
    assert shares["TINY"].threshold_percent == Decimal("0.5")
    assert shares["SMALL"].amount == Decimal("100000.00")
    assert shares["SMALL"].threshold_percent == Decimal("1.0")
    rest = Decimal("10000000.00") - Decimal("125000.00")
    assert shares["X"].amount == (rest * 490 / 990).quantize(Decimal("0.01"), "ROUND_DOWN") \
        or shares["X"].amount == (rest * 490 / 990).quantize(Decimal("0.01"))
    assert sum(s.amount for s in shares.values()) == Decimal("10000000.00")
    assert shares["X"].share_percent == Decimal("49.0000")


def test_a_share_exactly_on_a_threshold_is_not_below_it():
    shares = {s.organization: s for s in apportion({"EDGE": 5, "REST": 995},
                                                   Decimal("10000000.00"), HISTORIC)}
    assert shares["EDGE"].threshold_percent == Decimal("1.0")  # 0.5 % is not below 0.5 %


def test_a_pro_rata_amount_below_the_highest_flat_amount_is_raised_to_it():
    # Budget 400,000: TINY pays 25,000 flat; pro rata, MID would pay less than 25,000.
    headcounts = {"TINY": 1, "MID": 11, "BIG": 988}
    shares = {s.organization: s for s in apportion(headcounts, Decimal("400000.00"), HISTORIC)}
    assert shares["TINY"].amount == Decimal("25000.00")
    assert shares["MID"].basis is Basis.RAISED
    assert shares["MID"].amount == Decimal("25000.00")
    assert shares["BIG"].amount == Decimal("350000.00")


def test_an_organization_without_field_staff_pays_nothing():
    shares = {s.organization: s for s in apportion({"NONE": 0, "A": 10}, Decimal("50.00"),
                                                   HISTORIC)}
    assert shares["NONE"].amount == Decimal("0.00")
    assert shares["NONE"].basis is Basis.NONE
    assert shares["A"].amount == Decimal("50.00")


@pytest.mark.parametrize(("headcounts", "budget", "thresholds", "field"), [
    ({"A": 0}, Decimal("10.00"), [], "census"),
    ({}, Decimal("10.00"), [], "census"),
    ({"A": 1}, Decimal("10.001"), [], "budget"),
    ({"A": 1}, Decimal("-1.00"), [], "budget"),
    ({"A": -1, "B": 2}, Decimal("1.00"), [], "headcount"),
    # 300 equal organizations, each 0.33 %: all flat, nobody pays the rest.
    ({f"O{i}": 1 for i in range(300)}, Decimal("8000000.00"), HISTORIC[:1], "thresholds"),
    # The flat amounts alone exceed the budget.
    ({"A": 1, "B": 999}, Decimal("1000.00"), HISTORIC, "budget"),
    # After the flat amount, B cannot be given at least 25,000.
    ({"A": 1, "B": 500, "C": 499}, Decimal("60000.00"), HISTORIC, "budget"),
    ({"A": 1}, Decimal("1.00"), [Threshold(Decimal(0), Decimal(1))], "thresholds"),
])
def test_what_cannot_be_apportioned_is_refused_naming_the_field(headcounts, budget, thresholds,
                                                                 field):
    with pytest.raises(ApportionmentRefused) as refused:
        apportion(headcounts, budget, thresholds)
    assert refused.value.field == field


def test_all_flat_is_accepted_when_the_flat_amounts_are_the_whole_budget():
    shares = amounts(apportion({f"O{i}": 1 for i in range(300)}, Decimal("7500000.00"),
                               [Threshold(Decimal("0.5"), Decimal("25000"))]))
    assert set(shares.values()) == {Decimal("25000.00")}


@pytest.mark.parametrize(("table", "faults"), [
    (HISTORIC, 0),
    ([], 0),
    ([Threshold(Decimal("1.0"), Decimal("10")), Threshold(Decimal("0.5"), Decimal("20"))], 1),
    ([Threshold(Decimal("0.5"), Decimal("1")), Threshold(Decimal("0.5"), Decimal("1"))], 1),
    ([Threshold(Decimal("101"), Decimal("1"))], 1),
    ([Threshold(Decimal("0"), Decimal("1"))], 1),
    ([Threshold(Decimal("1"), Decimal("-1"))], 1),
    ([Threshold(Decimal("1"), Decimal("1.001"))], 1),
])
def test_threshold_tables_are_checked(table, faults):
    assert len(rules.threshold_faults(table)) == faults


@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("draft", "final", True), ("final", "draft", True), ("draft", "draft", False),
    ("final", "final", False)])
def test_census_moves(current, target, allowed):
    assert rules.may_move(rules.CENSUS_MOVES, current, target) is allowed


@pytest.mark.parametrize(("current", "allowed"), [("draft", True), ("approved", False)])
def test_apportionment_moves(current, allowed):
    assert rules.may_move(rules.APPORTIONMENT_MOVES, current, "approved") is allowed


def test_biennium_rules_and_change():
    assert rules.biennium_label(2026) == "2026-2027"
    assert rules.biennium_faults(2026) == []
    assert rules.biennium_faults(2027)
    assert rules.biennium_faults(1990)
    assert rules.change_percent(Decimal(100), Decimal(110)) == Decimal("10.0")
    assert rules.change_percent(Decimal(0), Decimal(110)) is None
    assert rules.change_percent(None, Decimal(110)) is None


thresholds_strategy = st.lists(
    st.tuples(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=2),
              st.integers(min_value=0, max_value=200_000)),
    max_size=3, unique_by=lambda t: t[0],
).map(lambda rows: [Threshold(p, Decimal(a)) for p, a in
                    zip(sorted(p for p, _a in rows), sorted(a for _p, a in rows), strict=True)])


@settings(max_examples=300, deadline=None)
@given(headcounts=st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=25),
       budget_cents=st.integers(min_value=0, max_value=10**12),
       thresholds=thresholds_strategy)
def test_apportionment_properties(headcounts, budget_cents, thresholds):
    """Shares are never negative, sum exactly to the budget, and never change the order of
    headcounts; or the inputs are refused with a reason."""
    data = {f"ORG{i:02d}": h for i, h in enumerate(headcounts)}
    budget = Decimal(budget_cents) / 100
    try:
        shares = apportion(data, budget, thresholds)
    except ApportionmentRefused as exc:
        refused = exc
    else:
        refused = None
    if refused is not None:
        assert refused.field in {"census", "budget", "thresholds"}
        return
    assert len(shares) == len(data)
    assert all(s.amount >= 0 for s in shares)
    assert sum(s.amount for s in shares) == budget
    by_headcount = sorted(shares, key=lambda s: s.headcount)
    for smaller, larger in pairwise(by_headcount):
        if smaller.headcount < larger.headcount:
            assert smaller.amount <= larger.amount
        else:
            assert abs(smaller.amount - larger.amount) <= Decimal("0.01")
    assert all(s.amount == 0 for s in shares if s.headcount == 0)


@settings(max_examples=150, deadline=None)
@given(headcounts=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=25),
       budget_cents=st.integers(min_value=0, max_value=10**12))
def test_without_thresholds_every_input_is_apportioned_within_a_cent_of_exact(headcounts,
                                                                               budget_cents):
    data = {f"ORG{i:02d}": h for i, h in enumerate(headcounts)}
    budget = Decimal(budget_cents) / 100
    shares = apportion(data, budget, [])
    total = sum(headcounts)
    for s in shares:
        exact = budget * s.headcount / total
        assert abs(s.amount - exact) < Decimal("0.01")
