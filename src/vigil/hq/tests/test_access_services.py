"""Services of HQ access control: passes, visits, meetings; transitions allowed and refused,
caps on windows, zones of another station, bad input, host notification."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.hq import access_selectors as selectors
from vigil.hq import access_services as services
from vigil.hq.access_rules import refusal
from vigil.hq.models import Gate, HolderKind, Meeting, PassHolder, PassStatus, Zone
from vigil.places.models import DutyStation, Premises


@pytest.fixture
def hq(cast: Any, user_with: Any) -> SimpleNamespace:
    """Nairobi (HQ) with Gigiri's zones and a gate; Geneva, another HQ station; an HQ officer
    for Nairobi, one for Geneva; Amina (Nairobi staff) as a host with an account."""
    geneva = DutyStation.objects.create(code="CH-GENEVA", name="Geneva", country=cast.kenya,
                                        latitude=46.2, longitude=6.14,
                                        time_zone="Europe/Zurich",
                                        kind=DutyStation.Kind.HEADQUARTERS)
    palais = Premises.objects.create(duty_station=geneva, name="Palais", address="Av. Paix",
                                     latitude=46.22, longitude=6.14)
    lobby = Zone.objects.create(premises=cast.gigiri, code="lobby", name="Lobby")
    wing = Zone.objects.create(premises=cast.gigiri, code="conf", name="Conference wing")
    secure = Zone.objects.create(premises=cast.gigiri, code="sec", name="Secretariat",
                                 restricted=True)
    palais_lobby = Zone.objects.create(premises=palais, code="lobby", name="Pregny lobby")
    gate = Gate.objects.create(premises=cast.gigiri, zone=lobby, code="G1", name="Main gate")
    officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    geneva_officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, geneva)
    host = user_with(Role.TRAVELLER, person=cast.amina)
    cast.amina.language = "fr"
    cast.amina.save(update_fields=["language"])
    return SimpleNamespace(cast=cast, geneva=geneva, palais=palais, lobby=lobby, wing=wing,
                           secure=secure, palais_lobby=palais_lobby, gate=gate,
                           officer=officer, geneva_officer=geneva_officer, host=host)


def contractor(hq: SimpleNamespace) -> PassHolder:
    return services.pass_holder_save(actor=hq.officer, data={
        "duty_station": hq.cast.nairobi, "kind": HolderKind.CONTRACTOR,
        "family_name": "Otieno", "affiliation": "Acme Cleaning"})


def window(days: int = 30) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    return start, start + dt.timedelta(days=days)


def issued(hq: SimpleNamespace) -> Any:
    start, end = window()
    return services.pass_issue(actor=hq.officer, holder=contractor(hq), zones=[hq.lobby],
                               valid_from=start, valid_until=end)


def visit_by_host(hq: SimpleNamespace, hours: int = 3) -> Any:
    start = timezone.now().replace(microsecond=0)
    return services.visit_register(
        actor=hq.host, premises=hq.cast.gigiri, host=hq.cast.amina, purpose="Project review",
        expected_from=start, expected_until=start + dt.timedelta(hours=hours),
        visitor={"family_name": "Mwangi", "given_name": "Joy", "affiliation": "Kenya Red Cross"})


# --- Passes ----------------------------------------------------------------------------------

def test_issue_numbers_passes_per_station_and_audits(hq: SimpleNamespace) -> None:
    first, second = issued(hq), issued(hq)
    assert first.number == "KE-NBO-000001"
    assert second.number == "KE-NBO-000002"
    assert first.kind == HolderKind.CONTRACTOR
    assert first.duty_station == hq.cast.nairobi
    assert AuditEvent.objects.filter(action="hq.pass.issue", object_id=str(first.pk)).count() == 1


def test_issue_refuses_a_zone_of_another_station_naming_the_field(hq: SimpleNamespace) -> None:
    start, end = window()
    with pytest.raises(ValidationFailed) as exc:
        services.pass_issue(actor=hq.officer, holder=contractor(hq),
                            zones=[hq.palais_lobby], valid_from=start, valid_until=end)
    assert exc.value.for_field("zones")


def test_issue_refuses_a_window_that_ends_before_it_starts(hq: SimpleNamespace) -> None:
    start, end = window()
    with pytest.raises(ValidationFailed) as exc:
        services.pass_issue(actor=hq.officer, holder=contractor(hq), zones=[],
                            valid_from=end, valid_until=start)
    assert exc.value.for_field("valid_until")


def test_issue_out_of_scope_is_forbidden(hq: SimpleNamespace) -> None:
    start, end = window()
    with pytest.raises(Forbidden):
        services.pass_issue(actor=hq.geneva_officer, holder=contractor(hq), zones=[],
                            valid_from=start, valid_until=end)
    with pytest.raises(Forbidden):
        services.pass_issue(actor=hq.host, holder=contractor(hq), zones=[],
                            valid_from=start, valid_until=end)


def test_suspend_reinstate_revoke_and_revocation_is_final(hq: SimpleNamespace) -> None:
    pass_ = issued(hq)
    services.pass_suspend(actor=hq.officer, pass_=pass_, reason="Lost card")
    assert pass_.status == PassStatus.SUSPENDED
    assert refusal(selectors.pass_state(pass_), station_id=hq.cast.nairobi.pk,
                   zone_id=hq.lobby.pk, at=timezone.now()) == "suspended"
    with pytest.raises(TransitionRefused):
        services.pass_suspend(actor=hq.officer, pass_=pass_, reason="again")
    services.pass_reinstate(actor=hq.officer, pass_=pass_)
    assert pass_.status == PassStatus.ACTIVE
    with pytest.raises(TransitionRefused):
        services.pass_reinstate(actor=hq.officer, pass_=pass_)
    services.pass_revoke(actor=hq.officer, pass_=pass_, reason="Contract ended")
    for move in (services.pass_reinstate, ):
        with pytest.raises(TransitionRefused):
            move(actor=hq.officer, pass_=pass_)
    with pytest.raises(TransitionRefused):
        services.pass_revoke(actor=hq.officer, pass_=pass_, reason="twice")
    with pytest.raises(TransitionRefused):
        services.pass_suspend(actor=hq.officer, pass_=pass_, reason="after")
    actions = list(AuditEvent.objects.filter(object_type="hq.pass", object_id=str(pass_.pk))
                   .values_list("action", flat=True).order_by("seq"))
    assert actions == ["hq.pass.issue", "hq.pass.suspend", "hq.pass.reinstate",
                       "hq.pass.revoke"]


def test_suspend_and_revoke_need_a_reason(hq: SimpleNamespace) -> None:
    pass_ = issued(hq)
    with pytest.raises(ValidationFailed) as exc:
        services.pass_suspend(actor=hq.officer, pass_=pass_, reason="  ")
    assert exc.value.for_field("reason")
    with pytest.raises(ValidationFailed):
        services.pass_revoke(actor=hq.officer, pass_=pass_, reason="")


def test_a_pass_move_out_of_scope_is_forbidden(hq: SimpleNamespace) -> None:
    pass_ = issued(hq)
    with pytest.raises(Forbidden):
        services.pass_suspend(actor=hq.geneva_officer, pass_=pass_, reason="x")


def test_stale_version_is_refused(hq: SimpleNamespace) -> None:
    from vigil.core.errors import StaleVersion

    pass_ = issued(hq)
    with pytest.raises(StaleVersion):
        services.pass_suspend(actor=hq.officer, pass_=pass_, reason="x", version=99)


def test_contract_reads_prefetch_zones(hq: SimpleNamespace,
                                       django_assert_num_queries: Any) -> None:
    pass_ = issued(hq)
    with django_assert_num_queries(2):
        found = selectors.passes_by_number([pass_.number, " nope "])
        assert set(found) == {pass_.number}
        assert selectors.pass_state(found[pass_.number]).zone_ids == frozenset({hq.lobby.pk})
    assert selectors.pass_by_token(f"VIGIL-PASS:{pass_.number}:{pass_.token}") == pass_
    assert selectors.pass_by_token(pass_.token) == pass_
    assert selectors.pass_by_token("made-up") is None
    assert selectors.passes_by_number([]) == {}


# --- Visits ----------------------------------------------------------------------------------

def test_host_pre_registration_issues_a_pass_capped_at_the_window_with_open_zones(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    assert visit.pre_registered
    pass_ = visit.pass_issued
    assert pass_ is not None
    assert pass_.kind == HolderKind.VISITOR
    assert (pass_.valid_from, pass_.valid_until) == (visit.expected_from, visit.expected_until)
    assert set(pass_.zones.all()) == {hq.lobby, hq.wing}  # not the restricted one
    assert selectors.visit_for_pass(pass_) == visit


def test_visitor_pass_cannot_outlast_its_visit(hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    with pytest.raises(ValidationFailed) as exc:
        services.pass_update(actor=hq.officer, pass_=visit.pass_issued,
                             valid_from=visit.expected_from,
                             valid_until=visit.expected_until + dt.timedelta(hours=1),
                             zones=[hq.lobby])
    assert exc.value.for_field("valid_until")


def test_a_visitor_pass_is_not_changed_by_itself_its_window_follows_the_visit(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    pass_ = visit.pass_issued
    # Refused even inside the visit's window, and for the zones alone: nothing is written.
    with pytest.raises(ValidationFailed) as exc:
        services.pass_update(actor=hq.officer, pass_=pass_, valid_from=pass_.valid_from,
                             valid_until=pass_.valid_until - dt.timedelta(hours=1),
                             zones=[hq.lobby])
    assert exc.value.for_field("valid_until") == [
        "A visitor pass follows its visit: change the visit's window instead, and the pass "
        "follows it."]
    pass_.refresh_from_db()
    assert set(pass_.zones.all()) == {hq.lobby, hq.wing}
    assert not AuditEvent.objects.filter(action="hq.pass.update").exists()
    # The visit's own change moves the pass with it.
    later = visit.expected_until + dt.timedelta(hours=1)
    services.visit_update(actor=hq.host, visit=visit, purpose=visit.purpose,
                          expected_from=visit.expected_from, expected_until=later)
    pass_.refresh_from_db()
    assert pass_.valid_until == later


def test_a_contractor_pass_still_changes_its_window_and_zones(hq: SimpleNamespace) -> None:
    pass_ = issued(hq)
    end = pass_.valid_until - dt.timedelta(days=1)
    services.pass_update(actor=hq.officer, pass_=pass_, valid_from=pass_.valid_from,
                         valid_until=end, zones=[hq.lobby, hq.wing], version=pass_.version)
    pass_.refresh_from_db()
    assert pass_.valid_until == end
    assert set(pass_.zones.all()) == {hq.lobby, hq.wing}
    assert AuditEvent.objects.filter(action="hq.pass.update", object_id=str(pass_.pk)).exists()


def test_host_may_not_choose_zones_nor_register_at_another_station(
        hq: SimpleNamespace) -> None:
    start = timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        services.visit_register(actor=hq.host, premises=hq.cast.gigiri, host=hq.cast.amina,
                                purpose="x", expected_from=start,
                                expected_until=start + dt.timedelta(hours=1),
                                visitor={"family_name": "A"}, zones=[hq.secure])
    assert exc.value.for_field("zones")
    with pytest.raises(Forbidden):
        services.visit_register(actor=hq.host, premises=hq.palais, host=hq.cast.omar,
                                purpose="x", expected_from=start,
                                expected_until=start + dt.timedelta(hours=1),
                                visitor={"family_name": "A"})


def test_visit_bad_input_is_named(hq: SimpleNamespace) -> None:
    start = timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        services.visit_register(actor=hq.officer, premises=hq.cast.gigiri, host=hq.cast.amina,
                                purpose="", expected_from=start,
                                expected_until=start - dt.timedelta(hours=1),
                                visitor={"family_name": " "})
    fields = {e.field for e in exc.value.errors}
    assert {"purpose", "expected_until", "visitor.family_name"} <= fields


def test_arrival_at_reception_needs_the_document_checked(hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    with pytest.raises(ValidationFailed) as exc:
        services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now())
    assert exc.value.for_field("document_number")
    services.visit_check_document(actor=hq.officer, visit=visit, document_type="passport",
                                  document_number="A1234567")
    assert visit.document_checked_by == hq.officer
    services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now())
    assert visit.status == "arrived"


def test_arrival_notifies_the_host_once_in_their_language_and_is_idempotent(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    at = timezone.now()
    services.visit_arrive(actor=hq.officer, visit=visit, at=at, gate=hq.gate)
    services.visit_arrive(actor=hq.officer, visit=visit, at=at + dt.timedelta(minutes=5),
                          gate=hq.gate)
    notes = Notification.objects.filter(user=hq.host)
    assert notes.count() == 1
    assert "MWANGI, Joy" in notes[0].subject
    assert notes[0].url.endswith(f"/access/visits/{visit.pk}/")
    assert visit.arrived_at == at
    assert visit.arrival_gate == hq.gate
    assert AuditEvent.objects.filter(action="hq.visit.arrive").count() == 1


def test_arrival_hands_notify_untranslated_text_so_the_host_reads_their_language(
        hq: SimpleNamespace, monkeypatch: Any) -> None:
    from vigil.core.i18n import Msg

    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(services, "notify", lambda **kw: sent.append(kw) or 1)
    visit = visit_by_host(hq)
    services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now(), gate=hq.gate)
    assert len(sent) == 1
    assert list(sent[0]["users"]) == [hq.host]
    assert isinstance(sent[0]["subject"], Msg)
    assert isinstance(sent[0]["body"], Msg)


def test_arrival_at_a_gate_of_another_premises_and_by_others_is_refused(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    other = Gate.objects.create(premises=hq.palais, zone=hq.palais_lobby, code="P1",
                                name="Pregny")
    with pytest.raises(ValidationFailed):
        services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now(), gate=other)
    with pytest.raises(Forbidden):
        services.visit_arrive(actor=hq.host, visit=visit, at=timezone.now(), gate=hq.gate)
    with pytest.raises(Forbidden):
        services.visit_arrive(actor=hq.geneva_officer, visit=visit, at=timezone.now(),
                              gate=hq.gate)


def test_departure_ends_the_visitor_pass(hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now(), gate=hq.gate)
    left = timezone.now() + dt.timedelta(minutes=30)
    services.visit_depart(actor=hq.officer, visit=visit, at=left)
    visit.pass_issued.refresh_from_db()
    assert visit.status == "departed"
    assert visit.pass_issued.valid_until == left
    with pytest.raises(TransitionRefused):
        services.visit_depart(actor=hq.officer, visit=visit)


def test_cancel_revokes_the_pass_and_a_cancelled_visit_cannot_arrive(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    services.visit_cancel(actor=hq.host, visit=visit, reason="Postponed")
    visit.pass_issued.refresh_from_db()
    assert visit.status == "cancelled"
    assert visit.pass_issued.status == PassStatus.REVOKED
    with pytest.raises(TransitionRefused):
        services.visit_arrive(actor=hq.officer, visit=visit, at=timezone.now(), gate=hq.gate)
    with pytest.raises(TransitionRefused):
        services.visit_no_show(actor=hq.officer, visit=visit)


def test_a_departure_before_the_arrival_is_refused_naming_the_time(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    arrived = timezone.now()
    services.visit_arrive(actor=hq.officer, visit=visit, at=arrived, gate=hq.gate)
    with pytest.raises(ValidationFailed) as exc:
        services.visit_depart(actor=hq.officer, visit=visit,
                              at=arrived - dt.timedelta(minutes=5))
    assert exc.value.for_field("at") == ["A visitor cannot leave before arriving."]
    assert visit.status == "arrived"


def test_the_document_of_a_visit_no_longer_expected_is_not_checked(
        hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    services.visit_no_show(actor=hq.officer, visit=visit)
    with pytest.raises(TransitionRefused) as exc:
        services.visit_check_document(actor=hq.officer, visit=visit, document_type="passport",
                                      document_number="A1")
    assert str(exc.value.message) == ("Only an expected visitor's identity document can be "
                                      "checked.")
    visit.pass_issued.refresh_from_db()
    assert visit.pass_issued.status_reason == "No-show"
    assert visit.get_status_display() == "No-show"


def test_no_show_is_for_reception_only(hq: SimpleNamespace) -> None:
    visit = visit_by_host(hq)
    with pytest.raises(Forbidden):
        services.visit_no_show(actor=hq.host, visit=visit)
    services.visit_no_show(actor=hq.officer, visit=visit)
    assert visit.status == "no_show"


def test_visits_expected_reads_the_local_day_and_the_host_sees_only_their_own(
        hq: SimpleNamespace, user_with: Any) -> None:
    visit = visit_by_host(hq)
    day = visit.expected_from.astimezone(dt.timezone(dt.timedelta(hours=3))).date()
    assert list(selectors.visits_expected(hq.officer, hq.cast.gigiri, day)) == [visit]
    assert list(selectors.visits_expected(hq.host, hq.cast.gigiri, day)) == [visit]
    stranger = user_with(Role.TRAVELLER)
    assert list(selectors.visits_expected(stranger, hq.cast.gigiri, day)) == []
    assert list(selectors.visits_expected(hq.geneva_officer, hq.cast.gigiri, day)) == []
    assert list(selectors.visits_expected(hq.officer, hq.cast.gigiri,
                                          day + dt.timedelta(days=2))) == []


# --- Meetings --------------------------------------------------------------------------------

def ga(hq: SimpleNamespace) -> Meeting:
    today = timezone.now().date()
    return services.meeting_save(actor=hq.officer, data={
        "name": "UNEA-7", "kind": "conference", "duty_station": hq.cast.nairobi,
        "premises": hq.cast.gigiri, "starts_on": today, "ends_on": today + dt.timedelta(days=2)},
        zones=[hq.lobby, hq.wing])


def test_event_passes_for_accredited_delegates_only_and_withdrawal_suspends(
        hq: SimpleNamespace) -> None:
    meeting = ga(hq)
    delegation = services.delegation_save(actor=hq.officer, data={
        "meeting": meeting, "kind": "member_state", "country": hq.cast.somalia})
    assert delegation.name == hq.cast.somalia.name
    first = services.accreditation_request(actor=hq.officer, delegation=delegation,
                                           new_delegate={"family_name": "Farah"},
                                           function="Head of delegation")
    second = services.accreditation_request(actor=hq.officer, delegation=delegation,
                                            new_delegate={"family_name": "Warsame"})
    services.accreditation_grant(actor=hq.officer, accreditation=first)
    passes = services.meeting_issue_passes(actor=hq.officer, meeting=meeting)
    assert [p.holder for p in passes] == [first.holder]
    event = passes[0]
    assert set(event.zones.all()) == {hq.lobby, hq.wing}
    assert event.valid_from.astimezone(dt.timezone(dt.timedelta(hours=3))).hour == 0
    assert services.meeting_issue_passes(actor=hq.officer, meeting=meeting) == []
    second.refresh_from_db()
    assert second.pass_issued is None
    first.refresh_from_db()
    services.accreditation_withdraw(actor=hq.officer, accreditation=first, reason="Left")
    event.refresh_from_db()
    assert event.status == PassStatus.SUSPENDED
    with pytest.raises(TransitionRefused):
        services.accreditation_grant(actor=hq.officer, accreditation=first)


def test_withdrawal_may_revoke_and_event_pass_keeps_to_event_zones(hq: SimpleNamespace) -> None:
    meeting = ga(hq)
    delegation = services.delegation_save(actor=hq.officer, data={
        "meeting": meeting, "kind": "ngo", "name": "Greenpeace"})
    acc = services.accreditation_request(actor=hq.officer, delegation=delegation,
                                         new_delegate={"family_name": "Naidoo"})
    services.accreditation_grant(actor=hq.officer, accreditation=acc)
    (event,) = services.meeting_issue_passes(actor=hq.officer, meeting=meeting)
    with pytest.raises(ValidationFailed) as exc:
        services.pass_update(actor=hq.officer, pass_=event, valid_from=event.valid_from,
                             valid_until=event.valid_until, zones=[hq.secure])
    assert exc.value.for_field("zones")
    with pytest.raises(ValidationFailed):
        services.pass_update(actor=hq.officer, pass_=event, valid_from=event.valid_from,
                             valid_until=event.valid_until + dt.timedelta(days=1),
                             zones=[hq.lobby])
    acc.refresh_from_db()
    services.accreditation_withdraw(actor=hq.officer, accreditation=acc, reason="Banned",
                                    revoke_pass=True)
    event.refresh_from_db()
    assert event.status == PassStatus.REVOKED


def test_a_state_delegation_names_its_country_and_zones_stay_at_the_premises(
        hq: SimpleNamespace) -> None:
    meeting = ga(hq)
    with pytest.raises(ValidationFailed):
        services.delegation_save(actor=hq.officer, data={
            "meeting": meeting, "kind": "member_state", "name": "Nowhere"})
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_save(actor=hq.officer, meeting=meeting, data={},
                              zones=[hq.palais_lobby], version=meeting.version)
    assert exc.value.for_field("zones")


def test_only_delegates_of_the_station_are_accredited(hq: SimpleNamespace) -> None:
    meeting = ga(hq)
    delegation = services.delegation_save(actor=hq.officer, data={
        "meeting": meeting, "kind": "igo", "name": "African Union"})
    with pytest.raises(ValidationFailed) as exc:
        services.accreditation_request(actor=hq.officer, delegation=delegation,
                                       holder=contractor(hq))
    assert exc.value.for_field("holder")
    with pytest.raises(Forbidden):
        services.accreditation_request(actor=hq.geneva_officer, delegation=delegation,
                                       new_delegate={"family_name": "X"})


def test_a_staff_holder_without_their_staff_record_is_refused(hq: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.pass_holder_save(actor=hq.officer, data={
            "duty_station": hq.cast.nairobi, "kind": HolderKind.STAFF, "family_name": "Hassan"})
    assert exc.value.for_field("person") == [
        "A staff pass holder must be linked to their staff record."]


def test_staff_holder_links_a_person_of_that_station(hq: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.pass_holder_save(actor=hq.officer, data={
            "duty_station": hq.cast.nairobi, "kind": HolderKind.STAFF, "family_name": "Hassan",
            "person": hq.cast.omar})
    assert exc.value.for_field("person")
    holder = services.pass_holder_save(actor=hq.officer, data={
        "duty_station": hq.cast.nairobi, "kind": HolderKind.STAFF, "family_name": "Achieng",
        "person": hq.cast.amina})
    assert holder.person == hq.cast.amina


def test_document_number_is_masked_unless_the_reader_manages_and_the_read_is_audited(
        hq: SimpleNamespace, user_with: Any) -> None:
    visit = visit_by_host(hq)
    services.visit_check_document(actor=hq.officer, visit=visit, document_type="passport",
                                  document_number="A1234567")
    full = selectors.pass_holder_document(user=hq.officer, holder=visit.visitor)
    assert full["number"] == "A1234567"
    assert AuditEvent.objects.filter(action="hq.pass_holder.document_read",
                                     sensitive_read=True).count() == 1
    hidden = selectors.pass_holder_document(user=hq.host, holder=visit.visitor)
    assert hidden["number"] == ""
    assert hidden["masked"].endswith("567")
