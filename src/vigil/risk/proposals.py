"""Evidence-based likelihood proposals, as risk shows them beside each rating.

Risk does not compute them: the evidence app (a higher layer, reading incidents and travel
advisories) registers its source here at start-up, and risk's pages and services ask through
``propose``. With no source registered, there are no proposals and every rating stands alone.

A source answers, for a security area, the threat categories asked and a day: for each
category it can speak to, a dict with at least ``likelihood`` (a step of ``rules.LIKELIHOODS``),
``expected`` (incidents in the next twelve months), ``confidence_label`` and ``url`` (the
page of its evidence). Risk stores that dict beside the officer's rating when it is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from vigil.places.models import SecurityArea
from vigil.risk import rules
from vigil.risk.models import LIKELIHOOD_LABELS

Source = Callable[[SecurityArea, Sequence[str], dt.date], dict[str, dict[str, Any]]]
_sources: list[Source] = []

# What risk keeps of a proposal beside a rating: enough to show it and the difference later,
# and the address of its evidence, without the evidence list, which that page shows live.
KEPT = ("likelihood", "expected", "chance", "confidence", "confidence_label", "incidents",
        "weighted_count", "context_level", "computed_on", "method", "url")

CONFIDENCE_LABELS = {"high": gettext_lazy("high"), "medium": gettext_lazy("medium"),
                     "low": gettext_lazy("low")}


def register(source: Source) -> None:
    """Add a proposal source (idempotent: the same function twice is kept once)."""
    if source not in _sources:
        _sources.append(source)


def unregister(source: Source) -> None:
    if source in _sources:
        _sources.remove(source)


def propose(area: SecurityArea | None, categories: Sequence[str] = rules.THREAT_CATEGORIES,
            on: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """The proposal for each category the registered source speaks to; empty without one."""
    if area is None or not _sources:
        return {}
    from django.utils import timezone

    day = on or timezone.localdate()
    found: dict[str, dict[str, Any]] = {}
    for source in _sources:
        for category, proposal in source(area, list(categories), day).items():
            found.setdefault(category, proposal)
    return found


def kept(proposal: dict[str, Any] | None) -> dict[str, Any]:
    """The part of a proposal stored beside a rating, as JSON can hold it (a day as ISO)."""
    if not proposal:
        return {}
    return {k: proposal[k].isoformat() if isinstance(proposal[k], dt.date) else proposal[k]
            for k in KEPT if k in proposal}


def difference(rating: str, proposal: dict[str, Any] | None) -> int | None:
    """Steps the rating lies above (+) or below (-) the proposal; None without a proposal."""
    if not proposal or proposal.get("likelihood") not in rules.LIKELIHOODS \
            or rating not in rules.LIKELIHOODS:
        return None
    return rules.LIKELIHOODS.index(rating) - rules.LIKELIHOODS.index(proposal["likelihood"])


def shown(proposal: dict[str, Any] | None, rating: str | None = None) -> dict[str, Any] | None:
    """A proposal as the pages show it: its step in words, the expected count, the confidence
    in words, the link to its evidence and, given the officer's rating, the steps between
    them (``above`` or ``below``, or ``matches``). None without a proposal."""
    if not proposal or proposal.get("likelihood") not in rules.LIKELIHOODS:
        return None
    steps = difference(rating, proposal) if rating is not None else None
    return {
        "likelihood": proposal["likelihood"],
        "label": LIKELIHOOD_LABELS[proposal["likelihood"]],
        "expected": proposal.get("expected"),
        "incidents": proposal.get("incidents"),
        "confidence_label": CONFIDENCE_LABELS.get(str(proposal.get("confidence_label")),
                                                  proposal.get("confidence_label")),
        "computed_on": _day(proposal.get("computed_on")),
        "url": proposal.get("url") or "",
        "difference": steps,
        "matches": steps == 0,
        "above": steps if steps is not None and steps > 0 else 0,
        "below": -steps if steps is not None and steps < 0 else 0,
    }


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
