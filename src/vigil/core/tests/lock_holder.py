"""A test's stand-in for another worker holding a lock: a thread with its own database
connection (an advisory lock is re-entrant within one connection, so the test's own would not
do) takes the lock and keeps it until the block ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from vigil.core.locks import exclusive


@contextmanager
def held_elsewhere(name: str, *, die: bool = False) -> Iterator[None]:
    """Holds ``name`` in another thread while the block runs. ``die``: the holder's connection
    is closed without unlocking, as when its process is killed, before the block runs."""
    taken, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with exclusive(name) as held:
                assert held, f"the lock {name} was already taken"
                taken.set()
                if die and connection.vendor == "postgresql":
                    # The server drops the lock with the session; the unlock at the end of
                    # the block then runs on a new connection, and finds nothing to unlock.
                    connection.close()
                    done.set()
                release.wait(30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(30)
    if die:
        done.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.join(30)
