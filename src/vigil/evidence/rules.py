"""Evidence-based likelihood: pure functions over incident counts, no database.

The method (docs/evidence.md) is a count model with decay:

* each incident counts for ``decay(age) * severity factor * place factor``: its weight halves
  every ``half_life_years``; an incident that killed or abducted someone counts
  ``1 + severity_weight`` (one that only injured, half that extra); one in a neighbouring
  area or country counts ``neighbour_weight`` of one in the place itself;
* the expected number of incidents in the next twelve months is the weighted count divided by
  the decayed exposure (the years the record covers, decayed the same way), combined with a
  weak prior whose mean follows the place's current security level and travel advisory
  (conjugate gamma: the prior is worth ``prior_years`` of record, so evidence outweighs it);
* the expected number becomes a step of the five-step likelihood scale through the chance of
  at least one incident in twelve months (Poisson: ``1 - e^-λ``), against configurable bounds;
* the confidence is the posterior chance that the true rate lies within the proposed step.

Back-testing helpers (Spearman rank correlation, calibration, the two baselines) live here
too, so that the command and the tests score with the same code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from vigil.risk.rules import LIKELIHOODS, THREAT_CATEGORIES

__all__ = ["LIKELIHOODS", "THREAT_CATEGORIES"]

# The chance of at least one incident in twelve months at which each step begins: below 10 %
# "very unlikely", 10-30 % "unlikely", 30-60 % "moderately likely", 60-90 % "likely", from 90 %
# "very likely". Configurable (EvidenceSettings.step_bounds).
DEFAULT_STEP_BOUNDS = (0.10, 0.30, 0.60, 0.90)

# The prior's mean (incidents a year per threat category) by the place's context level: the
# higher of its security level (1-6) and its travel advisory level mapped onto that scale.
DEFAULT_LEVEL_PRIOR = (0.02, 0.05, 0.15, 0.4, 1.0, 2.5)
# A travel advisory's level (1-4) read on the security level scale (1-6).
ADVISORY_AS_LEVEL = {1: 1, 2: 3, 3: 4, 4: 5}

# Incident categories (the taxonomy's stable codes) read as the SRM threat categories. The
# SSIRS categories of violence against people, premises and vehicles are crime unless their
# subcategory says otherwise; safety incidents (fire, road traffic) are hazards, as the SRM
# manual's "hazards" takes in natural and human-made hazards.
CATEGORY_THREAT = {
    "armed-conflict": "armed_conflict",
    "terrorism": "terrorism",
    "crime": "crime",
    "violent-death": "crime",
    "abduction": "crime",
    "sexual-assault": "crime",
    "attack-on-premises": "crime",
    "attack-on-vehicle": "crime",
    "unauthorized-entry": "crime",
    "civil-unrest": "civil_unrest",
    "hazard": "hazards",
    "fire": "hazards",
    "road-traffic": "hazards",
    "other-safety": "hazards",
}
SUBCATEGORY_THREAT = {
    "shelling": "armed_conflict", "crossfire": "armed_conflict",
    "explosive-remnant": "armed_conflict", "ied": "terrorism", "suicide-attack": "terrorism",
    "complex-attack": "terrorism", "riot": "civil_unrest", "demonstration": "civil_unrest",
}

DAYS_PER_YEAR = 365.25


def threat_category(category_code: str, subcategory_code: str = "") -> str | None:
    """The threat category an incident counts towards, or None (an unknown category)."""
    if subcategory_code in SUBCATEGORY_THREAT:
        return SUBCATEGORY_THREAT[subcategory_code]
    return CATEGORY_THREAT.get(category_code)


@dataclass(frozen=True)
class Params:
    """The method's parameters. The defaults are what the back-test on AWSD 1997-2024 chose
    for most test years (docs/evidence.md); `vigil evidence backtest --apply` saves the choice
    of the latest test year instead (a half-life of 3 years in that run)."""

    half_life_years: float = 4.0
    severity_weight: float = 0.0
    neighbour_weight: float = 0.05
    horizon_years: float = 20.0
    prior_years: float = 1.0
    step_bounds: tuple[float, ...] = DEFAULT_STEP_BOUNDS
    level_prior: tuple[float, ...] = DEFAULT_LEVEL_PRIOR

    def problems(self) -> list[str]:
        """What is wrong with these parameters, in words; empty when they can be used."""
        found = []
        if not 0.25 <= self.half_life_years <= 50:
            found.append("The half-life must be between 0.25 and 50 years.")
        if not 0 <= self.severity_weight <= 5:
            found.append("The severity weight must be between 0 and 5.")
        if not 0 <= self.neighbour_weight <= 1:
            found.append("The neighbour weight must be between 0 and 1.")
        if not 1 <= self.horizon_years <= 100:
            found.append("The horizon must be between 1 and 100 years.")
        if not 0 < self.prior_years <= 10:
            found.append("The prior's weight must be above 0 and at most 10 years.")
        bounds = list(self.step_bounds)
        if len(bounds) != len(LIKELIHOODS) - 1 or any(not 0 < b < 1 for b in bounds) \
                or bounds != sorted(set(bounds)):
            found.append("Give four step bounds, rising, each between 0 and 1.")
        prior = list(self.level_prior)
        if len(prior) != 6 or any(p <= 0 for p in prior) or prior != sorted(prior):
            found.append("Give six prior rates, one per security level, above 0 and not "
                         "falling.")
        return found


@dataclass(frozen=True)
class Item:
    """One incident as evidence: how long ago it happened (before the start of the period
    proposed for), who it hurt, and whether it happened in the place itself."""

    key: str
    age_years: float
    killed: int = 0
    injured: int = 0
    abducted: int = 0
    neighbour: bool = False


@dataclass(frozen=True)
class Weighted:
    item: Item
    decay: float
    severity: float
    place: float

    @property
    def weight(self) -> float:
        return self.decay * self.severity * self.place


@dataclass(frozen=True)
class Proposal:
    likelihood: str
    expected: float  # incidents expected in the next twelve months
    chance: float  # of at least one
    confidence: float  # posterior chance that the rate lies within the proposed step
    confidence_label: str  # "high", "medium" or "low"
    prior_rate: float
    context_level: int | None
    evidence: tuple[Weighted, ...] = field(default=())
    # For a proposal made from totals (``propose_summed``: the index, weighed in the
    # database): the weighted count and the number of incidents, with no evidence listed.
    summed_weight: float | None = None
    summed_count: int | None = None

    @property
    def weighted_count(self) -> float:
        if self.summed_weight is not None:
            return self.summed_weight
        return sum(w.weight for w in self.evidence)

    @property
    def incidents(self) -> int:
        return self.summed_count if self.summed_count is not None else len(self.evidence)

    def as_dict(self, *, evidence_limit: int = 0) -> dict[str, object]:
        data: dict[str, object] = {
            "likelihood": self.likelihood, "expected": round(self.expected, 3),
            "chance": round(self.chance, 3), "confidence": round(self.confidence, 3),
            "confidence_label": self.confidence_label, "prior_rate": self.prior_rate,
            "context_level": self.context_level, "incidents": self.incidents,
            "weighted_count": round(self.weighted_count, 3)}
        if evidence_limit:
            data["evidence"] = [
                {"key": w.item.key, "age_years": round(w.item.age_years, 2),
                 "neighbour": w.item.neighbour, "weight": round(w.weight, 4)}
                for w in strongest(self.evidence, evidence_limit)]
        return data


def decay(age_years: float, half_life_years: float) -> float:
    """The weight of an incident ``age_years`` old; 1 for one happening now. An incident
    dated in the future (a wrong date) counts as one happening now."""
    return float(0.5 ** (max(age_years, 0.0) / half_life_years))


def severity_factor(item: Item, severity_weight: float) -> float:
    if item.killed or item.abducted:
        return 1.0 + severity_weight
    if item.injured:
        return 1.0 + severity_weight / 2
    return 1.0


def weigh(item: Item, params: Params) -> Weighted:
    return Weighted(item=item, decay=decay(item.age_years, params.half_life_years),
                    severity=severity_factor(item, params.severity_weight),
                    place=params.neighbour_weight if item.neighbour else 1.0)


def exposure(record_years: float, params: Params) -> float:
    """The decayed years of record: ∫ decay over the years the record covers, up to the
    horizon. Record shorter than a year counts as a year."""
    years = min(max(record_years, 1.0), params.horizon_years)
    rate = math.log(2) / params.half_life_years
    return (1 - math.exp(-rate * years)) / rate


def context_level(security_level: int | None, advisory_level: int | None) -> int | None:
    """The higher of the place's security level and its travel advisory read on that scale."""
    levels = [lvl for lvl in (security_level, ADVISORY_AS_LEVEL.get(advisory_level or 0))
              if lvl]
    return max(levels) if levels else None


