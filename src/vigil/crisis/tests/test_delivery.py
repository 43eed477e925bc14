"""Delivery of broadcasts: one record per recipient and channel before sending, e-mail over a
real SMTP server (aiosmtpd), webhooks signed with HMAC, retries with exponential backoff, and
exactly one message per recipient when the worker dies mid-send and another takes over."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from email import message_from_bytes

import pytest
from django.utils import timezone

from vigil.core.models import AuditEvent
from vigil.crisis import delivery, services
from vigil.crisis.models import AccountStatus, CrisisSettings, Delivery, WebhookEndpoint
from vigil.people.models import Person


class WorkerDied(BaseException):
    """What SIGKILL does to a worker: nothing after this point runs, not even `except`."""


def body_of(message) -> str:
    return message_from_bytes(message.as_bytes()).get_payload(decode=True).decode()


def more_staff(cast, n: int) -> list[Person]:
    people = []
    for i in range(n):
        person = cast.person(f"2000{i:04d}", f"Staff{i}", cast.undp, cast.nairobi)
        person.emails = [f"staff{i}@un.example"]
        person.save()
        people.append(person)
    return people


def broadcast(crisis, officer, **extra):
    """Write the broadcast and its deliveries, without running the fan-out (the test does)."""
    return services.broadcast_send(actor=officer, crisis=crisis, subject="Are you safe?",
                                   body="Reply with the link.", **extra)


def test_deliveries_are_written_before_anything_is_sent(
        cast, officer, nairobi_crisis, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = broadcast(nairobi_crisis, officer)
    rows = list(sent.deliveries.order_by("address"))
    assert [r.address for r in rows] == ["amina@un.example", "fatuma@un.example",
                                         "omar@un.example"]
    assert {r.status for r in rows} == {Delivery.Status.PENDING}
    assert smtp.messages == []
    assert len(callbacks) == 1  # the fan-out, handed over once the transaction commits
    callbacks[0]()
    assert len(smtp.messages) == 3
    assert set(sent.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_each_message_carries_a_personal_check_in_link_and_its_key(
        cast, officer, nairobi_crisis, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast(nairobi_crisis, officer)
    links = set()
    for message in smtp.messages:
        row = sent.deliveries.get(address=message["To"])
        assert message["Message-ID"] == f"<{row.key}@vigil>"
        assert message["Subject"] == "Are you safe?"
        links.add(re.search(r"http://\S+/c/(\S+)/", body_of(message)).group(1))
    assert len(links) == 3  # one link per person


def test_a_worker_that_dies_between_two_sends_leaves_the_rest_for_the_next(
        cast, officer, nairobi_crisis, smtp, monkeypatch, django_capture_on_commit_callbacks):
    more_staff(cast, 9)
    services.headcount_refresh(actor=officer, crisis=nairobi_crisis)
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    total = sent.deliveries.count()
    assert total == 12
    real_send = delivery._send_email
    calls = {"n": 0}

    def dying_send(row, message, connection):
        calls["n"] += 1
        if calls["n"] == 6:
            raise WorkerDied  # before the sixth is handed to the server
        real_send(row, message, connection)

    monkeypatch.setattr(delivery, "_send_email", dying_send)
    now = timezone.now()
    with pytest.raises(WorkerDied):
        delivery.deliver_due(broadcast_id=sent.pk, now=now)
    assert len(smtp.messages) == 5
    monkeypatch.setattr(delivery, "_send_email", real_send)
    lease = CrisisSettings.load().lease_seconds
    delivery.deliver_due(broadcast_id=sent.pk, now=now + dt.timedelta(seconds=1))
    assert len(smtp.messages) == 5  # the dead chunk's rows are still leased
    delivery.deliver_due(now=now + dt.timedelta(seconds=lease + 1))  # the sweep, lease run out
    delivery.deliver_due(now=now + dt.timedelta(seconds=lease + 2))  # finds nothing more to do
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == total
    assert len(set(addresses)) == total  # every recipient exactly once
    # The sixth was never handed to the server, yet nobody can know that: it counts as a
    # resend (an upper bound), the only one.
    assert sum(sent.deliveries.values_list("resends", flat=True)) == sent.resent == 1


def test_a_worker_that_dies_after_the_servers_250_causes_one_counted_resend_with_the_same_keys(
        cast, officer, nairobi_crisis, smtp, monkeypatch, django_capture_on_commit_callbacks):
    more_staff(cast, 5)
    services.headcount_refresh(actor=officer, crisis=nairobi_crisis)
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    real_mark = delivery._mark_sent
    calls = {"n": 0}

    def dying_mark(row, token, now):
        calls["n"] += 1
        if calls["n"] == 4:
            raise WorkerDied  # the server accepted it; SENT was never written
        return real_mark(row, token, now)

    monkeypatch.setattr(delivery, "_mark_sent", dying_mark)
    now = timezone.now()
    with pytest.raises(WorkerDied):
        delivery.deliver_due(broadcast_id=sent.pk, now=now)
    orphan = sent.deliveries.get(status=Delivery.Status.SENDING, address=smtp.messages[-1]["To"])
    assert orphan.lease_until > now
    assert len(smtp.messages) == 4
    monkeypatch.setattr(delivery, "_mark_sent", real_mark)
    # Restarted at once: the dead chunk's rows are still leased, so nothing is sent twice yet.
    delivery.deliver_due(now=now + dt.timedelta(seconds=1))
    orphan.refresh_from_db()
    assert orphan.status == Delivery.Status.SENDING
    assert len(smtp.messages) == 4
    # Once the lease has run out, the sweep sends the rest, the orphan first.
    lease = CrisisSettings.load().lease_seconds
    delivery.deliver_due(now=now + dt.timedelta(seconds=lease + 1))
    orphan.refresh_from_db()
    assert orphan.status == Delivery.Status.SENT
    assert (orphan.attempts, orphan.resends) == (2, 1)
    copies = smtp.to(orphan.address)
    assert len(copies) == 2  # the one resend that no sender can prevent
    assert {m["Message-ID"] for m in copies} == {f"<{orphan.key}@vigil>"}
    assert {m["Idempotency-Key"] for m in copies} == {str(orphan.key)}
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == sent.deliveries.count() + 1 == 9
    assert set(addresses) == set(sent.deliveries.values_list("address", flat=True))
    assert sent.resent == 1
    assert sent.deliveries.exclude(pk=orphan.pk).filter(resends__gt=0).count() == 0
    [audited] = AuditEvent.objects.filter(action="crisis.delivery.resend")
    assert audited.object_id == str(orphan.pk)
    assert audited.changes["resends"] == [0, 1]


def test_two_workers_never_send_the_same_row(cast, officer, nairobi_crisis, smtp,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    row = sent.deliveries.first()
    now = timezone.now()
    lease = dt.timedelta(seconds=60)
    assert delivery.claim(row.pk, now=now, lease=lease) is True
    assert delivery.claim(row.pk, now=now, lease=lease) is False  # the second worker
    assert delivery.claim(row.pk, now=now + dt.timedelta(seconds=61), lease=lease) is True


def nobody_listens(settings) -> None:
    """E-mail goes to a port where no SMTP server listens: every send fails."""
    from vigil.crisis.tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()


def test_a_failed_send_is_retried_with_exponential_backoff_then_given_up(
        cast, officer, nairobi_crisis, settings, django_capture_on_commit_callbacks):
    nobody_listens(settings)
    config = CrisisSettings.load()
    config.max_attempts, config.retry_base_seconds = 3, 30
    config.save()
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    row = sent.deliveries.get(address="amina@un.example")
    now = timezone.now()
    assert delivery.deliver(row.pk, now=now) == Delivery.Status.PENDING  # to be retried
    row.refresh_from_db()
    assert row.status == Delivery.Status.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == now + dt.timedelta(seconds=30)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    # Not due yet: nothing happens.
    assert delivery.deliver(row.pk, now=now + dt.timedelta(seconds=10)) == \
        Delivery.Status.PENDING
    row.refresh_from_db()
    assert row.attempts == 1
    second = now + dt.timedelta(seconds=31)
    assert delivery.deliver(row.pk, now=second) == Delivery.Status.PENDING
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == second + dt.timedelta(seconds=60)
    assert delivery.deliver(row.pk, now=second + dt.timedelta(seconds=61)) == \
        Delivery.Status.FAILED
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED
    assert row.attempts == 3
    assert row.next_attempt_at is None


def test_a_send_is_stamped_with_the_time_it_was_given(
        cast, officer, nairobi_crisis, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    row = sent.deliveries.get(person=cast.amina)
    when = timezone.now() - dt.timedelta(minutes=10)  # the sweep's clock, not the send's
    assert delivery.deliver(row.pk, now=when) == Delivery.Status.SENT
    row.refresh_from_db()
    assert row.sent_at == when
    household = nairobi_crisis.entries.filter(person=cast.amina)
    assert {e.status_at for e in household} == {when}


def test_a_failed_send_waits_from_the_time_it_was_given(
        cast, officer, nairobi_crisis, settings, django_capture_on_commit_callbacks):
    nobody_listens(settings)
    with django_capture_on_commit_callbacks(execute=False):
        sent = broadcast(nairobi_crisis, officer)
    row = sent.deliveries.get(person=cast.amina)
    when = timezone.now() - dt.timedelta(hours=1)
    assert delivery.deliver(row.pk, now=when) == Delivery.Status.PENDING
    row.refresh_from_db()
    wait = CrisisSettings.load().retry_base_seconds
    assert row.next_attempt_at == when + dt.timedelta(seconds=wait)


def test_a_person_without_an_address_is_recorded_not_lost(
        cast, officer, nairobi_crisis, smtp, django_capture_on_commit_callbacks):
    cast.omar.emails = []
    cast.omar.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast(nairobi_crisis, officer)
    skipped = sent.deliveries.get(person=cast.omar)
    assert skipped.status == Delivery.Status.SKIPPED
    assert len(smtp.messages) == 2


def test_sending_marks_the_household_contacted(
        cast, officer, nairobi_crisis, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast(nairobi_crisis, officer)
    statuses = dict(nairobi_crisis.entries.filter(person=cast.amina).values_list(
        "dependant_id", "status"))
    assert statuses == {None: AccountStatus.CONTACTED,
                        cast.amina_child.pk: AccountStatus.CONTACTED}


def test_webhooks_are_signed_and_carry_an_idempotency_key(
        cast, officer, nairobi_crisis, receiver, smtp, django_capture_on_commit_callbacks):
    hook = WebhookEndpoint.objects.create(name="SMS gateway", url=receiver.url,
                                          secret="s3cret-shared")
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast(nairobi_crisis, officer, email=False, webhooks=[hook])
    assert smtp.messages == []
    assert len(receiver.posts) == 3
    for headers, body in receiver.posts:
        expected = "sha256=" + hmac.new(b"s3cret-shared", body, hashlib.sha256).hexdigest()
        assert headers["X-Vigil-Signature"] == expected
        payload = json.loads(body)
        row = sent.deliveries.get(key=headers["Idempotency-Key"])
        assert payload["id"] == str(row.key)
        assert payload["to"]["name"] == str(row.person)
        assert payload["to"]["phones"] == ["+254 20 7621234"]
        assert "/c/" in payload["checkin_url"]
    # A tampered body does not match the signature.
    headers, body = receiver.posts[0]
    assert delivery.signature("s3cret-shared", body + b" ") != headers["X-Vigil-Signature"]


def test_a_webhook_that_fails_is_retried_and_delivered_once(
        cast, officer, nairobi_crisis, receiver, django_capture_on_commit_callbacks):
    hook = WebhookEndpoint.objects.create(name="Chat bridge", url=receiver.url, secret="k")
    receiver.fail = 1
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast(nairobi_crisis, officer, email=False, webhooks=[hook])
    failed = sent.deliveries.filter(status=Delivery.Status.PENDING)
    assert failed.count() == 1
    assert "503" in failed.get().last_error
    delivery.deliver_due(now=timezone.now() + dt.timedelta(minutes=5))
    assert set(sent.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    keys = [h["Idempotency-Key"] for h, _b in receiver.posts]
    assert len(keys) == len(set(keys)) == 3


def test_a_webhook_address_must_be_http(cast, officer, nairobi_crisis,
                                        django_capture_on_commit_callbacks):
    hook = WebhookEndpoint.objects.create(name="Odd", url="ftp://example.org/x", secret="k")
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast(nairobi_crisis, officer, email=False, webhooks=[hook])
    assert "https://" in sent.deliveries.first().last_error
