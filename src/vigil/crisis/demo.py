"""Demo crisis management: past crises in Kenya, closed, with their headcounts accounted
for (in this biennium and the previous one, some activated in time and some late, so that
SP2.1.b.ii has both and a direction of travel), and scheduled check-ins for
the travellers now in level-4 areas. No crisis is active: the demo's walk-through declares one
(docs/crisis.md), and `vigil demo_checkins` then answers check-ins as people would."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.crisis import headcount, schedules, services
from vigil.crisis.models import AccountStatus, Crisis
from vigil.incidents.models import Incident, IncidentCategory
from vigil.places.models import DutyStation

PAST = [
    # (days ago, hours from incident to activation, title, category, radius km, station)
    (200, 2.5, "Election demonstrations in central Nairobi", "civil-unrest", 8, "Nairobi"),
    (90, 9.0, "Flash floods in Mombasa", "hazard", 15, "Mombasa"),
    # The previous biennium: two in time, one late.
    (430, 3.0, "Bomb threat at a Nairobi shopping centre", "terrorism", 3, "Nairobi"),
    (560, 14.0, "Inter-communal clashes near Kisumu", "civil-unrest", 20, "Kisumu"),
    (650, 5.5, "Floods along the Tana river", "hazard", 25, "Mombasa"),
]


def load_crises(ctx: DemoContext) -> None:
    officer = get_user_model().objects.get(username="security.officer")
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    now = timezone.now()
    for days, delay, title, category, radius, name in PAST:
        station = DutyStation.objects.filter(name=name).select_related("country").first()
        if station is None:
            continue
        occurred = now - dt.timedelta(days=days)
        incident = Incident.objects.create(
            category=categories[category], title=title, occurred_at=occurred,
            time_zone=station.time_zone or "UTC", country=station.country,
            security_area=station.security_area, duty_station=station, place=station.name,
            latitude=station.latitude, longitude=station.longitude,
            verification=Incident.Verification.VERIFIED, reported_by=officer,
            source="Security return (demo)")
        activated = occurred + dt.timedelta(hours=delay)
        crisis = services.crisis_declare(
            actor=officer, incident=incident, now=activated,
            data={"title": title, "zone_kind": Crisis.ZoneKind.CIRCLE, "radius_km": radius,
                  "window_start": occurred, "window_end": occurred + dt.timedelta(hours=24),
                  "description": "Demo crisis."})
        for entry in crisis.entries.order_by("pk"):
            roll = ctx.rng.random()
            status = AccountStatus.SAFE if roll < 0.93 else AccountStatus.RELOCATED \
                if roll < 0.99 else AccountStatus.INJURED
            answered = roll < 0.8  # by the person, from their link; else by the officer
            headcount.status_write(
                [entry], status, by=None if answered else officer, via_checkin=answered,
                at=activated + dt.timedelta(hours=ctx.rng.uniform(0.2, 20)))
        services.crisis_close(actor=officer, crisis=crisis, version=crisis.version,
                              note="All personnel accounted for. Demo.")
        Crisis.objects.filter(pk=crisis.pk).update(closed_at=activated + dt.timedelta(days=3))
    ctx.counts["crises"] = Crisis.objects.count()
    ctx.counts["scheduled_checkins"] = schedules.checkins_schedule(now=now)


register_step(90, "crises", load_crises)
