"""Back-testing the likelihood proposals on the incident record (docs/evidence.md).

For a test year T the back-test proposes, for every country, the number of incidents expected
in T from the incidents before 1 January of T, then compares the proposals with what happened
in T. By country, all incident categories together; no context prior (the history of security
levels and advisories is not held, so every country gets the same weak prior, which changes no
ranking).

Honesty: the model and its parameters are chosen for T on the years before T only. Each
candidate predicts each validation year V < T from the data before V, and is scored on V's own
incidents; the candidate with the best mean Spearman rank correlation over those years is kept,
a tie (within ``TIE``) going to the simplest. The incidents of T and after are read only to
score T.

Candidates: decayed counts (``rules.propose``'s formula) over a grid of half-life, severity
weight and neighbour weight, and a Poisson regression on the log counts of the three years
before and of the neighbours' year before, fitted by iteratively reweighted least squares on the
eight years before the year predicted.

Scores, for the countries with an incident in T or in the two years before it: Spearman's rho of
the proposals, of the two baselines (last year's count; the count of the three years before)
and of an oracle (the "noise ceiling": each country's true mean taken as its mean count over
T-1, T and T+1, scored against Poisson draws from it; it reads the test year, so it is not a
forecast but the best a forecast could hope for); and the calibration per likelihood step, on
the countries proposed for (those with an incident before T: the country set would count only
places that had an incident, and so flatter the low steps).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from vigil.evidence import rules
from vigil.incidents.models import Incident
from vigil.places.geo import neighbours as geo_neighbours

SOURCE = ("Humanitarian Outcomes, Aid Worker Security Database (aidworkersecurity.org), as "
          "imported into Vigil")
MIN_HISTORY = 5  # years of record before the first validation year
TIE = 0.005  # mean rho within this of the best counts as a tie: the simplest is kept
REGRESSION_YEARS = 8  # years a regression is fitted on
CEILING_DRAWS = 200
HALF_LIVES = (1.0, 2.0, 3.0, 4.0, 6.0, 10.0)
SEVERITY_WEIGHTS = (0.0, 0.5, 1.0)
NEIGHBOUR_WEIGHTS = (0.0, 0.05, 0.1, 0.25)
FAMILIES = ("decay", "decay+severity", "decay+neighbours", "decay+severity+neighbours",
            "poisson-regression")
# One incident of each severity class, to read its factor from rules.severity_factor.
_CLASS_ITEMS = (rules.Item(key="", age_years=0), rules.Item(key="", age_years=0, injured=1),
                rules.Item(key="", age_years=0, killed=1))


class BacktestError(Exception):
    """The back-test cannot run as asked; the message says why."""


@dataclass(frozen=True)
class Record:
    country: str
    occurred: dt.date
    killed: int = 0
    injured: int = 0
    abducted: int = 0

    @property
    def severity_class(self) -> int:
        if self.killed or self.abducted:
            return 2
        return 1 if self.injured else 0


def load_records() -> list[Record]:
    """Every incident with a country, but those found false: one query."""
    rows = (Incident.objects.exclude(verification=Incident.Verification.FALSE)
            .exclude(country=None)
            .values_list("country__iso2", "occurred_at", "killed", "injured", "abducted"))
    return [Record(country=iso2, occurred=at.date(), killed=k, injured=i, abducted=a)
            for iso2, at, k, i, a in rows]


@dataclass(frozen=True)
class Candidate:
    family: str
    params: rules.Params | None = None  # None for the regression

    @property
    def label(self) -> str:
        if self.params is None:
            return "Poisson regression"
        p = self.params
        return (f"half-life {p.half_life_years:g} y, severity {p.severity_weight:g}, "
                f"neighbours {p.neighbour_weight:g}")

    @property
    def complexity(self) -> tuple[float, ...]:
        if self.params is None:
            return (FAMILIES.index(self.family), 0.0, 0.0, 0.0)
        p = self.params
        return (FAMILIES.index(self.family), p.severity_weight, p.neighbour_weight,
                p.half_life_years)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": self.family, "label": self.label}
        if self.params is not None:
            data["params"] = {"half_life_years": self.params.half_life_years,
                              "severity_weight": self.params.severity_weight,
                              "neighbour_weight": self.params.neighbour_weight,
                              "horizon_years": self.params.horizon_years,
                              "prior_years": self.params.prior_years}
        return data


def decay_family(params: rules.Params) -> str:
    severity, neighbours = params.severity_weight > 0, params.neighbour_weight > 0
    if severity and neighbours:
        return "decay+severity+neighbours"
    if severity:
        return "decay+severity"
    return "decay+neighbours" if neighbours else "decay"


def candidates(base: rules.Params | None = None) -> list[Candidate]:
    base = base or rules.Params()
    grid = [Candidate(family="", params=rules.Params(
        half_life_years=h, severity_weight=s, neighbour_weight=n,
        horizon_years=base.horizon_years, prior_years=base.prior_years,
        step_bounds=base.step_bounds, level_prior=base.level_prior))
        for h in HALF_LIVES for s in SEVERITY_WEIGHTS for n in NEIGHBOUR_WEIGHTS]
    found = [Candidate(family=decay_family(c.params), params=c.params)
             for c in grid if c.params is not None]
    return [*found, Candidate(family="poisson-regression")]


class History:
    """The incident record by country and year, and the predictions made from it."""

    def __init__(self, records: Iterable[Record],
                 neighbours: Callable[[str], frozenset[str]] = geo_neighbours) -> None:
        self.by_country: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
        self.counts: dict[str, Counter[int]] = defaultdict(Counter)
        for r in records:
            self.by_country[r.country].append((r.occurred, r.severity_class))
            self.counts[r.country][r.occurred.year] += 1
        self.per_year: Counter[int] = Counter()
        for by_year in self.counts.values():
            self.per_year.update(by_year)
        dates = [d for items in self.by_country.values() for d, _s in items]
        self.earliest = min(dates) if dates else None
        self._neighbours = neighbours
        self._neighbour_cache: dict[str, frozenset[str]] = {}
        self._decayed: dict[tuple[int, float, float], dict[str, tuple[float, float, float]]] = {}
        self._predicted: dict[tuple[Candidate, int], dict[str, float] | None] = {}

    @property
    def first_year(self) -> int | None:
        return min(self.per_year) if self.per_year else None

    @property
    def last_year(self) -> int | None:
        return max(self.per_year) if self.per_year else None

    def record_years(self, year: int) -> float:
        """Years from the earliest incident held to 1 January of ``year``, at least one (as
        the live proposals count them)."""
        if self.earliest is None:
            return 1.0
        return max((dt.date(year, 1, 1) - self.earliest).days / rules.DAYS_PER_YEAR, 1.0)

    def neighbours(self, iso2: str) -> frozenset[str]:
        if iso2 not in self._neighbour_cache:
            self._neighbour_cache[iso2] = self._neighbours(iso2)
        return self._neighbour_cache[iso2]

    def count(self, iso2: str, year: int) -> int:
        return self.counts[iso2][year] if iso2 in self.counts else 0

    def countries_before(self, year: int) -> set[str]:
        """The countries with an incident before 1 January of ``year``: the training data."""
        return {c for c, by_year in self.counts.items() if any(y < year for y in by_year)}

    def country_set(self, year: int) -> list[str]:
        """The countries scored for ``year``: an incident in it or in the two years before."""
        return sorted(c for c, by_year in self.counts.items()
                      if any(by_year[y] for y in (year, year - 1, year - 2)))

    # --- Predictions -------------------------------------------------------------------------

    def predict(self, candidate: Candidate, year: int,
                countries: Iterable[str] = ()) -> dict[str, float] | None:
        """Expected incidents in ``year`` by country, from the data before it: for the
        countries of the training data and ``countries``. None when the candidate cannot
        predict (a regression with too little to fit on)."""
        key = (candidate, year)
        if key not in self._predicted:
            wanted = self.countries_before(year) | set(self.country_set(year))
            self._predicted[key] = self._predict(candidate, year, wanted)
        found = self._predicted[key]
        extra = set(countries) - set(found or ())
        if found is None or not extra:
            return found
        more = self._predict(candidate, year, extra)
        return None if more is None else {**found, **more}

    def _predict(self, candidate: Candidate, year: int,
                 countries: Iterable[str]) -> dict[str, float] | None:
        if candidate.params is None:
            return self._predict_regression(year, countries)
        return self._predict_decay(candidate.params, year, countries)

    def _decayed_sums(self, year: int, half_life: float,
                      horizon: float) -> dict[str, tuple[float, float, float]]:
        """Per country, the decayed count of its incidents before ``year`` within the horizon,
        by severity class (none, injured, killed or abducted)."""
        key = (year, half_life, horizon)
        if key not in self._decayed:
            start = dt.date(year, 1, 1)
            sums: dict[str, tuple[float, float, float]] = {}
            for country, items in self.by_country.items():
                by_class = [0.0, 0.0, 0.0]
                for occurred, severity in items:
                    if occurred >= start:
                        continue
                    age = (start - occurred).days / rules.DAYS_PER_YEAR
                    if age > horizon:
                        continue
                    by_class[severity] += rules.decay(age, half_life)
                if any(by_class):
                    sums[country] = (by_class[0], by_class[1], by_class[2])
            self._decayed[key] = sums
        return self._decayed[key]

    def weighted_counts(self, params: rules.Params, year: int,
                        countries: Iterable[str]) -> dict[str, float]:
        """The weighted count of each country: the sum of ``rules.weigh``'s weights over its
        incidents and (times the neighbour weight) its neighbours' incidents before ``year``."""
        sums = self._decayed_sums(year, params.half_life_years, params.horizon_years)
        factors = [rules.severity_factor(item, params.severity_weight) for item in _CLASS_ITEMS]
        own = {c: sum(d * f for d, f in zip(by_class, factors, strict=True))
               for c, by_class in sums.items()}
        out = {}
        for c in countries:
            total = own.get(c, 0.0)
            if params.neighbour_weight:
                total += params.neighbour_weight * sum(own.get(n, 0.0)
                                                       for n in self.neighbours(c))
            out[c] = total
        return out

    def _predict_decay(self, params: rules.Params, year: int,
                       countries: Iterable[str]) -> dict[str, float]:
        prior = rules.prior_rate(None, params)
        years = self.record_years(year)
        out = {}
        for c, weighted in self.weighted_counts(params, year, countries).items():
            shape, rate = rules.posterior(weighted, record_years=years, params=params,
                                          prior=prior)
            out[c] = shape / rate
        return out

    def features(self, country: str, year: int) -> list[float]:
        return [1.0, *(math.log1p(self.count(country, year - k)) for k in (1, 2, 3)),
                math.log1p(sum(self.count(n, year - 1) for n in self.neighbours(country)))]

    def _predict_regression(self, year: int, countries: Iterable[str]) -> dict[str, float] | None:
        rows = [(self.features(c, y), float(self.count(c, y)))
                for y in range(year - REGRESSION_YEARS, year) for c in self.country_set(y)]
        beta = poisson_fit([x for x, _y in rows], [y for _x, y in rows])
        if beta is None:
            return None
        return {c: math.exp(min(sum(b * x for b, x in zip(beta, self.features(c, year),
                                                            strict=True)), 50.0))
                for c in countries}

    # --- Scores -------------------------------------------------------------------------------

    def score(self, candidate: Candidate, year: int) -> float | None:
        """Spearman's rho of the candidate's predictions for ``year`` against what happened, on
        that year's country set."""
        scored = self.country_set(year)
        predicted = self.predict(candidate, year, scored)
        if predicted is None:
            return None
        return rules.spearman([predicted[c] for c in scored],
                              [float(self.count(c, year)) for c in scored])

    def baseline_scores(self, year: int) -> tuple[float | None, float | None]:
        scored = self.country_set(year)
        actual = [float(self.count(c, year)) for c in scored]
        last = [rules.baseline_last_year(self.counts[c], year - 1) for c in scored]
        three = [rules.baseline_three_years(self.counts[c], year - 1) for c in scored]
        return rules.spearman(last, actual), rules.spearman(three, actual)

    def ceiling(self, year: int, draws: int = CEILING_DRAWS) -> float | None:
        """The oracle's mean rho: each country's rate taken as its mean count over year-1, year and
        year+1 (those held), scored against Poisson draws from those rates."""
        scored = self.country_set(year)
        last = self.last_year if self.last_year is not None else year
        years = [y for y in (year - 1, year, year + 1) if y <= last]
        rates = [sum(self.count(c, y) for y in years) / len(years) for c in scored]
        rnd = random.Random(year)  # noqa: S311  # nosec B311 - a seeded simulation
        found = [rules.spearman(rates, [float(poisson_draw(rnd, r)) for r in rates])
                 for _draw in range(draws)]
        kept = [rho for rho in found if rho is not None]
        return sum(kept) / len(kept) if kept else None


