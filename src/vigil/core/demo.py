"""Deterministic demo data. Each app contributes a step from its own ``demo.py``.

`vigil demo --scale small|medium|large` runs the steps in order with one seeded random source,
so the same scale and seed always give the same records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from vigil.core import audit
from vigil.core.errors import DomainError


@dataclass(frozen=True)
class Scale:
    name: str
    duty_stations: int
    personnel: int
    dependants_per_person: float


SCALES = {
    "small": Scale("small", 50, 2_000, 1.3),
    "medium": Scale("medium", 400, 30_000, 1.33),
    "large": Scale("large", 2_000, 300_000, 1.34),
}


@dataclass
class DemoContext:
    scale: Scale
    rng: random.Random
    progress: Callable[[str, int, int], None]
    data: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    password: str = settings.VIGIL_DEMO_PASSWORD


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    run: Callable[[DemoContext], None]


_STEPS: list[Step] = []


def register_step(order: int, name: str, run: Callable[[DemoContext], None]) -> None:
    _STEPS.append(Step(order, name, run))
    _STEPS.sort(key=lambda s: s.order)


def steps() -> list[Step]:
    autodiscover_modules("demo")
    return list(_STEPS)


def database_is_empty() -> bool:
    from django.contrib.auth import get_user_model

    return not get_user_model().objects.exists()


@transaction.atomic
def demo_load(*, scale: str, seed: int = 2016,
              progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Fill an empty database with demo data. Refuses a database that has users already."""
    if not database_is_empty():
        raise DomainError("The database already has users; demo data goes only into an empty one.")
    ctx = DemoContext(scale=SCALES[scale], rng=random.Random(seed),  # noqa: S311  # nosec B311 - not crypto
                      progress=progress or (lambda step, done, total: None))
    for step in steps():
        step.run(ctx)
    audit.record(actor=None, action="core.demo.load", object_type="demo",
                 changes={"scale": scale, "seed": seed, **ctx.counts})
    return ctx.counts
