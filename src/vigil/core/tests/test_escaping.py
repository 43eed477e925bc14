"""ASVS V5.3: free text stored with markup comes back escaped on the detail and list pages,
and as plain text (the same characters, as JSON strings) in the API: an incident's title and
description, a person's name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from vigil.core.authz import Role
from vigil.incidents.models import Incident, IncidentCategory

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def assert_escaped(html: str) -> None:
    assert ESCAPED in html
    assert "<script>alert" not in html.lower()


@pytest.fixture
def signed_in(cast: Any, user_with: Any, client: Client) -> Client:
    client.force_login(user_with(Role.ADMINISTRATOR, username="amina"))
    return client


@pytest.fixture
def incident(cast: Any) -> Incident:
    return Incident.objects.create(
        category=IncidentCategory.objects.get(code="crime"), country=cast.kenya,
        occurred_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
        title=f"Robbery {XSS}", description=f"Seen near the gate. {XSS} <b>bold</b>")


def test_an_incident_title_and_description_are_escaped_on_its_pages(
        signed_in: Client, incident: Incident) -> None:
    detail = signed_in.get(f"/incidents/{incident.pk}/")
    assert detail.status_code == 200
    assert_escaped(detail.content.decode())
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail.content.decode()
    listing = signed_in.get("/incidents/")
    assert listing.status_code == 200
    assert_escaped(listing.content.decode())


def test_an_incident_comes_back_as_plain_text_in_the_api(signed_in: Client,
                                                         incident: Incident) -> None:
    response = signed_in.get(f"/api/v1/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["title"] == f"Robbery {XSS}"  # the text as stored, not markup
    assert body["description"].endswith(f"{XSS} <b>bold</b>")
    listing = signed_in.get("/api/v1/incidents/")
    assert f"Robbery {XSS}" in [row["title"] for row in listing.json()["results"]]


def test_a_person_name_is_escaped_on_the_pages_and_plain_in_the_api(
        cast: Any, signed_in: Client) -> None:
    person = cast.amina
    person.given_name = XSS
    person.save(update_fields=["given_name"])
    detail = signed_in.get(f"/people/personnel/{person.pk}/")
    assert detail.status_code == 200
    assert_escaped(detail.content.decode())
    listing = signed_in.get("/people/personnel/")
    assert listing.status_code == 200
    assert_escaped(listing.content.decode())
    api = signed_in.get(f"/api/v1/personnel/{person.pk}/")
    assert api.status_code == 200
    assert api.json()["given_name"] == XSS


def test_plain_text_is_shown_as_it_is(signed_in: Client, cast: Any) -> None:
    """The other direction: text without markup is not altered on its way out."""
    plain = Incident.objects.create(
        category=IncidentCategory.objects.get(code="crime"), country=cast.kenya,
        occurred_at=dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC), title="Theft at the depot")
    assert "Theft at the depot" in signed_in.get(f"/incidents/{plain.pk}/").content.decode()
