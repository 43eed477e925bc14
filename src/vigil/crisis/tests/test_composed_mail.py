"""A chunk's SMTP connection composes each e-mail from a template (delivery.ComposingBackend):
the bytes it hands the server are those Django's EmailMessage gives, in every language, with
or without a check-in link; a message whose bytes could differ goes Django's way; and the
SENT mark written after each message is the ORM's, held rows only."""

# ruff: noqa: RUF001 - Chinese is written with full-width colons and commas

from __future__ import annotations

import datetime as dt
import uuid
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils import timezone, translation

from vigil.crisis import delivery, services, tasks
from vigil.crisis.models import CrisisSettings, Delivery
from vigil.crisis.tests.test_delivery import more_staff

DATE = "Mon, 07 Dec 2026 08:00:00 -0000"


class Recorder:
    """An SMTP connection that keeps what it is handed."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str], bytes]] = []

    def sendmail(self, sender: str, to: list[str], data: bytes) -> dict[str, Any]:
        self.sent.append((sender, list(to), data))
        return {}

    def quit(self) -> None:
        pass


@pytest.fixture
def fixed_date(monkeypatch):
    """Both ways stamp the same Date header."""
    monkeypatch.setattr("django.core.mail.message.formatdate", lambda **kwargs: DATE)
    monkeypatch.setattr(delivery, "formatdate", lambda **kwargs: DATE)


def both_ways(row: Delivery, language: str) -> tuple[Any, Any, delivery.ComposingBackend]:
    """What Django's SMTP backend hands the server for the row's message, what the composing
    backend hands it, and the composing backend."""
    config = CrisisSettings.load()
    django_way, composing = SMTPBackend(), delivery.ComposingBackend()
    django_way.connection, composing.connection = Recorder(), Recorder()
    with translation.override(language):
        message = delivery.message_of(row, config)
        delivery._send_email(row, message, django_way)
        delivery._send_email(row, message, composing)
    return django_way.connection.sent, composing.connection.sent, composing


def written(nairobi_crisis, officer, monkeypatch, **extra) -> list[Delivery]:
    with monkeypatch.context() as held:
        held.setattr(tasks.deliver_broadcast, "delay", lambda broadcast_id: None)
        sent = services.broadcast_send(actor=officer, crisis=nairobi_crisis, **{
            "subject": "Évacuation : restez à l’abri", "body": "Restez où vous êtes — "
            "suivez les consignes.\n\nSecond paragraphe, ligne 2.", **extra})
    return list(sent.deliveries.select_related("broadcast__reminder_of", "person")
                .order_by("pk"))


@pytest.mark.parametrize("language", ["en", "fr", "zh-hans", "ar", "ru"])
def test_a_composed_message_is_byte_for_byte_what_django_sends(
        cast, officer, nairobi_crisis, monkeypatch, fixed_date, language):
    rows = written(nairobi_crisis, officer, monkeypatch)
    assert len(rows) == 3
    for row in rows:
        django_sent, composed, backend = both_ways(row, language)
        assert len(composed) == 1
        assert [t for t in backend.templates.values() if t is not None]  # composed, not Django's
        assert composed == django_sent
        assert f"Message-ID: <{row.key}@vigil>".encode() in composed[0][2]


def test_without_a_check_in_link_and_for_a_reminder_too(
        cast, officer, nairobi_crisis, monkeypatch, fixed_date):
    plain = written(nairobi_crisis, officer, monkeypatch, with_checkin=False)
    first = plain[0].broadcast
    reminder = written(nairobi_crisis, officer, monkeypatch, kind="reminder", reminder_of=first)
    for row in [*plain, *reminder]:
        django_sent, composed, backend = both_ways(row, "fr")
        assert [t for t in backend.templates.values() if t is not None]
        assert composed == django_sent
        assert (b"/c/" in composed[0][2]) == (row in reminder)


@pytest.mark.parametrize("address", [
    "Amina@UN.Example",  # Django would give the domain as typed: the simplest form only
    "amina@ün.example",  # Django encodes a non-ASCII domain
    "a" * 60 + "@un.example.org",  # folded by Django past a header line's length
])
def test_an_address_not_of_the_simplest_form_goes_djangos_way(
        cast, officer, nairobi_crisis, monkeypatch, fixed_date, address):
    row = written(nairobi_crisis, officer, monkeypatch)[0]
    row.address = address
    backend = delivery.ComposingBackend()
    with translation.override("en"):
        message = delivery.message_of(row, CrisisSettings.load())
    assert backend.compose(row, message) is None
    django_sent, composed, _backend = both_ways(row, "en")
    assert composed == django_sent  # sent all the same, by EmailMessage


def test_a_text_django_would_quote_or_a_stand_in_in_the_text_goes_djangos_way(
        cast, officer, nairobi_crisis, monkeypatch, fixed_date):
    long_line = written(nairobi_crisis, officer, monkeypatch, body="x" * 1200)[0]
    stand_in = written(nairobi_crisis, officer, monkeypatch,
                       body=f"Quote {delivery._KEY} here.")[0]
    for row in (long_line, stand_in):
        django_sent, composed, backend = both_ways(row, "en")
        assert list(backend.templates.values()) == [None]
        assert composed == django_sent


def test_a_chunk_sends_composed_messages_over_smtp(
        cast, officer, nairobi_crisis, smtp, monkeypatch):
    more_staff(cast, 5)
    services.headcount_refresh(actor=officer, crisis=nairobi_crisis)
    rows = written(nairobi_crisis, officer, monkeypatch)
    composed = []
    real_compose = delivery.ComposingBackend.compose

    def watching(self, row, message):
        found = real_compose(self, row, message)
        composed.append(found is not None)
        return found

    monkeypatch.setattr(delivery.ComposingBackend, "compose", watching)
    counts = delivery.deliver_due(broadcast_id=rows[0].broadcast_id)
    assert counts == {Delivery.Status.SENT: len(rows)}
    assert composed == [True] * len(rows)
    by_address = {m["To"]: m for m in smtp.messages}
    assert len(by_address) == len(rows) == len(smtp.messages)
    for row in rows:
        message = by_address[row.address]
        assert message["Message-ID"] == f"<{row.key}@vigil>"
        assert message["Idempotency-Key"] == str(row.key)
        assert str(make_header(decode_header(message["Subject"]))) == \
            "Évacuation : restez à l’abri"
        body = message.get_payload(decode=True).decode()
        assert body.startswith("Restez où vous êtes")
        row.refresh_from_db()
        assert row.status == Delivery.Status.SENT
        assert row.sent_at is not None


def test_the_sent_mark_touches_only_a_row_the_chunk_holds(cast, officer, nairobi_crisis,
                                                         monkeypatch):
    row = written(nairobi_crisis, officer, monkeypatch)[0]
    now = timezone.now()
    claimed = delivery.claim_chunk(now=now, lease=dt.timedelta(seconds=60), ids=[row.pk])
    assert claimed.ids == [row.pk]
    assert not delivery._mark_sent(row, uuid.uuid4(), now)  # another chunk's token
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENDING
    assert row.sent_at is None
    assert delivery._mark_sent(row, claimed.token, now)
    row.refresh_from_db()
    assert (row.status, row.sent_at, row.last_error) == (Delivery.Status.SENT, now, "")
    assert not delivery._mark_sent(row, claimed.token, now)  # no longer SENDING


def test_a_chunk_opens_a_composing_connection_only_for_djangos_smtp_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert isinstance(delivery._chunk_connection(timeout=5), delivery.ComposingBackend)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert not isinstance(delivery._chunk_connection(timeout=5), delivery.ComposingBackend)