def prior_rate(level: int | None, params: Params) -> float:
    """The prior's mean: the rate for the context level; with no level, the lowest."""
    index = min(max((level or 1) - 1, 0), len(params.level_prior) - 1)
    return params.level_prior[index]


def step(expected: float, bounds: Sequence[float] = DEFAULT_STEP_BOUNDS) -> str:
    """The likelihood step for an expected count in twelve months."""
    chance = 1 - math.exp(-max(expected, 0.0))
    return LIKELIHOODS[sum(1 for b in bounds if chance >= b)]


def rate_bounds(likelihood: str, bounds: Sequence[float]) -> tuple[float, float]:
    """The rates (incidents a year) a step covers: the inverse of ``step``."""
    i = LIKELIHOODS.index(likelihood)
    edges = [0.0, *(-math.log(1 - b) for b in bounds), math.inf]
    return edges[i], edges[i + 1]


def confidence_label(confidence: float) -> str:
    if confidence >= 0.7:
        return "high"
    if confidence >= 0.4:
        return "medium"
    return "low"


def posterior(weighted_count: float, *, record_years: float, params: Params,
              prior: float) -> tuple[float, float]:
    """The gamma posterior (shape, rate) of the yearly rate: the prior worth
    ``params.prior_years`` years at ``prior`` incidents a year, plus the weighted count over
    the decayed exposure. Its mean ``shape / rate`` is the expected count."""
    return (prior * params.prior_years + weighted_count,
            params.prior_years + exposure(record_years, params))


