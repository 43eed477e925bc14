"""The arithmetic of programme performance, as pure functions: periods (biennium, year,
quarter, custom dates), the measure an indicator gives for one period and slice, and how an
actual compares with its target and with the previous biennium.

UN programme budgets run by biennium, from 1 January of an even year to 31 December of the
next (the seed's plan is for 2016-2017). A measure with nothing to count is "no data"
(``value`` None), never 0 % and never an error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class PeriodKind(StrEnum):
    BIENNIUM = "biennium"
    YEAR = "year"
    QUARTER = "quarter"
    CUSTOM = "custom"


PERIOD_LABELS = {PeriodKind.BIENNIUM: _("Biennium"), PeriodKind.YEAR: _("Year"),
                 PeriodKind.QUARTER: _("Quarter"), PeriodKind.CUSTOM: _("Dates")}


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.BIENNIUM:
            return f"{self.start.year}-{self.end.year}"
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def key(self) -> str:
        """How the period is written in a URL or the API: 2026-2027, 2026, 2026-Q3 or
        2026-01-01..2026-06-30."""
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.CUSTOM:
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        return self.label

    def previous(self) -> Period:
        if self.kind is PeriodKind.BIENNIUM:
            return biennium(self.start.year - 2)
        if self.kind is PeriodKind.YEAR:
            return year(self.start.year - 1)
        if self.kind is PeriodKind.QUARTER:
            return quarter_of(self.start - dt.timedelta(days=1))
        length = self.end - self.start
        end = self.start - dt.timedelta(days=1)
        return Period(PeriodKind.CUSTOM, end - length, end)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def biennium(first_year: int) -> Period:
    """The biennium that starts in ``first_year`` (an odd year is moved to its biennium)."""
    start_year = first_year - (first_year % 2)
    return Period(PeriodKind.BIENNIUM, dt.date(start_year, 1, 1), dt.date(start_year + 1, 12, 31))


def biennium_of(day: dt.date) -> Period:
    return biennium(day.year)


def year(value: int) -> Period:
    return Period(PeriodKind.YEAR, dt.date(value, 1, 1), dt.date(value, 12, 31))


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + 1, 1, 1) if first_month == 10 \
        else dt.date(day.year, first_month + 3, 1)
    return Period(PeriodKind.QUARTER, start, next_start - dt.timedelta(days=1))


class PeriodError(ValueError):
    """A period written wrongly; the message says how to write it."""


def parse_period(text: str) -> Period:
    """Read a period's key (see ``Period.key``). Raises PeriodError naming the fault."""
    text = (text or "").strip()
    try:
        if ".." in text:
            first, last = (dt.date.fromisoformat(part) for part in text.split("..", 1))
            if last < first:
                raise PeriodError("end_before_start")
            return Period(PeriodKind.CUSTOM, first, last)
        if "-Q" in text.upper():
            year_text, number = text.upper().split("-Q", 1)
            quarter = int(number)
            if not 1 <= quarter <= 4:
                raise PeriodError("bad_quarter")
            return quarter_of(dt.date(int(year_text), 3 * quarter - 2, 1))
        if "-" in text:
            first_text, last_text = text.split("-", 1)
            first_year, last_year = int(first_text), int(last_text)
            if first_year % 2 or last_year != first_year + 1:
                raise PeriodError("bad_biennium")
            return biennium(first_year)
        return year(int(text))
    except PeriodError:
        raise
    except ValueError as error:
        raise PeriodError("unreadable") from error


def periods_back(period: Period, count: int) -> list[Period]:
    """``count`` periods ending with ``period``, the oldest first (a trend's points)."""
    out = [period]
    while len(out) < count:
        out.append(out[-1].previous())
    return list(reversed(out))


class Unit(StrEnum):
    PERCENT = "percent"  # a share of a denominator, 0-100
    COUNT = "count"  # a number of records
    TIMELINESS = "timeliness"  # the share within the time target, with the median delay


UNIT_LABELS = {Unit.PERCENT: _("per cent"), Unit.COUNT: _("number"),
               Unit.TIMELINESS: _("share on time")}


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


DIRECTION_LABELS = {Direction.UP: _("higher is better"), Direction.DOWN: _("lower is better")}

ONE_DECIMAL = Decimal("0.1")


def share(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator in per cent, one decimal, rounded half up; None for 0 ÷ 0."""
    if denominator <= 0:
        return None
    return (Decimal(100) * numerator / denominator).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass(frozen=True)
class Measure:
    """What an indicator gives for one period and one slice. ``value`` None is "no data", and
    ``reason`` says why (nothing to count, or the slice does not apply)."""

    value: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None
    median_days: Decimal | None = None  # timeliness: the median delay
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def no_data(self) -> bool:
        return self.value is None


NO_RECORDS = "no_records"
SLICE_NOT_APPLICABLE = "slice_not_applicable"
REASON_LABELS = {NO_RECORDS: _("nothing to count in this period"),
                 SLICE_NOT_APPLICABLE: _("these records cannot be placed in this slice")}


def no_data(reason: str = NO_RECORDS, **detail: Any) -> Measure:
    return Measure(value=None, reason=reason, detail=detail)


def percent(numerator: int, denominator: int, **detail: Any) -> Measure:
    value = share(numerator, denominator)
    if value is None:
        return no_data(NO_RECORDS, **detail)
    return Measure(value=value, numerator=numerator, denominator=denominator, detail=detail)


def count(number: int, **detail: Any) -> Measure:
    """A count is a figure even when it is 0: nothing happened is an answer. Use ``no_data``
    when the records that would be counted do not exist at all."""
    return Measure(value=number, numerator=number, detail=detail)


def timeliness(on_time: int, judged: int, median_days: Decimal | float | None,
               **detail: Any) -> Measure:
    value = share(on_time, judged)
    if value is None:
        return no_data(NO_RECORDS, **detail)
    median = None if median_days is None else Decimal(str(median_days)).quantize(
        ONE_DECIMAL, ROUND_HALF_UP)
    return replace(Measure(value=value, numerator=on_time, denominator=judged, detail=detail),
                   median_days=median)


class Travel(StrEnum):
    """Where an actual stands against a reference (target or previous period)."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"
    UNKNOWN = "unknown"


TRAVEL_LABELS = {Travel.BETTER: _("better"), Travel.SAME: _("unchanged"),
                 Travel.WORSE: _("worse"), Travel.UNKNOWN: _("cannot compare")}


def travel(actual: Decimal | int | None, reference: Decimal | int | None,
           direction: Direction) -> Travel:
    """Better, the same or worse than ``reference``, given the desired direction."""
    if actual is None or reference is None:
        return Travel.UNKNOWN
    if actual == reference:
        return Travel.SAME
    up = Decimal(actual) > Decimal(reference)
    return Travel.BETTER if up == (direction is Direction.UP) else Travel.WORSE


def target_met(actual: Decimal | int | None, target: Decimal | int | None,
               direction: Direction) -> bool | None:
    """Whether the actual reaches the target (at or above for "up", at or below for "down");
    None when either is missing."""
    if actual is None or target is None:
        return None
    return Decimal(actual) >= Decimal(target) if direction is Direction.UP \
        else Decimal(actual) <= Decimal(target)
