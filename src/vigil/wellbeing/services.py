"""Writes of critical-incident stress support. Each checks its right, validates, writes and
records one audit event. Audit events of cases name the case by id and reference only: the
content (request, notes, closure) never enters the audit log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, can, require
from vigil.core.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    NotFound,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version
from vigil.incidents.models import AffectedPerson
from vigil.people.models import Dependant, Person
from vigil.wellbeing import rules
from vigil.wellbeing.models import Briefing, Case, Contact, Counsellor, Session, TrainingStatus

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

COUNSELLOR_FIELDS = {"user", "name", "affiliation", "organization_name", "languages",
                     "training_status", "trained_on", "active"}
BRIEFING_FIELDS = {"duty_station", "held_on", "audience", "participants", "topic",
                   "facilitator"}


def _fail(field: str, message: str, code: str = ErrorCode.INVALID) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message, code)])


# --- Counsellors (the roster; never case content) ---------------------------------------------

@transaction.atomic
def counsellor_save(*, actor: AnyUser, data: dict[str, Any], counsellor: Counsellor | None = None,
                    duty_stations: list[Any] | None = None,
                    version: int | None = None) -> Counsellor:
    """Add a counsellor to the roster or change one; ``duty_stations`` replaces those
    covered."""
    obj = counsellor if counsellor is not None else Counsellor()

    def check(c: Counsellor) -> list[FieldError]:
        faults = []
        if c.trained_on is not None and c.trained_on > timezone.now().date():
            faults.append(FieldError("trained_on", _("The training date is in the future.")))
        if c.training_status == TrainingStatus.NOT_TRAINED and c.trained_on is not None:
            faults.append(FieldError("trained_on", _(
                "A counsellor not trained in CISM has no training date.")))
        return faults

    def then(c: Counsellor) -> dict[str, Any]:
        if duty_stations is None:
            return {}
        before = sorted(c.duty_stations.values_list("pk", flat=True))
        c.duty_stations.set(duty_stations)
        after = sorted(s.pk for s in duty_stations)
        return {"duty_stations": [before, after]} if before != after else {}

    try:
        with transaction.atomic():
            return record_save(actor=actor, obj=obj, perm=Perm.MANAGE_COUNSELLING, data=data,
                               allowed=COUNSELLOR_FIELDS, action="wellbeing.counsellor",
                               version=version, check=check, then=then)
    except IntegrityError as exc:
        raise _fail("user", _("This user is already on the roster."),
                    ErrorCode.DUPLICATE) from exc


def _counsellor_of(actor: AnyUser) -> Counsellor:
    counsellor = Counsellor.objects.filter(user_id=int(actor.pk or 0), active=True).first()
    if counsellor is None:
        raise Forbidden(_("You are not on the roster of counsellors."))
    return counsellor


# --- Cases -------------------------------------------------------------------------------------

def _reference(now: dt.datetime) -> str:
    """WB-<year>-<n>, numbered within the year; the unique index settles a race."""
    prefix = f"WB-{now.year}-"
    last = (Case.objects.filter(reference__startswith=prefix)
            .order_by("-pk").values_list("reference", flat=True).first())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _place_of(person: Person, incident_country_id: int | None = None) -> dict[str, Any]:
    station = person.duty_station
    return {"duty_station_id": station.pk if station else None,
            "country_id": incident_country_id or (station.country_id if station else None),
            "organization_id": person.organization_id}


def _new_case(**fields: Any) -> Case:
    now = timezone.now()
    for attempt in range(5):
        case = Case(reference=_reference(now), proposed_at=now, **fields)
        if case.country_id is None:
            raise _fail("person", _("The staff member has no duty station; the case cannot "
                                    "be placed."))
        try:
            with transaction.atomic():
                case.save()
            return case
        except IntegrityError:
            if attempt == 4 or Case.objects.filter(reference=case.reference).count() == 0:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def cases_propose(*, actor: AnyUser | None = None, limit: int = 5000) -> int:
    """Propose a case for every person recorded as affected by an incident who has none yet.
    Idempotent: an affected person is proposed once (the case's unique link). Run by the clock
    (``vigil propose_cases``); the incident app cannot call it, so this polls."""
    pending = (AffectedPerson.objects.filter(incident__isnull=False)
               .exclude(pk__in=Case.objects.filter(affected__isnull=False).values("affected"))
               .select_related("incident", "person", "person__duty_station")
               .order_by("pk")[:limit])
    made = 0
    for affected in pending:
        incident = affected.incident
        place = _place_of(affected.person, incident.country_id)
        if place["country_id"] is None:
            continue
        case = _new_case(person=affected.person, dependant=affected.dependant,
                         incident=incident, affected=affected, origin=Case.Origin.INCIDENT,
                         **place)
        audit.record(actor=actor, action="wellbeing.case.propose", obj=case,
                     object_repr=case.reference,
                     changes={"incident": incident.pk, "origin": case.origin})
        made += 1
    return made


@transaction.atomic
def case_request(*, actor: AnyUser, data: dict[str, Any]) -> Case:
    """The person asks for support for themself: a proposed case any counsellor covering
    their duty station may pick up."""
    person = (Person.objects.select_related("duty_station")
              .filter(user_id=int(actor.pk or 0)).first())
    if person is None:
        raise _fail("person", _("Your account is not linked to a staff record; ask your "
                                "security focal point or call the counsellor directly."))
    incident = data.get("incident")
    draft = Case(person=person, origin=Case.Origin.SELF_REQUEST, **_place_of(person))
    require(actor, Perm.REQUEST_SUPPORT, draft)
    case = _new_case(person=person, incident=incident, origin=Case.Origin.SELF_REQUEST,
                     requested_by=actor, request_note=str(data.get("request_note", "")),
                     preferred_language=str(data.get("preferred_language", "")),
                     **_place_of(person, incident.country_id if incident else None))
    audit.record(actor=actor, action="wellbeing.case.request", obj=case,
                 object_repr=case.reference, changes={"origin": case.origin})
    return case


@transaction.atomic
def case_refer(*, actor: AnyUser, data: dict[str, Any]) -> Case:
    """A counsellor records a referral (from a manager, a security officer, a doctor) and takes
    the case: it opens assigned to them."""
    counsellor = _counsellor_of(actor)
    index = str(data.get("index_number", "")).strip()
    person = Person.objects.select_related("duty_station").filter(index_number=index).first()
    dependant: Dependant | None = data.get("dependant")
    faults = []
    draft = Case(person=person, **_place_of(person)) if person is not None else None
    if draft is None or not can(actor, Perm.COUNSEL, draft):
        faults.append(FieldError("index_number", _("Unknown index number, or outside your "
                                                   "scope."), ErrorCode.UNKNOWN_REFERENCE))
    elif dependant is not None and dependant.person_id != person.pk:  # type: ignore[union-attr]
        faults.append(FieldError("dependant", _("Not a dependant of this staff member.")))
    if faults:
        raise ValidationFailed(faults)
    assert person is not None  # noqa: S101 - checked above
    now = timezone.now()
    case = _new_case(person=person, dependant=dependant, incident=data.get("incident"),
                     origin=Case.Origin.REFERRAL, requested_by=actor, counsellor=counsellor,
                     status=Case.Status.OPEN, opened_at=now,
                     request_note=str(data.get("request_note", "")),
                     preferred_language=str(data.get("preferred_language", "")),
                     **_place_of(person))
    audit.record(actor=actor, action="wellbeing.case.refer", obj=case,
                 object_repr=case.reference, changes={"origin": case.origin,
                                                      "counsellor": counsellor.pk})
    return case


def _move(case: Case, move: str) -> str:
    target = rules.next_status(move, case.status)
    if target is None:
        raise TransitionRefused(_("Case %(ref)s: this change is not possible while its "
                                  "status is “%(status)s”.") % {
            "ref": case.reference, "status": case.get_status_display()})
    return target


@transaction.atomic
def case_take(*, actor: AnyUser, case: Case, version: int | None = None) -> Case:
    """A counsellor picks up a proposed case in their scope, at a duty station they cover; it
    opens, assigned to them."""
    require(actor, Perm.COUNSEL, case)
    counsellor = _counsellor_of(actor)
    check_version(case, version)
    target = _move(case, "take")
    if case.counsellor_id is not None:
        raise TransitionRefused(_("Another counsellor has taken this case."))
    covered = frozenset(counsellor.duty_stations.values_list("pk", flat=True))
    if not rules.covers(covered, case.duty_station_id):
        raise _fail("counsellor", _("You do not cover this case's duty station."))
    case.counsellor, case.status, case.opened_at = counsellor, target, timezone.now()
    save_new_version(case, ["counsellor", "status", "opened_at"])
    audit.record(actor=actor, action="wellbeing.case.take", obj=case,
                 object_repr=case.reference,
                 changes={"status": [rules.PROPOSED, target], "counsellor": counsellor.pk})
    return case


def _assigned(actor: AnyUser, case: Case) -> None:
    """Only the assigned counsellor works a case. Anyone else is told it does not exist."""
    if case.counsellor is None or case.counsellor.user_id != actor.pk:
        raise NotFound()


@transaction.atomic
def case_close(*, actor: AnyUser, case: Case, closure_note: str,
               version: int | None = None) -> Case:
    _assigned(actor, case)
    check_version(case, version)
    target = _move(case, "close")
    if not closure_note.strip():
        raise _fail("closure_note", _("Say how the support ended (a short closure note)."),
                    ErrorCode.REQUIRED)
    case.status, case.closed_at, case.closure_note = target, timezone.now(), closure_note
    save_new_version(case, ["status", "closed_at", "closure_note"])
    audit.record(actor=actor, action="wellbeing.case.close", obj=case,
                 object_repr=case.reference, changes={"status": [rules.OPEN, target]})
    return case


@transaction.atomic
def case_decline(*, actor: AnyUser, case: Case, reason: str = "",
                 version: int | None = None) -> Case:
    """The person declines the support offered (their right), or the assigned counsellor
    records that they did."""
    is_person = case.dependant_id is None and case.person.user_id == actor.pk
    if not is_person:
        _assigned(actor, case)
    check_version(case, version)
    before = case.status
    target = _move(case, "decline")
    case.status, case.closed_at, case.declined_reason = target, timezone.now(), reason[:300]
    save_new_version(case, ["status", "closed_at", "declined_reason"])
    audit.record(actor=actor, action="wellbeing.case.decline", obj=case,
                 object_repr=case.reference, changes={"status": [before, target]})
    return case


def _when(field: str, at: dt.datetime | None, case: Case) -> dt.datetime:
    if at is None:
        raise _fail(field, _("Give the time."), ErrorCode.REQUIRED)
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise _fail(field, _("The time is in the future."))
    if case.incident is not None and at < case.incident.occurred_at:
        raise _fail(field, _("The time is before the incident."))
    return at


@transaction.atomic
def contact_record(*, actor: AnyUser, case: Case, data: dict[str, Any]) -> Contact:
    """The first psychological-first-aid contact; the time since the incident follows."""
    _assigned(actor, case)
    if not rules.may_record_contact(case.status, Contact.objects.filter(case=case).exists()):
        raise TransitionRefused(_("The first contact is recorded once, on an open case."))
    at = _when("at", data.get("at"), case)
    mode = str(data.get("mode", ""))
    if mode not in Contact.Mode.values:
        raise _fail("mode", _("Choose how the contact was made."), ErrorCode.REQUIRED)
    contact = Contact.objects.create(case=case, at=at, mode=mode,
                                     note=str(data.get("note", "")))
    audit.record(actor=actor, action="wellbeing.contact.create", obj=case,
                 object_repr=case.reference, changes={"mode": mode})
    return contact


@transaction.atomic
def session_record(*, actor: AnyUser, case: Case, data: dict[str, Any]) -> Session:
    _assigned(actor, case)
    if not rules.may_record_session(case.status):
        raise TransitionRefused(_("Sessions are recorded on an open case."))
    at = _when("at", data.get("at"), case)
    first = Contact.objects.filter(case=case).values_list("at", flat=True).first()
    if first is None:
        raise _fail("at", _("Record the first contact before follow-up sessions."))
    if at < first:
        raise _fail("at", _("A follow-up session comes after the first contact."))
    mode = str(data.get("mode", ""))
    if mode not in Contact.Mode.values:
        raise _fail("mode", _("Choose how the session was held."), ErrorCode.REQUIRED)
    minutes = data.get("duration_minutes")
    if not isinstance(minutes, int) or not 5 <= minutes <= 480:
        raise _fail("duration_minutes", _("Give the duration, from 5 to 480 minutes."))
    session = Session.objects.create(case=case, at=at, mode=mode, duration_minutes=minutes,
                                     note=str(data.get("note", "")))
    audit.record(actor=actor, action="wellbeing.session.create", obj=case,
                 object_repr=case.reference, changes={"session": session.pk})
    return session


# --- Briefings ---------------------------------------------------------------------------------

@transaction.atomic
def briefing_save(*, actor: AnyUser, data: dict[str, Any], briefing: Briefing | None = None,
                  version: int | None = None) -> Briefing:
    obj = briefing if briefing is not None else Briefing()

    def check(b: Briefing) -> list[FieldError]:
        faults = []
        if b.held_on and b.held_on > timezone.now().date() + dt.timedelta(days=366):
            faults.append(FieldError("held_on", _("The date is more than a year ahead.")))
        if b.participants == 0 and b.held_on and b.held_on <= timezone.now().date():
            faults.append(FieldError("participants", _(
                "A briefing already held must have participants.")))
        return faults

    return record_save(actor=actor, obj=obj, perm=Perm.COUNSEL, data=data,
                       allowed=BRIEFING_FIELDS, action="wellbeing.briefing", version=version,
                       check=check)
