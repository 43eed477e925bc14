"""The indicators of subprogramme 2, component 2 (field support), computed by hand on the
cast: each figure, a zero denominator, the period's boundary days, slices of every kind, and
the records behind a figure that a viewer in one country may open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from vigil.aviation.models import AdviceRequest
from vigil.core import audit
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import RoleGrant
from vigil.core.slices import Slice, SliceKind
from vigil.incidents.models import AffectedPerson, Incident, IncidentCategory
from vigil.people.models import Organization, Person
from vigil.performance import registry, selectors
from vigil.performance.rules import (
    NO_RECORDS,
    SLICE_NOT_APPLICABLE,
    Period,
    PeriodKind,
    biennium,
    year,
)
from vigil.places.models import SecurityArea
from vigil.risk.models import SecurityLevelReview
from vigil.training import rules as training_rules
from vigil.training import services as training_services
from vigil.training.models import Completion, Course, CourseKind, Enrolment, Session
from vigil.travel.models import Presence, Segment, TravelRequest
from vigil.wellbeing.models import Case, Contact

D = dt.date
SYSTEM = Slice.system()


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def value(indicator_id: str, period: Period, where: Slice = SYSTEM) -> Any:
    return selectors.measure(registry.BY_ID[indicator_id], period, where).value


def country(cast: Any, name: str) -> Slice:
    return Slice(SliceKind.COUNTRY, getattr(cast, name).pk)


def org(organization: Organization) -> Slice:
    return Slice(SliceKind.ORGANIZATION, organization.pk)


def done(person: Person, course: Course, day: dt.date, dependant: Any = None,
         revoked: bool = False) -> Completion:
    return Completion.objects.create(
        person=person, dependant=dependant, course=course, completed_on=day,
        expires_on=training_rules.expiry(day, course.validity_months), source="manual",
        certificate_code=training_services.new_certificate_code(), revoked=revoked)


def course(code: str, kind: str) -> Course:
    return Course.objects.get_or_create(code=code, defaults={"name": code, "kind": kind})[0]


@pytest.fixture
def kenya_officer(user_with: Any, cast: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


# --- SP2.2.a.i ------------------------------------------------------------------------------------

def level(area: SecurityArea, proposed: int, by: Any) -> None:
    SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=proposed, proposed_level=proposed,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=by, proposed_at=timezone.now(),
        decided_at=timezone.now(), next_review_due=timezone.localdate() + dt.timedelta(days=90))


@pytest.fixture
def stress_world(cast: Any, user_with: Any) -> Any:
    """Nairobi at level 4, Mogadishu at level 5, Mombasa without an area: four people count
    (Amina and her child, Fatuma and her spouse)."""
    author = user_with(Role.SECURITY_OFFICER)
    level(cast.nbi_area, 4, author)
    mogadishu_area = SecurityArea.objects.create(country=cast.somalia, code="MGQ",
                                                 name="Mogadishu")
    cast.mogadishu.security_area = mogadishu_area
    cast.mogadishu.save()
    level(mogadishu_area, 5, author)
    stress = course("STRESS", CourseKind.STRESS_MANAGEMENT)
    done(cast.amina, stress, D(2025, 12, 31))  # the last day of 2024-2025
    done(cast.fatuma, stress, D(2026, 1, 1), dependant=cast.fatuma_spouse)  # the next day
    done(cast.omar, stress, D(2024, 5, 1))  # Mombasa is not high-risk
    done(cast.fatuma, stress, D(2024, 5, 1), revoked=True)
    return cast


def test_stress_coverage_by_biennium_slice_and_level(stress_world):
    cast = stress_world
    assert value("SP2.2.a.i", biennium(2024)) == Decimal("25.0")
    assert value("SP2.2.a.i", biennium(2026)) == Decimal("50.0")
    assert value("SP2.2.a.i", biennium(2024), country(cast, "kenya")) == Decimal("50.0")
    assert value("SP2.2.a.i", biennium(2024), country(cast, "somalia")) == Decimal("0.0")
    assert value("SP2.2.a.i", biennium(2026), org(cast.wfp)) == Decimal("50.0")
    assert value("SP2.2.a.i", biennium(2026),
                 Slice(SliceKind.DUTY_STATION, cast.mombasa.pk)) is None


def test_stress_coverage_setting_and_zero_denominator(stress_world):
    indicator = registry.BY_ID["SP2.2.a.i"]
    level5 = indicator.compute(indicator.query(biennium(2026), SYSTEM, {"high_risk_level": 5}))
    assert (level5.value, level5.numerator, level5.denominator) == (Decimal("50.0"), 1, 2)
    nothing = indicator.compute(indicator.query(biennium(2026), SYSTEM, {"high_risk_level": 6}))
    assert nothing.value is None
    assert nothing.reason == NO_RECORDS


def test_stress_records_list_only_the_viewers_country(stress_world, kenya_officer):
    found = selectors.records(registry.BY_ID["SP2.2.a.i"], biennium(2026), SYSTEM,
                              kenya_officer)
    assert [(r.label, r.counted) for r in found.rows] == [
        ("ACHIENG, A", True), ("ACHIENG, Tom", False)]
    assert found.hidden == 2  # Fatuma and her spouse, in Somalia


# --- SP2.2.a.ii -----------------------------------------------------------------------------------

def test_counsellors_trained_counts_people_once_inside_the_period(cast, kenya_officer):
    cism = course("CISM", CourseKind.CISM)
    done(cast.amina, cism, D(2026, 1, 1))
    done(cast.amina, cism, D(2027, 3, 1))  # the same counsellor twice
    done(cast.omar, cism, D(2027, 12, 31))  # the last day
    done(cast.fatuma, cism, D(2028, 1, 1))  # the next day
    done(cast.fatuma, cism, D(2026, 5, 1), revoked=True)
    done(cast.fatuma, cism, D(2026, 6, 1), dependant=cast.fatuma_spouse)  # not a counsellor
    assert value("SP2.2.a.ii", biennium(2026)) == 2
    assert value("SP2.2.a.ii", biennium(2024)) == 0  # a count: none trained is a figure
    assert value("SP2.2.a.ii", biennium(2026), country(cast, "somalia")) == 0
    assert value("SP2.2.a.ii", biennium(2026), org(cast.undp)) == 1
    assert value("SP2.2.a.ii", biennium(2026), Slice(SliceKind.REGION, "africa")) == 2
    assert value("SP2.2.a.ii", biennium(2026), Slice(SliceKind.REGION, "europe")) == 0
    done(cast.fatuma, cism, D(2027, 1, 1))
    found = selectors.records(registry.BY_ID["SP2.2.a.ii"], biennium(2026), SYSTEM,
                              kenya_officer)
    assert [r.label for r in found.rows] == ["ACHIENG, A", "HASSAN, A"]
    assert found.hidden == 1


# --- SP2.2.a.iii ----------------------------------------------------------------------------------

def affected(cast: Any, incident: Incident, person: Person, supported: bool, n: int) -> None:
    hit = AffectedPerson.objects.create(incident=incident, person=person, impact="affected")
    if supported:
        case = Case.objects.create(reference=f"WB-{n}", person=person, incident=incident,
                                   affected=hit, origin=Case.Origin.INCIDENT,
                                   country=incident.country or cast.kenya,
                                   organization=person.organization, proposed_at=timezone.now())
        Contact.objects.create(case=case, at=timezone.now(), mode=Contact.Mode.PHONE)


@pytest.fixture
def pfa_world(cast: Any, settings: Any) -> Any:
    settings.VIGIL_WELLBEING_MIN_CELL = 2
    category = IncidentCategory.objects.filter(parent__isnull=True).first()
    last_day = Incident.objects.create(category=category, title="Robbery", country=cast.kenya,
                                       occurred_at=utc(2026, 12, 31, 23, 59))
    next_day = Incident.objects.create(category=category, title="Attack", country=cast.somalia,
                                       occurred_at=utc(2027, 1, 1, 0, 0))
    staff = [cast.person(f"3000000{i}", f"K{i}", cast.undp, cast.nairobi) for i in range(5)]
    for i, person in enumerate(staff):
        affected(cast, last_day, person, supported=i < 2, n=i)
    for i, person in enumerate([cast.fatuma, cast.omar]):
        affected(cast, next_day, person, supported=True, n=10 + i)
    AffectedPerson.objects.create(incident=last_day, person=cast.amina,
                                  dependant=cast.amina_child, impact="affected")
    return cast


def test_pfa_share_of_affected_staff_inside_the_period(pfa_world, kenya_officer):
    cast = pfa_world
    assert value("SP2.2.a.iii", year(2026)) == Decimal("40.0")  # 2 of 5; the child is no staff
    assert value("SP2.2.a.iii", year(2026), country(cast, "somalia")) is None
    assert value("SP2.2.a.iii", year(2027)) == Decimal("100.0")  # the next day's incident
    assert value("SP2.2.a.iii", year(2025)) is None
    found = selectors.records(registry.BY_ID["SP2.2.a.iii"], year(2026), SYSTEM, kenya_officer)
    assert found.counts_only
    assert [(r.label, r.cells) for r in found.rows] == [
        ("Staff recorded as affected", ("5",)),
        ("Of whom received first aid or trauma support", ("2",))]


def test_pfa_small_cells_are_suppressed(pfa_world, settings):
    settings.VIGIL_WELLBEING_MIN_CELL = 5
    measure = selectors.measure(registry.BY_ID["SP2.2.a.iii"], year(2026), SYSTEM)
    assert measure.value is None
    assert measure.numerator is None
    assert measure.detail["suppressed"] is True


# --- SP2.2.b --------------------------------------------------------------------------------------

def test_training_participants_people_once_completions_or_attendance(cast, kenya_officer):
    ssafe = Course.objects.get(code="SSAFE")
    done(cast.amina, ssafe, D(2026, 12, 31))
    done(cast.amina, course("FSEC", CourseKind.FIELD_SECURITY), D(2026, 6, 1))
    done(cast.amina, ssafe, D(2026, 3, 1), dependant=cast.amina_child)
    done(cast.omar, ssafe, D(2027, 1, 1))  # the next year
    done(cast.fatuma, ssafe, D(2026, 5, 1), revoked=True)
    session = Session.objects.create(course=ssafe, duty_station=cast.mogadishu, capacity=5,
                                     starts_at=utc(2026, 4, 1, 8), ends_at=utc(2026, 4, 2, 17))
    Enrolment.objects.create(session=session, person=cast.fatuma, status="attended")
    Enrolment.objects.create(session=session, person=cast.omar, status="no_show")
    assert value("SP2.2.b", year(2026)) == 3  # Amina, her child, Fatuma
    assert value("SP2.2.b", year(2026), country(cast, "kenya")) == 2
    assert value("SP2.2.b", year(2026), Slice(SliceKind.DUTY_STATION, cast.mogadishu.pk)) == 1
    assert value("SP2.2.b", year(2027)) == 1
    assert value("SP2.2.b", year(2025)) == 0
    found = selectors.records(registry.BY_ID["SP2.2.b"], year(2026), SYSTEM, kenya_officer)
    assert sorted(r.label for r in found.rows) == ["ACHIENG, A", "ACHIENG, Tom"]
    assert found.hidden == 1


def test_training_participants_counted_once_across_completions_and_attendance(cast):
    """The count is the distinct (staff member, dependant) pairs of the union of completions
    and attendances: a staff member with two completions and an attendance counts once (their
    dependant's column empty in all three), their dependant attending the same session once
    more; an attendance at a session that starts the day after the period does not count.
    The completions are counted apart, every one."""
    ssafe = Course.objects.get(code="SSAFE")
    done(cast.amina, ssafe, D(2026, 1, 1))  # the period's first day
    done(cast.amina, course("FSEC", CourseKind.FIELD_SECURITY), D(2026, 12, 31))
    session = Session.objects.create(course=ssafe, duty_station=cast.nairobi, capacity=5,
                                     starts_at=utc(2026, 12, 31, 23, 59),
                                     ends_at=utc(2027, 1, 1, 8))
    Enrolment.objects.create(session=session, person=cast.amina, status="attended")
    Enrolment.objects.create(session=session, person=cast.amina,
                             dependant=cast.amina_child, status="attended")
    later = Session.objects.create(course=ssafe, duty_station=cast.nairobi, capacity=5,
                                   starts_at=utc(2027, 1, 1, 0), ends_at=utc(2027, 1, 1, 8))
    Enrolment.objects.create(session=later, person=cast.omar, status="attended")
    measure = selectors.measure(registry.BY_ID["SP2.2.b"], year(2026), SYSTEM)
    assert (measure.value, measure.detail["completions"]) == (2, 2)
    assert value("SP2.2.b", year(2027)) == 1  # Omar


# --- SP2.2.c.i ------------------------------------------------------------------------------------

def confirmed(person: Person, day: dt.date | None) -> None:
    person.residence_confirmed_on = day
    person.save()


def test_whereabouts_known_at_the_end_of_the_period(cast, kenya_officer):
    confirmed(cast.amina, D(2025, 12, 31))  # the period's last day: known, her child too
    confirmed(cast.omar, D(2026, 1, 1))  # after the moment measured
    confirmed(cast.fatuma, D(2024, 12, 30))  # 366 days before: stale
    assert value("SP2.2.c.i", year(2025)) == Decimal("40.0")
    assert value("SP2.2.c.i", year(2025), country(cast, "kenya")) == Decimal("66.7")
    assert value("SP2.2.c.i", year(2025), country(cast, "somalia")) == Decimal("0.0")
    assert value("SP2.2.c.i", year(2026), country(cast, "kenya")) == Decimal("100.0")
    empty = Organization.objects.create(code="UNU", name="UN University")
    assert selectors.measure(registry.BY_ID["SP2.2.c.i"], year(2025), org(empty)).reason \
        == NO_RECORDS
    found = selectors.records(registry.BY_ID["SP2.2.c.i"], year(2025), SYSTEM, kenya_officer)
    assert [(r.label, r.counted) for r in found.rows] == [
        ("HASSAN, A", False), ("ACHIENG, A", True), ("ACHIENG, Tom", True)]
    assert found.hidden == 2


def test_whereabouts_known_on_a_cleared_trip_at_the_moment(cast, user_with):
    """A cleared presence covering the moment measured (the end of 2025's last day, UTC):
    one that starts at that very moment counts, one that ends at it does not, an uncleared one
    does not; a dependant's presence makes the dependant known, not the staff member."""
    moment = utc(2026, 1, 1) - dt.timedelta(microseconds=1)
    request = TravelRequest.objects.create(traveller=cast.amina, purpose="Mission",
                                           requested_by=user_with(Role.SECURITY_OFFICER))
    segment = Segment.objects.create(
        request=request, position=1, origin_name="Nairobi", origin_country=cast.kenya,
        origin_latitude=-1.28, origin_longitude=36.82, origin_tz="Africa/Nairobi",
        destination_name="Mogadishu", destination_country=cast.somalia,
        destination_latitude=2.05, destination_longitude=45.32,
        destination_tz="Africa/Mogadishu", departs_at=moment - dt.timedelta(days=2),
        arrives_at=moment - dt.timedelta(days=2) + dt.timedelta(hours=2))

    def present(person: Person, starts: dt.datetime, ends: dt.datetime, dependant: Any = None,
                cleared: bool = True) -> None:
        Presence.objects.create(request=request, segment=segment, person=person,
                                dependant=dependant, kind="stay", cleared=cleared,
                                starts_at=starts, ends_at=ends, latitude=2.05, longitude=45.32,
                                cell=0, country=cast.somalia)

    hour = dt.timedelta(hours=1)
    present(cast.amina, moment, moment + hour)  # starts at the moment: known
    present(cast.amina, moment - hour, moment + hour, dependant=cast.amina_child)  # known
    present(cast.omar, moment - hour, moment)  # ended at the moment: not known
    present(cast.fatuma, moment - hour, moment + hour, cleared=False)  # not cleared
    present(cast.fatuma, moment - hour, moment + hour, dependant=cast.fatuma_spouse)
    measure = selectors.measure(registry.BY_ID["SP2.2.c.i"], year(2025), SYSTEM)
    assert (measure.value, measure.numerator, measure.denominator) == (Decimal("60.0"), 3, 5)
    assert (measure.detail["staff_known"], measure.detail["dependants_known"]) == (1, 2)


# --- SP2.2.c.ii -----------------------------------------------------------------------------------

def test_security_managers_who_used_the_tools(cast, user_with, kenya_officer):
    today = timezone.localdate()
    period = Period(PeriodKind.CUSTOM, today, today)
    amina = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, person=cast.amina)
    fatuma = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.somalia,
                       person=cast.fatuma)
    user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya)  # no staff record
    omar = user_with(Role.TRAVELLER, person=cast.omar)
    lapsed = user_with(Role.SECURITY_OFFICER)
    RoleGrant.objects.filter(user=lapsed).update(expires_at=timezone.now() - dt.timedelta(
        days=2))
    audit.record(actor=amina, action="risk.security_level.propose")
    audit.record(actor=fatuma, action="incidents.incident.create")  # not an information tool
    audit.record(actor=omar, action="travel.request.create")  # holds no such role
    audit.record(actor=lapsed, action="travel.advisory.update")
    # kenya_officer (a holder, no staff record) records nothing.
    assert value("SP2.2.c.ii", period) == Decimal("25.0")  # 1 of amina, fatuma, smt, officer
    assert value("SP2.2.c.ii", period, country(cast, "kenya")) == Decimal("100.0")
    assert value("SP2.2.c.ii", period, country(cast, "somalia")) == Decimal("0.0")
    yesterday = Period(PeriodKind.CUSTOM, today - dt.timedelta(days=1),
                       today - dt.timedelta(days=1))
    assert value("SP2.2.c.ii", yesterday) is None  # nobody held a role yet
    found = selectors.records(registry.BY_ID["SP2.2.c.ii"], period, SYSTEM, kenya_officer)
    assert [(r.label, r.cells, r.counted) for r in found.rows] == [
        ("ACHIENG, A", ("Security officer", "Security levels"), True)]
    assert found.hidden == 3


