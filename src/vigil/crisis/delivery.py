"""Sending the Delivery rows that crisis.services wrote: e-mail over SMTP, and webhooks (an
HTTP POST signed with HMAC-SHA256) for SMS gateways and chat bridges.

No message is lost, and each is sent once in the normal run; a worker that dies mid-send can
cause one resend, which carries the same keys:

1. The row exists before anything is sent (services.broadcast_send, in the broadcast's
   transaction).
2. A broadcast is sent in *chunks* (CHUNK rows) that every worker shares: tasks.deliver_
   broadcast queues one chunk task per CHUNK due rows, and each chunk *claims* the next due
   rows in one short transaction (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL; on
   SQLite the transaction takes the write lock at BEGIN, so claims queue): status SENDING,
   a lease (lease_until) and the chunk's own token (claim). Due means PENDING and its time
   come, or SENDING with its lease run out. Two chunks cannot claim one row.
3. The chunk sends its rows in order over one SMTP connection, and marks each row SENT in its
   own short transaction right after the server's 250 (only if the chunk still holds it).
   While it works it renews its lease every third of it, so the lease can be short (20 s by
   default): the rows of a chunk whose worker died are due again within the lease, and the
   sweep (tasks.deliver_due, every 30 s) sends them.
4. A failed send goes back to PENDING with the next attempt after an exponentially growing
   delay (retry_base_seconds * 2^(attempts-1)); after max_attempts it is FAILED. After
   FAILING_IN_A_ROW failures in a row a chunk stops and gives its other rows back.

The one window no sender can close alone is a death after the server accepted a message and
before SENT was committed (a millisecond or so, with the mark right after the 250). A dead
chunk's rows are sent in order and each marked at once, so only its first row still SENDING
can have reached the server: when that row is claimed again it is counted as a resend (the
delivery's ``resends``, shown with the broadcast's figures, audited and logged). Every copy
carries the delivery's key, as the e-mail's Message-ID and Idempotency-Key headers and the
webhook's Idempotency-Key header, so that the receiving side can drop the second copy.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import math
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit, netguard
from vigil.core.i18n import Msg, Text, language_or_default, render
from vigil.core.selectors import languages_of
from vigil.crisis import checkin
from vigil.crisis.headcount import status_write
from vigil.crisis.models import AccountStatus, Broadcast, CrisisSettings, Delivery
from vigil.crisis.rules import gave_up, retry_wait
from vigil.crisis.selectors import households
from vigil.people.models import Person

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 15
# Rows one chunk claims and sends over one SMTP connection: a broadcast to 10,000 people is 40
# chunks that every worker takes from the queue.
CHUNK = 250
# Households marked contacted every FLUSH sends of a chunk, or every FLUSH_SECONDS.
FLUSH = 125
FLUSH_SECONDS = 1.0
# Failures in a row after which a chunk stops and gives its other rows back.
FAILING_IN_A_ROW = 3
# Chunks of taken-over rows and retries the sweep sends itself each time.
SWEEP_CHUNKS = 4
# The clock a chunk renews its lease by (a test's stand-in moves it on).
clock = time.monotonic


class Response(Protocol):
    status: int


# What opens a webhook's request: netguard.urlopen (public addresses only), or a test's stand-in.
Opener = Callable[..., AbstractContextManager[Response]]


def _due(now: dt.datetime) -> Q:
    pending = Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True)
                                                  | Q(next_attempt_at__lte=now))
    stale = Q(status=Delivery.Status.SENDING, lease_until__lt=now)
    return pending | stale


@dataclass
class Claimed:
    """The rows one chunk holds: its token, the ids in the order they are sent, and those
    sent again after a dead worker's send (resends)."""

    token: uuid.UUID
    ids: list[int]
    resent: list[int] = field(default_factory=list)


