"""The gap board when a role ends and the duties derived from the records, read through the
selectors other areas call (holders, gaps, overdue_duties)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.coordination import accountability_selectors as selectors
from vigil.coordination.accountability_rules import DutyKind
from vigil.coordination.models import (
    ActionPoint,
    Appointment,
    Function,
    Meeting,
    MeetingStatus,
    RoleRequirement,
    SecurityManagementTeam,
)
from vigil.core.authz import Role, ScopeKind
from vigil.risk.models import (
    ComplianceAssessment,
    Mission,
    MissionRecommendation,
    MossDocument,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
)

TODAY = dt.date(2026, 3, 10)


def level(area, value, *, due, by):
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=value, proposed_level=value,
        status="approved", proposed_by=by, proposed_at=timezone.now(), decided_by=by,
        decided_at=timezone.now(), next_review_due=due)


def appoint(user, function, cast, *, starts=dt.date(2025, 1, 1), ends=None, station=None,
            area=None, zone=""):
    return Appointment.objects.create(
        function=function, user=user, organization=cast.undp, country=cast.kenya,
        security_area=area, duty_station=station, zone=zone, starts_on=starts, ends_on=ends)


@pytest.fixture
def reader(user_with, cast):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def _gap(found, function, place_pk):
    return next((g for g in found if g.function == function and g.place.pk == place_pk), None)


def test_a_gap_appears_when_the_role_ends_and_goes_with_a_new_appointment(cast, reader,
                                                                          user_with):
    holder = user_with()
    appointment = appoint(holder, Function.WARDEN, cast, station=cast.mombasa)
    assert _gap(selectors.gaps(user=reader, on=TODAY), Function.WARDEN, cast.mombasa.pk) is None

    appointment.ends_on = dt.date(2026, 2, 27)
    appointment.save()
    gap = _gap(selectors.gaps(user=reader, on=TODAY), Function.WARDEN, cast.mombasa.pk)
    assert gap is not None
    assert (gap.required, gap.held, gap.vacant_since) == (1, 0, dt.date(2026, 2, 28))

    appoint(user_with(), Function.WARDEN, cast, station=cast.mombasa, starts=dt.date(2026, 3, 1))
    assert _gap(selectors.gaps(user=reader, on=TODAY), Function.WARDEN, cast.mombasa.pk) is None


def test_a_function_never_held_is_a_gap_with_no_vacancy_date(cast, reader):
    gap = _gap(selectors.gaps(user=reader, on=TODAY), Function.DESIGNATED_OFFICIAL,
               cast.kenya.pk)
    assert gap is not None
    assert gap.vacant_since is None
    assert gap.held == 0


def test_a_requirement_applies_from_its_security_level(cast, reader):
    # A field security officer is required at level 4 and above (migration 0002).
    assert _gap(selectors.gaps(user=reader, on=TODAY), Function.FIELD_SECURITY_OFFICER,
                cast.nairobi.pk) is None
    level(cast.nbi_area, 4, due=dt.date(2026, 6, 1), by=reader)
    gap = _gap(selectors.gaps(user=reader, on=TODAY), Function.FIELD_SECURITY_OFFICER,
               cast.nairobi.pk)
    assert gap is not None
    assert gap.security_level == 4
    RoleRequirement.objects.filter(function=Function.FIELD_SECURITY_OFFICER).update(
        from_security_level=5)
    assert _gap(selectors.gaps(user=reader, on=TODAY), Function.FIELD_SECURITY_OFFICER,
                cast.nairobi.pk) is None


def test_gaps_are_scoped_to_the_reader(cast, user_with):
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    found = selectors.gaps(user=somali, on=TODAY)
    assert found
    assert {g.place.country_id for g in found} == {cast.somalia.pk}
    assert selectors.gaps(user=somali, country_id=cast.kenya.pk, on=TODAY) == []
    assert selectors.gaps(user=user_with(Role.TRAVELLER), on=TODAY) == []


def test_holders_are_the_appointments_in_force_on_the_day(cast, user_with):
    now = appoint(user_with(), Function.CHIEF_SECURITY_ADVISER, cast,
                  starts=dt.date(2025, 6, 1))
    appoint(user_with(), Function.CHIEF_SECURITY_ADVISER, cast, starts=dt.date(2023, 1, 1),
            ends=dt.date(2025, 5, 31))
    assert selectors.holders(country_id=cast.kenya.pk, on=TODAY) == [now]
    assert selectors.holders(country_id=cast.kenya.pk, functions=[Function.WARDEN],
                             on=TODAY) == []
    assert len(selectors.holders(country_id=cast.kenya.pk, on=dt.date(2025, 5, 31))) == 1


def _kinds(duties, function=None):
    return {(d.kind, d.record_id) for d in duties if function is None or d.function == function}


def test_level_review_overdue_from_the_day_after_it_is_due(cast, reader):
    review = level(cast.nbi_area, 3, due=TODAY, by=reader)
    duties = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk, on=TODAY)
    assert (DutyKind.LEVEL_REVIEW, cast.nbi_area.pk) not in _kinds(duties)
    duties = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk,
                                      on=TODAY + dt.timedelta(days=1))
    found = [d for d in duties if d.kind is DutyKind.LEVEL_REVIEW
             and d.function == Function.DESIGNATED_OFFICIAL]
    assert found[0].days_overdue == 1
    assert found[0].due_on == review.next_review_due
    assert found[0].url.endswith(f"/areas/{cast.nbi_area.pk}/")
    assert found[0].holder is None


def test_sra_and_plan_reviews_and_a_missing_sra(cast, reader):
    duties = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk, on=TODAY)
    missing = [d for d in duties if d.kind is DutyKind.SRA_REVIEW]
    assert missing
    assert missing[0].days_overdue is None
    sra = SecurityRiskAssessment.objects.create(
        country=cast.kenya, title="Kenya SRA", status="approved", valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2026, 12, 31), review_due=TODAY)
    plan = SecurityPlan.objects.create(country=cast.kenya, title="Kenya plan",
                                       status="endorsed", review_due=TODAY)
    SecurityPlan.objects.create(country=cast.kenya, title="Draft", status="draft",
                                review_due=dt.date(2020, 1, 1))
    on_time = _kinds(selectors.overdue_duties(user=reader, country_id=cast.kenya.pk, on=TODAY))
    assert not {k for k in on_time if k[0] in {DutyKind.SRA_REVIEW, DutyKind.PLAN_REVIEW}}
    late = _kinds(selectors.overdue_duties(user=reader, country_id=cast.kenya.pk,
                                           on=TODAY + dt.timedelta(days=1)))
    assert {(DutyKind.SRA_REVIEW, sra.pk), (DutyKind.PLAN_REVIEW, plan.pk)} <= late


def test_moss_assessment_overdue_after_twelve_months(cast, reader, user_with):
    document = MossDocument.objects.create(country=cast.kenya, title="MOSS", status="approved")
    ComplianceAssessment.objects.create(document=document, duty_station=cast.mombasa,
                                        assessed_on=dt.date(2025, 3, 10), assessor=reader,
                                        status="final")
    fso = user_with()
    appoint(fso, Function.FIELD_SECURITY_OFFICER, cast, station=cast.mombasa)
    duties = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk, on=TODAY)
    assert (DutyKind.MOSS_ASSESSMENT, cast.mombasa.pk) not in _kinds(
        duties, Function.FIELD_SECURITY_OFFICER)
    # Nairobi was never assessed: the adviser answers for it, not Mombasa's officer.
    assert (DutyKind.MOSS_ASSESSMENT, cast.nairobi.pk) in _kinds(
        duties, Function.CHIEF_SECURITY_ADVISER)
    later = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk,
                                     on=TODAY + dt.timedelta(days=1))
    mine = [d for d in later if d.function == Function.FIELD_SECURITY_OFFICER]
    assert [(d.kind, d.record_id, d.days_overdue, d.holder) for d in mine] == [
        (DutyKind.MOSS_ASSESSMENT, cast.mombasa.pk, 1, fso)]


def test_smt_meeting_and_action_points_and_recommendations(cast, reader, user_with):
    chair = user_with()
    appoint(chair, Function.DESIGNATED_OFFICIAL, cast)
    team = SecurityManagementTeam.objects.create(country=cast.kenya, name="Kenya SMT",
                                                 established_on=dt.date(2024, 1, 1))
    # No level set: level 1, 90 days between meetings.
    meeting = Meeting.objects.create(team=team, held_on=TODAY - dt.timedelta(days=90),
                                     status=MeetingStatus.HELD)
    point = ActionPoint.objects.create(team=team, meeting=meeting, text="Radio check",
                                       owner=chair, due_on=TODAY)
    mission = Mission.objects.create(country=cast.kenya, kind="assessment", purpose="Review",
                                     planned_start=dt.date(2025, 1, 1),
                                     planned_end=dt.date(2025, 1, 5))
    recommendation = MissionRecommendation.objects.create(
        mission=mission, finding="f", recommendation="Fix the gate", owner="CSA", due=TODAY)
    on_time = _kinds(selectors.overdue_duties(user=reader, country_id=cast.kenya.pk, on=TODAY))
    assert not {k for k in on_time if k[0] in {DutyKind.SMT_MEETING, DutyKind.ACTION_POINTS,
                                               DutyKind.MISSION_RECOMMENDATIONS}}
    late = selectors.overdue_duties(user=reader, country_id=cast.kenya.pk,
                                    on=TODAY + dt.timedelta(days=1))
    assert {(DutyKind.SMT_MEETING, team.pk), (DutyKind.ACTION_POINTS, point.pk)} <= _kinds(
        late, Function.DESIGNATED_OFFICIAL)
    assert (DutyKind.MISSION_RECOMMENDATIONS, recommendation.pk) in _kinds(
        late, Function.CHIEF_SECURITY_ADVISER)
    point.status, point.closed_on = "done", TODAY
    point.save()
    assert (DutyKind.ACTION_POINTS, point.pk) not in _kinds(selectors.overdue_duties(
        user=reader, country_id=cast.kenya.pk, on=TODAY + dt.timedelta(days=1)))


def test_overdue_duties_are_empty_outside_the_readers_scope(cast, user_with):
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    assert selectors.overdue_duties(user=somali, country_id=cast.kenya.pk, on=TODAY) == []


def test_an_appointment_to_come_is_listed_apart_until_its_first_day(cast, reader, user_with):
    now = appoint(user_with(), Function.WARDEN, cast, station=cast.nairobi)
    later = appoint(user_with(), Function.WARDEN, cast, station=cast.mombasa,
                    starts=TODAY + dt.timedelta(days=14))
    before = appoint(user_with(), Function.WARDEN, cast, station=cast.mombasa,
                     starts=dt.date(2020, 1, 1), ends=dt.date(2024, 12, 31))
    rows = {r.function: r for r in selectors.place_view(user=reader, country=cast.kenya,
                                                        on=TODAY)}
    warden = rows[Function.WARDEN]
    assert (warden.current, warden.upcoming, warden.previous) == ([now], [later], [before])
    on_the_day = {r.function: r for r in selectors.place_view(
        user=reader, country=cast.kenya, on=later.starts_on)}[Function.WARDEN]
    assert set(on_the_day.current) == {now, later}
    assert on_the_day.upcoming == []
