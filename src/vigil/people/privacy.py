"""One person's data on request: its export, and its erasure.

Both act on a staff member, their eligible dependants and their user account, and on every
record of any app that names them. Records are found by what points at them (every foreign
key to the staff record, a dependant or the account), so that a new app's records are found
without a change here; the apps above people are named only by model label, never imported.

Export (``person_export``): an administrator holding ``people.export_personal_data`` over the
staff member. Need-to-know records are left out unless the exporter may read them where they
live: a counselling case (and its contact and sessions) only for the counsellor assigned to it,
a protection record only for a holder of ``hq.view_protection`` over it. A record that names
their account as its author or decider (a request they made for someone else) is listed, not
copied: it is about someone else. Secrets (password hashes, token keys, second-factor keys)
are never exported. The export is audited.

Erasure (``person_erase``): an administrator holding ``people.change_person`` over the staff
member, and only once nothing still needs the person (the holds below). The person's personal
fields are overwritten, their dependants' too, their emergency contacts and whereabouts are
deleted, their account is closed, and the personal content of linked records is blanked
(ERASE below). The records themselves stay, so that counts, indicators and the audit log still
add up; they name an erased person. The audit log is never changed: it keeps the account's
user name as it was, because an audit trail must not be editable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, can, get_visible
from vigil.core.errors import NotFound, TransitionRefused
from vigil.core.models import RoleGrant
from vigil.core.validation import check_version
from vigil.people.models import Dependant, EmergencyContact, Person

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

ERASED = "ERASED"

# Never exported: the log itself (read in the audit pages), and the account's secrets.
NOT_EXPORTED = {"core.auditevent", "core.audithead", "admin.logentry", "authtoken.token",
                "otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken"}
SECRET_WORDS = ("password", "secret", "key", "token", "hash")

# What an erasure blanks in the records of other apps: (model label, path to the staff record,
# values to set, or None to delete the rows). Whereabouts go; the record of the event stays.
ERASE: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
    ("travel.presence", "person", None),
    ("travel.segment", "request__traveller", {"lodging_name": "", "lodging_address": "",
                                              "lodging_latitude": None,
                                              "lodging_longitude": None}),
    ("travel.travelrequest", "traveller", {"contacts": []}),
    ("travel.delegation", "person", None),
    ("crisis.scheduledcheckin", "person", {"reported_latitude": None,
                                           "reported_longitude": None, "note": ""}),
    ("crisis.accountentry", "person", {"latitude": None, "longitude": None, "place": "",
                                       "note": "", "reported_latitude": None,
                                       "reported_longitude": None}),
    ("crisis.accountevent", "entry__person", {"note": ""}),
    ("wellbeing.session", "case__person", None),
    ("wellbeing.contact", "case__person", {"note": ""}),
    ("wellbeing.case", "person", {"request_note": "", "closure_note": "", "declined_reason": "",
                                  "preferred_language": ""}),
    ("hq.passholder", "person", {"family_name": ERASED, "given_name": "", "email": "",
                                 "document_type": "", "document_number": ""}),
)


@dataclass(frozen=True)
class Hold:
    """Records that still need the person: while any exists, erasure is refused."""

    label: str
    path: str
    condition: Q
    reason: Any


def _holds(now: dt.datetime) -> tuple[Hold, ...]:
    return (
        Hold("crisis.accountentry", "person", Q(crisis__status="active"),
             gettext_lazy("they are in the headcount of an open crisis")),
        Hold("wellbeing.case", "person", Q(status__in=["proposed", "open"]),
             gettext_lazy("a support case of theirs is still open")),
        Hold("travel.travelrequest", "traveller",
             Q(status__in=["pending", "cleared"], ends_at__gt=now),
             gettext_lazy("a trip of theirs is awaiting approval or not yet over")),
    )


def person_for(*, actor: AnyUser, perm: Perm, pk: Any) -> Person:
    """The staff member, if the actor holds ``perm`` over them: NotFound otherwise."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        key = 0
    return get_visible(actor, perm, Person.objects.select_related("user"), pk=key)


