"""Demo training: the standard courses (seeded by the migration), the staff's BSAFE and
SSAFE history (recorded by the travel step as migrated completions), sessions held in the
past with attendance, results and certificates, one running now (attendance to record),
upcoming ones with enrolments and a waiting list (the traveller and her husband in a
stress-management session), and a learning platform export imported. Dated from today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.people.models import Person
from vigil.places.models import DutyStation
from vigil.training import rules, services
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

TRAINERS = ["M. Otieno, J. Keller", "S. Haddad", "L. Moreau, A. Banda", "R. Singh"]
# course, duty station, days from today it starts (negative: past), length in days, places
PAST = [("SSAFE", "Nairobi", -60, 3, 14), ("STRESS", "Mogadishu", -40, 1, 20),
        ("CISM", "Nairobi", -100, 4, 10), ("SMT-DO", "Nairobi", -200, 1, 12),
        ("SCP", "Geneva", -150, 5, 16), ("SSAFE", "Juba", -25, 3, 14),
        # The previous biennium's, so that the indicators show a direction of travel.
        ("STRESS", "Mogadishu", -480, 1, 16), ("CISM", "Nairobi", -640, 4, 8),
        ("STRESS", "Juba", -560, 1, 12), ("SSAFE", "Mogadishu", -700, 3, 14)]
UPCOMING = [("SSAFE", "Nairobi", 10, 3, 8), ("STRESS", "Nairobi", 14, 1, 25),
            ("SSAFE", "Mogadishu", 20, 3, 12), ("SCP", "Geneva", 45, 5, 20),
            ("STRESS", "Juba", 30, 1, 20)]


def _station(stations: dict[str, DutyStation], name: str) -> DutyStation | None:
    return stations.get(name)


def _start(days: int, station: DutyStation | None) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)


def _staff(ctx: DemoContext, station: DutyStation, count: int) -> list[Person]:
    people = list(Person.objects.filter(duty_station=station, status=Person.Status.ACTIVE)
                  .exclude(user__isnull=False).order_by("pk").values_list("pk", flat=True))
    chosen = ctx.rng.sample(people, min(count, len(people)))
    return list(Person.objects.filter(pk__in=chosen).order_by("pk"))


def _session(course: Course, station: DutyStation, start: dt.datetime, days: int,
             places: int, status: str, ctx: DemoContext) -> Session:
    return Session.objects.create(
        course=course, duty_station=station, venue=f"{station.name} UN premises, training room",
        starts_at=start, ends_at=start + dt.timedelta(days=days - 1, hours=9),
        time_zone=station.time_zone, trainers=ctx.rng.choice(TRAINERS), capacity=places,
        status=status)


def _held(ctx: DemoContext, session: Session, people: list[Person]) -> int:
    """A past session's enrolments, attendance, results and completions."""
    day = session.ends_at.date()
    rows, done = [], []
    for person in people:
        draw = ctx.rng.random()
        status = EnrolmentStatus.NO_SHOW if draw < 0.1 else EnrolmentStatus.ATTENDED
        result = "" if status == EnrolmentStatus.NO_SHOW else (
            Result.FAILED if draw < 0.16 else Result.PASSED)
        score = Decimal(ctx.rng.randrange(55, 100)) if result else None
        rows.append(Enrolment(session=session, person=person, status=status, result=result,
                              score=score))
    Enrolment.objects.bulk_create(rows)
    passed = [e for e in rows if e.result == Result.PASSED]
    codes = services.new_certificate_codes(len(passed))
    for enrolment, code in zip(passed, codes, strict=True):
        done.append(Completion(
            person=enrolment.person, course=session.course, completed_on=day,
            expires_on=rules.expiry(day, session.course.validity_months),
            source=CompletionSource.SESSION, session=session, enrolment=enrolment,
            score=enrolment.score, certificate_code=code))
    Completion.objects.bulk_create(done)
    return len(done)