def claim_chunk(*, now: dt.datetime, lease: dt.timedelta, limit: int = 0,
                broadcast_id: int | None = None, ids: Sequence[int] | None = None,
                among: Q | None = None) -> Claimed:
    """Take up to ``limit`` (CHUNK) due rows, of one broadcast or any, lowest ids first, in one
    short transaction committed at once. Rows another chunk holds are skipped, never waited
    for: on PostgreSQL they are locked (FOR UPDATE SKIP LOCKED) and the UPDATE checks again
    that each is due; on SQLite the transaction holds the database's write lock from BEGIN
    (transaction_mode IMMEDIATE), so two claims run one after the other."""
    token = uuid.uuid4()
    rows = Delivery.objects.filter(_due(now))
    if among is not None:
        rows = rows.filter(among)
    if broadcast_id is not None:
        rows = rows.filter(broadcast_id=broadcast_id)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    rows = rows.order_by("pk")
    with transaction.atomic():
        if db_connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        found = list(rows.values_list("pk", "status", "claim")[:limit or CHUNK])
        if not found:
            return Claimed(token, [])
        taken = [pk for pk, _status, _claim in found]
        Delivery.objects.filter(_due(now), pk__in=taken).update(
            status=Delivery.Status.SENDING, lease_until=now + lease, claim=token,
            attempts=F("attempts") + 1)
        doubt = _in_doubt(found)
        if doubt:
            Delivery.objects.filter(pk__in=list(doubt)).update(resends=F("resends") + 1)
    claimed = Claimed(token, taken, sorted(doubt))
    for pk, dead in doubt.items():
        _record_resend(pk, dead)
    return claimed


def _in_doubt(found: list[tuple[int, str, uuid.UUID | None]]) -> dict[int, uuid.UUID | None]:
    """Of the rows taken over from dead chunks (SENDING, lease run out), those whose first copy
    may have reached the server, with the dead chunk's token: the first row of each dead chunk
    still SENDING. (A chunk sends its rows in id order and marks each sent, or back to waiting,
    as soon as it knows; so its other rows still SENDING were never handed to the server.)"""
    first: dict[uuid.UUID | None, int] = {}
    for pk, status, token in found:
        if status == Delivery.Status.SENDING:
            first.setdefault(token, pk)
    return {pk: token for token, pk in first.items() if not Delivery.objects.filter(
        claim=token, status=Delivery.Status.SENDING, pk__lt=pk).exists()}


def _record_resend(pk: int, dead: uuid.UUID | None) -> None:
    """A resend: a warning in the log and an audit event on the delivery."""
    row = Delivery.objects.select_related("broadcast").get(pk=pk)
    log.warning("Delivery %s (%s, %s) is sent again: the worker sending it died, and the "
                "server may have accepted the first copy; both carry the same Message-ID and "
                "Idempotency-Key.", row.pk, row.broadcast.reference, row.key)
    audit.record(actor=None, action="crisis.delivery.resend", obj=row,
                 changes={"resends": [row.resends - 1, row.resends],
                          "key": [None, str(row.key)], "dead_claim": [str(dead), None]})