# --- Finding the records that name a person -----------------------------------------------------

def _links(targets: tuple[type[models.Model], ...]
           ) -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Each (model, field) of a foreign key, one-to-one or many-to-many to a target model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.get_fields():
            if (field.concrete and field.is_relation and field.related_model in targets
                    and isinstance(field, models.Field)):
                yield model, field


def _named_rows(person: Person) -> Iterator[tuple[str, models.Model]]:
    """Every row naming the staff member, a dependant of theirs or their account, with the
    field that names them; then the parts of the rows naming the person (a trip's segments,
    a case's sessions): the rows that point at them and are deleted with them."""
    User = get_user_model()
    dependants = list(person.dependants.values_list("pk", flat=True))
    ids: dict[type[models.Model], list[Any]] = {Person: [person.pk], Dependant: dependants,
                                                User: [person.user_id] if person.user_id else []}
    seen: set[tuple[str, Any]] = set()
    parents: list[models.Model] = []
    for model, field in _links((Person, Dependant, User)):
        label = model._meta.label_lower
        target = field.related_model
        wanted = ids[target] if isinstance(target, type) else []
        if not wanted or label in NOT_EXPORTED or (model, field) == (Person, Person.user.field):
            continue
        if target is User and not model.__module__.startswith("vigil."):
            continue
        rows = model._base_manager.filter(**{f"{field.name}__in": wanted}).order_by("pk")
        for row in rows:
            if (label, row.pk) in seen:
                continue
            seen.add((label, row.pk))
            if target is not User:
                parents.append(row)
            yield field.name, row
    for parent in parents:
        for relation in type(parent)._meta.related_objects:
            child = relation.related_model
            if (relation.one_to_many or relation.one_to_one) and relation.on_delete is \
                    models.CASCADE and isinstance(child, type) and \
                    child._meta.label_lower not in NOT_EXPORTED:
                remote = relation.field.name
                for row in child._base_manager.filter(**{remote: parent.pk}).order_by("pk"):
                    if (child._meta.label_lower, row.pk) not in seen:
                        seen.add((child._meta.label_lower, row.pk))
                        yield remote, row


def _may_read(actor: AnyUser, row: models.Model) -> bool:
    """Need-to-know records: read only by whom their own app lets read them."""
    meta = row._meta
    if meta.app_label == "wellbeing" and meta.model_name in {"case", "contact", "session"}:
        case: Any = row if meta.model_name == "case" else getattr(row, "case")  # noqa: B009
        counsellor = case.counsellor
        return counsellor is not None and counsellor.user_id == actor.pk \
            and can(actor, Perm.COUNSEL, case)
    if type(row).__module__.endswith(".protection"):
        return can(actor, Perm.VIEW_PROTECTION, row)
    return True


def _acted_only(row: models.Model, via: str) -> bool:
    """A row that names the account in any field but ``user`` names it as an actor."""
    field = row._meta.get_field(via)
    return field.related_model is get_user_model() and via != "user"


def _fields(row: models.Model) -> dict[str, Any]:
    data = audit.snapshot(row)
    return {k: v for k, v in data.items() if not any(w in k for w in SECRET_WORDS)}


# --- Export ------------------------------------------------------------------------------------

def person_export(*, actor: AnyUser, person: Person) -> dict[str, Any]:
    """Everything Vigil holds on the staff member, as JSON-ready data; audited."""
    if not can(actor, Perm.EXPORT_PERSONAL_DATA, person):
        raise NotFound()
    records: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for via, row in _named_rows(person):
        if not _may_read(actor, row):
            continue
        label = row._meta.label_lower
        counts[label] = counts.get(label, 0) + 1
        record = {"model": label, "kind": str(row._meta.verbose_name), "id": row.pk,
                  "names_them_as": via}
        if _acted_only(row, via):
            # They acted on it (made, decided, recorded it): it is about someone else, so
            # the export says that it exists, not what it holds.
            record["acted_as"] = via
        else:
            record["fields"] = _fields(row)
        records.append(record)
    account = None
    if person.user is not None:
        user = person.user
        account = {"username": user.get_username(), "first_name": user.first_name,
                   "last_name": user.last_name, "email": user.email,
                   "is_active": user.is_active,
                   "date_joined": audit.jsonable(user.date_joined),
                   "last_login": audit.jsonable(user.last_login)}
    with transaction.atomic():
        audit.record(actor=actor, action="people.person.export", obj=person,
                     changes={"records": counts}, sensitive_read=True)
    return {"format": "vigil-person-export", "exported_at": audit.jsonable(timezone.now()),
            "person": _fields(person),
            "emergency_contacts": [_fields(c) for c in person.emergency_contacts.all()],
            "account": account, "records": records}


