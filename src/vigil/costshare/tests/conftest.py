from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from vigil.core.authz import Role
from vigil.costshare import services


@pytest.fixture
def budget_officer(user_with: Any) -> Any:
    return user_with(Role.BUDGET_OFFICER, username="budget")


@pytest.fixture
def biennium(cast: Any, budget_officer: Any) -> Any:
    return services.biennium_save(actor=budget_officer, biennium=None,
                                  data={"start_year": 2026, "budget": Decimal("1000000.00")})


@pytest.fixture
def final_census(biennium: Any, budget_officer: Any) -> Any:
    census, _report = services.census_import(
        actor=budget_officer, biennium=biennium, census_date=biennium.created_at.date(),
        data="organization,country,headcount\nUNDP,KE,300\nWFP,SO,696\nWFP,KE,4\n")
    return services.census_move(actor=budget_officer, census=census, status="final")