def propose(items: Iterable[Item], *, record_years: float, params: Params,
            security_level: int | None = None, advisory_level: int | None = None) -> Proposal:
    """The proposal for one place and threat category over the next twelve months."""
    return propose_weighted(tuple(weigh(i, params) for i in items), record_years=record_years,
                            params=params, security_level=security_level,
                            advisory_level=advisory_level)


def propose_weighted(weighted: tuple[Weighted, ...], *, record_years: float, params: Params,
                     security_level: int | None = None,
                     advisory_level: int | None = None) -> Proposal:
    """``propose`` for items already weighed with ``weigh`` and the same parameters."""
    return _propose(sum(w.weight for w in weighted), weighted, record_years=record_years,
                    params=params, security_level=security_level,
                    advisory_level=advisory_level)


def propose_summed(weighted_count: float, incidents: int, *, record_years: float,
                   params: Params, security_level: int | None = None,
                   advisory_level: int | None = None) -> Proposal:
    """``propose`` from the total weight of the items (each weighed as ``weigh`` does) and
    their number, without the items: the same proposal, its evidence not listed."""
    found = _propose(weighted_count, (), record_years=record_years, params=params,
                     security_level=security_level, advisory_level=advisory_level)
    return replace(found, summed_weight=weighted_count, summed_count=incidents)


