"""Pages and API keep the selectors' rules: a case for its counsellor and its person only,
each read audited; counts only for the others; the roster for administrators."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.wellbeing import services
from vigil.wellbeing.models import Briefing, Case, Contact, Counsellor, Session


def open_case(world: Any) -> Case:
    services.cases_propose()
    case = Case.objects.get(affected=world.amina_hit)
    return services.case_take(actor=world.counsellor_user, case=case)


OUTSIDERS = list(Role)  # every role, held globally: none of them is the case's counsellor


@pytest.mark.parametrize("role", OUTSIDERS)
def test_the_case_page_and_endpoint_are_refused_to_others(world, user_with, client, api, role):
    case = open_case(world)
    outsider = user_with(role, ScopeKind.GLOBAL)
    client.force_login(outsider)
    assert client.get(reverse("wellbeing:case_detail", args=[case.pk])).status_code == 404
    assert api(outsider).get(f"/api/v1/wellbeing/cases/{case.pk}/").status_code == 404
    listed = api(outsider).get("/api/v1/wellbeing/cases/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert "Achieng" not in client.get(reverse("core:home")).content.decode()


def test_the_counsellor_and_the_person_open_it_audited(world, client, api):
    case = open_case(world)
    before = AuditEvent.objects.filter(action="wellbeing.case.read").count()
    client.force_login(world.counsellor_user)
    page = client.get(reverse("wellbeing:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Record the first contact" in page.content.decode()
    client.force_login(world.amina_user)
    page = client.get(reverse("wellbeing:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Record the first contact" not in page.content.decode()
    got = api(world.amina_user).get(f"/api/v1/wellbeing/cases/{case.pk}/")
    assert got.json()["reference"] == case.reference
    assert AuditEvent.objects.filter(action="wellbeing.case.read").count() == before + 3
    api(world.counsellor_user).get("/api/v1/wellbeing/cases/")
    listed = AuditEvent.objects.filter(action="wellbeing.case.list").last()
    assert listed.sensitive_read


def test_the_counsellor_works_a_case_through_the_pages(world, client):
    services.cases_propose()
    case = Case.objects.get(affected=world.omar_hit)
    client.force_login(world.counsellor_user)
    listing = client.get(reverse("wellbeing:case_list")).content.decode()
    assert case.reference in listing
    assert "Hassan" not in listing  # no name before the case is taken
    done = client.post(reverse("wellbeing:case_take", args=[case.pk]),
                       {"version": case.version})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "open"
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("wellbeing:case_contact", args=[case.pk]), {"at": at, "mode": "phone"})
    assert case.first_contact.mode == "phone"
    client.post(reverse("wellbeing:case_session", args=[case.pk]),
                {"at": at, "mode": "video", "duration_minutes": 45})
    assert case.sessions.count() == 1
    case.refresh_from_db()
    client.post(reverse("wellbeing:case_close", args=[case.pk]),
                {"version": case.version, "closure_note": "Back at work."})
    case.refresh_from_db()
    assert case.status == "closed"


def test_a_person_requests_support_and_sees_it(world, client):
    client.force_login(world.amina_user)
    assert client.get(reverse("wellbeing:request")).status_code == 200
    response = client.post(reverse("wellbeing:request"), {"request_note": "Nightmares"})
    assert response.status_code == 302
    mine = client.get(reverse("wellbeing:my_cases")).content.decode()
    assert Case.objects.get(origin="request").reference in mine


def test_the_api_request_and_take(world, api):
    made = api(world.amina_user).post("/api/v1/wellbeing/cases/request/",
                                      {"request_note": "Help"}, format="json")
    assert made.status_code == 201
    waiting = api(world.counsellor_user).get("/api/v1/wellbeing/waiting/").json()
    assert waiting["count"] == 1
    assert "request_note" not in waiting["results"][0]
    pk = waiting["results"][0]["id"]
    assert api(world.somali_counsellor_user).post(
        f"/api/v1/wellbeing/waiting/{pk}/take/", {"version": 1}).status_code == 404
    taken = api(world.counsellor_user).post(f"/api/v1/wellbeing/waiting/{pk}/take/",
                                            {"version": 1}, format="json")
    assert taken.status_code == 200
    assert taken.json()["status"] == "open"
    bad = api(world.counsellor_user).post(f"/api/v1/wellbeing/cases/{pk}/contact/",
                                          {"at": "2001-01-01T00:00:00Z", "mode": "pigeon"},
                                          format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "mode"
    twice = api(world.counsellor_user).post(f"/api/v1/wellbeing/cases/{pk}/close/",
                                            {"version": 1, "closure_note": "x"}, format="json")
    assert twice.status_code == 409


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.PROGRAMME_MANAGER, True), (Role.ADMINISTRATOR, True), (Role.COUNSELLOR, True),
    (Role.TRAVELLER, False), (Role.SECURITY_OFFICER, False)])
def test_counts_for_those_who_hold_the_right(world, user_with, client, api, role, allowed):
    services.cases_propose()
    user = user_with(role, ScopeKind.GLOBAL)
    client.force_login(user)
    page = client.get(reverse("wellbeing:counts"))
    assert page.status_code == (200 if allowed else 403)
    answer = api(user).get("/api/v1/wellbeing/counts/")
    assert answer.status_code == (200 if allowed else 403)
    if allowed:
        body = page.content.decode()
        assert "Suppressed" in body
        assert "Achieng" not in body
        country = next(t for t in answer.json()["tables"] if t["dimension"] == "country")
        assert country["rows"][0]["count"] is None
        assert answer.json()["indicator"]["code"] == "SP2.2.a.iii"


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.ADMINISTRATOR, True), (Role.PROGRAMME_MANAGER, False), (Role.COUNSELLOR, False)])
def test_the_roster_pages_are_the_administrators(world, user_with, client, api, role, allowed):
    user = user_with(role, ScopeKind.GLOBAL)
    client.force_login(user)
    assert client.get(reverse("wellbeing:counsellor_list")).status_code == (
        200 if allowed else 403)
    listed = api(user).get("/api/v1/wellbeing/counsellors/")
    assert listed.json()["count"] == (3 if allowed else 0)


def test_briefings_pages_and_api(world, client, api):
    client.force_login(world.counsellor_user)
    assert client.get(reverse("wellbeing:briefing_list")).status_code == 200
    response = client.post(reverse("wellbeing:briefing_create"), {
        "duty_station": world.cast.nairobi.pk, "held_on": "2026-02-01", "audience": "staff",
        "participants": 30, "topic": "Stress after the floods"})
    assert response.status_code == 302
    made = api(world.counsellor_user).post("/api/v1/wellbeing/briefings/", {
        "duty_station": world.cast.mogadishu.pk, "held_on": "2026-02-01", "audience": "staff",
        "participants": 30, "topic": "Elsewhere"}, format="json")
    assert made.status_code == 400
    assert made.json()["errors"][0]["field"] == "duty_station"
    client.force_login(world.amina_user)
    assert client.get(reverse("wellbeing:briefing_list")).status_code == 403


def test_the_admin_site_shows_no_case(world, client):
    open_case(world)
    registered = set(admin.site._registry)
    assert {Counsellor, Briefing} <= registered
    assert not {Case, Contact, Session} & registered
    client.force_login(world.admin)
    assert client.get("/admin/wellbeing/case/").status_code == 404


def test_the_case_list_does_not_grow_with_cases(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.cases_propose()
    client.force_login(world.counsellor_user)
    one = Case.objects.get(affected=world.amina_hit)
    services.case_take(actor=world.counsellor_user, case=one)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("wellbeing:case_list"))
    for case in Case.objects.filter(status="proposed", dependant__isnull=False):
        services.case_take(actor=world.counsellor_user, case=case)
    services.case_take(actor=world.counsellor_user, case=Case.objects.get(affected=world.omar_hit))
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("wellbeing:case_list"))
    assert len(more.captured_queries) == len(few.captured_queries)
