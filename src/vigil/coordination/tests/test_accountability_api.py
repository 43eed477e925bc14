"""The API of the accountability framework, per role and scope."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.coordination.models import Appointment, Function, RoleRequirement
from vigil.core.authz import Role, ScopeKind

BASE = "/api/v1/coordination"


@pytest.fixture
def appointment(cast, user_with):
    return Appointment.objects.create(
        function=Function.WARDEN, user=user_with(), organization=cast.undp, country=cast.kenya,
        duty_station=cast.nairobi, starts_on=dt.date(2025, 1, 1))


def test_appointments_read_record_and_end_in_scope(api, cast, user_with, appointment):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client = api(officer)
    assert client.get(f"{BASE}/appointments/").json()["count"] == 1
    created = client.post(f"{BASE}/appointments/", {
        "function": "zone_warden", "user": user_with().pk, "organization": cast.wfp.pk,
        "country": cast.kenya.pk, "duty_station": cast.nairobi.pk, "zone": "Gigiri",
        "starts_on": "2025-02-01"}, format="json")
    assert created.status_code == 201, created.json()
    refused = client.post(f"{BASE}/appointments/", {
        "function": "designated_official", "user": user_with().pk,
        "organization": cast.wfp.pk, "country": cast.kenya.pk, "starts_on": "2025-02-01"},
        format="json")
    assert refused.status_code == 403
    ended = client.post(f"{BASE}/appointments/{appointment.pk}/end/",
                        {"ends_on": "2025-03-01", "end_reason": "Left"}, format="json")
    assert ended.status_code == 200
    assert ended.json()["ends_on"] == "2025-03-01"
    bad = client.post(f"{BASE}/appointments/{appointment.pk}/end/", {"end_reason": ""},
                      format="json")
    assert {e["field"] for e in bad.json()["errors"]} == {"ends_on", "end_reason"}


def test_out_of_scope_answers_like_missing(api, cast, user_with, appointment):
    client = api(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert client.get(f"{BASE}/appointments/{appointment.pk}/").status_code == 404
    assert client.get(f"{BASE}/appointments/999999/").status_code == 404
    assert client.post(f"{BASE}/appointments/{appointment.pk}/end/",
                       {"ends_on": "2025-03-01", "end_reason": "x"},
                       format="json").status_code == 404
    assert client.get(f"{BASE}/duties/?country={cast.kenya.pk}").status_code == 404
    somali_gaps = client.get(f"{BASE}/gaps/").json()
    assert {g["country"] for g in somali_gaps} == {cast.somalia.pk}
    assert client.post(f"{BASE}/appointments/", {
        "function": "warden", "user": user_with().pk, "organization": cast.wfp.pk,
        "country": cast.kenya.pk, "duty_station": cast.nairobi.pk,
        "starts_on": "2025-02-01"}, format="json").status_code == 400


def test_gaps_duties_and_requirements(api, cast, user_with):
    client = api(user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya))
    gaps = client.get(f"{BASE}/gaps/?country={cast.kenya.pk}").json()
    assert {"designated_official", "warden"} <= {g["function"] for g in gaps}
    duties = client.get(f"{BASE}/duties/?country={cast.kenya.pk}").json()
    assert "sra_review" in {d["duty"] for d in duties}
    requirement = RoleRequirement.objects.first()
    assert client.get(f"{BASE}/requirements/").json()["count"] >= 6
    assert client.patch(f"{BASE}/requirements/{requirement.pk}/", {"minimum": 2},
                        format="json").status_code == 403
    admin = api(user_with(Role.ADMINISTRATOR))
    changed = admin.patch(f"{BASE}/requirements/{requirement.pk}/", {"minimum": 2},
                          format="json")
    assert changed.json()["minimum"] == 2
    assert admin.patch(f"{BASE}/requirements/{requirement.pk}/", {"minimum": 0},
                       format="json").status_code == 400
    traveller = api(user_with(Role.TRAVELLER))
    assert traveller.get(f"{BASE}/gaps/").json() == []
    assert traveller.get(f"{BASE}/requirements/").json()["count"] == 0