def poisson_draw(rnd: random.Random, rate: float) -> int:
    """One Poisson draw (Knuth's method, in pieces of at most 30: a sum of Poissons is one)."""
    total = 0
    while rate > 0:
        piece = min(rate, 30.0)
        rate -= piece
        limit, k, p = math.exp(-piece), 0, rnd.random()
        while p > limit:
            k += 1
            p *= rnd.random()
        total += k
    return total


def poisson_fit(xs: Sequence[Sequence[float]], ys: Sequence[float],
                iterations: int = 50) -> list[float] | None:
    """Maximum-likelihood coefficients of a Poisson regression with a log link, by iteratively
    reweighted least squares; a tiny ridge keeps the system solvable. None with fewer rows than
    twice the features, or when it does not converge."""
    if not xs or len(xs) < 2 * len(xs[0]):
        return None
    width = len(xs[0])
    mean = sum(ys) / len(ys)
    beta = [math.log(mean) if mean > 0 else -5.0] + [0.0] * (width - 1)
    for _round_trip in range(iterations):
        a = [[0.0] * width for _row in range(width)]
        b = [0.0] * width
        for x, y in zip(xs, ys, strict=True):
            eta = min(sum(bi * xi for bi, xi in zip(beta, x, strict=True)), 30.0)
            mu = math.exp(eta)
            z = eta + (y - mu) / mu
            for i in range(width):
                b[i] += mu * x[i] * z
                for j in range(width):
                    a[i][j] += mu * x[i] * x[j]
        for i in range(width):
            a[i][i] += 1e-6
        new = solve(a, b)
        if new is None:
            return None
        change = max(abs(n - o) for n, o in zip(new, beta, strict=True))
        beta = new
        if change < 1e-8:
            return beta
    return beta if all(math.isfinite(v) for v in beta) else None


def solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """x with a·x = b (Gaussian elimination with partial pivoting); None when singular."""
    n = len(b)
    m = [[*row, value] for row, value in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for k in range(col, n + 1):
                m[r][k] -= f * m[col][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


# --- Choosing and scoring -------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    validation_rho: float | None
    validation_years: tuple[int, ...]


def validation_years(history: History, year: int) -> list[int]:
    first = history.first_year
    if first is None:
        return []
    return list(range(first + MIN_HISTORY, year))


def choose(history: History, year: int, pool: Sequence[Candidate]) -> Choice:
    """The candidate of ``pool`` with the best mean rho over the validation years before
    ``year`` (each predicted from the data before it), ties within TIE to the simplest. With
    no validation year, the first (simplest) decay candidate with the default parameters."""
    years = validation_years(history, year)
    means: list[tuple[Candidate, float]] = []
    for c in pool:
        found = [rho for v in years if (rho := history.score(c, v)) is not None]
        if found:
            means.append((c, sum(found) / len(found)))
    if not means:
        default = Candidate(family=decay_family(rules.Params()), params=rules.Params())
        return Choice(candidate=default, validation_rho=None, validation_years=())
    best = max(m for _c, m in means)
    tied = [(c, m) for c, m in means if m >= best - TIE]
    chosen, mean = min(tied, key=lambda cm: cm[0].complexity)
    return Choice(candidate=chosen, validation_rho=mean,
                  validation_years=(years[0], years[-1]))


@dataclass
class YearResult:
    year: int
    countries: int
    rho: float | None
    rho_last_year: float | None
    rho_three_years: float | None
    ceiling: float | None
    choice: Choice
    families: dict[str, float | None]
    family_choices: dict[str, str]
    proposals: dict[str, float]
    pairs: list[tuple[float, int]] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"countries": self.countries, "rho": _round(self.rho),
                "rho_last_year": _round(self.rho_last_year),
                "rho_three_years": _round(self.rho_three_years),
                "ceiling": _round(self.ceiling),
                "chosen": {**self.choice.candidate.as_dict(),
                           "validation_rho": _round(self.choice.validation_rho),
                           "validation_years": list(self.choice.validation_years)},
                "families": {f: _round(r) for f, r in self.families.items()},
                "family_choices": self.family_choices}


def _round(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def backtest_year(history: History, year: int, pool: Sequence[Candidate] | None = None,
              *, ceiling: bool = True) -> YearResult:
    """Choose on the years before ``year``, then propose for ``year`` and score."""
    if history.per_year[year] == 0:
        raise BacktestError(_("No data for %(year)d: import it first.") % {"year": year})
    training = history.countries_before(year)
    if not training:
        raise BacktestError(_("No incident before %(year)d: nothing to propose from.")
                            % {"year": year})
    pool = list(pool) if pool is not None else candidates()
    choice = choose(history, year, pool)
    scored = history.country_set(year)
    predicted = history.predict(choice.candidate, year, scored)
    if predicted is None:  # a regression chosen on past years that cannot fit now
        raise BacktestError(_("The model chosen for %(year)d cannot be fitted on its data.")
                            % {"year": year})
    actual = [history.count(c, year) for c in scored]
    rho = rules.spearman([predicted[c] for c in scored], [float(a) for a in actual])
    last, three = history.baseline_scores(year)
    families: dict[str, float | None] = {}
    family_choices: dict[str, str] = {}
    for family in FAMILIES:
        members = [c for c in pool if c.family == family]
        if not members:
            continue
        own = choose(history, year, members)
        families[family] = history.score(own.candidate, year)
        family_choices[family] = own.candidate.label
    return YearResult(
        year=year, countries=len(scored), rho=rho, rho_last_year=last, rho_three_years=three,
        ceiling=history.ceiling(year) if ceiling else None, choice=choice, families=families,
        family_choices=family_choices,
        proposals={c: round(predicted[c], 3) for c in sorted(training)},
        pairs=[(predicted[c], history.count(c, year)) for c in sorted(training)])


@dataclass
class Run:
    train_until: int
    through: int
    years: list[YearResult]
    bounds: tuple[float, ...] = rules.DEFAULT_STEP_BOUNDS

    @property
    def last(self) -> YearResult:
        return self.years[-1]

    def spans(self) -> list[tuple[int, int]]:
        """The spans averaged: the whole run, and its last ten years when it is longer."""
        first, last = self.years[0].year, self.years[-1].year
        spans = [(first, last)]
        if last - first + 1 > 10:
            spans.append((last - 9, last))
        return spans

    def averages(self, span: tuple[int, int]) -> dict[str, float | None]:
        held = [r for r in self.years if span[0] <= r.year <= span[1]]

        def mean(values: Iterable[float | None]) -> float | None:
            kept = [v for v in values if v is not None]
            return sum(kept) / len(kept) if kept else None

        out = {"rho": mean(r.rho for r in held),
               "rho_last_year": mean(r.rho_last_year for r in held),
               "rho_three_years": mean(r.rho_three_years for r in held),
               "ceiling": mean(r.ceiling for r in held)}
        for family in FAMILIES:
            out[family] = mean(r.families.get(family) for r in held)
        return out

    def calibration(self) -> list[rules.CalibrationRow]:
        """Pooled over the run: each test year's proposals against that year's counts."""
        return rules.calibration([p for r in self.years for p in r.pairs], self.bounds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": SOURCE,
            "train_until": self.train_until, "through": self.through,
            "test_years": [r.year for r in self.years],
            "proposals": {str(r.year): r.proposals for r in self.years},
            "years": {str(r.year): r.as_dict() for r in self.years},
            "averages": {f"{a}-{b}": {k: _round(v) for k, v in self.averages((a, b)).items()}
                         for a, b in self.spans()},
            "calibration": [{k: (_round(v) if isinstance(v, float) else v)
                             for k, v in asdict(row).items()} for row in self.calibration()],
            "method": {"country_set": "countries with an incident in the test year or in the "
                                      "two years before it",
                       "validation": f"each year from the first year of record + {MIN_HISTORY} "
                                     "to the year before the test year, predicted from the "
                                     "data before it",
                       "tie": TIE, "half_lives": list(HALF_LIVES),
                       "severity_weights": list(SEVERITY_WEIGHTS),
                       "neighbour_weights": list(NEIGHBOUR_WEIGHTS),
                       "regression_years": REGRESSION_YEARS,
                       "ceiling_draws": CEILING_DRAWS},
        }


def run(history: History, train_until: int, through: int | None = None,
        *, ceiling: bool = True) -> Run:
    """Test the years ``train_until + 1`` to ``through + 1``, each chosen and proposed from
    the data before it."""
    through = train_until if through is None else through
    if through < train_until:
        raise BacktestError(_("--through must not come before --train-until."))
    if history.first_year is None:
        raise BacktestError(_("No incidents in the database: import the AWSD export first "
                              "(vigil import_incidents)."))
    pool = candidates()
    results = [backtest_year(history, t, pool, ceiling=ceiling)
               for t in range(train_until + 1, through + 2)]
    return Run(train_until=train_until, through=through, years=results)


# --- Reports --------------------------------------------------------------------------------

RHO = "\u03c1"  # Spearman's rho, as the report prints it


def _fmt(value: float | None, places: int = 3) -> str:
    return "\u2013" if value is None else f"{value:.{places}f}"


def _chosen(result: YearResult) -> str:
    choice = result.choice
    if choice.validation_rho is None:
        return _("%(model)s (defaults: no past year to choose on)") % {
            "model": choice.candidate.label}
    return _("%(model)s (%(symbol)s %(rho)s on %(first)d-%(last)d)") % {
        "model": choice.candidate.label, "symbol": RHO, "rho": _fmt(choice.validation_rho),
        "first": choice.validation_years[0], "last": choice.validation_years[1]}


def _rho_heads() -> list[str]:
    return [_("%(symbol)s proposals") % {"symbol": RHO},
            _("%(symbol)s last year") % {"symbol": RHO},
            _("%(symbol)s three years") % {"symbol": RHO}]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(head) + " |",
                 "|" + "|".join("---" if i == len(head) - 1 else "---:"
                                for i in range(len(head))) + "|"]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    return ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()
            for r in (head, *rows)]


