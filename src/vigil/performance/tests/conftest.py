"""The figures kept in the cache (performance.figures) belong to one test's records: every test
starts with none. The programme manager and a DRO desk officer over Kenya, as the pages'
tests sign in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from vigil.core.authz import Role, ScopeKind


@pytest.fixture(autouse=True)
def _no_kept_figures() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager(user_with: Any) -> Any:
    return user_with(Role.PROGRAMME_MANAGER)


@pytest.fixture
def desk(user_with: Any, cast: Any) -> Any:
    return user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
