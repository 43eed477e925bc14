"""The programme performance report of a biennium, as data: the seed's structure
(subprogramme → component → expected accomplishment → indicator of achievement) with each
indicator's baseline, target, actual and previous biennium's actual for the whole system,
whether the target is met, the direction of travel and a short comment in the reader's
language. The HTML page, the PDF (report_pdf) and the XLSX (report_xlsx) all render this.

The layout follows the programme plan: United Nations, *Proposed strategic framework for the
period 2016-2017*, Part two: biennial programme plan, Programme 28 "Safety and security"
(A/69/6 (Prog. 28)). Its legislative mandates are listed at the end of that document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigil.core.slices import Slice
from vigil.performance import registry, rules, selectors
from vigil.performance.definitions import Indicator

SOURCE = _lazy("Proposed strategic framework for the period 2016-2017, Part two: biennial "
               "programme plan, Programme 28: Safety and security (A/69/6 (Prog. 28))")

# The objective of the Organization that each part of the programme serves, as the plan
# states it.
OBJECTIVES: dict[tuple[int, str], Promise] = {
    (1, ""): _lazy("To provide a safe and secure environment for staff, delegates, visiting "
                   "dignitaries and other visitors on the premises of United Nations "
                   "Headquarters and the regional commissions, and to prevent damage to United "
                   "Nations property and facilities."),
    (2, "SP2.1"): _lazy("To provide a safe and secure environment for the staff of the United "
                        "Nations system, associated personnel and eligible dependants, and to "
                        "enable the conduct of United Nations programmes and activities at all "
                        "duty stations."),
    (2, "SP2.2"): _lazy("To provide knowledge and skills in safety and security to all relevant "
                        "actors of the United Nations system, and to reduce or prevent critical "
                        "incident stress."),
}

# The legislative mandates the plan cites: resolutions and decisions of the General Assembly,
# and a resolution of the Security Council.
MANDATES_GA: tuple[tuple[str, Promise], ...] = (
    ("54/192", _lazy("Safety and security of humanitarian personnel and protection of United "
                     "Nations personnel")),
    ("55/468", _lazy("Security arrangements at the United Nations Office at Geneva")),
    ("56/255, section VIII", _lazy("Special subjects relating to the proposed programme budget "
                                   "for the biennium 2002-2003: safety and security of United "
                                   "Nations personnel")),
    ("56/286", _lazy("Strengthening the security and safety of United Nations premises")),
    ("57/567", _lazy("Inter-organizational security measures: framework for accountability for "
                     "the United Nations field security management system")),
    ("59/211", _lazy("Safety and security of humanitarian personnel and protection of United "
                     "Nations personnel")),
    ("59/276, section XI", _lazy("Questions relating to the programme budget for the biennium "
                                 "2004-2005: strengthened and unified security management "
                                 "system for the United Nations")),
    ("60/123", _lazy("Safety and security of humanitarian personnel and protection of United "
                     "Nations personnel")),
    ("61/263", _lazy("Strengthened and unified security management system")),
    ("65/132", _lazy("Safety and security of humanitarian personnel and protection of United "
                     "Nations personnel")),
    ("67/85", _lazy("Safety and security of humanitarian personnel and protection of United "
                    "Nations personnel")),
    ("68/101", _lazy("Safety and security of humanitarian personnel and protection of United "
                     "Nations personnel")),
)
MANDATES_SC: tuple[tuple[str, Promise], ...] = (
    ("1502 (2003)", _lazy("Protection of humanitarian personnel and United Nations and "
                          "associated personnel")),
)


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


STATUS_LABELS = {Status.MET: _lazy("Target met"), Status.NOT_MET: _lazy("Target not met"),
                 Status.NO_TARGET: _lazy("No target set"), Status.NO_DATA: _lazy("No data")}


def figure(value: Decimal | int | None, unit: rules.Unit) -> str:
    """A value as the reader's locale writes it: a share with one decimal and its per cent
    sign, a count as a whole number; a dash for no value."""
    if value is None:
        return "—"
    if unit is rules.Unit.COUNT:
        return formats.number_format(Decimal(value), 0, use_l10n=True, force_grouping=True)
    return _("%(number)s %%") % {"number": formats.number_format(
        Decimal(value), 1, use_l10n=True)}


def status_of(actual: rules.Measure, target: Decimal | None,
              direction: rules.Direction) -> Status:
    if actual.no_data:
        return Status.NO_DATA
    met = rules.target_met(actual.value, target, direction)
    if met is None:
        return Status.NO_TARGET
    return Status.MET if met else Status.NOT_MET


def comment(*, unit: rules.Unit, direction: rules.Direction, actual: rules.Measure,
            target: Decimal | None, previous: rules.Measure, previous_label: str) -> str:
    """Two or three short sentences: where the actual stands against its target, against the
    previous biennium, and (for timeliness) the median delay. Every sentence is a whole
    translatable sentence with its figures as parameters."""
    status = status_of(actual, target, direction)
    if status is Status.NO_DATA:
        reason = rules.REASON_LABELS.get(actual.reason, rules.REASON_LABELS[rules.NO_RECORDS])
        return _("No data: %(reason)s.") % {"reason": reason}
    numbers = {"actual": figure(actual.value, unit), "target": figure(target, unit)}
    sentences = [{
        Status.MET: _("Target met: %(actual)s against %(target)s."),
        Status.NOT_MET: _("Target not met: %(actual)s against %(target)s."),
        Status.NO_TARGET: _("No target set for this biennium; the actual is %(actual)s."),
    }[status] % numbers]
    trend = rules.travel(actual.value, previous.value, direction)
    before = {"period": previous_label, "previous": figure(previous.value, unit)}
    sentences.append({
        rules.Travel.BETTER: _("Better than %(period)s (%(previous)s)."),
        rules.Travel.WORSE: _("Worse than %(period)s (%(previous)s)."),
        rules.Travel.SAME: _("Unchanged from %(period)s (%(previous)s)."),
        rules.Travel.UNKNOWN: _("No figure for %(period)s to compare with."),
    }[trend] % before)
    if unit is rules.Unit.TIMELINESS and actual.median_days is not None:
        sentences.append(_("Median delay: %(days)s days.") % {
            "days": formats.number_format(actual.median_days, 1, use_l10n=True)})
    return " ".join(sentences)


@dataclass(frozen=True)
class Line:
    """One indicator of achievement in the report."""

    indicator: Indicator
    baseline: Decimal | None
    target: Decimal | None
    actual: rules.Measure
    previous: rules.Measure
    status: Status
    travel: rules.Travel
    comment: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def travel_label(self) -> str:
        return str(rules.TRAVEL_LABELS[self.travel])

    def shown(self, value: Decimal | int | None) -> str:
        return figure(value, self.indicator.unit)

    @property
    def shown_baseline(self) -> str:
        return self.shown(self.baseline)

    @property
    def shown_target(self) -> str:
        return self.shown(self.target)

    @property
    def shown_actual(self) -> str:
        return self.shown(self.actual.value)

    @property
    def shown_previous(self) -> str:
        return self.shown(self.previous.value)


@dataclass(frozen=True)
class Accomplishment:
    code: str  # "SP1.a"
    text: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Part:
    """A subprogramme, or one component of a subprogramme, with its objective."""

    subprogramme: int
    component: str
    title: str
    component_title: str
    objective: str
    accomplishments: tuple[Accomplishment, ...]

    @property
    def lines(self) -> list[Line]:
        return [line for a in self.accomplishments for line in a.lines]


@dataclass(frozen=True)
class Report:
    period: rules.Period
    previous: rules.Period
    parts: tuple[Part, ...]
    made_on: dt.date

    @property
    def lines(self) -> list[Line]:
        return [line for part in self.parts for line in part.lines]

    def count(self, status: Status) -> int:
        return sum(1 for line in self.lines if line.status is status)

    @property
    def counts(self) -> list[tuple[Status, str, int]]:
        return [(status, str(STATUS_LABELS[status]), self.count(status)) for status in Status]


def line_of(indicator: Indicator, period: rules.Period,
            tile: selectors.Tile | None = None) -> Line:
    """The indicator's line; ``tile`` its tile for the whole system, when already read."""
    if tile is None:
        tile = selectors.tile(indicator, period, Slice.system())
    status = status_of(tile.actual, tile.target, indicator.direction)
    return Line(indicator=indicator, baseline=tile.baseline, target=tile.target,
                actual=tile.actual, previous=tile.previous, status=status,
                travel=tile.versus_previous,
                comment=comment(unit=indicator.unit, direction=indicator.direction,
                                actual=tile.actual, target=tile.target, previous=tile.previous,
                                previous_label=period.previous().label))


