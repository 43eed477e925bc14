"""Clearance of many requests at once: submitting selected drafts together, and re-clearing
the open requests after a fact changed (a security level). Both must clear exactly as the
requests would be cleared one after the other, in a number of queries that does not grow with
the number of requests, with the same writes and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Role
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.travel import services
from vigil.travel.models import AreaControl, Clearance, Presence, TravelRequest
from vigil.travel.tests.conftest import hold, set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR, username="travel-admin")


@pytest.fixture
def world(cast: Any, levels: Any, traveller: Any, somalia_officer: Any, admin: Any) -> Any:
    """Amina and Fatuma hold BSAFE, Omar does not; Mombasa (level 2) admits one visitor at a
    time; Mogadishu is at level 5."""
    hold(cast.fatuma, "BSAFE", timezone.localdate() - dt.timedelta(days=100))
    AreaControl.objects.create(security_area=levels["mba"], max_visitors=1, set_by=admin)
    return cast


def drafts(world: Any, trip: Any, admin: Any) -> list[TravelRequest]:
    """Drafts whose clearance depends on each other: Amina's second trip overlaps her first,
    Fatuma's stay in Mombasa meets Amina's (one visitor at a time), Omar has no BSAFE, and
    two trips go to Mogadishu (manual)."""
    plans = [(world.amina, world.mombasa, 30), (world.amina, world.mombasa, 31),
             (world.fatuma, world.mombasa, 30), (world.omar, world.mogadishu, 40),
             (world.amina, world.mogadishu, 60), (world.fatuma, world.mogadishu, 80)]
    return [services.request_create(
        actor=admin, traveller=person, data={"purpose": f"Trip {index}"},
        segments=trip.there_and_back(place, days_ahead=days,
                                     origin=person.duty_station))
            for index, (person, place, days) in enumerate(plans)]


def outcome(ids: list[int]) -> list[Any]:
    """What clearing wrote, request by request, aside from times and the text of summaries."""
    found = []
    for request in TravelRequest.objects.filter(pk__in=ids).order_by("pk"):
        events = AuditEvent.objects.filter(object_type="travel.travelrequest",
                                           object_id=str(request.pk),
                                           action="travel.request.submit.outcome")
        found.append((
            request.status, request.version, request.submitted_at is not None,
            [(c.position, c.status, sorted(r["code"] for r in c.reasons), c.level,
              c.decided_as) for c in request.clearances.order_by("position")],
            sorted(Presence.objects.filter(request=request).values_list(
                "person_id", "dependant_id", "kind", "cleared", "starts_at", "ends_at")),
            [e.changes for e in events]))
    return found


def statements(queries: CaptureQueriesContext) -> int:
    """The statements run, an INSERT of many rows counted once per table: a backend splits
    it into as many statements as its limit on parameters asks (SQLite's is low)."""
    count, last = 0, None
    for query in queries.captured_queries:
        sql = query["sql"]
        insert = sql.split("(")[0] if sql.startswith("INSERT") else None
        if insert is None or insert != last:
            count += 1
        last = insert
    return count


class Undo(Exception):
    pass


def test_submitting_in_bulk_clears_as_submitting_one_after_the_other(world, trip, admin,
                                                                     somalia_officer):
    ids = [r.pk for r in drafts(world, trip, admin)]
    try:
        with transaction.atomic():
            for pk in ids:
                request = TravelRequest.objects.get(pk=pk)
                services.request_submit(actor=admin, request=request, version=request.version)
            one_by_one = outcome(ids)
            told_one_by_one = set(Notification.objects.values_list("user_id", flat=True))
            raise Undo
    except Undo:
        pass
    assert not Clearance.objects.exists()  # undone: the drafts are drafts again

    done = services.requests_submit_many(actor=admin,
                                         requests=list(TravelRequest.objects.filter(pk__in=ids)))

    assert outcome(ids) == one_by_one
    assert (done.read, done.changed) == (6, 6)
    # The cases the batch must see in turn: the overlap with the first trip cleared, the
    # visitor limit reached by it, no BSAFE, and the manual stops.
    codes = [stops[0][2] for _s, _v, _t, stops, _p, _e in one_by_one]
    assert codes[0] == []
    assert "overlap" in codes[1]  # and one visitor at a time in Mombasa: Amina already
    assert codes[2] == ["movement_limit"]
    assert "bsafe_missing" in codes[3]
    assert codes[4:] == [["level_manual"], ["level_manual"]]
    assert set(Notification.objects.values_list("user_id", flat=True)) == told_one_by_one
    # Mogadishu's officer; the administrators for Mombasa, which no officer covers.
    assert told_one_by_one == {somalia_officer.pk, admin.pk}
    # Two Mogadishu stops wait for the same officer: one message lists them both.
    note = Notification.objects.get(user=somalia_officer)
    assert "2" in note.subject
    assert all(TravelRequest.reference_of(pk) in note.body for pk in ids[4:])
    assert audit.verify()[1] is None


def test_bulk_queries_do_not_grow_with_the_number_of_requests(world, trip, admin, cast):
    hold(cast.omar, "BSAFE", timezone.localdate() - dt.timedelta(days=10))

    def submit(count: int, start: int) -> int:
        made = [services.request_create(
            actor=admin, traveller=person, data={"purpose": "Mission"},
            segments=trip.there_and_back(place, days_ahead=start + 5 * i,
                                         origin=person.duty_station))
                for i in range(count)
                for person, place in [(cast.amina, cast.mogadishu), (cast.fatuma, cast.mombasa),
                                      (cast.omar, cast.nairobi)]]
        with CaptureQueriesContext(connection) as queries:
            services.requests_submit_many(actor=admin, requests=made)
        assert all(r.status != TravelRequest.Status.DRAFT
                   for r in TravelRequest.objects.filter(pk__in=[m.pk for m in made]))
        return statements(queries)

    assert submit(1, 100) == submit(6, 200)

    def reclear() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            done = services.requests_reclear(actor=admin)
        return done.read, statements(queries)

    set_level(cast.nbi_area, 5, admin)  # Omar's trips to Nairobi now wait
    few_read, few = reclear()  # changed: written
    assert few_read == 21
    submit(10, 400)
    more_read, more = reclear()  # the same 21 unchanged, 30 new ones unchanged too
    assert more_read == 51
    set_level(cast.nbi_area, 4, admin)
    written_read, written = reclear()  # every Nairobi trip changes level: written
    assert written_read == 51
    assert more < min(few, written)
    # The read side alone stays the same whatever the number of requests.
    assert reclear() == (51, more)


def test_reclearing_after_a_level_change_holds_trips_there(world, trip, admin, levels,
                                                           somalia_officer, cast):
    requests = drafts(world, trip, admin)
    services.requests_submit_many(actor=admin, requests=requests)
    mogadishu = TravelRequest.objects.get(pk=requests[4].pk)
    waiting = mogadishu.clearances.get()
    services.clearance_decide(actor=somalia_officer, clearance=waiting, approve=True,
                              comment="Escort booked")
    versions = dict(TravelRequest.objects.values_list("pk", "version"))
    Notification.objects.all().delete()

    done = services.requests_reclear(actor=None)  # nothing changed: nothing written
    assert done.changed == 0
    assert dict(TravelRequest.objects.values_list("pk", "version")) == versions
    assert not AuditEvent.objects.filter(action="travel.request.reclear.outcome").exists()

    set_level(levels["mba"], 4, admin)  # Mombasa: from level 4 clearance is manual
    done = services.requests_reclear(actor=admin, area_ids=[levels["mba"].pk])

    first = TravelRequest.objects.get(pk=requests[0].pk)
    assert first.status == TravelRequest.Status.PENDING
    assert first.version == versions[first.pk] + 1
    stop = first.clearances.get()
    assert stop.level == 4
    assert [r.code for r in stop.reason_list] == ["level_manual"]
    assert not Presence.objects.filter(request=first, cleared=True).exists()
    event = AuditEvent.objects.get(action="travel.request.reclear.outcome",
                                   object_id=str(first.pk))
    assert event.changes["status"] == ["cleared", "pending"]
    assert event.actor_id == admin.pk
    # Only the open trips that stop in Mombasa were read (Amina's cleared one, Fatuma's
    # waiting one); the approved Mogadishu stop stands.
    assert (done.read, done.changed) == (2, 2)
    kept = TravelRequest.objects.get(pk=requests[4].pk)
    assert kept.status == TravelRequest.Status.CLEARED
    assert kept.version == versions[kept.pk]
    assert kept.clearances.get().status == Clearance.Status.APPROVED
    # No officer covers Kenya here: the stops went up the fallback, and were told.
    assert Notification.objects.exists()
    assert audit.verify()[1] is None


def test_a_waiting_stop_keeps_its_place_in_the_queue(world, trip, admin, levels):
    requests = drafts(world, trip, admin)
    services.requests_submit_many(actor=admin, requests=requests)
    before = Clearance.objects.get(request=requests[5])
    assert before.status == Clearance.Status.PENDING
    set_level(levels["mgq"], 4, admin)  # still manual, for another level: the stop changes
    services.requests_reclear(actor=admin)
    after = Clearance.objects.get(request=requests[5])
    assert after.level == 4
    assert (after.requested_at, after.due_at) == (before.requested_at, before.due_at)


def test_only_a_global_travel_configurer_re_clears(world, admin, kenya_officer):
    with pytest.raises(Forbidden):
        services.requests_reclear(actor=kenya_officer)


def test_bulk_submission_is_all_or_nothing(world, trip, admin, traveller, cast):
    requests = drafts(world, trip, admin)
    # Amina may file her own trips, not Omar's: the whole batch is refused.
    with pytest.raises(Forbidden):
        services.requests_submit_many(actor=traveller, requests=requests)
    assert not TravelRequest.objects.exclude(status=TravelRequest.Status.DRAFT).exists()
    services.request_submit(actor=admin, request=requests[0], version=requests[0].version)
    with pytest.raises(TransitionRefused):
        services.requests_submit_many(actor=admin, requests=requests)
    assert TravelRequest.objects.filter(status=TravelRequest.Status.DRAFT).count() == 5
    incomplete = services.request_create(actor=admin, traveller=cast.omar,
                                         data={"purpose": "No segments"})
    with pytest.raises(ValidationFailed) as refused:
        services.requests_submit_many(actor=admin, requests=[requests[1], incomplete])
    assert refused.value.errors[0].field == f"{incomplete.reference}.segments"
    assert TravelRequest.objects.filter(status=TravelRequest.Status.DRAFT).count() == 6
