"""Writes to training: courses, sessions, enrolments (with the waiting list promoted on a
cancellation), attendance and results, completions and their certificate codes, the import of
completions from a learning platform's CSV export, and the copy of the staff record's BSAFE
and SSAFE dates. Each in one transaction, checked and audited."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account_or_none, can, require
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.importing import ImportFailed, ImportReport, import_rows
from vigil.core.roles import Role
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version, validate
from vigil.people.models import Dependant, Person
from vigil.training import rules
from vigil.training import selectors as sel
from vigil.training.models import (
    Completion,
    CompletionSource,
    Course,
    Enrolment,
    EnrolmentStatus,
    Result,
    Session,
    SessionStatus,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

COURSE_FIELDS = {"code", "name", "kind", "description", "validity_months",
                 "applies_to_dependants", "dependant_minimum_age", "required_for_all",
                 "required_categories", "required_roles", "is_active"}
SESSION_FIELDS = {"course", "duty_station", "venue", "online", "starts_at", "ends_at",
                  "time_zone", "trainers", "capacity", "notes"}


def new_certificate_codes(count: int) -> list[str]:
    """``count`` unused certificate codes (a clash of 55 random bits is unlikely; still
    checked, in one query)."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {rules.certificate_code([secrets.randbelow(32)
                                          for _i in range(rules.CODE_BODY)])
                  for _j in range(count - len(codes))}
        codes |= wanted - set(Completion.objects.filter(certificate_code__in=wanted)
                              .values_list("certificate_code", flat=True))
    return sorted(codes)


def new_certificate_code() -> str:
    return new_certificate_codes(1)[0]


# --- Courses ------------------------------------------------------------------------------------

def _course_faults(course: Course) -> list[FieldError]:
    errors = []
    categories = {c.value for c in Person.Category}
    if not isinstance(course.required_categories, list) or any(
            c not in categories for c in course.required_categories):
        errors.append(FieldError("required_categories", _("Choose staff categories.")))
    if not isinstance(course.required_roles, list) or any(
            r not in {role.value for role in Role} for r in course.required_roles):
        errors.append(FieldError("required_roles", _("Choose Vigil roles.")))
    if course.dependant_minimum_age is not None and not course.applies_to_dependants:
        errors.append(FieldError("dependant_minimum_age", _(
            "An age for dependants needs a course that applies to dependants.")))
    return errors


def _stations_then(stations: list[Any] | None) -> Callable[[Course], dict[str, Any]] | None:
    if stations is None:
        return None

    def then(course: Course) -> dict[str, Any]:
        before = sorted(s.pk for s in course.required_duty_stations.all())
        course.required_duty_stations.set(stations)
        after = sorted(s.pk for s in stations)
        return {} if before == after else {"required_duty_stations": [before, after]}

    return then


@transaction.atomic
def course_create(*, actor: AnyUser, data: dict[str, Any]) -> Course:
    data = dict(data)
    stations = data.pop("required_duty_stations", None)
    if "code" in data:
        data["code"] = str(data["code"]).strip().upper()
    return record_save(actor=actor, obj=Course(), perm=Perm.MANAGE_TRAINING, data=data,
                       allowed=COURSE_FIELDS, action="training.course", check=_course_faults,
                       then=_stations_then(list(stations) if stations is not None else None))


@transaction.atomic
def course_update(*, actor: AnyUser, course: Course, data: dict[str, Any],
                  version: int | None = None) -> Course:
    """A change of validity applies to completions recorded from now on; those recorded
    keep the expiry written on their certificate."""
    data = dict(data)
    stations = data.pop("required_duty_stations", None)
    if "code" in data:
        data["code"] = str(data["code"]).strip().upper()
    return record_save(actor=actor, obj=course, perm=Perm.MANAGE_TRAINING, data=data,
                       allowed=COURSE_FIELDS, action="training.course", version=version,
                       check=_course_faults,
                       then=_stations_then(list(stations) if stations is not None else None))


