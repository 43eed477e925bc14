"""The report's data: the seed's structure, each indicator's status and its generated comment,
figures written for the reader's locale."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from vigil.performance import registry, rules
from vigil.performance.models import Target
from vigil.performance.report import (
    Status,
    comment,
    figure,
    mandates,
    report_build,
    status_of,
)
from vigil.performance.rules import Direction, Unit

TODAY = dt.date(2026, 12, 6)
CURRENT = rules.biennium(2026)


def fixed(now: rules.Measure, before: rules.Measure) -> Any:
    """A compute function: ``now`` in 2026-2027, ``before`` in any other period."""
    return lambda query: now if query.period.start.year == 2026 else before


def comment_of(actual: rules.Measure, target: Decimal | None = None,
               previous: rules.Measure | None = None, unit: Unit = Unit.PERCENT,
               direction: Direction = Direction.UP) -> str:
    return comment(unit=unit, direction=direction, actual=actual, target=target,
                   previous=previous or rules.no_data(), previous_label="2024-2025")


# --- Structure -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_report_follows_the_seed_structure_and_order() -> None:
    report = report_build(CURRENT, today=TODAY, indicators=[
        replace(i, compute=fixed(rules.count(1), rules.count(1)))
        for i in registry.INDICATORS])

    assert [(p.subprogramme, p.component) for p in report.parts] == [
        (1, ""), (2, "SP2.1"), (2, "SP2.2")]
    assert [a.code for p in report.parts for a in p.accomplishments] == [
        "SP1.a", "SP1.b", "SP1.c", "SP2.1.a", "SP2.1.b", "SP2.1.c",
        "SP2.2.a", "SP2.2.b", "SP2.2.c", "SP2.2.d"]
    assert [line.indicator.id for line in report.lines] == list(registry.IDS)
    assert len(report.lines) == 18
    assert report.parts[1].component_title.startswith("Component 1")
    assert report.parts[0].objective.startswith("To provide a safe and secure environment")
    assert report.previous.label == "2024-2025"


@pytest.mark.django_db
def test_each_line_has_target_baseline_actual_previous_and_status() -> None:
    first, second, third = registry.INDICATORS[:3]
    Target.objects.create(indicator=first.id, biennium_start=2026, baseline=Decimal("80.0"),
                          target=Decimal("90.0"))
    Target.objects.create(indicator=second.id, biennium_start=2026, target=Decimal("5"))
    Target.objects.create(indicator=first.id, biennium_start=2024, target=Decimal("10.0"))
    report = report_build(CURRENT, today=TODAY, indicators=[
        replace(first, compute=fixed(rules.percent(92, 100), rules.percent(85, 100))),
        replace(second, compute=fixed(rules.count(7), rules.count(3))),  # lower is better
        replace(third, compute=fixed(rules.no_data(), rules.no_data())),
    ])

    one, two, three = report.lines
    assert (one.baseline, one.target, one.actual.value, one.previous.value) == (
        Decimal("80.0"), Decimal("90.0"), Decimal("92.0"), Decimal("85.0"))
    assert one.status is Status.MET
    assert one.travel is rules.Travel.BETTER
    assert two.status is Status.NOT_MET
    assert two.travel is rules.Travel.WORSE
    assert three.status is Status.NO_DATA
    assert three.target is None
    assert report.count(Status.MET) == 1
    assert report.count(Status.NOT_MET) == 1
    assert report.count(Status.NO_DATA) == 1
    assert report.count(Status.NO_TARGET) == 0


# --- Status ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "target", "direction", "expected"), [
    (90, Decimal(90), Direction.UP, Status.MET),  # at the target is met
    (89, Decimal(90), Direction.UP, Status.NOT_MET),
    (5, Decimal(5), Direction.DOWN, Status.MET),
    (6, Decimal(5), Direction.DOWN, Status.NOT_MET),
    (6, None, Direction.DOWN, Status.NO_TARGET),
    (None, Decimal(5), Direction.UP, Status.NO_DATA),
])
def test_status_against_the_target(value: int | None, target: Decimal | None,
                                   direction: Direction, expected: Status) -> None:
    actual = rules.no_data() if value is None else rules.count(value)
    assert status_of(actual, target, direction) is expected


# --- Comments ----------------------------------------------------------------------------------

def test_comment_target_met_and_better() -> None:
    with translation.override("en"):
        text = comment_of(rules.percent(92, 100), Decimal("90.0"), rules.percent(85, 100))
    assert text == "Target met: 92.0 % against 90.0 %. Better than 2024-2025 (85.0 %)."


def test_comment_target_not_met_and_worse() -> None:
    with translation.override("en"):
        text = comment_of(rules.percent(80, 100), Decimal("90.0"), rules.percent(85, 100))
    assert text == "Target not met: 80.0 % against 90.0 %. Worse than 2024-2025 (85.0 %)."


def test_comment_counts_lower_is_better() -> None:
    with translation.override("en"):
        text = comment_of(rules.count(1200), Decimal(1500), rules.count(1300), unit=Unit.COUNT,
                          direction=Direction.DOWN)
    assert text == "Target met: 1,200 against 1,500. Better than 2024-2025 (1,300)."


def test_comment_unchanged_and_nothing_to_compare() -> None:
    with translation.override("en"):
        same = comment_of(rules.count(4), None, rules.count(4), unit=Unit.COUNT)
        unknown = comment_of(rules.count(4), Decimal(3), rules.no_data(), unit=Unit.COUNT)
    assert same == ("No target set for this biennium; the actual is 4. "
                    "Unchanged from 2024-2025 (4).")
    assert unknown == "Target met: 4 against 3. No figure for 2024-2025 to compare with."


def test_comment_no_data_gives_the_reason() -> None:
    with translation.override("en"):
        empty = comment_of(rules.no_data(), Decimal(90), rules.percent(1, 2))
        outside = comment_of(rules.no_data(rules.SLICE_NOT_APPLICABLE))
    assert empty == "No data: nothing to count in this period."
    assert outside == "No data: these records cannot be placed in this slice."


def test_comment_timeliness_gives_the_median_delay() -> None:
    with translation.override("en"):
        text = comment_of(rules.timeliness(9, 10, Decimal("2.5")), Decimal(80),
                          rules.timeliness(7, 10, 4), unit=Unit.TIMELINESS)
    assert text == ("Target met: 90.0 % against 80.0 %. Better than 2024-2025 (70.0 %). "
                    "Median delay: 2.5 days.")


def test_figures_follow_the_locale() -> None:
    with translation.override("fr"):
        assert figure(Decimal("92.5"), Unit.PERCENT).startswith("92,5")
    with translation.override("en"):
        assert figure(Decimal("92.5"), Unit.PERCENT) == "92.5 %"
        assert figure(12345, Unit.COUNT) == "12,345"
        assert figure(None, Unit.COUNT) == "—"


def test_the_mandates_are_the_seeds() -> None:
    cited = mandates()
    assert [n for n, _t in cited["general_assembly"]] == [
        "54/192", "55/468", "56/255, section VIII", "56/286", "57/567", "59/211",
        "59/276, section XI", "60/123", "61/263", "65/132", "67/85", "68/101"]
    assert [n for n, _t in cited["security_council"]] == ["1502 (2003)"]
