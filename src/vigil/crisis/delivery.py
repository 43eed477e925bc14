"""Sending the Delivery rows that crisis.services wrote: e-mail over SMTP, and webhooks (an
HTTP POST signed with HMAC-SHA256) for SMS gateways and chat bridges.

Exactly one message per recipient and channel, even when a worker dies:

1. The row exists before anything is sent (services.broadcast_send, in the broadcast's
   transaction).
2. A worker *claims* a row with one conditional UPDATE, committed at once: PENDING and due,
   or SENDING with its lease run out. The claim sets SENDING and a lease (lease_until). Two
   workers cannot both claim a row; a worker that dies after claiming leaves a row that the
   next sweep claims again once the lease has run out.
3. Only the claimant sends, then marks the row SENT (only if it still holds the lease). A SENT
   row is never claimed again.
4. A failed send goes back to PENDING with the next attempt after an exponentially growing
   delay (retry_base_seconds * 2^(attempts-1)); after max_attempts it is FAILED.

The one window no sender can close alone is a death after the server accepted the message and
before SENT was committed: the row is then sent again after its lease. Each message therefore
carries the delivery's key (Message-ID for e-mail, the Idempotency-Key header for webhooks) so
that the receiving side can drop the second copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import netguard
from vigil.core.i18n import Msg, Text, language_or_default, render
from vigil.core.selectors import languages_of
from vigil.crisis import checkin
from vigil.crisis.headcount import household_contacted
from vigil.crisis.models import Broadcast, CrisisSettings, Delivery
from vigil.crisis.rules import gave_up, retry_wait
from vigil.people.models import Person

WEBHOOK_TIMEOUT = 15


class Response(Protocol):
    status: int


# What opens a webhook's request: netguard.urlopen (public addresses only), or a test's stand-in.
Opener = Callable[..., AbstractContextManager[Response]]


def _due(now: dt.datetime) -> Q:
    pending = Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True)
                                                  | Q(next_attempt_at__lte=now))
    stale = Q(status=Delivery.Status.SENDING, lease_until__lt=now)
    return pending | stale


def claim(delivery_id: int, *, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Take one row for sending; False if another worker has it or it needs nothing."""
    taken = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=Delivery.Status.SENDING, lease_until=now + lease, attempts=F("attempts") + 1)
    return taken == 1


@transaction.atomic
def _mark_sent(delivery: Delivery, now: dt.datetime) -> bool:
    done = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING,
                                   lease_until=delivery.lease_until).update(
        status=Delivery.Status.SENT, sent_at=now, lease_until=None, last_error="")
    if done:
        delivery.status, delivery.sent_at, delivery.lease_until = \
            Delivery.Status.SENT, now, None
        household_contacted(delivery, at=now)
    return done == 1


def _mark_failed(delivery: Delivery, error: str, now: dt.datetime,
                 config: CrisisSettings) -> str:
    """Back to PENDING for a retry after its wait, or FAILED once the attempts are spent.
    Returns the status given."""
    if gave_up(delivery.attempts, config.max_attempts):
        status, next_attempt = Delivery.Status.FAILED, None
    else:
        wait = retry_wait(delivery.attempts, config.retry_base_seconds)
        status, next_attempt = Delivery.Status.PENDING, now + dt.timedelta(seconds=wait)
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        lease_until=None, last_error=error[:500], status=status, next_attempt_at=next_attempt)
    return status


@dataclass(frozen=True)
class Message:
    """What one delivery says: the same on every channel."""

    subject: str
    text: str
    checkin_url: str | None


# What Vigil itself writes in a broadcast, rendered in each recipient's language. A subject or
# message an officer typed goes out as typed.
CHECKIN_SUBJECT = gettext_lazy("Scheduled check-in: please confirm you are safe")


def checkin_request(config: CrisisSettings) -> Msg:
    """The message of a scheduled check-in, from the crisis settings in force."""
    return Msg(gettext_lazy(
        "You are travelling in an area at security level %(level)s or above. Please answer "
        "within %(minutes)s minutes; if you do not, your security officer will try to reach "
        "you."), level=config.checkin_level, minutes=config.checkin_grace_minutes)


def reminder_subject(subject: str) -> Msg:
    return Msg(gettext_lazy("Reminder: %(subject)s"), subject=subject)


def _texts(broadcast: Broadcast, config: CrisisSettings) -> tuple[Text, Text]:
    if broadcast.kind == Broadcast.Kind.CHECKIN:
        return CHECKIN_SUBJECT, checkin_request(config)
    if broadcast.kind == Broadcast.Kind.REMINDER and broadcast.reminder_of is not None:
        return reminder_subject(broadcast.reminder_of.subject), broadcast.body
    return broadcast.subject, broadcast.body


