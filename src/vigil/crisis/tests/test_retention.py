"""Retention of whereabouts (`vigil retention`): trips' presences and lodgings, check-in
positions and closed crises' headcount positions past their period go; what an open crisis
needs and what is recent stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.core import retention
from vigil.core.authz import Role
from vigil.core.models import AuditEvent
from vigil.crisis.models import AccountEntry, AccountEvent, Crisis, ScheduledCheckIn
from vigil.travel.models import Presence, Segment, TravelRequest

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=800)
RECENT = NOW - dt.timedelta(days=30)


def a_trip(cast: Any, user: Any, person: Any, at: dt.datetime) -> TravelRequest:
    request = TravelRequest.objects.create(traveller=person, requested_by=user, purpose="Visit",
                                           status=TravelRequest.Status.CLEARED, starts_at=at,
                                           ends_at=at + dt.timedelta(days=2))
    segment = Segment.objects.create(
        request=request, position=1, origin_station=cast.nairobi, origin_name="Nairobi",
        origin_country=cast.kenya, origin_latitude=-1.29, origin_longitude=36.82,
        destination_station=cast.mombasa, destination_name="Mombasa",
        destination_country=cast.kenya, destination_latitude=-4.04, destination_longitude=39.67,
        departs_at=at, arrives_at=at + dt.timedelta(hours=1), lodging_name="Hotel",
        lodging_address="1 Beach Road", lodging_latitude=-4.05, lodging_longitude=39.66)
    Presence.objects.create(request=request, segment=segment, person=person, kind="stay",
                            cleared=True, starts_at=at, ends_at=at + dt.timedelta(days=2),
                            latitude=-4.05, longitude=39.66, cell=1, country=cast.kenya)
    return request


def a_crisis(cast: Any, user: Any, start: dt.datetime, *, closed: bool) -> Crisis:
    crisis = Crisis.objects.create(
        title="Flooding", country=cast.kenya, incident_at=start, activated_at=start,
        declared_by=user, zone_kind=Crisis.ZoneKind.CIRCLE, center_latitude=-1.29,
        center_longitude=36.82, radius_km=10, window_start=start,
        window_end=start + dt.timedelta(days=1),
        status=Crisis.Status.CLOSED if closed else Crisis.Status.ACTIVE,
        closed_at=start + dt.timedelta(days=3) if closed else None)
    entry = AccountEntry.objects.create(
        crisis=crisis, person=cast.amina, organization=cast.undp, duty_station=cast.nairobi,
        place="Residence, Gigiri", basis="residence", latitude=-1.23, longitude=36.8,
        note="At home", reported_latitude=-1.23, reported_longitude=36.8)
    AccountEvent.objects.create(entry=entry, at=start, status="safe", note="At home in Gigiri")
    return crisis


@pytest.fixture
def officer(user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR, username="root")


def test_old_whereabouts_go_and_recent_stay(cast, officer):
    old, recent = a_trip(cast, officer, cast.amina, OLD), a_trip(cast, officer, cast.omar, RECENT)
    ScheduledCheckIn.objects.create(person=cast.amina, security_area=cast.nbi_area, level=4,
                                    due_at=OLD, reported_latitude=-1.2, reported_longitude=36.8,
                                    note="Safe at the hotel")
    closed = a_crisis(cast, officer, OLD, closed=True)

    outcome = retention.retention_apply(now=NOW)

    assert outcome.counts["travel.presences"] == 1
    assert not Presence.objects.filter(request=old).exists()
    assert Presence.objects.filter(request=recent).exists()
    stripped = Segment.objects.get(request=old)
    assert (stripped.lodging_address, stripped.lodging_latitude) == ("", None)
    assert stripped.destination_name == "Mombasa"  # the trip itself stays
    assert Segment.objects.get(request=recent).lodging_address == "1 Beach Road"
    checkin = ScheduledCheckIn.objects.get()
    assert (checkin.reported_latitude, checkin.note) == (None, "")
    entry = AccountEntry.objects.get(crisis=closed)
    assert (entry.latitude, entry.reported_latitude, entry.place, entry.status) == (
        None, None, "", "unknown")
    assert AccountEvent.objects.get().note == ""
    event = AuditEvent.objects.get(action="core.retention.applied")
    assert event.changes["counts"]["crisis.checkin_positions"] == 1
    assert "Amina" not in str(event.changes)
    assert "Achieng" not in str(event.changes)


def test_an_open_crisis_holds_whereabouts_from_its_window(cast, officer):
    old = a_trip(cast, officer, cast.amina, OLD)
    a_crisis(cast, officer, OLD - dt.timedelta(days=1), closed=False)

    retention.retention_apply(now=NOW)

    assert Presence.objects.filter(request=old).exists()
    assert AccountEntry.objects.get().latitude is not None


def test_the_period_is_a_setting(cast, officer, settings):
    settings.VIGIL_WHEREABOUTS_RETENTION_DAYS = 10
    recent = a_trip(cast, officer, cast.omar, RECENT)
    retention.retention_apply(now=NOW)
    assert not Presence.objects.filter(request=recent).exists()


def test_a_dry_run_counts_and_changes_nothing(cast, officer, capsys):
    old = a_trip(cast, officer, cast.amina, OLD)
    call_command("retention", "--dry-run")
    assert "Would remove 1: travel.presences" in capsys.readouterr().out
    assert Presence.objects.filter(request=old).exists()
    assert not AuditEvent.objects.filter(action="core.retention.applied").exists()
    call_command("retention")
    assert not Presence.objects.filter(request=old).exists()


def test_the_daily_task_applies_the_periods_once_at_a_time(cast, officer, settings):
    """Celery beat runs `core-retention` daily; a second run while one holds the lock skips."""
    from vigil.core import tasks
    from vigil.core.tests.lock_holder import held_elsewhere

    assert settings.CELERY_BEAT_SCHEDULE["core-retention"]["task"] == \
        "vigil.core.tasks.apply_retention"
    old = a_trip(cast, officer, cast.amina, OLD)
    with held_elsewhere(tasks.RETENTION_LOCK):
        assert tasks.apply_retention() is None
    assert Presence.objects.filter(request=old).exists()
    counts = tasks.apply_retention()
    assert counts is not None
    assert counts["travel.presences"] == 1
    assert not Presence.objects.filter(request=old).exists()
    assert AuditEvent.objects.get(action="core.retention.applied").actor_id is None
