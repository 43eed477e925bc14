"""Pure rules of crisis management: the statuses of a headcount entry, which of them account
for a person, which alarm the team, which answers a check-in takes, how long a failed send
waits, what activation in time means. No ORM here."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    CONTACTED = "contacted", _("Contacted, no answer")
    SAFE = "safe", _("Safe")
    NEEDS_HELP = "needs_help", _("Needs help")
    INJURED = "injured", _("Injured")
    MISSING = "missing", _("Missing")
    DECEASED = "deceased", _("Deceased")
    RELOCATED = "relocated", _("Relocated")
    EVACUATED = "evacuated", _("Evacuated")


# A person is accounted for once their state is known, whatever it is; "missing" is a known
# absence, not an account.
ACCOUNTED = frozenset({AccountStatus.SAFE, AccountStatus.NEEDS_HELP, AccountStatus.INJURED,
                       AccountStatus.DECEASED, AccountStatus.RELOCATED,
                       AccountStatus.EVACUATED})
# Statuses that need someone to act at once: the crisis team is told.
ALARMING = frozenset({AccountStatus.NEEDS_HELP, AccountStatus.INJURED, AccountStatus.MISSING,
                      AccountStatus.DECEASED})
# Those who have not answered yet: reminders go to them.
NOT_ANSWERED = frozenset({AccountStatus.UNKNOWN, AccountStatus.CONTACTED})
# What a person may answer for themselves, by link or signed in.
ANSWERS = frozenset({AccountStatus.SAFE, AccountStatus.NEEDS_HELP})


def share(part: int, whole: int) -> float:
    """A percentage with one decimal; 0 of nothing is 0."""
    return round(100 * part / whole, 1) if whole else 0.0


def retry_wait(attempts: int, base_seconds: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: base, 2 base, 4 base…"""
    return int(base_seconds * 2 ** max(attempts - 1, 0))


def gave_up(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def is_timely(delay_hours: float, threshold_hours: float) -> bool:
    """SP2.1.b.ii: crisis management activated within the threshold of its incident."""
    return delay_hours <= threshold_hours


def timeliness(delays_hours: Iterable[float], threshold_hours: float) -> dict[str, float | int
                                                                            | None]:
    """The indicator over a set of crises: how many, how many in time, the share, the median
    delay."""
    delays = list(delays_hours)
    timely = sum(1 for d in delays if is_timely(d, threshold_hours))
    return {"crises": len(delays), "timely": timely, "hours": threshold_hours,
            "pct": share(timely, len(delays)),
            "median_hours": statistics.median(delays) if delays else None}
