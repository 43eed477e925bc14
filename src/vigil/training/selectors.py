"""Reads of training, narrowed to what the reader may see; what travel asks (is a course valid
for these people on a day); who needs and who lacks a course at a duty station; the seed's
indicators SP2.2.a.i, SP2.2.a.ii and SP2.2.b; and the public check of a certificate code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from vigil.core.authz import Perm, get_visible, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.core.models import RoleGrant
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.people.models import Dependant, Person
from vigil.places.models import DutyStation
from vigil.training import rules
from vigil.training.models import (
    Completion,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


# --- Courses ------------------------------------------------------------------------------------

def course_list(*, user: AnyUser, search: str = "", kind: str = "",
                active: str = "") -> QuerySet[Course]:
    """Courses are the catalogue: every reader of training sees all of them."""
    if not has_perm_anywhere(user, Perm.VIEW_TRAINING):
        return Course.objects.none()
    qs = searched(Course.objects.all(), search, "code__icontains", "name__icontains")
    qs = narrowed(qs, kind=kind)
    if active in {"yes", "no"}:
        qs = qs.filter(is_active=active == "yes")
    return qs.prefetch_related("required_duty_stations")


def course_get(*, user: AnyUser, pk: Any) -> Course:
    course = course_list(user=user).filter(pk=pk).first()
    if course is None:
        raise NotFound()
    return course


def course_by_code(code: str) -> Course | None:
    return Course.objects.filter(code=code.strip().upper()).first()


def requirement_of(course: Course) -> rules.Requirement:
    return rules.Requirement(
        for_all=course.required_for_all, categories=frozenset(course.required_categories),
        roles=frozenset(course.required_roles),
        duty_station_ids=frozenset(s.pk for s in course.required_duty_stations.all()))


# --- Sessions -----------------------------------------------------------------------------------

def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("course", "duty_station", "duty_station__country")


def session_list(*, user: AnyUser, search: str = "", course: Any = None,
                 duty_station: Any = None, status: str = "", when: str = "") -> QuerySet[Session]:
    """Sessions are the calendar every reader of training may enrol from, wherever they are
    held: all of them. Who is enrolled is narrowed (session_enrolments)."""
    if not has_perm_anywhere(user, Perm.VIEW_TRAINING):
        return Session.objects.none()
    qs = searched(_sessions(), search, "course__code__icontains", "course__name__icontains",
                  "venue__icontains", "trainers__icontains")
    qs = narrowed(qs, course_id=course or None, duty_station_id=duty_station or None,
                  status=status)
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
    elif when == "past":
        qs = qs.filter(ends_at__lt=now)
    return qs.annotate(
        seated=Count("enrolments", filter=Q(enrolments__status__in=rules.SEATED_STATES)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)))


def session_get(*, user: AnyUser, pk: Any) -> Session:
    session = session_list(user=user).filter(pk=pk).first()
    if session is None:
        raise NotFound()
    return session


def sessions_open_for_enrolment(*, user: AnyUser) -> QuerySet[Session]:
    return session_list(user=user, status=SessionStatus.SCHEDULED, when="upcoming").order_by(
        "starts_at", "pk")


def session_enrolments(*, user: AnyUser, session: Session) -> list[Enrolment]:
    """The session's enrolments the user may see (a manager: all of them in scope; a
    traveller: their own household's)."""
    qs = visible(user, Perm.VIEW_TRAINING, Enrolment.objects.filter(session=session)
                 .select_related("person", "dependant", "completion"))
    return list(qs.order_by("created_at", "pk"))


def seated_count(session: Session) -> int:
    return session.enrolments.filter(status__in=rules.SEATED_STATES).count()


def waiting_ids(session: Session) -> list[int]:
    return list(session.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
                .order_by("created_at", "pk").values_list("pk", flat=True))


# --- Enrolments and completions -----------------------------------------------------------------

