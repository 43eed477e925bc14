"""Demo baselines and targets of every indicator for 2024-2025 and 2026-2027, set by the
programme manager the way a programme plan sets them: the baseline of 2026-2027 is what
2024-2025 achieved, and its target one step better; 2024-2025 started one step worse than it
ended, with a target that some indicators reached and others missed.

The figures are read from the demo's own records (the last step of the demo, so they are all
there), whatever the scale: a count of trainees at the medium scale is fifteen times that at
the small one, and a fixed target would be met, or missed, by far. An indicator with no
2024-2025 figure in the demo takes the fixed figures of ``WITHOUT_DATA``."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model

from vigil.core.demo import DemoContext, register_step
from vigil.core.slices import Slice
from vigil.performance import registry, rules
from vigil.performance import selectors as sel
from vigil.performance.definitions import Indicator
from vigil.performance.models import Target

FIRST, SECOND = 2024, 2026
# The indicators whose 2024-2025 target the demo shows as reached; the others missed it.
MET_IN_FIRST = frozenset({"SP1.a.ii", "SP1.a.iii", "SP1.b", "SP2.1.b.i", "SP2.1.c.ii",
                          "SP2.2.a.ii", "SP2.2.b", "SP2.2.d"})
# (baseline 2024-2025, target 2024-2025, target 2026-2027) where the demo has no figure.
WITHOUT_DATA: dict[str, tuple[int, int, int]] = {
    "SP2.2.a.iii": (60, 70, 80),  # counselling counts below the minimum cell are withheld
    "SP2.2.c.ii": (10, 20, 30),
}
PERCENT_STEP = Decimal(10)
NOTE = "Demo: programme budget, Programme 28 (illustrative figures)."


def _step(indicator: Indicator, actual: Decimal) -> Decimal:
    """One step of improvement: ten points of a percentage, a tenth of a count (at least 1)."""
    if indicator.unit is rules.Unit.COUNT:
        return max(Decimal(1), (actual / 10).quantize(Decimal(1), ROUND_HALF_UP))
    return PERCENT_STEP


def _grain(indicator: Indicator, value: Decimal) -> Decimal:
    """How finely a plan writes the figure: 5 per cent, a round count."""
    if indicator.unit is not rules.Unit.COUNT:
        return Decimal(5)
    return Decimal(1) if value < 50 else Decimal(10) if value < 500 else Decimal(50)


def _clip(indicator: Indicator, value: Decimal) -> Decimal:
    value = max(value, Decimal(0))
    return value if indicator.unit is rules.Unit.COUNT else min(value, Decimal(100))


def _aim(indicator: Indicator, value: Decimal, better: int) -> Decimal:
    """A target as a plan writes it: rounded to its grain, the better way."""
    grain = _grain(indicator, value)
    whole = (value / grain).quantize(Decimal(1), ROUND_CEILING if better > 0 else ROUND_FLOOR)
    return _clip(indicator, whole * grain)


def figures(indicator: Indicator, actual: Decimal | int | None) -> tuple[Decimal, ...]:
    """(baseline, target) of 2024-2025 and (baseline, target) of 2026-2027, from the actual of
    2024-2025."""
    if actual is None:
        before, target, later = (Decimal(v) for v in WITHOUT_DATA.get(indicator.id, (0, 0, 0)))
        return before, target, target, later
    achieved = Decimal(actual)
    better = 1 if indicator.direction is rules.Direction.UP else -1
    step = _step(indicator, achieved)
    before = _clip(indicator, (achieved - better * step).quantize(Decimal(1), ROUND_HALF_UP))
    if indicator.id in MET_IN_FIRST:
        aim = _aim(indicator, achieved - better * step / 2, better)
        # Rounding the better way must not lift the target past what was achieved.
        aim = min(aim, achieved) if better > 0 else max(aim, achieved)
    else:
        aim = _aim(indicator, achieved + better * step / 2, better)
    return (before, aim, achieved.quantize(Decimal("0.1")),
            _aim(indicator, achieved + better * step, better))


def run(ctx: DemoContext) -> None:
    manager = get_user_model().objects.filter(username="programme.manager").first()
    first = rules.biennium(FIRST)
    rows = []
    for indicator in registry.INDICATORS:
        actual = sel.measure(indicator, first, Slice.system()).value
        before, aim, baseline, target = figures(indicator, actual)
        rows += [Target(indicator=indicator.id, biennium_start=FIRST, baseline=before,
                        target=aim, note=NOTE, set_by=manager),
                 Target(indicator=indicator.id, biennium_start=SECOND, baseline=baseline,
                        target=target, note=NOTE, set_by=manager)]
    Target.objects.bulk_create(rows, ignore_conflicts=True)
    ctx.counts["indicator targets"] = len(rows)


register_step(130, "performance targets", run)
