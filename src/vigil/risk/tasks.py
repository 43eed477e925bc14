"""Periodic work of risk management. Each run holds a lock, so two never overlap."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from vigil.risk import services

LOCK = "vigil:risk:review-reminders"


@shared_task(queue="periodic", time_limit=600, soft_time_limit=540)
def send_review_reminders() -> int:
    if not cache.add(LOCK, "1", timeout=900):
        return 0
    try:
        return services.review_reminders_send()
    finally:
        cache.delete(LOCK)
