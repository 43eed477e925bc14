"""Crisis messages in each recipient's language: what Vigil writes (the check-in framing, a
reminder's subject, a scheduled check-in, the team's notifications) is in the language of
the person's account, else of their staff record; what an officer typed goes out as typed."""

# ruff: noqa: RUF001 - Chinese is written with full-width colons and commas

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import Notification, UserPreference
from vigil.crisis import schedules, services
from vigil.crisis.tests.test_schedules import in_mogadishu  # noqa: F401 - a fixture

CHINESE_LINK = "请告诉我们您的情况——只需轻点一下，无需登录："
ENGLISH_LINK = "Tell us how you are — one tap, no sign-in needed:"


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def to(address: str):
    return next(m for m in mail.outbox if m.to == [address])


def test_a_broadcast_frames_each_message_in_the_recipients_language(
        cast, user_with, officer, nairobi_crisis, django_capture_on_commit_callbacks):
    cast.amina.language = "zh-hans"  # no account: her staff record speaks for her
    cast.amina.save()
    fatuma = user_with(Role.TRAVELLER, person=cast.fatuma)  # an account that chose Chinese
    UserPreference.objects.create(user=fatuma, language="zh-hans")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(actor=officer, crisis=nairobi_crisis, subject="Are you safe?",
                                body="Reply with the link.", remind_after=30)
    for address in ("amina@un.example", "fatuma@un.example"):
        message = to(address)
        assert message.subject == "Are you safe?"  # typed by the officer: as typed
        assert message.body.startswith("Reply with the link.")
        assert CHINESE_LINK in message.body
        assert "此链接仅供您本人使用" in message.body
    omar = to("omar@un.example")  # no account, no language on his record: English
    assert ENGLISH_LINK in omar.body
    assert CHINESE_LINK not in omar.body
    # Nobody answered: the reminder's own words are in each one's language too.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        schedules.reminders_due(now=timezone.now() + dt.timedelta(minutes=31))
    assert to("amina@un.example").subject == "提醒：Are you safe?"
    assert to("omar@un.example").subject == "Reminder: Are you safe?"


def test_the_crisis_team_is_told_in_each_members_language(
        cast, user_with, officer, django_capture_on_commit_callbacks):
    chinese = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    chinese.email = "do@un.example"
    chinese.save()
    UserPreference.objects.create(user=chinese, language="zh-hans")
    english = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    english.email = "so2@un.example"
    english.save()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.crisis_declare(actor=officer, data={
            "title": "Unrest in Nairobi", "description": "Roads closed.", "zone_kind": "circle",
            "center_latitude": -1.2864, "center_longitude": 36.8172, "radius_km": 25})
    assert Notification.objects.get(user=chinese).subject == "已宣布危机：Unrest in Nairobi"
    assert Notification.objects.get(user=english).subject == "Crisis declared: Unrest in Nairobi"
    assert to("do@un.example").subject == "已宣布危机：Unrest in Nairobi"
    assert to("do@un.example").body.startswith("Roads closed.")
    assert to("so2@un.example").subject == "Crisis declared: Unrest in Nairobi"


def test_a_scheduled_check_in_is_asked_in_the_travellers_language(
        cast, traveller, in_mogadishu, django_capture_on_commit_callbacks):  # noqa: F811
    UserPreference.objects.create(user=traveller, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.checkins_schedule(now=in_mogadishu) == 1
    message = to("amina@un.example")
    assert message.subject == "定时报平安：请确认您平安"
    assert "Please answer within" not in message.body
    assert CHINESE_LINK in message.body
