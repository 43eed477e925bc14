"""Security plans: structured parts, completeness before approval, DO approval and DRO
endorsement or return, attachments kept need-to-know; allowed and refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import Notification
from vigil.risk import services
from vigil.risk.models import SecurityPlan

DUE = dt.date(2027, 6, 1)


@pytest.fixture
def people(cast, user_with):
    return {
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "do": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya),
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "traveller": user_with(Role.TRAVELLER),
    }


@pytest.fixture
def plan(cast, people):
    return services.plan_create(actor=people["so"], data={
        "country": cast.kenya, "duty_station": cast.nairobi, "title": "Nairobi plan",
        "review_due": DUE})


def _complete(people, plan):
    so = people["so"]
    for part, data in (
        ("zones", {"name": "Gigiri", "warden": "Amina", "warden_phone": "+254 700 000001"}),
        ("contacts", {"role": "Designated official", "name": "Grace", "phone": "+254 1"}),
        ("sites", {"kind": "safe_haven", "name": "UN compound", "latitude": -1.23,
                   "longitude": 36.81, "capacity": 300}),
        ("routes", {"kind": "evacuation", "name": "Airport road", "destination": "JKIA",
                    "description": "Convoy via Mombasa Road.",
                    "trigger": "Security level 5 or DO order."}),
    ):
        services.plan_part_save(actor=so, plan=plan, part=part, data=data,
                                version=plan.version)
    return plan


def test_an_incomplete_plan_cannot_be_approved(cast, people, plan):
    with pytest.raises(ValidationFailed) as failure:
        services.plan_transition(actor=people["do"], plan=plan, action="approve",
                                 version=plan.version)
    assert {e.field for e in failure.value.errors} == {"zones", "contacts", "sites", "routes"}


def test_plan_from_draft_to_endorsement_and_return(cast, people, plan):
    plan = _complete(people, plan)
    with pytest.raises(Forbidden):
        services.plan_transition(actor=people["so"], plan=plan, action="approve",
                                 version=plan.version)
    plan = services.plan_transition(actor=people["do"], plan=plan, action="approve",
                                    version=plan.version)
    assert Notification.objects.filter(user=people["dro"]).exists()
    with pytest.raises(TransitionRefused):
        services.plan_part_save(actor=people["so"], plan=plan, part="zones",
                                data={"name": "X", "warden": "Y", "warden_phone": "+1 22"},
                                version=plan.version)
    with pytest.raises(ValidationFailed):
        services.plan_transition(actor=people["dro"], plan=plan, action="return",
                                 version=plan.version)
    plan = services.plan_transition(actor=people["dro"], plan=plan, action="return",
                                    version=plan.version, comment="Add a second route.")
    assert (plan.status, plan.approved_by) == ("draft", None)
    plan = services.plan_transition(actor=people["do"], plan=plan, action="approve",
                                    version=plan.version)
    plan = services.plan_transition(actor=people["dro"], plan=plan, action="endorse",
                                    version=plan.version)
    assert plan.status == "endorsed"
    with pytest.raises(TransitionRefused):
        services.plan_transition(actor=people["dro"], plan=plan, action="return",
                                 version=plan.version, comment="x")


@pytest.mark.parametrize(("part", "data", "field"), [
    ("sites", {"kind": "safe_haven", "name": "X", "latitude": 95, "longitude": 0},
     "latitude"),
    ("sites", {"kind": "bunker", "name": "X", "latitude": 0, "longitude": 0}, "kind"),
    ("zones", {"name": "X", "warden": "", "warden_phone": "+1 2"}, "warden"),
    ("routes", {"kind": "evacuation", "name": "X", "destination": "Y", "description": "Z",
                "trigger": ""}, "trigger"),
])
def test_bad_plan_rows_are_refused_by_field(cast, people, plan, part, data, field):
    with pytest.raises(ValidationFailed) as failure:
        services.plan_part_save(actor=people["so"], plan=plan, part=part, data=data,
                                version=plan.version)
    assert field in [e.field for e in failure.value.errors]


def test_stale_plan_edit_is_refused(cast, people, plan):
    _complete(people, plan)
    with pytest.raises(StaleVersion):
        services.plan_update(actor=people["so"], plan=plan, data={"title": "x"}, version=1)


def test_attachments_checked_and_served_only_in_scope(cast, people, plan, client, user_with,
                                                      settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationFailed) as failure:
        services.plan_part_save(actor=people["so"], plan=plan, part="attachments",
                                version=plan.version, data={
                                    "title": "Script", "file": SimpleUploadedFile(
                                        "run.exe", b"MZ")})
    assert failure.value.errors[0].field == "file"
    row = services.plan_part_save(actor=people["so"], plan=plan, part="attachments",
                                  version=plan.version, data={
                                      "title": "Map", "file": SimpleUploadedFile(
                                          "map.pdf", b"%PDF-1.4 test")})
    url = f"/risk/plans/{plan.pk}/attachments/{row.pk}/file/"
    client.force_login(people["so"])
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert client.get(url).status_code == 404


def test_plan_pages(cast, people, plan, client):
    client.force_login(people["so"])
    response = client.post(f"/risk/plans/{plan.pk}/sites/new/", {
        "version": plan.version, "kind": "concentration", "name": "Parking",
        "latitude": "-1.23", "longitude": "36.81", "capacity": "50"})
    assert response.status_code == 302
    page = client.get(f"/risk/plans/{plan.pk}/").content.decode()
    assert "Parking" in page
    assert client.get(f"/risk/plans/{plan.pk}/weapons/new/").status_code == 404
    client.force_login(people["traveller"])
    assert client.get("/risk/plans/").status_code == 403
    assert SecurityPlan.objects.count() == 1


@pytest.mark.parametrize("state", ["draft", "approved", "endorsed"])
@pytest.mark.parametrize("action", ["approve", "endorse", "return"])
def test_every_plan_state_and_action_allowed_or_refused(state, action):
    from vigil.risk import rules

    expected = {("draft", "approve"): "approved", ("approved", "endorse"): "endorsed",
                ("approved", "return"): "draft"}.get((state, action))
    assert rules.next_state(rules.PLAN_TRANSITIONS, action, state) == expected


def test_communication_tree_cannot_loop(cast, people, plan):
    so = people["so"]
    a = services.plan_part_save(actor=so, plan=plan, part="contacts", version=plan.version,
                                data={"role": "A", "name": "A", "phone": "+1 555 0001"})
    b = services.plan_part_save(actor=so, plan=plan, part="contacts", version=plan.version,
                                data={"role": "B", "name": "B", "phone": "+1 555 0002",
                                      "reports_to": a})
    with pytest.raises(ValidationFailed) as failure:
        services.plan_part_save(actor=so, plan=plan, part="contacts", row=a,
                                version=plan.version, data={"reports_to": b})
    assert failure.value.errors[0].field == "reports_to"


def test_endorsing_a_new_plan_supersedes_the_old_one(cast, people, plan):
    def endorse(p):
        p = _complete(people, p)
        p = services.plan_transition(actor=people["do"], plan=p, action="approve",
                                     version=p.version)
        return services.plan_transition(actor=people["dro"], plan=p, action="endorse",
                                        version=p.version)

    old = endorse(plan)
    with pytest.raises(TransitionRefused, match="new plan"):
        services.plan_update(actor=people["so"], plan=old, data={"title": "x"},
                             version=old.version)
    new = services.plan_create(actor=people["so"], data={
        "country": cast.kenya, "duty_station": cast.nairobi, "title": "Nairobi plan 2027",
        "review_due": DUE})
    endorse(new)
    old.refresh_from_db()
    assert old.status == "superseded"
