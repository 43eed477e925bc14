"""Security areas through the pages and the API: boundaries validated, scope enforced."""

from __future__ import annotations

import json

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.places.models import SecurityArea

SQUARE = {"type": "Polygon", "coordinates": [[[36.6, -1.5], [37.0, -1.5], [37.0, -1.1],
                                              [36.6, -1.1], [36.6, -1.5]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def test_officer_creates_an_area_with_a_boundary(cast, officer, client):
    client.force_login(officer)
    response = client.post("/places/security-areas/new/", {
        "country": cast.kenya.pk, "code": "MBA", "name": "Coast",
        "boundary": json.dumps(SQUARE)})
    assert response.status_code == 302
    area = SecurityArea.objects.get(code="MBA")
    assert area.boundary == SQUARE
    assert AuditEvent.objects.filter(action="places.security_area.create").exists()
    page = client.get(f"/places/security-areas/{area.pk}/").content.decode()
    assert 'id="area-boundary"' in page


@pytest.mark.parametrize(("boundary", "message"), [
    (BOWTIE, "not a valid polygon"),
    ({"type": "Point", "coordinates": [36.8, -1.3]}, "Polygon or MultiPolygon"),
    ({"type": "Polygon", "coordinates": [[[200, 0], [201, 1], [201, 0], [200, 0]]]},
     "outside WGS84"),
    # shapely would close it silently: RFC 7946 asks the last position to be the first.
    ({"type": "Polygon", "coordinates": [[[36.6, -1.5], [37.0, -1.5], [37.0, -1.1],
                                          [36.6, -1.1]]]}, "Ring 1 is not closed"),
])
def test_bad_boundary_is_refused_beside_the_field(cast, officer, client, boundary, message):
    client.force_login(officer)
    response = client.post("/places/security-areas/new/", {
        "country": cast.kenya.pk, "code": "BAD", "name": "Bad", "boundary": json.dumps(boundary)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SecurityArea.objects.filter(code="BAD").exists()


def test_area_in_another_country_is_refused(cast, officer, client, api):
    client.force_login(officer)
    assert client.post("/places/security-areas/new/", {
        "country": cast.somalia.pk, "code": "MGQ", "name": "Mogadishu"}).status_code == 403
    response = api(officer).post("/api/v1/security-areas/", {
        "country": "SO", "code": "MGQ", "name": "Mogadishu"}, format="json")
    assert response.status_code == 403
    assert not SecurityArea.objects.filter(code="MGQ").exists()


def test_area_edit_keeps_country_and_code_and_checks_version(cast, officer, api):
    client = api(officer)
    url = f"/api/v1/security-areas/{cast.nbi_area.pk}/"
    renamed = client.patch(url, {"name": "Nairobi", "version": 1}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Nairobi"
    recoded = client.patch(url, {"code": "XX", "version": 2}, format="json")
    assert recoded.status_code == 400
    assert recoded.json()["errors"][0]["field"] == "code"
    assert client.patch(url, {"name": "Old", "version": 1}, format="json").status_code == 409


def test_area_list_search_and_station_counts(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    page = client.get("/places/security-areas/?country=KE").content.decode()
    assert "Greater Nairobi" in page
    assert client.get(f"/places/security-areas/{cast.nbi_area.pk}/edit/").status_code == 403


def test_duty_station_page_shows_local_time_with_zone(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    page = client.get(f"/places/duty-stations/{cast.nairobi.pk}/").content.decode()
    assert "EAT (UTC+0300)" in page