# --- Sessions -----------------------------------------------------------------------------------

def _session_faults(session: Session) -> list[FieldError]:
    errors = []
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors.append(FieldError("ends_at", _("A session ends after it starts.")))
    if not session.online and session.duty_station_id is None:
        errors.append(FieldError("duty_station", _(
            "Give the duty station, or mark the session as online.")))
    if session.course_id and not session.course.is_active and session._state.adding:
        errors.append(FieldError("course", _("This course is no longer offered.")))
    if session.pk is not None and session.capacity:
        seated = sel.seated_count(session)
        if session.capacity < seated:
            errors.append(FieldError("capacity", _(
                "%(count)d people hold a place: give at least as many places.")
                % {"count": seated}))
    return errors


def _zone_from_station(data: dict[str, Any]) -> dict[str, Any]:
    station = data.get("duty_station")
    if station is not None and not data.get("time_zone"):
        data["time_zone"] = station.time_zone
    return data


@transaction.atomic
def session_create(*, actor: AnyUser, data: dict[str, Any]) -> Session:
    return record_save(actor=actor, obj=Session(), perm=Perm.MANAGE_TRAINING,
                       data=_zone_from_station(dict(data)), allowed=SESSION_FIELDS,
                       action="training.session", check=_session_faults)


@transaction.atomic
def session_update(*, actor: AnyUser, session: Session, data: dict[str, Any],
                   version: int | None = None) -> Session:
    """More places fill themselves from the waiting list."""
    if session.status != SessionStatus.SCHEDULED:
        raise TransitionRefused(_("A session that is %(status)s cannot be changed.")
                                % {"status": session.get_status_display().lower()})
    session = record_save(actor=actor, obj=session, perm=Perm.MANAGE_TRAINING,
                          data=_zone_from_station(dict(data)), allowed=SESSION_FIELDS,
                          action="training.session", version=version, check=_session_faults)
    _promote(actor, session)
    return session


SESSION_MOVES = {"complete": (SessionStatus.SCHEDULED, SessionStatus.COMPLETED),
                 "cancel": (SessionStatus.SCHEDULED, SessionStatus.CANCELLED)}


@transaction.atomic
def session_transition(*, actor: AnyUser, session: Session, action: str,
                       version: int | None = None) -> Session:
    """Complete a session once it has started; cancel one (its enrolments are cancelled)."""
    require(actor, Perm.MANAGE_TRAINING, session)
    check_version(session, version)
    move = SESSION_MOVES.get(action)
    if move is None or session.status != move[0]:
        message = (_("Only a scheduled session can be completed; this session's status is "
                     "“%(status)s”.") if action == "complete" else
                   _("Only a scheduled session can be cancelled; this session's status is "
                     "“%(status)s”."))
        raise TransitionRefused(message % {"status": session.get_status_display()})
    if action == "complete" and session.starts_at > timezone.now():
        raise TransitionRefused(_("A session is completed once it has started."))
    before = session.status
    session.status = move[1]
    save_new_version(session, ["status"])
    cancelled = 0
    if action == "cancel":
        cancelled = session.enrolments.filter(status__in=rules.ACTIVE_STATES).update(
            status=EnrolmentStatus.CANCELLED, version=F("version") + 1, updated_at=timezone.now())
    audit.record(actor=actor, action=f"training.session.{action}", obj=session,
                 changes={"status": [before, session.status],
                          **({"enrolments_cancelled": cancelled} if cancelled else {})})
    return session


# --- Enrolments ---------------------------------------------------------------------------------

def _promote(actor: AnyUser, session: Session) -> list[int]:
    """Fill free places from the waiting list, first come first served. The caller audits."""
    if session.status != SessionStatus.SCHEDULED:
        return []
    promoted = rules.to_promote(sel.waiting_ids(session), seated=sel.seated_count(session),
                                capacity=session.capacity)
    if promoted:
        Enrolment.objects.filter(pk__in=promoted).update(
            status=EnrolmentStatus.ENROLLED, version=F("version") + 1, updated_at=timezone.now())
        for pk in promoted:
            audit.record(actor=actor, action="training.enrolment.promote",
                         object_type="training.enrolment", object_id=str(pk),
                         object_repr=str(session),
                         changes={"status": [EnrolmentStatus.WAITLISTED,
                                             EnrolmentStatus.ENROLLED]})
    return promoted


