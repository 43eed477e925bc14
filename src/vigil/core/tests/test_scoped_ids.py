"""Ids in API writes resolve within the caller's scope: an id outside it gets the very answer
a missing id gets, no answer names a record the caller cannot see, and a refused id of
personal data is written to the audit log (model and id, never a name)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import ValidationFailed
from vigil.core.models import AuditEvent
from vigil.crisis import services as crisis_services
from vigil.incidents import services as incident_services
from vigil.incidents.models import IncidentCategory
from vigil.people.models import Dependant, Person
from vigil.travel.models import Delegation, TravelRequest

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/travel-requests/"
NAIROBI = {"center_latitude": -1.2864, "center_longitude": 36.8172, "radius_km": 25}
MOGADISHU = {"center_latitude": 2.046, "center_longitude": 45.318, "radius_km": 25}


def absent(model: Any) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return int(last) + 1000


def refused_alike(outside: Any, missing: Any, *names: str) -> list[str]:
    """Both answers are the same 400, and neither holds any of ``names``; the faulty fields."""
    assert outside.status_code == 400, outside.json()
    assert missing.status_code == 400, missing.json()
    assert outside.json() == missing.json()
    text = outside.content.decode()
    for name in names:
        assert not re.search(rf"\b{name}\b", text, re.IGNORECASE)
    return [e["field"] for e in outside.json()["errors"]]


def refusals() -> list[tuple[str, str, str, Any]]:
    return list(AuditEvent.objects.filter(action="core.access.refused").values_list(
        "object_type", "object_id", "object_repr", "actor"))


@pytest.fixture
def amina(cast: Any, user_with: Any) -> Any:
    return user_with(Role.TRAVELLER, person=cast.amina, username="amina")


@pytest.fixture
def officer(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


@pytest.fixture
def somali(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia, username="so-so")


# --- Dependants and travellers (personal data) ---------------------------------------------------

def test_a_dependant_of_someone_else_is_refused_as_a_missing_one_and_unnamed(api, cast, amina):
    client = api(amina)
    outside = client.post(REQUESTS, {"purpose": "Visit",
                                     "dependants": [cast.fatuma_spouse.pk]}, format="json")
    missing = client.post(REQUESTS, {"purpose": "Visit", "dependants": [absent(Dependant)]},
                          format="json")
    assert refused_alike(outside, missing, "Abdi", "Ali") == ["dependants[0]"]
    assert not TravelRequest.objects.exists()
    assert refusals() == [("people.dependant", str(cast.fatuma_spouse.pk), "", amina.pk)]
    # Her own child travels with her.
    mine = client.post(REQUESTS, {"purpose": "Visit", "dependants": [cast.amina_child.pk]},
                       format="json")
    assert mine.status_code == 201, mine.json()
    assert mine.json()["dependants"] == [cast.amina_child.pk]


def test_a_traveller_one_may_not_file_for_is_refused_as_a_missing_one(api, cast, amina):
    client = api(amina)
    outside = client.post(REQUESTS, {"purpose": "Visit", "traveller": cast.omar.pk},
                          format="json")
    missing = client.post(REQUESTS, {"purpose": "Visit", "traveller": absent(Person)},
                          format="json")
    assert refused_alike(outside, missing, "Hassan") == ["traveller"]
    assert refusals() == [("people.person", str(cast.omar.pk), "", amina.pk)]
    # Once Omar names her his assistant, she files for him.
    Delegation.objects.create(person=cast.omar, assistant=amina)
    for_omar = client.post(REQUESTS, {"purpose": "Visit", "traveller": cast.omar.pk},
                           format="json")
    assert for_omar.status_code == 201, for_omar.json()
    assert for_omar.json()["traveller"] == cast.omar.pk


def test_an_office_files_for_the_staff_of_its_scope_only(api, cast, user_with):
    office = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    client = api(office)
    kenyan = client.post(REQUESTS, {"purpose": "Visit", "traveller": cast.omar.pk},
                         format="json")
    assert kenyan.status_code == 201, kenyan.json()
    outside = client.post(REQUESTS, {"purpose": "Visit", "traveller": cast.fatuma.pk,
                                     "dependants": [cast.fatuma_spouse.pk]}, format="json")
    missing = client.post(REQUESTS, {"purpose": "Visit", "traveller": absent(Person),
                                     "dependants": [absent(Dependant)]}, format="json")
    assert refused_alike(outside, missing, "Abdi", "Ali") == ["traveller", "dependants[0]"]
    assert sorted(refusals()) == sorted([
        ("people.person", str(cast.fatuma.pk), "", office.pk),
        ("people.dependant", str(cast.fatuma_spouse.pk), "", office.pk)])


def test_an_ineligible_dependant_the_filer_may_see_is_refused_without_a_name(api, cast, amina):
    Delegation.objects.create(person=cast.omar, assistant=amina)
    omars = Dependant.objects.create(person=cast.omar, family_name="Hassan", given_name="Zuri",
                                     relationship="child")
    response = api(amina).post(REQUESTS, {"purpose": "Visit", "traveller": cast.amina.pk,
                                          "dependants": [cast.amina_child.pk, omars.pk]},
                               format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["dependants[1]"]
    assert not re.search(r"\bzuri\b", response.content.decode(), re.IGNORECASE)
    assert not TravelRequest.objects.exists()


def test_a_dependant_for_a_staff_member_out_of_scope_is_refused_as_a_missing_one(api, cast,
                                                                                  amina):
    row = {"family_name": "Achieng", "given_name": "Eve", "relationship": "child"}
    outside = api(amina).post("/api/v1/dependants/", {**row, "person": cast.omar.pk},
                              format="json")
    missing = api(amina).post("/api/v1/dependants/", {**row, "person": absent(Person)},
                              format="json")
    assert refused_alike(outside, missing, "Hassan") == ["person"]
    assert refusals() == [("people.person", str(cast.omar.pk), "", amina.pk)]
    assert not Dependant.objects.filter(given_name="Eve").exists()


# --- Incidents and crises ------------------------------------------------------------------------

def test_a_crisis_on_an_incident_out_of_scope_is_refused_as_on_a_missing_one(api, cast, officer,
                                                                             somali):
    category = IncidentCategory.objects.get(code="crime")
    occurred = timezone.now() - timezone.timedelta(hours=1)
    theirs = incident_services.incident_create(actor=somali, data={
        "category": category, "title": "Ambush near Afgoye", "occurred_at": occurred,
        "time_zone": "Africa/Mogadishu", "country": cast.somalia, "latitude": 2.14,
        "longitude": 45.12, "source": "Staff report"})
    ours = incident_services.incident_create(actor=officer, data={
        "category": category, "title": "Robbery in Westlands", "occurred_at": occurred,
        "time_zone": "Africa/Nairobi", "country": cast.kenya, "latitude": -1.26,
        "longitude": 36.8, "source": "Staff report"})
    row = {"title": "Unrest", "country": "KE", "zone_kind": "circle", **NAIROBI}
    outside = api(officer).post("/api/v1/crises/", {**row, "incident": theirs.pk},
                                format="json")
    missing = api(officer).post("/api/v1/crises/", {**row, "incident": theirs.pk + 1000},
                                format="json")
    assert refused_alike(outside, missing, "Afgoye") == ["incident"]
    assert refusals() == []  # not personal data
    declared = api(officer).post("/api/v1/crises/", {**row, "incident": ours.pk}, format="json")
    assert declared.status_code == 201, declared.json()
    assert declared.json()["incident"] == ours.pk


def test_a_broadcast_for_a_crisis_out_of_scope_is_refused_as_for_a_missing_one(api, cast,
                                                                               officer, somali):
    theirs = crisis_services.crisis_declare(actor=somali, data={
        "title": "Flooding in Banadir", "zone_kind": "circle", **MOGADISHU})
    ours = crisis_services.crisis_declare(actor=officer, data={
        "title": "Unrest in Nairobi", "zone_kind": "circle", **NAIROBI})
    row = {"subject": "Are you safe?", "body": "Answer please."}
    outside = api(officer).post("/api/v1/broadcasts/", {**row, "crisis": theirs.pk},
                                format="json")
    missing = api(officer).post("/api/v1/broadcasts/", {**row, "crisis": theirs.pk + 1000},
                                format="json")
    assert refused_alike(outside, missing, "Banadir") == ["crisis"]
    cast.amina.emails = ["amina@un.example"]
    cast.amina.save()
    sent = api(officer).post("/api/v1/broadcasts/", {**row, "crisis": ours.pk}, format="json")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["crisis"] == ours.pk


def test_a_dependant_of_someone_else_is_refused_by_the_services_without_a_name(cast, officer):
    category = IncidentCategory.objects.get(code="crime")
    incident = incident_services.incident_create(actor=officer, data={
        "category": category, "title": "Robbery in Westlands",
        "occurred_at": timezone.now() - timezone.timedelta(hours=1),
        "time_zone": "Africa/Nairobi", "country": cast.kenya, "latitude": -1.26,
        "longitude": 36.8, "source": "Staff report"})
    crisis = crisis_services.crisis_declare(actor=officer, data={
        "title": "Unrest in Nairobi", "zone_kind": "circle", **NAIROBI})
    attempts = [
        lambda: incident_services.affected_person_add(
            actor=officer, incident=incident, person=cast.amina,
            dependant=cast.fatuma_spouse, impact="injured"),
        lambda: crisis_services.entry_add(actor=officer, crisis=crisis, person=cast.amina,
                                          dependant=cast.fatuma_spouse)]
    for attempt in attempts:
        with pytest.raises(ValidationFailed) as caught:
            attempt()
        messages = " ".join(caught.value.for_field("dependant"))
        assert messages
        assert not re.search(r"\b(abdi|ali)\b", messages, re.IGNORECASE)
