"""Cost-sharing pages and API: the budget officer's walk through (biennium, thresholds,
census, apportionment, approval), statements with XLSX, comparison; who may and may not."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from vigil.core.authz import Role, ScopeKind
from vigil.costshare import services
from vigil.costshare.models import Apportionment, Biennium, Census, ShareThreshold
from vigil.people.models import Organization

CSV = "organization,country,headcount\nUNDP,KE,300\nWFP,SO,696\nWFP,KE,4\n"


@pytest.fixture
def apportioned(biennium, budget_officer, final_census):
    services.apportionment_compute(actor=budget_officer, biennium=biennium, census=final_census)
    return biennium


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_budget_officer_walks_through_a_biennium(client, cast, budget_officer):
    c = signed_in(client, budget_officer)
    response = c.post(reverse("costshare:biennium_create"),
                      {"start_year": 2026, "budget": "1000000.00", "note": ""})
    biennium = Biennium.objects.get(start_year=2026)
    assert response.status_code == 302
    response = c.post(reverse("costshare:thresholds_edit", args=[biennium.pk]), {
        "t-TOTAL_FORMS": 3, "t-INITIAL_FORMS": 0, "t-0-below_percent": "0.5",
        "t-0-flat_amount": "25000", "t-1-below_percent": "1", "t-1-flat_amount": "100000",
        "t-2-below_percent": "", "t-2-flat_amount": ""})
    assert response.status_code == 302
    assert ShareThreshold.objects.filter(biennium=biennium).count() == 2
    response = c.post(reverse("costshare:census_import", args=[biennium.pk]), {
        "census_date": "2026-01-01", "file": SimpleUploadedFile("c.csv", CSV.encode())})
    census = Census.objects.get()
    assert response.status_code == 302
    response = c.post(reverse("costshare:census_finalize", args=[census.pk]),
                      {"version": census.version})
    census.refresh_from_db()
    assert census.status == "final"
    c.post(reverse("costshare:apportion", args=[biennium.pk]), {"census": census.pk})
    apportionment = Apportionment.objects.get()
    page = c.get(reverse("costshare:biennium_detail", args=[biennium.pk]))
    assert page.status_code == 200
    assert "1,000,000.00" in page.content.decode() or "1000000.00" in page.content.decode()
    c.post(reverse("costshare:approve", args=[biennium.pk]), {"version": apportionment.version})
    apportionment.refresh_from_db()
    assert apportionment.status == "approved"
    page = c.get(reverse("costshare:biennium_detail", args=[biennium.pk]))
    assert reverse("costshare:census_take", args=[biennium.pk]) not in page.content.decode()


def test_a_bad_census_file_shows_each_row(client, biennium, budget_officer):
    c = signed_in(client, budget_officer)
    response = c.post(reverse("costshare:census_import", args=[biennium.pk]), {
        "census_date": "2026-01-01",
        "file": SimpleUploadedFile("c.csv", b"organization,country,headcount\nNOPE,KE,x\n")})
    assert response.status_code == 400
    body = response.content.decode()
    assert "NOPE" in body
    assert "headcount" in body
    assert not Census.objects.exists()


def test_a_bad_threshold_table_is_shown_beside_its_row(client, biennium, budget_officer):
    c = signed_in(client, budget_officer)
    response = c.post(reverse("costshare:thresholds_edit", args=[biennium.pk]), {
        "t-TOTAL_FORMS": 2, "t-INITIAL_FORMS": 0, "t-0-below_percent": "1",
        "t-0-flat_amount": "50000", "t-1-below_percent": "2", "t-1-flat_amount": "10"})
    assert response.status_code == 200
    assert "smaller flat amount" in response.content.decode()


def test_taking_a_census_from_the_registry(client, cast, biennium, budget_officer):
    c = signed_in(client, budget_officer)
    response = c.post(reverse("costshare:census_take", args=[biennium.pk]))
    assert response.status_code == 302
    census = Census.objects.get()
    assert census.source == "registry"
    page = c.get(reverse("costshare:census_detail", args=[census.pk]))
    assert "WFP" in page.content.decode()
    c.post(reverse("costshare:census_delete", args=[census.pk]))
    assert not Census.objects.exists()


def test_statement_page_and_xlsx(client, apportioned, budget_officer):
    c = signed_in(client, budget_officer)
    url = reverse("costshare:statement", args=[apportioned.pk, "UNDP"])
    page = c.get(url)
    assert page.status_code == 200
    assert "300,000.00" in page.content.decode() or "300000.00" in page.content.decode()
    xlsx = c.get(url + "?format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    values = {row[0]: row[1] for row in book.active.iter_rows(values_only=True) if row[0]}
    assert Decimal(str(values["Amount due (US$)"])) == Decimal("300000")
    assert c.get(reverse("costshare:statement", args=[apportioned.pk, "NOPE"])).status_code \
        == 404
    whole = c.get(reverse("costshare:biennium_detail", args=[apportioned.pk]) + "?format=xlsx")
    assert whole["Content-Type"].startswith("application/vnd.openxmlformats")


def test_comparison_of_two_bienniums(client, apportioned, budget_officer, final_census):
    later = services.biennium_save(actor=budget_officer, biennium=None,
                                   data={"start_year": 2028, "budget": Decimal("1100000.00")})
    census, _report = services.census_import(
        actor=budget_officer, biennium=later, census_date=final_census.census_date,
        data="organization,country,headcount\nUNDP,KE,500\nWFP,SO,500\n")
    services.census_move(actor=budget_officer, census=census, status="final")
    services.apportionment_compute(actor=budget_officer, biennium=later, census=census)
    c = signed_in(client, budget_officer)
    url = reverse("costshare:compare") + f"?first={apportioned.pk}&second={later.pk}"
    page = c.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "+250,000.00" in body or "+250000.00" in body  # UNDP 300,000 -> 550,000
    assert c.get(url + "&format=xlsx")["Content-Type"].startswith("application/vnd")


PAGES = ["costshare:biennium_list", "costshare:compare"]


@pytest.mark.parametrize(("role", "kind", "status"), [
    (Role.BUDGET_OFFICER, ScopeKind.GLOBAL, 200), (Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL, 200),
    (Role.TRAVELLER, ScopeKind.GLOBAL, 403), (Role.SECURITY_OFFICER, ScopeKind.COUNTRY, 403),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL, 403)])
def test_who_opens_the_pages(client, cast, user_with, apportioned, role, kind, status):
    c = signed_in(client, user_with(role, kind, cast.scope(kind)))
    for name in PAGES:
        assert c.get(reverse(name)).status_code == status
    detail = c.get(reverse("costshare:biennium_detail", args=[apportioned.pk]))
    assert detail.status_code == (200 if status == 200 else 403)
    statement = c.get(reverse("costshare:statement", args=[apportioned.pk, "WFP"]))
    assert statement.status_code == (200 if status == 200 else 403)


def test_the_programme_manager_reads_but_does_not_act(client, user_with, apportioned,
                                                      final_census):
    c = signed_in(client, user_with(Role.PROGRAMME_MANAGER))
    page = c.get(reverse("costshare:biennium_detail", args=[apportioned.pk]))
    assert reverse("costshare:approve", args=[apportioned.pk]) not in page.content.decode()
    assert c.post(reverse("costshare:approve", args=[apportioned.pk]),
                  {"version": 1}).status_code == 403
    assert c.post(reverse("costshare:census_take", args=[apportioned.pk])).status_code == 403
    assert c.get(reverse("costshare:biennium_create")).status_code == 403
    assert Apportionment.objects.get().status == "draft"


def test_sign_in_is_needed(client, apportioned):
    response = client.get(reverse("costshare:biennium_list"))
    assert response.status_code == 302


def test_the_home_panel_shows_the_next_step(client, apportioned, budget_officer):
    page = signed_in(client, budget_officer).get("/")
    assert "Apportionment to approve" in page.content.decode()


# --- API ----------------------------------------------------------------------------------------

def test_api_walk_through(api, cast, budget_officer):
    c = api(budget_officer)
    created = c.post("/api/v1/costshare/bienniums/", {"start_year": 2026,
                                                      "budget": "1000000.00"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["name"] == "2026-2027"
    response = c.post(f"/api/v1/costshare/bienniums/{pk}/thresholds/", {"thresholds": [
        {"below_percent": "0.5", "flat_amount": "25000.00"}]}, format="json")
    assert response.status_code == 200
    assert len(response.json()["thresholds"]) == 1
    imported = c.post("/api/v1/costshare/censuses/import/", {
        "biennium": pk, "census_date": "2026-01-01", "csv": CSV}, format="json")
    assert imported.status_code == 200, imported.json()
    assert imported.json()["created"] == 3
    census = imported.json()["census"]
    moved = c.post(f"/api/v1/costshare/censuses/{census['id']}/move/",
                   {"status": "final", "version": census["version"]}, format="json")
    assert moved.json()["status"] == "final"
    computed = c.post(f"/api/v1/costshare/bienniums/{pk}/apportion/",
                      {"census": census["id"]}, format="json")
    assert computed.status_code == 200
    assert sum(Decimal(x["amount"]) for x in computed.json()["lines"]) == Decimal("1000000.00")
    approved = c.post(f"/api/v1/costshare/bienniums/{pk}/approve/",
                      {"version": computed.json()["version"]}, format="json")
    assert approved.json()["status"] == "approved"
    refused = c.patch(f"/api/v1/costshare/bienniums/{pk}/", {"budget": "1.00", "version": 1},
                      format="json")
    assert refused.status_code in (400, 409)
    statement = c.get(f"/api/v1/costshare/bienniums/{pk}/statements/UNDP/")
    assert statement.json()["amount"] == "300000.00"
    compare = c.get(f"/api/v1/costshare/bienniums/{pk}/compare/?with={pk}")
    assert compare.status_code == 200
    assert {r["organization"] for r in compare.json()} == {"UNDP", "WFP"}


def test_api_import_names_bad_rows(api, biennium, budget_officer):
    response = api(budget_officer).post("/api/v1/costshare/censuses/import/", {
        "biennium": biennium.pk, "census_date": "2026-01-01",
        "csv": "organization,country,headcount\nUNDP,ZZ,1\n"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 2


def test_api_registry_census_and_draft_delete(api, cast, biennium, budget_officer):
    c = api(budget_officer)
    taken = c.post("/api/v1/costshare/censuses/take/", {"biennium": biennium.pk}, format="json")
    assert taken.status_code == 201
    assert {x["country"] for x in taken.json()["lines"]} == {"KE", "SO"}
    assert c.delete(f"/api/v1/costshare/censuses/{taken.json()['id']}/").status_code == 204


@pytest.mark.parametrize(("role", "reads"), [
    (Role.BUDGET_OFFICER, True), (Role.PROGRAMME_MANAGER, True), (Role.TRAVELLER, False),
    (Role.SECURITY_OFFICER, False)])
def test_api_who_reads_and_writes(api, user_with, apportioned, final_census, role, reads):
    c = api(user_with(role))
    listed = c.get("/api/v1/costshare/bienniums/")
    assert listed.status_code == 200
    assert bool(listed.json()["results"]) is reads
    one = c.get(f"/api/v1/costshare/bienniums/{apportioned.pk}/apportionment/")
    assert one.status_code == (200 if reads else 404)
    if role is not Role.BUDGET_OFFICER:
        approve = c.post(f"/api/v1/costshare/bienniums/{apportioned.pk}/approve/",
                         {"version": 1}, format="json")
        assert approve.status_code in (403, 404)
        take = c.post("/api/v1/costshare/censuses/take/", {"biennium": apportioned.pk},
                      format="json")
        assert take.status_code in (400, 403)
        create = c.post("/api/v1/costshare/bienniums/", {"start_year": 2030, "budget": "1"},
                        format="json")
        assert create.status_code == 403


def test_pages_do_not_grow_with_data(client, cast, budget_officer, apportioned):
    c = signed_in(client, budget_officer)
    urls = [reverse("costshare:biennium_list"),
            reverse("costshare:biennium_detail", args=[apportioned.pk])]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert c.get(url).status_code == 200
            found.append(len(captured))
        return found

    services.biennium_save(actor=budget_officer, biennium=None,
                           data={"start_year": 2028, "budget": Decimal(1)})
    before = counts()
    # More bienniums, organizations and lines.
    for code in ("ILO", "WHO", "FAO"):
        Organization.objects.create(code=code, name=code, kind=Organization.Kind.AGENCY)
    services.biennium_save(actor=budget_officer, biennium=None,
                           data={"start_year": 2030, "budget": Decimal(1)})
    census, _r = services.census_import(
        actor=budget_officer, biennium=Biennium.objects.get(start_year=2030),
        census_date=apportioned.created_at.date(),
        data="organization,country,headcount\nILO,KE,5\nWHO,KE,6\nFAO,SO,7\nUNDP,KE,9\n")
    assert census.lines.count() == 4
    services.census_move(actor=budget_officer, census=apportioned.censuses.get(), status="draft")
    census2, _r = services.census_import(
        actor=budget_officer, biennium=apportioned, census_date=apportioned.created_at.date(),
        data="organization,country,headcount\nILO,KE,5\nWHO,KE,6\nFAO,SO,7\nUNDP,KE,9\n"
             "WFP,SO,20\n")
    services.census_move(actor=budget_officer, census=census2, status="final")
    services.apportionment_compute(actor=budget_officer, biennium=apportioned, census=census2)
    assert counts() == before
