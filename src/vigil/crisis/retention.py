"""Retention of whereabouts from crises and check-ins (found by vigil.core.retention).

An open crisis holds every whereabouts from the start of its headcount window. Past the keeping
period (VIGIL_WHEREABOUTS_RETENTION_DAYS), a scheduled check-in loses the position and note its
traveller reported, and the headcount of a crisis closed that long ago loses the places and
positions it presumed or was told. Statuses, times and counts stay: the record of who was
accounted for."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q

from vigil.core import retention
from vigil.crisis.models import AccountEntry, AccountEvent, Crisis, ScheduledCheckIn


def open_crisis_since(now: dt.datetime) -> dt.datetime | None:
    start: dt.datetime | None = Crisis.objects.filter(status=Crisis.Status.ACTIVE).aggregate(
        start=Min("window_start"))["start"]
    return start


def whereabouts_apply(*, now: dt.datetime, dry_run: bool) -> dict[str, int]:
    cutoff = retention.whereabouts_cutoff(now)
    checkins = ScheduledCheckIn.objects.filter(due_at__lt=cutoff).filter(
        Q(reported_latitude__isnull=False) | ~Q(note=""))
    entries = AccountEntry.objects.filter(
        crisis__status=Crisis.Status.CLOSED, crisis__closed_at__lt=cutoff).filter(
        Q(latitude__isnull=False) | Q(reported_latitude__isnull=False) | ~Q(place="")
        | ~Q(note=""))
    events = AccountEvent.objects.filter(
        entry__crisis__status=Crisis.Status.CLOSED, entry__crisis__closed_at__lt=cutoff,
    ).exclude(note="")
    if dry_run:
        return {"checkin_positions": checkins.count(), "headcount_positions": entries.count(),
                "headcount_notes": events.count()}
    return {
        "headcount_notes": events.update(note=""),
        "checkin_positions": checkins.update(reported_latitude=None, reported_longitude=None,
                                             note=""),
        "headcount_positions": entries.update(latitude=None, longitude=None, place="",
                                              note="", reported_latitude=None,
                                              reported_longitude=None),
    }


retention.register("crisis", whereabouts_apply)
retention.register_hold("crisis", open_crisis_since)
