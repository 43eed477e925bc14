"""A protection case from request to decision: every move allowed and refused, the threat
picture taken from the risk records, the recommendation and its override, the advance work,
bad input named by field, in the services, the pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.hq import protection_rules as rules
from vigil.hq import protection_selectors as selectors
from vigil.hq import protection_services as services
from vigil.hq.tests import test_protection_fixtures as fixtures
from vigil.hq.tests.test_protection_fixtures import set_level, sra_for

world = fixtures.world  # the shared records, as this module's fixture


def test_the_threat_picture_is_taken_from_the_levels_and_sras_in_force(world):
    set_level(world.cast.nbi_area, 3, world.coordinator)
    sra = sra_for(world.cast.kenya)
    sra_for(world.cast.somalia, status="draft")  # not in force: not in the picture
    case = world.start()
    picture = {e["place"]: e for e in case.assessment.threat_picture}
    nairobi, mogadishu = picture["Nairobi, Kenya"], picture["Mogadishu, Somalia"]
    assert (nairobi["level"], nairobi["level_basis"]) == (3, "area")
    assert nairobi["sra"]["id"] == sra.pk
    assert nairobi["highest_residual"] == "high"
    assert [r["residual"] for r in nairobi["risks"]] == ["high", "low"]
    assert (mogadishu["level"], mogadishu["level_basis"], mogadishu["sra"]) == (
        None, "none", None)
    assessment = case.assessment
    # No level in force at Mogadishu: the trip reads as substantial; principal high.
    assert assessment.highest_level is None
    assert assessment.recommended_kind == rules.DetailKind.FULL
    assert assessment.recommended_officers == 4
    assert assessment.threat_taken_at is not None
    assert sorted(assessment.tasks.values_list("kind", flat=True)) == sorted(
        k.value for k in rules.TaskKind)


def test_refresh_takes_the_picture_again(world):
    case = world.start()
    set_level(world.cast.nbi_area, 2, world.coordinator)
    mogadishu_area = world.cast.mogadishu.security_area
    assert mogadishu_area is None  # its country's highest level then stands for it
    from vigil.places.models import SecurityArea
    south = SecurityArea.objects.create(country=world.cast.somalia, code="MGQ", name="Banadir")
    set_level(south, 5, world.coordinator)
    assessment = case.assessment
    services.assessment_refresh(actor=world.coordinator, assessment=assessment,
                                version=assessment.version)
    assessment.refresh_from_db()
    levels = [e["level"] for e in assessment.threat_picture]
    assert levels == [2, 5]
    assert assessment.highest_level == 5
    assert assessment.recommended_officers == 8
    assert AuditEvent.objects.filter(action="hq.needs_assessment.refresh").exists()


def test_from_request_to_decision(world):
    case = world.start()
    assert case.status == "under_assessment"
    assert case.coordinator == world.coordinator
    with pytest.raises(ValidationFailed) as refused:
        services.case_submit(actor=world.coordinator, case=case)
    assert [e.field for e in refused.value.errors] == ["tasks"]
    world.plan_all()
    services.case_submit(actor=world.coordinator, case=world.fresh())
    case = world.fresh()
    assert case.status == "assessed"
    assert case.assessment.completed_at is not None
    services.case_reopen(actor=world.coordinator, case=case, reason="New venue")
    assert world.fresh().status == "under_assessment"
    services.case_submit(actor=world.coordinator, case=world.fresh())
    services.case_decide(actor=world.coordinator, case=world.fresh(),
                         decision="approved_with_changes", note="Armoured vehicle only")
    case = world.fresh()
    assert (case.status, case.decision, case.decided_by) == (
        "decided", "approved_with_changes", world.coordinator)
    actions = list(AuditEvent.objects.filter(object_type="hq.protectioncase",
                                             object_id=str(case.pk), sensitive_read=False)
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["hq.protection_case.create", "hq.protection_case.start",
                       "hq.protection_case.submit", "hq.protection_case.reopen",
                       "hq.protection_case.submit", "hq.protection_case.decide"]
    # SP1.b counts the case once, by its assessment's completion.
    today = timezone.localdate()
    assert selectors.assessed_cases(today - dt.timedelta(days=1),
                                    today + dt.timedelta(days=1)).count() == 1


@pytest.mark.parametrize(("status", "move"), [
    ("requested", "submit"), ("requested", "reopen"), ("requested", "decide"),
    ("under_assessment", "start"), ("under_assessment", "reopen"),
    ("under_assessment", "decide"), ("assessed", "start"), ("assessed", "submit"),
    ("decided", "cancel"), ("decided", "reopen"), ("cancelled", "start")])
def test_moves_the_table_forbids_are_refused_with_a_message(world, status, move):
    if status != "requested":
        world.start()
    if status in {"assessed", "decided"}:
        world.plan_all()
        services.case_submit(actor=world.coordinator, case=world.fresh())
    if status == "decided":
        services.case_decide(actor=world.coordinator, case=world.fresh(), decision="approved")
    if status == "cancelled":
        services.case_cancel(actor=world.coordinator, case=world.fresh(), reason="Off")
    kwargs = {"decision": "approved"} if move == "decide" else (
        {"reason": "x"} if move == "cancel" else {})
    with pytest.raises((TransitionRefused, ValidationFailed)) as refused:
        services.MOVES[rules.Move(move)](actor=world.coordinator, case=world.fresh(), **kwargs)
    assert str(refused.value)
    assert world.fresh().status == status


@pytest.mark.parametrize("status", ["requested", "under_assessment", "assessed"])
def test_cancel_from_every_open_state_needs_a_reason(world, status):
    if status != "requested":
        world.start()
    if status == "assessed":
        world.plan_all()
        services.case_submit(actor=world.coordinator, case=world.fresh())
    with pytest.raises(ValidationFailed) as refused:
        services.case_cancel(actor=world.coordinator, case=world.fresh(), reason=" ")
    assert refused.value.errors[0].field == "reason"
    services.case_cancel(actor=world.coordinator, case=world.fresh(), reason="Trip off")
    assert world.fresh().status == "cancelled"


def test_the_decision_needs_its_note_and_a_known_outcome(world):
    world.submit()
    for decision, note, field in [("declined", "", "note"),
                                  ("approved_with_changes", " ", "note"),
                                  ("maybe", "x", "decision")]:
        with pytest.raises(ValidationFailed) as refused:
            services.case_decide(actor=world.coordinator, case=world.fresh(),
                                 decision=decision, note=note)
        assert refused.value.errors[0].field == field


def test_a_stale_version_is_refused(world):
    from vigil.core.errors import StaleVersion
    case = world.fresh()
    with pytest.raises(StaleVersion):
        services.case_start(actor=world.coordinator, case=case, version=case.version + 1)


def test_only_a_coordinator_in_scope_moves_a_case(world, user_with):
    with pytest.raises(Forbidden):
        services.case_start(actor=world.somalia_coordinator, case=world.fresh())
    with pytest.raises(Forbidden):
        services.case_start(actor=world.assistant, case=world.fresh())
    services.case_start(actor=world.kenya_coordinator, case=world.fresh())
    assert world.fresh().status == "under_assessment"


def test_the_override_is_kept_beside_the_recommendation(world):
    case = world.start()
    assessment = case.assessment
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_update(actor=world.coordinator, assessment=assessment,
                                   version=assessment.version,
                                   data={"override_kind": "close_protection"})
    assert sorted(e.field for e in refused.value.errors) == ["override_officers",
                                                             "override_reason"]
    assessment.refresh_from_db()
    services.assessment_update(actor=world.coordinator, assessment=assessment,
                               version=assessment.version, data={
                                   "override_kind": "liaison", "override_reason":
                                   "Host government provides close protection",
                                   "principal_level": "low", "event_level": "low"})
    assessment.refresh_from_db()
    assert assessment.override_kind == "liaison"
    assert assessment.recommended_kind == "close_protection"  # recomputed, kept beside
    assert assessment.detail_in_force.kind == "liaison"


def test_the_assessment_changes_only_under_assessment(world):
    case = world.submit()
    assessment = case.assessment
    with pytest.raises(TransitionRefused):
        services.assessment_update(actor=world.coordinator, assessment=assessment,
                                   version=assessment.version, data={"threat_summary": "x"})


def test_a_new_destination_makes_the_picture_stale(world):
    case = world.start()
    world.plan_all()
    services.destination_add(actor=world.coordinator, case=case, data={
        "country": world.cast.kenya, "duty_station": world.cast.mombasa, "city": "Mombasa",
        "arrives_on": case.starts_on, "departs_on": case.starts_on})
    with pytest.raises(ValidationFailed) as refused:
        services.case_submit(actor=world.coordinator, case=world.fresh())
    assert [e.field for e in refused.value.errors] == ["threat_picture"]


@pytest.mark.parametrize(("data", "field"), [
    ({"arrives_on": "after"}, "departs_on"),
    ({"duty_station": "mogadishu"}, "duty_station"),
    ({"arrives_on": "before"}, "arrives_on"),
])
def test_a_bad_destination_is_named(world, data, field):
    case = world.fresh()
    row = {"country": world.cast.kenya, "duty_station": world.cast.nairobi, "city": "X",
           "arrives_on": case.starts_on, "departs_on": case.starts_on}
    if data.get("arrives_on") == "after":
        row["arrives_on"] = case.ends_on
        row["departs_on"] = case.starts_on
    if data.get("arrives_on") == "before":
        row["arrives_on"] = case.starts_on - dt.timedelta(days=1)
    if data.get("duty_station"):
        row["duty_station"] = world.cast.mogadishu
    with pytest.raises(ValidationFailed) as refused:
        services.destination_add(actor=world.coordinator, case=case, data=row)
    assert field in [e.field for e in refused.value.errors]


def test_a_case_whose_trip_ends_before_it_starts_is_named(world):
    with pytest.raises(ValidationFailed) as refused:
        services.case_create(actor=world.coordinator, data={
            "principal": world.principal, "purpose": "x", "starts_on": dt.date(2031, 1, 5),
            "ends_on": dt.date(2031, 1, 4)})
    assert "ends_on" in [e.field for e in refused.value.errors]


def test_an_unknown_office_member_is_named(world):
    with pytest.raises(ValidationFailed) as refused:
        services.principal_update(actor=world.coordinator, principal=world.principal,
                                  data={}, version=world.principal.version,
                                  office=["nobody.here"])
    assert refused.value.errors[0].field == "office"
    assert "nobody.here" in str(refused.value.errors[0].message)


def test_a_trip_request_of_someone_else_is_refused(world, user_with):
    from vigil.travel.models import TravelRequest
    request = TravelRequest.objects.create(traveller=world.cast.amina,
                                           requested_by=world.coordinator, purpose="Mission")
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(actor=world.coordinator, case=world.fresh(),
                             data={"trip_request": request}, version=world.fresh().version)
    assert refused.value.errors[0].field == "trip_request"


def test_the_principals_own_trip_request_links_without_reading_trip(world):
    """A coordinator's role reads no travel record, yet may link the principal's own trips,
    and only those: the TRIP choices hold the principal's requests and no one else's."""
    from vigil.hq import protection_selectors
    from vigil.travel.models import TravelRequest
    world.principal.person = world.cast.amina
    world.principal.save(update_fields=["person"])
    own = TravelRequest.objects.create(traveller=world.cast.amina,
                                       requested_by=world.coordinator, purpose="Mission")
    other = TravelRequest.objects.create(traveller=world.cast.omar,
                                         requested_by=world.coordinator, purpose="Other")
    choices = protection_selectors.trip_request_choices(
        user=world.coordinator, principals=protection_selectors.principals_to_manage(
            user=world.coordinator))
    assert list(choices) == [own]
    assert other not in choices
    case = services.case_update(actor=world.coordinator, case=world.fresh(),
                                data={"trip_request": own}, version=world.fresh().version)
    assert case.trip_request == own
    # A coordinator who does not plan this principal's protection is offered none of them.
    assert not protection_selectors.trip_requests(user=world.somalia_coordinator,
                                                  principal=world.principal).exists()


def test_the_audit_log_keeps_no_protection_content(world):
    event = AuditEvent.objects.get(action="hq.protection_case.create")
    assert event.object_repr == world.case.reference
    assert "Country team visit" not in str(event.changes)
    assert "Ana Example" not in str(AuditEvent.objects.filter(
        object_type__startswith="hq.").values_list("object_repr", "changes"))


# --- Pages and API -------------------------------------------------------------------------------

def test_the_pages_walk_a_case_to_its_decision(client, world):
    set_level(world.cast.nbi_area, 3, world.coordinator)
    client.force_login(world.coordinator)
    case = world.fresh()
    page = client.get(reverse("hq:protection_case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Start the assessment" in page.content.decode()
    moved = client.post(reverse("hq:protection_case_move", args=[case.pk, "start"]),
                        {"version": case.version})
    assert moved.status_code == 302
    case = world.fresh()
    page = client.get(reverse("hq:protection_case_detail", args=[case.pk])).content.decode()
    assert "Threat picture" in page
    assert "3 · " in page
    form = client.get(reverse("hq:protection_assessment_edit", args=[case.pk]))
    assert form.status_code == 200
    bad = client.post(reverse("hq:protection_assessment_edit", args=[case.pk]), {
        "version": case.assessment.version, "principal_level": "high", "event_level": "low",
        "override_kind": "full", "override_officers": "", "override_reason": ""})
    assert bad.status_code == 200
    assert "Say why the recommended detail is overridden." in bad.content.decode()
    for task in case.assessment.tasks.all():
        client.post(reverse("hq:protection_task_update", args=[case.pk, task.pk]),
                    {f"t{task.pk}-status": "done", f"t{task.pk}-note": "ok"})
    client.post(reverse("hq:protection_case_move", args=[case.pk, "submit"]),
                {"version": world.fresh().version})
    assert world.fresh().status == "assessed"
    refused = client.post(reverse("hq:protection_case_move", args=[case.pk, "decide"]),
                          {"version": world.fresh().version, "decision": "declined",
                           "note": ""})
    assert refused.status_code == 400
    client.post(reverse("hq:protection_case_move", args=[case.pk, "decide"]),
                {"version": world.fresh().version, "decision": "approved", "note": ""})
    assert world.fresh().decision == "approved"


def test_the_case_form_creates_a_case(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("hq:protection_case_create")).status_code == 200
    answer = client.post(reverse("hq:protection_case_create"), {
        "principal": world.principal.pk, "purpose": "Summit", "starts_on": "2031-03-01",
        "ends_on": "2031-02-01", "event_level": "high"})
    assert answer.status_code == 200
    assert "The trip ends before it starts." in answer.content.decode()
    answer = client.post(reverse("hq:protection_case_create"), {
        "principal": world.principal.pk, "purpose": "Summit", "starts_on": "2031-03-01",
        "ends_on": "2031-03-03", "event_level": "high"})
    assert answer.status_code == 302


def test_the_principal_pages(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("hq:protection_principal_list")).status_code == 200
    assert client.get(reverse("hq:protection_principal_create")).status_code == 200
    answer = client.post(reverse("hq:protection_principal_edit", args=[world.principal.pk]), {
        "version": world.principal.version, "name": "Ana Example", "title": "USG",
        "organization": world.cast.undp.pk, "duty_station": world.cast.nairobi.pk,
        "person": "", "profile_level": "very_high", "profile_notes": "",
        "office_usernames": "assistant\ncoordinator", "active": "on"})
    assert answer.status_code == 302
    world.principal.refresh_from_db()
    assert world.principal.profile_level == "very_high"
    assert sorted(world.principal.office.values_list("username", flat=True)) == [
        "assistant", "coordinator"]


def test_the_api_walks_a_case_to_its_decision(api, world):
    client = api(world.coordinator)
    base = f"/api/v1/hq/protection-cases/{world.case.pk}"
    body = client.post(f"{base}/start/", {"version": world.case.version}, format="json").json()
    assert body["status"] == "under_assessment"
    assert body["assessment"]["recommended_kind"]
    for task in body["assessment"]["tasks"]:
        client.patch(f"{base}/tasks/{task['id']}/", {"status": "planned"}, format="json")
    body = client.get(f"{base}/").json()
    body = client.post(f"{base}/submit/", {"version": body["version"]}, format="json").json()
    assert body["status"] == "assessed"
    refused = client.post(f"{base}/start/", {"version": body["version"]}, format="json")
    assert refused.status_code == 409
    body = client.post(f"{base}/decide/", {"version": body["version"], "decision": "approved"},
                       format="json").json()
    assert (body["status"], body["decision"]) == ("decided", "approved")


def test_the_api_creates_a_case_with_destinations_and_names_bad_input(api, world):
    client = api(world.coordinator)
    answer = client.post("/api/v1/hq/protection-cases/", {
        "principal": world.principal.pk, "purpose": "Summit", "starts_on": "2031-03-01",
        "ends_on": "2031-03-03", "event_level": "extreme"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "event_level"
    answer = client.post("/api/v1/hq/protection-cases/", {
        "principal": world.principal.pk, "purpose": "Summit", "starts_on": "2031-03-01",
        "ends_on": "2031-03-03", "destinations": [
            {"country": "KE", "duty_station": "KE-NBO", "arrives_on": "2031-03-01",
             "departs_on": "2031-03-03"}]}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["destinations"][0]["duty_station"] == "KE-NBO"
    assert answer.json()["reference"].startswith("PRT-")


def test_a_scoped_coordinator_may_not_open_a_case_for_a_principal_outside(api, world,
                                                                          user_with):
    outsider = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.COUNTRY, world.cast.somalia)
    answer = api(outsider).post("/api/v1/hq/protection-cases/", {
        "principal": world.principal.pk, "purpose": "x", "starts_on": "2031-03-01",
        "ends_on": "2031-03-03"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "principal"
