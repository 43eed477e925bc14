"""The indicator page's pictures as geometry: the trend's points and breaks, the axis labels,
the map's classes ("no data" never drawn as 0)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vigil.performance import charts, rules


def _years(*values):
    return [(rules.year(2021 + index), value) for index, value in enumerate(values)]


def test_a_percentage_trend_runs_from_0_to_100_and_breaks_at_no_data():
    drawn = charts.trend(_years(Decimal(50), Decimal(100), None, Decimal(0), Decimal(25)),
                         percent=True)
    ys = [p.y for p in drawn["points"]]
    assert ys == [(charts.TOP + charts.BOTTOM) / 2, charts.TOP, None, charts.BOTTOM,
                  charts.BOTTOM - (charts.BOTTOM - charts.TOP) / 4]
    assert (drawn["points"][0].x, drawn["points"][-1].x) == (charts.LEFT, charts.RIGHT)
    # No line crosses the year without data: 2021 to 2022 and 2024 to 2025 only.
    assert [(s["x1"], s["x2"]) for s in drawn["segments"]] == [
        (drawn["points"][0].x, drawn["points"][1].x), (drawn["points"][3].x,
                                                       drawn["points"][4].x)]
    assert [g["label"] for g in drawn["grid"]] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert drawn["any"] is True


def test_a_count_trend_rounds_its_top_up_and_nothing_known_draws_nothing():
    drawn = charts.trend(_years(3, 850), percent=False)
    assert [g["label"] for g in drawn["grid"]] == ["0", "250", "500", "750", "1000"]
    assert drawn["points"][1].y > charts.TOP
    empty = charts.trend(_years(None, None), percent=False)
    assert empty["any"] is False
    assert empty["segments"] == []


@pytest.mark.parametrize(("raw", "step"), [(0.2, 1), (1, 1), (1.4, 2), (2.1, 3), (28.4, 30),
                                            (212.5, 250), (361, 400), (4100, 5000)])
def test_steps_are_round_whole_numbers(raw, step):
    assert charts.nice_step(raw) == step


def test_a_count_map_has_round_classes():
    assert [(c["low"], c["high"]) for c in charts.country_map(
        {"KE": 142, "SO": 3}, percent=False)["legend"]] == [
        ("0", "30"), ("30", "60"), ("60", "90"), ("90", "120"), ("120", "150")]
    assert charts.klass(142, 142.0, percent=False) == 4
    assert charts.klass(29, 142.0, percent=False) == 0


def test_one_point_sits_in_the_middle():
    drawn = charts.trend(_years(7), percent=False)
    assert drawn["points"][0].x == (charts.LEFT + charts.RIGHT) / 2


@pytest.mark.parametrize(("period", "lines"), [
    (rules.biennium(2024), ("2024-", "2025")),
    (rules.year(2026), ("2026",)),
    (rules.quarter_of(dt.date(2026, 8, 1)), ("2026", "Q3")),
    (rules.Period(rules.PeriodKind.CUSTOM, dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
     ("2026-01-01", "2026-06-30")),
])
def test_axis_labels_are_short_lines(period, lines):
    assert charts.axis_lines(period) == lines


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), (0, 0), (Decimal("19.9"), 0), (20, 1), (Decimal("99.9"), 4), (100, 4)])
def test_map_classes_keep_no_data_apart_from_zero(value, expected):
    assert charts.klass(value, 100.0, percent=True) == expected


def test_the_map_draws_the_countries_given_and_hatches_no_data():
    drawn = charts.country_map({"KE": Decimal(80), "SO": None, "ET": Decimal(0)}, percent=True)
    assert drawn["any"] is True
    shown = {c["code"]: c for c in drawn["countries"] if c["shown"]}
    assert set(shown) == {"KE", "SO", "ET"}
    assert shown["SO"]["class"] is None
    assert shown["ET"]["class"] == 0
    assert shown["KE"]["colour"] == charts.RAMP[4]
    # Neighbours inside the frame are drawn in grey, as context.
    assert any(not c["shown"] for c in drawn["countries"])
    assert all(c["d"].startswith("M") for c in drawn["countries"])
    assert charts.country_map({"ZZ": 1}, percent=False) == {"any": False}
