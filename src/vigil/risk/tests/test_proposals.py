"""Evidence-based likelihood proposals beside the officer's ratings: kept when a level is
proposed or resubmitted and when a risk is saved, the rating kept as rated and the difference
shown in words; nothing without a source; never taken from the client; on the forms, the
detail pages and the API. A fake source stands in for the evidence app's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import ValidationFailed
from vigil.core.models import AuditEvent
from vigil.risk import proposals, rules, services
from vigil.risk.models import RiskEntry

PROPOSED = {"armed_conflict": "very_unlikely", "terrorism": "unlikely", "crime": "likely",
            "civil_unrest": "moderately_likely", "hazards": "unlikely"}
TODAY = dt.date(2026, 11, 28)
ENTRY = {"threat_category": "crime", "description": "Car-jacking on the airport road",
         "at_risk": "personnel", "likelihood": "likely", "impact": "severe",
         "mitigation": "Convoys after dark.", "moss_categories": ["vehicles"],
         "residual_likelihood": "unlikely", "residual_impact": "severe", "response": "control"}


class FakeSource:
    """Proposes PROPOSED for every area, with the evidence list risk must not keep."""

    def __init__(self) -> None:
        self.steps = dict(PROPOSED)
        self.asked: list[tuple[int, tuple[str, ...], dt.date]] = []

    def __call__(self, area, categories, on):
        self.asked.append((area.pk, tuple(categories), on))
        return {c: {"likelihood": self.steps[c], "expected": 2.44, "chance": 0.91,
                    "confidence": 0.62, "confidence_label": "medium", "incidents": 7,
                    "weighted_count": 5.5, "context_level": 4, "computed_on": on,
                    "method": "gamma-poisson", "url": f"/evidence/{area.pk}/{c}/",
                    "evidence": [{"incident": 1, "weight": 0.8}]}
                for c in categories if c in self.steps}


@pytest.fixture
def source(monkeypatch):
    """The fake source alone in the registry (the evidence app's own set aside), removed
    after the test."""
    monkeypatch.setattr(proposals, "_sources", [])
    fake = FakeSource()
    proposals.register(fake)
    yield fake
    proposals.unregister(fake)
    assert not proposals._sources


@pytest.fixture
def no_source(monkeypatch):
    monkeypatch.setattr(proposals, "_sources", [])


def ratings(likelihood="likely", impact="moderate", **overrides):
    base = {c: {"likelihood": likelihood, "impact": impact, "justification": "Reports."}
            for c in rules.THREAT_CATEGORIES}
    base.update(overrides)
    return base


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so")


@pytest.fixture
def dro(cast, user_with):
    return user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="dro")


def _propose(cast, officer, **overrides):
    return services.security_level_propose(actor=officer, area=cast.nbi_area,
                                           ratings=ratings(**overrides), proposed_level=4)


def _sra(cast, officer, area=True):
    return services.sra_create(actor=officer, data={
        "country": cast.kenya, "security_area": cast.nbi_area if area else None,
        "title": "Nairobi SRA", "valid_from": TODAY, "valid_until": TODAY + dt.timedelta(days=365),
        "review_due": TODAY + dt.timedelta(days=180)})


def _entry(officer, sra, **changes):
    sra.refresh_from_db()
    return services.risk_entry_save(actor=officer, sra=sra, data={**ENTRY, **changes},
                                    version=sra.version)


# --- Rules of the difference -------------------------------------------------------------------

@pytest.mark.parametrize(("rating", "proposed", "steps"), [
    ("likely", "unlikely", 2), ("unlikely", "likely", -2), ("very_likely", "very_unlikely", 4),
    ("very_unlikely", "unlikely", -1), ("moderately_likely", "moderately_likely", 0),
])
def test_difference_counts_steps_above_and_below(rating, proposed, steps):
    assert proposals.difference(rating, {"likelihood": proposed}) == steps
    shown = proposals.shown({"likelihood": proposed}, rating)
    assert (shown["above"], shown["below"], shown["matches"]) == (
        max(steps, 0), max(-steps, 0), steps == 0)


def test_no_proposal_no_difference():
    assert proposals.difference("likely", None) is None
    assert proposals.difference("likely", {}) is None
    assert proposals.difference("likely", {"likelihood": "sometimes"}) is None
    assert proposals.shown({}, "likely") is None


def test_kept_drops_the_evidence_list_and_writes_the_day_as_iso(source, cast):
    kept = proposals.kept(proposals.propose(cast.nbi_area, ["crime"], TODAY)["crime"])
    assert "evidence" not in kept
    assert kept["computed_on"] == "2026-11-28"
    assert kept["url"] == f"/evidence/{cast.nbi_area.pk}/crime/"


# --- Security level reviews -------------------------------------------------------------------

def test_proposing_keeps_each_categorys_proposal_beside_the_rating(source, cast, officer):
    review = _propose(cast, officer)
    review.refresh_from_db()
    for category, step in PROPOSED.items():
        assert review.ratings[category]["likelihood"] == "likely"  # the officer's, as rated
        kept = review.ratings[category]["proposal"]
        assert kept["likelihood"] == step
        assert kept["computed_on"] == timezone.localdate().isoformat()
        assert "evidence" not in kept
    assert source.asked == [(cast.nbi_area.pk, rules.THREAT_CATEGORIES, timezone.localdate())]
    event = AuditEvent.objects.get(action="risk.security_level.propose")
    assert event.changes["ratings"][1]["terrorism"]["proposal"]["likelihood"] == "unlikely"
    assert review.derived_level == 4  # the proposal does not enter the derivation


def test_resubmitting_keeps_the_proposal_of_that_day(source, cast, officer, dro):
    review = _propose(cast, officer)
    review = services.security_level_return(actor=dro, review=review, comment="Check crime.",
                                            version=review.version)
    source.steps["crime"] = "very_likely"
    review = services.security_level_resubmit(
        actor=officer, review=review, ratings=ratings(), proposed_level=4,
        version=review.version)
    review.refresh_from_db()
    assert review.ratings["crime"]["likelihood"] == "likely"
    assert review.ratings["crime"]["proposal"]["likelihood"] == "very_likely"
    assert proposals.difference("likely", review.ratings["crime"]["proposal"]) == -1
    event = AuditEvent.objects.get(action="risk.security_level.resubmit")
    before, after = event.changes["ratings"]
    assert (before["crime"]["proposal"]["likelihood"],
            after["crime"]["proposal"]["likelihood"]) == ("likely", "very_likely")


def test_without_a_source_nothing_is_kept(no_source, cast, officer):
    review = _propose(cast, officer)
    review.refresh_from_db()
    assert all("proposal" not in r for r in review.ratings.values())
    sra = _sra(cast, officer)
    assert _entry(officer, sra).proposal == {}


def test_a_proposal_sent_with_the_ratings_is_refused(source, cast, officer):
    forged = ratings(crime={"likelihood": "likely", "impact": "moderate",
                            "justification": "Reports.",
                            "proposal": {"likelihood": "likely", "expected": 9}})
    with pytest.raises(ValidationFailed) as failure:
        services.security_level_propose(actor=officer, area=cast.nbi_area, ratings=forged,
                                        proposed_level=4)
    assert [e.field for e in failure.value.errors] == ["ratings.crime.proposal"]


def test_ratings_without_a_proposal_are_accepted_as_before(source, cast, officer):
    review = _propose(cast, officer, hazards={"likelihood": "unlikely", "impact": "minor",
                                              "justification": "Dry season."})
    assert review.ratings["hazards"]["impact"] == "minor"


# --- Risk register ---------------------------------------------------------------------------

def test_saving_a_risk_keeps_the_proposal_for_its_category(source, cast, officer):
    sra = _sra(cast, officer)
    entry = _entry(officer, sra)
    entry.refresh_from_db()
    assert entry.proposal["likelihood"] == "likely"
    assert source.asked[-1][1] == ("crime",)
    event = AuditEvent.objects.filter(action="risk.sra.entry_save").latest("seq")
    assert event.changes["proposal"][1]["likelihood"] == "likely"

    sra.refresh_from_db()
    entry = services.risk_entry_save(actor=officer, sra=sra, entry=entry, version=sra.version,
                                     data={"threat_category": "terrorism"})
    entry.refresh_from_db()
    assert entry.likelihood == "likely"  # the officer's rating stays
    assert entry.proposal["likelihood"] == "unlikely"
    assert proposals.difference(entry.likelihood, entry.proposal) == 2
    event = AuditEvent.objects.filter(action="risk.sra.entry_save").latest("seq")
    assert [p["likelihood"] for p in event.changes["proposal"]] == ["likely", "unlikely"]


def test_a_country_wide_assessment_has_no_proposal(source, cast, officer):
    sra = _sra(cast, officer, area=False)
    assert _entry(officer, sra).proposal == {}
    assert source.asked == []


def test_a_proposal_sent_with_a_risk_is_refused(source, cast, officer):
    sra = _sra(cast, officer)
    with pytest.raises(ValidationFailed) as failure:
        _entry(officer, sra, proposal={"likelihood": "very_unlikely"})
    assert [e.field for e in failure.value.errors] == ["proposal"]
    assert not RiskEntry.objects.exists()


# --- Pages ------------------------------------------------------------------------------------

def test_the_level_form_shows_each_proposal_beside_its_likelihood(source, cast, officer,
                                                                  client):
    client.force_login(officer)
    page = client.get(f"/risk/areas/{cast.nbi_area.pk}/propose/").content.decode()
    assert page.count('class="proposal"') == 5
    assert 'data-proposal-for="id_crime_likelihood"' in page
    assert "The evidence proposes:" in page
    assert "expected 2.4 incidents in the next 12 months" in page
    assert "confidence: medium" in page
    assert f'href="/evidence/{cast.nbi_area.pk}/crime/">see the evidence' in page
    assert ('data-use-proposal="likely" data-target="id_crime_likelihood" hidden>'
            "Use the proposal: Likely") in page
    assert "risk/proposals.js" in page
    # Nothing is filled in for the officer.
    assert '<option value="likely" selected>' not in page


def test_without_a_source_the_forms_say_nothing(no_source, cast, officer, client):
    client.force_login(officer)
    page = client.get(f"/risk/areas/{cast.nbi_area.pk}/propose/").content.decode()
    assert 'class="proposal"' not in page
    assert "The evidence proposes" not in page
    assert "data-use-proposal" not in page
    sra = _sra(cast, officer)
    page = client.get(f"/risk/sras/{sra.pk}/risks/new/").content.decode()
    assert 'class="proposal"' not in page
    assert "The evidence proposes" not in page


def test_the_level_page_shows_the_kept_proposal_and_the_difference(source, cast, officer,
                                                                   client):
    review = _propose(cast, officer, hazards={"likelihood": "very_unlikely",
                                              "impact": "moderate", "justification": "Dry."})
    source.steps["crime"] = "very_unlikely"  # today's evidence does not change what was kept
    client.force_login(officer)
    page = client.get(f"/risk/levels/{review.pk}/").content.decode()
    assert "Evidence proposed: Likely" in page  # crime, as kept
    assert "matches the proposal" in page
    assert "3 steps above the proposal" in page  # armed conflict: likely against very unlikely
    assert "2 steps above the proposal" in page  # terrorism
    assert "1 step above the proposal" in page  # civil unrest
    assert "1 step below the proposal" in page  # hazards: very unlikely against unlikely


def test_the_risk_form_shows_the_proposal_of_the_chosen_category(source, cast, officer,
                                                                 client):
    sra = _sra(cast, officer)
    client.force_login(officer)
    page = client.get(f"/risk/sras/{sra.pk}/risks/new/").content.decode()
    assert page.count('class="proposal"') == 5  # no category chosen yet: each, named
    assert "The evidence proposes for Crime:" in page
    assert " hidden>\n<p" not in page
    entry = _entry(officer, sra)
    page = client.get(f"/risk/sras/{sra.pk}/risks/{entry.pk}/").content.decode()
    assert 'data-category="crime">' in page  # shown
    assert 'data-category="terrorism" hidden>' in page  # the others wait for the script


def test_the_register_shows_the_kept_proposal_beside_the_rating(source, cast, officer,
                                                                client):
    sra = _sra(cast, officer)
    _entry(officer, sra)
    _entry(officer, sra, threat_category="terrorism", description="Attack on a hotel")
    client.force_login(officer)
    page = client.get(f"/risk/sras/{sra.pk}/").content.decode()
    assert "Evidence proposed: Likely" in page
    assert "matches the proposal" in page
    assert "2 steps above the proposal" in page
    assert f'href="/evidence/{cast.nbi_area.pk}/terrorism/"' in page


def test_a_register_without_proposals_shows_none(no_source, cast, officer, client):
    sra = _sra(cast, officer)
    _entry(officer, sra)
    client.force_login(officer)
    page = client.get(f"/risk/sras/{sra.pk}/").content.decode()
    assert "Evidence proposed" not in page
    assert "the proposal" not in page


# --- API --------------------------------------------------------------------------------------

def test_api_shows_the_kept_proposal_and_the_difference(source, cast, officer, api):
    response = api(officer).post("/api/v1/security-levels/", {
        "security_area": cast.nbi_area.pk, "ratings": ratings(), "proposed_level": 4},
        format="json")
    assert response.status_code == 201, response.json()
    crime = response.json()["ratings"]["crime"]
    assert crime["likelihood"] == "likely"
    assert crime["proposal"]["likelihood"] == "likely"
    assert crime["proposal"]["expected"] == 2.44
    assert crime["proposal_difference"] == 0
    assert response.json()["ratings"]["armed_conflict"]["proposal_difference"] == 3

    sra = _sra(cast, officer)
    response = api(officer).post(f"/api/v1/sras/{sra.pk}/entries/",
                                 {**ENTRY, "threat_category": "hazards",
                                  "likelihood": "very_unlikely", "version": sra.version,
                                  "proposal": {"likelihood": "very_unlikely"}},
                                 format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["proposal"]["likelihood"] == "unlikely"  # the evidence's, not the client's
    assert data["proposal_difference"] == -1
    listed = api(officer).get(f"/api/v1/sras/{sra.pk}/").json()["entries"][0]
    assert (listed["proposal"]["url"], listed["proposal_difference"]) == (
        f"/evidence/{cast.nbi_area.pk}/hazards/", -1)


@pytest.mark.parametrize("forged", ["likely", {"likelihood": "likely", "expected": 9}])
def test_api_refuses_a_proposal_in_the_ratings(source, cast, officer, api, forged):
    sent = ratings(crime={"likelihood": "likely", "impact": "moderate",
                          "justification": "Reports.", "proposal": forged})
    response = api(officer).post("/api/v1/security-levels/", {
        "security_area": cast.nbi_area.pk, "ratings": sent, "proposed_level": 4},
        format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["ratings.crime.proposal"]


def test_api_without_a_source_gives_null(no_source, cast, officer, api):
    review = _propose(cast, officer)
    data = api(officer).get(f"/api/v1/security-levels/{review.pk}/").json()
    assert data["ratings"]["crime"]["proposal"] is None
    assert data["ratings"]["crime"]["proposal_difference"] is None
    sra = _sra(cast, officer)
    _entry(officer, sra)
    entry = api(officer).get(f"/api/v1/sras/{sra.pk}/").json()["entries"][0]
    assert (entry["proposal"], entry["proposal_difference"]) == (None, None)
