"""Security risk assessments: the register by the matrix in force, programme criticality,
every workflow move allowed and refused, versions and their comparison, the pages."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.risk import rules, selectors, services
from vigil.risk.models import SecurityRiskAssessment

TODAY = dt.date(2026, 11, 28)
ENTRY = {"threat_category": "crime", "description": "Car-jacking on the airport road",
         "at_risk": "personnel", "likelihood": "likely", "impact": "severe",
         "mitigation": "Armoured vehicles; movement after dark only in convoy.",
         "moss_categories": ["vehicles", "telecommunications"],
         "residual_likelihood": "unlikely", "residual_impact": "severe", "response": "control"}


@pytest.fixture
def people(cast, user_with):
    return {
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "do": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya),
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "other_so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
    }


@pytest.fixture
def sra(cast, people):
    return services.sra_create(actor=people["so"], data={
        "country": cast.kenya, "security_area": cast.nbi_area, "title": "Nairobi SRA 2026",
        "valid_from": TODAY, "valid_until": TODAY + dt.timedelta(days=365),
        "review_due": TODAY + dt.timedelta(days=180)})


def _with_entry(people, sra):
    services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY),
                             version=sra.version)
    sra.refresh_from_db()
    return sra


def test_register_levels_come_from_the_matrix_in_force(cast, people, sra, user_with):
    sra = _with_entry(people, sra)
    row = selectors.register(sra=sra)[0]
    assert (row.inherent, row.residual) == ("high", "medium")
    matrix = {k: dict(v) for k, v in rules.DEFAULT_MATRIX.items()}
    matrix["unlikely"]["severe"] = matrix["unlikely"]["critical"] = "high"
    services.risk_settings_update(actor=user_with(Role.ADMINISTRATOR), matrix=matrix,
                                  version=1)
    assert selectors.register(sra=sra)[0].residual == "high"


@pytest.mark.parametrize(("field", "value"), [
    ("likelihood", "sometimes"), ("impact", "huge"), ("response", "ignore"),
    ("at_risk", "morale"), ("moss_categories", ["luck"]), ("description", ""),
])
def test_bad_register_rows_are_refused_by_field(cast, people, sra, field, value):
    with pytest.raises(ValidationFailed) as failure:
        services.risk_entry_save(actor=people["so"], sra=sra, data={**ENTRY, field: value},
                                 version=sra.version)
    assert failure.value.errors[0].field == field
    assert not sra.entries.exists()


def test_dates_out_of_order_are_refused(cast, people):
    with pytest.raises(ValidationFailed) as failure:
        services.sra_create(actor=people["so"], data={
            "country": cast.kenya, "title": "x", "valid_from": TODAY,
            "valid_until": TODAY - dt.timedelta(days=1), "review_due": TODAY})
    assert "valid_until" in [e.field for e in failure.value.errors]


def test_the_date_order_is_the_assessments_own_rule(cast):
    sra = SecurityRiskAssessment(country=cast.kenya, title="x", valid_from=TODAY,
                                 valid_until=TODAY - dt.timedelta(days=1),
                                 review_due=TODAY - dt.timedelta(days=2))
    with pytest.raises(DjangoValidationError) as failure:
        sra.full_clean()
    assert set(failure.value.message_dict) == {"valid_until", "review_due"}


def test_area_of_another_country_is_refused(cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER)  # global: only the area rule can refuse
    with pytest.raises(ValidationFailed) as failure:
        services.sra_create(actor=officer, data={
            "country": cast.somalia, "security_area": cast.nbi_area, "title": "x",
            "valid_from": TODAY, "valid_until": TODAY, "review_due": TODAY})
    assert failure.value.errors[0].field == "security_area"


def test_full_workflow_draft_to_endorsement(cast, people, sra):
    sra = _with_entry(people, sra)
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    assert Notification.objects.filter(user=people["do"]).exists()
    sra = services.sra_transition(actor=people["do"], sra=sra, action="approve",
                                  version=sra.version)
    assert Notification.objects.filter(user=people["dro"]).exists()
    sra = services.sra_transition(actor=people["dro"], sra=sra, action="endorse",
                                  version=sra.version)
    assert sra.status == "endorsed"
    assert (sra.submitted_by, sra.approved_by, sra.endorsed_by) == (
        people["so"], people["do"], people["dro"])
    actions = list(AuditEvent.objects.filter(action__startswith="risk.sra.")
                   .order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["risk.sra.submit", "risk.sra.approve", "risk.sra.endorse"]


# Who may make each move: allowed for one role, refused for the others.
MOVES = [("submit", "draft", "so"), ("approve", "submitted", "do"),
         ("endorse", "approved", "dro"), ("return", "submitted", "do"),
         ("return", "approved", "dro")]


@pytest.mark.parametrize(("action", "state", "who"), MOVES)
@pytest.mark.parametrize("actor", ["so", "do", "dro", "other_so"])
def test_each_move_by_each_role(cast, people, sra, action, state, who, actor):
    sra = _with_entry(people, sra)
    SecurityRiskAssessment.objects.filter(pk=sra.pk).update(status=state)
    sra.refresh_from_db()
    call = lambda: services.sra_transition(  # noqa: E731
        actor=people[actor], sra=sra, action=action, version=sra.version, comment="Redo.")
    if actor == who:
        assert call().status == rules.SRA_TRANSITIONS[action].target
    else:
        with pytest.raises(Forbidden):
            call()


ALL_STATES = ("draft", "submitted", "approved", "endorsed")


@pytest.mark.parametrize(("state", "action"),
                         list(itertools.product(ALL_STATES, rules.SRA_TRANSITIONS)))
def test_every_state_and_action_allowed_or_refused(state, action):
    expected = {("draft", "submit"): "submitted", ("submitted", "approve"): "approved",
                ("approved", "endorse"): "endorsed", ("submitted", "return"): "draft",
                ("approved", "return"): "draft"}.get((state, action))
    assert rules.next_state(rules.SRA_TRANSITIONS, action, state) == expected


def test_empty_register_cannot_be_submitted(cast, people, sra):
    with pytest.raises(ValidationFailed) as failure:
        services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                version=sra.version)
    assert failure.value.errors[0].field == "entries"


def test_return_needs_comments_and_reopens_the_draft(cast, people, sra):
    sra = _with_entry(people, sra)
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    with pytest.raises(ValidationFailed):
        services.sra_transition(actor=people["do"], sra=sra, action="return",
                                version=sra.version, comment="")
    sra = services.sra_transition(actor=people["do"], sra=sra, action="return",
                                  version=sra.version, comment="Add the flooding risk.")
    assert (sra.status, sra.return_comment) == ("draft", "Add the flooding risk.")
    assert Notification.objects.filter(user=people["so"], subject__contains="returned")


def test_only_drafts_change_and_stale_edits_are_refused(cast, people, sra):
    sra = _with_entry(people, sra)
    with pytest.raises(StaleVersion):
        services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY), version=1)
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    with pytest.raises(TransitionRefused):
        services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY),
                                 version=sra.version)
    with pytest.raises(TransitionRefused):
        services.sra_transition(actor=people["dro"], sra=sra, action="endorse",
                                version=sra.version)


def test_a_row_of_another_assessment_is_neither_changed_nor_removed(cast, people, sra):
    other = _with_entry(people, services.sra_create(actor=people["so"], data={
        "country": cast.kenya, "security_area": cast.nbi_area, "title": "Other SRA",
        "valid_from": TODAY, "valid_until": TODAY + dt.timedelta(days=365),
        "review_due": TODAY + dt.timedelta(days=180)}))
    entry = other.entries.get()
    with pytest.raises(ValidationFailed) as changed:
        services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY),
                                 version=sra.version, entry=entry)
    with pytest.raises(ValidationFailed) as removed:
        services.risk_entry_remove(actor=people["so"], sra=sra, entry=entry,
                                   version=sra.version)
    assert changed.value.errors[0].field == removed.value.errors[0].field == "entry"
    assert other.entries.get().description == ENTRY["description"]
    assert not sra.entries.exists()


def test_programme_criticality_flags_on_the_sra_and_the_board(cast, people, sra):
    sra = _with_entry(people, sra)  # residual medium
    services.risk_entry_save(actor=people["so"], sra=sra, version=sra.version, data={
        **ENTRY, "threat_category": "armed_conflict", "residual_likelihood": "likely",
        "residual_impact": "critical"})  # residual very high
    sra.refresh_from_db()
    for name, pc in (("Food distribution", "pc1"), ("Workshop", "pc3"), ("Survey", "")):
        services.activity_save(actor=people["so"], sra=sra, version=sra.version,
                               data={"organization": cast.wfp, "name": name,
                                     "criticality": pc})
        sra.refresh_from_db()
    flags = {r.activity.name: r.flag.code if r.flag else None
             for r in selectors.activities(sra=sra)}
    assert flags == {"Food distribution": None, "Workshop": "unacceptable",
                     "Survey": "pc_missing"}
    assert selectors.flagged_activities(user=people["dro"]) == []  # drafts left out
    services.sra_transition(actor=people["so"], sra=sra, action="submit", version=sra.version)
    board = selectors.flagged_activities(user=people["dro"])
    assert sorted(item["row"].activity.name for item in board) == ["Survey", "Workshop"]


def test_every_change_keeps_a_version_and_two_can_be_compared(cast, people, sra, client):
    sra = _with_entry(people, sra)
    entry = sra.entries.get()
    services.risk_entry_save(actor=people["so"], sra=sra, entry=entry, version=sra.version,
                             data={"residual_likelihood": "very_unlikely"})
    sra.refresh_from_db()
    numbers = list(sra.versions.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2, 3]
    client.force_login(people["dro"])
    page = client.get(f"/risk/sras/{sra.pk}/compare/?a=2&b=3").content.decode()
    assert "residual_likelihood" in page
    assert "very_unlikely" in page
    first = client.get(f"/risk/sras/{sra.pk}/compare/?a=1&b=2").content.decode()
    assert "Risk added" in first
    assert client.get(f"/risk/sras/{sra.pk}/compare/?a=1&b=99").status_code == 404


def test_officer_takes_an_sra_from_draft_to_endorsement_in_the_ui(cast, people, client):
    client.force_login(people["so"])
    response = client.post("/risk/sras/new/", {
        "country": cast.kenya.pk, "title": "Kenya SRA", "valid_from": "2026-12-01",
        "valid_until": "2027-11-30", "review_due": "2027-06-01"})
    sra = SecurityRiskAssessment.objects.get(title="Kenya SRA")
    assert response["Location"] == f"/risk/sras/{sra.pk}/"
    response = client.post(f"/risk/sras/{sra.pk}/risks/new/", {**ENTRY, "version": 1})
    assert response.status_code == 302
    assert client.post(f"/risk/sras/{sra.pk}/submit/", {"version": 2}).status_code == 302
    client.force_login(people["do"])
    assert client.post(f"/risk/sras/{sra.pk}/approve/", {"version": 3}).status_code == 302
    client.force_login(people["dro"])
    page = client.get(f"/risk/sras/{sra.pk}/").content.decode()
    assert "Endorse" in page
    assert client.post(f"/risk/sras/{sra.pk}/endorse/", {"version": 4}).status_code == 302
    sra.refresh_from_db()
    assert sra.status == "endorsed"


def test_refused_move_in_the_ui_says_why(cast, people, sra, client):
    client.force_login(people["so"])
    response = client.post(f"/risk/sras/{sra.pk}/submit/", {"version": sra.version})
    assert response.status_code == 400
    assert "without any risk" in response.content.decode()
    assert client.post(f"/risk/sras/{sra.pk}/explode/", {"version": 1}).status_code == 404


def test_reviews_due_page_lists_overdue_levels_and_sras(cast, people, sra, client):
    SecurityRiskAssessment.objects.filter(pk=sra.pk).update(
        review_due=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(people["dro"])
    assert "Nairobi SRA 2026" not in client.get("/risk/due/").content.decode()  # a draft
    SecurityRiskAssessment.objects.filter(pk=sra.pk).update(status="endorsed")
    page = client.get("/risk/due/").content.decode()
    assert "Nairobi SRA 2026" in page
    assert "overdue by 2 days" in page
    assert "Greater Nairobi" in page  # no level approved yet
    client.force_login(people["other_so"])
    assert client.get(f"/risk/sras/{sra.pk}/").status_code == 404


def _endorsed(people, sra):
    sra = _with_entry(people, sra)
    for who, action in (("so", "submit"), ("do", "approve"), ("dro", "endorse")):
        sra = services.sra_transition(actor=people[who], sra=sra, action=action,
                                      version=sra.version)
    return sra


def test_endorsing_a_new_sra_supersedes_the_previous(cast, people, sra):
    old = _endorsed(people, sra)
    new = services.sra_create(actor=people["so"], data={
        "country": cast.kenya, "security_area": cast.nbi_area, "title": "Nairobi SRA 2027",
        "valid_from": TODAY, "valid_until": TODAY + dt.timedelta(days=365),
        "review_due": TODAY + dt.timedelta(days=180)})
    _endorsed(people, new)
    old.refresh_from_db()
    assert old.status == "superseded"
    assert AuditEvent.objects.filter(action="risk.sra.supersede", object_id=str(old.pk))


def test_a_return_clears_the_rounds_approvals_and_tells_the_do(cast, people, sra):
    sra = _with_entry(people, sra)
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    sra = services.sra_transition(actor=people["do"], sra=sra, action="approve",
                                  version=sra.version)
    Notification.objects.all().delete()
    sra = services.sra_transition(actor=people["dro"], sra=sra, action="return",
                                  version=sra.version, comment="Add flooding.")
    assert (sra.approved_by, sra.submitted_by) == (None, None)
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert {people["so"].pk, people["do"].pk} <= told


def test_who_approved_does_not_endorse(cast, people, sra):
    from vigil.core.models import RoleGrant

    RoleGrant.objects.create(user=people["do"], role=Role.DRO_DESK_OFFICER,
                             scope_kind="country", scope_id=cast.kenya.pk)
    sra = _with_entry(people, sra)
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    sra = services.sra_transition(actor=people["do"], sra=sra, action="approve",
                                  version=sra.version)
    from vigil.core.authz import forget_grants

    forget_grants(people["do"])
    with pytest.raises(Forbidden):
        services.sra_transition(actor=people["do"], sra=sra, action="endorse",
                                version=sra.version)


def test_activity_removed_from_a_draft(cast, people, sra, client):
    activity = services.activity_save(actor=people["so"], sra=sra, version=1, data={
        "organization": cast.wfp, "name": "Food", "criticality": "pc2"})
    sra.refresh_from_db()
    client.force_login(people["so"])
    response = client.post(f"/risk/sras/{sra.pk}/activities/{activity.pk}/remove/",
                           {"version": sra.version})
    assert response.status_code == 302
    assert not sra.activities.exists()


def test_home_pages_list_what_awaits_each_decision(cast, people, sra, client):
    sra = _with_entry(people, sra)
    services.sra_transition(actor=people["so"], sra=sra, action="submit", version=sra.version)
    client.force_login(people["do"])
    page = client.get("/").content.decode()
    assert "Security risk assessments to approve" in page
    assert "Nairobi SRA 2026" in page
    client.force_login(people["dro"])
    assert "Security risk assessments to endorse" not in client.get("/").content.decode()