def _stress_history(ctx: DemoContext, course: Course) -> int:
    """Stress-management courses taken by staff at field duty stations (and some of their
    spouses) over the previous biennium and this one, as the learning platform recorded them:
    coverage grows from one biennium to the next."""
    today = timezone.localdate()
    staff = list(Person.objects.filter(duty_station__kind=DutyStation.Kind.FIELD,
                                       status=Person.Status.ACTIVE, user__isnull=True)
                 .prefetch_related("dependants").order_by("pk"))
    # A course already recorded that day (a session held in the demo) is not recorded twice.
    held = set(Completion.objects.filter(course=course, dependant__isnull=True)
               .values_list("person_id", "completed_on"))
    rows = []
    for person in staff:
        draw = ctx.rng.random()
        if draw >= 0.45:
            continue
        ago = ctx.rng.randrange(400, 700) if draw < 0.2 else ctx.rng.randrange(20, 300)
        day = today - dt.timedelta(days=ago)
        if (person.pk, day) in held:
            continue
        rows.append(Completion(person=person, course=course, completed_on=day,
                               source=CompletionSource.IMPORT))
        spouse = next((d for d in person.dependants.all() if d.relationship == "spouse"), None)
        if spouse is not None and ctx.rng.random() < 0.4:
            rows.append(Completion(person=person, dependant=spouse, course=course,
                                   completed_on=day, source=CompletionSource.IMPORT))
    for row, code in zip(rows, services.new_certificate_codes(len(rows)), strict=True):
        row.certificate_code = code
        row.expires_on = rules.expiry(row.completed_on, course.validity_months)
    Completion.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def load_training(ctx: DemoContext) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["training", "traveller", "counsellor", "designated.official",
                      "security.officer"])}
    officer = users["training"]
    # The travel step recorded the staff's BSAFE and SSAFE history as migrated completions.
    migrated = Completion.objects.filter(source=CompletionSource.MIGRATED).count()
    courses = {c.code: c for c in Course.objects.all()}
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in={name for _c, name, *_rest in PAST + UPCOMING} | {"Mombasa"})}
    completions = 0
    sessions = 0
    for code, name, days, length, places in PAST:
        station = _station(stations, name)
        if station is None:
            continue
        session = _session(courses[code], station, _start(days, station), length, places,
                           SessionStatus.COMPLETED, ctx)
        people = _staff(ctx, station, places - 2)
        if code in {"CISM", "SMT-DO"}:
            wanted = users["counsellor"] if code == "CISM" else users["designated.official"]
            people = [Person.objects.get(user=wanted), *people[:places - 4]]
        completions += _held(ctx, session, people)
        sessions += 1
    # SSAFE and stress management are required at the demo's field duty stations of
    # Somalia and South Sudan.
    field = [s for name, s in stations.items() if name in {"Mogadishu", "Juba"}]
    for code in ("SSAFE", "STRESS"):
        services.course_update(actor=officer, course=courses[code],
                               data={"required_duty_stations": field})
    completions += _stress_history(ctx, courses["STRESS"])
    # Running now: attendance and results to record.
    mombasa = stations.get("Mombasa")
    if mombasa is not None:
        began = (timezone.now() - dt.timedelta(hours=20)).replace(minute=0, second=0,
                                                                    microsecond=0)
        running = _session(courses["SSAFE"], mombasa, began, 3, 10, SessionStatus.SCHEDULED,
                           ctx)
        running.ends_at = timezone.now() + dt.timedelta(days=1)
        running.save(update_fields=["ends_at"])
        for person in _staff(ctx, mombasa, 8):
            services.enrolment_create(actor=officer, session=running, person=person)
        sessions += 1
    traveller = Person.objects.get(user=users["traveller"])
    enrolments = 0
    for code, name, days, length, places in UPCOMING:
        station = _station(stations, name)
        if station is None:
            continue
        session = services.session_create(actor=officer, data={
            "course": courses[code], "duty_station": station,
            "venue": f"{station.name} UN premises, training room",
            "starts_at": _start(days, station),
            "ends_at": _start(days, station) + dt.timedelta(days=length - 1, hours=9),
            "trainers": ctx.rng.choice(TRAINERS), "capacity": places})
        sessions += 1
        if code == "STRESS" and name == "Nairobi":
            services.enrolment_create(actor=users["traveller"], session=session,
                                      person=traveller)
            spouse = traveller.dependants.filter(relationship="spouse").first()
            if spouse is not None:
                services.enrolment_create(actor=users["traveller"], session=session,
                                          person=traveller, dependant=spouse)
            enrolments += 2
        # The first Nairobi SSAFE fills up: three on its waiting list.
        count = places + 3 if code == "SSAFE" and name == "Nairobi" else places // 2
        for person in _staff(ctx, station, count):
            services.enrolment_create(actor=officer, session=session, person=person)
            enrolments += 1
    imported = _import_from_platform(ctx, officer)
    ctx.counts.update(training_sessions=sessions,
                      training_completions=Completion.objects.count(),
                      training_enrolments=Enrolment.objects.count())
    ctx.data["training"] = {"migrated": migrated, "held": completions, "imported": imported,
                            "enrolments": enrolments}


def _import_from_platform(ctx: DemoContext, officer: Any) -> int:
    """A learning platform's BSAFE export for staff with no BSAFE completion yet."""
    lacking = list(Person.objects.filter(status=Person.Status.ACTIVE)
                   .exclude(training_completions__course__code="BSAFE")
                   .order_by("pk").values_list("index_number", "family_name")[:40])
    if not lacking:
        return 0
    today = timezone.localdate()
    lines = ["record_id,index_number,family_name,course_code,completed_on,score"]
    for number, (index, family) in enumerate(lacking, start=1):
        day = today - dt.timedelta(days=ctx.rng.randrange(1, 60))
        lines.append(f"LMS-{20260000 + number},{index},\"{family}\",BSAFE,{day.isoformat()},"
                     f"{ctx.rng.randrange(70, 101)}")
    report = services.completions_import(actor=officer, data="\n".join(lines) + "\n")
    return report.created


register_step(110, "training", load_training)
