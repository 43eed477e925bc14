"""The risk API: SRAs through their workflow, MOSS, plans, missions and surveys, scoped."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.risk import services
from vigil.risk.models import Questionnaire
from vigil.risk.tests.test_sras import ENTRY, TODAY


@pytest.fixture
def people(cast, user_with):
    return {
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "do": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya),
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "other": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
    }


def test_sra_through_the_api_from_draft_to_endorsement(cast, people, api):
    so = api(people["so"])
    created = so.post("/api/v1/sras/", {
        "country": "KE", "title": "API SRA", "valid_from": str(TODAY),
        "valid_until": str(TODAY + dt.timedelta(days=365)),
        "review_due": str(TODAY + dt.timedelta(days=100))}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    entry = so.post(f"/api/v1/sras/{pk}/entries/", {**ENTRY, "version": 1}, format="json")
    assert entry.status_code == 201, entry.json()
    assert (entry.json()["inherent_level"], entry.json()["residual_level"]) == ("high",
                                                                              "medium")
    assert so.post(f"/api/v1/sras/{pk}/submit/", {"version": 2},
                   format="json").status_code == 200
    assert so.post(f"/api/v1/sras/{pk}/approve/", {"version": 3},
                   format="json").status_code == 403
    assert api(people["do"]).post(f"/api/v1/sras/{pk}/approve/", {"version": 3},
                                  format="json").status_code == 200
    endorsed = api(people["dro"]).post(f"/api/v1/sras/{pk}/endorse/", {"version": 4},
                                       format="json")
    assert endorsed.json()["status"] == "endorsed"
    refused = api(people["dro"]).post(f"/api/v1/sras/{pk}/return/",
                                      {"version": 5, "comment": "x"}, format="json")
    assert refused.status_code == 409
    assert api(people["other"]).get(f"/api/v1/sras/{pk}/").status_code == 404


def test_moss_plans_missions_surveys_read_and_write(cast, people, api, user_with):
    sra = services.sra_create(actor=people["so"], data={
        "country": cast.kenya, "title": "SRA", "valid_from": TODAY,
        "valid_until": TODAY + dt.timedelta(days=30), "review_due": TODAY})
    services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY), version=1)
    sra.refresh_from_db()
    services.sra_transition(actor=people["so"], sra=sra, action="submit", version=2)
    services.sra_transition(actor=people["do"], sra=sra, action="approve", version=3)
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="MOSS", sra=sra)
    services.moss_document_approve(actor=people["dro"], document=document, version=1)
    assessment = services.compliance_assessment_start(actor=people["so"], document=document,
                                                      duty_station=cast.nairobi)
    client = api(people["so"])
    docs = client.get("/api/v1/moss-documents/").json()
    assert docs["count"] == 1
    assert len(docs["results"][0]["items"]) > 10
    item = assessment.results.first().item_id
    recorded = client.post(f"/api/v1/moss-assessments/{assessment.pk}/record/", {
        "version": 1, "results": [{"item": item, "state": "compliant"}]}, format="json")
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["compliance"] == 100.0
    hq = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.PREMISES, cast.gigiri)
    questions = [q.pk for s in Questionnaire.objects.get().sections.all()
                 for q in s.questions.all()]
    survey = api(hq).post("/api/v1/premises-surveys/", {
        "premises": cast.gigiri.pk, "answers": {str(q): 0 for q in questions}},
        format="json")
    assert survey.status_code == 201, survey.json()
    assert survey.json()["score"] == 100.0
    assert client.get("/api/v1/security-plans/").status_code == 200
    assert client.get("/api/v1/missions/").status_code == 200


def test_survey_answers_must_be_keyed_by_question_id(cast, user_with, api):
    hq = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.PREMISES, cast.gigiri)
    response = api(hq).post("/api/v1/premises-surveys/", {
        "premises": cast.gigiri.pk, "answers": {"fire": 0}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "answers"


def test_each_document_answers_the_moves_of_its_own_table(cast, people, api):
    plan = services.plan_create(actor=people["so"], data={
        "country": cast.kenya, "title": "Plan", "review_due": TODAY})
    client = api(people["so"])
    assert client.post(f"/api/v1/security-plans/{plan.pk}/submit/", {"version": 1},
                       format="json").status_code == 404
    returned = api(people["dro"]).post(f"/api/v1/security-plans/{plan.pk}/return/",
                                       {"version": 1, "comment": "No"}, format="json")
    assert returned.status_code == 409  # a route of the table; the draft is not under review
