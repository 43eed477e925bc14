"""Travel's answers to what other apps announce: a security level approved in risk re-clears
the open trips through its area, once the approval is committed (tasks.reclear_changed;
without a broker it runs in the approving request, with one on a worker)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from vigil.risk.signals import level_approved


def level_was_approved(sender: Any, review: Any, **kwargs: Any) -> None:
    from vigil.travel.tasks import reclear_changed

    since = review.decided_at.isoformat()
    transaction.on_commit(partial(reclear_changed.delay, since=since))


level_approved.connect(level_was_approved, dispatch_uid="vigil.travel.level_approved")
