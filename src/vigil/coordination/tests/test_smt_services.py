"""Writes to security management teams: one active team per place, meetings scheduled,
recorded as held (attendance of each member, decisions numbered) and cancelled, action points
added, closed (by a manager, or by their owner only) and reopened, joint plans through their
workflow; each move allowed and refused, each bad input named by its field, each write
audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.coordination import smt_services as services
from vigil.coordination.models import (
    Appointment,
    Attendance,
    Decision,
    Function,
    JointPlanKind,
    SecurityManagementTeam,
)
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.places.models import SecurityArea

TODAY = timezone.localdate
P = services.AttendanceRow


def ago(days):
    return TODAY() - dt.timedelta(days=days)


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def team(officer, cast):
    return services.team_create(actor=officer, data={
        "country": cast.kenya, "name": "Kenya SMT", "established_on": ago(400)})


def appoint(user, function, org, country, area=None):
    return Appointment.objects.create(function=function, user=user, organization=org,
                                      country=country, security_area=area,
                                      starts_on=ago(300))


@pytest.fixture
def members(cast, user_with):
    do = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya, username="do")
    head = user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya, username="wfp.head")
    return {"do": appoint(do, Function.DESIGNATED_OFFICIAL, cast.undp, cast.kenya),
            "wfp": appoint(head, Function.SMT_MEMBER, cast.wfp, cast.kenya)}


@pytest.fixture
def held(officer, team, members):
    meeting = services.meeting_schedule(actor=officer, team=team, data={"held_on": ago(5)})
    return services.meeting_record(
        actor=officer, meeting=meeting, version=meeting.version, held_on=ago(5),
        attendance=[P("present", members["do"].user, members["do"]),
                    P("apologies", members["wfp"].user, members["wfp"])],
        decisions=["Raise the guard force.", "", "Review the relocation list."])


# --- Teams ------------------------------------------------------------------------------------

def test_one_active_team_per_country_and_per_area(officer, team, cast):
    with pytest.raises(ValidationFailed) as exc:
        services.team_create(actor=officer, data={"country": cast.kenya, "name": "Again",
                                                  "established_on": ago(1)})
    assert exc.value.for_field("country")
    area_team = services.team_create(actor=officer, data={
        "country": cast.kenya, "security_area": cast.nbi_area, "name": "Nairobi SMT",
        "established_on": ago(10)})
    with pytest.raises(ValidationFailed) as exc:
        services.team_create(actor=officer, data={
            "country": cast.kenya, "security_area": cast.nbi_area, "name": "Again",
            "established_on": ago(1)})
    assert exc.value.for_field("security_area")
    services.team_deactivate(actor=officer, team=area_team, version=area_team.version)
    assert services.team_create(actor=officer, data={
        "country": cast.kenya, "security_area": cast.nbi_area, "name": "Nairobi SMT 2",
        "established_on": ago(1)}).active


def test_team_bad_input_is_named(officer, cast):
    other = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Mogadishu")
    with pytest.raises(ValidationFailed) as exc:
        services.team_create(actor=officer, data={
            "country": cast.kenya, "security_area": other, "name": "",
            "established_on": TODAY() + dt.timedelta(days=1)})
    fields = {e.field for e in exc.value.errors}
    assert {"security_area", "name", "established_on"} <= fields
    assert not SecurityManagementTeam.objects.exists()


def test_team_outside_scope_and_without_right_is_refused(cast, user_with):
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    member = user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya)
    for actor in (somali, member):
        with pytest.raises(Forbidden):
            services.team_create(actor=actor, data={"country": cast.kenya, "name": "X",
                                                    "established_on": ago(1)})


def test_team_edit_is_versioned_and_audited(officer, team):
    services.team_update(actor=officer, team=team, data={"name": "Kenya country SMT"},
                         version=team.version)
    with pytest.raises(StaleVersion):
        services.team_update(actor=officer, team=team, data={"name": "X"}, version=1)
    assert AuditEvent.objects.filter(action="coordination.smt.update",
                                     object_id=str(team.pk)).exists()
    services.team_deactivate(actor=officer, team=team, version=team.version)
    with pytest.raises(TransitionRefused):
        services.team_deactivate(actor=officer, team=team, version=team.version)
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_schedule(actor=officer, team=team, data={"held_on": ago(1)})
    assert exc.value.for_field("team")


# --- Meetings ---------------------------------------------------------------------------------

def test_record_a_meeting_held(officer, held, members):
    assert held.status == "held"
    assert held.recorded_by == officer
    assert list(held.decisions.values_list("number", "text")) == [
        (1, "Raise the guard force."), (2, "Review the relocation list.")]
    rows = {a.user_id: a for a in Attendance.objects.filter(meeting=held)}
    assert rows[members["do"].user_id].status == "present"
    assert rows[members["do"].user_id].organization == members["do"].organization
    event = AuditEvent.objects.get(action="coordination.smt_meeting.record")
    assert event.changes["decisions"][1] == ["Raise the guard force.",
                                             "Review the relocation list."]


def test_recording_again_corrects_the_record(officer, held, members):
    again = services.meeting_record(
        actor=officer, meeting=held, version=held.version, held_on=ago(4),
        attendance=[P("present", members["do"].user, members["do"]),
                    P("represented", members["wfp"].user, members["wfp"],
                      represented_by="Deputy country director"),
                    P("present", guest_name="Police liaison officer")],
        decisions=["Raise the guard force at both gates."], minutes_approved_on=ago(1))
    assert again.held_on == ago(4)
    assert again.minutes_approved_on == ago(1)
    assert Decision.objects.filter(meeting=held).count() == 1
    assert Attendance.objects.filter(meeting=held, guest_name="Police liaison officer").exists()


def test_record_bad_input_is_named_and_nothing_written(officer, team, members, user_with):
    meeting = services.meeting_schedule(actor=officer, team=team, data={"held_on": ago(2)})
    stranger = user_with(username="stranger")
    cases = [
        ({"held_on": TODAY() + dt.timedelta(days=1)}, "held_on"),
        ({"minutes_approved_on": ago(3)}, "minutes_approved_on"),
        ({"attendance": [P("represented", members["do"].user, members["do"])]},
         "attendance[0].represented_by"),
        ({"attendance": [P("present", stranger)]}, "attendance[0].user"),
        ({"attendance": [P("present", members["do"].user, members["do"]),
                          P("absent", members["do"].user, members["do"])]},
         "attendance[1].user"),
        ({"attendance": [P("present", guest_name="")]}, "attendance[0].guest_name"),
        ({"attendance": [P("absent", members["do"].user, members["do"])]}, "attendance"),
    ]
    for change, field in cases:
        args = {"held_on": ago(2), "attendance": [P("present", members["do"].user,
                                                      members["do"])], "decisions": [],
                **change}
        with pytest.raises(ValidationFailed) as exc:
            services.meeting_record(actor=officer, meeting=meeting, version=meeting.version,
                                    **args)
        assert exc.value.for_field(field), (field, exc.value.errors)
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    assert not meeting.attendance.exists()


def test_cancel_only_a_scheduled_meeting(officer, team, held):
    meeting = services.meeting_schedule(actor=officer, team=team,
                                        data={"held_on": TODAY() + dt.timedelta(days=7)})
    services.meeting_cancel(actor=officer, meeting=meeting, version=meeting.version,
                            reason="The DO is travelling.")
    assert meeting.status == "cancelled"
    assert meeting.summary == "The DO is travelling."
    with pytest.raises(TransitionRefused):
        services.meeting_cancel(actor=officer, meeting=held, version=held.version)
    with pytest.raises(TransitionRefused):
        services.meeting_record(actor=officer, meeting=meeting, version=meeting.version,
                                held_on=ago(0), attendance=[], decisions=[])
    with pytest.raises(TransitionRefused):
        services.meeting_update(actor=officer, meeting=held, data={"location": "X"},
                                version=held.version)
    assert AuditEvent.objects.filter(action="coordination.smt_meeting.cancel").count() == 1


def test_members_may_not_schedule(team, members):
    with pytest.raises(Forbidden):
        services.meeting_schedule(actor=members["wfp"].user, team=team,
                                  data={"held_on": ago(1)})


# --- Action points ----------------------------------------------------------------------------

@pytest.fixture
def action(officer, held, members):
    return services.action_point_add(actor=officer, meeting=held, data={
        "text": "Brief the guard force.", "owner": members["wfp"].user,
        "due_on": ago(1), "decision": held.decisions.get(number=1)})


def test_action_point_bad_input_is_named(officer, held, team, user_with, cast):
    outsider = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(ValidationFailed) as exc:
        services.action_point_add(actor=officer, meeting=held, data={
            "text": "", "owner": outsider, "due_on": held.held_on - dt.timedelta(days=1)})
    assert {"text", "owner", "due_on"} <= {e.field for e in exc.value.errors}
    scheduled = services.meeting_schedule(actor=officer, team=team, data={"held_on": ago(0)})
    with pytest.raises(TransitionRefused):
        services.action_point_add(actor=officer, meeting=scheduled, data={
            "text": "X", "owner": officer, "due_on": ago(0)})


def test_owner_with_access_in_scope_may_own_an_action(officer, held, cast, user_with):
    adviser = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    row = services.action_point_add(actor=officer, meeting=held, data={
        "text": "Update the warden list.", "owner": adviser, "due_on": ago(0)})
    assert row.owner == adviser


def test_owner_closes_own_action_but_not_anothers(action, members, officer, held):
    other = services.action_point_add(actor=officer, meeting=held, data={
        "text": "Chair the next meeting.", "owner": members["do"].user, "due_on": ago(0)})
    owner = members["wfp"].user
    with pytest.raises(Forbidden):
        services.action_point_close(actor=owner, action=other, version=other.version,
                                    outcome="done", note="Done")
    with pytest.raises(ValidationFailed) as exc:
        services.action_point_close(actor=owner, action=action, version=action.version,
                                    outcome="done", note=" ")
    assert exc.value.for_field("note")
    services.action_point_close(actor=owner, action=action, version=action.version,
                                outcome="done", note="Briefed on Monday.")
    action.refresh_from_db()
    assert (action.status, action.closed_by, action.closed_on) == ("done", owner, TODAY())
    with pytest.raises(TransitionRefused):
        services.action_point_close(actor=owner, action=action, version=action.version,
                                    outcome="drop", note="again")
    # Reopening is the team's managers' decision, not the owner's.
    with pytest.raises(Forbidden):
        services.action_point_reopen(actor=owner, action=action, version=action.version,
                                     reason="Not done after all")


def test_manager_drops_reopens_and_edits(action, officer):
    services.action_point_close(actor=officer, action=action, version=action.version,
                                outcome="drop", note="Overtaken by events.")
    assert action.status == "dropped"
    with pytest.raises(TransitionRefused):
        services.action_point_update(actor=officer, action=action, data={"text": "X"},
                                     version=action.version)
    with pytest.raises(ValidationFailed) as exc:
        services.action_point_reopen(actor=officer, action=action, version=action.version,
                                     reason="")
    assert exc.value.for_field("reason")
    services.action_point_reopen(actor=officer, action=action, version=action.version,
                                 reason="The guard force changed.")
    assert (action.status, action.closed_on, action.closure_note) == ("open", None, "")
    with pytest.raises(TransitionRefused):
        services.action_point_reopen(actor=officer, action=action, version=action.version,
                                     reason="again")
    with pytest.raises(ValidationFailed) as exc:
        services.action_point_close(actor=officer, action=action, version=action.version,
                                    outcome="maybe", note="x")
    assert exc.value.for_field("outcome")
    actions = list(AuditEvent.objects.filter(object_id=str(action.pk),
                                             object_type="coordination.actionpoint")
                   .values_list("action", flat=True))
    assert {"coordination.smt_action.create", "coordination.smt_action.close",
            "coordination.smt_action.reopen"} <= set(actions)


def test_a_decision_with_action_points_is_kept(officer, held, action, members):
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_record(actor=officer, meeting=held, version=held.version,
                                held_on=held.held_on, decisions=[],
                                attendance=[P("present", members["do"].user, members["do"])])
    assert exc.value.for_field("decisions")


# --- Joint plans ------------------------------------------------------------------------------

def test_joint_plan_workflow(officer, team, held, cast):
    plan = services.joint_plan_create(actor=officer, team=team, data={
        "title": "Relocation plan", "kind": JointPlanKind.RELOCATION},
        organizations=[cast.undp, cast.wfp])
    assert plan.status == "drafting"
    with pytest.raises(TransitionRefused):
        services.joint_plan_transition(actor=officer, plan=plan, action="complete",
                                       version=plan.version)
    with pytest.raises(ValidationFailed) as exc:
        services.joint_plan_transition(actor=officer, plan=plan, action="agree",
                                       version=plan.version)
    assert exc.value.for_field("agreed_on")
    services.joint_plan_transition(actor=officer, plan=plan, action="agree",
                                   version=plan.version, agreed_at=held)
    assert (plan.status, plan.agreed_on) == ("agreed", held.held_on)
    services.joint_plan_transition(actor=officer, plan=plan, action="implement",
                                   version=plan.version)
    services.joint_plan_transition(actor=officer, plan=plan, action="complete",
                                   version=plan.version)
    assert plan.status == "completed"
    for move in ("abandon", "agree"):
        with pytest.raises(TransitionRefused):
            services.joint_plan_transition(actor=officer, plan=plan, action=move,
                                           version=plan.version)
    with pytest.raises(TransitionRefused):
        services.joint_plan_update(actor=officer, plan=plan, data={"title": "X"},
                                   version=plan.version)
    assert AuditEvent.objects.filter(action="coordination.joint_plan.complete").exists()


def test_joint_plan_bad_input_is_named(officer, team, cast):
    with pytest.raises(ValidationFailed) as exc:
        services.joint_plan_create(actor=officer, team=team, data={
            "title": "", "kind": "nonsense"}, organizations=[cast.undp])
    assert {"title", "kind", "organizations"} <= {e.field for e in exc.value.errors}
    plan = services.joint_plan_create(actor=officer, team=team, data={
        "title": "MOSS plan", "kind": JointPlanKind.MOSS}, organizations=[cast.undp, cast.wfp])
    with pytest.raises(ValidationFailed) as exc:
        services.joint_plan_transition(actor=officer, plan=plan, action="agree",
                                       version=plan.version,
                                       agreed_on=TODAY() + dt.timedelta(days=3))
    assert exc.value.for_field("agreed_on")
    services.joint_plan_transition(actor=officer, plan=plan, action="abandon",
                                   version=plan.version)
    assert plan.status == "abandoned"


# --- Settings ---------------------------------------------------------------------------------

def test_settings_need_a_global_configurer(officer, user_with, cast):
    table = {"1": 100, "2": 90, "3": 60, "4": 30, "5": 14, "6": 7}
    with pytest.raises(Forbidden):
        services.settings_update(actor=officer, meeting_interval_days=table, version=None)
    scoped = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        services.settings_update(actor=scoped, meeting_interval_days=table, version=None)
    admin = user_with(Role.ADMINISTRATOR)
    with pytest.raises(ValidationFailed) as exc:
        services.settings_update(actor=admin, meeting_interval_days={**table, "4": 0,
                                                                      "6": 20}, version=None)
    assert {e.field for e in exc.value.errors} == {"level_4", "level_6"}
    saved = services.settings_update(actor=admin, meeting_interval_days=table, version=None)
    assert saved.meeting_interval_days["1"] == 100
    with pytest.raises(StaleVersion):
        services.settings_update(actor=admin, meeting_interval_days=table, version=1)
    event = AuditEvent.objects.get(action="coordination.settings.update")
    assert event.changes["meeting_interval_days"][1]["1"] == 100