def _parts(lines: Sequence[Line]) -> tuple[Part, ...]:
    """The lines grouped as the plan groups them, keeping the registry's (the seed's) order."""
    order: list[tuple[int, str]] = []
    by_part: dict[tuple[int, str], dict[str, list[Line]]] = {}
    for line in lines:
        key = (line.indicator.subprogramme, line.indicator.component)
        if key not in by_part:
            order.append(key)
            by_part[key] = {}
        by_part[key].setdefault(line.indicator.accomplishment, []).append(line)
    return tuple(
        Part(subprogramme=number, component=component,
             title=str(registry.SUBPROGRAMMES[number]),
             component_title=str(registry.COMPONENTS[component]) if component else "",
             objective=str(OBJECTIVES.get((number, component), "")),
             accomplishments=tuple(
                 Accomplishment(code=code, text=str(registry.ACCOMPLISHMENTS[code]),
                                lines=tuple(grouped))
                 for code, grouped in by_part[(number, component)].items()))
        for number, component in order)


def report_build(period: rules.Period, *, today: dt.date,
                 indicators: Iterable[Indicator] | None = None) -> Report:
    """The report of the biennium ``period`` for the whole system, in the active language."""
    chosen = registry.INDICATORS if indicators is None else tuple(indicators)
    # The targets and settings of every indicator in two queries, not two per indicator.
    lines = [line_of(tile.indicator, period, tile)
             for tile in selectors.tiles(period, Slice.system(), chosen)]
    return Report(period=period, previous=period.previous(), parts=_parts(lines), made_on=today)


def mandates() -> dict[str, list[tuple[str, str]]]:
    return {"general_assembly": [(number, str(title)) for number, title in MANDATES_GA],
            "security_council": [(number, str(title)) for number, title in MANDATES_SC]}
