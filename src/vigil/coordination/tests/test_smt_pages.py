"""Pages and API of security management teams, per role and scope: the security officer in
scope keeps the team's records, out of scope answers 404 as for a missing record; an SMT
member reads and may not write; a role without coordination is refused; an action point's
owner closes their own through the page and the API, whatever their role, and nobody else's;
the team list does not grow with data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vigil.coordination import smt_services as services
from vigil.coordination.models import Appointment, Function, SecurityManagementTeam
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent


def ago(days):
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def world(cast, officer, user_with):
    member = user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya, username="wfp.head")
    appointment = Appointment.objects.create(
        function=Function.SMT_MEMBER, user=member, organization=cast.wfp, country=cast.kenya,
        starts_on=ago(100))
    team = services.team_create(actor=officer, data={
        "country": cast.kenya, "name": "Kenya SMT", "established_on": ago(400)})
    somali = SecurityManagementTeam.objects.create(country=cast.somalia, name="Somalia SMT",
                                                   established_on=ago(300))
    meeting = services.meeting_schedule(actor=officer, team=team, data={"held_on": ago(3)})
    services.meeting_record(actor=officer, meeting=meeting, version=meeting.version,
                            held_on=ago(3), decisions=["Convoys only."], attendance=[
                                services.AttendanceRow("present", member, appointment)])
    # An owner who holds no coordination role at all: a traveller given an action.
    owner = user_with(Role.TRAVELLER, username="owner")
    Appointment.objects.create(function=Function.SMT_MEMBER, user=owner,
                               organization=cast.undp, country=cast.kenya, starts_on=ago(50))
    mine = services.action_point_add(actor=officer, meeting=meeting, data={
        "text": "Brief the drivers.", "owner": owner, "due_on": ago(1)})
    theirs = services.action_point_add(actor=officer, meeting=meeting, data={
        "text": "Test the radios.", "owner": member, "due_on": ago(0)})
    plan = services.joint_plan_create(actor=officer, team=team, data={
        "title": "Relocation plan", "kind": "relocation"}, organizations=[cast.undp, cast.wfp])
    return {"team": team, "somali": somali, "meeting": meeting, "member": member,
            "owner": owner, "mine": mine, "theirs": theirs, "plan": plan}


def _as(client, user):
    client.force_login(user)
    return client


def test_officer_in_scope_uses_every_page(client, officer, world):
    c = _as(client, officer)
    team, meeting = world["team"], world["meeting"]
    for name, args in (("smt_list", []), ("smt_create", []), ("smt_settings", []),
                       ("smt_detail", [team.pk]), ("smt_edit", [team.pk]),
                       ("smt_meeting_create", [team.pk]), ("smt_plan_create", [team.pk]),
                       ("smt_meeting_detail", [meeting.pk]),
                       ("smt_meeting_record", [meeting.pk]),
                       ("smt_action_list", []), ("smt_action_mine", []),
                       ("smt_action_detail", [world["mine"].pk]),
                       ("smt_action_edit", [world["mine"].pk]),
                       ("smt_plan_list", []), ("smt_plan_detail", [world["plan"].pk]),
                       ("smt_plan_edit", [world["plan"].pk]), ("smt_decision_list", [])):
        assert c.get(reverse(f"coordination:{name}", args=args)).status_code == 200, name
    body = c.get(reverse("coordination:smt_detail", args=[team.pk])).content.decode()
    assert "wfp.head" in body or "WFP" in body
    assert "Brief the drivers." in body
    assert "Role gaps" in body
    assert "Overdue duties" in body
    for fmt in ("csv", "xlsx"):
        assert c.get(reverse("coordination:smt_list") + f"?format={fmt}").status_code == 200
    assert AuditEvent.objects.filter(action="core.export").count() == 2


def test_out_of_scope_answers_as_missing(client, officer, world):
    c = _as(client, officer)
    assert c.get(reverse("coordination:smt_detail", args=[world["somali"].pk])).status_code \
        == 404
    assert c.get(reverse("coordination:smt_detail", args=[999999])).status_code == 404
    listed = c.get(reverse("coordination:smt_list")).content.decode()
    assert "Kenya SMT" in listed
    assert "Somalia SMT" not in listed


def test_member_reads_and_may_not_write(client, world):
    c = _as(client, world["member"])
    team = world["team"]
    assert c.get(reverse("coordination:smt_detail", args=[team.pk])).status_code == 200
    assert c.get(reverse("coordination:smt_meeting_create", args=[team.pk])).status_code == 403
    assert c.get(reverse("coordination:smt_meeting_record",
                         args=[world["meeting"].pk])).status_code == 403
    assert c.get(reverse("coordination:smt_create")).status_code == 403
    response = c.post(reverse("coordination:smt_action_close", args=[world["mine"].pk]),
                      {"version": 1, "outcome": "done", "note": "x"})
    assert response.status_code == 403
    world["mine"].refresh_from_db()
    assert world["mine"].status == "open"


def test_role_without_coordination_is_refused(client, cast, user_with, world):
    trainer = user_with(Role.TRAINING_OFFICER)
    c = _as(client, trainer)
    assert c.get(reverse("coordination:smt_list")).status_code == 403
    assert c.get(reverse("coordination:smt_detail", args=[world["team"].pk])).status_code \
        == 403
    assert c.get(reverse("coordination:smt_action_detail",
                         args=[world["mine"].pk])).status_code == 404


def test_owner_closes_own_action_on_its_page(client, world):
    c = _as(client, world["owner"])
    mine = world["mine"]
    page = c.get(reverse("coordination:smt_action_mine"))
    assert page.status_code == 200
    assert "Brief the drivers." in page.content.decode()
    assert "Test the radios." not in page.content.decode()
    assert c.get(reverse("coordination:smt_action_detail", args=[world["theirs"].pk])
                 ).status_code == 404
    refused = c.post(reverse("coordination:smt_action_close", args=[mine.pk]),
                     {"version": mine.version, "outcome": "done", "note": ""}, follow=True)
    assert "Say how the action was done" in refused.content.decode()
    done = c.post(reverse("coordination:smt_action_close", args=[mine.pk]),
                  {"version": mine.version, "outcome": "done", "note": "Briefed."})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.closed_by) == ("done", world["owner"])


def test_record_page_saves_attendance_and_names_faults(client, officer, world):
    c = _as(client, officer)
    meeting = services.meeting_schedule(actor=officer, team=world["team"],
                                        data={"held_on": ago(1)})
    url = reverse("coordination:smt_meeting_record", args=[meeting.pk])
    page = c.get(url)
    appointment = page.context["formset"].forms[0].initial["appointment"]
    data = {"version": meeting.version, "held_on": ago(1).isoformat(),
            "attendance-TOTAL_FORMS": 1, "attendance-INITIAL_FORMS": 1,
            "attendance-0-appointment": appointment, "attendance-0-status": "represented",
            "attendance-0-represented_by": "", "decision_1": "Close the north gate."}
    refused = c.post(url, data)
    assert refused.status_code == 200
    assert "Say who represented them." in refused.content.decode()
    data["attendance-0-represented_by"] = "Deputy"
    assert c.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert meeting.attendance.get().represented_by == "Deputy"
    assert meeting.decisions.get().text == "Close the north gate."


def test_settings_page_for_readers_and_configurers(client, user_with, officer):
    c = _as(client, officer)
    assert c.get(reverse("coordination:smt_settings")).status_code == 200
    assert c.post(reverse("coordination:smt_settings"), {"level_1": 5}).status_code == 200
    admin = user_with(Role.ADMINISTRATOR)
    c = _as(client, admin)
    bad = c.post(reverse("coordination:smt_settings"), {
        "version": 1, "level_1": 90, "level_2": 90, "level_3": 100, "level_4": 30,
        "level_5": 14, "level_6": 7})
    assert "cannot allow more days" in bad.content.decode()
    good = c.post(reverse("coordination:smt_settings"), {
        "version": 1, "level_1": 80, "level_2": 80, "level_3": 60, "level_4": 30,
        "level_5": 14, "level_6": 7})
    assert good.status_code == 302


def test_team_list_does_not_grow_with_data(client, officer, cast):
    c = _as(client, officer)
    url = reverse("coordination:smt_list")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    SecurityManagementTeam.objects.create(country=cast.kenya, name="One",
                                          established_on=ago(10))
    small = count()
    from vigil.places.models import SecurityArea

    for index in range(6):
        area = SecurityArea.objects.create(country=cast.kenya, code=f"A{index}",
                                           name=f"Area {index}")
        SecurityManagementTeam.objects.create(country=cast.kenya, security_area=area,
                                              name=f"Team {index}", established_on=ago(5))
    assert count() == small


# --- API --------------------------------------------------------------------------------------

def test_api_reads_in_scope_and_hides_the_rest(api, officer, world):
    client = api(officer)
    listed = client.get("/api/v1/coordination/smts/").json()
    assert [t["name"] for t in listed["results"]] == ["Kenya SMT"]
    detail = client.get(f"/api/v1/coordination/smts/{world['team'].pk}/").json()
    assert detail["meeting_state"]["late"] is False
    assert [m["username"] for m in detail["members"]] == ["owner", "wfp.head"] or \
        {m["username"] for m in detail["members"]} == {"owner", "wfp.head"}
    assert client.get(f"/api/v1/coordination/smts/{world['somali'].pk}/").status_code == 404
    assert client.get("/api/v1/coordination/settings/").json()["meeting_interval_days"]["6"] \
        == 7


def test_api_meeting_schedule_record_and_cancel(api, officer, world):
    client = api(officer)
    created = client.post("/api/v1/coordination/meetings/", {
        "team": world["team"].pk, "held_on": ago(2).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    meeting = created.json()
    members = client.get(f"/api/v1/coordination/smts/{world['team'].pk}/").json()["members"]
    bad = client.post(f"/api/v1/coordination/meetings/{meeting['id']}/record/", {
        "version": meeting["version"], "held_on": ago(2).isoformat(), "attendance": [
            {"appointment": members[0]["appointment"], "status": "represented"}]},
        format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "attendance[0].represented_by"
    good = client.post(f"/api/v1/coordination/meetings/{meeting['id']}/record/", {
        "version": meeting["version"], "held_on": ago(2).isoformat(), "attendance": [
            {"appointment": members[0]["appointment"], "status": "present"},
            {"guest_name": "Police liaison", "status": "present"}],
        "decisions": ["Convoys only"]}, format="json")
    assert good.status_code == 200, good.json()
    assert good.json()["status"] == "held"
    assert len(good.json()["decisions"]) == 1
    refused = client.post(f"/api/v1/coordination/meetings/{meeting['id']}/cancel/",
                          {"version": good.json()["version"]}, format="json")
    assert refused.status_code == 409


def test_api_owner_closes_own_action_only(api, world, officer):
    owner = api(world["owner"])
    listed = owner.get("/api/v1/coordination/action-points/?mine=yes").json()
    assert [a["text"] for a in listed["results"]] == ["Brief the drivers."]
    assert listed["results"][0]["late"] is True
    theirs = world["theirs"]
    assert owner.post(f"/api/v1/coordination/action-points/{theirs.pk}/close/", {
        "version": theirs.version, "outcome": "done", "note": "x"}, format="json"
    ).status_code == 404
    mine = world["mine"]
    closed = owner.post(f"/api/v1/coordination/action-points/{mine.pk}/close/", {
        "version": mine.version, "outcome": "done", "note": "Briefed."}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "done"
    assert owner.post(f"/api/v1/coordination/action-points/{mine.pk}/reopen/", {
        "version": closed.json()["version"], "reason": "no"}, format="json").status_code == 403
    reopened = api(officer).post(f"/api/v1/coordination/action-points/{mine.pk}/reopen/", {
        "version": closed.json()["version"], "reason": "Drivers changed."}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"


def test_api_action_and_plan_inputs_are_named(api, officer, world):
    client = api(officer)
    bad = client.post("/api/v1/coordination/action-points/", {
        "meeting": world["meeting"].pk, "text": "X", "owner": world["member"].pk,
        "due_on": ago(30).isoformat()}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "due_on"
    plan = world["plan"]
    move = client.post(f"/api/v1/coordination/joint-plans/{plan.pk}/agree/",
                       {"version": plan.version}, format="json")
    assert move.status_code == 400
    assert move.json()["errors"][0]["field"] == "agreed_on"
    agreed = client.post(f"/api/v1/coordination/joint-plans/{plan.pk}/agree/",
                         {"version": plan.version, "agreed_at": world["meeting"].pk},
                         format="json")
    assert agreed.status_code == 200
    assert agreed.json()["status"] == "agreed"
    assert client.post(f"/api/v1/coordination/joint-plans/{plan.pk}/complete/",
                       {"version": agreed.json()["version"]}, format="json"
                       ).status_code == 409


def test_api_refuses_members_and_outsiders(api, world, user_with, cast):
    member = api(world["member"])
    assert member.post("/api/v1/coordination/meetings/", {
        "team": world["team"].pk, "held_on": ago(1).isoformat()}, format="json"
    ).status_code == 400  # the team is not among those they manage
    somali = api(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert somali.get(f"/api/v1/coordination/meetings/{world['meeting'].pk}/").status_code \
        == 404
    assert somali.put("/api/v1/coordination/settings/update/", {
        "meeting_interval_days": {"1": 90}}, format="json").status_code == 403
    admin = api(user_with(Role.ADMINISTRATOR))
    bad = admin.put("/api/v1/coordination/settings/update/", {
        "meeting_interval_days": {"1": 90, "2": 90, "3": 60, "4": 30, "5": 14, "6": 0},
        "version": 1}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "level_6"


def test_the_security_plan_is_linked_only_for_a_reader_who_may_open_it(client, cast, officer,
                                                                        user_with):
    """A reader over one security area sees its team's joint plans, not the country's
    security plan (a plan is scoped by country or duty station): its title, without a link.
    Found by the authorization matrix."""
    from vigil.coordination.models import JointPlan
    from vigil.risk.models import SecurityPlan

    security_plan = SecurityPlan.objects.create(country=cast.kenya, title="Kenya security plan",
                                                review_due=ago(-100))
    team = services.team_create(actor=officer, data={
        "country": cast.kenya, "security_area": cast.nbi_area, "name": "Nairobi ASMT",
        "established_on": ago(400)})
    plan = services.joint_plan_create(actor=officer, team=team, data={
        "title": "Relocation plan", "kind": "relocation"}, organizations=[cast.undp, cast.wfp])
    JointPlan.objects.filter(pk=plan.pk).update(security_plan=security_plan)
    link = reverse("risk:plan_detail", args=[security_plan.pk])
    page = reverse("coordination:smt_plan_detail", args=[plan.pk])

    text = _as(client, officer).get(page).content.decode()
    assert link in text
    area_member = user_with(Role.SMT_MEMBER, ScopeKind.SECURITY_AREA, cast.nbi_area)
    response = _as(client, area_member).get(page)
    assert response.status_code == 200
    text = response.content.decode()
    assert link not in text
    assert "Kenya security plan" in text
    assert client.get(link).status_code == 404
