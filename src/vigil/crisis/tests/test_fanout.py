"""A broadcast sent in chunks that every worker shares: the chunks cover every recipient once,
two chunks racing never send one message twice, a chunk renews its lease while it works, a
killed chunk's rows are taken over by the sweep once its lease runs out, a chunk that finds the
server down gives its rows back, and a resend shows in the broadcast's figures."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from vigil.core.tests.migrated_rows import restore_migrated_rows
from vigil.crisis import delivery, services, tasks
from vigil.crisis.models import AccountStatus, CrisisSettings, Delivery
from vigil.crisis.tests.test_delivery import WorkerDied, broadcast, more_staff, nobody_listens


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(delivery, "CHUNK", 4)


@pytest.fixture
def twelve(cast, officer, nairobi_crisis, small_chunks, monkeypatch):
    """A broadcast to 12 staff members (three chunks of four), its fan-out held back (also
    in a transactional test, where on_commit runs at once)."""
    more_staff(cast, 9)
    services.headcount_refresh(actor=officer, crisis=nairobi_crisis)
    with monkeypatch.context() as held:
        held.setattr(tasks.deliver_broadcast, "delay", lambda broadcast_id: None)
        sent = broadcast(nairobi_crisis, officer)
    assert sent.deliveries.count() == 12
    return sent


def test_the_chunks_cover_every_recipient_once(twelve, smtp, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.deliver_chunk, "delay", queued.append)
    assert tasks.deliver_broadcast(twelve.pk) == 3
    assert queued == [twelve.pk] * 3  # one task per chunk, for any worker to take
    for broadcast_id in queued:
        tasks.deliver_chunk(broadcast_id)
    assert tasks.deliver_chunk(twelve.pk) == {}  # a fourth finds nothing
    rows = list(twelve.deliveries.all())
    assert {r.status for r in rows} == {Delivery.Status.SENT}
    by_chunk: dict = {}
    for r in rows:
        by_chunk.setdefault(r.claim, []).append(r.pk)
    assert sorted(len(ids) for ids in by_chunk.values()) == [4, 4, 4]
    addresses = [m["To"] for m in smtp.messages]
    assert sorted(addresses) == sorted({r.address for r in rows})  # each once
    # The households are contacted and the leases ended.
    assert not twelve.deliveries.filter(lease_until__isnull=False).exists()
    assert not twelve.crisis.entries.filter(status=AccountStatus.UNKNOWN).exists()


def test_the_broadcasts_own_task_sends_every_chunk_when_run_eagerly(twelve, smtp):
    tasks.deliver_broadcast.delay(twelve.pk)  # no broker: the chunks run here, one by one
    assert len(smtp.messages) == 12
    assert len({m["To"] for m in smtp.messages}) == 12


def test_two_chunks_racing_take_different_rows_and_send_each_once(twelve, smtp):
    now = timezone.now()
    lease = dt.timedelta(seconds=60)
    first = delivery.claim_chunk(now=now, lease=lease, broadcast_id=twelve.pk)
    second = delivery.claim_chunk(now=now, lease=lease, broadcast_id=twelve.pk)
    assert len(first.ids) == len(second.ids) == 4
    assert not set(first.ids) & set(second.ids)
    # A chunk claimed while the other sends; the second finishes first.
    config = CrisisSettings.load()
    assert delivery.send_chunk(second, config=config) == {Delivery.Status.SENT: 4}
    assert delivery.send_chunk(first, config=config) == {Delivery.Status.SENT: 4}
    # A chunk never sends a row it no longer holds, even handed its ids.
    assert delivery.send_chunk(first, config=config) == {}
    delivery.deliver_due(broadcast_id=twelve.pk)
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == len(set(addresses)) == 12


@pytest.fixture
def migrated_rows(transactional_db):
    """The rows data migrations write (countries...), which an earlier transactional test in
    this worker may have emptied as it ended (pytest-django runs those last)."""
    restore_migrated_rows()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="FOR UPDATE SKIP LOCKED between connections: PostgreSQL's")
def test_two_workers_racing_on_postgresql_send_each_message_once(migrated_rows, twelve, smtp):
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def worker() -> None:
        try:
            start.wait()
            delivery.deliver_due(broadcast_id=twelve.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == len(set(addresses)) == 12
    assert set(twelve.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_chunk_renews_its_lease_while_it_works(twelve, smtp, monkeypatch):
    config = CrisisSettings.load()
    clock = {"t": 1000.0}

    def monotonic() -> float:
        clock["t"] += config.lease_seconds / 2  # each look at the clock: half a lease later
        return clock["t"]

    monkeypatch.setattr(delivery, "clock", monotonic)
    now = timezone.now()
    claimed = delivery.claim_chunk(now=now, lease=dt.timedelta(seconds=config.lease_seconds),
                                   broadcast_id=twelve.pk)
    seen = []
    real_send = delivery._send_email

    def watching_send(row, message, conn):
        seen.append(Delivery.objects.get(pk=claimed.ids[-1]).lease_until)
        real_send(row, message, conn)

    monkeypatch.setattr(delivery, "_send_email", watching_send)
    delivery.send_chunk(claimed, config=config, now=now)
    first = now + dt.timedelta(seconds=config.lease_seconds)
    assert seen[0] > first  # renewed before the first send: its clock had moved on
    assert seen == sorted(seen)
    assert seen[-1] > seen[0]


def test_a_killed_chunk_is_taken_over_by_the_sweep_once_its_lease_runs_out(
        twelve, smtp, monkeypatch):
    config = CrisisSettings.load()
    real_send = delivery._send_email
    calls = {"n": 0}

    def dying_send(row, message, conn):
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerDied
        real_send(row, message, conn)

    monkeypatch.setattr(delivery, "_send_email", dying_send)
    # The chunk was claimed a lease and a second ago: its lease has run out by now.
    long_ago = timezone.now() - dt.timedelta(seconds=config.lease_seconds + 1)
    with pytest.raises(WorkerDied):
        delivery.deliver_chunk(broadcast_id=twelve.pk, now=long_ago)
    monkeypatch.setattr(delivery, "_send_email", real_send)
    assert len(smtp.messages) == 2
    dead = set(twelve.deliveries.filter(status=Delivery.Status.SENDING)
               .values_list("pk", flat=True))
    assert len(dead) == 2
    queued: list[int] = []
    counts = delivery.sweep(queue=queued.append)
    # The sweep sent the dead chunk's rows itself, and the rows never tried (chunks lost) too,
    # a chunk at a time; nothing left to queue.
    assert counts == {Delivery.Status.SENT: 2, "queued": 2}
    assert set(twelve.deliveries.filter(pk__in=dead).values_list("status", flat=True)) == {
        Delivery.Status.SENT}
    assert queued == [twelve.pk, twelve.pk]  # the eight never tried: two chunks for the workers
    for broadcast_id in queued:
        delivery.deliver_chunk(broadcast_id=broadcast_id)
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == len(set(addresses)) == 12
    # Its households were marked too, though the chunk died before marking them.
    assert not twelve.crisis.entries.filter(status=AccountStatus.UNKNOWN).exists()
    assert twelve.resent == 1  # the third row: claimed, its send unknown


def test_the_sweep_leaves_a_broadcast_to_its_running_chunks(twelve, smtp):
    now = timezone.now()
    delivery.claim_chunk(now=now, lease=dt.timedelta(seconds=60), broadcast_id=twelve.pk)
    queued: list[int] = []
    assert delivery.sweep(queue=queued.append) == {}
    assert queued == []  # a chunk is at work on it: its other chunks are on the queue
    assert smtp.messages == []


def test_a_chunk_that_finds_the_server_down_gives_its_rows_back(twelve, settings):
    nobody_listens(settings)
    counts = delivery.deliver_chunk(broadcast_id=twelve.pk)
    assert counts == {Delivery.Status.PENDING: delivery.FAILING_IN_A_ROW}
    rows = twelve.deliveries.order_by("pk")[:4]
    assert [r.attempts for r in rows] == [1] * 3 + [0]  # the fourth was never tried
    assert all(r.status == Delivery.Status.PENDING and r.next_attempt_at for r in rows)
    assert "refused" in rows[0].last_error.lower() or "Connection" in rows[0].last_error


def test_a_resend_shows_in_the_broadcasts_figures(client, twelve, officer, smtp):
    row = twelve.deliveries.order_by("pk").first()
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    delivery.claim_chunk(now=long_ago, lease=dt.timedelta(seconds=20), ids=[row.pk])
    delivery.deliver_due(broadcast_id=twelve.pk)  # takes it over: counted as a resend
    row.refresh_from_db()
    assert row.resends == 1
    client.force_login(officer)
    page = client.get(reverse("crisis:broadcast_detail", args=[twelve.pk])).content.decode()
    assert "1 resent" in page
    api = client.get(f"/api/v1/broadcasts/{twelve.pk}/", HTTP_ACCEPT="application/json")
    if api.status_code == 200:
        assert api.json()["deliveries"]["resent"] == 1


def test_households_of_a_chunk_that_died_before_marking_them_are_marked_by_the_sweep(
        twelve, smtp, monkeypatch):
    monkeypatch.setattr(delivery, "households_contacted", lambda *a, **k: 0)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    delivery.deliver_chunk(broadcast_id=twelve.pk, now=long_ago)  # sent, households not
    assert twelve.crisis.entries.filter(status=AccountStatus.UNKNOWN).count() >= 4
    monkeypatch.undo()
    assert delivery.finish_orphans(now=timezone.now()) == 4
    sent_people = set(twelve.deliveries.filter(status=Delivery.Status.SENT)
                      .values_list("person_id", flat=True))
    assert not twelve.crisis.entries.filter(status=AccountStatus.UNKNOWN,
                                            person_id__in=sent_people).exists()
    assert delivery.finish_orphans(now=timezone.now()) == 0