# --- SP2.2.d --------------------------------------------------------------------------------------

def ask(cast: Any, who: Any, at: dt.datetime, hours: float | None, where: str = "kenya",
        status: str = "answered") -> AdviceRequest:
    return AdviceRequest.objects.create(
        requester=who, country=getattr(cast, where), question="Is Air X suitable?",
        asked_at=at, status=status,
        answered_at=at + dt.timedelta(hours=hours) if hours is not None else None)


def test_aviation_advice_timeliness(cast, user_with, kenya_officer):
    asker = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, person=cast.amina)
    ask(cast, asker, utc(2026, 1, 1, 0, 0), 10)  # the first moment, on time
    ask(cast, asker, utc(2026, 3, 2), 60)  # late
    ask(cast, asker, utc(2026, 11, 30), None, "somalia", "new")  # open, overdue now
    ask(cast, asker, timezone.now() - dt.timedelta(hours=1), None, status="new")  # not yet
    ask(cast, asker, utc(2026, 6, 1), None, status="closed")  # withdrawn: not judged
    ask(cast, asker, utc(2027, 1, 1), 1)  # the next year
    measure = selectors.measure(registry.BY_ID["SP2.2.d"], year(2026), SYSTEM)
    assert (measure.value, measure.numerator, measure.denominator) == (Decimal("33.3"), 1, 3)
    assert measure.median_days == Decimal("1.5")  # 35 hours
    assert value("SP2.2.d", year(2026), country(cast, "kenya")) == Decimal("50.0")
    assert value("SP2.2.d", year(2026), org(cast.undp)) == Decimal("33.3")
    assert value("SP2.2.d", year(2026), org(cast.wfp)) is None
    assert value("SP2.2.d", year(2025)) is None
    station = selectors.measure(registry.BY_ID["SP2.2.d"], year(2026),
                                Slice(SliceKind.DUTY_STATION, cast.nairobi.pk))
    assert station.reason == SLICE_NOT_APPLICABLE
    found = selectors.records(registry.BY_ID["SP2.2.d"], year(2026), SYSTEM, kenya_officer)
    assert [r.counted for r in found.rows] == [True, False, False, False]
    assert found.hidden == 1  # Somalia's request