def recipient_language(person: Person) -> str:
    """The language of the person's account, else of their staff record, else the site's."""
    if person.user_id is not None:
        return languages_of([person.user_id])[person.user_id]
    return language_or_default(person.language)


def message_of(delivery: Delivery, config: CrisisSettings) -> Message:
    """The subject and text of one delivery, with its personal check-in link, in the active
    language (deliver() makes it the recipient's)."""
    broadcast = delivery.broadcast
    subject, body = _texts(broadcast, config)
    url = checkin.link(delivery) if broadcast.with_checkin and (
        delivery.entry_id or delivery.checkin_id) else None
    lines = [render(body)]
    if url:
        lines += ["", _("Tell us how you are — one tap, no sign-in needed:"), url,
                  _("This link is yours alone and works for %(hours)s hours.") % {
                      "hours": config.link_hours}]
    lines += ["", f"{broadcast.reference} · Vigil"]
    return Message(render(subject)[:200], "\n".join(lines), url)


def _send_email(delivery: Delivery, message: Message,
                connection: BaseEmailBackend | None) -> None:
    EmailMessage(message.subject, message.text, to=[delivery.address], connection=connection,
                 headers={"Message-ID": f"<{delivery.key}@vigil>",
                          "X-Vigil-Delivery": str(delivery.key)}).send()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(delivery: Delivery, message: Message) -> bytes:
    person = delivery.person
    payload = {
        "id": str(delivery.key), "broadcast": delivery.broadcast.reference,
        "kind": delivery.broadcast.kind, "subject": message.subject, "text": message.text,
        "to": {"name": str(person), "phones": person.phones, "emails": person.emails},
        "checkin_url": message.checkin_url,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


def _send_webhook(delivery: Delivery, message: Message, opener: Opener) -> None:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        raise OSError(_("The webhook is not in use."))
    if not endpoint.url.startswith(("https://", "http://")):
        raise ValueError(_("A webhook address starts with https:// or http://."))
    netguard.require_public(endpoint.url)  # not loopback, private, link-local... (ASVS V12.6)
    body = webhook_body(delivery, message)
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "Vigil",
        "Idempotency-Key": str(delivery.key),
        "X-Vigil-Signature": signature(endpoint.secret, body)})
    with opener(request, timeout=WEBHOOK_TIMEOUT) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def deliver(delivery_id: int, *, now: dt.datetime | None = None,
            connection: BaseEmailBackend | None = None, opener: Opener | None = None,
            config: CrisisSettings | None = None) -> str:
    """Claim, send and mark one delivery, stamped ``now``. Returns its status afterwards:
    SENT; PENDING when a failed send waits for its retry, FAILED when it gave up; or, not
    claimed, the status it has."""
    now = now or timezone.now()
    config = config or CrisisSettings.load()
    if not claim(delivery_id, now=now, lease=dt.timedelta(seconds=config.lease_seconds)):
        return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() \
            or ""
    delivery = Delivery.objects.select_related("broadcast__reminder_of", "person",
                                               "endpoint").get(pk=delivery_id)
    try:
        with translation.override(recipient_language(delivery.person)):
            message = message_of(delivery, config)
            if delivery.channel == Delivery.Channel.EMAIL:
                _send_email(delivery, message, connection)
            else:
                _send_webhook(delivery, message, opener or netguard.urlopen)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return _mark_failed(delivery, f"{type(exc).__name__}: {exc}", now, config)
    _mark_sent(delivery, now)
    return Delivery.Status.SENT


def due_ids(*, broadcast_id: int | None = None, now: dt.datetime | None = None,
            limit: int = 10_000) -> list[int]:
    qs = Delivery.objects.filter(_due(now or timezone.now()))
    if broadcast_id is not None:
        qs = qs.filter(broadcast_id=broadcast_id)
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


def deliver_due(*, broadcast_id: int | None = None, now: dt.datetime | None = None,
                opener: Opener | None = None) -> dict[str, int]:
    """Send every delivery that is due (of one broadcast, or all), over one SMTP connection.
    Safe to run in several workers at once and again after a crash."""
    counts: dict[str, int] = {}
    ids = due_ids(broadcast_id=broadcast_id, now=now)
    if not ids:
        return counts
    config = CrisisSettings.load()  # read once for the whole run
    connection = get_connection(timeout=max(5, config.lease_seconds // 2))
    try:
        try:
            connection.open()
        except OSError:
            pass  # each send below fails on its own, and is retried on its own schedule
        for pk in ids:
            status = deliver(pk, now=now, connection=connection, opener=opener, config=config)
            counts[status] = counts.get(status, 0) + 1
            if status in (Delivery.Status.FAILED, Delivery.Status.PENDING):
                connection.close()  # a send failed: the next opens a fresh connection
    finally:
        connection.close()
    return counts