def claim(delivery_id: int, *, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Take one row for sending; False if another worker has it or it needs nothing."""
    return bool(claim_chunk(now=now, lease=lease, ids=[delivery_id], limit=1).ids)


@functools.cache
def _mark_sent_sql(vendor: str) -> str:
    del vendor  # the database's kind: the key of the cache
    quote = db_connection.ops.quote_name
    column = {f.name: quote(str(f.column)) for f in Delivery._meta.concrete_fields}
    # Only the model's own table and column names, quoted, are put in the text.
    return (f"UPDATE {quote(Delivery._meta.db_table)} SET {column['status']} = %s, "  # noqa: S608
            f"{column['sent_at']} = %s, {column['last_error']} = %s "
            f"WHERE {column['id']} = %s AND {column['status']} = %s AND {column['claim']} = %s")


def _mark_sent(delivery: Delivery, token: uuid.UUID, now: dt.datetime) -> bool:
    """SENT, in one statement (its own transaction), only if the chunk still holds the row.
    The lease stays until its household is marked contacted (households_contacted): a SENT
    row with a lease run out is one whose chunk died between the two, and the sweep finishes
    it."""
    # The statement of Delivery.objects.filter(pk=..., status=SENDING, claim=token).update(
    # status=SENT, sent_at=now, last_error=""), written once: one runs after each message,
    # and compiling it through the ORM cost a third of the time the database took to run it.
    sent_at = Delivery._meta.get_field("sent_at").get_db_prep_value(now, db_connection)
    claim = Delivery._meta.get_field("claim").get_db_prep_value(token, db_connection)
    with db_connection.cursor() as cursor:
        cursor.execute(_mark_sent_sql(db_connection.vendor), [
            Delivery.Status.SENT.value, sent_at, "", delivery.pk, Delivery.Status.SENDING.value,
            claim])
        done: int = cursor.rowcount
    if done:
        delivery.status, delivery.sent_at = Delivery.Status.SENT, now
    return done == 1


def households_contacted(sent: Sequence[Delivery], *, at: dt.datetime | None = None) -> int:
    """The households reached by ``sent`` (SENT deliveries): their headcount entries still
    unknown become contacted (as of the last sent_at, or ``at``), with one audit event
    per crisis naming them, and the deliveries' leases end; all in one transaction. Returns
    how many entries changed. Idempotent: an entry already contacted is left alone."""
    if not sent:
        return 0
    by_crisis: dict[int, list[Delivery]] = defaultdict(list)
    for row in sent:
        if row.broadcast.crisis_id is not None and row.entry_id is not None:
            by_crisis[row.broadcast.crisis_id].append(row)
    changed = 0
    with transaction.atomic():
        for crisis_id, rows in by_crisis.items():
            # As of the last of these sends: every one of them had gone out by then.
            when = at or max((r.sent_at for r in rows if r.sent_at), default=timezone.now())
            # Only what status_write reads (the version it compares and sets).
            unknown = list(households(crisis_id=crisis_id, people={r.person_id for r in rows})
                           .filter(status=AccountStatus.UNKNOWN).order_by("pk")
                           .only("pk", "version").select_for_update())
            if not unknown:
                continue
            status_write(unknown, AccountStatus.CONTACTED, at=when)
            audit.record(actor=None, action="crisis.entry.contacted", obj=rows[0].broadcast,
                         changes={"status": [AccountStatus.UNKNOWN, AccountStatus.CONTACTED],
                                  "entries": [e.pk for e in unknown],
                                  "deliveries": [str(r.key) for r in rows]})
            changed += len(unknown)
        Delivery.objects.filter(pk__in=[r.pk for r in sent],
                                status=Delivery.Status.SENT).update(lease_until=None)
    return changed


def finish_orphans(*, now: dt.datetime) -> int:
    """SENT rows whose chunk died before marking their households contacted (lease run out):
    mark them now. Returns how many rows."""
    rows = list(Delivery.objects.filter(status=Delivery.Status.SENT, lease_until__lt=now)
                .select_related("broadcast").order_by("pk")[:CHUNK * 20])
    households_contacted(rows)
    return len(rows)


def _mark_failed(delivery: Delivery, error: str, now: dt.datetime,
                 config: CrisisSettings, token: uuid.UUID | None = None) -> str:
    """Back to PENDING for a retry after its wait, or FAILED once the attempts are spent.
    Returns the status given."""
    if gave_up(delivery.attempts, config.max_attempts):
        status, next_attempt = Delivery.Status.FAILED, None
    else:
        wait = retry_wait(delivery.attempts, config.retry_base_seconds)
        status, next_attempt = Delivery.Status.PENDING, now + dt.timedelta(seconds=wait)
    held = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING)
    if token is not None:
        held = held.filter(claim=token)
    held.update(lease_until=None, last_error=error[:500], status=status,
                next_attempt_at=next_attempt)
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


def _with_link(delivery: Delivery) -> bool:
    return bool(delivery.broadcast.with_checkin and (delivery.entry_id or delivery.checkin_id))


def message_of(delivery: Delivery, config: CrisisSettings) -> Message:
    """The subject and text of one delivery, with its personal check-in link, in the active
    language (deliver() makes it the recipient's)."""
    url = checkin.link(delivery) if _with_link(delivery) else None
    return _message(delivery.broadcast, config, url)


def _message(broadcast: Broadcast, config: CrisisSettings, url: str | None) -> Message:
    """What message_of says, given the check-in link (None: none)."""
    subject, body = _texts(broadcast, config)
    lines = [render(body)]
    if url:
        lines += ["", _("Tell us how you are — one tap, no sign-in needed:"), url,
                  _("This link is yours alone and works for %(hours)s hours.") % {
                      "hours": config.link_hours}]
    lines += ["", f"{broadcast.reference} · Vigil"]
    return Message(render(subject)[:200], "\n".join(lines), url)


# --- E-mails composed from a template (a chunk's SMTP connection) -------------------------------
#
# Django's EmailMessage builds each message through the email package: about a millisecond of
# CPU a message, more than the rest of its cost. A broadcast's messages in one language differ
# only in their recipient, key, date and check-in link, so a chunk's SMTP connection
# (ComposingBackend) builds each distinct text once through EmailMessage, with stand-ins for
# these four, and composes each message by putting the real values in the stand-ins' places.
# The bytes sent are those EmailMessage gives (test_composed_mail compares them). What could
# make them differ goes Django's way instead: an address not of the simplest ASCII form
# (Django would re-encode or fold it), a text not sent as 7bit or 8bit (a line over 998 bytes
# makes Django quote the body), a stand-in's text met in the message, a link not found exactly
# once or longer than a line allows.

_KEY = "5eed5eed-5eed-4eed-8eed-5eed5eed5eed"
_TO = "to.stand-in@vigil.invalid"
_URL = "https://checkin.stand-in.invalid/"
_DATE = "Thu, 01 Jan 1970 00:00:00 -0000"
_STAND_INS = re.compile(b"(" + b"|".join(re.escape(s.encode()) for s in (_KEY, _TO, _URL, _DATE))
                        + b")")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_PLAIN_LINK = re.compile(r"[!-~]+")  # printable ASCII, no space
_ADDRESS_MAX = 70  # "To: " and the address stay within a header line's 78 characters
_LINK_MAX = 900  # well within the 998 bytes of a line that make Django quote the body


def _email_headers(key: str) -> dict[str, str]:
    return {"Message-ID": f"<{key}@vigil>", "Idempotency-Key": key, "X-Vigil-Delivery": key}


def _send_email(delivery: Delivery, message: Message,
                connection: BaseEmailBackend | None) -> None:
    if isinstance(connection, ComposingBackend) and connection.send_delivery(delivery, message):
        return
    EmailMessage(message.subject, message.text, to=[delivery.address], connection=connection,
                 headers=_email_headers(str(delivery.key))).send()


@dataclass(frozen=True)
class _Template:
    sender: str
    parts: list[bytes]  # the bytes between stand-ins at even places, the stand-ins at odd ones


class ComposingBackend(SMTPBackend):
    """Django's SMTP backend, that also sends a delivery's e-mail composed from a template
    (see above). A chunk opens one when Django's SMTP backend is the one configured."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.templates: dict[tuple[str, str, bool], _Template | None] = {}

    def send_delivery(self, delivery: Delivery, message: Message) -> bool:
        """Send the delivery's e-mail composed; False, nothing sent, when it goes Django's
        way. A refusal raises, as Django's backend does (smtplib's errors are OSErrors)."""
        composed = self.compose(delivery, message)
        if composed is None:
            return False
        sender, data = composed
        if self.connection is None:  # closed after a failure: opened again, as Django does
            self.open()
        if self.connection is None:
            raise OSError("No SMTP connection.")
        self.connection.sendmail(sender, [delivery.address], data)
        return True

    def compose(self, delivery: Delivery, message: Message) -> tuple[str, bytes] | None:
        """The envelope's sender and the message's bytes, as Django's backend would send
        them, but for the date; None when the message goes Django's way."""
        address = delivery.address
        if len(address) > _ADDRESS_MAX or not _PLAIN_ADDRESS.fullmatch(address):
            return None
        url, text = message.checkin_url or "", message.text
        if url:
            if len(url) > _LINK_MAX or not _PLAIN_LINK.fullmatch(url) or text.count(url) != 1:
                return None
            text = text.replace(url, _URL)
        which = (message.subject, text, bool(url))
        if which not in self.templates:
            self.templates[which] = _template(*which)
        template = self.templates[which]
        if template is None:
            return None
        values = {_KEY.encode(): str(delivery.key).encode(), _TO.encode(): address.encode(),
                  _URL.encode(): url.encode(),
                  _DATE.encode(): formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode()}
        parts = template.parts
        data = b"".join([parts[i] if i % 2 == 0 else values[parts[i]]
                         for i in range(len(parts))])
        return template.sender, data


def _template(subject: str, text: str, with_link: bool) -> _Template | None:
    """The message with stand-ins, as Django's SMTP backend sends it; None when composing
    from it could differ from what Django would send."""
    email = EmailMessage(subject, text, to=[_TO], headers={"Date": _DATE, **_email_headers(_KEY)})
    # Django's SafeMIMEText.as_bytes takes the line ends (as its SMTP backend sends them).
    data = email.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    expected = {_KEY: 3, _TO: 1, _URL: 1 if with_link else 0, _DATE: 1}
    if not (b"content-transfer-encoding: 7bit" in head
            or b"content-transfer-encoding: 8bit" in head) or any(
            data.count(s.encode()) != n for s, n in expected.items()):
        return None
    return _Template(sanitize_address(email.from_email, email.encoding or settings.DEFAULT_CHARSET),
                     _STAND_INS.split(data))


def _chunk_connection(timeout: int) -> BaseEmailBackend:
    """A chunk's own e-mail connection: a ComposingBackend when Django's SMTP backend is the
    one configured, else the configured backend."""
    if import_string(settings.EMAIL_BACKEND) is SMTPBackend:
        return ComposingBackend(timeout=timeout)
    return get_connection(timeout=timeout)


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


def _lease(config: CrisisSettings) -> dt.timedelta:
    return dt.timedelta(seconds=config.lease_seconds)


def _languages(people: Iterable[Person]) -> dict[int, str]:
    """Person id -> the language of their messages (recipient_language), in one query."""
    people = list(people)
    chosen = languages_of({p.user_id for p in people if p.user_id is not None})
    return {p.pk: chosen[p.user_id] if p.user_id in chosen else language_or_default(p.language)
            for p in people}


def _send_one(row: Delivery, token: uuid.UUID, at: dt.datetime, language: str,
              config: CrisisSettings, connection: BaseEmailBackend | None,
              opener: Opener | None) -> str:
    try:
        with translation.override(language):
            message = message_of(row, config)
            if row.channel == Delivery.Channel.EMAIL:
                _send_email(row, message, connection)
            else:
                _send_webhook(row, message, opener or netguard.urlopen)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return _mark_failed(row, f"{type(exc).__name__}: {exc}", at, config, token)
    _mark_sent(row, token, at)  # at once: the server's 250 is in
    return Delivery.Status.SENT


def send_chunk(claimed: Claimed, *, config: CrisisSettings, now: dt.datetime | None = None,
               connection: BaseEmailBackend | None = None,
               opener: Opener | None = None) -> dict[str, int]:
    """Send the rows of a claimed chunk in id order, over one SMTP connection, each marked
    SENT or failed as soon as known; renew the chunk's lease every third of it; mark the
    households contacted every FLUSH sends. After FAILING_IN_A_ROW failures in a row (the
    server is down) give the rest back, to be retried after the first retry delay. Returns
    the count of each status given. ``now``: the stamp of every send (else the clock's)."""
    counts: Counter[str] = Counter()
    rows = list(Delivery.objects.filter(pk__in=claimed.ids, claim=claimed.token,
                                        status=Delivery.Status.SENDING)
                .select_related("broadcast__reminder_of", "person", "endpoint").order_by("pk"))
    if not rows:
        return {}
    languages = _languages({r.person_id: r.person for r in rows}.values())
    lease = config.lease_seconds
    started = renewed = flushed = clock()
    base = now or timezone.now()
    own = connection is None and any(r.channel == Delivery.Channel.EMAIL for r in rows)
    if own:
        connection = _chunk_connection(timeout=max(2, lease // 2))
        try:
            connection.open()
        except OSError:
            pass  # each send below fails on its own, and is retried on its own schedule
    done: list[Delivery] = []
    failing = 0
    _quick_commits(True)
    try:
        for i, row in enumerate(rows):
            moment = clock()
            if moment - renewed >= lease / 3:
                Delivery.objects.filter(claim=claimed.token, lease_until__isnull=False).update(
                    lease_until=base + dt.timedelta(seconds=moment - started + lease))
                renewed = moment
            status = _send_one(row, claimed.token, now or timezone.now(),
                               languages[row.person_id], config, connection, opener)
            counts[status] += 1
            if status == Delivery.Status.SENT:
                done.append(row)
                failing = 0
            else:
                failing += 1
                if connection is not None:
                    connection.close()  # the next send opens a fresh connection
                if failing >= FAILING_IN_A_ROW:
                    _give_back(rows[i + 1:], claimed.token, now or timezone.now(), config)
                    break
            if len(done) >= FLUSH or (done and clock() - flushed >= FLUSH_SECONDS):
                households_contacted(done)
                done, flushed = [], clock()
        households_contacted(done)
    finally:
        _quick_commits(False)
        if own and connection is not None:
            connection.close()
    return dict(counts)


def _quick_commits(on: bool) -> None:
    """On PostgreSQL, while a chunk sends: its commits (each SENT mark, each households
    flush) do not wait for the write-ahead log to reach the disk (synchronous_commit off; one
    fsync per message would cost more than the message itself). A worker that dies loses
    nothing committed; only a crash of the database server itself can lose the marks of its
    last moments (three times wal_writer_delay, 0.6 s by default), whose messages are then
    sent again after their lease, with the same keys."""
    if db_connection.vendor != "postgresql":
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")


def _give_back(rows: Sequence[Delivery], token: uuid.UUID, now: dt.datetime,
               config: CrisisSettings) -> None:
    """Rows of a chunk not tried: waiting again, retried after the first delay, their claim
    not counted as an attempt."""
    Delivery.objects.filter(pk__in=[r.pk for r in rows], claim=token,
                            status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, lease_until=None, attempts=F("attempts") - 1,
        next_attempt_at=now + dt.timedelta(seconds=config.retry_base_seconds))


def deliver(delivery_id: int, *, now: dt.datetime | None = None,
            connection: BaseEmailBackend | None = None, opener: Opener | None = None,
            config: CrisisSettings | None = None) -> str:
    """Claim, send and mark one delivery, stamped ``now``. Returns its status afterwards:
    SENT; PENDING when a failed send waits for its retry, FAILED when it gave up; or, not
    claimed, the status it has."""
    now = now or timezone.now()
    config = config or CrisisSettings.load()
    claimed = claim_chunk(now=now, lease=_lease(config), ids=[delivery_id], limit=1)
    if not claimed.ids:
        return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() \
            or ""
    counts = send_chunk(claimed, config=config, now=now, connection=connection, opener=opener)
    return next(iter(counts), "")


def deliver_chunk(*, broadcast_id: int | None = None, now: dt.datetime | None = None,
                  among: Q | None = None, opener: Opener | None = None,
                  config: CrisisSettings | None = None) -> dict[str, int]:
    """One chunk: claim the next CHUNK due rows (of one broadcast, or any) and send them."""
    config = config or CrisisSettings.load()
    claimed = claim_chunk(now=now or timezone.now(), lease=_lease(config),
                          broadcast_id=broadcast_id, among=among)
    if not claimed.ids:
        return {}
    return send_chunk(claimed, config=config, now=now, opener=opener)


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for status, n in more.items():
        counts[status] = counts.get(status, 0) + n


def chunks_due(broadcast_id: int, *, now: dt.datetime | None = None) -> int:
    """How many chunks the broadcast's due rows make."""
    due = Delivery.objects.filter(_due(now or timezone.now()), broadcast_id=broadcast_id).count()
    return math.ceil(due / CHUNK)


def due_ids(*, broadcast_id: int | None = None, now: dt.datetime | None = None,
            limit: int = 10_000) -> list[int]:
    qs = Delivery.objects.filter(_due(now or timezone.now()))
    if broadcast_id is not None:
        qs = qs.filter(broadcast_id=broadcast_id)
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


def deliver_due(*, broadcast_id: int | None = None, now: dt.datetime | None = None,
                opener: Opener | None = None, queue: Callable[[int], Any] | None = None
                ) -> dict[str, int]:
    """Send every delivery that is due (of one broadcast, or all), in this process, chunk
    after chunk. Safe to run in several workers at once and again after a crash. For all
    broadcasts, with a broker and a ``queue`` to put chunk tasks on (tasks.deliver_due
    gives it): the sweep (sweep()), which spreads a large backlog over the workers instead."""
    if (broadcast_id is None and now is None and queue is not None
            and not settings.CELERY_TASK_ALWAYS_EAGER):
        return sweep(queue=queue, opener=opener)
    config = CrisisSettings.load()  # read once for the whole run
    counts: dict[str, int] = {}
    finish_orphans(now=now or timezone.now())
    while True:
        done = deliver_chunk(broadcast_id=broadcast_id, now=now, opener=opener, config=config)
        if not done:
            return counts
        _add(counts, done)


def sweep(*, queue: Callable[[int], Any], opener: Opener | None = None,
          chunks: int = SWEEP_CHUNKS) -> dict[str, int]:
    """The periodic sweep, with a broker. In this process: the households of SENT rows whose
    chunk died before marking them, then up to ``chunks`` chunks of rows whose chunk died
    (SENDING, lease run out) and of retries whose time has come. Then, for each broadcast
    that no chunk is working on (no lease running) and that has rows never tried (its chunk
    tasks were lost), one chunk task per CHUNK rows put on ``queue`` (a task's delay, given by
    the tasks module: delivery never imports it), for every worker to share.
    Returns the counts of statuses given, and "queued": the chunk tasks queued."""
    config = CrisisSettings.load()
    counts: dict[str, int] = {}
    finish_orphans(now=timezone.now())
    for _round in range(chunks):
        now = timezone.now()
        taken_over = Q(status=Delivery.Status.SENDING, lease_until__lt=now) | Q(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        done = deliver_chunk(among=taken_over, opener=opener, config=config)
        if not done:
            break
        _add(counts, done)
    now = timezone.now()
    live = Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__gte=now)
    idle = (Delivery.objects.filter(status=Delivery.Status.PENDING,
                                    next_attempt_at__isnull=True)
            .exclude(broadcast_id__in=live.values("broadcast_id"))
            .values_list("broadcast_id").annotate(n=Count("pk")).order_by("broadcast_id"))
    queued = 0
    for broadcast_id, n in idle:
        for _chunk in range(math.ceil(n / CHUNK)):
            queue(broadcast_id)
            queued += 1
    if queued:
        counts["queued"] = queued
    return counts
