"""Cases: proposals from incidents, requests, referrals, the moves, and who may read a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, NotFound, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.wellbeing import selectors, services
from vigil.wellbeing.models import Case


def proposed(world: Any, affected: Any) -> Case:
    services.cases_propose()
    return Case.objects.get(affected=affected)


def taken(world: Any) -> Case:
    case = proposed(world, world.amina_hit)
    return services.case_take(actor=world.counsellor_user, case=case)


def test_a_case_is_proposed_for_each_person_affected_once(world):
    assert services.cases_propose() == 3
    assert services.cases_propose() == 0
    cases = Case.objects.order_by("pk")
    assert {c.origin for c in cases} == {"incident"}
    assert {c.status for c in cases} == {"proposed"}
    assert cases[0].country == world.cast.kenya
    assert cases[0].reference.startswith("WB-")
    child = Case.objects.get(affected=world.child_hit)
    assert child.dependant == world.cast.amina_child


def test_the_command_proposes_and_is_idempotent(world, capsys):
    call_command("propose_cases")
    call_command("propose_cases")
    assert Case.objects.count() == 3
    assert "0 cases proposed" in capsys.readouterr().out


def test_a_counsellor_takes_a_proposed_case_at_a_station_they_cover(world):
    case = proposed(world, world.omar_hit)  # Mombasa
    with pytest.raises(ValidationFailed) as caught:
        services.case_take(actor=world.other_counsellor_user, case=case)
    assert caught.value.errors[0].field == "counsellor"
    with pytest.raises(Forbidden):
        services.case_take(actor=world.somali_counsellor_user, case=case)
    done = services.case_take(actor=world.counsellor_user, case=case)
    assert done.status == "open"
    assert done.counsellor == world.counsellor
    with pytest.raises(TransitionRefused):
        services.case_take(actor=world.counsellor_user, case=done)


def test_someone_with_no_roster_entry_cannot_take(world, user_with):
    stray = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, world.cast.kenya)
    case = proposed(world, world.amina_hit)
    with pytest.raises(Forbidden):
        services.case_take(actor=stray, case=case)


@pytest.mark.parametrize("role", list(Role))  # every role, each held globally
def test_nobody_but_the_counsellor_and_the_person_reads_a_case(world, user_with, role):
    case = taken(world)
    outsider = user_with(role, ScopeKind.GLOBAL)
    with pytest.raises(NotFound):
        selectors.case_get(user=outsider, pk=case.pk)
    assert not selectors.cases_seen(outsider).exists()
    assert not selectors.may_read(outsider, case)


def test_the_assigned_counsellor_and_the_person_read_it_and_each_read_is_audited(world):
    case = taken(world)
    before = AuditEvent.objects.filter(action="wellbeing.case.read").count()
    assert selectors.case_get(user=world.counsellor_user, pk=case.pk) == case
    assert selectors.case_get(user=world.amina_user, pk=case.pk) == case
    reads = AuditEvent.objects.filter(action="wellbeing.case.read").order_by("seq")
    assert reads.count() == before + 2
    assert all(e.sensitive_read for e in reads)
    assert {e.actor_id for e in reads} == {world.counsellor_user.pk, world.amina_user.pk}
    with pytest.raises(NotFound):
        selectors.case_get(user=world.other_counsellor_user, pk=case.pk)
    with pytest.raises(NotFound):
        selectors.case_get(user=world.omar_user, pk=case.pk)


def test_a_dependants_case_is_not_shown_to_the_staff_member(world):
    case = proposed(world, world.child_hit)
    services.case_take(actor=world.counsellor_user, case=case)
    with pytest.raises(NotFound):
        selectors.case_get(user=world.amina_user, pk=case.pk)
    assert selectors.case_get(user=world.counsellor_user, pk=case.pk) == case


def test_unassigned_cases_show_to_counsellors_in_scope_only(world):
    services.cases_propose()
    assert selectors.to_pick_up(user=world.counsellor_user).count() == 3
    assert selectors.to_pick_up(user=world.somali_counsellor_user).count() == 0
    assert selectors.to_pick_up(user=world.admin).count() == 0


def test_audit_events_carry_no_content(world):
    case = taken(world)
    services.contact_record(actor=world.counsellor_user, case=case, data={
        "at": timezone.now(), "mode": "phone", "note": "SECRET-NOTE"})
    services.case_close(actor=world.counsellor_user, case=case, closure_note="SECRET-CLOSE")
    for event in AuditEvent.objects.filter(action__startswith="wellbeing."):
        assert "SECRET" not in str(event.changes)


def test_first_contact_once_with_elapsed_time(world):
    case = taken(world)
    with pytest.raises(NotFound):
        services.contact_record(actor=world.other_counsellor_user, case=case,
                                data={"at": timezone.now(), "mode": "phone"})
    with pytest.raises(ValidationFailed) as caught:
        services.contact_record(actor=world.counsellor_user, case=case, data={
            "at": world.incident.occurred_at - dt.timedelta(hours=1), "mode": "phone"})
    assert caught.value.errors[0].field == "at"
    with pytest.raises(ValidationFailed) as caught:
        services.contact_record(actor=world.counsellor_user, case=case, data={
            "at": timezone.now() + dt.timedelta(days=1), "mode": "phone"})
    assert caught.value.errors[0].field == "at"
    with pytest.raises(ValidationFailed) as caught:
        services.contact_record(actor=world.counsellor_user, case=case,
                                data={"at": timezone.now(), "mode": "pigeon"})
    assert caught.value.errors[0].field == "mode"
    services.contact_record(actor=world.counsellor_user, case=case, data={
        "at": world.incident.occurred_at + dt.timedelta(hours=6), "mode": "in_person"})
    timeline = selectors.case_timeline(case)
    assert timeline["elapsed_hours"] == 6.0
    assert timeline["timely"] is True
    with pytest.raises(TransitionRefused):
        services.contact_record(actor=world.counsellor_user, case=case,
                                data={"at": timezone.now(), "mode": "phone"})


def test_sessions_follow_the_first_contact_on_an_open_case(world):
    case = taken(world)
    data = {"at": timezone.now(), "mode": "video", "duration_minutes": 50}
    with pytest.raises(ValidationFailed) as caught:
        services.session_record(actor=world.counsellor_user, case=case, data=data)
    assert "first contact" in str(caught.value.errors[0].message)
    services.contact_record(actor=world.counsellor_user, case=case, data={
        "at": timezone.now() - dt.timedelta(hours=2), "mode": "phone"})
    with pytest.raises(ValidationFailed) as caught:
        services.session_record(actor=world.counsellor_user, case=case,
                                data={**data, "duration_minutes": 2})
    assert caught.value.errors[0].field == "duration_minutes"
    assert services.session_record(actor=world.counsellor_user, case=case, data=data).pk
    services.case_close(actor=world.counsellor_user, case=case, closure_note="Recovered.")
    with pytest.raises(TransitionRefused):
        services.session_record(actor=world.counsellor_user, case=case, data=data)


def test_closing_needs_a_note_and_an_open_case(world):
    case = proposed(world, world.amina_hit)
    with pytest.raises(NotFound):
        services.case_close(actor=world.counsellor_user, case=case, closure_note="x")
    services.case_take(actor=world.counsellor_user, case=case)
    with pytest.raises(ValidationFailed) as caught:
        services.case_close(actor=world.counsellor_user, case=case, closure_note="  ")
    assert caught.value.errors[0].field == "closure_note"
    done = services.case_close(actor=world.counsellor_user, case=case, closure_note="Done.")
    assert done.status == "closed"
    assert done.closed_at
    with pytest.raises(TransitionRefused):
        services.case_close(actor=world.counsellor_user, case=done, closure_note="Again.")


def test_the_person_may_decline_and_others_may_not(world):
    case = proposed(world, world.amina_hit)
    with pytest.raises(NotFound):
        services.case_decline(actor=world.omar_user, case=case)
    done = services.case_decline(actor=world.amina_user, case=case, reason="Not now")
    assert done.status == "declined"
    with pytest.raises(TransitionRefused):
        services.case_decline(actor=world.amina_user, case=done)


def test_a_person_requests_support_for_themself(world, user_with):
    case = services.case_request(actor=world.amina_user, data={
        "request_note": "Trouble sleeping", "preferred_language": "Swahili"})
    assert case.origin == "request"
    assert case.status == "proposed"
    assert case.duty_station == world.cast.nairobi
    assert list(selectors.my_cases(user=world.amina_user)) == [case]
    nobody = user_with(Role.TRAVELLER)
    with pytest.raises(ValidationFailed) as caught:
        services.case_request(actor=nobody, data={})
    assert caught.value.errors[0].field == "person"


def test_a_counsellor_records_a_referral_in_scope(world):
    case = services.case_refer(actor=world.counsellor_user, data={
        "index_number": world.cast.omar.index_number, "request_note": "Referred by manager"})
    assert case.status == "open"
    assert case.counsellor == world.counsellor
    with pytest.raises(ValidationFailed) as caught:
        services.case_refer(actor=world.counsellor_user, data={
            "index_number": world.cast.fatuma.index_number})
    assert caught.value.errors[0].field == "index_number"
    with pytest.raises(ValidationFailed) as caught:
        services.case_refer(actor=world.counsellor_user, data={
            "index_number": world.cast.omar.index_number, "dependant": world.cast.amina_child})
    assert caught.value.errors[0].field == "dependant"


def test_the_roster_is_the_administrators(world, user_with):
    manager = user_with(Role.PROGRAMME_MANAGER)
    with pytest.raises(Forbidden):
        services.counsellor_save(actor=manager, data={
            "user": manager, "name": "X", "organization_name": "Y"})
    with pytest.raises(ValidationFailed) as caught:
        services.counsellor_save(actor=world.admin, data={
            "user": world.counsellor_user, "name": "Twice", "organization_name": "UNDSS"})
    assert caught.value.errors[0].field == "user"
    with pytest.raises(ValidationFailed) as caught:
        services.counsellor_save(actor=world.admin, counsellor=world.other,
                                 data={"training_status": "none"},
                                 version=world.other.version)
    assert caught.value.errors[0].field == "trained_on"
    assert selectors.counsellor_list(user=world.admin).count() == 3
    assert selectors.counsellor_list(user=manager).count() == 0


def test_briefings_by_counsellors_in_scope(world):
    data = {"duty_station": world.cast.nairobi, "held_on": dt.date(2026, 2, 1),
            "audience": "families", "participants": 24, "topic": "Coping after an attack"}
    briefing = services.briefing_save(actor=world.counsellor_user, data=data)
    assert briefing.pk
    with pytest.raises(Forbidden):
        services.briefing_save(actor=world.somali_counsellor_user, data=data)
    with pytest.raises(ValidationFailed) as caught:
        services.briefing_save(actor=world.counsellor_user, data={**data, "participants": 0})
    assert caught.value.errors[0].field == "participants"
    assert list(selectors.briefing_list(user=world.counsellor_user)) == [briefing]
    assert list(selectors.briefing_list(user=world.admin)) == [briefing]
    assert not selectors.briefing_list(user=world.amina_user).exists()
