"""The gate scan and an officer's report: decisions, events, visits, the rules; and who may
scan, report, read and review, in the HTML pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.hq.access_rules import qr_payload
from vigil.hq.gate_services import entry_report, gate_scan, unauthorized_entry_review
from vigil.hq.models import EntryEvent, UnauthorizedEntry
from vigil.hq.tests.test_gate_fixtures import NOW, site  # noqa: F401


@pytest.mark.parametrize(("which", "result", "reason"), [
    ("valid", "granted", ""), ("expired", "denied", "expired"),
    ("revoked", "denied", "revoked"), ("unknown", "denied", "unknown_pass")])
def test_a_scan_decides_by_the_pass_and_records_the_event(site, which, result,  # noqa: F811
                                                          reason):
    number = getattr(site, which).number if which != "unknown" else "NBO-404"
    scan = gate_scan(actor=site.officer, gate=site.lobby, pass_number=number)
    assert (scan.event.result, scan.event.reason) == (result, reason)
    assert scan.event.source == "scan"
    assert scan.event.pass_number == number
    assert scan.granted is (result == "granted")
    raised = [u.rule for u in scan.unauthorized]
    assert raised == (["invalid_pass"] if which in {"expired", "revoked"} else [])


def test_a_qr_code_is_trusted_by_its_secret_only(site):  # noqa: F811
    good = gate_scan(actor=site.officer, gate=site.lobby,
                     code=qr_payload(site.valid.number, site.valid.token))
    assert good.granted
    assert good.pass_obj == site.valid
    forged = gate_scan(actor=site.officer, gate=site.lobby,
                       code=qr_payload(site.valid.number, "made-up-secret"))
    assert not forged.granted
    assert forged.event.reason == "unknown_pass"
    swapped = gate_scan(actor=site.officer, gate=site.lobby,
                        code=qr_payload("NBO-999999", site.valid.token))
    assert not swapped.granted


def test_a_zone_not_on_the_pass_is_denied(site):  # noqa: F811
    from vigil.hq.models import Gate, Zone

    vault = Zone.objects.create(premises=site.cast.gigiri, code="vault", name="Vault",
                                restricted=True)
    door = Gate.objects.create(premises=site.cast.gigiri, zone=vault, code="V1", name="Vault")
    scan = gate_scan(actor=site.officer, gate=door, pass_number=site.valid.number)
    assert scan.event.reason == "zone_not_allowed"


def test_three_denials_in_a_row_raise_one_unauthorized_entry(site):  # noqa: F811
    for _ in range(2):
        assert gate_scan(actor=site.officer, gate=site.lobby, pass_number="X1").unauthorized == []
    third = gate_scan(actor=site.officer, gate=site.lobby, pass_number="X1")
    [entry] = third.unauthorized
    assert entry.rule == "denied_attempts"
    assert entry.events_count == 3
    assert entry.incident is not None
    fourth = gate_scan(actor=site.officer, gate=site.lobby, pass_number="X1")
    assert fourth.unauthorized == []
    entry.refresh_from_db()
    assert entry.events_count == 4
    assert UnauthorizedEntry.objects.count() == 1


@pytest.mark.parametrize(("kw", "field"), [
    ({}, "code"), ({"pass_number": "X" * 41}, "pass_number"),
    ({"pass_number": "X1", "direction": "up"}, "direction"),
    ({"pass_number": "X1", "at": NOW + dt.timedelta(hours=1)}, "at")],
    ids=["nothing", "too-long", "direction", "future"])
def test_a_bad_scan_is_refused_naming_the_field(site, kw, field):  # noqa: F811
    with pytest.raises(ValidationFailed) as caught:
        gate_scan(actor=site.officer, gate=site.lobby, **kw)
    assert field in {e.field for e in caught.value.errors}
    assert not EntryEvent.objects.exists()


def test_an_inactive_gate_refuses_scans(site):  # noqa: F811
    site.lobby.active = False
    site.lobby.save()
    with pytest.raises(ValidationFailed):
        gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.valid.number)


@pytest.mark.parametrize(("role", "kind", "where"), [
    (Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, "mombasa"),
    (Role.SECURITY_OFFICER, ScopeKind.COUNTRY, "kenya"),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL, None),
    (Role.TRAVELLER, ScopeKind.GLOBAL, None)])
def test_others_may_not_scan(site, user_with, role, kind, where):  # noqa: F811
    user = user_with(role, kind, getattr(site.cast, where) if where else None)
    with pytest.raises(Forbidden):
        gate_scan(actor=user, gate=site.lobby, pass_number=site.valid.number)


def test_a_premises_scoped_officer_scans_and_the_incident_waits(site, user_with):  # noqa: F811
    guard = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.PREMISES, site.cast.gigiri)
    scan = gate_scan(actor=guard, gate=site.lobby, pass_number=site.expired.number)
    [entry] = scan.unauthorized
    assert entry.incident is None  # incidents have no premises scope
    from vigil.hq.gate_services import unauthorized_entry_record_incident

    unauthorized_entry_record_incident(actor=site.officer, entry=entry)
    assert entry.incident is not None
    with pytest.raises(TransitionRefused):
        unauthorized_entry_record_incident(actor=site.officer, entry=entry)


@pytest.mark.parametrize("kind", ["tailgating", "forced_entry"])
def test_a_report_raises_an_unauthorized_entry_with_its_incident(site, kind):  # noqa: F811
    event = entry_report(actor=site.officer, premises=site.cast.gigiri, gate=site.garage,
                         kind=kind, occurred_at=NOW, description="Seen on camera.")
    entry = event.unauthorized_entry
    assert entry.rule == kind
    assert entry.gate == site.garage
    assert entry.incident.category.code == "unauthorized-entry"
    assert "Garage" in entry.incident.title


@pytest.mark.parametrize(("kw", "field"), [
    ({"kind": "pass_read"}, "kind"), ({"description": " "}, "description"),
    ({"occurred_at": NOW + dt.timedelta(days=1)}, "occurred_at")],
    ids=["kind", "description", "future"])
def test_a_bad_report_is_refused(site, kw, field):  # noqa: F811
    args = {"kind": "tailgating", "occurred_at": NOW, "description": "Seen.", **kw}
    with pytest.raises(ValidationFailed) as caught:
        entry_report(actor=site.officer, premises=site.cast.gigiri, **args)
    assert field in {e.field for e in caught.value.errors}


def test_review_closes_with_a_note_and_reopens(site):  # noqa: F811
    event = entry_report(actor=site.officer, premises=site.cast.gigiri, kind="tailgating",
                         occurred_at=NOW, description="Seen.")
    entry = event.unauthorized_entry
    with pytest.raises(ValidationFailed):
        unauthorized_entry_review(actor=site.officer, entry=entry, move="close", note="")
    unauthorized_entry_review(actor=site.officer, entry=entry, move="close",
                              note="Contractor without badge; escorted out.")
    assert entry.status == "closed"
    assert entry.reviewed_by == site.officer
    with pytest.raises(TransitionRefused):
        unauthorized_entry_review(actor=site.officer, entry=entry, move="close", note="x")
    unauthorized_entry_review(actor=site.officer, entry=entry, move="reopen")
    assert entry.status == "open"


# --- The API ----------------------------------------------------------------------------------

def test_the_scan_api_answers_the_decision(site, api):  # noqa: F811
    response = api(site.officer).post("/api/v1/hq/gate-scans/", {
        "gate": site.lobby.pk, "code": qr_payload(site.valid.number, site.valid.token)},
        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["result"] == "granted"
    denied = api(site.officer).post("/api/v1/hq/gate-scans/", {
        "gate": site.lobby.pk, "pass_number": site.revoked.number}, format="json")
    assert denied.json()["reason"] == "revoked"
    assert denied.json()["unauthorized_entries"]


def test_the_scan_api_refuses_a_gate_out_of_scope(site, api, user_with):  # noqa: F811
    other = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, site.cast.mombasa)
    response = api(other).post("/api/v1/hq/gate-scans/", {
        "gate": site.lobby.pk, "pass_number": site.valid.number}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "gate"
    assert api().post("/api/v1/hq/gate-scans/", {}, format="json").status_code in (401, 403)


def test_the_events_api_lists_in_scope_and_takes_reports(site, api, user_with):  # noqa: F811
    gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.valid.number)
    mine = api(site.officer).get("/api/v1/hq/entry-events/", {"result": "granted"})
    assert mine.json()["count"] == 1
    other = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, site.cast.mombasa)
    assert api(other).get("/api/v1/hq/entry-events/").json()["count"] == 0
    made = api(site.officer).post("/api/v1/hq/entry-events/", {
        "premises": site.cast.gigiri.pk, "kind": "forced_entry",
        "occurred_at": NOW.isoformat(), "description": "Door forced."}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["unauthorized_entry"] is not None
    refused = api(other).post("/api/v1/hq/entry-events/", {
        "premises": site.cast.gigiri.pk, "kind": "forced_entry",
        "occurred_at": NOW.isoformat(), "description": "Door forced."}, format="json")
    assert refused.status_code == 400


def test_the_unauthorized_api_reviews_with_the_version(site, api):  # noqa: F811
    event = entry_report(actor=site.officer, premises=site.cast.gigiri, kind="tailgating",
                         occurred_at=NOW, description="Seen.")
    url = f"/api/v1/hq/unauthorized-entries/{event.unauthorized_entry_id}/review/"
    stale = api(site.officer).post(url, {"move": "close", "note": "ok", "version": 99},
                                   format="json")
    assert stale.status_code == 409
    done = api(site.officer).post(url, {"move": "close", "note": "ok", "version": 1},
                                  format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "closed"
    stats = api(site.officer).get("/api/v1/hq/entry-statistics/", {"period": "month"})
    assert stats.status_code == 200
    assert stats.json()["totals"]["unauthorized"] == 1


# --- The pages --------------------------------------------------------------------------------

def test_the_scan_page_shows_the_decision(site, client):  # noqa: F811
    client.force_login(site.officer)
    url = reverse("hq:gate_scan")
    assert client.get(url).status_code == 200
    page = client.post(url, {"gate": site.lobby.pk, "pass_number": site.expired.number,
                             "direction": "in"})
    assert page.status_code == 200
    assert "Pass expired" in page.content.decode()


def test_the_report_page_raises_and_opens_the_entry(site, client):  # noqa: F811
    client.force_login(site.officer)
    page = client.post(reverse("hq:gate_report"), {
        "premises": site.cast.gigiri.pk, "gate": site.garage.pk, "kind": "tailgating",
        "occurred_at": "2026-01-05T10:00", "description": "Followed a delegate."})
    entry = UnauthorizedEntry.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse(
        "hq:gate_unauthorized_detail", args=[entry.pk])
    # The local time typed is Nairobi's (UTC+3).
    assert entry.occurred_at == dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC)
    detail = client.get(page["Location"]).content.decode()
    assert "Followed a delegate." in detail
    assert entry.incident.reference in detail


@pytest.mark.parametrize("name", ["gate_scan", "gate_report", "gate_event_list",
                                  "gate_unauthorized_list", "gate_import", "gate_statistics",
                                  "gate_mapping_list", "gate_rules_list", "gate_premises_list",
                                  "gate_import_list", "gate_mapping_create"])
@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.TRAVELLER,
                                  Role.PROGRAMME_MANAGER])
def test_other_roles_are_refused_every_page(site, client, user_with, name, role):  # noqa: F811
    client.force_login(user_with(role, ScopeKind.COUNTRY, site.cast.kenya))
    assert client.get(reverse(f"hq:{name}")).status_code == 403


@pytest.mark.parametrize("name", ["gate_scan", "gate_report", "gate_event_list",
                                  "gate_unauthorized_list", "gate_import", "gate_statistics",
                                  "gate_mapping_list", "gate_rules_list", "gate_premises_list",
                                  "gate_import_list", "gate_mapping_create"])
def test_the_hq_security_officer_opens_every_page(site, client, name):  # noqa: F811
    gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.revoked.number)
    client.force_login(site.officer)
    assert client.get(reverse(f"hq:{name}")).status_code == 200


def test_records_out_of_scope_answer_not_found(site, client, user_with):  # noqa: F811
    scan = gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.revoked.number)
    other = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, site.cast.mombasa)
    client.force_login(other)
    entry = scan.unauthorized[0]
    assert client.get(reverse("hq:gate_unauthorized_detail", args=[entry.pk])).status_code \
        == 404
    assert client.post(reverse("hq:gate_unauthorized_review", args=[entry.pk]), {
        "move": "close", "note": "x", "version": 1}).status_code == 404
    assert client.get(reverse("hq:gate_mapping_detail", args=[site.mapping.pk])).status_code \
        == 404
    assert client.get(reverse("hq:gate_premises_day", args=[site.cast.gigiri.pk])) \
        .status_code == 404
