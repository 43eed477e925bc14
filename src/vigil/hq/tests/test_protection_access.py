"""Need-to-know: a protection case is seen by a protection coordinator in scope and by the
principal's designated office (read only), by nobody else, not even a global administrator,
in the HTML pages and the API alike. Every read is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.hq import protection_selectors as selectors
from vigil.hq.tests import test_protection_fixtures as fixtures

world = fixtures.world  # the shared records, as this module's fixture

OTHER_ROLES = [r for r in Role if r is not Role.PROTECTION_COORDINATOR]


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_finds_no_case_in_the_pages(client, world, user_with, role):
    user = user_with(role)
    _signed_in(client, user)
    case = world.case
    listing = client.get(reverse("hq:protection_case_list"))
    assert listing.status_code == 404
    assert case.reference not in listing.content.decode()
    assert client.get(reverse("hq:protection_case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("hq:protection_principal_detail",
                              args=[world.principal.pk])).status_code == 404
    assert client.get(reverse("hq:protection_case_create")).status_code in (403, 404)
    moved = client.post(reverse("hq:protection_case_move", args=[case.pk, "start"]),
                        {"version": case.version})
    assert moved.status_code == 404
    assert world.fresh().status == "requested"
    # The home page names neither the trip nor the principal (an administrator's audit
    # panel lists events by reference only).
    home = client.get("/").content.decode()
    assert case.purpose not in home
    assert world.principal.name not in home


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_finds_no_case_in_the_api(api, world, user_with, role):
    client = api(user_with(role))
    case = world.case
    listing = client.get("/api/v1/hq/protection-cases/")
    assert listing.status_code == 200
    assert listing.json()["results"] == []
    assert client.get("/api/v1/hq/protection-principals/").json()["results"] == []
    assert client.get(f"/api/v1/hq/protection-cases/{case.pk}/").status_code == 404
    assert client.get(f"/api/v1/hq/protection-principals/{world.principal.pk}/").status_code == 404
    created = client.post("/api/v1/hq/protection-cases/", {
        "principal": world.principal.pk, "purpose": "x", "starts_on": "2031-01-01",
        "ends_on": "2031-01-02"}, format="json")
    assert created.status_code == 400
    assert created.json()["errors"][0]["field"] == "principal"
    for move in ("start", "submit", "reopen", "cancel", "decide"):
        answer = client.post(f"/api/v1/hq/protection-cases/{case.pk}/{move}/",
                             {"version": case.version, "decision": "approved", "reason": "x"},
                             format="json")
        assert answer.status_code == 404, move
    assert world.fresh().status == "requested"


def test_a_global_administrator_is_refused_too(client, world, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    _signed_in(client, admin)
    assert client.get(reverse("hq:protection_case_detail",
                              args=[world.case.pk])).status_code == 404
    # Nothing of protective services is in the admin site.
    page = client.get("/admin/").content.decode()
    assert "protection" not in page.lower()
    assert not selectors.may_view_case(admin, world.case)


@pytest.mark.parametrize(("who", "sees"), [
    ("coordinator", True), ("kenya_coordinator", True), ("somalia_coordinator", False),
    ("assistant", True)])
def test_who_sees_the_case(client, api, world, who, sees):
    user = getattr(world, who)
    assert selectors.may_view_case(user, world.case) is sees
    _signed_in(client, user)
    status = client.get(reverse("hq:protection_case_detail", args=[world.case.pk])).status_code
    assert status == (200 if sees else 404)
    found = [c["id"] for c in api(user).get("/api/v1/hq/protection-cases/").json()["results"]]
    assert found == ([world.case.pk] if sees else [])


def test_a_coordinator_of_the_principals_organization_sees_it(world, user_with):
    undp = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.ORGANIZATION, world.cast.undp)
    wfp = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.ORGANIZATION, world.cast.wfp)
    assert selectors.may_view_case(undp, world.case)
    assert not selectors.may_view_case(wfp, world.case)


def test_the_office_reads_and_never_writes(client, api, world):
    _signed_in(client, world.assistant)
    case = world.case
    page = client.get(reverse("hq:protection_case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Start the assessment" not in page.content.decode()
    assert client.post(reverse("hq:protection_case_move", args=[case.pk, "start"]),
                       {"version": case.version}).status_code == 403
    assert client.get(reverse("hq:protection_case_edit", args=[case.pk])).status_code == 403
    answer = api(world.assistant).post(f"/api/v1/hq/protection-cases/{case.pk}/start/",
                                       {"version": case.version}, format="json")
    assert answer.status_code == 403
    answer = api(world.assistant).patch(f"/api/v1/hq/protection-cases/{case.pk}/",
                                        {"purpose": "changed", "version": case.version},
                                        format="json")
    assert answer.status_code == 403
    assert world.fresh().status == "requested"
    assert world.fresh().purpose == "Country team visit"
    # The office's home page lists the principal's coming case.
    assert case.reference in client.get("/").content.decode()


def test_an_out_of_scope_coordinator_cannot_act(api, world):
    client = api(world.somalia_coordinator)
    answer = client.post(f"/api/v1/hq/protection-cases/{world.case.pk}/start/",
                         {"version": world.case.version}, format="json")
    assert answer.status_code == 404


def _reads(action):
    return AuditEvent.objects.filter(action=action, sensitive_read=True)


def test_every_read_is_audited(client, api, world):
    case = world.case
    _signed_in(client, world.coordinator)
    client.get(reverse("hq:protection_case_detail", args=[case.pk]))
    assert _reads("hq.protection_case.read").filter(object_id=str(case.pk),
                                                    actor=world.coordinator).count() == 1
    client.get(reverse("hq:protection_case_list"))
    listed = _reads("hq.protection_case.list").filter(actor=world.coordinator).first()
    assert listed.changes["ids"] == [case.pk]
    assert listed.changes["rows"] == 1
    api(world.coordinator).get(f"/api/v1/hq/protection-cases/{case.pk}/")
    assert _reads("hq.protection_case.read").filter(actor=world.coordinator).count() == 2
    api(world.assistant).get("/api/v1/hq/protection-cases/")
    by_office = _reads("hq.protection_case.list").filter(actor=world.assistant).first()
    assert by_office.changes["ids"] == [case.pk]
    client.get(reverse("hq:protection_principal_detail", args=[world.principal.pk]))
    assert _reads("hq.principal.read").filter(actor=world.coordinator).count() == 1
    client.get(reverse("hq:protection_principal_list"))
    assert _reads("hq.principal.list").first().changes["ids"] == [world.principal.pk]


def test_the_home_queue_is_an_audited_read(client, world):
    _signed_in(client, world.coordinator)
    page = client.get("/").content.decode()
    assert world.case.reference in page
    assert _reads("hq.protection_case.list").filter(changes__where="home").exists()


def test_the_menu_shows_protection_to_coordinators_only(client, world, user_with):
    _signed_in(client, world.coordinator)
    assert reverse("hq:protection_case_list") in client.get("/").content.decode()
    _signed_in(client, user_with(Role.ADMINISTRATOR))
    assert reverse("hq:protection_case_list") not in client.get("/").content.decode()


def test_list_pages_ask_the_same_number_of_queries_at_two_sizes(client, world,
                                                                django_assert_max_num_queries):
    from vigil.hq import protection_services as services

    _signed_in(client, world.coordinator)
    client.get(reverse("hq:protection_case_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("hq:protection_case_list"))
    for n in range(3):
        services.case_create(actor=world.coordinator, data={
            "principal": world.principal, "purpose": f"Trip {n}", "starts_on": world.case.starts_on,
            "ends_on": world.case.ends_on})
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("hq:protection_case_list"))
    assert len(large) == len(small)