@transaction.atomic
def enrolment_create(*, actor: AnyUser, session: Session, person: Person,
                     dependant: Dependant | None = None) -> Enrolment:
    """A place on the session, or one on its waiting list when it is full. A dependant is
    enrolled only on a course that applies to dependants. Enrolling again after a
    cancellation takes up the same record."""
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    errors = []
    if session.status != SessionStatus.SCHEDULED or session.ends_at <= timezone.now():
        errors.append(FieldError("session", _("This session is no longer open for enrolment.")))
    if dependant is not None:
        if dependant.person_id != person.pk:
            errors.append(FieldError("dependant", _("%(name)s is not a dependant of %(staff)s.")
                                     % {"name": dependant, "staff": person}))
        elif not session.course.applies_to_dependants:
            errors.append(FieldError("dependant", _("%(course)s is not a course for dependants.")
                                     % {"course": session.course.code}))
    existing = Enrolment.objects.filter(
        session=session, person=person,
        **({"dependant": dependant} if dependant is not None else {"dependant__isnull": True})
    ).first()
    enrolment = existing or Enrolment(session=session, person=person, dependant=dependant)
    require(actor, Perm.ENROL, enrolment)
    if existing is not None and existing.status != EnrolmentStatus.CANCELLED:
        errors.append(FieldError("person", _("Already enrolled: %(status)s.")
                                 % {"status": existing.get_status_display()}))
    if errors:
        raise ValidationFailed(errors)
    status = rules.status_on_enrolment(seated=sel.seated_count(session),
                                       capacity=session.capacity)
    before = enrolment.status
    enrolment.status = status
    enrolment.enrolled_by = account_or_none(actor)
    if existing is None:
        enrolment.save()
    else:
        # Back of the queue: a renewed enrolment counts from now.
        enrolment.created_at = timezone.now()
        enrolment.version += 1
        enrolment.save(update_fields=["status", "enrolled_by", "created_at", "version",
                                      "updated_at"])
    audit.record(actor=actor, action="training.enrolment.create", obj=enrolment,
                 changes={"status": [before or None, status]})
    return enrolment


def _move(enrolment: Enrolment, wanted: str) -> None:
    if not rules.may_move(enrolment.status, wanted):
        raise TransitionRefused(_("An enrolment that is “%(current)s” cannot become "
                                  "“%(wanted)s”.") % {
            "current": enrolment.get_status_display(),
            "wanted": EnrolmentStatus(wanted).label})


@transaction.atomic
def enrolment_cancel(*, actor: AnyUser, enrolment: Enrolment,
                     version: int | None = None) -> Enrolment:
    """Give up a place (or leave the waiting list); the first on the waiting list takes the
    place freed."""
    require(actor, Perm.ENROL, enrolment)
    check_version(enrolment, version)
    _move(enrolment, EnrolmentStatus.CANCELLED)
    before = enrolment.status
    enrolment.status = EnrolmentStatus.CANCELLED
    save_new_version(enrolment, ["status"])
    promoted = _promote(actor, enrolment.session) if before == EnrolmentStatus.ENROLLED else []
    audit.record(actor=actor, action="training.enrolment.cancel", obj=enrolment,
                 changes={"status": [before, enrolment.status],
                          **({"promoted": promoted} if promoted else {})})
    return enrolment


