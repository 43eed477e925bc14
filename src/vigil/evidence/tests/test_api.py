"""The API of the proposals and the settings: good requests, bad parameters, scope."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.evidence import rules, selectors
from vigil.evidence.tests.test_selectors import incident
from vigil.incidents.models import IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.places.models import SecurityArea

URL = "/api/v1/evidence/proposals/"
SETTINGS = "/api/v1/evidence/settings/"


@pytest.fixture
def world(cast):
    ensure_default(IncidentCategory)
    return {"mine": incident(cast.kenya, area=cast.nbi_area, days_ago=3),
            "theirs": incident(cast.somalia, days_ago=5),
            "other": SecurityArea.objects.create(country=cast.somalia, code="MGQ",
                                                 name="Mogadishu")}


def test_the_proposals_of_an_area_with_their_evidence(api, cast, world, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA, cast.nbi_area)
    response = api(officer).get(URL, {"area": cast.nbi_area.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["security_area"] == cast.nbi_area.pk
    assert body["country"] == "KE"
    assert [p["category"] for p in body["proposals"]] == list(rules.THREAT_CATEGORIES)
    crime = body["proposals"][2]
    assert crime["likelihood"] in rules.LIKELIHOODS
    assert crime["incidents"] == 2
    assert [e["incident"] for e in crime["evidence"]] == [world["mine"].pk]
    assert crime["evidence"][0]["neighbour"] is False
    assert crime["outside_view_count"] == 1
    assert crime["url"].endswith("#crime")


def test_the_proposals_of_a_country(api, cast, world, user_with):
    reader = user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL, None)
    body = api(reader).get(URL, {"country": "ke"}).json()
    assert body["security_area"] is None
    assert body["proposals"][2]["incidents"] == 2


@pytest.mark.parametrize(("query", "field"), [
    ({}, "area"), ({"area": "x"}, "area"), ({"country": "KEN"}, "country"),
    ({"area": "1", "country": "KE"}, "country")])
def test_bad_parameters_are_named(api, cast, world, user_with, query, field):
    reader = user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL, None)
    response = api(reader).get(URL, query)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_place_outside_the_scope_is_not_found(api, cast, world, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert api(officer).get(URL, {"area": world["other"].pk}).status_code == 404
    assert api(officer).get(URL, {"area": 99999}).status_code == 404
    assert api(officer).get(URL, {"country": "SO"}).status_code == 404


def test_people_who_do_not_read_risk_are_refused(api, cast, world, user_with):
    traveller = user_with(Role.TRAVELLER, ScopeKind.GLOBAL, None)
    assert api(traveller).get(URL, {"area": cast.nbi_area.pk}).status_code == 403
    assert api(traveller).get(SETTINGS).status_code == 403
    assert api(None).get(SETTINGS).status_code in (401, 403)


def test_readers_read_the_settings_and_only_a_global_administrator_changes_them(
        api, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    body = api(officer).get(SETTINGS).json()
    assert body["half_life_years"] == 4.0
    assert body["step_bounds"] == [0.1, 0.3, 0.6, 0.9]
    version = body["version"]
    assert api(officer).patch(SETTINGS, {"half_life_years": 2, "version": version},
                              format="json").status_code == 403
    admin = user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)
    response = api(admin).patch(SETTINGS, {"half_life_years": 2, "version": version},
                                format="json")
    assert response.status_code == 200
    assert response.json()["half_life_years"] == 2.0
    assert selectors.settings_row().half_life_years == 2.0
    stale = api(admin).patch(SETTINGS, {"half_life_years": 3, "version": version},
                             format="json")
    assert stale.status_code == 409


@pytest.mark.parametrize(("data", "field"), [
    ({"half_life_years": 100}, "half_life_years"), ({"half_life_years": "x"}, "half_life_years"),
    ({"step_bounds": [0.1, 0.2]}, "step_bounds"), ({}, "version")])
def test_bad_settings_are_named(api, cast, user_with, data, field):
    admin = user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)
    payload = {"version": selectors.settings_row().version, **data}
    if field == "version":
        payload.pop("version")
    response = api(admin).patch(SETTINGS, payload, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
