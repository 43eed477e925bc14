"""For the tests that a page asks the same number of queries at two data sizes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(client: Any, url: str) -> int:
    """The queries one GET of ``url`` asks (the answer must be 200)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def queries_of(client: Any, users: Iterable[Any], pages: Iterable[str]) -> list[int]:
    """The queries of each page for each user in turn (signed in as that user)."""
    pages = list(pages)
    found: list[int] = []
    for user in users:
        client.force_login(user)
        found += [queries(client, url) for url in pages]
    return found