@transaction.atomic
def enrolment_attendance(*, actor: AnyUser, enrolment: Enrolment, attended: bool,
                         version: int | None = None) -> Enrolment:
    """Mark attendance once the session has started. Marking a no-show clears a result."""
    require(actor, Perm.MANAGE_TRAINING, enrolment.session)
    check_version(enrolment, version)
    wanted = EnrolmentStatus.ATTENDED if attended else EnrolmentStatus.NO_SHOW
    _move(enrolment, wanted)
    if enrolment.session.starts_at > timezone.now():
        raise TransitionRefused(_("Attendance is taken once the session has started."))
    before = enrolment.status
    enrolment.status = wanted
    fields = ["status"]
    if not attended and enrolment.result:
        enrolment.result, enrolment.score = "", None
        fields += ["result", "score"]
        _withdraw_completion(enrolment)
    save_new_version(enrolment, fields)
    audit.record(actor=actor, action="training.enrolment.attendance", obj=enrolment,
                 changes={"status": [before, wanted]})
    return enrolment


def _withdraw_completion(enrolment: Enrolment) -> None:
    Completion.objects.filter(enrolment=enrolment).update(revoked=True)


@transaction.atomic
def enrolment_result(*, actor: AnyUser, enrolment: Enrolment, result: str,
                     score: Decimal | None = None, completed_on: dt.date | None = None,
                     version: int | None = None) -> Enrolment:
    """The result of someone who attended. A pass records the completion (and its
    certificate), dated the session's last day unless given; a fail after a pass revokes
    it."""
    require(actor, Perm.MANAGE_TRAINING, enrolment.session)
    check_version(enrolment, version)
    errors = []
    if not rules.may_record_result(enrolment.status):
        errors.append(FieldError("result", _("Record attendance before the result.")))
    if result not in Result.values:
        errors.append(FieldError("result", _("Choose passed or failed.")))
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        errors.append(FieldError("score", _("A score is between 0 and 100.")))
    day = completed_on or enrolment.session.ends_at.date()
    if day > timezone.localdate():
        errors.append(FieldError("completed_on", _("A course cannot be completed in the "
                                                   "future.")))
    if errors:
        raise ValidationFailed(errors)
    before = {"result": enrolment.result, "score": enrolment.score}
    enrolment.result, enrolment.score = result, score
    save_new_version(enrolment, ["result", "score"])
    changes: dict[str, Any] = audit.diff(before, {"result": result, "score": score})
    existing = Completion.objects.filter(enrolment=enrolment).first()
    if result == Result.PASSED:
        course = enrolment.session.course
        if existing is None:
            clash = Completion.objects.filter(
                course=course, completed_on=day, person=enrolment.person,
                dependant=enrolment.dependant).first()
            if clash is not None:
                raise ValidationFailed([FieldError("completed_on", _(
                    "%(course)s is already recorded as completed on %(day)s (certificate "
                    "%(code)s).") % {"course": course.code, "day": day.isoformat(),
                                     "code": clash.certificate_code})])
            existing = Completion.objects.create(
                person=enrolment.person, dependant=enrolment.dependant, course=course,
                completed_on=day, expires_on=rules.expiry(day, course.validity_months),
                source=CompletionSource.SESSION, session=enrolment.session,
                enrolment=enrolment, score=score, certificate_code=new_certificate_code(),
                recorded_by=account_or_none(actor))
        else:
            existing.revoked, existing.score = False, score
            existing.save(update_fields=["revoked", "score", "updated_at"])
        changes["completion"] = existing.certificate_code
    elif existing is not None:
        _withdraw_completion(enrolment)
        changes["completion_revoked"] = existing.certificate_code
    audit.record(actor=actor, action="training.enrolment.result", obj=enrolment,
                 changes=changes)
    return enrolment


# --- Completions --------------------------------------------------------------------------------

