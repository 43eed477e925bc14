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


def test_a_designated_official_records_smt_members_not_advisers(api, cast, user_with,
                                                                 appointment):
    client = api(user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya))
    member = user_with()
    body = {"user": member.pk, "organization": cast.wfp.pk, "country": cast.kenya.pk,
            "starts_on": "2025-02-01"}
    created = client.post(f"{BASE}/appointments/", {**body, "function": "smt_member"},
                          format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["grant"] is not None
    refused = client.post(f"{BASE}/appointments/", {**body, "function": "chief_security_adviser"},
                          format="json")
    assert refused.status_code == 403
    assert "You may record" in refused.json()["message"]
    missing = client.post(f"{BASE}/appointments/", {**body, "function": "zone_warden",
                                                     "duty_station": cast.nairobi.pk},
                          format="json")
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["zone"]
    changed = client.patch(f"{BASE}/appointments/{appointment.pk}/",
                           {"reference": "DO/KE/W/1", "version": 1}, format="json")
    assert changed.json()["reference"] == "DO/KE/W/1"
    stale = client.patch(f"{BASE}/appointments/{appointment.pk}/",
                         {"reference": "again", "version": 1}, format="json")
    assert stale.status_code == 409


def test_duties_name_the_holder_and_gaps_the_place(api, cast, user_with):
    chair = user_with()
    Appointment.objects.create(function=Function.DESIGNATED_OFFICIAL, user=chair,
                               organization=cast.undp, country=cast.kenya,
                               starts_on=dt.date(2025, 1, 1))
    client = api(user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya))
    duties = client.get(f"{BASE}/duties/?country={cast.kenya.pk}").json()
    sra = next(d for d in duties if d["duty"] == "sra_review"
               and d["function"] == "designated_official")
    assert (sra["holder"], sra["days_overdue"], sra["record"]) == (chair.pk, None, "country")
    gap = next(g for g in client.get(f"{BASE}/gaps/?country={cast.kenya.pk}").json()
               if g["function"] == "warden" and g["place_id"] == cast.mombasa.pk)
    assert (gap["place_level"], gap["place"], gap["required_count"], gap["held"]) == (
        "duty_station", "Kenya · Mombasa", 1, 0)
    assert client.get(f"{BASE}/duties/").status_code == 404
