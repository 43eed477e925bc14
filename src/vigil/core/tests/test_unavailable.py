"""A database that cannot be reached is answered 503 with Retry-After, as JSON on the API and as
a page for people, rendered without touching the database again; any other fault stays a 500.
The reliability check (scripts/check_reliability.py) restarts a real PostgreSQL under load."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.db.models.query import QuerySet
from django.test import Client

from vigil.core.authz import Role
from vigil.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _database_down(monkeypatch: pytest.MonkeyPatch, error: type[Exception]) -> None:
    def fail(self: QuerySet[Any]) -> None:
        raise error("connection to server at 127.0.0.1, port 5432 failed")
    monkeypatch.setattr(QuerySet, "_fetch_all", fail)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_when_the_database_is_unreachable(user_with, error, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))
    _database_down(monkeypatch, error)
    response = client.get("/api/v1/countries/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["code"] == "unavailable"
    assert "Nothing was saved" in response.json()["message"]


def test_a_page_answers_503_in_the_readers_language(user_with, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))
    _database_down(monkeypatch, OperationalError)
    response = client.get("/places/duty-stations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>" in response.content.decode()
    assert 'lang="zh-hans"' in response.content.decode()
    assert "Vigil cannot reach its database" not in response.content.decode()  # in Chinese


def test_a_session_read_that_fails_is_503_too(user_with, monkeypatch):
    """The failure can come before the view: the session middleware reads the database."""
    from django.contrib.sessions.backends.db import SessionStore

    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))

    def fail(self: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(SessionStore, "load", fail)
    response = client.get("/")
    assert response.status_code == 503


def test_a_write_cut_off_by_the_database_leaves_nothing(user_with, monkeypatch, cast):
    """The audit event is written in the write's own transaction: when it fails, the incident
    is not there either, and the answer is 503, so the client may repeat it."""
    from vigil.core import audit
    from vigil.incidents.models import Incident

    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))
    before = (Incident.objects.count(), AuditEvent.objects.count())

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("terminating connection due to administrator command")
    monkeypatch.setattr(audit, "record", fail)
    response = client.post("/api/v1/incidents/", {
        "category": "crime", "subcategory": "carjacking", "title": "Carjacking in Karen",
        "occurred_at": "2024-05-01T10:00:00+03:00", "time_zone": "Africa/Nairobi",
        "country": "KE", "latitude": -1.32, "longitude": 36.7}, content_type="application/json")
    assert response.status_code == 503, response.content
    assert (Incident.objects.count(), AuditEvent.objects.count()) == before


def test_any_other_fault_stays_a_500(user_with, monkeypatch):
    from vigil.places.api import CountryViewSet

    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))

    def fail(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a bug")
    monkeypatch.setattr(CountryViewSet, "list", fail)
    response = client.get("/api/v1/countries/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_database_lost_after_the_write_leaves_nothing_either(user_with, monkeypatch, cast):
    """The answer reads the record back after the service wrote it. If the database goes
    then, the write is rolled back with it (core.api.AtomicWrites): a 503 never stands for a
    record that was written, so repeating the request cannot write it twice."""
    from vigil.core.api import ServiceViewSet
    from vigil.incidents.models import Incident

    client = Client(raise_request_exception=False)
    client.force_login(user_with(Role.ADMINISTRATOR))
    before = (Incident.objects.count(), AuditEvent.objects.count())

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(ServiceViewSet, "output", fail)
    response = client.post("/api/v1/incidents/", {
        "category": "crime", "subcategory": "carjacking", "title": "Carjacking in Karen",
        "occurred_at": "2024-05-01T10:00:00+03:00", "time_zone": "Africa/Nairobi",
        "country": "KE", "latitude": -1.32, "longitude": 36.7}, content_type="application/json")
    assert response.status_code == 503
    assert (Incident.objects.count(), AuditEvent.objects.count()) == before
    monkeypatch.undo()
    again = client.post("/api/v1/incidents/", {
        "category": "crime", "subcategory": "carjacking", "title": "Carjacking in Karen",
        "occurred_at": "2024-05-01T10:00:00+03:00", "time_zone": "Africa/Nairobi",
        "country": "KE", "latitude": -1.32, "longitude": 36.7}, content_type="application/json")
    assert again.status_code == 201
    assert Incident.objects.count() == before[0] + 1
