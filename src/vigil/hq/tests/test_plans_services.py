"""Emergency plans and drills through their services: the workflow allowed and refused, the
approver in scope and never the last editor, superseding, reviews, new versions, drills and
corrective actions, the settings, and the SP1.c selectors over the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.hq import plans_selectors as selectors
from vigil.hq import plans_services as services
from vigil.hq.models import ActionStatus, PlanKind, PlanStatus


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)


@pytest.fixture
def official(cast, user_with):
    return user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)


def _plan(cast, officer, kind=PlanKind.EVACUATION, label="2025.1"):
    return services.plan_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": kind, "title": "Gigiri evacuation plan",
        "version_label": label})


def _move(plan, actor, action, comment=""):
    plan.refresh_from_db()
    return services.plan_transition(actor=actor, plan=plan, action=action,
                                    version=plan.version, comment=comment)


def _approved(cast, officer, official, **kw):
    plan = _plan(cast, officer, **kw)
    _move(plan, officer, "submit")
    return _move(plan, official, "approve")


def test_draft_submit_approve_and_supersede(cast, officer, official):
    first = _approved(cast, officer, official)
    assert first.status == PlanStatus.APPROVED
    assert first.approved_by == official
    assert first.approved_on == services.station_today(cast.nairobi)
    second = _approved(cast, officer, official, label="2026.1")
    first.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED
    assert first.superseded_on == second.approved_on
    assert [e.action for e in first.events.all()] == ["create", "submit", "approve",
                                                      "supersede"]


def test_return_needs_a_note_and_reopens_the_draft(cast, officer, official):
    plan = _plan(cast, officer)
    _move(plan, officer, "submit")
    with pytest.raises(ValidationFailed) as refused:
        _move(plan, official, "return")
    assert refused.value.errors[0].field == "comment"
    back = _move(plan, official, "return", "Add the assembly points.")
    assert back.status == PlanStatus.DRAFT
    assert back.return_note == "Add the assembly points."


@pytest.mark.parametrize(("setup", "action"), [
    ([], "approve"), ([], "return"), (["submit"], "submit"),
    (["submit", "approve"], "submit"), (["submit", "approve"], "return"),
    (["submit", "approve"], "approve")])
def test_moves_out_of_the_table_are_refused(cast, officer, official, setup, action):
    plan = _plan(cast, officer)
    for step in setup:
        _move(plan, officer if step == "submit" else official, step)
    actor = official if action in {"approve", "return"} else officer
    with pytest.raises(TransitionRefused):
        _move(plan, actor, action, "note")


def test_the_last_editor_does_not_approve(cast, user_with):
    both = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    from vigil.core.models import RoleGrant

    RoleGrant.objects.create(user=both, role=Role.DESIGNATED_OFFICIAL,
                             scope_kind=ScopeKind.COUNTRY, scope_id=cast.kenya.pk)
    from vigil.core.authz import forget_grants

    forget_grants(both)
    plan = _plan(cast, both)
    _move(plan, both, "submit")
    with pytest.raises(Forbidden, match="edited this plan last"):
        _move(plan, both, "approve")
    assert not services.may_move(both, plan, "approve")


def test_an_official_out_of_scope_and_other_roles_do_not_approve(cast, officer, user_with):
    plan = _plan(cast, officer)
    _move(plan, officer, "submit")
    for other in (user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.somalia),
                  user_with(Role.SECURITY_OFFICER), user_with(Role.TRAVELLER),
                  user_with(Role.HQ_SECURITY_OFFICER)):
        with pytest.raises(Forbidden):
            _move(plan, other, "approve")


def test_an_official_does_not_draft_and_an_outsider_does_not_edit(cast, officer, official,
                                                                   user_with):
    with pytest.raises(Forbidden):
        _plan(cast, official)
    elsewhere = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.mombasa)
    plan = _plan(cast, officer)
    with pytest.raises(Forbidden):
        services.plan_update(actor=elsewhere, plan=plan, data={"title": "x"},
                             version=plan.version)
    assert not selectors.plan_list(user=elsewhere).exists()


def test_plans_only_for_headquarters_and_regional_commissions(cast, user_with):
    anyone = user_with(Role.HQ_SECURITY_OFFICER)
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(actor=anyone, data={
            "duty_station": cast.mombasa, "kind": PlanKind.CRISIS, "title": "x",
            "version_label": "1"})
    assert refused.value.errors[0].field == "duty_station"


def test_only_a_draft_is_edited_but_a_plan_in_force_may_get_an_earlier_review(
        cast, officer, official):
    plan = _approved(cast, officer, official)
    with pytest.raises(TransitionRefused):
        services.plan_update(actor=officer, plan=plan, data={"title": "New"},
                             version=plan.version)
    due = plan.approved_on + dt.timedelta(days=60)
    saved = services.plan_update(actor=officer, plan=plan, data={"review_due_set": due},
                                 version=plan.version)
    assert selectors.plan_review_due(saved, on=plan.approved_on) == due


def test_review_restarts_the_period_and_is_refused_on_a_draft(cast, officer, official):
    draft = _plan(cast, officer, kind=PlanKind.CRISIS)
    with pytest.raises(TransitionRefused):
        services.plan_review(actor=officer, plan=draft, version=draft.version)
    plan = _approved(cast, officer, official)
    with pytest.raises(ValidationFailed) as refused:
        services.plan_review(actor=officer, plan=plan, version=plan.version,
                             reviewed_on=timezone.localdate() + dt.timedelta(days=3))
    assert refused.value.errors[0].field == "reviewed_on"
    services.plan_review(actor=officer, plan=plan, version=plan.version, note="No change.")
    assert plan.reviews.count() == 1


def test_new_version_once_only(cast, officer, official):
    plan = _approved(cast, officer, official)
    draft = services.plan_revise(actor=officer, plan=plan)
    assert draft.status == PlanStatus.DRAFT
    assert draft.kind == plan.kind
    with pytest.raises(TransitionRefused):
        services.plan_revise(actor=officer, plan=plan)
    with pytest.raises(TransitionRefused):
        services.plan_revise(actor=officer, plan=draft)


def test_drills_corrective_actions_and_the_status(cast, officer, official):
    plans = [_approved(cast, officer, official, kind=k) for k in PlanKind]
    # The station's own day: plans are approved on Nairobi's date, which is a day ahead of
    # UTC's from 21:00 UTC.
    today = services.station_today(cast.nairobi)
    assert not selectors.station_status(station=cast.nairobi, on=today).compliant
    services.drill_create(actor=officer, data={
        "duty_station": cast.nairobi, "premises": cast.gigiri, "kind": "crisis_exercise",
        "held_on": today, "participants": 40, "duration_minutes": 90,
        "findings": "Slow roll call."}, plans=plans)
    status = selectors.station_status(station=cast.nairobi, on=today)
    assert status.compliant, status.reasons
    rows = selectors.plans_status_on(on=today)
    assert [(r["station"], r["status"].compliant) for r in rows] == [(cast.nairobi, True)]
    over = selectors.plans_status_over(start=today - dt.timedelta(days=2), end=today)
    assert over[0]["period"].days_not_compliant == 2
    earlier = services.drill_create(actor=officer, data={
        "duty_station": cast.nairobi, "kind": "evacuation",
        "held_on": today - dt.timedelta(days=5), "participants": 30,
        "duration_minutes": 20, "findings": "Two wardens absent."})
    action = services.corrective_action_add(actor=officer, drill=earlier, data={
        "description": "Train wardens", "owner": "Facilities",
        "due_on": today - dt.timedelta(days=1)})
    assert list(selectors.action_list(user=officer, overdue=True, on=today)) == [action]
    with pytest.raises(ValidationFailed) as refused:
        services.corrective_action_close(actor=officer, action=action, version=action.version,
                                         note="")
    assert refused.value.errors[0].field == "note"
    closed = services.corrective_action_close(actor=officer, action=action,
                                              version=action.version, note="Done.")
    assert closed.status == ActionStatus.CLOSED
    assert closed.closed_on == services.station_today(cast.nairobi)
    with pytest.raises(TransitionRefused):
        services.corrective_action_close(actor=officer, action=closed, version=closed.version,
                                         note="Again")


def test_a_drill_names_its_own_station_premises_and_plans(cast, officer, user_with):
    anyone = user_with(Role.HQ_SECURITY_OFFICER)
    draft = _plan(cast, officer)
    with pytest.raises(ValidationFailed) as refused:
        services.drill_create(actor=anyone, data={
            "duty_station": cast.nairobi, "premises": cast.mombasa_office,
            "kind": "evacuation", "held_on": timezone.localdate() + dt.timedelta(days=5),
            "participants": 1, "duration_minutes": 0}, plans=[draft])
    fields = {e.field for e in refused.value.errors}
    assert {"premises", "held_on", "plans", "duration_minutes"} <= fields


def test_settings_are_changed_only_by_a_global_manager(cast, officer, user_with):
    periods = {k: {"required": True, "review_months": 6, "test_months": 3}
               for k in ("crisis", "evacuation", "contingency")}
    with pytest.raises(Forbidden):
        services.plan_settings_update(actor=officer, periods=periods, version=0)
    manager = user_with(Role.HQ_SECURITY_OFFICER)
    with pytest.raises(ValidationFailed) as refused:
        services.plan_settings_update(actor=manager, periods={**periods, "crisis": {
            "required": True, "review_months": 0, "test_months": 3}}, version=0)
    assert refused.value.errors[0].field == "crisis_review_months"
    saved = services.plan_settings_update(actor=manager, periods=periods, version=0)
    assert saved.version == 1
    assert selectors.policy()["crisis"].review_months == 6
