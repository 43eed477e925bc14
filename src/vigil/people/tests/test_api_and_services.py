"""API and services for places and people: writes, validation, optimistic locking, errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import ApiToken, AuditEvent
from vigil.people.models import Person


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


def test_create_person_through_api_is_audited(cast, admin, api):
    response = api(admin).post("/api/v1/personnel/", {
        "index_number": "30000001", "family_name": "Diallo", "organization": "WFP",
        "category": "consultant", "duty_station": "KE-MBA", "phones": ["+254 41 2223333"],
        "emergency_contacts": [{"name": "Awa Diallo", "relationship": "Sister",
                                "phone": "+221 33 8000000"}]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["personal_data"]["emergency_contacts"][0]["name"] == "Awa Diallo"
    assert AuditEvent.objects.filter(action="people.person.create",
                                     object_id=str(body["id"])).exists()


def test_validation_errors_are_structured_and_name_the_field(cast, admin, api):
    response = api(admin).post("/api/v1/duty-stations/", {
        "code": "KE-NEW", "name": "New", "country": "KE", "latitude": 95, "longitude": 10,
        "time_zone": "Nowhere/Here"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} >= {"latitude"}


def test_service_validation_reaches_the_api_as_field_errors(cast, admin, api):
    response = api(admin).post("/api/v1/duty-stations/", {
        "code": "KE-NEW", "name": "New", "country": "KE", "latitude": 1, "longitude": 10,
        "time_zone": "Nowhere/Here"}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["time_zone"]


def test_area_of_another_country_is_refused(cast, admin, api):
    response = api(admin).post("/api/v1/duty-stations/", {
        "code": "SO-NEW", "name": "New", "country": "SO", "latitude": 1, "longitude": 45,
        "time_zone": "Africa/Mogadishu", "security_area": cast.nbi_area.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "security_area"


def test_stale_version_is_refused_with_409(cast, admin, api):
    client = api(admin)
    url = f"/api/v1/duty-stations/{cast.mombasa.pk}/"
    assert client.patch(url, {"name": "Mombasa 1", "version": 1},
                        format="json").status_code == 200
    stale = client.patch(url, {"name": "Mombasa 2", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    missing = client.patch(url, {"name": "Mombasa 3"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "version"


def test_out_of_scope_write_is_refused(cast, user_with, api):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client = api(officer)
    ok = client.patch(f"/api/v1/premises/{cast.gigiri.pk}/", {"staff_capacity": 10,
                                                                "version": 1}, format="json")
    assert ok.status_code == 200
    moved = client.patch(f"/api/v1/premises/{cast.gigiri.pk}/",
                         {"duty_station": cast.mogadishu.pk, "version": 2}, format="json")
    assert moved.status_code == 403
    hidden = client.patch(f"/api/v1/premises/{cast.mogadishu_compound.pk}/",
                          {"staff_capacity": 1, "version": 1}, format="json")
    assert hidden.status_code == 404


def test_traveller_updates_own_contacts_only(cast, user_with, client):
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    client.force_login(traveller)
    response = client.post(f"/people/personnel/{cast.amina.pk}/contacts/", {
        "version": 1, "phones": "+254 722 000000", "emails": "amina@un.example",
        "residence_address": "Gigiri", "residence_latitude": "-1.23",
        "residence_longitude": "36.8", "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0", "contacts-0-name": "Tom",
        "contacts-0-relationship": "Brother", "contacts-0-phone": "+254 733 000000"})
    assert response.status_code == 302
    cast.amina.refresh_from_db()
    assert cast.amina.phones == ["+254 722 000000"]
    assert cast.amina.emergency_contacts.get().name == "Tom"
    assert client.get(f"/people/personnel/{cast.omar.pk}/contacts/").status_code == 404


def test_contact_form_shows_error_beside_field(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER, person=cast.amina))
    response = client.post(f"/people/personnel/{cast.amina.pk}/contacts/", {
        "version": 1, "phones": "call me maybe", "residence_latitude": "-1.2",
        "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-summary" in page
    assert "is not a phone number" in page
    cast.amina.refresh_from_db()
    assert cast.amina.phones == ["+254 20 7621234"]


def test_dependant_in_future_is_refused(cast, admin, api):
    response = api(admin).post("/api/v1/dependants/", {
        "person": cast.amina.pk, "family_name": "Achieng", "relationship": "child",
        "date_of_birth": "2999-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "date_of_birth"


def test_token_auth_and_api_token_command(cast, admin, client, capsys):
    call_command("api_token", admin.username)
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(user=admin).key_hash == ApiToken.hash_of(key)
    response = client.get("/api/v1/duty-stations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert client.get("/api/v1/duty-stations/",
                      HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_list_filters_and_pagination(cast, admin, api):
    body = api(admin).get("/api/v1/personnel/?country=KE&page_size=1").json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"]
    geo = api(admin).get("/api/v1/duty-stations/geojson/?country=SO").json()
    assert geo["type"] == "FeatureCollection"
    assert geo["features"][0]["geometry"]["coordinates"] == [45.318, 2.046]


def test_schema_and_offline_docs(cast, admin, client):
    client.force_login(admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/personnel/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs
    assert "cdn" not in docs.lower()


def test_export_of_personnel_needs_export_permission(cast, user_with, client):
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert client.get("/people/personnel/?format=csv").status_code == 403
    client.force_login(user_with(Role.ADMINISTRATOR))
    response = client.get("/people/personnel/?format=csv&country=KE")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.count("\n") == 3
    assert "10000001" in text
    assert AuditEvent.objects.filter(action="core.export", sensitive_read=True).exists()
    xlsx = client.get("/people/personnel/?format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_person_list_orders_and_searches(cast, admin, client):
    client.force_login(admin)
    page = client.get("/people/personnel/?q=hassan").content.decode()
    assert "HASSAN" in page
    assert "ACHIENG" not in page
    assert Person.objects.count() == 3


def test_index_number_cannot_change_after_creation(cast, admin, api):
    response = api(admin).patch(f"/api/v1/personnel/{cast.amina.pk}/",
                                {"index_number": "99999999", "version": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "index_number"
    cast.amina.refresh_from_db()
    assert cast.amina.index_number == "10000001"


def test_emergency_contact_errors_are_numbered_like_the_input(cast, admin, api):
    response = api(admin).patch(f"/api/v1/personnel/{cast.amina.pk}/", {
        "version": 1, "emergency_contacts": [{"name": "A", "relationship": "B",
                                              "phone": "no"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "emergency_contacts[0].phone"


def test_dependant_lists_are_audited_reads(cast, admin, api, client):
    api(admin).get("/api/v1/dependants/")
    client.force_login(admin)
    client.get("/people/dependants/")
    events = AuditEvent.objects.filter(action="people.dependant.list", sensitive_read=True)
    assert events.count() == 2
    assert {e.changes["rows"] for e in events} == {2}


def test_export_covers_only_the_export_permissions_scope(cast, user_with, client):
    from vigil.core.models import RoleGrant

    # Administrator (export) for Kenya, security officer (view, no export) everywhere.
    user = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    RoleGrant.objects.create(user=user, role=Role.SECURITY_OFFICER, scope_kind="global")
    client.force_login(user)
    page = client.get("/people/personnel/").content.decode()
    assert "ABDI" in page  # sees Somalia through the officer grant
    text = b"".join(client.get("/people/personnel/?format=csv").streaming_content).decode()
    assert "10000001" in text
    assert "10000003" not in text  # but may export only Kenya


def test_only_global_administrators_create_organizations(cast, user_with, api):
    payload = {"code": "UNOPS", "name": "UN Office for Project Services",
               "kind": "fund_programme"}
    scoped = api(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    assert scoped.post("/api/v1/organizations/", payload, format="json").status_code == 403
    assert api(user_with(Role.ADMINISTRATOR)).post(
        "/api/v1/organizations/", payload, format="json").status_code == 201


def test_person_page_listing_dependants_is_an_audited_read(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER, person=cast.amina))
    page = client.get("/people/me/").content.decode()
    assert "ACHIENG, Tom" in page
    event = AuditEvent.objects.get(action="people.dependant.list")
    assert event.changes == {"query": f"person={cast.amina.pk}", "rows": 1}
