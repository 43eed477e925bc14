"""Background work of crisis management. Tasks take ids, are idempotent, and call the
delivery and schedule functions; the periodic ones hold a lock so that two runs never overlap.
Without a broker (the embedded default) they run eagerly in-process, and `vigil crisis_clock`
runs the periodic ones."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from vigil.core.locks import run_alone
from vigil.crisis import delivery, schedules
from vigil.crisis.cap_tasks import poll_cap_feeds

__all__ = ["deliver_broadcast", "deliver_chunk", "deliver_due", "escalate_checkins",
           "poll_cap_feeds", "schedule_checkins", "send_reminders"]


def _locked(name: str, work: Any) -> Any:
    return run_alone(f"vigil:crisis:{name}", work)


@shared_task(queue="mail", acks_late=True, time_limit=600)
def deliver_broadcast(broadcast_id: int) -> int:
    """Fan one broadcast out: one chunk task per CHUNK due rows, that every worker takes from
    the queue. Returns how many were queued. Safe to run twice: each chunk claims its rows."""
    chunks = delivery.chunks_due(broadcast_id)
    for _chunk in range(chunks):
        deliver_chunk.delay(broadcast_id)
    return chunks


# acks_late: a chunk whose worker dies goes back on the queue (at once when only the pool's
# process died; after the broker's visibility timeout when the whole worker did). Its rows
# do not wait for that: their lease runs out and the sweep sends them.
@shared_task(queue="mail", acks_late=True, time_limit=600)
def deliver_chunk(broadcast_id: int | None = None) -> dict[str, int]:
    """Claim and send the next chunk of a broadcast's due deliveries."""
    return delivery.deliver_chunk(broadcast_id=broadcast_id)


@shared_task(queue="periodic", time_limit=600)
def deliver_due() -> Any:
    """Sends whose worker died (lease run out), retries whose time has come, and broadcasts
    whose chunk tasks were lost."""
    return _locked("deliver-due", lambda: delivery.deliver_due(queue=deliver_chunk.delay))


@shared_task(queue="periodic", time_limit=600)
def send_reminders() -> Any:
    return _locked("reminders", schedules.reminders_due)


@shared_task(queue="periodic", time_limit=600)
def schedule_checkins() -> Any:
    return _locked("checkins", schedules.checkins_schedule)


@shared_task(queue="periodic", time_limit=600)
def escalate_checkins() -> Any:
    return _locked("escalations", schedules.checkins_escalate)


PERIODIC = {
    "crisis-deliver-due": ("vigil.crisis.tasks.deliver_due", 30),
    "crisis-reminders": ("vigil.crisis.tasks.send_reminders", 60),
    "crisis-checkins": ("vigil.crisis.tasks.schedule_checkins", 300),
    "crisis-escalations": ("vigil.crisis.tasks.escalate_checkins", 120),
    "crisis-cap-feeds": ("vigil.crisis.cap_tasks.poll_cap_feeds", 300),
}
