"""Pages and API of claims and of plans, per role and scope: the officer in scope allowed,
out of scope refused (404, as for a missing record), other roles refused; the traveller's own
claim; the designated official's approval; lists that do not grow with data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.hq import plans_services, safety_services
from vigil.hq.models import ClaimantKind, ClaimStatus, PlanKind, PlanStatus


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)


@pytest.fixture
def claim(cast, officer):
    return safety_services.claim_record(actor=officer, data={
        "premises": cast.gigiri, "kind": "injury", "claimant_kind": ClaimantKind.VISITOR,
        "claimant_name": "Jane Visitor", "occurred_at": timezone.now() - dt.timedelta(days=1),
        "description": "Fell.", "currency": "USD", "amount_claimed": Decimal(100)})


@pytest.fixture
def plan(cast, officer):
    plan = plans_services.plan_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": PlanKind.CRISIS, "title": "Gigiri CMP",
        "version_label": "1"})
    return plans_services.plan_transition(actor=officer, plan=plan, action="submit",
                                          version=plan.version)


def _client(client, user):
    client.force_login(user)
    return client


def test_officer_in_scope_uses_every_claim_page(client, cast, officer, claim):
    c = _client(client, officer)
    for name, args in (("hq:claim_list", []), ("hq:claim_statistics", []),
                       ("hq:claim_create", []), ("hq:claim_detail", [claim.pk]),
                       ("hq:claim_edit", [claim.pk])):
        assert c.get(reverse(name, args=args)).status_code == 200, name
    assert c.get(reverse("hq:claim_list") + "?format=csv").status_code == 200
    response = c.post(reverse("hq:claim_move", args=[claim.pk, "review"]),
                      {"version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_REVIEW
    refused = c.post(reverse("hq:claim_move", args=[claim.pk, "settle"]),
                     {"version": claim.version}, follow=True)
    assert "amount settled" in refused.content.decode().lower()


def test_officer_out_of_scope_gets_not_found(client, cast, user_with, claim, plan):
    elsewhere = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.mombasa)
    c = _client(client, elsewhere)
    assert c.get(reverse("hq:claim_detail", args=[claim.pk])).status_code == 404
    assert c.get(reverse("hq:plan_detail", args=[plan.pk])).status_code == 404
    assert c.post(reverse("hq:claim_move", args=[claim.pk, "review"]),
                  {"version": claim.version}).status_code == 404


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.PROGRAMME_MANAGER,
                                  Role.ADMINISTRATOR, Role.PROTECTION_COORDINATOR])
def test_other_roles_are_refused_the_lists(client, user_with, role):
    c = _client(client, user_with(role))
    for name in ("hq:claim_statistics", "hq:plan_board", "hq:plan_list", "hq:drill_list",
                 "hq:drill_action_list", "hq:claim_file"):
        assert c.get(reverse(name)).status_code == 403, name


def test_the_traveller_files_and_sees_only_their_own(client, api, cast, claim, user_with):
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    c = _client(client, traveller)
    assert c.get(reverse("hq:claim_file")).status_code == 200
    response = c.post(reverse("hq:claim_file"), {
        "premises": cast.gigiri.pk, "kind": "property", "currency": "KES",
        "occurred_at": (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Bag torn by the turnstile."})
    assert response.status_code == 302
    page = c.get(reverse("hq:claim_list")).content.decode()
    assert "CLM-" in page
    assert claim.reference not in page
    assert c.get(reverse("hq:claim_detail", args=[claim.pk])).status_code == 404
    body = api(traveller).get("/api/v1/hq/claims/").json()
    assert [r["claimant"] for r in body["results"]] == [cast.amina.pk]
    assert api(traveller).post(f"/api/v1/hq/claims/{claim.pk}/review/",
                               {"version": claim.version}).status_code == 404


def test_claim_api_for_the_officer(api, cast, officer, claim):
    client = api(officer)
    body = client.get(f"/api/v1/hq/claims/{claim.pk}/").json()
    assert body["claimant_name"] == "Jane Visitor"
    assert body["history"][0]["action"] == "record"
    moved = client.post(f"/api/v1/hq/claims/{claim.pk}/review/", {"version": claim.version})
    assert moved.json()["status"] == "under_review"
    refused = client.post(f"/api/v1/hq/claims/{claim.pk}/reject/", {"version": 2})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "note"
    stale = client.post(f"/api/v1/hq/claims/{claim.pk}/withdraw/", {"version": 1})
    assert stale.status_code == 409
    received = client.get("/api/v1/hq/claims/received/", {
        "start": timezone.localdate().isoformat(), "end": timezone.localdate().isoformat()})
    assert received.json()["total"] == 1
    bad = client.post("/api/v1/hq/claims/", {"premises": cast.mombasa_office.pk,
                                              "kind": "injury"}, format="json")
    assert bad.status_code == 400
    assert "premises" in {e["field"] for e in bad.json()["errors"]}


def test_the_designated_official_approves_in_scope_only(client, api, cast, plan, user_with):
    kenya_do = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    somalia_do = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.somalia)
    assert api(somalia_do).post(f"/api/v1/hq/emergency-plans/{plan.pk}/approve/",
                                {"version": plan.version}).status_code == 404
    c = _client(client, kenya_do)
    assert reverse("hq:plan_detail", args=[plan.pk]) in c.get(reverse("core:home")).content.decode()
    response = c.post(reverse("hq:plan_move", args=[plan.pk, "approve"]),
                      {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_plan_pages_and_api_for_the_officer(client, api, cast, officer, plan):
    c = _client(client, officer)
    for name, args in (("hq:plan_board", []), ("hq:plan_station", [cast.nairobi.pk]),
                       ("hq:plan_list", []), ("hq:plan_create", []),
                       ("hq:plan_detail", [plan.pk]), ("hq:drill_list", []),
                       ("hq:drill_create", []), ("hq:drill_action_list", []),
                       ("hq:plan_settings", [])):
        assert c.get(reverse(name, args=args)).status_code == 200, name
    assert c.post(reverse("hq:plan_move", args=[plan.pk, "approve"]),
                  {"version": plan.version}).status_code in {302, 403}
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    status = api(officer).get("/api/v1/hq/plan-status/").json()
    assert status["stations"][0]["compliant"] is False
    assert {r["code"] for r in status["stations"][0]["reasons"]} == {"missing_plan",
                                                                     "never_tested"}
    period = api(officer).get("/api/v1/hq/plan-status/", {"start": "2025-01-01",
                                                           "end": "2025-01-31"}).json()
    assert period["stations"][0]["days_not_compliant"] == 31
    drill = api(officer).post("/api/v1/hq/drills/", {
        "duty_station": cast.nairobi.pk, "kind": "evacuation",
        "held_on": timezone.localdate().isoformat(), "participants": 10,
        "duration_minutes": 15, "plans": [plan.pk]}, format="json")
    assert drill.status_code == 201, drill.json()
    action = api(officer).post(f"/api/v1/hq/drills/{drill.json()['id']}/actions/", {
        "description": "Fix the siren", "owner": "FMS",
        "due_on": timezone.localdate().isoformat()}, format="json")
    assert action.status_code == 201
    closed = api(officer).post(f"/api/v1/hq/corrective-actions/{action.json()['id']}/close/",
                               {"version": 1, "note": "Fixed."}, format="json")
    assert closed.json()["status"] == "closed"


def test_lists_do_not_grow_with_data(client, cast, officer, claim):
    c = _client(client, officer)
    urls = [reverse("hq:claim_list"), reverse("hq:plan_board"), reverse("hq:drill_list")]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert c.get(url).status_code == 200
            found.append(len(queries))
        return found

    def one_more() -> None:
        safety_services.claim_record(actor=officer, data={
            "premises": cast.gigiri, "kind": "property", "claimant_kind": "visitor",
            "claimant_name": "V", "occurred_at": timezone.now(), "description": "x"})
        plans_services.drill_create(actor=officer, data={
            "duty_station": cast.nairobi, "kind": "evacuation",
            "held_on": timezone.localdate(), "participants": 5, "duration_minutes": 10})

    one_more()
    before = counts()
    for _n in range(3):
        one_more()
    assert counts() == before

