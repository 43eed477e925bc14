"""One person's data on request through the API: GET /api/v1/personnel/<id>/export/ and
POST /api/v1/personnel/<id>/erase/ (with the version read), for each role inside and outside
its scope; refusals name the holds, the stale version or the missing field."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.people.models import Person


def _erase(client, person, **data):
    return client.post(f"/api/v1/personnel/{person.pk}/erase/", data, format="json")


# --- Export -----------------------------------------------------------------------------------

def test_export_answers_the_json_and_is_audited(cast, kenya_admin, api):
    response = api(kenya_admin).get(f"/api/v1/personnel/{cast.amina.pk}/export/")
    assert response.status_code == 200
    body = response.json()
    assert body["format"] == "vigil-person-export"
    assert body["person"]["family_name"] == "Achieng"
    assert {"model", "id", "names_them_as"} <= set(body["records"][0])
    assert AuditEvent.objects.filter(action="people.person.export",
                                     object_id=str(cast.amina.pk)).count() == 1


def test_export_outside_the_scope_answers_as_an_unknown_id(cast, kenya_admin, api):
    client = api(kenya_admin)
    outside = client.get(f"/api/v1/personnel/{cast.fatuma.pk}/export/")
    unknown = client.get("/api/v1/personnel/999999/export/")
    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()
    assert not AuditEvent.objects.filter(action="people.person.export").exists()


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.WARDEN, Role.DESIGNATED_OFFICIAL])
def test_export_is_forbidden_to_a_reader_in_scope(cast, user_with, api, role):
    reader = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    response = api(reader).get(f"/api/v1/personnel/{cast.amina.pk}/export/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AuditEvent.objects.filter(action="people.person.export").exists()


def test_a_traveller_does_not_export_even_their_own(cast, user_with, api):
    amina = user_with(Role.TRAVELLER, person=cast.amina)
    assert api(amina).get(f"/api/v1/personnel/{cast.amina.pk}/export/").status_code == 403
    assert api(amina).get(f"/api/v1/personnel/{cast.omar.pk}/export/").status_code == 404


def test_export_needs_a_signed_in_caller(cast, api):
    assert api().get(f"/api/v1/personnel/{cast.amina.pk}/export/").status_code in (401, 403)


# --- Erasure ----------------------------------------------------------------------------------

def test_erasure_answers_the_counts_and_is_audited(cast, kenya_admin, separated, api):
    response = _erase(api(kenya_admin), separated, version=separated.version)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == separated.pk
    assert body["index_number"] == f"ERASED-{separated.pk}"
    assert body["records"]["auth.user"] == 1
    assert Person.objects.get(pk=separated.pk).family_name == "ERASED"
    event = AuditEvent.objects.get(action="people.person.erase")
    assert event.actor_id == kenya_admin.pk
    assert event.changes["records"] == body["records"]


def test_erasure_without_the_version_is_refused_naming_it(cast, kenya_admin, separated, api):
    response = _erase(api(kenya_admin), separated)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["version"]
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_erasure_with_a_bad_version_is_refused_naming_it(cast, kenya_admin, separated, api):
    response = _erase(api(kenya_admin), separated, version="latest")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "version"


def test_erasure_over_a_stale_version_is_a_conflict(cast, kenya_admin, separated, api):
    response = _erase(api(kenya_admin), separated, version=separated.version - 1)
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()


def test_erasure_while_held_is_a_conflict_naming_the_holds(cast, kenya_admin, api):
    response = _erase(api(kenya_admin), cast.amina, version=cast.amina.version)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "erasure_held"
    assert body["holds"] == ["they are not separated: record their separation first"]
    assert "not separated" in body["message"]
    assert Person.objects.get(pk=cast.amina.pk).family_name == "Achieng"
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()


def test_erasure_outside_the_scope_answers_as_an_unknown_id(cast, kenya_admin, api):
    cast.fatuma.status = Person.Status.SEPARATED
    cast.fatuma.save()
    client = api(kenya_admin)
    outside = _erase(client, cast.fatuma, version=cast.fatuma.version)
    unknown = client.post("/api/v1/personnel/999999/erase/", {"version": 1}, format="json")
    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()
    assert Person.objects.get(pk=cast.fatuma.pk).family_name == "Abdi"


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.WARDEN, Role.DESIGNATED_OFFICIAL])
def test_erasure_is_forbidden_to_a_reader_in_scope(cast, user_with, separated, api, role):
    reader = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    response = _erase(api(reader), separated, version=separated.version)
    assert response.status_code == 403
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_a_global_administrator_erases_anywhere(cast, user_with, api):
    cast.fatuma.status = Person.Status.SEPARATED
    cast.fatuma.save()
    admin = user_with(Role.ADMINISTRATOR)
    assert _erase(api(admin), cast.fatuma, version=cast.fatuma.version).status_code == 200


def test_erasure_takes_no_get(cast, kenya_admin, separated, api):
    response = api(kenya_admin).get(f"/api/v1/personnel/{separated.pk}/erase/")
    assert response.status_code == 405
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_the_routes_are_in_the_schema(db, api, user_with):
    response = api(user_with(Role.TRAVELLER)).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/personnel/{id}/export/"]
    assert "post" in paths["/api/v1/personnel/{id}/erase/"]
