"""Export and erasure of one person's data (vigil.people.privacy): who may, what is in an
export, what need-to-know keeps out of it, what erasure changes, and what holds it back.
Here because a counselling case is the hardest need-to-know record to keep out."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Perm, Role, ScopeKind, forget_grants
from vigil.core.errors import NotFound, TransitionRefused
from vigil.core.models import AuditEvent, RoleGrant
from vigil.incidents.models import AffectedPerson
from vigil.people import privacy
from vigil.people.models import Dependant, EmergencyContact, Person
from vigil.travel.models import Presence, Segment, TravelRequest
from vigil.wellbeing import selectors, services
from vigil.wellbeing.models import Case, Session


def _case(world: Any, *, close: bool) -> Case:
    services.cases_propose()
    case = Case.objects.get(affected=world.amina_hit)
    services.case_take(actor=world.counsellor_user, case=case)
    services.contact_record(actor=world.counsellor_user, case=case,
                            data={"at": timezone.now() - dt.timedelta(hours=2), "mode": "phone",
                                  "note": "Spoke of the robbery"})
    services.session_record(actor=world.counsellor_user, case=case,
                            data={"at": timezone.now() - dt.timedelta(hours=1), "mode": "phone",
                                  "duration_minutes": 45, "note": "Sleeping badly"})
    if close:
        case.refresh_from_db()
        services.case_close(actor=world.counsellor_user, case=case, closure_note="Recovered")
    return case


def _trip(world: Any, ends: dt.datetime, status: str = "cleared") -> TravelRequest:
    cast = world.cast
    request = TravelRequest.objects.create(
        traveller=cast.amina, requested_by=world.amina_user, purpose="Workshop", status=status,
        starts_at=ends - dt.timedelta(days=2), ends_at=ends,
        contacts=[{"name": "Hotel desk", "phone": "+254 20 7621234"}])
    segment = Segment.objects.create(
        request=request, position=1, origin_station=cast.nairobi, origin_name="Nairobi",
        origin_country=cast.kenya, origin_latitude=-1.29, origin_longitude=36.82,
        destination_station=cast.mombasa, destination_name="Mombasa",
        destination_country=cast.kenya, destination_latitude=-4.04, destination_longitude=39.67,
        departs_at=ends - dt.timedelta(days=2), arrives_at=ends - dt.timedelta(days=2),
        lodging_address="1 Beach Road", lodging_latitude=-4.05, lodging_longitude=39.66)
    Presence.objects.create(request=request, segment=segment, person=cast.amina, kind="stay",
                            cleared=True, starts_at=ends - dt.timedelta(days=2), ends_at=ends,
                            latitude=-4.05, longitude=39.66, cell=1, country=cast.kenya)
    return request


def _also(user: Any, role: Role, kind: ScopeKind = ScopeKind.GLOBAL, target: Any = None) -> Any:
    RoleGrant.objects.create(user=user, role=role, scope_kind=kind,
                             scope_id=target.pk if target is not None else None)
    forget_grants(user)
    return user


@pytest.fixture
def kenya_admin(world: Any, user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, world.cast.kenya, username="ke-admin")


# --- Export ------------------------------------------------------------------------------------

def test_an_export_holds_every_record_naming_the_person(world, kenya_admin):
    EmergencyContact.objects.create(person=world.cast.amina, name="Jane", relationship="sister",
                                    phone="+254 20 7621234")
    trip = _trip(world, timezone.now() - dt.timedelta(days=10))

    data = privacy.person_export(actor=kenya_admin, person=world.cast.amina)

    assert data["person"]["family_name"] == "Achieng"
    assert data["person"]["phones"] == ["+254 20 7621234"]
    assert data["emergency_contacts"][0]["name"] == "Jane"
    assert data["account"]["username"] == "amina"
    found = {(r["model"], r["id"]) for r in data["records"]}
    assert ("people.dependant", world.cast.amina_child.pk) in found
    assert ("travel.travelrequest", trip.pk) in found
    assert ("travel.segment", trip.segments.get().pk) in found  # a part of the trip
    assert ("incidents.affectedperson", world.amina_hit.pk) in found
    assert ("incidents.affectedperson", world.child_hit.pk) in found
    assert not any(r["model"] == "people.person" for r in data["records"])
    assert all(r["fields"].get("person") in (None, world.cast.amina.pk) for r in data["records"])
    json.dumps(data)  # JSON-ready
    event = AuditEvent.objects.get(action="people.person.export")
    assert (event.object_id, event.sensitive_read) == (str(world.cast.amina.pk), True)
    assert event.changes["records"]["travel.travelrequest"] == 1


def test_a_record_they_acted_on_is_listed_not_copied(world, kenya_admin):
    trip = TravelRequest.objects.create(traveller=world.cast.omar, requested_by=world.amina_user,
                                        purpose="Omar's confidential visit")
    data = privacy.person_export(actor=kenya_admin, person=world.cast.amina)
    listed = next(r for r in data["records"] if r["model"] == "travel.travelrequest"
                  and r["id"] == trip.pk)
    assert listed["acted_as"] == "requested_by"
    assert "fields" not in listed
    assert "Omar's confidential visit" not in json.dumps(data)


def test_an_export_never_holds_a_secret(world, kenya_admin):
    data = privacy.person_export(actor=kenya_admin, person=world.cast.amina)
    text = json.dumps(data)
    assert world.amina_user.password not in text
    assert "password" not in text


def test_a_counselling_case_is_exported_only_to_its_counsellor(world, kenya_admin):
    case = _case(world, close=False)
    by_admin = privacy.person_export(actor=kenya_admin, person=world.cast.amina)
    assert not any(r["model"].startswith("wellbeing.") for r in by_admin["records"])
    assert "Sleeping badly" not in json.dumps(by_admin)
    # A counsellor holding the export permission, but not assigned to the case: still no.
    peter = _also(world.other_counsellor_user, Role.ADMINISTRATOR)
    assert "Sleeping badly" not in json.dumps(
        privacy.person_export(actor=peter, person=world.cast.amina))
    nadia = _also(world.counsellor_user, Role.ADMINISTRATOR)
    by_counsellor = privacy.person_export(actor=nadia, person=world.cast.amina)
    found = {(r["model"], r["id"]) for r in by_counsellor["records"]}
    assert ("wellbeing.case", case.pk) in found
    assert ("wellbeing.session", Session.objects.get(case=case).pk) in found


@pytest.mark.parametrize("who", ["somali_admin", "traveller", "counsellor", "self"])
def test_an_export_is_refused_to_anyone_without_the_permission_over_the_person(
        world, user_with, who):
    actor = {"somali_admin": lambda: user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY,
                                               world.cast.somalia),
             "traveller": lambda: world.omar_user,
             "counsellor": lambda: world.counsellor_user,
             "self": lambda: world.amina_user}[who]()
    with pytest.raises(NotFound):
        privacy.person_for(actor=actor, perm=Perm.EXPORT_PERSONAL_DATA, pk=world.cast.amina.pk)
    with pytest.raises(NotFound):
        privacy.person_export(actor=actor, person=world.cast.amina)
    assert not AuditEvent.objects.filter(action="people.person.export").exists()


# --- Erasure -----------------------------------------------------------------------------------

def _separate(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(status=Person.Status.SEPARATED)
    person.refresh_from_db()


def test_erasure_removes_the_personal_data_and_keeps_the_counts(world, kenya_admin):
    amina = world.cast.amina
    case = _case(world, close=True)
    trip = _trip(world, timezone.now() - dt.timedelta(days=10))
    EmergencyContact.objects.create(person=amina, name="Jane", relationship="sister",
                                    phone="+254 20 7621234")
    # The case proposed for her child was declined.
    Case.objects.filter(person=amina, status="proposed").update(status="declined",
                                                                closed_at=timezone.now())
    _separate(amina)
    indicator = selectors.pfa_indicator(user=world.admin)

    counts = privacy.person_erase(actor=kenya_admin, person=amina)

    amina.refresh_from_db()
    assert (amina.family_name, amina.given_name, amina.phones, amina.residence_address) == (
        "ERASED", "", [], "")
    assert amina.index_number == f"ERASED-{amina.pk}"
    assert amina.residence_latitude is None
    assert amina.user is None
    assert not EmergencyContact.objects.filter(person=amina).exists()
    child = Dependant.objects.get(pk=world.cast.amina_child.pk)
    assert (child.family_name, child.given_name, child.date_of_birth) == ("ERASED", "", None)
    account = get_user_model().objects.get(pk=world.amina_user.pk)
    assert (account.username, account.is_active, account.has_usable_password()) == (
        f"erased-{account.pk}", False, False)
    assert not RoleGrant.objects.filter(user=account).exists()
    assert not Presence.objects.filter(person=amina).exists()
    assert Segment.objects.get(request=trip).lodging_address == ""
    assert TravelRequest.objects.get(pk=trip.pk).contacts == []
    case.refresh_from_db()
    assert (case.closure_note, case.status) == ("", "closed")
    assert not Session.objects.filter(case=case).exists()
    # The records stay, so the counts do not move.
    assert AffectedPerson.objects.filter(person=amina).count() == 2
    assert selectors.pfa_indicator(user=world.admin) == indicator
    event = AuditEvent.objects.get(action="people.person.erase")
    assert event.changes["records"] == counts
    assert "Achieng" not in json.dumps(event.changes)
    assert audit.verify()[1] is None  # the log itself is never rewritten


@pytest.mark.parametrize(("hold", "message"), [
    ("active", "not separated"),
    ("open_case", "support case"),
    ("trip", "trip"),
])
def test_erasure_is_refused_while_a_hold_applies(world, kenya_admin, hold, message):
    amina = world.cast.amina
    if hold != "active":
        _separate(amina)
    if hold == "open_case":
        _case(world, close=False)
    if hold == "trip":
        _trip(world, timezone.now() + dt.timedelta(days=5))
    with pytest.raises(TransitionRefused, match=message):
        privacy.person_erase(actor=kenya_admin, person=amina)
    amina.refresh_from_db()
    assert amina.family_name == "Achieng"
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()


def test_erasure_names_its_holds_and_checks_the_version_read(world, kenya_admin):
    """The pages and the API erase the record as read: a stale version is refused, and so is
    a hold, which names each reason for the API's list."""
    from vigil.core.errors import StaleVersion

    amina = world.cast.amina
    with pytest.raises(privacy.ErasureHeld) as held:
        privacy.person_erase(actor=kenya_admin, person=amina, version=amina.version)
    assert held.value.holds == privacy.erasure_holds(amina)
    assert held.value.as_dict()["holds"] == held.value.holds
    _separate(amina)
    amina.refresh_from_db()
    with pytest.raises(StaleVersion):
        privacy.person_erase(actor=kenya_admin, person=amina, version=amina.version - 1)
    assert not AuditEvent.objects.filter(action="people.person.erase").exists()
    privacy.person_erase(actor=kenya_admin, person=amina, version=amina.version)
    assert AuditEvent.objects.filter(action="people.person.erase").count() == 1


