"""Background work of programme performance: computing every indicator's figures for a period
and a slice, which the home panel asks for instead of computing them in the request
(performance.figures)."""

from __future__ import annotations

from celery import shared_task

from vigil.performance import figures, rules


@shared_task(queue="periodic", time_limit=600)
def refresh_figures(period_key: str, slice_kind: str, slice_value: str | None) -> str:
    """Compute and keep the figures of the period and slice; gives the moment they are as
    of. Idempotent: a second run computes them again."""
    found = figures.compute(rules.parse_period(period_key),
                            figures.slice_of(slice_kind, slice_value))
    return found.as_of.isoformat()


@shared_task(queue="periodic", time_limit=600)
def refresh_current() -> str:
    """The whole system's figures for the current biennium (the global viewers' home panel
    and dashboard): for a periodic run, so that they are never older than its interval."""
    from django.utils import timezone

    from vigil.core.slices import Slice

    found = figures.compute(rules.biennium_of(timezone.localdate()), Slice.system())
    return found.as_of.isoformat()
