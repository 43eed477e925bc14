"""/api/v1/aviation/figures/<id>/: how one advice request counts in SP2.2.d (it answered 500
before: the figures' serializer was given the request itself); and the list's dates as the
schema says them."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.core.authz import Role, ScopeKind


@pytest.fixture
def officer(user_with: Any) -> Any:
    return user_with(Role.AVIATION_OFFICER, username="aviation")


@pytest.fixture
def asker(user_with: Any, cast: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


def test_one_request_as_the_figures_count_it(api, officer, asker, cast):
    created = api(asker).post("/api/v1/aviation/advice/", {
        "country": cast.kenya.pk, "origin": "Nairobi", "destination": "Mogadishu",
        "question": "Which carrier?"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    url = f"/api/v1/aviation/figures/{pk}/"

    open_now = api(officer).get(url)
    assert open_now.status_code == 200, open_now.content
    body = open_now.json()
    assert (body["id"], body["counted_as"], body["answered_at"], body["response_hours"]) == (
        pk, "open_within_target", None, None)
    assert body["reference"] == created.json()["reference"]
    assert body["target_hours"] > 0

    answered = api(officer).post(f"/api/v1/aviation/advice/{pk}/answer/",
                                 {"answer": "Yes.", "version": 1}, format="json")
    assert answered.status_code == 200
    body = api(officer).get(url).json()
    assert body["counted_as"] == "on_time"
    assert body["response_hours"] is not None
    assert body["answered_at"] is not None

    # The figures' own rule: the asker sees the request, not the figures.
    assert api(asker).get(url).status_code == 403
    assert api(officer).get("/api/v1/aviation/figures/999999/").status_code == 404


def test_the_figures_take_dates_as_the_schema_says(api, officer):
    assert api(officer).get("/api/v1/aviation/figures/?start=2026-01-01&end=2026-06-30"
                            ).status_code == 200
    refused = api(officer).get("/api/v1/aviation/figures/?start=January")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "start"
    # The calendar's ends answer, not 500.
    assert api(officer).get("/api/v1/aviation/figures/?end=0001-01-01").status_code == 200
    assert api(officer).get("/api/v1/aviation/figures/?end=9999-12-31").status_code == 200
    assert api(officer).get("/api/v1/aviation/figures/?end=2028-02-29").status_code == 200
