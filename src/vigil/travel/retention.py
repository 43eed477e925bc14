"""Retention of whereabouts from trips (found by vigil.core.retention).

Past the keeping period (VIGIL_WHEREABOUTS_RETENTION_DAYS), a trip's presences (where the
traveller was presumed, hour by hour) are deleted, and its segments lose the accommodation
(name, address and coordinates). The trip itself stays, with its cities, dates and clearances:
the travel record that approvals and indicators count."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from vigil.core import retention
from vigil.travel.models import Presence, Segment

_LODGING = Q(lodging_latitude__isnull=False) | ~Q(lodging_address="") | ~Q(lodging_name="")


def whereabouts_apply(*, now: dt.datetime, dry_run: bool) -> dict[str, int]:
    cutoff = retention.whereabouts_cutoff(now)
    presences = Presence.objects.filter(ends_at__lt=cutoff)
    segments = Segment.objects.filter(
        Q(request__ends_at__lt=cutoff) | Q(request__ends_at__isnull=True, arrives_at__lt=cutoff)
    ).filter(_LODGING)
    if dry_run:
        return {"presences": presences.count(), "lodgings": segments.count()}
    deleted, _by_model = presences.delete()
    stripped = segments.update(lodging_name="", lodging_address="", lodging_latitude=None,
                               lodging_longitude=None)
    return {"presences": deleted, "lodgings": stripped}


retention.register("travel", whereabouts_apply)
