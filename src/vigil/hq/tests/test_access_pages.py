"""Pages and API of HQ access control: authorization per role and scope, the QR card, and
the lists."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.hq import access_services as services
from vigil.hq.models import HolderKind, PassStatus
from vigil.hq.tests.test_access_services import hq, issued, visit_by_host  # noqa: F401

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_officer_in_scope_reads_every_page(hq: SimpleNamespace) -> None:  # noqa: F811
    pass_ = issued(hq)
    visit = visit_by_host(hq)
    client = client_for(hq.officer)
    for url in [reverse("hq:access_premises_list"),
                reverse("hq:access_premises_detail", args=[hq.cast.gigiri.pk]),
                reverse("hq:access_visit_today", args=[hq.cast.gigiri.pk]),
                reverse("hq:access_holder_list"), reverse("hq:access_holder_create"),
                reverse("hq:access_holder_detail", args=[pass_.holder.pk]),
                reverse("hq:access_pass_list") + "?condition=valid",
                reverse("hq:access_pass_detail", args=[pass_.pk]),
                reverse("hq:access_pass_edit", args=[pass_.pk]),
                reverse("hq:access_pass_issue", args=[pass_.holder.pk]),
                reverse("hq:access_visit_list"), reverse("hq:access_visit_register"),
                reverse("hq:access_visit_detail", args=[visit.pk]),
                reverse("hq:access_meeting_list"), reverse("hq:access_meeting_create"),
                reverse("hq:access_zone_create", args=[hq.cast.gigiri.pk]),
                reverse("hq:access_gate_create", args=[hq.cast.gigiri.pk])]:
        assert client.get(url).status_code == 200, url


def test_out_of_scope_officer_gets_404_and_other_roles_403(hq: SimpleNamespace,  # noqa: F811
                                                           user_with: Any) -> None:
    pass_ = issued(hq)
    detail = reverse("hq:access_pass_detail", args=[pass_.pk])
    assert client_for(hq.geneva_officer).get(detail).status_code == 404
    for role in (Role.SECURITY_OFFICER, Role.PROGRAMME_MANAGER, Role.TRAVELLER):
        other = user_with(role, ScopeKind.COUNTRY if role is not Role.TRAVELLER
                          else ScopeKind.GLOBAL,
                          hq.cast.kenya if role is not Role.TRAVELLER else None)
        assert client_for(other).get(detail).status_code == 403
        assert client_for(other).get(reverse("hq:access_pass_list")).status_code == 403


def test_suspend_from_the_page_and_refusal_shown(hq: SimpleNamespace) -> None:  # noqa: F811
    pass_ = issued(hq)
    client = client_for(hq.officer)
    url = reverse("hq:access_pass_move", args=[pass_.pk, "suspend"])
    client.post(url, {"reason": "Lost", "version": pass_.version})
    pass_.refresh_from_db()
    assert pass_.status == PassStatus.SUSPENDED
    assert client_for(hq.geneva_officer).post(
        reverse("hq:access_pass_move", args=[pass_.pk, "revoke"]),
        {"reason": "x"}).status_code == 404
    pass_.refresh_from_db()
    assert pass_.status == PassStatus.SUSPENDED


def test_the_card_carries_a_qr_svg_with_no_personal_data(hq: SimpleNamespace) -> None:  # noqa: F811
    from vigil.hq.access_views import qr_svg

    visit = visit_by_host(hq)
    svg = qr_svg(visit.pass_issued)
    assert svg.startswith("<svg")
    for personal in ("Mwangi", "MWANGI", "Joy", "Red Cross"):
        assert personal not in svg
    response = client_for(hq.host).get(reverse("hq:access_pass_card",
                                               args=[visit.pass_issued.pk]))
    assert response.status_code == 200
    assert b"<svg" in response.content


def test_host_sees_only_their_own_visits(hq: SimpleNamespace, user_with: Any) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    assert client_for(hq.host).get(reverse("hq:access_visit_detail",
                                           args=[visit.pk])).status_code == 200
    stranger = user_with(Role.TRAVELLER, person=hq.cast.omar)
    assert client_for(stranger).get(reverse("hq:access_visit_detail",
                                            args=[visit.pk])).status_code == 404
    page = client_for(hq.host).get(reverse("hq:access_my_visitors"))
    assert "MWANGI" in page.content.decode()
    assert "MWANGI" not in client_for(stranger).get(
        reverse("hq:access_my_visitors")).content.decode()


def test_host_registers_a_visitor_through_the_page(hq: SimpleNamespace) -> None:  # noqa: F811
    start = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=3))) + dt.timedelta(hours=1)
    response = client_for(hq.host).post(reverse("hq:access_visit_register"), {
        "premises": hq.cast.gigiri.pk, "family_name": "Kamau", "purpose": "Lunch",
        "expected_from": start.strftime("%Y-%m-%dT%H:%M"),
        "expected_until": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    visit = hq.cast.amina.hosted_visits.get()
    assert visit.pass_issued is not None
    local = visit.expected_from.astimezone(dt.timezone(dt.timedelta(hours=3)))
    assert local.strftime("%H:%M") == start.strftime("%H:%M")


def test_lists_do_not_grow_with_data(hq: SimpleNamespace,  # noqa: F811
                                     django_assert_max_num_queries: Any) -> None:
    issued(hq)
    client = client_for(hq.officer)
    url = reverse("hq:access_pass_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(3):
        issued(hq)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


# --- API -------------------------------------------------------------------------------------

def test_api_issue_suspend_reinstate_revoke(hq: SimpleNamespace, api: Any) -> None:  # noqa: F811
    holder = services.pass_holder_save(actor=hq.officer, data={
        "duty_station": hq.cast.nairobi, "kind": HolderKind.MEDIA, "family_name": "Press"})
    client = api(hq.officer)
    start = timezone.now()
    response = client.post("/api/v1/hq/passes/", {
        "holder": holder.pk, "zones": [hq.lobby.pk], "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(days=2)).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["condition"] == "valid"
    assert client.post(f"/api/v1/hq/passes/{pk}/suspend/", {"reason": "Lost"},
                       format="json").json()["status"] == "suspended"
    assert client.post(f"/api/v1/hq/passes/{pk}/suspend/", {"reason": "x"},
                       format="json").status_code == 409
    assert client.post(f"/api/v1/hq/passes/{pk}/reinstate/", {},
                       format="json").json()["status"] == "active"
    assert client.post(f"/api/v1/hq/passes/{pk}/revoke/", {"reason": ""},
                       format="json").status_code == 400
    assert client.post(f"/api/v1/hq/passes/{pk}/revoke/", {"reason": "End"},
                       format="json").json()["moves"] == []


def test_api_scope_and_roles(hq: SimpleNamespace, api: Any, user_with: Any) -> None:  # noqa: F811
    pass_ = issued(hq)
    assert api(hq.geneva_officer).get(f"/api/v1/hq/passes/{pass_.pk}/").status_code == 404
    assert api(hq.geneva_officer).post(f"/api/v1/hq/passes/{pass_.pk}/revoke/",
                                       {"reason": "x"}, format="json").status_code == 404
    assert api(hq.geneva_officer).get("/api/v1/hq/passes/").json()["count"] == 0
    other = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, hq.cast.kenya)
    assert api(other).get("/api/v1/hq/passes/").json()["count"] == 0
    assert api(hq.officer).get("/api/v1/hq/passes/").json()["count"] == 1


def test_api_host_registers_and_sees_only_own_visits(hq: SimpleNamespace, api: Any,  # noqa: F811
                                                     user_with: Any) -> None:
    start = timezone.now()
    response = api(hq.host).post("/api/v1/hq/visits/", {
        "premises": hq.cast.gigiri.pk, "purpose": "Talk",
        "expected_from": start.isoformat(),
        "expected_until": (start + dt.timedelta(hours=1)).isoformat(),
        "visitor": {"family_name": "Wairimu"}}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["pass_number"].startswith("KE-NBO-")
    assert api(hq.host).get("/api/v1/hq/visits/").json()["count"] == 1
    stranger = user_with(Role.TRAVELLER, person=hq.cast.omar)
    assert api(stranger).get("/api/v1/hq/visits/").json()["count"] == 0
    pk = response.json()["id"]
    assert api(hq.host).post(f"/api/v1/hq/visits/{pk}/arrive/", {},
                             format="json").status_code == 403
    officer = api(hq.officer)
    assert officer.post(f"/api/v1/hq/visits/{pk}/arrive/", {},
                        format="json").status_code == 400
    officer.post(f"/api/v1/hq/visits/{pk}/check-document/",
                 {"document_type": "passport", "document_number": "Z9"}, format="json")
    assert officer.post(f"/api/v1/hq/visits/{pk}/arrive/", {},
                        format="json").json()["status"] == "arrived"


def test_api_holder_document_is_masked_and_the_full_read_audited(
        hq: SimpleNamespace, api: Any) -> None:  # noqa: F811
    from vigil.core.models import AuditEvent

    holder = services.pass_holder_save(actor=hq.officer, data={
        "duty_station": hq.cast.nairobi, "kind": HolderKind.CONTRACTOR, "family_name": "Doc",
        "document_type": "passport", "document_number": "P7654321"})
    listed = api(hq.officer).get(f"/api/v1/hq/pass-holders/{holder.pk}/").json()
    assert listed["document_number"] == "•••••321"
    full = api(hq.officer).get(f"/api/v1/hq/pass-holders/{holder.pk}/document/").json()
    assert full["number"] == "P7654321"
    assert AuditEvent.objects.filter(action="hq.pass_holder.document_read").count() == 1


# --- Pages: what each shows and offers -------------------------------------------------------

def test_premises_list_filters_by_search_and_duty_station(hq: SimpleNamespace,  # noqa: F811
                                                          user_with: Any) -> None:
    client = client_for(user_with(Role.HQ_SECURITY_OFFICER))
    url = reverse("hq:access_premises_list")
    page = client.get(url).content.decode()
    assert 'id="id_q"' in page
    assert 'id="id_duty_station"' in page
    assert "Gigiri" in page
    assert "Palais" in page
    only_geneva = client.get(url, {"duty_station": hq.geneva.pk}).content.decode()
    assert "Palais" in only_geneva
    assert hq.cast.gigiri.name not in only_geneva
    searched = client.get(url, {"q": "palai"}).content.decode()
    assert "Palais" in searched
    assert hq.cast.gigiri.name not in searched


def test_pass_and_visit_pages_name_the_zone_of_every_time(hq: SimpleNamespace) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    client = client_for(hq.officer)
    tz = hq.cast.nairobi.time_zone
    page = client.get(reverse("hq:access_pass_detail", args=[visit.pass_issued.pk]))
    issued_row = page.content.decode().split(">Issued<")[1].split("</dd>")[0]
    assert f"({tz})" in issued_row
    page = client.get(reverse("hq:access_visit_detail", args=[visit.pk]))
    registered = page.content.decode().split(">Registered<")[1].split("</dd>")[0]
    assert f"({tz})" in registered


def test_empty_history_says_what_is_true_for_each_kind_of_pass(hq: SimpleNamespace) -> None:  # noqa: F811
    from vigil.hq.models import Pass

    client = client_for(hq.officer)
    visit = visit_by_host(hq)
    page = client.get(reverse("hq:access_pass_detail", args=[visit.pass_issued.pk]))
    assert "Issued with its visit; no change recorded since." in page.content.decode()
    contractor_pass = issued(hq)
    services.pass_suspend(actor=hq.officer, pass_=contractor_pass, reason="Lost")
    page = client.get(reverse("hq:access_pass_detail", args=[contractor_pass.pk])).content
    assert b"hq.pass.issue" in page
    assert b"hq.pass.suspend" in page
    assert b"Issued with" not in page
    seeded = Pass.objects.create(number="KE-NBO-900001", holder=contractor_pass.holder,
                                 duty_station=hq.cast.nairobi, kind=HolderKind.CONTRACTOR,
                                 valid_from=contractor_pass.valid_from,
                                 valid_until=contractor_pass.valid_until,
                                 status=PassStatus.SUSPENDED)
    page = client.get(reverse("hq:access_pass_detail", args=[seeded.pk])).content.decode()
    assert "Nothing recorded for this pass." in page
    assert "Issued with" not in page


def test_the_card_print_button_is_styled_like_the_other_buttons(hq: SimpleNamespace) -> None:  # noqa: F811
    page = client_for(hq.officer).get(reverse("hq:access_pass_card",
                                              args=[issued(hq).pk])).content.decode()
    assert '<button type="button" class="btn" onclick="window.print()">' in page
    assert ".noprint .btn {" in page


def test_a_visitor_pass_offers_no_change_and_its_edit_page_leads_to_the_visit(
        hq: SimpleNamespace) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    client = client_for(hq.officer)
    edit = reverse("hq:access_pass_edit", args=[visit.pass_issued.pk])
    page = client.get(reverse("hq:access_pass_detail", args=[visit.pass_issued.pk]))
    assert edit not in page.content.decode()
    assert "A visitor pass follows its visit" in page.content.decode()
    response = client.get(edit)
    assert response.status_code == 302
    assert response["Location"] == reverse("hq:access_visit_detail", args=[visit.pk])
    before = visit.pass_issued.valid_until
    client.post(edit, {"valid_from": "2030-01-01T09:00", "valid_until": "2030-01-01T10:00"})
    visit.pass_issued.refresh_from_db()
    assert visit.pass_issued.valid_until == before
    contractor_pass = issued(hq)
    page = client.get(reverse("hq:access_pass_detail", args=[contractor_pass.pk]))
    assert reverse("hq:access_pass_edit", args=[contractor_pass.pk]) in page.content.decode()


def test_api_refuses_to_change_a_visitor_pass(hq: SimpleNamespace, api: Any) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    pass_ = visit.pass_issued
    response = api(hq.officer).patch(f"/api/v1/hq/passes/{pass_.pk}/", {
        "valid_from": pass_.valid_from.isoformat(),
        "valid_until": pass_.valid_until.isoformat(), "zones": [hq.lobby.pk],
        "version": pass_.version}, format="json")
    assert response.status_code == 400
    assert "follows its visit" in str(response.json())


def test_the_visit_page_offers_the_identity_check_first_and_then_the_arrival(
        hq: SimpleNamespace) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    client = client_for(hq.officer)
    url = reverse("hq:access_visit_detail", args=[visit.pk])
    arrive = reverse("hq:access_visit_move", args=[visit.pk, "arrive"])
    page = client.get(url).content.decode()
    assert reverse("hq:access_visit_document", args=[visit.pk]) in page
    assert arrive not in page
    assert "offered once the identity document is checked" in page
    assert reverse("hq:access_visit_move", args=[visit.pk, "no_show"]) in page
    client.post(reverse("hq:access_visit_document", args=[visit.pk]),
                {"document_type": "passport", "document_number": "A7654321"})
    page = client.get(url).content.decode()
    assert arrive in page
    assert reverse("hq:access_visit_document", args=[visit.pk]) not in page
    assert "Identity document checked: Passport •••••321." in page
    # The host sees the visit but is offered no reception move.
    host_page = client_for(hq.host).get(url).content.decode()
    assert arrive not in host_page


def test_no_show_from_the_page_says_so(hq: SimpleNamespace) -> None:  # noqa: F811
    visit = visit_by_host(hq)
    client = client_for(hq.officer)
    response = client.post(reverse("hq:access_visit_move", args=[visit.pk, "no_show"]),
                           follow=True)
    assert "Marked as a no-show." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "no_show"


def test_gates_read_as_leading_to_a_zone(hq: SimpleNamespace) -> None:  # noqa: F811
    page = client_for(hq.officer).get(reverse("hq:access_premises_detail",
                                              args=[hq.cast.gigiri.pk])).content.decode()
    assert "Leads to zone" in page
    assert ">Opens<" not in page


def test_reception_day_and_my_visitors_read_on_a_phone(hq: SimpleNamespace) -> None:  # noqa: F811
    from zoneinfo import ZoneInfo

    nairobi = ZoneInfo(hq.cast.nairobi.time_zone)  # EAT, all year
    day = timezone.now().astimezone(nairobi).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=nairobi)
    services.visit_register(actor=hq.host, premises=hq.cast.gigiri, host=hq.cast.amina,
                            purpose="Review", expected_from=start,
                            expected_until=start + dt.timedelta(hours=2),
                            visitor={"family_name": "Mwangi"})
    today = client_for(hq.officer).get(
        reverse("hq:access_visit_today", args=[hq.cast.gigiri.pk]),
        {"day": day.isoformat()}).content.decode()
    assert 'class="table-wrap visit-rows"' in today
    assert today.count("@media (max-width: 40rem)") == 1
    assert ">10:00\u201312:00 (EAT)</time>" in today
    mine = client_for(hq.host).get(reverse("hq:access_my_visitors")).content.decode()
    assert 'class="table-wrap visit-rows"' in mine
    assert mine.count("@media (max-width: 40rem)") == 1
    assert f">{day.isoformat()} 10:00\u201312:00 (EAT)</time>" in mine


def test_accreditation_request_from_the_page_says_so(hq: SimpleNamespace) -> None:  # noqa: F811
    from vigil.hq.models import Meeting

    today = timezone.now().date()
    meeting = services.meeting_save(actor=hq.officer, data={
        "name": "Retreat", "kind": "meeting", "duty_station": hq.cast.nairobi,
        "premises": hq.cast.gigiri, "starts_on": today, "ends_on": today},
        zones=[hq.lobby])
    delegation = services.delegation_save(actor=hq.officer, data={
        "meeting": meeting, "kind": "igo", "name": "African Union"})
    response = client_for(hq.officer).post(
        reverse("hq:access_accreditation_add", args=[meeting.pk]),
        {"delegation": delegation.pk, "family_name": "Bello", "function": "Delegate"},
        follow=True)
    assert "Accreditation requested for BELLO" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).delegations.get().accreditations.count() == 1
