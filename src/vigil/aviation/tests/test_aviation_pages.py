"""Aviation pages and API: each role sees and does what it may, in scope and out of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.aviation import services
from vigil.aviation.models import AdviceRequest, Assessment
from vigil.core.authz import Role, ScopeKind
from vigil.travel.models import AirOperator


@pytest.fixture
def operator(db: Any) -> AirOperator:
    return AirOperator.objects.create(name="Kenya Airways", iata="KQ", icao="KQA")


@pytest.fixture
def officer(user_with: Any) -> Any:
    return user_with(Role.AVIATION_OFFICER, username="aviation")


@pytest.fixture
def asker(user_with: Any, cast: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


def assessment_post(**more: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {"outcome": "unsuitable", "assessed_on": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=365)).isoformat(),
            "icao_ei_score": "40", "incident_history": "Runway excursion 2025."}
    data.update(more)
    return data


def test_the_officer_assesses_on_the_page(client, officer, operator):
    client.force_login(officer)
    url = reverse("aviation:assessment_create", args=[operator.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, assessment_post(valid_until=""))
    assert refused.status_code == 400
    assert "Give the day this assessment stands until" in refused.content.decode()
    response = client.post(url, assessment_post())
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.suitability == "unsuitable"
    page = client.get(reverse("aviation:operator_detail", args=[operator.pk])).content.decode()
    assert "Runway excursion 2025." in page


def test_a_migrated_assessment_shows_where_it_came_from(client, officer, operator):
    operator.suitability = "unsuitable"
    operator.save()
    assert services.assessments_from_flags() == 1
    assert services.assessments_from_flags() == 0
    client.force_login(officer)
    page = client.get(reverse("aviation:operator_detail", args=[operator.pk])).content.decode()
    assert "Carried over from travel" in page
    assert "Migrated from the travel flag." in page


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.SECURITY_OFFICER, Role.BUDGET_OFFICER])
def test_other_roles_read_but_do_not_assess(client, user_with, cast, operator, role):
    client.force_login(user_with(role, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(reverse("aviation:operator_detail", args=[operator.pk])).status_code == 200
    url = reverse("aviation:assessment_create", args=[operator.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, assessment_post()).status_code == 403
    assert not Assessment.objects.exists()


def test_registry_lists_and_filters(client, officer, operator):
    AirOperator.objects.create(name="Risky Air", iata="RX", suitability="unsuitable")
    client.force_login(officer)
    page = client.get(reverse("aviation:operator_list"), {"suitability": "unsuitable"})
    assert "Risky Air" in page.content.decode()
    assert "Kenya Airways" not in page.content.decode()
    csv = client.get(reverse("aviation:operator_list"), {"format": "csv"})
    assert b"Kenya Airways" in b"".join(csv.streaming_content)


def test_registry_facts_are_edited_by_the_officer(client, officer, operator, user_with):
    url = reverse("aviation:operator_edit", args=[operator.pk])
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get(url).status_code == 403
    client.force_login(officer)
    response = client.post(url, {"aoc_state": "suspended", "fleet_notes": "3 x E190",
                                 "version": operator.version})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert (operator.aoc_state, operator.fleet_notes) == ("suspended", "3 x E190")


def test_ask_answer_and_see_on_time(client, asker, officer, cast, operator):
    client.force_login(asker)
    response = client.post(reverse("aviation:advice_create"), {
        "country": cast.kenya.pk, "operator": "KQ", "question": "Is KQ fine to Mogadishu?"})
    assert response.status_code == 302
    advice = AdviceRequest.objects.get()
    assert advice.operator == operator
    assert client.post(reverse("aviation:advice_answer", args=[advice.pk]),
                       {"answer": "Mine", "version": 1}).status_code == 403
    client.force_login(officer)
    inbox = client.get(reverse("aviation:advice_inbox")).content.decode()
    assert advice.reference in inbox
    client.post(reverse("aviation:advice_answer", args=[advice.pk]),
                {"answer": "Suitable; fly daytime.", "version": 1})
    advice.refresh_from_db()
    assert advice.status == "answered"
    detail = client.get(reverse("aviation:advice_detail", args=[advice.pk])).content.decode()
    assert "on time" in detail
    figures = client.get(reverse("aviation:figures")).content.decode()
    assert "100.0 %" in figures


def test_out_of_scope_advice_is_not_found(client, asker, user_with, cast, operator):
    advice = services.advice_ask(actor=asker, data={"country": cast.kenya, "operator": operator,
                                                    "question": "q"})
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert client.get(reverse("aviation:advice_detail", args=[advice.pk])).status_code == 404
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get(reverse("aviation:advice_list")).status_code == 403
    assert client.get(reverse("aviation:advice_inbox")).status_code == 403
    assert client.get(reverse("aviation:figures")).status_code == 403


def test_asking_for_another_country_is_refused_on_the_page(client, asker, cast, operator):
    client.force_login(asker)
    response = client.post(reverse("aviation:advice_create"), {
        "country": cast.somalia.pk, "operator": "KQ", "question": "q"})
    assert response.status_code == 400
    assert not AdviceRequest.objects.exists()


def test_settings_page(client, officer, asker):
    client.force_login(asker)
    assert client.get(reverse("aviation:settings")).status_code == 403
    client.force_login(officer)
    response = client.post(reverse("aviation:settings"), {
        "advice_target_hours": 24, "validity_months": 6, "version": 1})
    assert response.status_code == 302


def test_home_panels_for_the_officer(client, officer, asker, cast, operator):
    services.advice_ask(actor=asker, data={"country": cast.kenya, "operator": operator,
                                           "question": "q"})
    client.force_login(officer)
    page = client.get("/").content.decode()
    assert "Aviation advice to give" in page


# --- API ---------------------------------------------------------------------------------------

def test_api_assess_and_history(api, officer, user_with, operator):
    url = f"/api/v1/aviation/operators/{operator.pk}/assessments/"
    body = assessment_post(outcome="with_conditions", conditions="Day only.")
    assert api(user_with(Role.TRAVELLER)).post(url, body, format="json").status_code == 403
    created = api(officer).post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert api(officer).get(url).json()[0]["outcome"] == "with_conditions"
    bad = api(officer).post(url, assessment_post(outcome="suitable", icao_ei_score=None),
                            format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "icao_ei_score"
    got = api(officer).get(f"/api/v1/aviation/operators/{operator.pk}/").json()
    assert (got["suitability"], got["suitability_note"]) == ("with_conditions", "Day only.")


def test_api_advice_flow_and_scope(api, asker, officer, user_with, cast, operator):
    created = api(asker).post("/api/v1/aviation/advice/", {
        "country": cast.kenya.pk, "operator": operator.pk, "question": "OK?"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    outside = api(asker).post("/api/v1/aviation/advice/", {
        "country": cast.somalia.pk, "origin": "a", "destination": "b", "question": "?"},
        format="json")
    assert outside.status_code == 400
    assert api(asker).post(f"/api/v1/aviation/advice/{pk}/answer/",
                           {"answer": "x", "version": 1}, format="json").status_code == 403
    answered = api(officer).post(f"/api/v1/aviation/advice/{pk}/answer/",
                                 {"answer": "Yes.", "version": 1}, format="json")
    assert answered.json()["status"] == "answered"
    again = api(officer).post(f"/api/v1/aviation/advice/{pk}/answer/",
                              {"answer": "Yes.", "version": 2}, format="json")
    assert again.status_code == 409
    stranger = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    assert api(stranger).get(f"/api/v1/aviation/advice/{pk}/").status_code == 404
    figures = api(officer).get("/api/v1/aviation/figures/").json()
    assert (figures["on_time"], figures["share_on_time"]) == (1, 1.0)
    assert api(asker).get("/api/v1/aviation/figures/").status_code == 403


def test_xlsx_export_survives_control_characters_in_names(client, officer, db):
    AirOperator.objects.create(name="Peau Vava\x1b%GM", iata="")
    client.force_login(officer)
    response = client.get(reverse("aviation:operator_list"), {"format": "xlsx"})
    assert response.status_code == 200


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_grow_with_data(client, officer, asker, cast, operator):
    client.force_login(officer)
    pages = [reverse("aviation:operator_list"), reverse("aviation:advice_list"),
             reverse("aviation:advice_inbox"), reverse("aviation:operator_detail",
                                                       args=[operator.pk]), "/"]

    def grow(n: int) -> None:
        for i in range(n):
            other = AirOperator.objects.create(name=f"Air {i}", suitability="unsuitable")
            services.assessments_from_flags()
            services.advice_ask(actor=asker, data={"country": cast.kenya, "operator": other,
                                                   "question": "q"})
            services.assessment_record(actor=officer, operator=operator, data={
                "outcome": "unsuitable", "assessed_on": timezone.localdate(),
                "valid_until": timezone.localdate() + dt.timedelta(days=9 + i)})

    grow(1)
    [_queries(client, url) for url in pages]  # the settings row is made on the first read
    first = [_queries(client, url) for url in pages]
    grow(3)
    assert [_queries(client, url) for url in pages] == first
