"""The unauthorized-entry rules (hq.gate_rules): each firing and not firing at its edges."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.hq.gate_rules import (
    Fact,
    Rule,
    Thresholds,
    bursts,
    findings,
    invalid_pass_used,
    narrative,
    review_target,
)

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
RULES = Thresholds(denied_attempts=3, window_minutes=10)


def denied(i: int, minutes: float, number: str = "P1", premises: int = 1, **kw: object) -> Fact:
    return Fact(id=i, premises_id=premises, at=T0 + dt.timedelta(minutes=minutes),
                pass_number=number, **kw)  # type: ignore[arg-type]


def test_threshold_minus_one_denials_raise_nothing():
    assert findings([denied(1, 0), denied(2, 1)], RULES) == []


def test_threshold_denials_within_the_window_raise_one_entry_covering_them():
    [found] = findings([denied(1, 0), denied(2, 1), denied(3, 2)], RULES)
    assert found.rule is Rule.DENIED
    assert [f.id for f in found.facts] == [1, 2, 3]
    assert found.entry_id is None


def test_the_window_edge_counts_and_a_minute_more_does_not():
    assert findings([denied(1, 0), denied(2, 5), denied(3, 10)], RULES)
    assert findings([denied(1, 0), denied(2, 5), denied(3, 10.5)], RULES) == []


def test_later_attempts_in_the_burst_join_it_instead_of_raising_more():
    facts = [denied(i, m) for i, m in enumerate([0, 1, 2, 3, 12, 21], start=1)]
    [found] = findings(facts, RULES)
    assert [f.id for f in found.facts] == [1, 2, 3, 4, 5, 6]


def test_a_pause_longer_than_the_window_starts_a_new_count():
    facts = [denied(1, 0), denied(2, 1), denied(3, 2), denied(4, 30), denied(5, 31)]
    [found] = findings(facts, RULES)
    assert [f.id for f in found.facts] == [1, 2, 3]


@pytest.mark.parametrize(("numbers", "premises"), [
    (["P1", "P2", "P3"], [1, 1, 1]),  # different passes
    (["P1", "P1", "P1"], [1, 2, 1]),  # different premises
])
def test_denials_of_different_passes_or_premises_are_not_counted_together(numbers, premises):
    facts = [denied(i, i, n, p) for i, (n, p) in enumerate(zip(numbers, premises, strict=True))]
    assert findings(facts, RULES) == []


def test_granted_reads_and_unnumbered_denials_do_not_count():
    facts = [denied(1, 0), denied(2, 1, result="granted"), denied(3, 2),
             denied(4, 3, number="")]
    assert findings(facts, RULES) == []


def test_a_higher_threshold_needs_more():
    facts = [denied(1, 0), denied(2, 1), denied(3, 2)]
    assert findings(facts, Thresholds(denied_attempts=4, window_minutes=10)) == []
    assert findings([*facts, denied(4, 3)], Thresholds(denied_attempts=4, window_minutes=10))


def test_running_again_over_recorded_events_raises_nothing():
    facts = [denied(i, i, entry_id=9, entry_rule="denied_attempts") for i in (1, 2, 3)]
    assert findings(facts, RULES) == []


def test_a_new_attempt_after_a_recorded_burst_joins_that_entry():
    old = [denied(i, i, entry_id=9, entry_rule="denied_attempts") for i in (1, 2, 3)]
    [found] = findings([old[-1], denied(4, 8)], RULES)  # only the tail is loaded
    assert found.entry_id == 9
    assert [f.id for f in found.new_facts] == [4]


@pytest.mark.parametrize("kind", ["tailgating", "forced_entry"])
def test_each_officer_report_raises_one_entry(kind):
    facts = [Fact(id=1, premises_id=1, at=T0, kind=kind, result=""),
             Fact(id=2, premises_id=1, at=T0, kind=kind, result="")]
    found = findings(facts, RULES)
    assert [(f.rule.value, f.facts[0].id) for f in found] == [(kind, 1), (kind, 2)]


def test_a_report_already_recorded_is_not_raised_again():
    fact = Fact(id=1, premises_id=1, at=T0, kind="tailgating", result="", entry_id=4,
                entry_rule="tailgating")
    assert findings([fact], RULES) == []


@pytest.mark.parametrize(("result", "reason", "refusal"), [
    ("denied", "expired", ""), ("denied", "revoked", ""),
    ("granted", "", "expired"),  # the controller let it through; Vigil's check says expired
    ("granted", "", "revoked"),
])
def test_an_expired_or_revoked_pass_used_raises_one_entry(result, reason, refusal):
    fact = denied(1, 0, result=result, reason=reason, pass_refusal=refusal)
    assert invalid_pass_used(fact)
    [found] = findings([fact], RULES)
    assert found.rule is Rule.INVALID_PASS


@pytest.mark.parametrize(("reason", "refusal"), [("suspended", ""), ("zone_not_allowed", ""),
                                                 ("", "not_yet_valid"), ("", "")])
def test_other_refusals_are_not_an_invalid_pass(reason, refusal):
    fact = denied(1, 0, result="granted", reason=reason, pass_refusal=refusal)
    assert not invalid_pass_used(fact)
    assert findings([fact], RULES) == []


def test_repeated_uses_of_an_expired_pass_are_one_entry_not_also_a_denial_burst():
    facts = [denied(i, i, reason="expired") for i in (1, 2, 3)]
    [found] = findings(facts, RULES)
    assert found.rule is Rule.INVALID_PASS
    assert len(found.facts) == 3


def test_a_rule_switched_off_raises_nothing():
    off = Thresholds(enabled=frozenset({Rule.TAILGATING}))
    facts = [denied(1, 0), denied(2, 1), denied(3, 2), denied(4, 3, reason="revoked")]
    assert findings(facts, off) == []


def test_bursts_are_ordered_by_time_whatever_order_they_come_in():
    facts = [denied(3, 2), denied(1, 0), denied(2, 1)]
    assert [f.id for f in bursts(facts, threshold=3, window=dt.timedelta(minutes=10))[0]] == \
        [1, 2, 3]


def test_the_narrative_names_the_rule_gate_premises_and_pass():
    title, text = narrative(Rule.DENIED, count=3, gate="Lobby 1", premises="UN Gigiri",
                            pass_number="P1", thresholds=RULES)
    assert "Lobby 1" in title
    assert "UN Gigiri" in title
    assert "3 or more denied attempts" in text
    assert "P1" in text


def test_review_moves_follow_the_table():
    assert review_target("open", "close") == "closed"  # type: ignore[arg-type]
    assert review_target("closed", "close") is None  # type: ignore[arg-type]
    assert review_target("closed", "reopen") == "open"  # type: ignore[arg-type]
    assert review_target("open", "reopen") is None  # type: ignore[arg-type]
