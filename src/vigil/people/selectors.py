"""Reads of organizations, personnel and dependants, narrowed to what the user may see.

Personal data (contacts, residence, emergency contacts, dependants) is need-to-know: reading
it needs its own permission, and every such read is written to the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from vigil.core import audit
from vigil.core.authz import Perm, can, get_visible, visible
from vigil.core.selectors import narrowed, searched
from vigil.people.models import Dependant, Organization, Person

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def organization_list(*, user: AnyUser, search: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = visible(user, Perm.VIEW_REFERENCE, Organization.objects.select_related("parent"))
    return narrowed(searched(qs, search, "code__icontains", "name__icontains"), kind=kind)


def organization_get(*, user: AnyUser, pk: Any) -> Organization:
    return get_visible(user, Perm.VIEW_REFERENCE, Organization.objects.select_related("parent"),
                       pk=pk)


def person_list(*, user: AnyUser, search: str = "", organization: Any = None,
                duty_station: Any = None, country: str = "", category: str = "",
                status: str = "") -> QuerySet[Person]:
    qs = visible(user, Perm.VIEW_PERSON,
                 Person.objects.select_related("organization", "duty_station",
                                               "duty_station__country"))
    qs = searched(qs, search, "family_name__icontains", "given_name__icontains",
                  "name_original__icontains", "index_number__iexact")
    return narrowed(qs, organization_id=organization or None,
                    duty_station_id=duty_station or None,
                    duty_station__country__iso2=country.upper(), category=category,
                    status=status)


def person_get(*, user: AnyUser, pk: Any) -> Person:
    return get_visible(user, Perm.VIEW_PERSON,
                       Person.objects.select_related("organization", "duty_station",
                                                     "duty_station__country", "user"), pk=pk)


def person_of_user(*, user: AnyUser) -> Person | None:
    if not user.is_authenticated:
        return None
    return (Person.objects.select_related("organization", "duty_station")
            .filter(user_id=user.pk).first())


def may_see_personal_data(*, user: AnyUser, person: Person) -> bool:
    return can(user, Perm.VIEW_PERSONAL_DATA, person)


def person_personal_data(*, user: AnyUser, person: Person) -> dict[str, Any] | None:
    """Contact data, residence and emergency contacts, or None when not the user's to see.

    Each read is audited, including a person reading their own record.
    """
    if not may_see_personal_data(user=user, person=person):
        return None
    audit.record_read(actor=user, action="people.person.read_personal_data", obj=person)
    return {
        "residence_address": person.residence_address,
        "residence_latitude": person.residence_latitude,
        "residence_longitude": person.residence_longitude,
        "phones": list(person.phones),
        "emails": list(person.emails),
        "emergency_contacts": [
            {"name": c.name, "relationship": c.relationship, "phone": c.phone,
             "email": c.email, "position": c.position}
            for c in person.emergency_contacts.all()
        ],
    }


def dependant_list(*, user: AnyUser, search: str = "", person: Any = None,
                   relationship: str = "", status: str = "") -> QuerySet[Dependant]:
    qs = visible(user, Perm.VIEW_DEPENDANT,
                 Dependant.objects.select_related("person", "person__duty_station",
                                                  "person__organization"))
    qs = searched(qs, search, "family_name__icontains", "given_name__icontains",
                  "person__index_number__iexact")
    return narrowed(qs, person_id=person or None, relationship=relationship, status=status)


def dependants_of(*, user: AnyUser, person: Person) -> list[Dependant]:
    """A staff member's dependants, as shown on their page: an audited read."""
    rows = list(dependant_list(user=user, person=person.pk))
    audit.record_list_read(actor=user, action="people.dependant.list",
                           object_type="people.dependant", query=f"person={person.pk}",
                           rows=len(rows))
    return rows


def dependant_get(*, user: AnyUser, pk: Any) -> Dependant:
    dependant = get_visible(user, Perm.VIEW_DEPENDANT,
                            Dependant.objects.select_related("person", "person__duty_station"),
                            pk=pk)
    audit.record_read(actor=user, action="people.dependant.read", obj=dependant)
    return dependant


def personnel_counts(*, user: AnyUser) -> dict[str, int]:
    """Headline counts over the personnel the user may see, for home pages."""
    qs = person_list(user=user).filter(status=Person.Status.ACTIVE)
    data = qs.aggregate(
        total=Count("pk"),
        no_residence=Count("pk", filter=Q(residence_latitude__isnull=True)),
        no_phone=Count("pk", filter=Q(phones=[])),
    )
    return {k: int(v or 0) for k, v in data.items()}


def staff_member_by_index(*, user: AnyUser, index_number: str,
                          dependant: Any = None) -> tuple[Person, Dependant | None]:
    """A staff member the user may see, by index number, and one of their dependants by
    number. Outside the user's scope is "not found", like an unknown number, so that index
    numbers cannot be probed."""
    from django.utils.translation import gettext as _

    from vigil.core.errors import FieldError, ValidationFailed

    person = visible(user, Perm.VIEW_PERSON, Person.objects.all()).filter(
        index_number=(index_number or "").strip()).first()
    if person is None:
        raise ValidationFailed([FieldError("person", _(
            "No staff member in your scope has this index number."))])
    found = None
    if dependant:
        found = person.dependants.filter(pk=dependant).first()
        if found is None:
            raise ValidationFailed([FieldError("dependant", _(
                "%(person)s has no such dependant.") % {"person": person})])
    return person, found


def field_headcounts() -> list[tuple[int, int, int]]:
    """(organization id, country id, headcount) of the personnel in the registry today:
    active or on leave (not separated), at field duty stations (headquarters and regional
    commissions are financed otherwise). Counts only: no one's name leaves the registry. The
    registry keeps each person's present status, so this counts the day it is called."""
    from vigil.places.models import DutyStation

    rows = (Person.objects.exclude(status=Person.Status.SEPARATED)
            .filter(duty_station__kind=DutyStation.Kind.FIELD)
            .values("organization_id", "duty_station__country_id")
            .annotate(n=Count("pk")).order_by("organization_id", "duty_station__country_id"))
    return [(r["organization_id"], r["duty_station__country_id"], r["n"]) for r in rows]
