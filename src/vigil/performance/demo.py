"""Demo baselines and targets of every indicator for 2024-2025 and 2026-2027, set by the
programme manager, near the demo's own figures so that some targets are met and some not."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from vigil.core.demo import DemoContext, register_step
from vigil.performance import registry
from vigil.performance.models import Target
from vigil.performance.rules import Direction, Unit

# (baseline 2024-2025, target 2024-2025, target 2026-2027) by indicator; the baseline of
# 2026-2027 is the target of 2024-2025, as the programme plan carries it over.
FIGURES: dict[str, tuple[int, int, int]] = {
    "SP1.a.i": (85, 90, 95), "SP1.a.ii": (25, 20, 15), "SP1.a.iii": (12, 10, 8),
    "SP1.b": (2, 3, 4), "SP1.c": (60, 75, 90), "SP2.1.a.i": (60, 70, 80),
    "SP2.1.a.ii": (40, 50, 60), "SP2.1.b.i": (45, 55, 70), "SP2.1.b.ii": (70, 80, 90),
    "SP2.1.c.i": (70, 75, 85), "SP2.1.c.ii": (15, 20, 30), "SP2.2.a.i": (5, 10, 15),
    "SP2.2.a.ii": (3, 4, 6), "SP2.2.a.iii": (60, 70, 80), "SP2.2.b": (900, 1000, 1100),
    "SP2.2.c.i": (55, 60, 70), "SP2.2.c.ii": (10, 20, 30), "SP2.2.d": (60, 70, 80),
}
NOTE = "Demo: programme budget, Programme 28 (illustrative figures)."


def run(ctx: DemoContext) -> None:
    manager = get_user_model().objects.filter(username="programme.manager").first()
    rows = []
    for indicator in registry.INDICATORS:
        baseline, earlier, later = FIGURES.get(indicator.id, (0, 0, 0))
        if indicator.unit in (Unit.PERCENT, Unit.TIMELINESS):
            baseline, earlier, later = (min(v, 100) for v in (baseline, earlier, later))
        if indicator.direction is Direction.DOWN:
            earlier, later = min(earlier, baseline), min(later, earlier)
        rows += [Target(indicator=indicator.id, biennium_start=2024, baseline=Decimal(baseline),
                        target=Decimal(earlier), note=NOTE, set_by=manager),
                 Target(indicator=indicator.id, biennium_start=2026, baseline=Decimal(earlier),
                        target=Decimal(later), note=NOTE, set_by=manager)]
    Target.objects.bulk_create(rows, ignore_conflicts=True)
    ctx.counts["indicator targets"] = len(rows)


register_step(130, "performance targets", run)
