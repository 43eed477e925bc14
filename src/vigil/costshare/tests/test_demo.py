"""The demo step: an approved earlier biennium and a later one waiting for approval."""

from __future__ import annotations

import random
from decimal import Decimal

from vigil.core.authz import Role
from vigil.core.demo import SCALES, DemoContext
from vigil.costshare.demo import load_costshare
from vigil.costshare.models import Apportionment


def test_the_demo_step_apportions_two_bienniums(cast, user_with):
    user_with(Role.BUDGET_OFFICER, username="budget")
    ctx = DemoContext(scale=SCALES["small"], rng=random.Random(1),
                      progress=lambda *_a: None)
    load_costshare(ctx)
    approved, waiting = Apportionment.objects.order_by("biennium__start_year")
    assert approved.status == "approved"
    assert waiting.status == "draft"
    assert sum(x.amount for x in waiting.lines.all()) == Decimal("262400000.00")
