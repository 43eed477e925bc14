"""The headcount's one writer of status (crisis.headcount.status_write), each change with its
event, and the one home of a household (crisis.selectors.households)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigil.core.errors import StaleVersion
from vigil.core.models import AuditEvent
from vigil.crisis import delivery, headcount, selectors, services
from vigil.crisis.models import AccountEntry, AccountEvent, AccountStatus, Crisis, Delivery
from vigil.people.models import Dependant

pytestmark = pytest.mark.django_db


def entry(crisis: Crisis, person: Any, dependant: Any = None) -> AccountEntry:
    return AccountEntry.objects.get(crisis=crisis, person=person, dependant=dependant)


def test_a_household_is_the_staff_member_and_their_dependants_on_that_headcount(
        cast, officer, nairobi_crisis):
    """Amina and her child Tom are on the headcount; Fatuma's household is hers alone, and
    another crisis's entries of Amina are another headcount's."""
    other = services.crisis_declare(actor=officer, data={
        "title": "Later unrest", "zone_kind": "circle", "center_latitude": -1.2864,
        "center_longitude": 36.8172, "radius_km": 25})
    found = selectors.households(crisis_id=nairobi_crisis.pk, people=[cast.amina.pk])
    assert set(found) == {entry(nairobi_crisis, cast.amina),
                          entry(nairobi_crisis, cast.amina, cast.amina_child)}
    both = selectors.households(crisis_id=other.pk, people=[cast.amina.pk, cast.fatuma.pk])
    assert {(e.person_id, e.dependant_id) for e in both} == {
        (cast.amina.pk, None), (cast.amina.pk, cast.amina_child.pk), (cast.fatuma.pk, None),
        (cast.fatuma.pk, cast.fatuma_spouse.pk)}
    assert {e.crisis_id for e in both} == {other.pk}


def test_the_staff_members_own_entry_answers_for_the_household(cast, officer, nairobi_crisis):
    own = entry(nairobi_crisis, cast.amina)
    assert selectors.answering_entries(crisis_id=nairobi_crisis.pk, people=[cast.amina.pk]) \
        == {cast.amina.pk: own.pk}
    # A dependant alone on the headcount answers through their own entry.
    own.delete()
    child = entry(nairobi_crisis, cast.amina, cast.amina_child)
    assert selectors.answering_entries(crisis_id=nairobi_crisis.pk, people=[cast.amina.pk]) \
        == {cast.amina.pk: child.pk}


def test_each_status_change_is_written_with_its_event(cast, officer, nairobi_crisis):
    amina = entry(nairobi_crisis, cast.amina)
    at = timezone.now()
    [event] = headcount.status_write([amina], AccountStatus.SAFE, at=at, by=officer,
                                     note="Seen at the office", lat=-1.25, lon=36.79)
    amina.refresh_from_db()
    assert (amina.status, amina.status_at, amina.status_by, amina.note, amina.version) == (
        AccountStatus.SAFE, at, officer, "Seen at the office", 2)
    assert (amina.reported_latitude, amina.reported_longitude) == (-1.25, 36.79)
    assert (event.entry, event.status, event.at, event.by, event.note) == (
        amina, AccountStatus.SAFE, at, officer, "Seen at the office")


def test_a_change_to_an_entry_changed_since_it_was_read_writes_nothing(
        cast, officer, nairobi_crisis):
    amina = entry(nairobi_crisis, cast.amina)
    child = entry(nairobi_crisis, cast.amina, cast.amina_child)
    AccountEntry.objects.filter(pk=child.pk).update(version=5)  # someone else wrote it
    with pytest.raises(StaleVersion):
        headcount.status_write([amina, child], AccountStatus.SAFE, at=timezone.now())
    assert not AccountEvent.objects.exists()


def test_many_entries_are_written_in_one_update_and_one_insert(cast, officer, nairobi_crisis):
    """The writer's cost does not grow with the entries: a household of two or of five."""
    def queries(entries: list[AccountEntry]) -> int:
        with CaptureQueriesContext(connection) as captured:
            headcount.status_write(entries, AccountStatus.EVACUATED, at=timezone.now())
        return len(captured)

    two = list(nairobi_crisis.entries.filter(person=cast.amina))
    for i in range(4):
        child = Dependant.objects.create(person=cast.omar, family_name="Hassan",
                                         given_name=f"Child{i}", relationship="child")
        AccountEntry.objects.create(crisis=nairobi_crisis, person=cast.omar, dependant=child,
                                    organization=cast.wfp, basis=AccountEntry.Basis.RESIDENCE)
    five = list(nairobi_crisis.entries.filter(person=cast.omar))
    assert (len(two), len(five)) == (2, 5)
    assert queries(two) == queries(five) == 2
    assert AccountEvent.objects.filter(status=AccountStatus.EVACUATED).count() == 7


def test_a_message_delivered_marks_the_household_contacted_with_its_events(
        cast, officer, nairobi_crisis, smtp, receiver, django_capture_on_commit_callbacks):
    from vigil.crisis.models import WebhookEndpoint

    hook = WebhookEndpoint.objects.create(name="SMS gateway", url=receiver.url, secret="k")
    with django_capture_on_commit_callbacks(execute=False):
        sent = services.broadcast_send(actor=officer, crisis=nairobi_crisis, subject="S",
                                       body="B", webhooks=[hook])
    now = timezone.now()
    by_mail = sent.deliveries.get(person=cast.amina, channel=Delivery.Channel.EMAIL)
    assert delivery.deliver(by_mail.pk, now=now) == Delivery.Status.SENT
    household = list(nairobi_crisis.entries.filter(person=cast.amina))
    assert {(e.status, e.status_at, e.status_by) for e in household} == {
        (AccountStatus.CONTACTED, now, None)}
    events = AccountEvent.objects.filter(entry__in=household)
    assert {(e.entry_id, e.status, e.at, e.by_id, e.via_checkin) for e in events} == {
        (e.pk, AccountStatus.CONTACTED, now, None, False) for e in household}
    [audited] = AuditEvent.objects.filter(action="crisis.entry.contacted")
    assert audited.actor_id is None
    assert sorted(audited.changes["entries"]) == sorted(e.pk for e in household)
    # Reached again, by the webhook: nothing is unknown any more, nothing more is written.
    by_hook = sent.deliveries.get(person=cast.amina, channel=Delivery.Channel.WEBHOOK)
    assert delivery.deliver(by_hook.pk) == Delivery.Status.SENT
    assert events.count() == len(household)
    assert AuditEvent.objects.filter(action="crisis.entry.contacted").count() == 1
