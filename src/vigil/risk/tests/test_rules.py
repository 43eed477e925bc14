"""The risk rules: every cell of the default matrix, a changed matrix, programme criticality
both ways, the security-level derivation and MOSS compliance."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.risk import rules

# DOMAIN.md §2, written out cell by cell so the table in rules.py is checked, not copied.
EXPECTED = {
    ("very_likely", "negligible"): "low", ("very_likely", "minor"): "medium",
    ("very_likely", "moderate"): "high", ("very_likely", "severe"): "very_high",
    ("very_likely", "critical"): "unacceptable",
    ("likely", "negligible"): "low", ("likely", "minor"): "medium",
    ("likely", "moderate"): "high", ("likely", "severe"): "high",
    ("likely", "critical"): "very_high",
    ("moderately_likely", "negligible"): "low", ("moderately_likely", "minor"): "low",
    ("moderately_likely", "moderate"): "medium", ("moderately_likely", "severe"): "high",
    ("moderately_likely", "critical"): "high",
    ("unlikely", "negligible"): "low", ("unlikely", "minor"): "low",
    ("unlikely", "moderate"): "low", ("unlikely", "severe"): "medium",
    ("unlikely", "critical"): "medium",
    ("very_unlikely", "negligible"): "low", ("very_unlikely", "minor"): "low",
    ("very_unlikely", "moderate"): "low", ("very_unlikely", "severe"): "low",
    ("very_unlikely", "critical"): "low",
}


@pytest.mark.parametrize(("cell", "level"), sorted(EXPECTED.items()))
def test_every_cell_of_the_default_matrix(cell, level):
    assert rules.risk_level(rules.DEFAULT_MATRIX, *cell) == level


def test_default_matrix_is_complete_and_monotonic():
    assert len(EXPECTED) == 25
    assert rules.matrix_problems(rules.DEFAULT_MATRIX) == []


def test_a_matrix_changed_by_an_administrator_is_used():
    stricter = {k: dict(v) for k, v in rules.DEFAULT_MATRIX.items()}
    stricter["unlikely"]["critical"] = "high"
    assert rules.matrix_problems(stricter) == []
    assert rules.risk_level(stricter, "unlikely", "critical") == "high"
    assert rules.risk_level(rules.DEFAULT_MATRIX, "unlikely", "critical") == "medium"


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m["likely"].pop("severe"), "no valid level"),
    (lambda m: m.pop("unlikely"), "missing"),
    (lambda m: m["likely"].__setitem__("minor", "purple"), "no valid level"),
    (lambda m: m["very_likely"].__setitem__("critical", "low"), "Risk falls"),
    (lambda m: m.__setitem__("certain", dict(m["likely"])), "Unknown likelihoods"),
])
def test_broken_matrices_are_refused_with_the_reason(change, message):
    matrix = {k: dict(v) for k, v in rules.DEFAULT_MATRIX.items()}
    change(matrix)
    problems = rules.matrix_problems(matrix)
    assert problems
    assert any(message in p for p in problems)


def test_unknown_scale_values_raise():
    with pytest.raises(KeyError):
        rules.risk_level(rules.DEFAULT_MATRIX, "sometimes", "minor")
    with pytest.raises(KeyError):
        rules.risk_level(rules.DEFAULT_MATRIX, "likely", "huge")


# Programme criticality: allowed and refused, every pair.
ACCEPTED = {
    "pc1": {"low", "medium", "high", "very_high"},
    "pc2": {"low", "medium", "high"},
    "pc3": {"low", "medium"},
    "pc4": {"low"},
}


@pytest.mark.parametrize(("pc", "residual"),
                         list(itertools.product(rules.CRITICALITIES, rules.RISK_LEVELS)))
def test_programme_criticality_in_both_directions(pc, residual):
    assert rules.risk_acceptable(pc, residual) is (residual in ACCEPTED[pc])
    flag = rules.activity_flag(pc, residual)
    assert (flag is None) is (residual in ACCEPTED[pc])


@pytest.mark.parametrize("residual", rules.RISK_LEVELS)
def test_missing_pc_assessment_is_flagged_from_high_residual_risk(residual):
    flag = rules.activity_flag(None, residual)
    if residual in {"high", "very_high", "unacceptable"}:
        assert flag is not None
        assert flag.code == "pc_missing"
    else:
        assert flag is None


def _ratings(likelihood, impact, **overrides):
    base = dict.fromkeys(rules.THREAT_CATEGORIES, (likelihood, impact))
    base.update(overrides)
    return base


@pytest.mark.parametrize(("rating", "level"), [
    (("very_unlikely", "negligible"), 1),  # score 1
    (("unlikely", "negligible"), 1),  # 2
    (("moderately_likely", "negligible"), 2),  # 3
    (("unlikely", "moderate"), 3),  # 6
    (("moderately_likely", "moderate"), 3),  # 9
    (("unlikely", "critical"), 4),  # 10
    (("likely", "severe"), 5),  # 16
    (("very_likely", "critical"), 6),  # 25
])
def test_security_level_derivation(rating, level):
    assert rules.derive_security_level(_ratings(*rating)) == level


def test_the_worst_category_decides_the_level():
    ratings = _ratings("very_unlikely", "negligible", terrorism=("likely", "critical"))
    assert rules.derive_security_level(ratings) == 6  # 4 x 5 = 20


def test_every_category_must_be_rated():
    ratings = _ratings("likely", "minor")
    del ratings["hazards"]
    with pytest.raises(KeyError, match="hazards"):
        rules.derive_security_level(ratings)


def test_level_thresholds_are_configurable():
    ratings = _ratings("likely", "severe")  # 16
    assert rules.derive_security_level(ratings, thresholds=[(1, 1), (16, 3)]) == 3


@given(st.lists(st.sampled_from(rules.LIKELIHOODS), min_size=5, max_size=5),
       st.lists(st.sampled_from(rules.IMPACTS), min_size=5, max_size=5))
def test_raising_any_rating_never_lowers_the_level(likelihoods, impacts):
    ratings = dict(zip(rules.THREAT_CATEGORIES, zip(likelihoods, impacts, strict=True),
                       strict=True))
    level = rules.derive_security_level(ratings)
    assert 1 <= level <= 6
    worse = dict(ratings, crime=(rules.LIKELIHOODS[-1], rules.IMPACTS[-1]))
    assert rules.derive_security_level(worse) >= level


@pytest.mark.parametrize(("states", "percent"), [
    (["compliant", "compliant", "non_compliant", "not_applicable"], 100 * 2 / 3),
    (["compliant", "partly_compliant"], 50.0),
    (["not_applicable", "not_applicable"], None),
    ([], None),
    (["non_compliant"], 0.0),
])
def test_compliance_percent(states, percent):
    result = rules.compliance_percent(states)
    assert result == (pytest.approx(percent) if percent is not None else None)


ALL_LEVEL_STATES = ("proposed", "under_review", "approved", "returned", "withdrawn")
LEVEL_MOVES = {("proposed", "start_review"): "under_review",
               ("proposed", "approve"): "approved", ("under_review", "approve"): "approved",
               ("proposed", "return"): "returned", ("under_review", "return"): "returned",
               ("returned", "resubmit"): "proposed",
               ("proposed", "withdraw"): "withdrawn", ("returned", "withdraw"): "withdrawn"}


@pytest.mark.parametrize(("state", "action"),
                         list(itertools.product(ALL_LEVEL_STATES, rules.LEVEL_TRANSITIONS)))
def test_security_level_workflow_every_move_allowed_or_refused(state, action):
    assert rules.next_state(rules.LEVEL_TRANSITIONS, action, state) == LEVEL_MOVES.get(
        (state, action))