# --- Erasure -----------------------------------------------------------------------------------

def erasure_holds(person: Person, now: dt.datetime | None = None) -> list[str]:
    """Why the staff member cannot be erased yet; empty when they can."""
    now = now or timezone.now()
    reasons = []
    if person.status != Person.Status.SEPARATED:
        reasons.append(_("they are not separated: record their separation first"))
    for hold in _holds(now):
        model = apps.get_model(hold.label)
        if model._default_manager.filter(hold.condition, **{hold.path: person}).exists():
            reasons.append(str(hold.reason))
    return reasons


class ErasureHeld(TransitionRefused):
    """The erasure is refused while something still needs the person; ``holds`` names each
    reason (the API answers them as a list)."""

    code = "erasure_held"

    def __init__(self, holds: list[str]) -> None:
        self.holds = holds
        super().__init__(_("This person cannot be erased yet: %(reasons)s.")
                         % {"reasons": "; ".join(holds)})

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "holds": self.holds}


@transaction.atomic
def person_erase(*, actor: AnyUser, person: Person, version: int | None = None
                 ) -> dict[str, int]:
    """Erases the staff member's personal data (see the module's notes); audited with the
    counts of what changed. Refused while a hold applies (ErasureHeld), and, when ``version``
    is given (the pages and the API give the version the decision was made on), if the
    record changed since (StaleVersion). The command line erases the record as it is."""
    if not can(actor, Perm.CHANGE_PERSON, person):
        raise NotFound()
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_version(person, version)
    reasons = erasure_holds(person)
    if reasons:
        raise ErasureHeld(reasons)
    counts: dict[str, int] = {}
    for label, path, values in ERASE:
        rows: QuerySet[Any] = apps.get_model(label)._base_manager.filter(**{path: person})
        if values is None:
            counts[label], _by_model = rows.delete()
        else:
            counts[label] = rows.update(**values)
    counts["people.emergencycontact"], _by_model = EmergencyContact.objects.filter(
        person=person).delete()
    counts["people.dependant"] = Dependant.objects.filter(person=person).update(
        family_name=ERASED, given_name="", name_original="", date_of_birth=None,
        residence_address="", residence_latitude=None, residence_longitude=None,
        residence_confirmed_on=None, lives_with_staff_member=True,
        status=Dependant.Status.INACTIVE)
    user = person.user
    if user is not None:
        _close_account(user)
        counts["auth.user"] = 1
    person.family_name, person.given_name, person.name_original = ERASED, "", ""
    person.index_number = f"{ERASED}-{person.pk}"[:20]
    person.residence_address, person.residence_latitude, person.residence_longitude = "", None, None
    person.residence_confirmed_on, person.phones, person.emails = None, [], []
    person.language, person.user = "", None
    person.version += 1
    person.save()
    audit.record(actor=actor, action="people.person.erase", obj=person,
                 object_repr=person.index_number, changes={"records": counts})
    return counts


def _close_account(user: Any) -> None:
    """The account can no longer sign in and names nobody: no name, no e-mail, no password,
    no role, no API token."""
    user.username = f"erased-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    RoleGrant.objects.filter(user=user).delete()
    for label in ("authtoken.token",):
        if apps.is_installed("rest_framework.authtoken"):
            apps.get_model(label)._base_manager.filter(user=user).delete()
