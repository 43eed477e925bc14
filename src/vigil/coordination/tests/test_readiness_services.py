"""Services of mission readiness: opening a checklist copies its template (due dates from the
start, owners from the appointments in force, else the lead), moving the start moves the due
dates of what is not done, the workflow allowed and refused, the owner may update their own
requirement and not another's, bad input named by field, templates kept by global
configurers only, and an audit event for every write."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.coordination import readiness_selectors as selectors
from vigil.coordination import readiness_services as services
from vigil.coordination.models import (
    Appointment,
    ChecklistItem,
    ReadinessChecklist,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent

TODAY = selectors.today()


@pytest.fixture
def template(db):
    template = RequirementTemplate.objects.create(name="Field mission",
                                                  operation_kind="new_mission")
    rows = [("staffing", "CSA post filled", "chief_security_adviser", -30, True),
            ("communications", "Radio room staffed", "field_security_officer", -7, True),
            ("plans", "Security plan with wardens", "", 0, True),
            ("training", "Gym membership", "warden", 30, False)]
    for n, (category, text, function, offset, mandatory) in enumerate(rows, start=1):
        TemplateItem.objects.create(template=template, category=category, text=text,
                                    owner_function=function, due_offset_days=offset,
                                    mandatory=mandatory, order=n)
    return template


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def admin(user_with):
    return user_with(Role.ADMINISTRATOR)


def _open(actor, cast, tpl, **more):
    data = {"name": "Kenya support office", "template": tpl, "country": cast.kenya,
            "starts_on": TODAY + dt.timedelta(days=20), **more}
    return services.checklist_open(actor=actor, data=data)


def _items(checklist):
    return {i.text: i for i in checklist.items.all()}


def test_opening_copies_the_template_with_due_dates_and_owners(cast, user_with, officer,
                                                               template):
    adviser = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    ended = user_with()
    Appointment.objects.create(function="chief_security_adviser", user=adviser,
                               organization=cast.undp, country=cast.kenya,
                               starts_on=TODAY - dt.timedelta(days=100))
    Appointment.objects.create(function="field_security_officer", user=ended,
                               organization=cast.undp, country=cast.kenya,
                               starts_on=TODAY - dt.timedelta(days=100),
                               ends_on=TODAY - dt.timedelta(days=1))
    checklist = _open(officer, cast, template, duty_station=cast.nairobi)
    items = _items(checklist)
    start = checklist.starts_on
    assert checklist.operation_kind == "new_mission"  # the template's
    assert checklist.lead == officer
    assert items["CSA post filled"].due_on == start - dt.timedelta(days=30)
    assert items["Security plan with wardens"].due_on == start
    assert items["Gym membership"].due_on == start + dt.timedelta(days=30)
    assert items["CSA post filled"].owner == adviser  # holds the function in force
    assert items["Radio room staffed"].owner == officer  # the appointment ended: the lead
    assert items["Gym membership"].mandatory is False
    event = AuditEvent.objects.get(action="coordination.readiness_checklist.create")
    assert event.changes["items"] == [None, 4]


def test_the_duty_station_holder_wins_over_the_country_holder(cast, user_with, officer,
                                                              template):
    country_csa, station_csa = user_with(), user_with()
    for user, station in ((country_csa, None), (station_csa, cast.nairobi)):
        Appointment.objects.create(function="chief_security_adviser", user=user,
                                   organization=cast.undp, country=cast.kenya,
                                   duty_station=station, starts_on=TODAY)
    at_nairobi = _items(_open(officer, cast, template, duty_station=cast.nairobi))
    at_mombasa = _items(_open(officer, cast, template, duty_station=cast.mombasa))
    assert at_nairobi["CSA post filled"].owner == station_csa
    assert at_mombasa["CSA post filled"].owner == country_csa


def test_moving_the_start_moves_the_due_dates_of_what_is_not_done(cast, officer, template):
    checklist = _open(officer, cast, template)
    done = _items(checklist)["Security plan with wardens"]
    services.checklist_item_update(actor=officer, item=done, version=done.version, data={
        "status": "done", "evidence": "Plan signed by the DO."})
    before = {i.text: i.due_on for i in checklist.items.all()}
    services.checklist_update(actor=officer, checklist=checklist, version=checklist.version,
                              data={"starts_on": checklist.starts_on + dt.timedelta(days=10)})
    after = {i.text: i.due_on for i in checklist.items.all()}
    assert after["CSA post filled"] == before["CSA post filled"] + dt.timedelta(days=10)
    assert after["Security plan with wardens"] == before["Security plan with wardens"]
    assert AuditEvent.objects.filter(action="coordination.readiness_checklist.update",
                                     changes__due_dates_moved__1__days=10).exists()


def test_owner_updates_their_own_requirement_but_not_another(cast, user_with, officer,
                                                             template):
    checklist = _open(officer, cast, template)
    mine, other = list(checklist.items.order_by("pk"))[:2]
    owner = user_with(Role.WARDEN, ScopeKind.COUNTRY, cast.kenya)
    services.checklist_item_update(actor=officer, item=mine, version=mine.version,
                                   data={"owner": owner})
    mine.refresh_from_db()
    services.checklist_item_update(actor=owner, item=mine, version=mine.version,
                                   data={"status": "in_progress"})
    with pytest.raises(Forbidden):
        services.checklist_item_update(actor=owner, item=other, version=other.version,
                                       data={"status": "in_progress"})
    with pytest.raises(Forbidden):  # the owner sets status, not the owner or due date
        services.checklist_item_update(actor=owner, item=mine, version=mine.version,
                                       data={"due_on": TODAY})
    assert ChecklistItem.objects.get(pk=mine.pk).status == "in_progress"


def test_officer_elsewhere_is_refused(cast, user_with, officer, template):
    checklist = _open(officer, cast, template)
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    item = checklist.items.first()
    with pytest.raises(Forbidden):
        _open(somali, cast, template)
    with pytest.raises(Forbidden):
        services.checklist_transition(actor=somali, checklist=checklist, action="start",
                                      version=checklist.version)
    with pytest.raises(Forbidden):
        services.checklist_item_update(actor=somali, item=item, version=item.version,
                                       data={"status": "in_progress"})


def test_status_rules_are_enforced_by_field(cast, officer, template):
    item = _items(_open(officer, cast, template))["CSA post filled"]
    cases = [({"status": "not_applicable"}, "evidence"),
             ({"status": "done"}, "evidence"),
             ({"status": "done", "evidence": "x", "done_on": TODAY + dt.timedelta(days=1)},
              "done_on"),
             ({"status": "finished"}, "status"),
             ({"text": " "}, "text"),
             ({"colour": "red"}, "colour")]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            services.checklist_item_update(actor=officer, item=item, version=item.version,
                                           data=data)
        assert field in {e.field for e in caught.value.errors}, data
        item.refresh_from_db()
        assert item.status == "open"


def test_done_defaults_to_today_and_other_statuses_drop_the_date(cast, officer, template):
    item = _items(_open(officer, cast, template))["Gym membership"]
    services.checklist_item_update(actor=officer, item=item, version=item.version,
                                   data={"status": "done"})
    assert item.done_on == TODAY
    services.checklist_item_update(actor=officer, item=item, version=item.version,
                                   data={"status": "open"})
    item.refresh_from_db()
    assert (item.status, item.done_on) == ("open", None)
    with pytest.raises(StaleVersion):
        services.checklist_item_update(actor=officer, item=item, version=1,
                                       data={"status": "in_progress"})


def test_open_refuses_bad_input_by_field(cast, officer, template):
    template_off = RequirementTemplate.objects.create(name="Old", operation_kind="special",
                                                      active=False)
    cases = [({"template": template_off}, "template"),
             ({"duty_station": cast.mogadishu}, "duty_station"),
             ({"name": ""}, "name")]
    for more, field in cases:
        with pytest.raises((ValidationFailed, Forbidden)) as caught:
            _open(officer, cast, template, **more)
        if isinstance(caught.value, ValidationFailed):
            assert field in {e.field for e in caught.value.errors}, more
    with pytest.raises(ValidationFailed) as caught:
        _open(officer, cast, template, security_area=cast.nbi_area,
              duty_station=cast.mombasa)
    assert {e.field for e in caught.value.errors} == {"duty_station"}
    assert not ReadinessChecklist.objects.exists()


def test_workflow_and_closing_refused_naming_the_open_mandatory_items(cast, officer,
                                                                      template):
    checklist = _open(officer, cast, template)
    with pytest.raises(TransitionRefused):
        services.checklist_transition(actor=officer, checklist=checklist, action="close",
                                      version=checklist.version)
    services.checklist_transition(actor=officer, checklist=checklist, action="start",
                                  version=checklist.version)
    with pytest.raises(TransitionRefused) as caught:
        services.checklist_transition(actor=officer, checklist=checklist, action="close",
                                      version=checklist.version)
    assert "Radio room staffed" in str(caught.value.message)
    assert "Gym membership" not in str(caught.value.message)
    for item in checklist.items.filter(mandatory=True):
        services.checklist_item_update(actor=officer, item=item, version=item.version,
                                       data={"status": "not_applicable",
                                             "evidence": "Covered by the country office."})
    services.checklist_transition(actor=officer, checklist=checklist, action="close",
                                  version=checklist.version)
    assert checklist.status == "closed"
    item = checklist.items.first()
    with pytest.raises(TransitionRefused):  # closed: no longer worked on
        services.checklist_item_update(actor=officer, item=item, version=item.version,
                                       data={"status": "open"})
    with pytest.raises(TransitionRefused):
        services.checklist_transition(actor=officer, checklist=checklist, action="cancel",
                                      version=checklist.version)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"coordination.readiness_checklist.start", "coordination.readiness_checklist.close",
            "coordination.readiness_item.update"} <= actions


def test_an_item_of_its_own_is_added_and_owned_by_the_lead(cast, officer, template):
    checklist = _open(officer, cast, template)
    item = services.checklist_item_add(actor=officer, checklist=checklist, data={
        "category": "equipment", "text": "Two armoured vehicles", "due_on": TODAY})
    assert item.owner == officer
    assert item.template_item is None
    assert AuditEvent.objects.filter(action="coordination.readiness_item.create").exists()
    with pytest.raises(ValidationFailed) as caught:
        services.checklist_item_add(actor=officer, checklist=checklist, data={
            "category": "kitchen", "text": "x", "due_on": TODAY})
    assert {e.field for e in caught.value.errors} == {"category"}


def test_templates_are_kept_by_global_configurers_only(cast, user_with, admin, officer,
                                                       template):
    country_admin = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    for actor in (officer, country_admin):
        with pytest.raises(Forbidden):
            services.template_create(actor=actor, data={"name": "x",
                                                        "operation_kind": "special"})
    made = services.template_create(actor=admin, data={"name": "Surge",
                                                       "operation_kind": "emergency"})
    row = services.template_item_add(actor=admin, template=made, version=made.version, data={
        "category": "equipment", "text": "PPE for all", "due_offset_days": -3})
    second = services.template_item_add(actor=admin, template=made, version=made.version,
                                        data={"category": "plans", "text": "Medevac plan"})
    services.template_item_move(actor=admin, template=made, item=second, direction="up",
                                version=made.version)
    assert [i.text for i in selectors.template_items(template=made)] == ["Medevac plan",
                                                                          "PPE for all"]
    with pytest.raises(ValidationFailed) as caught:
        services.template_item_update(actor=admin, template=made, item=row,
                                      version=made.version, data={"due_offset_days": 400})
    assert {e.field for e in caught.value.errors} == {"due_offset_days"}
    copy = services.template_copy(actor=admin, template=made)
    assert copy.name == "Copy of Surge"
    assert copy.items.count() == 2
    services.template_item_remove(actor=admin, template=made, item=row, version=made.version)
    assert made.items.count() == 1
    assert copy.items.count() == 2
    services.template_set_active(actor=admin, template=made, active=False,
                                 version=made.version)
    assert not selectors.templates_to_open().filter(pk=made.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"coordination.readiness_template.create", "coordination.readiness_template.item_add",
            "coordination.readiness_template.item_move", "coordination.readiness_template.copy",
            "coordination.readiness_template.item_remove",
            "coordination.readiness_template.deactivate"} <= actions


def test_figures_of_the_list_match_the_rules(cast, officer, template):
    checklist = _open(officer, cast, template, starts_on=TODAY - dt.timedelta(days=3))
    items = _items(checklist)
    plan = items["Security plan with wardens"]
    services.checklist_item_update(actor=officer, item=plan, version=plan.version,
                                   data={"status": "done", "evidence": "Signed."})
    gym = items["Gym membership"]
    services.checklist_item_update(actor=officer, item=gym, version=gym.version,
                                   data={"status": "not_applicable", "evidence": "None."})
    row = selectors.checklist_list(user=officer).get(pk=checklist.pk)
    fresh = selectors.with_figures(ReadinessChecklist.objects.get(pk=checklist.pk))
    assert (row.pct, row.mandatory_pct, row.n_overdue) == (33, 33, 2)
    assert fresh.figures.percent == 33
    assert fresh.figures.overdue == 2
    assert row.state_key == fresh.state == "late"
    assert list(selectors.checklist_list(user=officer, state="late")) == [row]
    assert not selectors.checklist_list(user=officer, state="ready").exists()
