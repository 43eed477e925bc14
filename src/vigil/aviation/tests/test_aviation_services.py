"""Aviation services: an assessment recorded becomes travel's suitability in force and
decides clearance; lapsed assessments fall back to not assessed (idempotent, command and task);
advice requests from asking to closing, and who may do what; SP2.2.d figures; the data
migration of travel's flags."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from vigil.aviation import selectors, services
from vigil.aviation.models import AdviceRequest, Assessment
from vigil.aviation.tasks import expire_assessments
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import (
    Forbidden,
    NotFound,
    StaleVersion,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.models import AuditEvent, Notification
from vigil.travel import services as travel_services
from vigil.travel.models import AirOperator, TravelRequest


@pytest.fixture
def operator(db: Any) -> AirOperator:
    return AirOperator.objects.create(name="Kenya Airways", iata="KQ", icao="KQA")


@pytest.fixture
def officer(user_with: Any) -> Any:
    return user_with(Role.AVIATION_OFFICER, username="aviation")


def suitable(**more: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {"outcome": "suitable", "icao_ei_score": "82.5", "iosa_registered": True,
            "iosa_expires": today + dt.timedelta(days=300), "assessed_on": today,
            "valid_until": today + dt.timedelta(days=365)}
    data.update(more)
    return data


# --- Assessments ---------------------------------------------------------------------------------

def test_an_assessment_becomes_the_suitability_in_force(officer, operator):
    assessment = services.assessment_record(actor=officer, operator=operator, data=suitable())
    operator.refresh_from_db()
    assert (operator.suitability, operator.suitability_valid_until) == (
        "suitable", assessment.valid_until)
    assert assessment.assessor == officer
    assert AuditEvent.objects.filter(action="aviation.assessment.create").count() == 1


def test_a_new_assessment_replaces_and_the_history_stays(officer, operator):
    services.assessment_record(actor=officer, operator=operator, data=suitable())
    services.assessment_record(actor=officer, operator=operator, data=suitable(
        outcome="with_conditions", conditions="Day flights only."))
    operator.refresh_from_db()
    assert (operator.suitability, operator.suitability_note) == (
        "with_conditions", "Day flights only.")
    history = selectors.assessment_history(user=officer, operator=operator)
    assert [a.outcome for a in history] == ["with_conditions", "suitable"]


def test_a_fault_names_its_field_and_writes_nothing(officer, operator):
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_record(actor=officer, operator=operator, data=suitable(
            icao_ei_score=None, iosa_registered=False, iosa_expires=None))
    assert [e.field for e in refused.value.errors] == ["icao_ei_score"]
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_record(actor=officer, operator=operator,
                                   data=suitable(icao_ei_score="120"))
    assert [e.field for e in refused.value.errors] == ["icao_ei_score"]
    assert not Assessment.objects.exists()
    operator.refresh_from_db()
    assert operator.suitability == "not_assessed"


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.SECURITY_OFFICER,
                                  Role.PROGRAMME_MANAGER, Role.BUDGET_OFFICER])
def test_only_assessors_record_assessments(user_with, operator, role, cast):
    with pytest.raises(Forbidden):
        services.assessment_record(actor=user_with(role, ScopeKind.GLOBAL), operator=operator,
                                   data=suitable())


def test_a_country_grant_does_not_assess(user_with, operator, cast):
    with pytest.raises(Forbidden):
        services.assessment_record(
            actor=user_with(Role.AVIATION_OFFICER, ScopeKind.COUNTRY, cast.kenya),
            operator=operator, data=suitable())


def test_the_suitability_decision_blocks_clearance(cast, traveller, trip, levels, officer,
                                                   airline):
    """Done when: an itinerary with an operator not suitable needs a decision."""
    services.assessment_record(actor=officer, operator=airline, data=suitable(
        outcome="unsuitable", icao_ei_score="31", iosa_registered=False, iosa_expires=None,
        incident_history="Two hull losses in 2025."))
    request = travel_services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "x"},
        segments=trip.there_and_back(cast.mombasa), submit=True)
    assert request.status == TravelRequest.Status.PENDING
    reasons = {r["code"] for c in request.clearances.all() for r in c.reasons}
    assert reasons == {"operator_unsuitable"}
    services.assessment_record(actor=officer, operator=airline, data=suitable())
    cleared = travel_services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "x"},
        segments=trip.there_and_back(cast.mombasa, days_ahead=60), submit=True)
    assert cleared.status == TravelRequest.Status.CLEARED


# --- Lapse ---------------------------------------------------------------------------------------

def _lapsing(officer: Any, operator: AirOperator) -> dt.date:
    today = timezone.localdate()
    services.assessment_record(actor=officer, operator=operator, data=suitable(
        assessed_on=today - dt.timedelta(days=30), valid_until=today + dt.timedelta(days=5)))
    return today + dt.timedelta(days=6)


def test_a_lapsed_assessment_falls_back_to_not_assessed_once(officer, operator):
    later = _lapsing(officer, operator)
    assert services.operators_expire(on=later - dt.timedelta(days=1)) == 0
    assert services.operators_expire(on=later) == 1
    assert services.operators_expire(on=later) == 0
    operator.refresh_from_db()
    assert (operator.suitability, operator.suitability_valid_until) == ("not_assessed", None)
    assert "lapsed" in operator.suitability_note


def test_the_command_and_the_task_run_the_lapse(officer, operator, capsys):
    later = _lapsing(officer, operator)
    call_command("aviation_expire", "--on", later.isoformat())
    assert "1 air operator fell back" in capsys.readouterr().out
    assert expire_assessments() == 0


# --- Advice requests ---------------------------------------------------------------------------

@pytest.fixture
def asker(user_with: Any, cast: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


def ask(asker: Any, cast: Any, operator: AirOperator | None = None, **more: Any
        ) -> AdviceRequest:
    data = {"country": cast.kenya, "operator": operator,
            "question": "May staff fly this operator to Mogadishu?"}
    data.update(more)
    return services.advice_ask(actor=asker, data=data)


def test_asking_tells_the_aviation_officers(asker, officer, cast, operator):
    advice = ask(asker, cast, operator)
    assert (advice.status, advice.requester) == ("new", asker)
    assert Notification.objects.filter(user=officer).count() == 1
    assert list(selectors.advice_inbox(user=officer)) == [advice]


def test_a_route_serves_instead_of_an_operator(asker, cast):
    advice = ask(asker, cast, origin="Nairobi", destination="Mogadishu")
    assert advice.subject == "Nairobi → Mogadishu"
    with pytest.raises(ValidationFailed) as refused:
        ask(asker, cast, origin="Nairobi")
    assert refused.value.errors[0].field == "operator"


def test_asking_outside_the_scope_is_refused(asker, cast):
    with pytest.raises(Forbidden):
        ask(asker, cast, country=cast.somalia, origin="a", destination="b")


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.BUDGET_OFFICER, Role.COUNSELLOR])
def test_other_roles_do_not_ask(user_with, cast, role):
    with pytest.raises(Forbidden):
        ask(user_with(role, ScopeKind.COUNTRY, cast.kenya), cast, origin="a", destination="b")


def test_answering_and_closing(asker, officer, cast, operator):
    advice = ask(asker, cast, operator)
    with pytest.raises(ValidationFailed):
        services.advice_answer(actor=officer, advice=advice, answer=" ", version=1)
    with pytest.raises(StaleVersion):
        services.advice_answer(actor=officer, advice=advice, answer="Yes.", version=7)
    services.advice_answer(actor=officer, advice=advice, answer="Suitable.", version=1)
    assert (advice.status, advice.answered_by) == ("answered", officer)
    assert Notification.objects.filter(user=asker).count() == 1
    with pytest.raises(TransitionRefused):
        services.advice_answer(actor=officer, advice=advice, answer="Again.")
    services.advice_close(actor=asker, advice=advice)
    assert advice.status == "closed"
    with pytest.raises(TransitionRefused):
        services.advice_close(actor=officer, advice=advice, note="x")


def test_the_asker_does_not_answer(asker, cast, operator):
    advice = ask(asker, cast, operator)
    with pytest.raises(Forbidden):
        services.advice_answer(actor=asker, advice=advice, answer="Myself.")


def test_closing_unanswered_needs_a_note_from_the_officer(asker, officer, cast, operator):
    advice = ask(asker, cast, operator)
    with pytest.raises(ValidationFailed) as refused:
        services.advice_close(actor=officer, advice=advice)
    assert refused.value.errors[0].field == "closing_note"
    services.advice_close(actor=officer, advice=advice, note="Duplicate of AV-00001.")
    assert advice.status == "closed"


def test_the_asker_may_withdraw_but_another_may_not_close(asker, user_with, cast, operator):
    advice = ask(asker, cast, operator)
    colleague = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        services.advice_close(actor=colleague, advice=advice)
    services.advice_close(actor=asker, advice=advice)
    assert advice.status == "closed"


def test_who_sees_a_request(asker, officer, user_with, cast, operator):
    advice = ask(asker, cast, operator)
    colleague = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert selectors.advice_get(user=colleague, pk=advice.pk) == advice
    assert selectors.advice_get(user=officer, pk=advice.pk) == advice
    for stranger in (user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
                     user_with(Role.TRAVELLER)):
        with pytest.raises(NotFound):
            selectors.advice_get(user=stranger, pk=advice.pk)


def test_figures_measure_against_the_configured_target(asker, officer, cast, operator):
    services.settings_update(actor=officer, data={"advice_target_hours": 24}, version=None)
    now = timezone.now()
    for hours in (2, 30):
        advice = ask(asker, cast, operator)
        AdviceRequest.objects.filter(pk=advice.pk).update(
            status="answered", answer="x", answered_at=now,
            asked_at=now - dt.timedelta(hours=hours))
    ask(asker, cast, operator)  # open, within the target
    figures = selectors.advice_figures(user=officer, start=now.date() - dt.timedelta(days=3),
                                       end=now.date())
    assert (figures.target_hours, figures.on_time, figures.late, figures.judged) == (
        24, 1, 1, 2)
    assert figures.share_on_time == 0.5
    assert figures.median_hours == pytest.approx(16, abs=0.01)


def test_settings_are_the_aviation_officers(asker):
    with pytest.raises(Forbidden):
        services.settings_update(actor=asker, data={"advice_target_hours": 1})


# --- Data migration ---------------------------------------------------------------------------

def test_the_travel_flags_become_assessments(db):
    flagged = AirOperator.objects.create(name="Old Air", suitability="unsuitable",
                                         suitability_note="Audit findings")
    AirOperator.objects.create(name="New Air")
    migration = importlib.import_module(
        "vigil.aviation.migrations.0002_assessments_from_travel_flags")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # once only
    (assessment,) = Assessment.objects.all()
    assert (assessment.operator, assessment.outcome, assessment.note) == (
        flagged, "unsuitable", "Migrated from the travel flag. Audit findings")
    migration.backwards(apps, None)
    assert not Assessment.objects.exists()
