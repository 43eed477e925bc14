"""The index's proposals, weighed and summed in the database (selectors.area_rows): the same
as the area page's, weighed in Python, one incident at a time; and the rows read do not grow
with the incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vigil.core.models import RoleGrant
from vigil.core.roles import Role, ScopeKind
from vigil.evidence import rules, selectors
from vigil.evidence.tests.test_selectors import DAY, approve_level, incident
from vigil.incidents.models import Incident, IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.places.models import Country, SecurityArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy(db):
    ensure_default(IncidentCategory)


def _reader():
    user = get_user_model().objects.create_user(username="index-reader")
    RoleGrant.objects.create(user=user, role=Role.SECURITY_OFFICER,
                             scope_kind=ScopeKind.GLOBAL, scope_id=None)
    return user


def _world(cast):
    """Incidents here, elsewhere in the country, next door, far away, harmful or not, false
    reports, beyond the horizon and after the day."""
    approve_level(cast.nbi_area, 3)
    for days in (0, 1, 5, 200, 900, 3000):
        incident(cast.kenya, area=cast.nbi_area, days_ago=days)
    incident(cast.kenya, area=cast.nbi_area, days_ago=40, killed=2)
    incident(cast.kenya, area=cast.nbi_area, days_ago=41, injured=1, category="road-traffic")
    incident(cast.kenya, area=cast.nbi_area, days_ago=42, abducted=1, category="abduction")
    incident(cast.kenya, days_ago=17, category="civil-unrest", sub="riot")
    incident(cast.kenya, days_ago=18, category="armed-conflict", killed=1)
    incident(cast.somalia, days_ago=50, category="terrorism", sub="ied", injured=3)
    incident(cast.somalia, days_ago=60, category="armed-conflict")
    incident(Country.objects.get(iso2="AF"), days_ago=3, category="terrorism")
    incident(cast.kenya, area=cast.nbi_area, days_ago=7,
             verification=Incident.Verification.FALSE)
    incident(cast.kenya, area=cast.nbi_area, days_ago=365 * 30)  # beyond the horizon
    incident(cast.kenya, area=cast.nbi_area, days_ago=-3)  # after the day
    SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Mogadishu")


@pytest.mark.parametrize("severity_weight", [0.0, 1.5])
def test_the_index_gives_the_area_pages_proposals(cast, taxonomy, severity_weight):
    _world(cast)
    settings = selectors.settings_row()
    settings.severity_weight = severity_weight
    settings.save()
    areas = list(selectors.areas_in_scope(user=_reader()))
    rows = {row.area.pk: row for row in selectors.area_rows(areas, DAY, settings=settings)}
    assert len(rows) == 2
    for area in areas:
        page = selectors.area_proposals(area, DAY, settings=settings)
        for category in rules.THREAT_CATEGORIES:
            mine, theirs = rows[area.pk].proposals[category], page.proposals[category]
            assert mine.incidents == len(page.evidence[category])
            assert mine.weighted_count == pytest.approx(theirs.weighted_count, rel=1e-12)
            assert mine.expected == pytest.approx(theirs.expected, rel=1e-12)
            assert mine.confidence == pytest.approx(theirs.confidence, rel=1e-9)
            assert (mine.likelihood, mine.confidence_label, mine.prior_rate,
                    mine.context_level) == (theirs.likelihood, theirs.confidence_label,
                                            theirs.prior_rate, theirs.context_level)
    assert rows[cast.nbi_area.pk].proposals["crime"].incidents >= 7


def test_the_database_decays_each_incident_as_python_does(cast, taxonomy):
    params = rules.Params(half_life_years=3.0)
    for days in (0, 1, 17, 365, 1000, 4000):
        Incident.objects.all().delete()
        incident(cast.kenya, area=cast.nbi_area, days_ago=days)
        groups = selectors._weighed_groups(
            selectors.Q(country__iso2="KE"), DAY, params, [cast.nbi_area.pk])
        assert len(groups) == 1
        occurred = Incident.objects.get().occurred_at.astimezone(dt.UTC).date()
        age = (DAY - occurred).days / rules.DAYS_PER_YEAR
        assert groups[0]["g_decay"] == pytest.approx(rules.decay(age, params.half_life_years),
                                                     rel=1e-15)
        assert groups[0]["g_count"] == 1


def test_the_index_reads_the_same_rows_whatever_the_incidents(cast, taxonomy):
    reader = _reader()
    selectors.settings_row()

    def rows_read() -> tuple[int, int]:
        areas = list(selectors.areas_in_scope(user=reader))
        with CaptureQueriesContext(connection) as captured:
            selectors.area_rows(areas, DAY)
        groups = selectors._weighed_groups(
            selectors.Q(country__iso2__in=["KE", "SO", "ET", "TZ", "UG", "SS"]), DAY,
            selectors.settings_row().params, [a.pk for a in areas])
        return len(captured), len(groups)

    incident(cast.kenya, area=cast.nbi_area, days_ago=3)
    incident(cast.somalia, days_ago=4, category="armed-conflict")
    few_queries, few_groups = rows_read()
    for days in range(60):
        incident(cast.kenya, area=cast.nbi_area, days_ago=days * 7)
        incident(cast.somalia, days_ago=days * 5, category="armed-conflict")
    many_queries, many_groups = rows_read()
    assert few_queries == many_queries
    assert few_groups == many_groups == 2


def test_the_index_page_reads_its_areas(client, cast, taxonomy, user_with):
    _world(cast)
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(officer)
    html = client.get(reverse("evidence:index")).content.decode()
    assert "Greater Nairobi" in html
    assert "Mogadishu" not in html  # outside the officer's scope


def test_a_database_other_than_the_two_vigil_supports_is_refused_by_name():
    """The decay is written for PostgreSQL and SQLite (as_postgresql, as_sqlite); any other
    database is told so by name instead of getting SQL it cannot run."""
    from django.db import NotSupportedError
    from django.db.models import F
    from django.db.models.sql.compiler import SQLCompiler
    from django.db.models.sql.query import Query

    decay = selectors._Decay(F("occurred_at"), dt.date(2026, 12, 7), 2.0)
    compiler = SQLCompiler(Query(Incident), connection, "default")
    with pytest.raises(NotSupportedError, match="PostgreSQL or SQLite"):
        decay.as_sql(compiler, connection)
