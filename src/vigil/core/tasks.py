"""Background work of core. Tasks take ids, are idempotent, and call services."""

from __future__ import annotations

from celery import shared_task

from vigil.core import services


@shared_task(queue="mail", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=6, time_limit=60)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id)
