"""Corrective actions edited on the drill's page (description, owner, due date) while open, as
through the API: the officer in scope allowed, a closed action refused, a due date before the
drill refused and nothing written, out of scope 404, the designated official (who reads plans)
and other roles refused. And what the plans pages and services say: a move confirmed with the
status label, each refused move one whole sentence, the review rule said plainly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.hq import plans_rules as rules
from vigil.hq import plans_services as services
from vigil.hq.models import ActionStatus, CorrectiveAction, EmergencyPlan, PlanKind, PlanStatus
from vigil.hq.plans_forms import DrillFilters


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)


@pytest.fixture
def drill(cast, officer):
    return services.drill_create(actor=officer, data={
        "duty_station": cast.nairobi, "premises": cast.gigiri, "kind": "evacuation",
        "held_on": timezone.localdate() - dt.timedelta(days=10), "participants": 40,
        "duration_minutes": 30, "findings": "Siren not heard in the basement."})


@pytest.fixture
def action(drill, officer):
    return services.corrective_action_add(actor=officer, drill=drill, data={
        "description": "Fix the siren", "owner": "Facilities",
        "due_on": timezone.localdate() + dt.timedelta(days=20)})


def _edit_url(row):
    return reverse("hq:drill_action_edit", args=[row.pk])


def _post(row, **more):
    return {"version": row.version, "description": row.description, "owner": row.owner,
            "due_on": row.due_on.isoformat(), **more}


# --- The service ------------------------------------------------------------------------------

def test_an_open_action_is_changed_and_audited(action, officer):
    due = action.due_on + dt.timedelta(days=7)
    saved = services.corrective_action_update(
        actor=officer, action=action, version=action.version,
        data={"owner": "Building management", "due_on": due,
              "description": "Replace the siren"})
    assert (saved.owner, saved.due_on, saved.description) == (
        "Building management", due, "Replace the siren")
    assert saved.version == 2
    event = AuditEvent.objects.filter(action="hq.corrective_action.update").get()
    assert set(event.changes) >= {"owner", "due_on", "description"}


def test_a_closed_action_cannot_be_changed(action, officer):
    closed = services.corrective_action_close(actor=officer, action=action,
                                              version=action.version, note="Done.")
    with pytest.raises(TransitionRefused) as refused:
        services.corrective_action_update(actor=officer, action=closed,
                                          version=closed.version, data={"owner": "x"})
    assert str(refused.value.message) == "A closed action cannot be changed."


@pytest.mark.parametrize("days", [-1, 0])
def test_an_action_is_due_on_or_after_its_drill(drill, action, officer, days):
    due = drill.held_on + dt.timedelta(days=days)
    if days < 0:
        with pytest.raises(ValidationFailed) as refused:
            services.corrective_action_update(actor=officer, action=action,
                                              version=action.version, data={"due_on": due})
        assert [e.field for e in refused.value.errors] == ["due_on"]
        with pytest.raises(ValidationFailed):
            services.corrective_action_add(actor=officer, drill=drill, data={
                "description": "x", "owner": "y", "due_on": due})
        action.refresh_from_db()
        assert action.version == 1
        assert CorrectiveAction.objects.count() == 1
    else:
        saved = services.corrective_action_update(actor=officer, action=action,
                                                  version=action.version,
                                                  data={"due_on": due})
        assert saved.due_on == drill.held_on


def test_a_stale_version_is_refused(action, officer):
    with pytest.raises(StaleVersion):
        services.corrective_action_update(actor=officer, action=action, version=99,
                                          data={"owner": "x"})


# --- The drill's page -------------------------------------------------------------------------

def test_the_drill_page_offers_the_edit_of_open_actions_only(client, drill, action, officer):
    other = services.corrective_action_add(actor=officer, drill=drill, data={
        "description": "Brief the wardens", "owner": "Security",
        "due_on": timezone.localdate()})
    services.corrective_action_close(actor=officer, action=other, version=other.version,
                                     note="Briefed.")
    client.force_login(officer)
    page = client.get(reverse("hq:drill_detail", args=[drill.pk])).content.decode()
    assert _edit_url(action) in page
    assert _edit_url(other) not in page
    assert 'value="Facilities"' in page


def test_the_officer_edits_an_action_from_the_drill_page(client, drill, action, officer):
    client.force_login(officer)
    assert client.get(_edit_url(action)).status_code == 200
    due = action.due_on + dt.timedelta(days=5)
    response = client.post(_edit_url(action), _post(action, owner="Building management",
                                                    due_on=due.isoformat()))
    assert response.status_code == 302
    assert response["Location"] == reverse("hq:drill_detail", args=[drill.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Corrective action saved."]
    action.refresh_from_db()
    assert (action.owner, action.due_on, action.version) == ("Building management", due, 2)


def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(client, drill, action,
                                                                    officer):
    client.force_login(officer)
    early = (drill.held_on - dt.timedelta(days=1)).isoformat()
    response = client.post(_edit_url(action), _post(action, owner="", due_on=early))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page
    response = client.post(_edit_url(action), _post(action, due_on=early))
    assert "An action cannot be due before the drill that found it" in \
        response.content.decode()
    stale = client.post(_edit_url(action), _post(action, version=7, owner="Late"))
    assert stale.status_code == 200
    action.refresh_from_db()
    assert (action.owner, action.version) == ("Facilities", 1)


def test_a_closed_action_is_not_edited_on_the_page(client, action, officer):
    closed = services.corrective_action_close(actor=officer, action=action,
                                              version=action.version, note="Done.")
    client.force_login(officer)
    response = client.post(_edit_url(closed), _post(closed, owner="Someone"))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "A closed action cannot be changed."]
    closed.refresh_from_db()
    assert closed.owner == "Facilities"
    assert closed.status == ActionStatus.CLOSED


def test_out_of_scope_is_not_found_and_other_roles_are_refused(client, api, cast, action,
                                                               user_with):
    elsewhere = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.mombasa)
    client.force_login(elsewhere)
    assert client.get(_edit_url(action)).status_code == 404
    assert client.post(_edit_url(action), _post(action, owner="x")).status_code == 404
    reader = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(reader)
    assert client.post(_edit_url(action), _post(action, owner="x")).status_code == 403
    assert api(reader).patch(f"/api/v1/hq/corrective-actions/{action.pk}/",
                             {"owner": "x", "version": 1}, format="json").status_code == 403
    for role in (Role.SECURITY_OFFICER, Role.PROGRAMME_MANAGER, Role.TRAVELLER):
        client.force_login(user_with(role))
        assert client.post(_edit_url(action), _post(action, owner="x")).status_code == 404
    action.refresh_from_db()
    assert action.owner == "Facilities"


def test_the_api_edits_the_same_way(api, drill, action, officer):
    client = api(officer)
    url = f"/api/v1/hq/corrective-actions/{action.pk}/"
    early = (drill.held_on - dt.timedelta(days=1)).isoformat()
    refused = client.patch(url, {"due_on": early, "version": 1}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "due_on"
    saved = client.patch(url, {"owner": "FMS", "version": 1}, format="json")
    assert saved.status_code == 200
    assert saved.json()["owner"] == "FMS"
    client.post(f"{url}close/", {"version": 2, "note": "Done."}, format="json")
    assert client.patch(url, {"owner": "x", "version": 3}, format="json").status_code == 409


# --- What the plans pages and services say ------------------------------------------------------

def test_every_plan_move_has_its_own_refusal():
    assert set(services.REFUSED_MOVES) == set(rules.PLAN_TRANSITIONS)


@pytest.mark.parametrize(("action", "status", "message"), [
    ("submit", PlanStatus.SUBMITTED,
     "Only a draft can be submitted for approval. Its status: Submitted for approval."),
    ("approve", PlanStatus.DRAFT,
     "Only a plan submitted for approval can be approved. Its status: Draft."),
    ("return", PlanStatus.APPROVED,
     "Only a plan submitted for approval can be returned to draft. Its status: Approved."),
])
def test_a_refused_plan_move_says_why_in_one_sentence(cast, officer, user_with, action, status,
                                                      message):
    plan = services.plan_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": PlanKind.CRISIS, "title": "CMP",
        "version_label": "1"})
    EmergencyPlan.objects.filter(pk=plan.pk).update(
        status=status, approved_on=timezone.localdate() if status == PlanStatus.APPROVED
        else None)
    plan.refresh_from_db()
    actor = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya) \
        if action == "approve" else officer
    with pytest.raises(TransitionRefused) as refused:
        services.plan_transition(actor=actor, plan=plan, action=action, version=plan.version,
                                 comment="x")
    assert str(refused.value.message) == message


def test_a_plan_move_is_confirmed_with_the_status_label(client, cast, officer):
    plan = services.plan_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": PlanKind.CRISIS, "title": "CMP",
        "version_label": "1"})
    client.force_login(officer)
    response = client.post(reverse("hq:plan_move", args=[plan.pk, "submit"]),
                           {"version": plan.version})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Plan {plan}: Submitted for approval."]


def test_a_draft_is_not_reviewed_and_the_refusal_names_its_status(cast, officer):
    plan = services.plan_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": PlanKind.CRISIS, "title": "CMP",
        "version_label": "1"})
    with pytest.raises(TransitionRefused) as refused:
        services.plan_review(actor=officer, plan=plan, version=plan.version)
    assert str(refused.value.message) == "Only a plan in force can be reviewed. Its status: Draft."


def test_the_board_states_the_review_rule_plainly(client, officer):
    client.force_login(officer)
    page = client.get(reverse("hq:plan_board")).content.decode()
    assert "is on time if reviewed on that day; overdue from the next day." in page
    assert "still in time" not in page


def test_the_drill_search_reads_words_in_the_findings(officer):
    assert str(DrillFilters(user=officer).fields["q"].help_text) == "Words in the findings."


def test_the_actions_list_filters_overdue_ones(client, drill, action, officer):
    late = services.corrective_action_add(actor=officer, drill=drill, data={
        "description": "Repaint the stairwell signs", "owner": "Facilities",
        "due_on": timezone.localdate() - dt.timedelta(days=2)})
    client.force_login(officer)
    overdue = client.get(reverse("hq:drill_action_list") + "?overdue=on").content.decode()
    assert late.description in overdue
    assert action.description not in overdue
    every = client.get(reverse("hq:drill_action_list")).content.decode()
    assert late.description in every
    assert action.description in every


def test_the_periods_page_says_the_defaults_were_never_changed(client, officer, user_with):
    client.force_login(officer)
    page = client.get(reverse("hq:plan_settings")).content.decode()
    assert "The default periods: never changed." in page
    assert "Version 0." not in page
    manager = user_with(Role.HQ_SECURITY_OFFICER)
    services.plan_settings_update(actor=manager, periods=rules.default_policy_data(),
                                  version=0)
    page = client.get(reverse("hq:plan_settings")).content.decode()
    assert "Version 1." in page
