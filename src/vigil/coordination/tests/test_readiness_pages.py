"""Pages and API of mission readiness per role and scope: the officer in scope uses every
page, elsewhere gets 404 as for a missing record; roles without coordination are refused;
the owner of a requirement updates it from My readiness items and through the API, not
another's; templates are written by global configurers only; the list does not grow with
data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vigil.coordination import readiness_selectors as selectors
from vigil.coordination import readiness_services as services
from vigil.coordination.models import RequirementTemplate, TemplateItem
from vigil.core.authz import Role, ScopeKind

TODAY = selectors.today()


@pytest.fixture
def template(db):
    template = RequirementTemplate.objects.create(name="Field mission",
                                                  operation_kind="new_mission")
    for n, (category, text) in enumerate([("staffing", "CSA post filled"),
                                          ("plans", "Security plan")], start=1):
        TemplateItem.objects.create(template=template, category=category, text=text,
                                    due_offset_days=-10 * n, order=n)
    return template


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def checklist(cast, officer, template):
    return services.checklist_open(actor=officer, data={
        "name": "Kenya support office", "template": template, "country": cast.kenya,
        "starts_on": TODAY + dt.timedelta(days=5)})


def _client(client, user):
    client.force_login(user)
    return client


def test_officer_in_scope_uses_every_page(client, officer, checklist, template):
    c = _client(client, officer)
    item = checklist.items.first()
    for name, args in (("coordination:readiness_list", []),
                       ("coordination:readiness_open", []),
                       ("coordination:readiness_mine", []),
                       ("coordination:readiness_detail", [checklist.pk]),
                       ("coordination:readiness_edit", [checklist.pk]),
                       ("coordination:readiness_item_add", [checklist.pk]),
                       ("coordination:readiness_item_edit", [item.pk]),
                       ("coordination:readiness_template_list", []),
                       ("coordination:readiness_template_detail", [template.pk])):
        assert c.get(reverse(name, args=args)).status_code == 200, name
    page = c.get(reverse("coordination:readiness_list")).content.decode()
    assert "Kenya support office" in page
    assert "0 %" in page
    for fmt in ("csv", "xlsx"):
        assert c.get(reverse("coordination:readiness_list") + f"?format={fmt}").status_code \
            == 200
    response = c.post(reverse("coordination:readiness_item_status", args=[item.pk]), {
        "version": item.version, "status": "done", "evidence": "Post filled 1 May."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert "50 %" in c.get(reverse("coordination:readiness_detail",
                                   args=[checklist.pk])).content.decode()
    refused = c.post(reverse("coordination:readiness_move", args=[checklist.pk, "close"]),
                     {"version": checklist.version}, follow=True)
    assert "Only a started checklist can be closed" in refused.content.decode()
    assert c.get(reverse("coordination:readiness_template_create")).status_code == 403


def test_opening_through_the_page_shows_faults_beside_the_fields(client, cast, officer,
                                                                template):
    c = _client(client, officer)
    response = c.post(reverse("coordination:readiness_open"), {
        "name": "Kenya office", "template": template.pk, "country": cast.kenya.pk,
        "duty_station": cast.mombasa.pk, "security_area": cast.nbi_area.pk,
        "starts_on": "2026-13-01"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"starts_on"}
    response = c.post(reverse("coordination:readiness_open"), {
        "name": "Kenya office", "template": template.pk, "country": cast.kenya.pk,
        "duty_station": cast.mombasa.pk, "security_area": cast.nbi_area.pk,
        "starts_on": "2026-06-01"})
    assert "duty_station" in response.context["form"].errors
    response = c.post(reverse("coordination:readiness_open"), {
        "name": "Kenya office", "template": template.pk, "country": cast.kenya.pk,
        "duty_station": cast.nairobi.pk, "starts_on": "2026-06-01"})
    assert response.status_code == 302


def test_officer_elsewhere_gets_not_found(client, cast, user_with, checklist):
    c = _client(client, user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    item = checklist.items.first()
    assert c.get(reverse("coordination:readiness_detail", args=[checklist.pk])).status_code \
        == 404
    assert c.post(reverse("coordination:readiness_item_status", args=[item.pk]), {
        "version": item.version, "status": "done"}).status_code == 404
    assert "Kenya support office" not in c.get(reverse(
        "coordination:readiness_list")).content.decode()


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.HQ_SECURITY_OFFICER, Role.WARDEN])
def test_roles_without_coordination_are_refused(client, api, user_with, role, checklist):
    user = user_with(role)
    c = _client(client, user)
    for name in ("coordination:readiness_list", "coordination:readiness_open"):
        assert c.get(reverse(name)).status_code == 403, name
    assert c.get(reverse("coordination:readiness_detail",
                         args=[checklist.pk])).status_code == 403
    assert api(user).get("/api/v1/coordination/readiness-checklists/").json()["count"] == 0
    assert api(user).get("/api/v1/coordination/readiness-items/").json()["count"] == 0


def test_the_owner_updates_their_own_item_from_my_items_and_the_api(client, api, cast,
                                                                   user_with, officer,
                                                                   checklist):
    warden = user_with(Role.WARDEN, ScopeKind.COUNTRY, cast.kenya)
    mine, other = list(checklist.items.order_by("pk"))
    services.checklist_item_update(actor=officer, item=mine, version=mine.version,
                                   data={"owner": warden})
    mine.refresh_from_db()
    c = _client(client, warden)
    page = c.get(reverse("coordination:readiness_mine")).content.decode()
    assert "CSA post filled" in page
    assert "Security plan" not in page
    assert c.post(reverse("coordination:readiness_item_status", args=[mine.pk]), {
        "version": mine.version, "status": "in_progress",
        "next": reverse("coordination:readiness_mine")}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == "in_progress"
    assert c.post(reverse("coordination:readiness_item_status", args=[other.pk]), {
        "version": other.version, "status": "done"}).status_code == 404
    client_api = api(warden)
    listed = client_api.get("/api/v1/coordination/readiness-items/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    answer = client_api.patch(f"/api/v1/coordination/readiness-items/{mine.pk}/", {
        "status": "not_applicable", "version": mine.version}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "evidence"
    answer = client_api.patch(f"/api/v1/coordination/readiness-items/{mine.pk}/", {
        "due_on": "2030-01-01", "version": mine.version}, format="json")
    assert answer.status_code == 403
    assert client_api.patch(f"/api/v1/coordination/readiness-items/{other.pk}/", {
        "status": "done", "version": other.version}, format="json").status_code == 404


def test_api_checklists_in_scope_with_figures_and_workflow(api, cast, user_with, officer,
                                                           template, checklist):
    client = api(officer)
    listed = client.get("/api/v1/coordination/readiness-checklists/").json()
    row = listed["results"][0]
    assert row["figures"]["readiness_percent"] == 0
    assert row["categories"] == {"staffing": 0, "plans": 0}
    assert row["state"] == "late"  # a mandatory requirement is overdue by 15 days
    made = client.post("/api/v1/coordination/readiness-checklists/", {
        "name": "Mombasa office", "template": template.pk, "country": "KE",
        "duty_station": cast.mombasa.pk, "starts_on": "2030-01-01"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["figures"]["total"] == 2
    bad = client.post("/api/v1/coordination/readiness-checklists/", {
        "name": "Mogadishu", "template": template.pk, "country": "SO",
        "starts_on": "2030-01-01"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "country"
    moved = client.post(f"/api/v1/coordination/readiness-checklists/{checklist.pk}/start/",
                        {"version": checklist.version}, format="json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "started"
    refused = client.post(f"/api/v1/coordination/readiness-checklists/{checklist.pk}/close/",
                          {"version": moved.json()["version"]}, format="json")
    assert refused.status_code == 409
    assert "CSA post filled" in refused.json()["message"]
    somali = api(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert somali.get(f"/api/v1/coordination/readiness-checklists/{checklist.pk}/") \
        .status_code == 404
    assert client.get("/api/v1/coordination/readiness-templates/").json()["count"] == 1
    assert client.post("/api/v1/coordination/readiness-templates/", {
        "name": "x", "operation_kind": "special"}, format="json").status_code == 403


def test_api_templates_for_the_global_configurer(api, user_with, template):
    client = api(user_with(Role.ADMINISTRATOR))
    made = client.post("/api/v1/coordination/readiness-templates/", {
        "name": "Surge", "operation_kind": "emergency"}, format="json")
    assert made.status_code == 201
    pk, version = made.json()["id"], made.json()["version"]
    added = client.post(f"/api/v1/coordination/readiness-templates/{pk}/items/", {
        "category": "equipment", "text": "PPE", "due_offset_days": -2, "version": version},
        format="json")
    assert added.status_code == 201
    assert added.json()["items"][0]["text"] == "PPE"
    item_id, version = added.json()["items"][0]["id"], added.json()["version"]
    changed = client.patch(f"/api/v1/coordination/readiness-templates/{pk}/items/{item_id}/",
                           {"text": "PPE for all", "version": version}, format="json")
    assert changed.json()["items"][0]["text"] == "PPE for all"
    bad = client.patch(f"/api/v1/coordination/readiness-templates/{pk}/items/{item_id}/",
                       {"category": "kitchen", "version": changed.json()["version"]},
                       format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "category"
    off = client.post(f"/api/v1/coordination/readiness-templates/{pk}/in-use/",
                      {"active": False, "version": changed.json()["version"]}, format="json")
    assert off.json()["active"] is False


def test_template_pages_for_the_global_configurer(client, user_with, template):
    c = _client(client, user_with(Role.ADMINISTRATOR))
    for name, args in (("coordination:readiness_template_create", []),
                       ("coordination:readiness_template_edit", [template.pk]),
                       ("coordination:readiness_template_item_add", [template.pk])):
        assert c.get(reverse(name, args=args)).status_code == 200, name
    assert c.post(reverse("coordination:readiness_template_copy", args=[template.pk]),
                  {"name": ""}).status_code == 302
    assert RequirementTemplate.objects.filter(name="Copy of Field mission").exists()


def test_the_list_does_not_grow_with_data(client, cast, officer, template):
    c = _client(client, officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(reverse("coordination:readiness_list")).status_code == 200
        return len(queries)

    def open_one(n: int) -> None:
        services.checklist_open(actor=officer, data={
            "name": f"Mission {n}", "template": template, "country": cast.kenya,
            "starts_on": TODAY + dt.timedelta(days=n)})

    open_one(1)
    small = count()
    for n in range(2, 6):
        open_one(n)
    assert count() == small
