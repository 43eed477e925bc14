"""Periodic work of risk management. Each run holds a lock, so two never overlap."""

from __future__ import annotations

from celery import shared_task

from vigil.core.locks import run_alone
from vigil.risk import services

LOCK = "vigil:risk:review-reminders"


@shared_task(queue="periodic", time_limit=600, soft_time_limit=540)
def send_review_reminders() -> int:
    return run_alone(LOCK, services.review_reminders_send) or 0