def enrolment_list(*, user: AnyUser, session: Any = None, status: str = "",
                   person: Any = None) -> QuerySet[Enrolment]:
    qs = visible(user, Perm.VIEW_TRAINING, Enrolment.objects.select_related(
        "session", "session__course", "session__duty_station", "person", "dependant"))
    return narrowed(qs, session_id=session or None, status=status, person_id=person or None)


def enrolment_get(*, user: AnyUser, pk: Any) -> Enrolment:
    return get_visible(user, Perm.VIEW_TRAINING, Enrolment.objects.select_related(
        "session", "session__course", "person", "dependant"), pk=pk)


def _completions() -> QuerySet[Completion]:
    return Completion.objects.select_related("course", "person", "person__duty_station",
                                             "dependant", "session")


def completion_list(*, user: AnyUser, search: str = "", course: Any = None,
                    duty_station: Any = None, source: str = "", state: str = "",
                    person: Any = None) -> QuerySet[Completion]:
    qs = visible(user, Perm.VIEW_TRAINING, _completions())
    qs = searched(qs, search, "person__family_name__icontains", "person__index_number__iexact",
                  "certificate_code__iexact", "dependant__family_name__icontains")
    qs = narrowed(qs, course_id=course or None, person__duty_station_id=duty_station or None,
                  source=source, person_id=person or None)
    today = timezone.localdate()
    if state == rules.VALID:
        qs = qs.filter(revoked=False, completed_on__lte=today).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=today))
    elif state == rules.EXPIRED:
        qs = qs.filter(revoked=False, expires_on__lte=today)
    elif state == rules.REVOKED:
        qs = qs.filter(revoked=True)
    return qs


def completion_get(*, user: AnyUser, pk: Any) -> Completion:
    return get_visible(user, Perm.VIEW_TRAINING, _completions(), pk=pk)


def my_training(*, user: AnyUser) -> dict[str, Any]:
    """A person's own completions (and their dependants') and enrolments, for 'My training'."""
    if not user.is_authenticated:
        return {"person": None, "completions": [], "enrolments": []}
    person = Person.objects.filter(user_id=user.pk).first()
    if person is None:
        return {"person": None, "completions": [], "enrolments": []}
    return {
        "person": person,
        "completions": list(_completions().filter(person=person)[:50]),
        "enrolments": list(Enrolment.objects.filter(person=person).exclude(
            status=EnrolmentStatus.CANCELLED).select_related(
            "session", "session__course", "session__duty_station", "dependant")
            .order_by("-session__starts_at")[:20]),
    }


def household_of(*, user: AnyUser) -> tuple[Person | None, list[Dependant]]:
    """The signed-in user's staff record and eligible dependants, whom they may enrol."""
    if not user.is_authenticated:
        return None, []
    person = Person.objects.filter(user_id=user.pk).first()
    if person is None:
        return None, []
    return person, list(person.dependants.filter(status=Dependant.Status.ACTIVE))


# --- Travel asks: who holds a valid course on a day --------------------------------------------

def _valid_q(day: dt.date, last: dt.date | None = None) -> Q:
    until = last or day
    return (Q(revoked=False, completed_on__lte=day)
            & (Q(expires_on__isnull=True) | Q(expires_on__gt=until)))


