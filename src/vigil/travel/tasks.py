"""Background work of travel: re-clearing the open trips whose facts changed.

A security level is approved in risk, which must not call travel: it asks for this task by
name once its approval is committed (``reclear_changed(since=...)``), and beat runs it every
``INTERVAL`` seconds over the last two intervals, which also catches advisories, area controls
and settings changed by any path. Overlapping windows cost only reading: a trip whose
clearance comes out as stored is neither written nor audited (services.requests_reclear)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from vigil.core.locks import run_alone
from vigil.travel import services

LOCK = "vigil:travel:reclear"
INTERVAL = 5 * 60
PERIODIC = {"travel-reclear-changed": ("vigil.travel.tasks.reclear_changed", INTERVAL)}


@shared_task(queue="periodic", time_limit=1800)
def reclear_changed(since: str | None = None) -> dict[str, Any] | None:
    """Re-clear the open trips concerned by what changed at or after ``since`` (ISO 8601; by
    default the last two intervals). None when another run holds the lock: that run, or the
    next periodic one, covers the change."""
    start = parse_datetime(since) if since else None
    if start is None:
        start = timezone.now() - dt.timedelta(seconds=2 * INTERVAL)

    def run() -> dict[str, Any]:
        done = services.requests_reclear_changed(since=start)
        return {"read": done.read, "changed": done.changed, "statuses": done.statuses}

    return run_alone(LOCK, run)