@transaction.atomic
def completion_record(*, actor: AnyUser, person: Person, course: Course,
                      completed_on: dt.date, dependant: Dependant | None = None,
                      score: Decimal | None = None) -> Completion:
    """A completion recorded by hand (a course taken elsewhere, a paper certificate)."""
    completion = Completion(person=person, dependant=dependant, course=course,
                            completed_on=completed_on, score=score,
                            source=CompletionSource.MANUAL,
                            expires_on=rules.expiry(completed_on, course.validity_months),
                            certificate_code=new_certificate_code(),
                            recorded_by=account_or_none(actor))
    require(actor, Perm.MANAGE_TRAINING, completion)
    errors = []
    if completed_on > timezone.localdate():
        errors.append(FieldError("completed_on", _("A course cannot be completed in the "
                                                   "future.")))
    if dependant is not None and dependant.person_id != person.pk:
        errors.append(FieldError("dependant", _("%(name)s is not a dependant of %(staff)s.")
                                 % {"name": dependant, "staff": person}))
    elif dependant is not None and not course.applies_to_dependants:
        errors.append(FieldError("dependant", _("%(course)s is not a course for dependants.")
                                 % {"course": course.code}))
    validate(completion, extra=errors, exclude=["recorded_by"])
    completion.save()
    audit.record(actor=actor, action="training.completion.create", obj=completion,
                 changes=audit.snapshot(completion, ["person", "dependant", "course",
                                                     "completed_on", "expires_on", "source"]))
    return completion


@transaction.atomic
def completion_revoke(*, actor: AnyUser, completion: Completion, reason: str) -> Completion:
    """Withdraw a certificate issued in error; its code then verifies as revoked."""
    require(actor, Perm.MANAGE_TRAINING, completion)
    if completion.revoked:
        raise TransitionRefused(_("This certificate is already revoked."))
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("Say why the certificate is "
                                                       "revoked."))])
    completion.revoked = True
    completion.save(update_fields=["revoked", "updated_at"])
    audit.record(actor=actor, action="training.completion.revoke", obj=completion,
                 changes={"revoked": [False, True], "reason": reason.strip()})
    return completion


# --- Import of completions from a learning platform ---------------------------------------------

IMPORT_REQUIRED = ("index_number", "course_code", "completed_on")
IMPORT_OPTIONAL = ("record_id", "family_name", "score")


@dataclass
class RowOutcome:
    row: int
    outcome: str  # created, updated, unchanged, error
    message: str


