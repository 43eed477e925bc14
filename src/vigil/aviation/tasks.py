"""Background work of aviation advice: the daily lapse of assessments past their valid-until
day. Periodic, holding a lock so that two runs never overlap; `vigil aviation_expire` runs the
same without a broker."""

from __future__ import annotations

from celery import shared_task

from vigil.aviation import services
from vigil.core.locks import run_alone

LOCK = "vigil:aviation:expire"
PERIODIC = {"aviation-expire": ("vigil.aviation.tasks.expire_assessments", 60 * 60)}


@shared_task(queue="periodic", time_limit=600)
def expire_assessments() -> int | None:
    """Each operator whose assessment lapsed falls back to not assessed. Idempotent."""
    return run_alone(LOCK, services.operators_expire)
