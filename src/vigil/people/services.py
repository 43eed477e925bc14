"""Every write to organizations, personnel and dependants: atomic, permission-checked, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, require
from vigil.core.errors import ErrorCode, FieldError, ValidationFailed
from vigil.core.importing import ImportReport, import_rows
from vigil.core.services import record_save
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.people import rules
from vigil.people.importing import personnel_import_bulk
from vigil.people.models import Dependant, EmergencyContact, Organization, Person

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

ORGANIZATION_FIELDS = {"code", "name", "kind", "parent", "is_active"}
PERSON_FIELDS = {"index_number", "family_name", "given_name", "name_original", "organization",
                 "category", "duty_station", "status", "user", "language",
                 *Person.PERSONAL_FIELDS}
CONTACT_FIELDS = set(Person.PERSONAL_FIELDS)
DEPENDANT_FIELDS = {"person", "family_name", "given_name", "name_original", "relationship",
                    "date_of_birth", "lives_with_staff_member", "residence_address",
                    "residence_latitude", "residence_longitude", "status"}


# --- Organizations ----------------------------------------------------------------------------

@transaction.atomic
def organization_create(*, actor: AnyUser, data: dict[str, Any]) -> Organization:
    """Organizations are reference data for the whole system: a new one is in nobody's
    organization scope, so only a global holder of the permission may create one."""
    return record_save(actor=actor, obj=Organization(), perm=Perm.CHANGE_ORGANIZATION,
                       data=data, allowed=ORGANIZATION_FIELDS, action="people.organization")


@transaction.atomic
def organization_update(*, actor: AnyUser, organization: Organization,
                        data: dict[str, Any], version: int | None) -> Organization:
    return record_save(actor=actor, obj=organization, perm=Perm.CHANGE_ORGANIZATION,
                       data=data, allowed=ORGANIZATION_FIELDS - {"code"},
                       action="people.organization", version=version)


# --- Personnel --------------------------------------------------------------------------------

def _contacts_from(data: list[dict[str, Any]], person: Person) -> list[EmergencyContact]:
    contacts: list[EmergencyContact] = []
    errors: list[FieldError] = []
    for position, item in enumerate(data, start=1):
        contact = EmergencyContact(person=person, position=position,
                                   name=str(item.get("name", "")).strip(),
                                   relationship=str(item.get("relationship", "")).strip(),
                                   phone=str(item.get("phone", "")).strip(),
                                   email=str(item.get("email", "")).strip())
        try:
            validate(contact, exclude=["person"])
        except ValidationFailed as exc:
            errors.extend(FieldError(field=f"emergency_contacts[{position - 1}].{e.field}",
                                     message=e.message, code=e.code) for e in exc.errors)
        contacts.append(contact)
    if errors:
        raise ValidationFailed(errors)
    return contacts


def _contacts_snapshot(person: Person) -> list[dict[str, str]]:
    return [{"name": c.name, "relationship": c.relationship, "phone": c.phone,
             "email": c.email} for c in person.emergency_contacts.all()]


def _contacts_then(emergency_contacts: list[dict[str, Any]] | None
                   ) -> Callable[[Person], dict[str, Any]]:
    """Replace the person's emergency contacts once the person is saved (None: keep them),
    and say how they changed. A fault in a contact undoes the whole save."""

    def then(person: Person) -> dict[str, Any]:
        if emergency_contacts is None:
            return {}
        before = _contacts_snapshot(person)
        contacts = _contacts_from(emergency_contacts, person)
        person.emergency_contacts.all().delete()
        EmergencyContact.objects.bulk_create(contacts)
        after = _contacts_snapshot(person)
        return {"emergency_contacts": [before, after]} if after != before else {}

    return then


def _confirming(obj: Person | Dependant, data: dict[str, Any], allowed: set[str]
                ) -> tuple[dict[str, Any], set[str]]:
    """``data`` and ``allowed``, with the residence confirmed today where this save confirms
    it (rules.confirms_residence). The confirmation date is never the caller's to set."""
    if "residence_confirmed_on" in data:
        return data, allowed  # refused as a field that cannot be set here
    before = {} if obj.pk is None else {name: audit.jsonable(getattr(obj, name))
                                        for name in rules.RESIDENCE_FIELDS}
    after = {name: audit.jsonable(data[name] if name in data else getattr(obj, name))
             for name in rules.RESIDENCE_FIELDS}
    if not rules.confirms_residence(before, after):
        return data, allowed
    return ({**data, "residence_confirmed_on": timezone.localdate()},
            allowed | {"residence_confirmed_on"})


@transaction.atomic
def person_create(*, actor: AnyUser, data: dict[str, Any],
                  emergency_contacts: list[dict[str, Any]] | None = None) -> Person:
    person = Person()
    data, allowed = _confirming(person, data, PERSON_FIELDS)
    return record_save(actor=actor, obj=person, perm=Perm.CHANGE_PERSON, data=data,
                       allowed=allowed, action="people.person",
                       then=_contacts_then(emergency_contacts))


