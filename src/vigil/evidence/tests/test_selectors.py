"""The evidence gathered for a proposal: here, nearby and far away; decay by age; false
reports left out; categories; the context that sets the prior; and the queries it takes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.core.authz import Role, ScopeKind
from vigil.evidence import rules, selectors
from vigil.incidents.models import Incident, IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.places.models import Country, SecurityArea
from vigil.risk.models import SecurityLevelReview
from vigil.travel.models import Advisory

DAY = dt.date(2026, 6, 30)


@pytest.fixture
def taxonomy(db):
    ensure_default(IncidentCategory)


def incident(country, *, area=None, days_ago=10, category="crime", sub="",
             verification=Incident.Verification.VERIFIED, on=DAY, **more) -> Incident:
    codes = {c.code: c for c in IncidentCategory.objects.filter(code__in=[category, sub])}
    when = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(days=days_ago)
    return Incident.objects.create(
        category=codes[category], subcategory=codes.get(sub), title=f"{category} test",
        occurred_at=when, country=country, security_area=area, verification=verification,
        **more)


def approve_level(area, level: int) -> SecurityLevelReview:
    officer = get_user_model().objects.create_user(username=f"approver{area.pk}{level}")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ratings = {c: {"likelihood": "likely", "impact": "moderate", "justification": "x"}
               for c in rules.THREAT_CATEGORIES}
    return SecurityLevelReview.objects.create(
        security_area=area, ratings=ratings, derived_level=level, proposed_level=level,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=officer, proposed_at=now,
        decided_by=officer, decided_at=now, next_review_due=dt.date(2027, 1, 1))


def evidence_ids(place, category: str) -> dict[int, bool]:
    """{incident id: counted as a neighbour's} of one category."""
    return {e.incident_id: e.neighbour for e in place.evidence[category]}


def test_here_nearby_and_far_away(cast, taxonomy):
    here = incident(cast.kenya, area=cast.nbi_area)
    same_country = incident(cast.kenya)  # Mombasa, no area
    neighbour_country = incident(cast.somalia)
    far = incident(Country.objects.get(iso2="AF"))
    place = selectors.area_proposals(cast.nbi_area, DAY)
    found = evidence_ids(place, "crime")
    assert found == {here.pk: False, same_country.pk: True, neighbour_country.pk: True}
    assert far.pk not in found
    weights = {e.incident_id: e.weighted for e in place.evidence["crime"]}
    params = place.settings.params
    assert weights[here.pk].place == 1.0
    assert weights[same_country.pk].place == params.neighbour_weight


def test_older_incidents_weigh_less_and_future_or_too_old_ones_are_left_out(cast, taxonomy):
    recent = incident(cast.kenya, area=cast.nbi_area, days_ago=30)
    old = incident(cast.kenya, area=cast.nbi_area, days_ago=int(4 * 365.25))
    later = incident(cast.kenya, area=cast.nbi_area, days_ago=-5)
    beyond = incident(cast.kenya, area=cast.nbi_area, days_ago=int(21 * 365.25))
    place = selectors.area_proposals(cast.nbi_area, DAY)
    weights = {e.incident_id: e.weighted.weight for e in place.evidence["crime"]}
    assert set(weights) == {recent.pk, old.pk}
    assert weights[old.pk] == pytest.approx(0.5, abs=0.01)  # one half-life (4 years)
    assert weights[recent.pk] > 0.98
    assert later.pk not in weights
    assert beyond.pk not in weights


def test_false_reports_are_not_evidence(cast, taxonomy):
    kept = incident(cast.kenya, area=cast.nbi_area, verification=Incident.Verification.DISPUTED)
    false = incident(cast.kenya, area=cast.nbi_area, verification=Incident.Verification.FALSE)
    found = evidence_ids(selectors.area_proposals(cast.nbi_area, DAY), "crime")
    assert kept.pk in found
    assert false.pk not in found


@pytest.mark.parametrize(("category", "sub", "threat"), [
    ("crime", "robbery", "crime"), ("abduction", "kidnapping", "crime"),
    ("civil-unrest", "demonstration", "civil_unrest"), ("road-traffic", "", "hazards"),
    ("armed-conflict", "crossfire", "armed_conflict"), ("terrorism", "ied", "terrorism"),
    ("attack-on-vehicle", "", "crime"),
])
def test_each_incident_counts_for_its_threat_category(cast, taxonomy, category, sub, threat):
    made = incident(cast.kenya, area=cast.nbi_area, category=category, sub=sub)
    place = selectors.area_proposals(cast.nbi_area, DAY)
    assert [c for c, found in place.evidence.items()
            if made.pk in {e.incident_id for e in found}] == [threat]


def test_the_incidents_make_the_proposal(cast, taxonomy):
    quiet = selectors.area_proposals(cast.nbi_area, DAY).proposals["crime"]
    for days in range(0, 360, 30):
        incident(cast.kenya, area=cast.nbi_area, days_ago=days, killed=1)
    busy = selectors.area_proposals(cast.nbi_area, DAY).proposals["crime"]
    assert quiet.likelihood == "very_unlikely"
    assert rules.LIKELIHOODS.index(busy.likelihood) > rules.LIKELIHOODS.index("unlikely")
    assert busy.expected > quiet.expected


def test_record_years_run_from_the_earliest_incident_anywhere(cast, taxonomy):
    assert selectors.record_years(DAY) == 1.0
    incident(Country.objects.get(iso2="AF"), days_ago=int(10 * 365.25))
    assert selectors.record_years(DAY) == pytest.approx(10.0, abs=0.01)


def test_the_security_level_and_the_advisory_set_the_prior(cast, taxonomy):
    bare = selectors.area_proposals(cast.nbi_area, DAY)
    assert (bare.context.security_level, bare.context.advisory) == (None, None)
    approve_level(cast.nbi_area, 4)
    levelled = selectors.area_proposals(cast.nbi_area, DAY)
    assert levelled.context.level == 4
    assert levelled.proposals["crime"].prior_rate > bare.proposals["crime"].prior_rate
    Advisory.objects.create(country=cast.kenya, level=4, title="Do not travel", text="x",
                            issued_on=DAY - dt.timedelta(days=3))
    Advisory.objects.create(country=cast.kenya, level=4, title="Withdrawn", text="x",
                            issued_on=DAY, withdrawn=True)
    advised = selectors.area_proposals(cast.nbi_area, DAY)
    assert advised.context.advisory_level == 4
    assert advised.context.level == 5  # advisory 4 reads as level 5, above level 4
    assert advised.proposals["crime"].expected > levelled.proposals["crime"].expected


def test_an_advisory_not_yet_issued_or_expired_does_not_count(cast, taxonomy):
    Advisory.objects.create(country=cast.kenya, level=3, title="Later", text="x",
                            issued_on=DAY + dt.timedelta(days=1))
    Advisory.objects.create(country=cast.kenya, level=3, title="Over", text="x",
                            issued_on=DAY - dt.timedelta(days=90),
                            valid_until=DAY - dt.timedelta(days=1))
    assert selectors.area_proposals(cast.nbi_area, DAY).context.advisory is None


def test_a_country_proposal_counts_the_whole_country_as_here(cast, taxonomy):
    in_area = incident(cast.kenya, area=cast.nbi_area)
    elsewhere = incident(cast.kenya)
    neighbour = incident(cast.somalia)
    place = selectors.country_proposals(cast.kenya, DAY)
    assert evidence_ids(place, "crime") == {in_area.pk: False, elsewhere.pk: False,
                                            neighbour.pk: True}
    assert place.area is None


def _count_queries(call):
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_an_area_proposal_takes_the_same_queries_whatever_the_incidents(cast, taxonomy):
    selectors.settings_row()
    few = _count_queries(lambda: selectors.area_proposals(cast.nbi_area, DAY))
    for days in range(40):
        incident(cast.kenya, area=cast.nbi_area, days_ago=days * 20,
                 category=["crime", "road-traffic", "civil-unrest"][days % 3])
        incident(cast.somalia, days_ago=days * 11, category="armed-conflict")
    many = _count_queries(lambda: selectors.area_proposals(cast.nbi_area, DAY))
    assert few == many <= 6


def test_the_index_rows_take_the_same_queries_whatever_the_areas(cast, taxonomy):
    selectors.settings_row()
    admin_user = get_user_model().objects.create_user(username="reader")

    def rows():
        areas = list(selectors.areas_in_scope(user=admin_user))
        return selectors.area_rows(areas, DAY)

    from vigil.core.models import RoleGrant
    RoleGrant.objects.create(user=admin_user, role=Role.SECURITY_OFFICER,
                             scope_kind=ScopeKind.GLOBAL, scope_id=None)
    incident(cast.kenya, area=cast.nbi_area)
    one = _count_queries(rows)
    for code in ("MSA", "KSM", "ELD"):
        area = SecurityArea.objects.create(country=cast.kenya, code=code, name=code)
        approve_level(area, 3)
        incident(cast.kenya, area=area)
    SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Mogadishu")
    Advisory.objects.create(country=cast.somalia, level=4, title="x", text="x",
                            issued_on=DAY - dt.timedelta(days=1))
    from vigil.core.authz import forget_grants
    forget_grants(admin_user)
    many = _count_queries(rows)
    assert one == many
    found = {r.area.name: r for r in rows()}
    assert len(found) == 5
    assert found["Mogadishu"].context.advisory_level == 4
    assert found["MSA"].context.security_level == 3


def test_the_index_agrees_with_the_area_page(cast, taxonomy):
    approve_level(cast.nbi_area, 3)
    Advisory.objects.create(country=cast.kenya, level=2, title="x", text="x",
                            issued_on=DAY - dt.timedelta(days=1))
    for days in (5, 200, 900):
        incident(cast.kenya, area=cast.nbi_area, days_ago=days)
    incident(cast.somalia, days_ago=50, category="terrorism", sub="ied")
    area = selectors.areas_in_scope(user=_global_reader()).get(pk=cast.nbi_area.pk)
    row = selectors.area_rows([area], DAY)[0]
    page = selectors.area_proposals(cast.nbi_area, DAY)
    for category in rules.THREAT_CATEGORIES:
        assert row.proposals[category].expected == pytest.approx(
            page.proposals[category].expected)


def _global_reader():
    from vigil.core.models import RoleGrant
    user = get_user_model().objects.create_user(username="global-reader")
    RoleGrant.objects.create(user=user, role=Role.SECURITY_OFFICER,
                             scope_kind=ScopeKind.GLOBAL, scope_id=None)
    return user


def test_evidence_outside_the_viewers_view_is_counted_not_listed(cast, taxonomy, user_with):
    mine = incident(cast.kenya, area=cast.nbi_area)
    theirs = incident(cast.somalia)
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA, cast.nbi_area)
    place = selectors.area_proposals(cast.nbi_area, DAY)
    table = selectors.evidence_tables(officer, place)["crime"]
    assert [e.incident_id for e, _may in table.shown] == [mine.pk]
    assert table.hidden_count == 1
    assert table.hidden_weight == pytest.approx(
        next(e.weighted.weight for e in place.evidence["crime"] if e.incident_id == theirs.pk))


def test_a_withdrawn_level_proposal_is_not_shown_as_a_rating(cast, taxonomy, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA, cast.nbi_area)
    approved = approve_level(cast.nbi_area, 3)
    withdrawn = approve_level(cast.nbi_area, 4)
    SecurityLevelReview.objects.filter(pk=withdrawn.pk).update(
        status=SecurityLevelReview.Status.WITHDRAWN,
        proposed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    reviews = {r.pk for r in selectors.ratings_of(user=officer, area=cast.nbi_area)
               if r.source == "level_review"}
    assert reviews == {approved.pk}
    SecurityLevelReview.objects.filter(pk=withdrawn.pk).update(
        status=SecurityLevelReview.Status.PROPOSED)
    reviews = {r.pk for r in selectors.ratings_of(user=officer, area=cast.nbi_area)
               if r.source == "level_review"}
    assert reviews == {withdrawn.pk}
