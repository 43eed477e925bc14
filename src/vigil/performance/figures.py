"""Every indicator's figures for a period and a slice, as the dashboard and the home panel show
them, kept for a while with the moment they were computed.

Computing the figures reads the world: SP2.2.c.i alone reads every staff member, dependant and
presence, seconds at the scale of the UN system. So the actuals (this period's and the previous
one's) are kept in the cache (``CACHE_URL``: Redis in production, shared by the web processes
and the worker) under the period, the slice and the indicators' settings:

* the pages always say when the figures they show were computed ("as of");
* the dashboard recomputes figures older than ``REFRESH_AFTER`` while the viewer waits, and at
  once when asked (its "compute again" link);
* the home panel never computes them: it shows the figures kept (with their moment), and asks
  the worker (``tasks.refresh_figures``, through ``services.figures_for_panel``, one request at
  a time per key) to compute them when there are none or they are older than
  ``REFRESH_AFTER``;
* figures older than ``KEEP`` are never shown;
* the indicators' settings are part of the key, so figures computed with other settings are
  never shown; targets and baselines are read at each request, never kept.

The figures of a slice are aggregates computed without a viewer: the same for everyone who may
see that slice. The pages check that the viewer may see the slice before asking for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from vigil.core.slices import Slice, SliceKind
from vigil.performance import registry, rules
from vigil.performance import selectors as sel

KEY_VERSION = 1
REFRESH_AFTER = dt.timedelta(minutes=10)
KEEP = dt.timedelta(hours=24)
# How long a refresh asked of the worker holds off the next request for the same figures.
ASKED_SECONDS = 10 * 60


@dataclass(frozen=True)
class Figures:
    tiles: list[sel.Tile]
    as_of: dt.datetime  # when the computation started: the records read are as of then
    computed_now: bool

    @property
    def age(self) -> dt.timedelta:
        return timezone.now() - self.as_of

    @property
    def stale(self) -> bool:
        return self.age > REFRESH_AFTER


def key_of(period: rules.Period, where: Slice,
           settings: dict[str, dict[str, Any]]) -> str:
    fingerprint = hashlib.sha256(repr(sorted(
        (indicator_id, sorted((k, str(v)) for k, v in values.items()))
        for indicator_id, values in settings.items())).encode()).hexdigest()[:16]
    return (f"vigil:performance:figures:v{KEY_VERSION}:{period.key}:{where.kind.value}:"
            f"{where.value if where.value is not None else ''}:{fingerprint}")


def compute(period: rules.Period, where: Slice) -> Figures:
    """Every indicator's figures now, kept for the next readers."""
    targets, settings = sel.targets_and_settings(period)
    started = timezone.now()
    tiles = [sel.tile(indicator, period, where, target=targets.get(indicator.id),
                      settings=settings[indicator.id]) for indicator in registry.INDICATORS]
    key = key_of(period, where, settings)
    cache.set(key, {"as_of": started,
                    "measures": {t.indicator.id: (t.actual, t.previous) for t in tiles}},
              timeout=int(KEEP.total_seconds()))
    cache.delete(key + ":asked")  # a refresh may be asked again from now on
    return Figures(tiles=tiles, as_of=started, computed_now=True)


def kept(period: rules.Period, where: Slice) -> Figures | None:
    """The figures kept for the period, the slice and the settings in force, with the targets
    of now; None when there are none younger than KEEP."""
    targets, settings = sel.targets_and_settings(period)
    entry = cache.get(key_of(period, where, settings))
    if not isinstance(entry, dict) or entry.get("as_of") is None \
            or timezone.now() - entry["as_of"] > KEEP:
        return None
    measures = entry.get("measures") or {}
    if set(measures) != set(registry.IDS):
        return None
    tiles = []
    for indicator in registry.INDICATORS:
        actual, previous = measures[indicator.id]
        target = targets.get(indicator.id)
        tiles.append(sel.Tile(indicator=indicator, period=period, slice=where, actual=actual,
                              previous=previous,
                              baseline=target.baseline if target else None,
                              target=target.target if target else None))
    return Figures(tiles=tiles, as_of=entry["as_of"], computed_now=False)


def for_page(period: rules.Period, where: Slice, *, again: bool = False) -> Figures:
    """The dashboard's figures: those kept when younger than REFRESH_AFTER (and not asked
    ``again``), else computed now."""
    if not again:
        found = kept(period, where)
        if found is not None and not found.stale:
            return found
    return compute(period, where)


def slice_of(kind: str, value: str | None) -> Slice:
    """A slice from the task's arguments (``Slice.kind.value`` and its value as text)."""
    slice_kind = SliceKind(kind)
    if slice_kind is SliceKind.SYSTEM:
        return Slice.system()
    if slice_kind is SliceKind.REGION:
        return Slice(slice_kind, value)
    return Slice(slice_kind, int(value or 0))
