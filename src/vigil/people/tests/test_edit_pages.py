"""The create-and-edit pages of every kind of record: saved through services, faults beside
fields, a stale version refused, the scope enforced."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import DutyStation


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


@pytest.mark.parametrize("url", [
    "/places/duty-stations/new/", "/places/premises/new/", "/places/security-areas/new/",
    "/people/organizations/new/", "/people/personnel/new/",
])
def test_create_pages_open_for_the_administrator(cast, admin, client, url):
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_duty_station_edit_saves_and_keeps_the_code(cast, admin, client):
    client.force_login(admin)
    response = client.post(f"/places/duty-stations/{cast.mombasa.pk}/edit/", {
        "version": 1, "code": "HACKED", "name": "Mombasa Port", "country": cast.kenya.pk,
        "kind": "field", "latitude": "-4.04", "longitude": "39.67",
        "time_zone": "Africa/Nairobi", "is_active": "on"})
    assert response.status_code == 302
    station = DutyStation.objects.get(pk=cast.mombasa.pk)
    assert (station.code, station.name, station.version) == ("KE-MBA", "Mombasa Port", 2)


def test_stale_edit_is_refused_with_a_message_and_nothing_saved(cast, admin, client):
    client.force_login(admin)
    DutyStation.objects.filter(pk=cast.mombasa.pk).update(version=2)
    response = client.post(f"/places/duty-stations/{cast.mombasa.pk}/edit/", {
        "version": 1, "name": "Mine", "country": cast.kenya.pk, "kind": "field",
        "latitude": "-4", "longitude": "39", "time_zone": "Africa/Nairobi"})
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert DutyStation.objects.get(pk=cast.mombasa.pk).name == "Mombasa"


def test_bad_time_zone_is_shown_beside_its_field(cast, admin, client):
    client.force_login(admin)
    response = client.post("/places/duty-stations/new/", {
        "code": "KE-NEW", "name": "New", "country": cast.kenya.pk, "kind": "field",
        "latitude": "0", "longitude": "36", "time_zone": "Mars/Olympus"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not an IANA time zone" in page
    assert not DutyStation.objects.filter(code="KE-NEW").exists()


def test_person_created_through_the_page(cast, admin, client):
    client.force_login(admin)
    response = client.post("/people/personnel/new/", {
        "index_number": "40000001", "family_name": "Okafor", "organization": cast.undp.pk,
        "category": "consultant", "duty_station": cast.nairobi.pk, "status": "active",
        "phones": "+234 1 2345678\n+234 1 7654321"})
    assert response.status_code == 302
    assert Person.objects.get(index_number="40000001").phones == ["+234 1 2345678",
                                                                  "+234 1 7654321"]


def test_scoped_administrator_cannot_open_organization_creation(cast, user_with, client):
    client.force_login(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    assert client.get("/people/organizations/new/").status_code == 403
    assert not Organization.objects.filter(code="X").exists()


def test_traveller_adds_own_dependant_but_not_anothers(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER, person=cast.amina))
    response = client.post(f"/people/personnel/{cast.amina.pk}/dependants/new/", {
        "family_name": "Achieng", "given_name": "Baby", "relationship": "child",
        "lives_with_staff_member": "on", "status": "active"})
    assert response.status_code == 302
    assert Dependant.objects.filter(person=cast.amina, given_name="Baby").exists()
    assert client.get(f"/people/personnel/{cast.omar.pk}/dependants/new/").status_code == 404


def test_each_gated_list_asks_for_sign_in_then_for_its_right(cast, admin, client, user_with):
    pages = ["/people/personnel/", "/people/personnel/import/", "/people/dependants/",
             "/places/premises/", "/places/duty-stations/import/"]
    for url in pages:
        assert client.get(url).status_code == 302, url  # to the sign-in page
    client.force_login(user_with())  # signed in, holding no role
    for url in pages:
        assert client.get(url).status_code == 403, url
    client.force_login(admin)
    for url in pages:
        assert client.get(url).status_code == 200, url
