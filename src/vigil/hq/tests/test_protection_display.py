"""How a case reads: residual risks as risk-level badges with their labels, the timeline as
sentences with who and when in a named time zone, the assessment form's override and its
reason, the decision note, the home queue's badges, and refusals as whole sentences."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vigil.core.errors import TransitionRefused, ValidationFailed
from vigil.hq import protection_rules as rules
from vigil.hq import protection_services as services
from vigil.hq.tests import test_protection_fixtures as fixtures
from vigil.hq.tests.test_protection_fixtures import set_level, sra_for
from vigil.people.models import Person

world = fixtures.world  # the shared records, as this module's fixture


def _section(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start:page.index("</section>", start)]


def _page(client, world) -> str:
    client.force_login(world.coordinator)
    return client.get(reverse("hq:protection_case_detail",
                              args=[world.case.pk])).content.decode()


def test_residual_risks_show_the_risk_levels_label_in_its_badge(client, world):
    set_level(world.cast.nbi_area, 3, world.coordinator)
    sra_for(world.cast.kenya)  # residual risks: high, low
    world.start()
    threat = _section(_page(client, world), 'id="threat"')
    assert '<span class="badge warn">High</span>' in threat
    assert '<span class="badge ok">Low</span>' in threat
    assert ">high<" not in threat
    assert ">low<" not in threat


def test_the_timeline_tells_each_step_with_who_and_when(client, world):
    world.submit()
    services.case_decide(actor=world.coordinator, case=world.fresh(),
                         decision=rules.Decision.APPROVED_WITH_CHANGES, note="Armoured only")
    timeline = _section(_page(client, world), 'id="time-h"')
    for sentence in ("Case requested", "Assessment started", "Advance task changed</strong>: "
                     "Site survey", "Submitted for decision", "Approved with changes"):
        assert sentence in timeline
    # Status labels, never codes; the actor; the zone named (the coordinator has no staff
    # record: the principal's home duty station, Nairobi).
    assert "Assessed, awaiting decision" in timeline
    assert "under_assessment" not in timeline
    assert "hq.protection_case" not in timeline
    assert "None" not in timeline
    assert world.coordinator.get_username() in timeline or \
        world.coordinator.get_full_name() in timeline
    assert "Nairobi (Africa/Nairobi)" in timeline
    assert 'title="Africa/Nairobi">EAT</abbr>' in timeline


def test_the_timeline_is_in_the_readers_own_duty_station_zone(client, world):
    Person.objects.create(index_number="90000001", family_name="Reader",
                          organization=world.cast.undp, category="international",
                          duty_station=world.cast.mogadishu, user=world.coordinator)
    timeline = _section(_page(client, world), 'id="time-h"')
    assert "Mogadishu (Africa/Mogadishu)" in timeline


def test_the_override_reason_says_when_it_is_required_and_opens_when_needed(client, world):
    case = world.start()
    client.force_login(world.coordinator)
    url = reverse("hq:protection_assessment_edit", args=[case.pk])
    page = client.get(url).content.decode()
    assert "(required when you override the recommendation)" in page
    assert "Reason for the override <span" in page
    reason = page[page.index('for="id_override_reason"'):page.index("</label>",
                                                                     page.index('for="id_override_reason"'))]
    assert "optional" not in reason
    assert '<details class="field" id="override">' in page  # closed: no override yet
    # The recommendation sits at the top of the form's card, as facts: no empty paragraph
    # box above it.
    assert '<div class="card"><p>' not in page
    assert page.index('<dl class="facts">') < page.index('id="id_principal_level"')
    refused = client.post(url, {
        "version": case.assessment.version, "principal_level": "high", "event_level": "low",
        "override_kind": "liaison", "override_officers": "", "override_reason": ""})
    body = refused.content.decode()
    assert '<details class="field" id="override" open>' in body
    assert "Say why the recommended detail is overridden." in body
    case.assessment.refresh_from_db()
    assert case.assessment.override_kind == ""
    saved = client.post(url, {
        "version": case.assessment.version, "principal_level": "high", "event_level": "low",
        "override_kind": "liaison", "override_officers": "", "override_reason": "Host escort"})
    assert saved.status_code == 302
    assert '<details class="field" id="override" open>' in client.get(url).content.decode()


def test_the_decision_note_says_when_it_is_required(client, world):
    world.submit()
    decide = _section(_page(client, world), 'id="decide"')
    assert "(required when approving with changes or declining)" in decide
    note = decide[decide.index('for="id_note"'):decide.index("</label>",
                                                             decide.index('for="id_note"'))]
    assert "optional" not in note


def test_every_entry_of_the_home_queue_carries_its_status_badge(client, world):
    world.submit()
    client.force_login(world.coordinator)
    home = client.get("/").content.decode()
    start = home.index("Awaiting decision")
    awaiting = home[start:home.index("<h3>", start)]
    assert world.case.reference in awaiting
    assert '<span class="badge warn">Assessed, awaiting decision</span>' in awaiting


@pytest.mark.parametrize(("move", "words"), [
    (rules.Move.START, "Only a requested case can start its assessment; this case's status "
                       "is “Assessed, awaiting decision”."),
    (rules.Move.SUBMIT, "Only a case under assessment can be submitted for decision; this "
                        "case's status is “Assessed, awaiting decision”."),
])
def test_a_refused_move_is_one_whole_sentence(world, move, words):
    world.submit()
    with pytest.raises(TransitionRefused) as refused:
        services.MOVES[move](actor=world.coordinator, case=world.fresh())
    assert str(refused.value.message if hasattr(refused.value, "message") else
               refused.value) == words


@pytest.mark.parametrize(("move", "words"), [
    (rules.Move.REOPEN, "Only a case awaiting decision can have its assessment reopened; "
                        "this case's status is “Requested”."),
    (rules.Move.CANCEL, "Only an open case can be cancelled; this case's status is “Decided”."),
    (rules.Move.DECIDE, "Only a case assessed and awaiting decision can be decided; this case's "
                        "status is “Under assessment”."),
])
def test_each_move_has_its_own_refusal(world, move, words):
    kwargs = {}
    if move is rules.Move.CANCEL:
        world.submit()
        services.case_decide(actor=world.coordinator, case=world.fresh(), decision="approved")
        kwargs = {"reason": "x"}
    if move is rules.Move.DECIDE:
        world.start()
        kwargs = {"decision": "approved"}
    with pytest.raises(TransitionRefused) as refused:
        services.MOVES[move](actor=world.coordinator, case=world.fresh(), **kwargs)
    assert words in str(refused.value.message if hasattr(refused.value, "message") else
                        refused.value)


def test_a_staff_member_already_a_principal_is_named_so(world):
    world.principal.person = world.cast.amina
    world.principal.save(update_fields=["person"])
    with pytest.raises(ValidationFailed) as refused:
        services.principal_create(actor=world.coordinator, data={
            "name": "Other", "title": "ASG", "organization": world.cast.undp,
            "duty_station": world.cast.nairobi, "person": world.cast.amina})
    assert refused.value.errors[0].field == "person"
    assert refused.value.errors[0].message == (
        "This staff member is already recorded as another principal.")


def test_a_trip_request_not_the_principals_is_named_so(world):
    from vigil.travel.models import TravelRequest
    request = TravelRequest.objects.create(traveller=world.cast.omar,
                                           requested_by=world.coordinator, purpose="Mission")
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(actor=world.coordinator, case=world.fresh(),
                             data={"trip_request": request}, version=world.fresh().version)
    assert refused.value.errors[0].message == (
        "This TRIP request is not one of this principal's, or you may not read it.")
