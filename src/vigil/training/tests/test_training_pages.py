"""Training pages and API: each role allowed and refused, in scope and out, the certificate
PDF, the iCalendar feed, and the public check of a certificate code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.training import services
from vigil.training.models import Completion, Enrolment


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["mine", "course_list", "session_list", "completion_list"])
@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.TRAINING_OFFICER, Role.SECURITY_OFFICER,
                                  Role.COUNSELLOR, Role.PROGRAMME_MANAGER])
def test_readers_open_the_lists(cast, user_with, running, role, name):
    assert _client(user_with(role)).get(reverse(f"training:{name}")).status_code == 200


@pytest.mark.parametrize("role", [Role.DESIGNATED_OFFICIAL, Role.HQ_SECURITY_OFFICER,
                                  Role.BUDGET_OFFICER])
def test_other_roles_refused(user_with, role):
    client = _client(user_with(role))
    assert client.get(reverse("training:session_list")).status_code == 403
    assert client.get(reverse("training:completion_import")).status_code == 403


def test_signed_out_is_sent_to_sign_in(db):
    response = Client().get(reverse("training:session_list"))
    assert response.status_code == 302


def test_officer_pages_and_session_detail(cast, officer, running):
    services.enrolment_create(actor=officer, session=running, person=cast.amina)
    client = _client(officer)
    for name, args in [("session_detail", [running.pk]), ("session_create", []),
                       ("course_create", []), ("course_detail", [running.course.pk]),
                       ("completion_create", []), ("completion_import", []), ("needs", [])]:
        assert client.get(reverse(f"training:{name}", args=args)).status_code == 200, name
    page = client.get(reverse("training:session_detail", args=[running.pk])).content.decode()
    assert "Attended" in page
    assert "ACHIENG" in page


def test_traveller_enrols_and_cancels_through_the_page(cast, user_with, running):
    me = user_with(Role.TRAVELLER, person=cast.amina)
    client = _client(me)
    page = client.get(reverse("training:session_detail", args=[running.pk])).content.decode()
    assert "HASSAN" not in page  # only their own household is offered
    client.post(reverse("training:session_enrol", args=[running.pk]),
                {"who": f"person:{cast.amina.pk}"})
    enrolment = Enrolment.objects.get(person=cast.amina)
    assert enrolment.status == "enrolled"
    response = client.post(reverse("training:session_enrol", args=[running.pk]),
                           {"who": f"person:{cast.omar.pk}"})
    assert response.status_code == 302
    assert not Enrolment.objects.filter(person=cast.omar).exists()
    client.post(reverse("training:enrolment_cancel", args=[enrolment.pk]),
                {"version": enrolment.version})
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"


def test_attendance_and_result_through_the_page(cast, officer, running):
    enrolment = services.enrolment_create(actor=officer, session=running, person=cast.amina)
    client = _client(officer)
    client.post(reverse("training:enrolment_attendance", args=[enrolment.pk]),
                {"attended": "yes", "version": enrolment.version})
    enrolment.refresh_from_db()
    assert enrolment.status == "attended"
    client.post(reverse("training:enrolment_result", args=[enrolment.pk]),
                {"result": "passed", "score": "90", "version": enrolment.version,
                 "completed_on": timezone.localdate().isoformat()})
    completion = Completion.objects.get(enrolment=enrolment)
    pdf = client.get(reverse("training:completion_certificate", args=[completion.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_a_traveller_sees_only_their_own_completions(cast, user_with, officer, bsafe):
    mine = services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                                      completed_on=dt.date(2024, 1, 1))
    other = services.completion_record(actor=officer, person=cast.omar, course=bsafe,
                                       completed_on=dt.date(2024, 1, 1))
    client = _client(user_with(Role.TRAVELLER, person=cast.amina))
    assert client.get(reverse("training:completion_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("training:completion_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("training:completion_certificate",
                              args=[other.pk])).status_code == 404
    home = client.get("/").content.decode()
    assert "BSAFE" in home


def test_import_page_reports_each_row(cast, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"index_number,course_code,completed_on\n10000001,BSAFE,2025-01-02\n9,BSAFE,x\n"
    client = _client(officer)
    refused = client.post(reverse("training:completion_import"),
                          {"file": SimpleUploadedFile("c.csv", data)})
    assert refused.status_code == 400
    assert "No staff member has the index number" in refused.content.decode()
    done = client.post(reverse("training:completion_import"),
                       {"file": SimpleUploadedFile("c.csv", data), "skip_invalid": "on"})
    assert done.status_code == 200
    assert "10000001 BSAFE 2025-01-02 recorded" in done.content.decode()


def test_public_check_confirms_a_real_certificate_and_rejects_a_forged_code(cast, officer,
                                                                            bsafe):
    completion = services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                                            completed_on=dt.date(2024, 1, 1))
    client = Client()  # nobody signed in
    real = client.get(reverse("training:verify", args=[completion.certificate_code]))
    body = real.content.decode()
    assert real.status_code == 200
    assert "This certificate is valid." in body
    assert "BSAFE" in body
    assert "Achieng" not in body
    assert "ACHIENG" not in body
    assert "10000001" not in body
    code = completion.certificate_code
    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert "No certificate has this code." in client.get(
        reverse("training:verify", args=[forged])).content.decode()
    typed = client.get(reverse("training:verify_form"), {"code": code.lower()})
    assert typed.status_code == 302


def test_public_check_is_rate_limited(db, settings):
    from vigil.training import views

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "verify-test"}}
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _i in range(views.VERIFY_PER_MINUTE):
        client.get(reverse("training:verify", args=["AAAA-AAAA-AAAA"]))
    assert client.get(reverse("training:verify",
                              args=["AAAA-AAAA-AAAA"])).status_code == 429


def test_calendar_feed(cast, running):
    response = Client().get(reverse("training:sessions_ics"))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in body
    assert f"training-session-{running.pk}@" in body
    assert "SUMMARY:SSAFE" in body


# --- API --------------------------------------------------------------------------------------

def test_api_enrol_attend_pass_and_certificate(cast, officer, api, running):
    client = api(officer)
    made = client.post(f"/api/v1/training/sessions/{running.pk}/enrol/",
                       {"person": cast.amina.pk}, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert client.post(f"/api/v1/training/enrolments/{pk}/attendance/",
                       {"attended": True}, format="json").status_code == 200
    result = client.post(f"/api/v1/training/enrolments/{pk}/result/",
                         {"result": "passed", "completed_on": timezone.localdate().isoformat()},
                         format="json")
    assert result.status_code == 200, result.content
    listed = client.get("/api/v1/training/completions/").json()["results"]
    assert listed[0]["valid_today"] is True
    pdf = client.get(f"/api/v1/training/completions/{listed[0]['id']}/certificate/")
    assert pdf.status_code == 200


def test_api_scope_and_roles(cast, user_with, api, running):
    kenya = user_with(Role.TRAINING_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    refused = api(kenya).post(f"/api/v1/training/sessions/{running.pk}/enrol/",
                              {"person": cast.fatuma.pk}, format="json")
    assert refused.status_code == 400  # Mogadishu: unknown, or outside the scope
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    assert api(traveller).post("/api/v1/training/courses/", {
        "code": "NEW", "name": "N", "kind": "professional"}, format="json").status_code == 403
    assert api(user_with(Role.BUDGET_OFFICER)).get(
        "/api/v1/training/completions/").json()["results"] == []


def test_api_import_and_needs(cast, officer, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"index_number,course_code,completed_on\n10000001,BSAFE,2025-01-02\n"
    client = api(officer)
    done = client.post("/api/v1/training/completions/import/",
                       {"file": SimpleUploadedFile("c.csv", data)}, format="multipart")
    assert done.status_code == 200, done.content
    assert done.json()["created"] == 1
    again = client.post("/api/v1/training/completions/import/",
                        {"file": SimpleUploadedFile("c.csv", data)}, format="multipart")
    assert again.json()["unchanged"] == 1
    needs = client.get("/api/v1/training/needs/", {"duty_station": cast.nairobi.pk})
    assert needs.status_code == 200
    bsafe = next(n for n in needs.json() if n["course_code"] == "BSAFE")
    assert (bsafe["required_count"], bsafe["holding"]) == (1, 1)
    assert client.get("/api/v1/training/needs/").status_code == 404


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_grow_with_data(cast, officer, running, bsafe):
    client = _client(officer)
    urls = [reverse("training:session_list"), reverse("training:completion_list"),
            reverse("training:course_list")]
    services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                               completed_on=dt.date(2024, 1, 1))
    before = [_queries(client, url) for url in urls]
    for station in (cast.mombasa, cast.mogadishu):
        copy = type(running).objects.get(pk=running.pk)
        copy.pk, copy.duty_station = None, station
        copy.save()
    for person in (cast.omar, cast.fatuma):
        services.completion_record(actor=officer, person=person, course=bsafe,
                                   completed_on=dt.date(2024, 1, 1), dependant=None)
    services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                               completed_on=dt.date(2024, 2, 1),
                               dependant=cast.amina_child)
    assert [_queries(client, url) for url in urls] == before