def test_erasure_is_refused_to_anyone_without_the_permission_over_the_person(world, user_with):
    _separate(world.cast.amina)
    for actor in (user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, world.cast.somalia),
                  world.counsellor_user, world.amina_user,
                  user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, world.cast.kenya)):
        with pytest.raises(NotFound):
            privacy.person_erase(actor=actor, person=world.cast.amina)
    assert Person.objects.get(pk=world.cast.amina.pk).family_name == "Achieng"


def test_the_holds_and_erasures_name_real_models():
    for label, path, _values in privacy.ERASE:
        apps.get_model(label)._meta.get_field(path.split("__")[0])
    for hold in privacy._holds(timezone.now()):
        apps.get_model(hold.label)._meta.get_field(hold.path)


# --- The command -------------------------------------------------------------------------------

def test_the_command_exports_and_erases(world, kenya_admin, tmp_path, capsys):
    out = tmp_path / "amina.json"
    call_command("privacy", "export", world.cast.amina.index_number, "--as", "ke-admin",
                 "--out", str(out))
    assert json.loads(out.read_text())["person"]["family_name"] == "Achieng"
    with pytest.raises(CommandError, match="not separated"):
        call_command("privacy", "erase", world.cast.amina.index_number, "--as", "ke-admin")
    _separate(world.cast.amina)
    with pytest.raises(CommandError, match="--yes"):
        call_command("privacy", "erase", str(world.cast.amina.pk), "--as", "ke-admin")
    call_command("privacy", "erase", str(world.cast.amina.pk), "--as", "ke-admin", "--yes")
    assert "Erased." in capsys.readouterr().out
    with pytest.raises(CommandError, match="Not found"):
        call_command("privacy", "export", world.cast.omar.index_number, "--as", "omar")
