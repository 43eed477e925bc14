"""The evidence method's pure rules (docs/evidence.md)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.evidence import rules
from vigil.evidence.rules import Item, Params


def test_decay_is_one_now_and_halves_at_each_half_life():
    assert rules.decay(0, 4) == 1.0
    assert rules.decay(4, 4) == pytest.approx(0.5)
    assert rules.decay(8, 4) == pytest.approx(0.25)
    assert rules.decay(1.5, 3) == pytest.approx(2 ** -0.5)


def test_an_incident_dated_in_the_future_counts_as_now():
    assert rules.decay(-2, 4) == 1.0


@pytest.mark.parametrize(("item", "factor"), [
    (Item("a", 0), 1.0),
    (Item("a", 0, injured=2), 1.5),
    (Item("a", 0, killed=1), 2.0),
    (Item("a", 0, abducted=1), 2.0),
    (Item("a", 0, killed=1, injured=3), 2.0),
])
def test_severity_factor(item, factor):
    assert rules.severity_factor(item, 1.0) == factor
    assert rules.severity_factor(item, 0.0) == 1.0


def test_an_incident_next_door_counts_the_neighbour_weight():
    params = Params(half_life_years=2, neighbour_weight=0.1)
    here = rules.weigh(Item("a", 2), params)
    there = rules.weigh(Item("b", 2, neighbour=True), params)
    assert here.weight == pytest.approx(0.5)
    assert there.weight == pytest.approx(0.05)
    assert there.place == 0.1


def test_exposure_is_the_integral_of_decay_over_the_record():
    params = Params(half_life_years=2, horizon_years=20)
    rate = math.log(2) / 2
    assert rules.exposure(5, params) == pytest.approx((1 - math.exp(-5 * rate)) / rate)
    # Less than a year counts as a year; beyond the horizon nothing more.
    assert rules.exposure(0.2, params) == rules.exposure(1, params)
    assert rules.exposure(50, params) == rules.exposure(20, params)
    # A long half-life: about the years themselves.
    assert rules.exposure(3, Params(half_life_years=50)) == pytest.approx(3, rel=0.05)


@pytest.mark.parametrize(("security", "advisory", "level"), [
    (None, None, None), (2, None, 2), (None, 2, 3), (2, 4, 5), (6, 4, 6), (1, 1, 1),
])
def test_context_level_is_the_higher_of_level_and_advisory(security, advisory, level):
    assert rules.context_level(security, advisory) == level


def test_prior_follows_the_context_level():
    params = Params()
    assert rules.prior_rate(None, params) == rules.DEFAULT_LEVEL_PRIOR[0]
    assert [rules.prior_rate(level, params) for level in range(1, 7)] \
        == list(rules.DEFAULT_LEVEL_PRIOR)
    proposed = [rules.propose([], record_years=10, params=params,
                              security_level=s).expected for s in range(1, 7)]
    assert proposed == sorted(proposed)
    assert rules.propose([], record_years=10, params=params, advisory_level=4).expected \
        == rules.propose([], record_years=10, params=params, security_level=5).expected


def test_evidence_outweighs_the_prior():
    params = Params()
    items = [Item(str(i), age_years=i / 10) for i in range(30)]  # ten a year for three years
    low = rules.propose(items, record_years=3, params=params, security_level=1)
    high = rules.propose(items, record_years=3, params=params, security_level=6)
    assert low.likelihood == high.likelihood == "very_likely"
    assert high.expected / low.expected < 1.2


def test_posterior_mean_is_the_expected_count():
    params = Params(half_life_years=3)
    items = [Item("a", 0.5, killed=1), Item("b", 2.0)]
    proposal = rules.propose(items, record_years=10, params=params)
    shape, rate = rules.posterior(proposal.weighted_count, record_years=10, params=params,
                                  prior=proposal.prior_rate)
    assert proposal.expected == pytest.approx(shape / rate)


def _edge(bound: float) -> float:
    """The expected count at which the chance of at least one reaches ``bound``."""
    return -math.log(1 - bound)


@pytest.mark.parametrize("index", range(4))
def test_step_each_side_of_each_edge(index):
    bound = rules.DEFAULT_STEP_BOUNDS[index]
    assert rules.step(_edge(bound) * 0.999) == rules.LIKELIHOODS[index]
    assert rules.step(_edge(bound) * 1.001) == rules.LIKELIHOODS[index + 1]


def test_step_ends():
    assert rules.step(0) == "very_unlikely"
    assert rules.step(-1) == "very_unlikely"
    assert rules.step(100) == "very_likely"


@pytest.mark.parametrize("likelihood", rules.LIKELIHOODS)
def test_rate_bounds_invert_step(likelihood):
    low, high = rules.rate_bounds(likelihood, rules.DEFAULT_STEP_BOUNDS)
    middle = (low + high) / 2 if math.isfinite(high) else low + 1
    assert rules.step(middle) == likelihood


def test_confidence_is_high_with_much_evidence_and_low_with_little():
    params = Params()
    many = [Item(str(i), age_years=i / 100) for i in range(500)]
    rich = rules.propose(many, record_years=5, params=params)
    poor = rules.propose([Item("a", 1.0)], record_years=1, params=params)
    assert rich.confidence_label == "high"
    assert rich.confidence > 0.95
    assert 0 <= poor.confidence <= 1
    assert poor.confidence < rich.confidence


@given(st.lists(st.tuples(st.floats(0, 30), st.booleans(), st.booleans()), max_size=30),
       st.floats(1, 40), st.integers(1, 6))
def test_confidence_is_a_probability(rows, years, level):
    items = [Item(str(i), age, killed=int(k), neighbour=n)
             for i, (age, k, n) in enumerate(rows)]
    proposal = rules.propose(items, record_years=years, params=Params(), security_level=level)
    assert 0 <= proposal.confidence <= 1
    assert proposal.likelihood == rules.step(proposal.expected)


@pytest.mark.parametrize(("x", "shape", "rate", "expected"), [
    (1.0, 1.0, 1.0, 1 - math.exp(-1)),
    (2.0, 1.0, 0.5, 1 - math.exp(-1)),
    (3.0, 2.0, 1.0, 1 - math.exp(-3) * 4),
    (10.0, 3.0, 1.0, 1 - math.exp(-10) * (1 + 10 + 50)),  # the continued fraction
    (0.5, 0.5, 1.0, math.erf(math.sqrt(0.5))),
    # Integer shapes: the Erlang distribution's closed form.
    (40.0, 30.0, 1.0, 1 - math.exp(-40) * sum(40 ** i / math.factorial(i) for i in range(30))),
    (20.0, 30.0, 1.0, 1 - math.exp(-20) * sum(20 ** i / math.factorial(i) for i in range(30))),
    (0.0, 2.0, 1.0, 0.0),
    (math.inf, 2.0, 1.0, 1.0),
])
def test_gamma_cdf_known_values(x, shape, rate, expected):
    assert rules.gamma_cdf(x, shape, rate) == pytest.approx(expected, abs=1e-8)


def test_ranks_share_ties():
    assert rules.ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]


def test_spearman():
    assert rules.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert rules.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ties: Pearson's correlation of the averaged ranks.
    assert rules.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833, abs=1e-6)
    assert rules.spearman([1, 1, 1], [1, 2, 3]) is None
    assert rules.spearman([1, 2], [1, 2]) is None
    with pytest.raises(ValueError, match="differ"):
        rules.spearman([1, 2, 3], [1, 2])


def test_calibration_rows():
    pairs = [(0.01, 0), (0.02, 1), (0.2, 0), (5.0, 3), (5.0, 7)]
    rows = {row.likelihood: row for row in rules.calibration(pairs)}
    assert list(rows) == list(rules.LIKELIHOODS)
    assert rows["very_unlikely"].proposals == 2
    assert rows["very_unlikely"].observed_chance == 0.5
    assert rows["very_unlikely"].observed_mean == 0.5
    assert rows["unlikely"].expected_chance == pytest.approx(1 - math.exp(-0.2))
    assert rows["likely"].proposals == 0
    assert rows["likely"].observed_chance is None
    assert rows["very_likely"].expected_mean == 5.0
    assert rows["very_likely"].observed_mean == 5.0


def test_baselines():
    counts = {2020: 3, 2021: 1, 2022: 4, 2019: 9}
    assert rules.baseline_last_year(counts, 2022) == 4
    assert rules.baseline_last_year(counts, 2023) == 0
    assert rules.baseline_three_years(counts, 2022) == 8


def test_default_params_are_usable():
    assert Params().problems() == []


@pytest.mark.parametrize("change", [
    {"half_life_years": 0.1}, {"half_life_years": 60}, {"severity_weight": -1},
    {"severity_weight": 6}, {"neighbour_weight": 1.5}, {"neighbour_weight": -0.1},
    {"horizon_years": 0.5}, {"prior_years": 0}, {"prior_years": 11},
    {"step_bounds": (0.1, 0.3, 0.6)}, {"step_bounds": (0.3, 0.1, 0.6, 0.9)},
    {"step_bounds": (0.1, 0.3, 0.6, 1.0)}, {"level_prior": (1, 2, 3)},
    {"level_prior": (0.1, 0.05, 0.2, 0.3, 0.4, 0.5)}, {"level_prior": (0, 1, 2, 3, 4, 5)},
])
def test_params_problems(change):
    problems = Params(**change).problems()
    assert len(problems) == 1


@pytest.mark.parametrize("change", [
    {"half_life_years": 0.25}, {"half_life_years": 50}, {"severity_weight": 5},
    {"neighbour_weight": 1}, {"neighbour_weight": 0}, {"horizon_years": 1},
    {"prior_years": 10},
])
def test_params_at_their_limits_are_usable(change):
    assert Params(**change).problems() == []


@pytest.mark.parametrize(("category", "subcategory", "threat"), [
    ("crime", "", "crime"), ("attack-on-vehicle", "ambush", "crime"),
    ("armed-conflict", "shelling", "armed_conflict"), ("terrorism", "ied", "terrorism"),
    ("crime", "riot", "civil_unrest"), ("road-traffic", "", "hazards"), ("unknown", "", None),
])
def test_threat_category(category, subcategory, threat):
    assert rules.threat_category(category, subcategory) == threat
