"""Pure rules of host-country cooperation: what is in force on a day, the trend of the
engagement ratings, rating periods that must not overlap, whether a record of how the host's
authorities handled an incident holds together, the open liaison follow-ups, the rating due
this quarter, and the figures of the per-country analysis. Plain data in, plain data out.

The edges, stated once:

- An agreement is in force, and support is active, from its first day to its last day, both
  included; with no last day, from its first day on.
- The trend compares the last two ratings (by period): a higher score is "improving", a lower
  one "worsening", the same "stable"; with fewer than two ratings there is no trend yet. The
  slope is the least-squares line through the last N scores (default 4), in score points per
  rating; it needs two ratings.
- Two rating periods overlap when they share at least one day (a period ending on the 31st
  and the next starting on the 1st do not).
- A prosecution other than "none" needs an investigation that is open or closed with the
  perpetrators identified; an incident not reported to the authorities has no report date,
  no investigating authority's prosecution and no arrests to its name; the report is not dated
  before the incident nor after today.
- The shares of the analysis are over the incidents against UN personnel of the period,
  those without a recorded handling included (nothing known of them is counted as done). With
  no incident there is no share: "no data", never 0 %.
- A liaison follow-up stays open until a later meeting with the same host authority takes it
  up; it is due on its date and overdue from the day after.
- Ratings are made per calendar quarter: in a quarter, the rating of the quarter before is due
  until a rating reaching that quarter's last day exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

__all__ = ["ARROWS", "INVESTIGATED", "PROSECUTED", "SOLVED_OR_OPEN", "TREND_LABELS",
           "FollowUp", "Handling", "Period", "Share", "Summary", "Trend", "due_rating_period",
           "handling_problems", "in_force", "open_follow_ups", "overlapping", "quarter_of",
           "slope", "summarize", "trend"]

# --- In force ---------------------------------------------------------------------------------


def in_force(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    """Whether a record running from ``start`` to ``end`` (both included; None: no end) holds
    on ``on``: an agreement in force, support active."""
    return start <= on and (end is None or on <= end)


# --- Trend ------------------------------------------------------------------------------------


class Trend(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"
    NONE = "none"


TREND_LABELS = {Trend.IMPROVING: gettext_lazy("improving"),
                Trend.STABLE: gettext_lazy("stable"),
                Trend.WORSENING: gettext_lazy("worsening"),
                Trend.NONE: gettext_lazy("no trend yet")}
ARROWS = {Trend.IMPROVING: "▲", Trend.STABLE: "▶", Trend.WORSENING: "▼", Trend.NONE: "·"}


def trend(scores: Sequence[int]) -> Trend:
    """The trend of ratings given oldest first, by the last two."""
    if len(scores) < 2:
        return Trend.NONE
    last, before = scores[-1], scores[-2]
    if last > before:
        return Trend.IMPROVING
    if last < before:
        return Trend.WORSENING
    return Trend.STABLE


def slope(scores: Sequence[int], last: int = 4) -> float | None:
    """The least-squares slope of the last ``last`` scores (oldest first), in points per
    rating; None with fewer than two."""
    window = list(scores)[-last:] if last > 0 else []
    n = len(window)
    if n < 2:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(window) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(window))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return round(num / den, 3)


# --- Rating periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    id: int | None = None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def overlapping(period: Period, others: Iterable[Period]) -> Period | None:
    """The first (earliest) of ``others`` sharing a day with ``period``, itself left out."""
    found = [o for o in others
             if (period.id is None or o.id != period.id)
             and o.start <= period.end and period.start <= o.end]
    return min(found, key=lambda o: (o.start, o.end)) if found else None


def quarter_of(day: dt.date) -> Period:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    following = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return Period(start, following - dt.timedelta(days=1))


def due_rating_period(last_end: dt.date | None, today: dt.date) -> Period | None:
    """The quarter whose rating is due today (the quarter before this one), or None when a
    rating already reaches its last day."""
    previous = quarter_of(quarter_of(today).start - dt.timedelta(days=1))
    if last_end is not None and last_end >= previous.end:
        return None
    return previous


# --- Incident handling ------------------------------------------------------------------------

NOT_REPORTED = "not_reported"
SOLVED_OR_OPEN = frozenset({"open", "closed_solved"})
INVESTIGATED = frozenset({"open", "closed_solved", "closed_unsolved"})
PROSECUTED = frozenset({"charged", "on_trial", "convicted", "acquitted", "dismissed"})
CONVICTED = "convicted"


@dataclass(frozen=True)
class Handling:
    investigation: str
    prosecution: str = "none"
    arrests: int = 0
    reported_on: dt.date | None = None


def handling_problems(handling: Handling, *, incident_day: dt.date,
                      today: dt.date) -> list[tuple[str, str]]:
    """What does not hold together in a record of how an incident was handled, as
    (field, message), every fault at once."""
    problems: list[tuple[str, str]] = []
    if handling.arrests < 0:
        problems.append(("arrests", _("Arrests cannot be fewer than none.")))
    if handling.prosecution in PROSECUTED and handling.investigation not in SOLVED_OR_OPEN:
        problems.append(("prosecution", _(
            "A prosecution needs an investigation that is open or that identified the "
            "perpetrators.")))
    if handling.investigation == NOT_REPORTED:
        if handling.reported_on is not None:
            problems.append(("reported_on", _(
                "An incident not reported to the authorities has no report date.")))
        if handling.arrests > 0:
            problems.append(("arrests", _(
                "An incident not reported to the authorities has no arrests recorded.")))
    if handling.reported_on is not None:
        if handling.reported_on < incident_day:
            problems.append(("reported_on", _(
                "The report cannot come before the incident (%(date)s).")
                % {"date": incident_day.isoformat()}))
        elif handling.reported_on > today:
            problems.append(("reported_on", _("A report cannot be dated in the future.")))
    return problems


# --- The analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    count: int
    of: int

    @property
    def percent(self) -> float | None:
        """None when there is nothing to divide by: "no data", never 0 %."""
        return round(100 * self.count / self.of, 1) if self.of else None

    def __str__(self) -> str:
        percent = self.percent
        if percent is None:
            return _("no data")
        return f"{self.count}/{self.of} ({percent:g} %)"


@dataclass(frozen=True)
class Summary:
    incidents: int
    recorded: Share
    reported: Share
    investigated: Share
    with_arrests: Share
    prosecuted: Share
    convicted: Share

    @property
    def has_data(self) -> bool:
        return self.incidents > 0


def summarize(handlings: Sequence[Handling | None]) -> Summary:
    """The analysis over the incidents against UN personnel of a period: one entry per
    incident, None where no handling is recorded."""
    n = len(handlings)
    known = [h for h in handlings if h is not None]

    def share(test: Callable[[Handling], bool]) -> Share:
        return Share(sum(1 for h in known if test(h)), n)

    return Summary(
        incidents=n, recorded=Share(len(known), n),
        reported=share(lambda h: h.investigation != NOT_REPORTED),
        investigated=share(lambda h: h.investigation in INVESTIGATED),
        with_arrests=share(lambda h: h.arrests > 0),
        prosecuted=share(lambda h: h.prosecution in PROSECUTED),
        convicted=share(lambda h: h.prosecution == CONVICTED))


# --- Liaison follow-ups -----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    meeting_id: int
    authority: str
    held_on: dt.date
    due: dt.date | None


def open_follow_ups(meetings: Sequence[FollowUp]) -> list[FollowUp]:
    """The follow-ups with a due date that no later meeting with the same host authority
    has taken up, the earliest due first."""
    latest: dict[str, dt.date] = {}
    for m in meetings:
        key = m.authority.strip().casefold()
        latest[key] = max(latest.get(key, m.held_on), m.held_on)
    found = [m for m in meetings if m.due is not None
             and latest[m.authority.strip().casefold()] <= m.held_on]
    return sorted(found, key=lambda m: (m.due or m.held_on, m.meeting_id))
