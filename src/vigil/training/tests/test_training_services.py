"""Training services: courses, sessions, enrolment and the waiting list, attendance, results
and completions, each allowed and refused, and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.training import services
from vigil.training.models import Completion, CompletionSource, Enrolment, Session


def _enrol(actor, session, person, dependant=None):
    return services.enrolment_create(actor=actor, session=session, person=person,
                                     dependant=dependant)


def test_course_created_by_a_global_officer_only(officer, kenya_officer):
    course = services.course_create(actor=officer, data={
        "code": "hfat", "name": "Hostile first aid", "kind": "field_security",
        "validity_months": 24})
    assert course.code == "HFAT"
    assert AuditEvent.objects.filter(action="training.course.create").exists()
    with pytest.raises(Forbidden):
        services.course_create(actor=kenya_officer, data={
            "code": "X1", "name": "X", "kind": "professional"})


def test_course_faults_named(officer):
    with pytest.raises(ValidationFailed) as caught:
        services.course_create(actor=officer, data={
            "code": "Y1", "name": "Y", "kind": "professional", "dependant_minimum_age": 12,
            "required_categories": ["astronaut"], "required_roles": ["king"]})
    fields = {e.field for e in caught.value.errors}
    assert {"dependant_minimum_age", "required_categories", "required_roles"} <= fields


def test_session_in_scope_only(cast, kenya_officer, ssafe):
    now = timezone.now()
    data = {"course": ssafe, "duty_station": cast.nairobi, "capacity": 10,
            "starts_at": now + dt.timedelta(days=3), "ends_at": now + dt.timedelta(days=4)}
    session = services.session_create(actor=kenya_officer, data=data)
    assert session.time_zone == "Africa/Nairobi"
    with pytest.raises(Forbidden):
        services.session_create(actor=kenya_officer, data={**data,
                                                           "duty_station": cast.mogadishu})


def test_session_needs_a_place_and_an_end_after_its_start(officer, ssafe):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as caught:
        services.session_create(actor=officer, data={
            "course": ssafe, "capacity": 5, "starts_at": now, "ends_at": now})
    assert {"duty_station", "ends_at"} <= {e.field for e in caught.value.errors}


def test_enrolment_fills_places_then_waiting_list_promoted_on_cancel(cast, officer, running):
    first = _enrol(officer, running, cast.amina)
    second = _enrol(officer, running, cast.omar)
    third = _enrol(officer, running, cast.fatuma)
    assert [first.status, second.status, third.status] == ["enrolled", "enrolled",
                                                           "waitlisted"]
    services.enrolment_cancel(actor=officer, enrolment=first, version=first.version)
    third.refresh_from_db()
    assert third.status == "enrolled"
    event = AuditEvent.objects.filter(action="training.enrolment.cancel").get()
    assert event.changes["promoted"] == [third.pk]


def test_leaving_the_waiting_list_promotes_nobody(cast, officer, running):
    running.capacity = 1
    running.save()
    _enrol(officer, running, cast.amina)
    waiting = _enrol(officer, running, cast.omar)
    services.enrolment_cancel(actor=officer, enrolment=waiting)
    assert not AuditEvent.objects.filter(action="training.enrolment.promote").exists()


def test_more_places_fill_from_the_waiting_list(cast, officer, running):
    _enrol(officer, running, cast.amina)
    _enrol(officer, running, cast.omar)
    waiting = _enrol(officer, running, cast.fatuma)
    services.session_update(actor=officer, session=running, data={"capacity": 3},
                            version=running.version)
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"


def test_fewer_places_than_people_seated_refused(cast, officer, running):
    _enrol(officer, running, cast.amina)
    _enrol(officer, running, cast.omar)
    with pytest.raises(ValidationFailed) as caught:
        services.session_update(actor=officer, session=running, data={"capacity": 1})
    assert caught.value.for_field("capacity")


def test_enrolled_twice_refused_and_re_enrolment_after_cancel(cast, officer, running):
    enrolment = _enrol(officer, running, cast.amina)
    with pytest.raises(ValidationFailed):
        _enrol(officer, running, cast.amina)
    services.enrolment_cancel(actor=officer, enrolment=enrolment)
    again = _enrol(officer, running, cast.amina)
    assert again.pk == enrolment.pk
    assert again.status == "enrolled"


def test_a_traveller_enrols_themself_not_others(cast, user_with, running):
    me = user_with(Role.TRAVELLER, person=cast.amina)
    assert _enrol(me, running, cast.amina).status == "enrolled"
    with pytest.raises(Forbidden):
        _enrol(me, running, cast.omar)


def test_out_of_scope_officer_cannot_enrol(cast, kenya_officer, running):
    with pytest.raises(Forbidden):
        _enrol(kenya_officer, running, cast.fatuma)  # Mogadishu
    assert _enrol(kenya_officer, running, cast.omar).status == "enrolled"


def test_dependants_only_on_courses_for_dependants(cast, officer, running, bsafe):
    with pytest.raises(ValidationFailed) as caught:
        _enrol(officer, running, cast.amina, cast.amina_child)  # SSAFE: not for dependants
    assert caught.value.for_field("dependant")
    with pytest.raises(ValidationFailed):
        _enrol(officer, running, cast.omar, cast.amina_child)  # not Omar's dependant
    running.course = bsafe
    running.save()
    assert _enrol(officer, running, cast.amina, cast.amina_child).dependant == cast.amina_child


def test_no_enrolment_once_a_session_is_over_or_cancelled(cast, officer, running):
    services.session_transition(actor=officer, session=running, action="cancel")
    with pytest.raises(ValidationFailed):
        _enrol(officer, running, cast.amina)


def test_cancel_session_cancels_its_enrolments(cast, officer, running):
    enrolment = _enrol(officer, running, cast.amina)
    services.session_transition(actor=officer, session=running, action="cancel")
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"
    with pytest.raises(TransitionRefused):
        services.session_transition(actor=officer, session=running, action="complete")


def test_complete_refused_before_start(cast, officer, ssafe):
    now = timezone.now()
    later = Session.objects.create(course=ssafe, duty_station=cast.nairobi, capacity=3,
                                   starts_at=now + dt.timedelta(days=1),
                                   ends_at=now + dt.timedelta(days=2))
    with pytest.raises(TransitionRefused):
        services.session_transition(actor=officer, session=later, action="complete")
    enrolment = _enrol(officer, later, cast.amina)
    with pytest.raises(TransitionRefused):
        services.enrolment_attendance(actor=officer, enrolment=enrolment, attended=True)


def test_pass_records_completion_with_expiry_and_fail_revokes(cast, officer, running):
    enrolment = _enrol(officer, running, cast.amina)
    with pytest.raises(ValidationFailed):  # no result before attendance
        services.enrolment_result(actor=officer, enrolment=enrolment, result="passed")
    services.enrolment_attendance(actor=officer, enrolment=enrolment, attended=True)
    today = timezone.localdate()
    services.enrolment_result(actor=officer, enrolment=enrolment, result="passed",
                              score=Decimal("88.5"), completed_on=today)
    completion = Completion.objects.get(enrolment=enrolment)
    assert completion.source == CompletionSource.SESSION
    assert completion.expires_on is not None
    assert (completion.expires_on - today).days in range(1095, 1098)  # 36 months
    services.enrolment_result(actor=officer, enrolment=enrolment, result="failed",
                              completed_on=today)
    completion.refresh_from_db()
    assert completion.revoked


def test_no_show_refuses_a_result_and_clears_one(cast, officer, running):
    enrolment = _enrol(officer, running, cast.amina)
    services.enrolment_attendance(actor=officer, enrolment=enrolment, attended=True)
    services.enrolment_result(actor=officer, enrolment=enrolment, result="passed",
                              completed_on=timezone.localdate())
    services.enrolment_attendance(actor=officer, enrolment=enrolment, attended=False)
    enrolment.refresh_from_db()
    assert enrolment.result == ""
    assert Completion.objects.get(enrolment=enrolment).revoked
    with pytest.raises(ValidationFailed):
        services.enrolment_result(actor=officer, enrolment=enrolment, result="passed")


def test_attendance_and_results_need_manage_in_the_sessions_scope(cast, user_with, officer,
                                                                  running):
    enrolment = _enrol(officer, running, cast.amina)
    somalia = user_with(Role.TRAINING_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    for actor in (somalia, traveller):
        with pytest.raises(Forbidden):
            services.enrolment_attendance(actor=actor, enrolment=enrolment, attended=True)


def test_manual_completion_and_revoke(cast, officer, bsafe):
    completion = services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                                            completed_on=dt.date(2020, 1, 1))
    assert completion.expires_on is None
    with pytest.raises(ValidationFailed):
        services.completion_revoke(actor=officer, completion=completion, reason=" ")
    services.completion_revoke(actor=officer, completion=completion, reason="Wrong person")
    with pytest.raises(TransitionRefused):
        services.completion_revoke(actor=officer, completion=completion, reason="again")


def test_manual_completion_refuses_the_future_and_foreign_dependants(cast, officer, bsafe):
    with pytest.raises(ValidationFailed) as caught:
        services.completion_record(actor=officer, person=cast.omar, course=bsafe,
                                   completed_on=timezone.localdate() + dt.timedelta(days=2),
                                   dependant=cast.amina_child)
    assert {"completed_on", "dependant"} <= {e.field for e in caught.value.errors}


def test_staff_record_dates_copied_idempotently(cast, bsafe, ssafe):
    dates = [(cast.amina.pk, "BSAFE", dt.date(2019, 4, 2)),
             (cast.amina.pk, "SSAFE", dt.date(2024, 4, 2)),
             (cast.amina.pk, "NO-SUCH-COURSE", dt.date(2024, 4, 2))]
    assert services.completions_migrated(dates) == 2
    assert services.completions_migrated(dates) == 0
    ssafe_done = Completion.objects.get(person=cast.amina, course=ssafe)
    assert ssafe_done.source == "migrated"
    assert ssafe_done.expires_on == dt.date(2027, 4, 2)
    assert Completion.objects.get(person=cast.amina, course=bsafe).expires_on is None


def test_enrolment_rows_keep_their_queue_order(cast, officer, running):
    running.capacity = 1
    running.save()
    _enrol(officer, running, cast.amina)
    omar = _enrol(officer, running, cast.omar)
    fatuma = _enrol(officer, running, cast.fatuma)
    services.enrolment_cancel(actor=officer, enrolment=omar)
    again = _enrol(officer, running, cast.omar)  # back of the queue
    first = Enrolment.objects.get(person=cast.amina)
    services.enrolment_cancel(actor=officer, enrolment=first)
    fatuma.refresh_from_db()
    again.refresh_from_db()
    assert (fatuma.status, again.status) == ("enrolled", "waitlisted")
