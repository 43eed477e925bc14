"""Background work of core. Tasks take ids, are idempotent, and call services."""

from __future__ import annotations

from celery import shared_task

from vigil.core import retention, services
from vigil.core.locks import run_alone

RETENTION_LOCK = "vigil:core:retention"


@shared_task(queue="mail", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=6, time_limit=60)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id)


@shared_task(queue="periodic", time_limit=3600)
def apply_retention() -> dict[str, int] | None:
    """The daily run of the keeping periods (`vigil retention` by hand): audited with its
    counts, one run at a time; None when another run holds the lock."""
    outcome = run_alone(RETENTION_LOCK, retention.retention_apply)
    return outcome.counts if outcome is not None else None
