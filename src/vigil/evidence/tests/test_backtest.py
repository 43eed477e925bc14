"""The back-test (docs/evidence.md): the model chosen on past years only, the country set, the
baselines, the report and its JSON, the errors; and once, on the real AWSD export, that the
proposals beat both baselines over 2015-2024."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.audit import AuditEvent
from vigil.core.authz import Role, ScopeKind
from vigil.evidence import backtest, rules
from vigil.evidence.backtest import BacktestError, Candidate, History, Record
from vigil.evidence.models import EvidenceSettings
from vigil.incidents.models import Incident, IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.places.models import Country

REPO = Path(__file__).resolve().parents[4]
AWSD = REPO.parent / "shared" / "data" / "incidents" / "awsd_security_incidents_1997-2024.csv"

# Each synthetic country's yearly rate; AA and BB are neighbours.
RATES = {"AA": 12.0, "BB": 6.0, "CC": 3.0, "DD": 1.5, "EE": 0.8, "FF": 0.4, "GG": 0.2}
NEIGHBOURS = {"AA": frozenset({"BB"}), "BB": frozenset({"AA"})}


def neighbours(iso2: str) -> frozenset[str]:
    return NEIGHBOURS.get(iso2, frozenset())


def synthetic(first: int = 2000, last: int = 2012, seed: int = 7) -> list[Record]:
    """Poisson counts per country and year, on random days, some with someone killed."""
    rnd = random.Random(seed)
    out = []
    for year in range(first, last + 1):
        for country, rate in RATES.items():
            for _i in range(backtest.poisson_draw(rnd, rate)):
                day = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randrange(365))
                out.append(Record(country, day, killed=int(rnd.random() < 0.3)))
    return out


def small_pool() -> list[Candidate]:
    """A few candidates of each kind, to keep the tests quick."""
    params = [rules.Params(half_life_years=h, severity_weight=s, neighbour_weight=n)
              for h, s, n in ((1, 0, 0), (4, 0, 0), (2, 1, 0), (2, 0, 0.25))]
    return [*(Candidate(backtest.decay_family(p), p) for p in params),
            Candidate("poisson-regression")]


def test_a_prediction_is_what_rules_propose_from_the_same_incidents():
    records = synthetic()
    history = History(records, neighbours)
    params = rules.Params(half_life_years=2, severity_weight=0.5, neighbour_weight=0.1)
    predicted = history.predict(Candidate("decay+severity+neighbours", params), 2010)
    assert predicted is not None
    start = dt.date(2010, 1, 1)
    for country in ("AA", "CC"):
        items = [rules.Item(key=str(i), age_years=(start - r.occurred).days / rules.DAYS_PER_YEAR,
                            killed=r.killed, neighbour=r.country != country)
                 for i, r in enumerate(records)
                 if r.occurred < start and (r.country == country or r.country in
                                            neighbours(country))]
        proposal = rules.propose(items, record_years=history.record_years(2010), params=params)
        assert predicted[country] == pytest.approx(proposal.expected)


def test_the_test_year_never_changes_the_choice_only_the_score():
    records = synthetic()
    before = [r for r in records if r.occurred.year < 2012]
    upset = [*before,  # 2012 turned upside down: the rare countries have most incidents
             *(Record(c, dt.date(2012, 3, 1)) for c in ("GG", "FF", "EE") for _i in range(20)),
             Record("AA", dt.date(2012, 5, 1)), *(Record("ZZ", dt.date(2013, 1, 5)),) * 30]
    first = backtest.backtest_year(History(records, neighbours), 2012, small_pool(),
                                   ceiling=False)
    second = backtest.backtest_year(History(upset, neighbours), 2012, small_pool(),
                                    ceiling=False)
    assert first.choice == second.choice
    assert first.proposals == second.proposals
    assert first.rho != second.rho
    assert second.rho is not None
    assert second.rho < first.rho


def test_the_choice_is_made_on_the_years_before_only():
    history = History(synthetic(), neighbours)
    result = backtest.backtest_year(history, 2012, small_pool(), ceiling=False)
    assert result.choice.validation_years == (2005, 2011)
    assert result.choice.validation_rho is not None
    # What the choice says it scored is the mean over those years, each predicted from before.
    scores = [history.score(result.choice.candidate, v) for v in range(2005, 2012)]
    assert result.choice.validation_rho == pytest.approx(
        sum(s for s in scores if s is not None) / len([s for s in scores if s is not None]))


def test_a_tie_goes_to_the_simplest():
    history = History(synthetic(), neighbours)
    same = rules.Params(half_life_years=3)
    pool = [Candidate("decay+severity", rules.Params(half_life_years=3, severity_weight=1e-9)),
            Candidate("decay", same)]
    assert backtest.choose(history, 2012, pool).candidate == Candidate("decay", same)


def test_without_past_years_to_choose_on_the_defaults_are_kept():
    history = History(synthetic(2000, 2003), neighbours)
    result = backtest.backtest_year(history, 2003, small_pool(), ceiling=False)
    assert result.choice.validation_rho is None
    assert result.choice.candidate.params == rules.Params()


def test_the_country_set_and_the_proposals():
    records = [Record("AA", dt.date(y, 6, 1)) for y in range(2000, 2011) for _i in range(3)]
    records += [Record("BB", dt.date(2007, 6, 1)),  # only in T-3: not scored, but proposed
                Record("CC", dt.date(2008, 6, 1)),  # T-2: scored
                Record("DD", dt.date(2010, 6, 1)),  # T only: scored, not proposed
                Record("EE", dt.date(2009, 6, 1)), Record("EE", dt.date(2009, 7, 1))]
    history = History(records, neighbours)
    assert history.country_set(2010) == ["AA", "CC", "DD", "EE"]
    result = backtest.backtest_year(history, 2010, small_pool(), ceiling=False)
    assert result.countries == 4
    assert set(result.proposals) == {"AA", "BB", "CC", "EE"}


def test_baselines_are_last_years_and_the_three_years_count():
    counts = {"AA": {2007: 9, 2008: 0, 2009: 1, 2010: 1},
              "BB": {2008: 5, 2009: 2, 2010: 5},
              "CC": {2009: 3, 2010: 2},
              "DD": {2010: 4}}
    records = [Record(c, dt.date(y, 2, 1)) for c, by_year in counts.items()
               for y, n in by_year.items() for _i in range(n)]
    history = History(records, neighbours)
    last, three = history.baseline_scores(2010)
    actual = [1.0, 5.0, 2.0, 4.0]
    assert last == pytest.approx(rules.spearman([1, 2, 3, 0], actual))
    assert three == pytest.approx(rules.spearman([10, 7, 3, 0], actual))


def test_the_ceiling_is_high_for_big_steady_counts_and_lower_for_small_ones():
    big = [Record(c, dt.date(y, 3, 1)) for y in range(2000, 2013)
           for c, n in (("AA", 90), ("BB", 50), ("CC", 20), ("DD", 5)) for _i in range(n)]
    small = [Record(c, dt.date(y, 3, 1)) for y in range(2000, 2013)
             for c, n in (("AA", 3), ("BB", 2), ("CC", 1), ("DD", 1)) for _i in range(n)]
    assert History(big).ceiling(2010, draws=50) > 0.95
    assert History(small).ceiling(2010, draws=50) < 0.8


def test_poisson_fit_recovers_its_coefficients():
    rnd = random.Random(3)
    xs = [[1.0, rnd.random() * 2] for _i in range(400)]
    ys = [float(backtest.poisson_draw(rnd, 2.718281828 ** (0.5 + 0.8 * x[1]))) for x in xs]
    beta = backtest.poisson_fit(xs, ys)
    assert beta == pytest.approx([0.5, 0.8], abs=0.15)
    assert backtest.poisson_fit([[1.0, 2.0]], [1.0]) is None


def test_run_errors():
    history = History(synthetic(2000, 2012), neighbours)
    with pytest.raises(BacktestError, match="No data for 2014: import it first"):
        backtest.run(history, 2013)
    with pytest.raises(BacktestError, match="No incident before 2000"):
        backtest.run(history, 1999)
    with pytest.raises(BacktestError, match="--through"):
        backtest.run(history, 2010, 2008)
    with pytest.raises(BacktestError, match="No incidents in the database"):
        backtest.run(History([]), 2010)


def test_run_over_years_and_its_report():
    result = backtest.run(History(synthetic(), neighbours), 2008, 2011, ceiling=False)
    assert [r.year for r in result.years] == [2009, 2010, 2011, 2012]
    data = result.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data["proposals"]) == {"2009", "2010", "2011", "2012"}
    assert set(data["proposals"]["2012"]) == set(RATES)
    assert data["averages"]["2009-2012"]["rho"] is not None
    assert [row["likelihood"] for row in data["calibration"]] == list(rules.LIKELIHOODS)
    text = backtest.render(result)
    markdown = backtest.render(result, markdown=True)
    assert "2012" in text
    assert "| 2012 |" in markdown


# --- The command, on incidents in the database ------------------------------------------------

def make_incidents(records: list[Record]) -> None:
    ensure_default(IncidentCategory)
    crime = IncidentCategory.objects.get(code="crime")
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in={r.country for r in records})}
    Incident.objects.bulk_create([
        Incident(category=crime, title="test", country=countries[r.country],
                 occurred_at=dt.datetime.combine(r.occurred, dt.time(12), tzinfo=dt.UTC),
                 killed=r.killed, verification=Incident.Verification.VERIFIED)
        for r in records])


def as_real_countries(records: list[Record]) -> list[Record]:
    real = dict(zip(RATES, ("AF", "SO", "KE", "UG", "TZ", "ET", "NG"), strict=True))
    return [Record(real[r.country], r.occurred, killed=r.killed) for r in records]


@pytest.mark.django_db
def test_false_reports_and_incidents_without_a_country_are_left_out():
    make_incidents([Record("KE", dt.date(2010, 1, 5)), Record("KE", dt.date(2010, 2, 5))])
    first = Incident.objects.order_by("pk").first()
    assert first is not None
    first.verification = Incident.Verification.FALSE
    first.save()
    crime = IncidentCategory.objects.get(code="crime")
    Incident.objects.create(category=crime, title="nowhere", occurred_at=dt.datetime(
        2010, 3, 1, tzinfo=dt.UTC))
    assert backtest.load_records() == [Record("KE", dt.date(2010, 2, 5))]


@pytest.mark.django_db
def test_command_prints_one_json_object_and_writes_its_report(tmp_path, capsys):
    make_incidents(as_real_countries(synthetic()))
    report = tmp_path / "backtest.md"
    call_command("evidence", "backtest", "--train-until", "2010", "--through", "2011",
                 "--format", "json", "--output", str(report), "--no-ceiling")
    out = capsys.readouterr().out
    data = json.loads(out)
    assert set(data["proposals"]) == {"2011", "2012"}
    assert set(data["proposals"]["2012"]) == {"AF", "SO", "KE", "UG", "TZ", "ET", "NG"}
    assert all(isinstance(v, float) for v in data["proposals"]["2012"].values())
    assert data["years"]["2012"]["chosen"]["params"]["half_life_years"] > 0
    assert report.read_text(encoding="utf-8").startswith("# Back-test")


@pytest.mark.django_db
def test_command_apply_saves_the_chosen_parameters_audited(capsys):
    make_incidents(as_real_countries(synthetic()))
    call_command("evidence", "backtest", "--train-until", "2011", "--apply", "--no-ceiling")
    data_row = EvidenceSettings.objects.get(pk=1)
    out = capsys.readouterr().out
    assert "2012" in out
    assert data_row.chosen_by.startswith("vigil evidence backtest --train-until 2011")
    assert AuditEvent.objects.filter(action="evidence.settings.apply").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--train-until", "2011"], "No incidents in the database"),
    (["--train-until", "twenty"], "is not a year"),
    (["--train-until", "12"], "not a year the record can hold"),
])
def test_command_errors_without_data_or_with_bad_years(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("evidence", "backtest", *args)


@pytest.mark.django_db
def test_command_error_for_a_year_not_imported():
    make_incidents(as_real_countries(synthetic(2000, 2010)))
    with pytest.raises(CommandError, match="No data for 2012: import it first"):
        call_command("evidence", "backtest", "--train-until", "2011", "--no-ceiling")


# --- Once, on the real record -----------------------------------------------------------------

@pytest.mark.skipif(not AWSD.exists(), reason=f"the AWSD export is not at {AWSD}")
def test_on_the_awsd_record_the_proposals_beat_both_baselines(user_with):
    from vigil.incidents.importers import awsd_import

    admin = user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)
    awsd_import(actor=admin, path=AWSD, skip_invalid=True)
    result = backtest.run(History(backtest.load_records()), 2014, 2023, ceiling=False)
    averages = result.averages((2015, 2024))
    assert averages["rho_last_year"] == pytest.approx(0.59, abs=0.01)
    assert averages["rho_three_years"] == pytest.approx(0.61, abs=0.01)
    assert averages["rho"] > averages["rho_last_year"]
    assert averages["rho"] > averages["rho_three_years"]
    assert len(result.years[-1].proposals) >= 80
