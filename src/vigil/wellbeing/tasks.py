"""The clock's work: propose cases for people newly recorded as affected. Holds a lock so
that two runs never overlap."""

from __future__ import annotations

from celery import shared_task

from vigil.core.locks import run_alone
from vigil.wellbeing import services

LOCK = "vigil:wellbeing:propose"


def propose_locked() -> int | None:
    """Run the proposal service unless another run holds the lock; None when skipped."""
    return run_alone(LOCK, services.cases_propose)


@shared_task(queue="periodic", time_limit=600, soft_time_limit=540)
def propose_cases() -> int | None:
    return propose_locked()
