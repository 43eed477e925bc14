"""Work done on a clock: reminders to people who have not answered, scheduled check-ins for
travellers in high-level areas, and escalation of missed check-ins to the area's security
officer. Each function is idempotent: run twice at the same moment, it does the work once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, users_with_perm
from vigil.core.i18n import Msg, render
from vigil.core.services import notify
from vigil.crisis.delivery import CHECKIN_SUBJECT, checkin_request, reminder_subject
from vigil.crisis.models import Broadcast, Crisis, CrisisSettings, ScheduledCheckIn
from vigil.crisis.rules import NOT_ANSWERED
from vigil.crisis.services import broadcast_send
from vigil.people.models import Person
from vigil.places.models import SecurityArea
from vigil.risk.selectors import with_level
from vigil.travel import whereabouts


def reminders_due(*, now: dt.datetime | None = None) -> int:
    """Remind the people of each crisis broadcast who have not answered once its delay has
    passed. Each broadcast is reminded once. Returns the reminders sent."""
    now = now or timezone.now()
    sent = 0
    due = Broadcast.objects.filter(kind=Broadcast.Kind.BROADCAST, crisis__isnull=False,
                                   crisis__status=Crisis.Status.ACTIVE,
                                   remind_after__isnull=False, reminded_at__isnull=True)
    for broadcast in due.select_related("crisis"):
        if broadcast.remind_after is None or broadcast.crisis is None:
            continue
        if broadcast.created_at + dt.timedelta(minutes=broadcast.remind_after) > now:
            continue
        with transaction.atomic():
            claimed = Broadcast.objects.filter(pk=broadcast.pk, reminded_at__isnull=True) \
                .update(reminded_at=now)
            if not claimed:
                continue
            crisis = broadcast.crisis
            silent = Person.objects.filter(
                pk__in=broadcast.deliveries.values("person_id"),
                crisis_entries__crisis=crisis, crisis_entries__dependant__isnull=True,
                crisis_entries__status__in=NOT_ANSWERED).distinct()
            if not silent.exists():
                continue
            broadcast_send(actor=None, crisis=crisis, kind=Broadcast.Kind.REMINDER,
                           reminder_of=broadcast,
                           subject=render(reminder_subject(broadcast.subject)),
                           body=broadcast.body, email=broadcast.email,
                           webhooks=list(broadcast.webhooks.all()),
                           with_checkin=True, people=silent)
            sent += 1
    return sent


def high_level_travellers(now: dt.datetime, level: int) -> dict[int, tuple[int, int]]:
    """Staff members on a cleared trip now in an area at ``level`` or above:
    person id -> (area id, level)."""
    pairs = whereabouts.staying_in_areas(now)
    if not pairs:
        return {}
    levels: dict[int, int] = {a.pk: getattr(a, "current_level", None) or 0 for a in with_level(
        SecurityArea.objects.filter(pk__in=set(pairs.values())))}
    return {person: (area, levels[area]) for person, area in pairs.items()
            if levels.get(area, 0) >= level}


def checkins_schedule(*, now: dt.datetime | None = None) -> int:
    """Ask each traveller in a high-level area to check in, every ``checkin_hours``.
    Returns the check-ins asked."""
    now = now or timezone.now()
    config = CrisisSettings.load()
    travellers = high_level_travellers(now, config.checkin_level)
    if not travellers:
        return 0
    recent = set(ScheduledCheckIn.objects.filter(
        person_id__in=list(travellers),
        due_at__gt=now - dt.timedelta(hours=config.checkin_hours)).values_list(
        "person_id", flat=True))
    wanted = {p: v for p, v in travellers.items() if p not in recent}
    if not wanted:
        return 0
    with transaction.atomic():
        made = {}
        for person_id, (area_id, level) in wanted.items():
            made[person_id] = ScheduledCheckIn.objects.create(
                person_id=person_id, security_area_id=area_id, level=level, due_at=now)
        broadcast_send(
            actor=None, kind=Broadcast.Kind.CHECKIN,
            subject=render(CHECKIN_SUBJECT), body=render(checkin_request(config)),
            people=Person.objects.filter(pk__in=list(made)), checkins=made)
    return len(made)


def checkins_escalate(*, now: dt.datetime | None = None) -> int:
    """Tell the area's security officer of each check-in missed past the grace period."""
    now = now or timezone.now()
    grace = dt.timedelta(minutes=CrisisSettings.load().checkin_grace_minutes)
    missed = ScheduledCheckIn.objects.filter(answered_at__isnull=True,
                                             escalated_at__isnull=True,
                                             due_at__lte=now - grace)
    done = 0
    for checkin in missed.select_related("person", "security_area"):
        with transaction.atomic():
            if not ScheduledCheckIn.objects.filter(pk=checkin.pk,
                                                   escalated_at__isnull=True).update(
                    escalated_at=now):
                continue
            officers = users_with_perm(Perm.APPROVE_TRAVEL, checkin)
            notify(users=officers, subject=Msg(gettext_lazy(
                "Missed check-in: %(name)s in %(area)s"), name=checkin.person,
                area=checkin.security_area),
                body=Msg(gettext_lazy("%(name)s did not answer the check-in due at %(due)s "
                                      "UTC. Try to reach them."), name=checkin.person,
                         due=checkin.due_at.strftime("%Y-%m-%d %H:%M")),
                url=reverse("crisis:checkin_list"))
            audit.record(actor=None, action="crisis.checkin.escalate", obj=checkin,
                         changes={"officers": [None, [str(u) for u in officers]]})
            done += 1
    return done