def _propose(total: float, weighted: tuple[Weighted, ...], *, record_years: float,
             params: Params, security_level: int | None,
             advisory_level: int | None) -> Proposal:
    level = context_level(security_level, advisory_level)
    prior = prior_rate(level, params)
    shape, rate = posterior(total, record_years=record_years, params=params, prior=prior)
    expected = shape / rate
    likelihood = step(expected, params.step_bounds)
    low, high = rate_bounds(likelihood, params.step_bounds)
    confidence = gamma_cdf(high, shape, rate) - gamma_cdf(low, shape, rate)
    return Proposal(likelihood=likelihood, expected=expected,
                    chance=1 - math.exp(-expected), confidence=confidence,
                    confidence_label=confidence_label(confidence), prior_rate=prior,
                    context_level=level, evidence=weighted)


def strongest(weighted: Iterable[Weighted], limit: int) -> list[Weighted]:
    return sorted(weighted, key=lambda w: (-w.weight, w.item.age_years, w.item.key))[:limit]


def steps_apart(rating: str, proposal: str) -> int:
    """How many steps the officer's rating lies above (+) or below (-) the proposal."""
    return LIKELIHOODS.index(rating) - LIKELIHOODS.index(proposal)


# --- The gamma distribution's CDF (regularized lower incomplete gamma) ----------------------

def gamma_cdf(x: float, shape: float, rate: float) -> float:
    """P(X ≤ x) for X ~ Gamma(shape, rate)."""
    if x <= 0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return _lower_regularized(shape, x * rate)


def _lower_regularized(a: float, x: float) -> float:
    if x < a + 1:  # the series converges quickly here
        term = total = 1.0 / a
        n = a
        for _ in range(500):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-14:
                break
        return min(1.0, total * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    # Otherwise the continued fraction for the upper part (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-14:
            break
    return max(0.0, 1.0 - math.exp(-x + a * math.log(x) - math.lgamma(a)) * h)


# --- Scoring ---------------------------------------------------------------------------------

def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(predicted: Sequence[float], actual: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson's on the ranks, ties averaged); None when either
    side is constant or there are fewer than three pairs."""
    if len(predicted) != len(actual):
        raise ValueError("The two series differ in length.")
    if len(predicted) < 3:
        return None
    rp, ra = ranks(predicted), ranks(actual)
    mp, ma = sum(rp) / len(rp), sum(ra) / len(ra)
    cov = sum((p - mp) * (a - ma) for p, a in zip(rp, ra, strict=True))
    sp = math.sqrt(sum((p - mp) ** 2 for p in rp))
    sa = math.sqrt(sum((a - ma) ** 2 for a in ra))
    if not sp or not sa:
        return None
    return cov / (sp * sa)


@dataclass(frozen=True)
class CalibrationRow:
    likelihood: str
    proposals: int
    expected_chance: float | None  # mean proposed chance of at least one incident
    observed_chance: float | None  # share of those places that had at least one
    expected_mean: float | None
    observed_mean: float | None


def calibration(pairs: Iterable[tuple[float, int]],
                bounds: Sequence[float] = DEFAULT_STEP_BOUNDS) -> list[CalibrationRow]:
    """Per likelihood step: how many (expected, actual) pairs it holds, the chance of at least
    one incident it promised on average, and the share that had one."""
    by_step: dict[str, list[tuple[float, int]]] = {s: [] for s in LIKELIHOODS}
    for expected, actual in pairs:
        by_step[step(expected, bounds)].append((expected, actual))
    rows = []
    for name, held in by_step.items():
        n = len(held)
        rows.append(CalibrationRow(
            likelihood=name, proposals=n,
            expected_chance=sum(1 - math.exp(-e) for e, _a in held) / n if n else None,
            observed_chance=sum(1 for _e, a in held if a > 0) / n if n else None,
            expected_mean=sum(e for e, _a in held) / n if n else None,
            observed_mean=sum(a for _e, a in held) / n if n else None))
    return rows


def baseline_last_year(counts: Mapping[int, int], year: int) -> float:
    """Next year as last year: ``counts`` by year for one place."""
    return float(counts.get(year, 0))


def baseline_three_years(counts: Mapping[int, int], year: int) -> float:
    return float(sum(counts.get(year - k, 0) for k in range(3)))
