"""Retention: personal records past their keeping period are deleted or stripped, on a clock.

Each app that keeps such records declares them in its own ``retention`` module, found the way
Django's admin finds ``admin`` modules, so that core imports no app above it:

- ``register(name, apply)``: ``apply(now=..., dry_run=...)`` removes what is past its period
  and returns {what: how many}; it removes nothing when ``dry_run``.
- ``register_hold(name, since)``: ``since(now)`` gives the earliest time whose whereabouts a
  live operation still needs (an open crisis's headcount window), or None. Whereabouts from
  that time on are kept, whatever their age.

``retention_apply`` runs every policy in one transaction and records one audit event with the
counts only: never a name or a record of what was removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from vigil.core import audit

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

Apply = Callable[..., dict[str, int]]
Hold = Callable[[dt.datetime], dt.datetime | None]

_POLICIES: dict[str, Apply] = {}
_HOLDS: dict[str, Hold] = {}
_discovered = False

WHEREABOUTS_DAYS = 730
COUNSELLING_DAYS = 3650


def register(name: str, apply: Apply) -> None:
    _POLICIES[name] = apply


def register_hold(name: str, since: Hold) -> None:
    _HOLDS[name] = since


def _discover() -> None:
    global _discovered  # discovery runs once per process
    if not _discovered:
        autodiscover_modules("retention")
        _discovered = True


def days(name: str, default: int) -> int:
    """A keeping period in days, from settings; never less than one day."""
    return max(1, int(getattr(settings, name, default)))


def whereabouts_cutoff(now: dt.datetime) -> dt.datetime:
    """Whereabouts that ended before this time are past their keeping period
    (VIGIL_WHEREABOUTS_RETENTION_DAYS), unless a hold still needs them."""
    _discover()
    cutoff = now - dt.timedelta(days=days("VIGIL_WHEREABOUTS_RETENTION_DAYS", WHEREABOUTS_DAYS))
    for since in _HOLDS.values():
        held = since(now)
        if held is not None and held < cutoff:
            cutoff = held
    return cutoff


def counselling_cutoff(now: dt.datetime) -> dt.datetime:
    """Counselling cases closed before this time are past their keeping period
    (VIGIL_COUNSELLING_RETENTION_DAYS)."""
    return now - dt.timedelta(days=days("VIGIL_COUNSELLING_RETENTION_DAYS", COUNSELLING_DAYS))


@dataclass(frozen=True)
class Outcome:
    counts: dict[str, int]
    dry_run: bool


@transaction.atomic
def retention_apply(*, actor: AnyUser | None = None, dry_run: bool = False,
                    now: dt.datetime | None = None) -> Outcome:
    """Applies every registered policy. A dry run counts and changes nothing, and is not
    audited; a run is audited with its counts."""
    _discover()
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for name in sorted(_POLICIES):
        for what, n in _POLICIES[name](now=now, dry_run=dry_run).items():
            counts[f"{name}.{what}"] = n
    if not dry_run:
        audit.record(actor=actor, action="core.retention.applied", object_type="core.retention",
                     changes={"counts": counts,
                              "whereabouts_before": whereabouts_cutoff(now),
                              "counselling_closed_before": counselling_cutoff(now)})
    return Outcome(counts=counts, dry_run=dry_run)