@transaction.atomic
def person_update(*, actor: AnyUser, person: Person, data: dict[str, Any],
                  version: int | None,
                  emergency_contacts: list[dict[str, Any]] | None = None) -> Person:
    """Change a staff member's record. Moving them to another duty station or organization
    must be allowed in the scope they leave and in the one they join."""
    data, allowed = _confirming(person, data, PERSON_FIELDS - {"index_number"})
    return record_save(actor=actor, obj=person, perm=Perm.CHANGE_PERSON, data=data,
                       allowed=allowed, action="people.person", version=version,
                       then=_contacts_then(emergency_contacts))


@transaction.atomic
def person_update_contacts(*, actor: AnyUser, person: Person, data: dict[str, Any],
                           version: int | None,
                           emergency_contacts: list[dict[str, Any]] | None = None) -> Person:
    """A person (or their administrator) keeps contacts and residence up to date. Its own
    permission and audit action keep it apart from record_save, whose actions are
    ``.create`` and ``.update``."""
    require(actor, Perm.CHANGE_CONTACT_DATA, person)
    check_version(person, version)
    before = audit.snapshot(person)
    data, allowed = _confirming(person, data, CONTACT_FIELDS)
    assign(person, data, allowed)
    validate(person)
    save_new_version(person, sorted(allowed))
    changes = audit.diff(before, audit.snapshot(person))
    changes.update(_contacts_then(emergency_contacts)(person))
    audit.record(actor=actor, action="people.person.update_contacts", obj=person,
                 changes=changes)
    return person


PERSON_COLUMNS_REQUIRED = ("index_number", "family_name", "organization", "category",
                           "duty_station")
PERSON_COLUMNS_OPTIONAL = ("given_name", "name_original", "status", "residence_address",
                           "residence_latitude", "residence_longitude", "phones", "emails")


# The staff record's former certificate dates: a file that still has them is refused, naming
# the column, rather than having the dates silently dropped. Training imports completions.
LEGACY_COURSE_COLUMNS = {"bsafe_certified_on": "BSAFE", "ssafe_certified_on": "SSAFE",
                         "bsafe": "BSAFE", "ssafe": "SSAFE"}


def _course_column(error: FieldError) -> FieldError:
    course = LEGACY_COURSE_COLUMNS.get(error.field)
    if course is None or error.row != 1:
        return error
    return FieldError(field=error.field, row=1, message=_(
        "The column “%(column)s” is no longer read: %(course)s completions are kept in "
        "training. Remove the column, and import the dates as completions in training.")
        % {"column": error.field, "course": course})


def personnel_import(*, actor: AnyUser, data: bytes | str, skip_invalid: bool = False,
                     progress: Callable[[int], None] | None = None,
                     on_total: Callable[[int], None] | None = None) -> ImportReport:
    """Create or update personnel from CSV, matched by index number. All rows or none,
    unless ``skip_invalid``: then the good rows are written and the bad ones reported. Every
    row is checked first (people.importing, which reads and writes in bulk)."""
    try:
        csv_rows = import_rows(data, actor=actor, perm=Perm.IMPORT_PERSONNEL,
                               required=PERSON_COLUMNS_REQUIRED,
                               optional=PERSON_COLUMNS_OPTIONAL, on_total=on_total)
    except ValidationFailed as failed:
        raise ValidationFailed([_course_column(e) for e in failed.errors]) from None
    return personnel_import_bulk(csv_rows, actor=actor, skip_invalid=skip_invalid,
                                 progress=progress)


# --- Dependants -------------------------------------------------------------------------------

@transaction.atomic
def dependant_create(*, actor: AnyUser, data: dict[str, Any]) -> Dependant:
    dependant = Dependant()
    data, allowed = _confirming(dependant, data, DEPENDANT_FIELDS)
    return record_save(actor=actor, obj=dependant, perm=Perm.CHANGE_DEPENDANT, data=data,
                       allowed=allowed, action="people.dependant", check=_birth_date_faults)


@transaction.atomic
def dependant_update(*, actor: AnyUser, dependant: Dependant, data: dict[str, Any],
                     version: int | None) -> Dependant:
    data, allowed = _confirming(dependant, data, DEPENDANT_FIELDS - {"person"})
    return record_save(actor=actor, obj=dependant, perm=Perm.CHANGE_DEPENDANT, data=data,
                       allowed=allowed, action="people.dependant", version=version,
                       check=_birth_date_faults)


def _birth_date_faults(dependant: Dependant) -> list[FieldError]:
    born = dependant.date_of_birth
    if isinstance(born, dt.date) and born > dt.datetime.now(dt.UTC).date():
        return [FieldError(field="date_of_birth", code=ErrorCode.OUT_OF_RANGE,
                           message=_("The date of birth is in the future."))]
    return []