@dataclass
class CompletionImportReport(ImportReport):
    """The counts, and what became of each row (created, updated, unchanged, or its fault)."""

    unchanged: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "unchanged": self.unchanged,
                "outcomes": [{"row": o.row, "outcome": o.outcome, "message": o.message}
                             for o in self.outcomes]}

    def lines(self) -> list[str]:
        head = _("%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d "
                 "already recorded, %(skipped)d skipped.") % {
            "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped}
        return [head, *(_("Row %(row)d: %(message)s") % {"row": o.row, "message": o.message}
                        for o in self.outcomes)]


@dataclass
class _ParsedRow:
    row: int
    person: Person
    course: Course
    completed_on: dt.date
    record_id: str
    score: Decimal | None


def _parse_row(number: int, row: dict[str, str], people: dict[str, Person],
               courses: dict[str, Course], today: dt.date) -> tuple[_ParsedRow | None,
                                                                     list[FieldError]]:
    errors = []

    def fault(column: str, message: str) -> None:
        errors.append(FieldError(column, message, row=number))

    person = people.get(row.get("index_number", "").strip().upper())
    if not row.get("index_number"):
        fault("index_number", _("Give the staff member's index number."))
    elif person is None:
        fault("index_number", _("No staff member has the index number “%(value)s”.")
              % {"value": row["index_number"]})
    family = row.get("family_name", "")
    if person is not None and family and family.casefold() != person.family_name.casefold():
        fault("family_name", _("“%(given)s” is not the family name of %(index)s on the staff "
                               "record.") % {"given": family, "index": person.index_number})
    course = courses.get(row.get("course_code", "").strip().upper())
    if course is None:
        fault("course_code", _("No course has the code “%(value)s”.")
              % {"value": row.get("course_code", "")})
    completed_on = None
    try:
        completed_on = dt.date.fromisoformat(row.get("completed_on", ""))
    except ValueError:
        fault("completed_on", _("“%(value)s” is not a date as YYYY-MM-DD.")
              % {"value": row.get("completed_on", "")})
    if completed_on is not None and completed_on > today:
        fault("completed_on", _("A course cannot be completed in the future."))
    score = None
    if row.get("score"):
        try:
            score = Decimal(row["score"].replace(",", "."))
        except InvalidOperation:
            fault("score", _("“%(value)s” is not a number.") % {"value": row["score"]})
        else:
            if not Decimal(0) <= score <= Decimal(100):
                fault("score", _("A score is between 0 and 100."))
                score = None
    record_id = row.get("record_id", "")
    if len(record_id) > 64:
        fault("record_id", _("A record id has at most 64 characters."))
    if errors or person is None or course is None or completed_on is None:
        return None, errors
    return _ParsedRow(number, person, course, completed_on, record_id, score), []


@transaction.atomic
def completions_import(*, actor: AnyUser, data: bytes | str, skip_invalid: bool = False,
                       on_total: Callable[[int], None] | None = None,
                       progress: Callable[[int], None] | None = None,
                       ) -> CompletionImportReport:
    """Import completions from a learning platform's CSV export (columns IMPORT_REQUIRED,
    IMPORT_OPTIONAL). Idempotent: a row is the same completion as one already recorded with
    its ``record_id``, or else with its staff member, course and date; importing a file twice
    changes nothing the second time. All rows or none, unless ``skip_invalid``."""
    csv_rows = import_rows(data, actor=actor, perm=Perm.IMPORT_COMPLETIONS,
                           required=IMPORT_REQUIRED, optional=IMPORT_OPTIONAL,
                           on_total=on_total)
    report = CompletionImportReport(rows=len(csv_rows.rows) + len(csv_rows.errors),
                                    errors=list(csv_rows.errors))
    indexes = {r.get("index_number", "").strip().upper() for _n, r in csv_rows.rows}
    people = {p.index_number: p for p in Person.objects.filter(index_number__in=indexes)
              .select_related("duty_station", "organization")}
    courses = {c.code: c for c in Course.objects.all()}
    today = timezone.localdate()
    parsed: list[_ParsedRow] = []
    first_of: dict[tuple[Any, ...], int] = {}
    for number, row in csv_rows.rows:
        item, errors = _parse_row(number, row, people, courses, today)
        if item is not None:
            keys: list[tuple[Any, ...]] = [("natural", item.person.pk, item.course.pk,
                                            item.completed_on)]
            if item.record_id:
                keys.append(("record", item.record_id))
            clash = next((k for k in keys if k in first_of), None)
            if clash is not None:
                errors = [FieldError("record_id" if clash[0] == "record" else "index_number",
                                     _("The same completion as row %(row)d of this file.")
                                     % {"row": first_of[clash]}, row=number,
                                     code=ErrorCode.DUPLICATE)]
                item = None
            else:
                first_of.update(dict.fromkeys(keys, number))
        if item is not None and not can(actor, Perm.IMPORT_COMPLETIONS, Completion(
                person=item.person, course=item.course)):
            errors = [FieldError("index_number", _("%(index)s is outside your scope.")
                                 % {"index": item.person.index_number}, row=number)]
            item = None
        if item is not None:
            parsed.append(item)
        report.errors.extend(errors)
        if progress:
            progress(1)
    report.errors.sort(key=lambda e: e.row or 0)
    if report.errors and not skip_invalid:
        raise ImportFailed(report)
    report.skipped = len({e.row for e in report.errors})
    by_record = {c.platform_id: c for c in Completion.objects.filter(
        platform_id__in=[p.record_id for p in parsed if p.record_id])}
    natural = Q(pk__in=[])
    for p in parsed:
        natural |= Q(person=p.person, course=p.course, completed_on=p.completed_on,
                     dependant__isnull=True)
    by_natural = {(c.person_id, c.course_id, c.completed_on): c
                  for c in Completion.objects.filter(natural)} if parsed else {}
    outcomes: list[RowOutcome] = [RowOutcome(e.row or 0, "error", str(e.message))
                                  for e in report.errors]
    recorder = account_or_none(actor)
    for p in parsed:
        found = by_record.get(p.record_id) if p.record_id else None
        found = found or by_natural.get((p.person.pk, p.course.pk, p.completed_on))
        label = f"{p.person.index_number} {p.course.code} {p.completed_on.isoformat()}"
        if found is None:
            completion = Completion.objects.create(
                person=p.person, course=p.course, completed_on=p.completed_on,
                expires_on=rules.expiry(p.completed_on, p.course.validity_months),
                source=CompletionSource.IMPORT, platform_id=p.record_id, score=p.score,
                certificate_code=new_certificate_code(), recorded_by=recorder)
            report.created += 1
            outcomes.append(RowOutcome(p.row, "created", _("%(what)s recorded, certificate "
                                                            "%(code)s.") % {
                "what": label, "code": completion.certificate_code}))
            continue
        changed = []
        if p.record_id and not found.platform_id:
            found.platform_id = p.record_id
            changed.append("platform_id")
        if p.score is not None and found.score != p.score:
            found.score = p.score
            changed.append("score")
        if found.person_id != p.person.pk or found.course_id != p.course.pk or \
                found.completed_on != p.completed_on:
            found.person, found.course, found.completed_on = p.person, p.course, p.completed_on
            found.expires_on = rules.expiry(p.completed_on, p.course.validity_months)
            changed += ["person", "course", "completed_on", "expires_on"]
        if changed:
            found.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
            outcomes.append(RowOutcome(p.row, "updated", _("%(what)s updated (%(fields)s).")
                                       % {"what": label, "fields": ", ".join(changed)}))
        else:
            report.unchanged += 1
            outcomes.append(RowOutcome(p.row, "unchanged", _("%(what)s already recorded.")
                                       % {"what": label}))
    report.outcomes = sorted(outcomes, key=lambda o: o.row)
    audit.record(actor=actor, action="training.completion.import",
                 object_type="training.completion", changes={
                     "rows": report.rows, "created": report.created,
                     "updated": report.updated, "unchanged": report.unchanged,
                     "skipped": report.skipped})
    return report


# --- The staff record's BSAFE and SSAFE dates ---------------------------------------------------

@transaction.atomic
def completions_migrated(dates: Iterable[tuple[int, str, dt.date]], *,
                         actor: AnyUser | None = None) -> int:
    """Record course dates kept elsewhere before training (the staff record's former BSAFE
    and SSAFE dates, as the data migration did; a demo's history) as completions "migrated
    from the staff record": (person id, course code, day) each. Idempotent: a date already
    held as a completion of that course is left alone; an unknown course code is skipped.
    Vigil's own act (the demo, a re-run of a load): no permission, one audit event."""
    wanted: dict[str, set[tuple[int, dt.date]]] = {}
    for person_id, code, day in dates:
        wanted.setdefault(code, set()).add((person_id, day))
    created = 0
    courses = {c.code: c for c in Course.objects.filter(code__in=list(wanted))}
    for code, rows in wanted.items():
        course = courses.get(code)
        if course is None:
            continue
        held = set(Completion.objects.filter(course=course, dependant__isnull=True)
                   .values_list("person_id", "completed_on"))
        new = sorted(rows - held)
        batch = [Completion(person_id=pk, course=course, completed_on=day,
                            expires_on=rules.expiry(day, course.validity_months),
                            source=CompletionSource.MIGRATED, certificate_code=certificate)
                 for (pk, day), certificate in zip(new, new_certificate_codes(len(new)),
                                                   strict=True)]
        Completion.objects.bulk_create(batch, batch_size=1000)
        created += len(batch)
    audit.record(actor=actor, action="training.completion.migrate",
                 object_type="training.completion", changes={"created": created})
    return created