def render(result: Run, *, markdown: bool = False) -> str:
    """The report as plain text or Markdown."""
    first, last = result.years[0].year, result.years[-1].year
    heading = "## " if markdown else ""
    lines = [(("# " if markdown else "")
              + _("Back-test of the likelihood proposals, %(first)d-%(last)d")
              % {"first": first, "last": last}), "",
             _("Data: %(source)s. Each test year is proposed from the incidents before it, "
               "with the model and parameters chosen on the years before it only. Scored "
               "on the countries with an incident in the test year or in the two years "
               "before it (Spearman's rank correlation against the year's counts).")
             % {"source": SOURCE},
             "", heading + _("By test year"), ""]
    head = [_("year"), _("countries"), *_rho_heads(), _("ceiling"),
            _("chosen on past years")]
    rows = [[str(r.year), str(r.countries), _fmt(r.rho), _fmt(r.rho_last_year),
             _fmt(r.rho_three_years), _fmt(r.ceiling), _chosen(r)] for r in result.years]
    lines += _table(head, rows, markdown)
    lines += ["", heading + _("Averages"), ""]
    head = [_("years"), *_rho_heads(), _("ceiling")]
    rows = []
    for span in result.spans():
        a = result.averages(span)
        rows.append([f"{span[0]}-{span[1]}", _fmt(a["rho"]), _fmt(a["rho_last_year"]),
                     _fmt(a["rho_three_years"]), _fmt(a["ceiling"])])
    lines += _table(head, rows, markdown)
    lines += ["", heading + _("Each model family, chosen on past years within the family"), ""]
    head = [_("family"), *(f"{a}-{b}" for a, b in result.spans())]
    averages = [result.averages(span) for span in result.spans()]
    rows = [[family, *(_fmt(a[family]) for a in averages)] for family in FAMILIES]
    lines += _table(head, rows, markdown)
    lines += ["", heading + _("Calibration per likelihood step"), "",
              _("Pooled over the test years: every country with an incident before the test "
                "year, its proposal against the year's count.") if markdown else
              _("Pooled over the test years, countries with an incident before each."), ""]
    head = [_("step"), _("proposals"), _("chance of one or more, proposed"),
            _("share that had one or more"), _("mean proposed"), _("mean observed")]
    rows = [[row.likelihood, str(row.proposals), _fmt(row.expected_chance, 2),
             _fmt(row.observed_chance, 2), _fmt(row.expected_mean, 2),
             _fmt(row.observed_mean, 2)] for row in result.calibration()]
    lines += _table(head, rows, markdown)
    lines += ["", _("Ceiling: the mean rank correlation of an oracle that knows each "
                    "country's mean count over the year before, the test year and the year "
                    "after, scored against Poisson draws; it reads the test year, so it is the "
                    "best a forecast could hope for, not a forecast.")]
    return "\n".join(lines) + "\n"
