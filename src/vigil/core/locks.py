"""One run at a time: the lock every periodic task holds, so that two runs never overlap.

On PostgreSQL the lock is a session advisory lock (``pg_try_advisory_lock``) on the worker's
own database connection. A worker killed with SIGKILL loses its connection, and the server
drops the lock at once: the next run, a minute later, is not held up. (A lock kept in the cache
would stay taken for its whole timeout, 15 minutes, after such a death, and no delivery sweep
would run meanwhile.)

Elsewhere (the embedded SQLite default, where one `vigil crisis_clock` process runs the tasks)
the lock is a cache entry with a timeout, which is enough for one process."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

R = TypeVar("R")

CACHE_TIMEOUT = 900


def key_of(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (advisory locks take a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yields True when this run holds the lock ``name``, False when another run does."""
    if connection.vendor == "postgresql":
        key = key_of(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    lock = f"vigil:lock:{name}"
    held = bool(cache.add(lock, "1", timeout=CACHE_TIMEOUT))
    try:
        yield held
    finally:
        if held:
            cache.delete(lock)


def run_alone(name: str, work: Callable[[], R]) -> R | None:
    """``work()`` under the lock ``name``; None, without running it, when another run holds
    the lock."""
    with exclusive(name) as held:
        return work() if held else None
