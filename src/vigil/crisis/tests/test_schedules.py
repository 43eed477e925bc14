"""Work on a clock: reminders to those who have not answered, scheduled check-ins for
travellers in areas at level 4 and above, escalation of a missed check-in to the area's
security officer. Each is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.core.models import AuditEvent, Notification
from vigil.crisis import checkin, schedules, services
from vigil.crisis.models import (
    AccountStatus,
    Broadcast,
    CrisisSettings,
    Delivery,
    ScheduledCheckIn,
)
from vigil.travel import services as travel_services


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_non_responders_are_reminded_once_after_the_delay(
        cast, officer, nairobi_crisis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.broadcast_send(actor=officer, crisis=nairobi_crisis,
                                        subject="Are you safe?", body="Tell us.",
                                        remind_after=30)
    token = checkin.token(first.deliveries.get(person=cast.amina))
    checkin.answer(token, status=AccountStatus.SAFE)
    assert schedules.reminders_due(now=timezone.now() + dt.timedelta(minutes=29)) == 0
    later = timezone.now() + dt.timedelta(minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.reminders_due(now=later) == 1
    reminder = Broadcast.objects.get(kind=Broadcast.Kind.REMINDER)
    assert reminder.reminder_of == first
    assert reminder.subject == "Reminder: Are you safe?"
    # Amina answered; Omar and Fatuma did not.
    assert set(reminder.deliveries.values_list("person_id", flat=True)) == {
        cast.omar.pk, cast.fatuma.pk}
    assert schedules.reminders_due(now=later + dt.timedelta(hours=1)) == 0  # once only


def test_no_reminder_without_a_delay_or_when_everyone_answered(
        cast, officer, nairobi_crisis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(actor=officer, crisis=nairobi_crisis, subject="Info",
                                body="No answer needed.")
        asked = services.broadcast_send(actor=officer, crisis=nairobi_crisis, subject="Safe?",
                                        body="Tell us.", remind_after=10)
    for row in asked.deliveries.all():
        checkin.answer(checkin.token(row), status=AccountStatus.SAFE)
    assert schedules.reminders_due(now=timezone.now() + dt.timedelta(hours=2)) == 0
    assert not Broadcast.objects.filter(kind=Broadcast.Kind.REMINDER).exists()


@pytest.fixture
def in_mogadishu(cast, levels, trip, traveller, somalia_officer, no_lead_time):
    """Amina on a cleared trip to Mogadishu (level 5); returns a moment during her stay."""
    request = travel_services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "Assessment"},
        segments=trip.there_and_back(cast.mogadishu, days_ahead=10, nights=4), submit=True)
    clearance = request.clearances.get()
    travel_services.clearance_decide(actor=somalia_officer, clearance=clearance, approve=True,
                                     comment="")
    cast.amina.emails = ["amina@un.example"]
    cast.amina.save()
    return request.segments.first().arrives_at + dt.timedelta(hours=6)


def test_travellers_in_high_level_areas_are_asked_to_check_in(
        cast, in_mogadishu, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.checkins_schedule(now=in_mogadishu) == 1
    asked = ScheduledCheckIn.objects.get()
    assert asked.person == cast.amina
    assert asked.level == 5
    row = Delivery.objects.get(checkin=asked)
    assert row.status == Delivery.Status.SENT
    # Not again within the interval; again after it.
    assert schedules.checkins_schedule(now=in_mogadishu + dt.timedelta(hours=1)) == 0
    hours = CrisisSettings.load().checkin_hours
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.checkins_schedule(
            now=in_mogadishu + dt.timedelta(hours=hours, minutes=1)) == 1


def test_no_check_in_below_the_level_or_at_home(cast, in_mogadishu, levels):
    config = CrisisSettings.load()
    config.checkin_level = 6
    config.save()
    assert schedules.checkins_schedule(now=in_mogadishu) == 0
    config.checkin_level = 4
    config.save()
    assert schedules.checkins_schedule(now=timezone.now()) == 0  # nobody travelling now


def test_an_answered_check_in_is_not_escalated(cast, in_mogadishu, somalia_officer,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedules.checkins_schedule(now=in_mogadishu)
    row = Delivery.objects.get(checkin__isnull=False)
    checkin.answer(checkin.token(row), status=AccountStatus.SAFE)
    asked = ScheduledCheckIn.objects.get()
    assert asked.answer == AccountStatus.SAFE
    assert schedules.checkins_escalate(now=in_mogadishu + dt.timedelta(hours=5)) == 0


def test_a_missed_check_in_goes_to_the_area_officer_once(
        cast, in_mogadishu, somalia_officer, kenya_officer,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedules.checkins_schedule(now=in_mogadishu)
    grace = CrisisSettings.load().checkin_grace_minutes
    assert schedules.checkins_escalate(
        now=in_mogadishu + dt.timedelta(minutes=grace - 1)) == 0
    after = in_mogadishu + dt.timedelta(minutes=grace + 1)
    assert schedules.checkins_escalate(now=after) == 1
    assert schedules.checkins_escalate(now=after) == 0
    told = Notification.objects.filter(subject__startswith="Missed check-in")
    assert {n.user for n in told} == {somalia_officer}  # not the Kenya officer
    assert AuditEvent.objects.filter(action="crisis.checkin.escalate").count() == 1


def test_i_need_help_on_a_scheduled_check_in_alerts_the_officer(
        cast, in_mogadishu, somalia_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedules.checkins_schedule(now=in_mogadishu)
    row = Delivery.objects.get(checkin__isnull=False)
    checkin.answer(checkin.token(row), status=AccountStatus.NEEDS_HELP, note="Car broke down")
    assert Notification.objects.filter(user=somalia_officer,
                                       subject__contains="needs help").exists()


def test_the_clock_command_runs_every_periodic_job(cast, in_mogadishu, monkeypatch):
    ran = []
    for name in ("deliver_due", "reminders_due", "checkins_schedule", "checkins_escalate"):
        module = "delivery" if name == "deliver_due" else "schedules"
        target = __import__(f"vigil.crisis.{module}", fromlist=[name])
        monkeypatch.setattr(target, name, lambda *a, _n=name, **k: ran.append(_n) or 0)
    call_command("crisis_clock")
    assert set(ran) == {"deliver_due", "reminders_due", "checkins_schedule",
                        "checkins_escalate"}
