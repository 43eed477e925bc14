"""One person's data on request from their page: the export download and the erasure's
confirmation, for each role inside and outside its scope, with the holds, the typed name and
the version checked, and both audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.people.models import Person
from vigil.travel.models import TravelRequest


@pytest.fixture
def officer(cast, user_with):
    """Sees Kenya's personnel, may neither export nor erase them."""
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- The section on the person's page ---------------------------------------------------------

def test_the_section_shows_to_who_may_export_and_erase(cast, kenya_admin, client):
    html = _page(client, kenya_admin, f"/people/personnel/{cast.amina.pk}/").content.decode()
    assert "Personal data" in html
    assert f"/people/personnel/{cast.amina.pk}/export/" in html
    assert f"/people/personnel/{cast.amina.pk}/erase/" in html


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.WARDEN])
def test_the_section_is_not_shown_to_a_reader(cast, user_with, client, role):
    reader = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    response = _page(client, reader, f"/people/personnel/{cast.amina.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/export/" not in html
    assert "/erase/" not in html


def test_the_section_is_not_on_ones_own_profile(cast, user_with, client):
    amina = user_with(Role.TRAVELLER, person=cast.amina)
    html = _page(client, amina, "/people/me/").content.decode()
    assert "/erase/" not in html
    assert "/export/" not in html


# --- Export -----------------------------------------------------------------------------------

def test_export_downloads_json_and_is_audited(cast, kenya_admin, client):
    response = _page(client, kenya_admin, f"/people/personnel/{cast.amina.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert 'attachment; filename="vigil-person-10000001.json"' == \
        response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "vigil-person-export"
    assert data["person"]["index_number"] == "10000001"
    assert any(r["model"] == "people.dependant" for r in data["records"])
    event = AuditEvent.objects.get(action="people.person.export")
    assert event.object_id == str(cast.amina.pk)
    assert event.actor_id == kenya_admin.pk


def test_export_outside_the_scope_is_the_404_of_an_unknown_id(cast, kenya_admin, client):
    client.force_login(kenya_admin)
    outside = client.get(f"/people/personnel/{cast.fatuma.pk}/export/")
    unknown = client.get("/people/personnel/999999/export/")
    assert outside.status_code == unknown.status_code == 404
    assert not AuditEvent.objects.filter(action="people.person.export").exists()


def test_export_refused_to_a_reader_without_the_permission(cast, officer, client):
    assert _page(client, officer,
                 f"/people/personnel/{cast.amina.pk}/export/").status_code == 403
    assert not AuditEvent.objects.filter(action="people.person.export").exists()


def test_export_of_ones_own_record_needs_the_permission(cast, user_with, client):
    amina = user_with(Role.TRAVELLER, person=cast.amina)
    assert _page(client, amina, f"/people/personnel/{cast.amina.pk}/export/").status_code == 403
    # Someone else's record is not even found.
    assert client.get(f"/people/personnel/{cast.omar.pk}/export/").status_code == 404


def test_a_global_administrator_exports_anyone(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    assert _page(client, admin, f"/people/personnel/{cast.fatuma.pk}/export/").status_code == 200


def test_export_takes_no_post(cast, kenya_admin, client):
    client.force_login(kenya_admin)
    assert client.post(f"/people/personnel/{cast.amina.pk}/export/").status_code == 405


# --- Erasure: the confirmation page -----------------------------------------------------------

def test_the_page_names_the_holds_and_offers_no_form(cast, kenya_admin, client):
    response = _page(client, kenya_admin, f"/people/personnel/{cast.amina.pk}/erase/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be erased yet" in html
    assert "they are not separated" in html
    assert 'name="name"' not in html


def test_the_page_names_what_will_be_erased_and_asks_for_the_name(cast, kenya_admin, separated,
                                                                   client):
    response = _page(client, kenya_admin, f"/people/personnel/{separated.pk}/erase/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be erased yet" not in html
    assert "What will be erased" in html
    assert "The user account is closed" in html
    assert 'name="name"' in html
    assert f'name="version" value="{separated.version}"' in html
    assert separated.full_name in html


def test_erasure_while_held_is_refused(cast, kenya_admin, client):
    client.force_login(kenya_admin)
    response = client.post(f"/people/personnel/{cast.amina.pk}/erase/",
                           {"name": cast.amina.full_name, "version": cast.amina.version})
    assert response.status_code == 409
    assert "they are not separated" in response.content.decode()
    assert Person.objects.get(pk=cast.amina.pk).family_name == "Achieng"
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()


def test_a_hold_on_a_separated_person_is_named(cast, kenya_admin, separated, client):
    trip = TravelRequest.objects.create(
        traveller=separated, requested_by=separated.user, purpose="Workshop", status="pending",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=5))
    response = _page(client, kenya_admin, f"/people/personnel/{separated.pk}/erase/")
    html = response.content.decode()
    assert "a trip of theirs is awaiting approval or not yet over" in html
    assert "not separated" not in html
    assert 'name="name"' not in html
    refused = client.post(f"/people/personnel/{separated.pk}/erase/",
                          {"name": separated.full_name, "version": separated.version})
    assert refused.status_code == 409
    trip.refresh_from_db()
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_a_wrong_name_is_refused_beside_the_field(cast, kenya_admin, separated, client):
    client.force_login(kenya_admin)
    response = client.post(f"/people/personnel/{separated.pk}/erase/",
                           {"name": "Somebody Else", "version": separated.version})
    assert response.status_code == 400
    assert "This is not the name of the person to erase" in response.content.decode()
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()


def test_a_stale_version_is_refused(cast, kenya_admin, separated, client):
    client.force_login(kenya_admin)
    response = client.post(f"/people/personnel/{separated.pk}/erase/",
                           {"name": separated.full_name, "version": separated.version - 1})
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_erasure_shows_the_counts_and_is_audited(cast, kenya_admin, separated, client):
    client.force_login(kenya_admin)
    # Case, commas and spacing of the typed name do not matter.
    typed = f"  {separated.family_name.lower()}   {separated.given_name} "
    response = client.post(f"/people/personnel/{separated.pk}/erase/",
                           {"name": typed, "version": separated.version})
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    assert "Personal data erased" in html
    assert f"ERASED-{separated.pk}" in html
    erased = Person.objects.get(pk=separated.pk)
    assert erased.family_name == "ERASED"
    assert erased.user is None
    event = AuditEvent.objects.get(action="people.person.erase")
    assert event.actor_id == kenya_admin.pk
    assert event.changes["records"]["auth.user"] == 1
    # The erased record still opens, naming nobody.
    assert "ERASED" in client.get(f"/people/personnel/{separated.pk}/").content.decode()


def test_erasure_outside_the_scope_is_not_found(cast, kenya_admin, client):
    cast.fatuma.status = Person.Status.SEPARATED
    cast.fatuma.save()
    client.force_login(kenya_admin)
    assert client.get(f"/people/personnel/{cast.fatuma.pk}/erase/").status_code == 404
    response = client.post(f"/people/personnel/{cast.fatuma.pk}/erase/",
                           {"name": cast.fatuma.full_name, "version": cast.fatuma.version})
    assert response.status_code == 404
    assert client.get("/people/personnel/999999/erase/").status_code == 404
    assert Person.objects.get(pk=cast.fatuma.pk).family_name == "Abdi"


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.WARDEN, Role.DESIGNATED_OFFICIAL])
def test_erasure_refused_to_a_reader(cast, user_with, separated, client, role):
    reader = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(reader)
    assert client.get(f"/people/personnel/{separated.pk}/erase/").status_code == 403
    response = client.post(f"/people/personnel/{separated.pk}/erase/",
                           {"name": separated.full_name, "version": separated.version})
    assert response.status_code == 403
    assert Person.objects.get(pk=separated.pk).family_name == "Hassan"


def test_nobody_erases_themself(cast, user_with, separated, client):
    omar = separated.user
    client.force_login(omar)
    assert client.get(f"/people/personnel/{separated.pk}/erase/").status_code == 403


def test_signed_out_is_sent_to_sign_in(cast, client):
    response = client.get(f"/people/personnel/{cast.amina.pk}/erase/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
