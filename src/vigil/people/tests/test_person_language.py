"""The language on the staff record, for people without an account: kept through the API and
the person form, refused when it is not one of the six UN languages, and audited."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role
from vigil.core.models import AuditEvent
from vigil.people.models import Person


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


def test_the_api_sets_and_shows_a_persons_language(cast, admin, api):
    url = f"/api/v1/personnel/{cast.omar.pk}/"
    response = api(admin).patch(url, {"language": "zh-hans", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["language"] == "zh-hans"
    assert Person.objects.get(pk=cast.omar.pk).language == "zh-hans"
    event = AuditEvent.objects.get(action="people.person.update")
    assert event.changes["language"] == ["", "zh-hans"]
    assert api(admin).get(url).json()["language"] == "zh-hans"


def test_the_api_refuses_a_language_vigil_does_not_speak(cast, admin, api):
    response = api(admin).patch(f"/api/v1/personnel/{cast.omar.pk}/",
                                {"language": "de", "version": 1}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["language"]
    assert Person.objects.get(pk=cast.omar.pk).language == ""


def test_the_person_form_sets_the_language_and_the_page_shows_it(cast, admin, client):
    client.force_login(admin)
    form = client.get(f"/people/personnel/{cast.omar.pk}/edit/")
    assert 'id="id_language"' in form.content.decode()
    response = client.post(f"/people/personnel/{cast.omar.pk}/edit/", {
        "family_name": "Hassan", "given_name": "A", "organization": cast.wfp.pk,
        "category": "international", "duty_station": cast.mombasa.pk, "status": "active",
        "language": "fr", "version": 1})
    assert response.status_code == 302
    assert Person.objects.get(pk=cast.omar.pk).language == "fr"
    assert "French" in client.get(f"/people/personnel/{cast.omar.pk}/").content.decode()
