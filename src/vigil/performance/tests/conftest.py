"""The figures kept in the cache (performance.figures) belong to one test's records: every test
starts with none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _no_kept_figures() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
