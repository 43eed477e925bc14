"""The writes of people through their services: organizations, staff members with their
emergency contacts, dependants; each in scope, versioned, and recorded by one audit event
with what changed. Saving a residence with coordinates confirms it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import ErrorCode, Forbidden, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.people import rules, services
from vigil.people.models import Dependant, EmergencyContact, Organization, Person

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Awa Diallo", "relationship": "Sister", "phone": "+221 33 8000000"}
HOME = {"residence_address": "2 Road", "residence_latitude": -1.25,
        "residence_longitude": 36.85}


def changes_of(action: str) -> dict:
    return AuditEvent.objects.get(action=action).changes


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


# --- The rule -------------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "after", "confirms"), [
    ({}, {"residence_latitude": -1.2, "residence_longitude": 36.8}, True),  # a new record
    ({}, {"residence_address": "1 Road"}, False),  # no coordinates: nothing to find
    ({"residence_address": "1 Road", "residence_latitude": -1.2},
     {"residence_address": "2 Road", "residence_latitude": -1.2}, True),  # moved house
    ({"residence_latitude": -1.2}, {"residence_latitude": -1.3}, True),
    ({"residence_address": "1 Road", "residence_latitude": -1.2},
     {"residence_address": "1 Road", "residence_latitude": -1.2}, False),  # nothing new
    ({"residence_latitude": -1.2}, {"residence_latitude": None}, False),  # removed
])
def test_a_residence_is_confirmed_when_saved_new_with_coordinates(before, after, confirms):
    assert rules.confirms_residence(before, after) is confirms


# --- Organizations --------------------------------------------------------------------------

def test_an_organization_is_created_by_a_global_administrator_and_audited(cast, admin,
                                                                          user_with):
    data = {"code": "UNOPS", "name": "UN Office for Project Services",
            "kind": Organization.Kind.FUND_PROGRAMME}
    with pytest.raises(Forbidden):
        services.organization_create(
            actor=user_with(Role.ADMINISTRATOR, ScopeKind.ORGANIZATION, cast.undp), data=data)
    org = services.organization_create(actor=admin, data=data)
    changes = changes_of("people.organization.create")
    assert changes["code"] == [None, "UNOPS"]
    assert changes["kind"] == [None, "fund_programme"]
    services.organization_update(actor=admin, organization=org, data={"parent": cast.undp},
                                 version=1)
    assert changes_of("people.organization.update") == {"parent": [None, cast.undp.pk],
                                                        "version": [1, 2]}


def test_an_organization_cannot_be_part_of_itself(cast, admin):
    with pytest.raises(ValidationFailed) as caught:
        services.organization_update(actor=admin, organization=cast.undp,
                                     data={"parent": cast.undp}, version=1)
    assert [(e.field, e.code) for e in caught.value.errors] == [("parent", ErrorCode.INVALID)]
    assert Organization.objects.get(pk=cast.undp.pk).parent_id is None


def test_an_organizations_code_does_not_change(cast, admin):
    with pytest.raises(ValidationFailed) as caught:
        services.organization_update(actor=admin, organization=cast.undp,
                                     data={"code": "UNDP2"}, version=1)
    assert [e.field for e in caught.value.errors] == ["code"]


# --- Staff members --------------------------------------------------------------------------

def test_a_new_staff_member_with_a_residence_has_it_confirmed_and_contacts_audited(
        cast, admin):
    person = services.person_create(actor=admin, data={
        "index_number": "30000001", "family_name": "Diallo", "organization": cast.wfp,
        "category": "consultant", "duty_station": cast.mombasa, **HOME},
        emergency_contacts=[CONTACT])
    assert person.residence_confirmed_on == timezone.localdate()
    changes = changes_of("people.person.create")
    assert changes["residence_confirmed_on"] == [None, timezone.localdate().isoformat()]
    assert changes["emergency_contacts"] == [[], [{**CONTACT, "email": ""}]]


def test_a_new_staff_member_without_coordinates_or_contacts(cast, admin):
    person = services.person_create(actor=admin, data={
        "index_number": "30000002", "family_name": "Diallo", "organization": cast.wfp,
        "category": "consultant", "duty_station": cast.mombasa})
    assert person.residence_confirmed_on is None
    changes = changes_of("people.person.create")
    assert "residence_confirmed_on" not in changes
    assert "emergency_contacts" not in changes


def test_moving_house_confirms_the_residence_and_other_edits_do_not(cast, admin):
    services.person_update(actor=admin, person=cast.amina, data={"given_name": "B"},
                           version=1)
    assert changes_of("people.person.update") == {"given_name": ["A", "B"],
                                                  "version": [1, 2]}
    assert Person.objects.get(pk=cast.amina.pk).residence_confirmed_on is None
    services.person_update(actor=admin, person=cast.amina, data=HOME, version=2)
    event = AuditEvent.objects.filter(action="people.person.update").latest("seq")
    assert event.changes["residence_confirmed_on"] == [None,
                                                       timezone.localdate().isoformat()]
    assert event.changes["residence_address"] == ["1 Road", "2 Road"]
    assert Person.objects.get(pk=cast.amina.pk).version == 3


def test_the_confirmation_date_is_not_the_callers_to_set(cast, admin):
    with pytest.raises(ValidationFailed) as caught:
        services.person_update(actor=admin, person=cast.amina, version=1,
                               data={**HOME, "residence_confirmed_on": dt.date(2020, 1, 1)})
    assert [e.field for e in caught.value.errors] == ["residence_confirmed_on"]


def test_moving_a_staff_member_out_of_the_actors_scope_is_refused(cast, user_with):
    officer = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        services.person_update(actor=officer, person=cast.amina,
                               data={"duty_station": cast.mogadishu}, version=1)
    assert Person.objects.get(pk=cast.amina.pk).duty_station == cast.nairobi


def test_a_bad_emergency_contact_undoes_the_whole_edit(cast, admin):
    with pytest.raises(ValidationFailed) as caught:
        services.person_update(actor=admin, person=cast.amina, data={"given_name": "B"},
                               version=1, emergency_contacts=[{**CONTACT, "phone": "no"}])
    assert [e.field for e in caught.value.errors] == ["emergency_contacts[0].phone"]
    stored = Person.objects.get(pk=cast.amina.pk)
    assert (stored.given_name, stored.version) == ("A", 1)
    assert not AuditEvent.objects.filter(action__startswith="people.person").exists()


def test_contacts_kept_up_to_date_by_the_staff_member(cast, user_with):
    amina = user_with(Role.TRAVELLER, person=cast.amina)
    services.person_update_contacts(actor=amina, person=cast.amina, version=1,
                                    data={"phones": ["+254 20 1111111"]},
                                    emergency_contacts=[CONTACT])
    changes = changes_of("people.person.update_contacts")
    assert changes["phones"] == [["+254 20 7621234"], ["+254 20 1111111"]]
    assert changes["emergency_contacts"] == [[], [{**CONTACT, "email": ""}]]
    assert "residence_confirmed_on" not in changes
    services.person_update_contacts(actor=amina, person=cast.amina, version=2, data=HOME,
                                    emergency_contacts=[CONTACT])  # the same contact again
    event = AuditEvent.objects.filter(
        action="people.person.update_contacts").latest("seq")
    assert "emergency_contacts" not in event.changes
    assert event.changes["residence_confirmed_on"][1] == timezone.localdate().isoformat()
    assert EmergencyContact.objects.filter(person=cast.amina).count() == 1
    with pytest.raises(ValidationFailed):
        services.person_update_contacts(actor=amina, person=cast.amina, version=3,
                                        data={"family_name": "X"})


# --- Dependants -----------------------------------------------------------------------------

def test_a_dependant_with_a_residence_of_their_own(cast, admin):
    child = services.dependant_create(actor=admin, data={
        "person": cast.amina, "family_name": "Achieng", "given_name": "Ann",
        "relationship": "child", "lives_with_staff_member": False, **HOME})
    assert child.residence_confirmed_on == timezone.localdate()
    changes = changes_of("people.dependant.create")
    assert changes["residence_confirmed_on"] == [None, timezone.localdate().isoformat()]
    services.dependant_update(actor=admin, dependant=child, data={"given_name": "Anne"},
                              version=1)
    assert changes_of("people.dependant.update") == {"given_name": ["Ann", "Anne"],
                                                     "version": [1, 2]}


def test_a_dependant_born_in_the_future_is_refused_after_the_permission(cast, admin,
                                                                        user_with):
    future = {"person": cast.amina, "family_name": "Achieng", "relationship": "child",
              "date_of_birth": dt.date(2999, 1, 1)}
    with pytest.raises(Forbidden):
        services.dependant_create(
            actor=user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.somalia), data=future)
    with pytest.raises(ValidationFailed) as caught:
        services.dependant_create(actor=admin, data=future)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("date_of_birth", ErrorCode.OUT_OF_RANGE)]
    assert Dependant.objects.count() == 2
