"""The periodic poll of CAP feeds. A run holds a lock, so that two never overlap."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from vigil.core.locks import run_alone
from vigil.crisis.cap_services import cap_poll_feeds

LOCK = "vigil:crisis:cap-feeds"


@shared_task(queue="periodic", time_limit=600, soft_time_limit=540)  # type: ignore[untyped-decorator]
def poll_cap_feeds() -> dict[str, Any] | None:
    return run_alone(LOCK, cap_poll_feeds)