def valid_on(person_ids: Iterable[int], course_code: str, day: dt.date,
             last_day: dt.date | None = None) -> set[int]:
    """The staff members among ``person_ids`` who hold ``course_code`` (their own
    completion, not a dependant's) valid on ``day`` — through ``last_day`` too when given (a
    trip's first and last days). A system read for travel clearance: no user, no audit."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(Completion.objects.filter(
        _valid_q(day, last_day), person_id__in=ids, dependant__isnull=True,
        course__code=course_code).values_list("person_id", flat=True))


def dependants_valid_on(dependant_ids: Iterable[int], course_code: str, day: dt.date,
                        last_day: dt.date | None = None) -> set[int]:
    """The dependants among ``dependant_ids`` who hold ``course_code`` valid on ``day`` (and
    through ``last_day``)."""
    ids = list(dependant_ids)
    if not ids:
        return set()
    return set(Completion.objects.filter(
        _valid_q(day, last_day), dependant_id__in=ids, course__code=course_code)
        .values_list("dependant_id", flat=True))


def dependants_concerned(dependant_ids: Iterable[int], course_code: str,
                         day: dt.date) -> set[int]:
    """The dependants among ``dependant_ids`` whom ``course_code`` concerns on ``day``: it
    applies to dependants and they have reached its minimum age. Travel checks these."""
    course = course_by_code(course_code)
    ids = list(dependant_ids)
    if course is None or not ids:
        return set()
    return {d.pk for d in Dependant.objects.filter(pk__in=ids).only("pk", "date_of_birth")
            if rules.dependant_concerned(
                applies_to_dependants=course.applies_to_dependants,
                minimum_age=course.dependant_minimum_age, born=d.date_of_birth, day=day)}


def latest_completion(person_id: int, course_code: str) -> Completion | None:
    """A staff member's most recent completion of a course, for travel's messages ('expired
    on ...')."""
    return (Completion.objects.filter(person_id=person_id, dependant__isnull=True,
                                      course__code=course_code, revoked=False)
            .order_by("-completed_on").first())


# --- Who needs and who lacks a course, by duty station -----------------------------------------

@dataclass
class CourseNeed:
    course: Course
    required: int
    holding: int
    lacking: list[Person]

    @property
    def lacking_count(self) -> int:
        return self.required - self.holding


def _roles_by_user(user_ids: Iterable[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for user_id, role in RoleGrant.objects.in_force().filter(user_id__in=list(user_ids)) \
            .values_list("user_id", "role"):
        found.setdefault(user_id, set()).add(role)
    return found


def needs_at(*, user: AnyUser, duty_station: DutyStation, on: dt.date | None = None,
             list_limit: int = 200) -> list[CourseNeed]:
    """For each offered course required of someone at the duty station: how many active
    staff there must hold it, how many hold it valid on ``on``, and who lacks it. Reads the
    staff the user may see there, in a fixed number of queries."""
    day = on or timezone.localdate()
    staff = list(visible(user, Perm.VIEW_TRAINING, Person.objects.filter(
        duty_station=duty_station, status=Person.Status.ACTIVE)).order_by(
        "family_name", "given_name", "pk"))
    roles = _roles_by_user(p.user_id for p in staff if p.user_id is not None)
    courses = list(Course.objects.filter(is_active=True).prefetch_related(
        Prefetch("required_duty_stations", queryset=DutyStation.objects.only("pk"))))
    holders: dict[int, set[int]] = {}
    for course_id, person_id in Completion.objects.filter(
            _valid_q(day), dependant__isnull=True, person__in=[p.pk for p in staff]) \
            .values_list("course_id", "person_id"):
        holders.setdefault(course_id, set()).add(person_id)
    needs = []
    for course in courses:
        requirement = requirement_of(course)
        required = [p for p in staff if rules.required_of(
            requirement, category=p.category, duty_station_id=p.duty_station_id,
            roles=roles.get(p.user_id or 0, ()))]
        if not required:
            continue
        held = holders.get(course.pk, set())
        lacking = [p for p in required if p.pk not in held]
        needs.append(CourseNeed(course=course, required=len(required),
                                holding=len(required) - len(lacking),
                                lacking=lacking[:list_limit]))
    return needs


def stations_for_needs(*, user: AnyUser) -> QuerySet[DutyStation]:
    return visible(user, Perm.VIEW_TRAINING, DutyStation.objects.filter(is_active=True)
                   .select_related("country")).order_by("name")


# --- Indicators -----------------------------------------------------------------------------------

# How a staff record, and a record held by one (a completion, an enrolment), reaches a slice.
PERSON_PATHS = SlicePaths(country="duty_station__country", duty_station="duty_station",
                          organization="organization")
HELD_PATHS = SlicePaths(country="person__duty_station__country",
                        duty_station="person__duty_station", organization="person__organization")


def _trained_q(kind: str, first: dt.date | None, last: dt.date) -> Q:
    condition = Q(course__kind=kind, revoked=False, completed_on__lte=last)
    if first is not None:
        condition &= Q(completed_on__gte=first)
    return condition


@dataclass(frozen=True)
class StressPeople:
    """The staff and eligible dependants whom SP2.2.a.i counts, each annotated ``trained``."""

    staff: QuerySet[Any]  # Person rows
    family: QuerySet[Any]  # Dependant rows


def stress_management_people(*, duty_station_ids: Iterable[int], on: dt.date,
                             since: dt.date | None = None,
                             within: Slice | None = None) -> StressPeople | None:
    """SP2.2.a.i's people: active staff at the given (high-risk) duty stations and their active
    dependants, each with ``trained`` true when they hold a stress-management completion, not
    revoked, completed on or before ``on`` (and from ``since`` when given). None when the slice
    cannot hold staff records (it always can: every kind applies)."""
    where = (within or Slice.system()).q(PERSON_PATHS)
    if where is None:
        return None
    course = _trained_q(CourseKind.STRESS_MANAGEMENT, since, on)
    staff = Person.objects.filter(where, duty_station_id__in=list(duty_station_ids),
                                  status=Person.Status.ACTIVE)
    family = Dependant.objects.filter(person__in=staff, status=Dependant.Status.ACTIVE)
    return StressPeople(
        staff=staff.annotate(trained=Exists(Completion.objects.filter(
            course, person=OuterRef("pk"), dependant__isnull=True))),
        family=family.annotate(trained=Exists(Completion.objects.filter(
            course, dependant=OuterRef("pk")))))


def stress_management_coverage(*, duty_station_ids: Iterable[int], on: dt.date,
                               since: dt.date | None = None,
                               within: Slice | None = None) -> dict[str, Any]:
    """SP2.2.a.i: the share of staff and their eligible dependants at the given (high-risk)
    duty stations who hold a stress-management course (completed by ``on``, from ``since``
    when given), inside ``within``. The caller names the high-risk duty stations: training ranks
    below risk. ``applicable`` is False when the slice cannot hold the records."""
    people = stress_management_people(duty_station_ids=duty_station_ids, on=on, since=since,
                                       within=within)
    if people is None:
        return {"applicable": False, "staff": 0, "staff_trained": 0, "dependants": 0,
                "dependants_trained": 0, "percent": None}
    staff_total, family_total = people.staff.count(), people.family.count()
    staff_trained = people.staff.filter(trained=True).count()
    family_trained = people.family.filter(trained=True).count()
    return {"applicable": True, "staff": staff_total, "staff_trained": staff_trained,
            "dependants": family_total, "dependants_trained": family_trained,
            "percent": rules.share(staff_trained + family_trained, staff_total + family_total)}


def cism_completions(*, first: dt.date | None, last: dt.date,
                     within: Slice | None = None) -> QuerySet[Completion] | None:
    """The completions behind SP2.2.a.ii: critical-incident stress management courses completed
    by a counsellor's staff record (never a dependant) from ``first`` to ``last``, not revoked,
    inside ``within``; None when the slice cannot hold them."""
    where = (within or Slice.system()).q(HELD_PATHS)
    if where is None:
        return None
    return _completions().filter(where, _trained_q(CourseKind.CISM, first, last),
                                 dependant__isnull=True)


def cism_counsellors_trained(*, first: dt.date | None, last: dt.date,
                             within: Slice | None = None) -> int | None:
    """SP2.2.a.ii: the number of counsellors (UN and partner staff records) who completed a
    critical-incident stress management course in the period; None when the slice cannot hold
    them."""
    completions = cism_completions(first=first, last=last, within=within)
    if completions is None:
        return None
    return completions.values("person_id").distinct().count()


def training_participations(*, first: dt.date | None, last: dt.date,
                            within: Slice | None = None
                            ) -> tuple[QuerySet[Completion], QuerySet[Enrolment]] | None:
    """SP2.2.b's records: completions (not revoked) dated in the period, and attendances at
    sessions that started in the period (UTC days), inside ``within``."""
    where = (within or Slice.system()).q(HELD_PATHS)
    if where is None:
        return None
    completions = _completions().filter(where, revoked=False, completed_on__lte=last)
    attended = Enrolment.objects.select_related("session", "session__course", "person",
                                                "dependant").filter(
        where, status=EnrolmentStatus.ATTENDED, session__starts_at__date__lte=last)
    if first is not None:
        completions = completions.filter(completed_on__gte=first)
        attended = attended.filter(session__starts_at__date__gte=first)
    return completions, attended


def security_training_participants(*, first: dt.date | None, last: dt.date,
                                   within: Slice | None = None) -> dict[str, Any]:
    """SP2.2.b: participants in security training in the period: distinct people (staff and
    dependants) who attended a session or completed a course, and the completions.
    ``applicable`` is False when the slice cannot hold the records."""
    found = training_participations(first=first, last=last, within=within)
    if found is None:
        return {"applicable": False, "participants": 0, "completions": 0}
    completions, attended = found
    people: set[tuple[int, int | None]] = set(completions.values_list("person_id",
                                                                      "dependant_id"))
    people |= set(attended.values_list("person_id", "dependant_id"))
    return {"applicable": True, "participants": len(people), "completions": completions.count()}


# --- The public check of a certificate ----------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What the public verification page may say: nothing personal beyond the state."""

    state: str  # valid, expired, revoked, unknown
    course: str = ""
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None


def certificate_check(code: str, *, today: dt.date | None = None) -> Verification:
    written = rules.normalized_code(code)
    if not rules.code_well_formed(written):
        return Verification(state="unknown")
    completion = Completion.objects.select_related("course").filter(
        certificate_code=written).first()
    if completion is None:
        return Verification(state="unknown")
    state = rules.validity_state(completion.completed_on, completion.expires_on,
                                 today or timezone.localdate(), revoked=completion.revoked)
    return Verification(state=state, course=f"{completion.course.code} — "
                        f"{completion.course.name}", completed_on=completion.completed_on,
                        expires_on=completion.expires_on)


# --- Whom a user may enrol or record ------------------------------------------------------------

def enrollable_people(*, user: AnyUser, perm: Perm = Perm.ENROL) -> QuerySet[Person]:
    """The staff members this user may enrol (themself; those in a training officer's
    scope)."""
    return visible(user, perm, Person.objects.select_related("duty_station").filter(
        status=Person.Status.ACTIVE)).order_by("family_name", "given_name", "pk")


def enrollable_dependants(*, user: AnyUser, perm: Perm = Perm.ENROL) -> QuerySet[Dependant]:
    return visible(user, perm, Dependant.objects.select_related("person").filter(
        status=Dependant.Status.ACTIVE))


def officer_queue(*, user: AnyUser, limit: int = 8) -> dict[str, list[Session]]:
    """A training officer's sessions in scope: those started and still open (attendance and
    results to record, then mark completed), and the next ones with their places."""
    mine = visible(user, Perm.MANAGE_TRAINING, session_list(user=user,
                                                            status=SessionStatus.SCHEDULED))
    now = timezone.now()
    return {"to_close": list(mine.filter(starts_at__lte=now).order_by("starts_at")[:limit]),
            "upcoming": list(mine.filter(starts_at__gt=now).order_by("starts_at")[:limit])}
