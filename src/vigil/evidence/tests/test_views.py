"""The evidence pages per role and scope: readers of risk in scope see them; others are
refused; incidents outside the viewer's view are counted, never listed; the settings are
read by every reader of risk and changed by a global administrator only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.evidence import selectors
from vigil.evidence.tests.test_selectors import approve_level, incident
from vigil.incidents.models import IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.places.models import SecurityArea


@pytest.fixture
def world(cast):
    ensure_default(IncidentCategory)
    mine = incident(cast.kenya, area=cast.nbi_area, days_ago=3, place="Westlands")
    theirs = incident(cast.somalia, days_ago=5, place="Mogadishu port")
    other = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Mogadishu")
    return {"mine": mine, "theirs": theirs, "other": other}


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "kind"), [
    (Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA), (Role.SECURITY_OFFICER, ScopeKind.COUNTRY),
    (Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY), (Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL)])
def test_readers_of_risk_in_scope_see_the_index_and_the_area(client, cast, world, user_with,
                                                            role, kind):
    signed_in(client, user_with(role, kind, cast.scope(kind)))
    index = client.get(reverse("evidence:index"))
    assert index.status_code == 200
    assert "Greater Nairobi" in index.content.decode()
    page = client.get(reverse("evidence:area", args=[cast.nbi_area.pk]))
    assert page.status_code == 200
    assert 'id="crime"' in page.content.decode()


def test_the_index_lists_only_areas_in_scope_and_filters_by_country(client, cast, world,
                                                                   user_with):
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    text = client.get(reverse("evidence:index")).content.decode()
    assert "Greater Nairobi" in text
    assert "Mogadishu</a>" not in text
    signed_in(client, user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL, None))
    text = client.get(reverse("evidence:index"), {"country": "SO"}).content.decode()
    assert "Mogadishu</a>" in text
    assert "Greater Nairobi" not in text
    cell = reverse("evidence:area", args=[world["other"].pk]) + "#crime"
    assert cell in text


def test_an_area_outside_the_scope_is_not_found(client, cast, world, user_with):
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(reverse("evidence:area", args=[world["other"].pk])).status_code == 404
    assert client.get(reverse("evidence:area", args=[99999])).status_code == 404
    assert client.get(reverse("evidence:country", args=["SO"])).status_code == 404
    assert client.get(reverse("evidence:country", args=["KE"])).status_code == 200


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.TRAINING_OFFICER, None])
def test_people_who_do_not_read_risk_are_refused(client, cast, world, user_with, role):
    signed_in(client, user_with(role, ScopeKind.GLOBAL, None))
    for url in (reverse("evidence:index"), reverse("evidence:area", args=[cast.nbi_area.pk]),
                reverse("evidence:settings")):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, cast, world):
    response = client.get(reverse("evidence:index"))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_incidents_outside_the_view_are_counted_not_listed(client, cast, world, user_with):
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA, cast.nbi_area))
    text = client.get(reverse("evidence:area", args=[cast.nbi_area.pk])).content.decode()
    assert reverse("incidents:incident_detail", args=[world["mine"].pk]) in text
    assert "Westlands" in text
    assert reverse("incidents:incident_detail", args=[world["theirs"].pk]) not in text
    assert "Mogadishu port" not in text
    assert "1 more incident outside your view" in text


def test_the_area_page_shows_the_context_and_the_ratings_beside_the_proposal(
        client, cast, world, user_with):
    approve_level(cast.nbi_area, 4)  # rates every category "likely"
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    response = client.get(reverse("evidence:area", args=[cast.nbi_area.pk]))
    text = response.content.decode()
    assert "4 · Substantial" in text
    assert "Rated in the level review" in text
    proposal = selectors.area_proposals(cast.nbi_area, response.context["place"].day)
    section = next(s for s in response.context["sections"] if s["key"] == "crime")
    assert section["step"]["key"] == proposal.proposals["crime"].likelihood
    assert section["ratings"][0]["step"]["key"] == "likely"


def test_the_menu_offers_the_proposals_to_readers_of_risk(client, cast, user_with):
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert reverse("evidence:index") in client.get("/").content.decode()
    signed_in(client, user_with(Role.TRAVELLER, ScopeKind.GLOBAL, None))
    assert reverse("evidence:index") not in client.get("/").content.decode()


# --- Settings ---------------------------------------------------------------------------------

def test_readers_of_risk_see_the_settings_without_a_form(client, cast, user_with):
    signed_in(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    response = client.get(reverse("evidence:settings"))
    assert response.status_code == 200
    assert "<form method=\"post\" class=\"stack card\"" not in response.content.decode()
    assert client.post(reverse("evidence:settings"), {"half_life_years": 2}).status_code == 403


def test_a_country_administrator_may_not_change_them(client, cast, user_with):
    signed_in(client, user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    assert client.post(reverse("evidence:settings"), {"half_life_years": 2}).status_code == 403


def _form(**changes):
    row = selectors.settings_row()
    data = {"version": row.version, "half_life_years": 4, "severity_weight": 0,
            "neighbour_weight": 0.05, "horizon_years": 20, "prior_years": 1,
            "step_bounds": "0.1, 0.3, 0.6, 0.9", "level_prior": "0.02, 0.05, 0.15, 0.4, 1, 2.5"}
    data.update(changes)
    return data


def test_a_global_administrator_changes_them(client, cast, user_with):
    signed_in(client, user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None))
    response = client.post(reverse("evidence:settings"), _form(half_life_years=3))
    assert response.status_code == 302
    assert selectors.settings_row().half_life_years == 3


@pytest.mark.parametrize(("field", "value", "message"), [
    ("half_life_years", "100", "The half-life must be between 0.25 and 50 years."),
    ("half_life_years", "soon", "Enter a number."),
    ("neighbour_weight", "2", "The neighbour weight must be between 0 and 1."),
    ("step_bounds", "0.9, 0.3, 0.6, 0.1", "Give four step bounds, rising, each between 0 and 1."),
    ("level_prior", "1, 2", "Give 6 numbers, separated by commas."),
])
def test_bad_input_stands_beside_its_field(client, cast, user_with, field, value, message):
    signed_in(client, user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None))
    before = selectors.settings_row().version
    response = client.post(reverse("evidence:settings"), _form(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'href="#id_{field}"' in response.content.decode()
    assert selectors.settings_row().version == before


def test_a_stale_version_is_refused(client, cast, user_with):
    signed_in(client, user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None))
    response = client.post(reverse("evidence:settings"), _form(version=0, half_life_years=3))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert selectors.settings_row().half_life_years == 4


def test_the_index_takes_the_same_queries_for_more_areas_and_incidents(client, cast, world,
                                                                      user_with):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL, None))
    client.get(reverse("evidence:index"))  # settings rows warmed

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("evidence:index")).status_code == 200
        return len(queries)

    few = count()
    for code in ("MSA", "KSM", "ELD", "NKR"):
        area = SecurityArea.objects.create(country=cast.kenya, code=code, name=code)
        approve_level(area, 2)
        incident(cast.kenya, area=area, days_ago=40)
        incident(cast.somalia, days_ago=80, category="terrorism", sub="ied")
    assert count() == few
