"""The periodic tasks' lock: one run at a time, and (on PostgreSQL) a lock whose holder died
is free at once, where a cache entry would have kept it for its whole timeout."""

from __future__ import annotations

import pytest
from django.db import connection

from vigil.core import locks
from vigil.core.tests.lock_holder import held_elsewhere
from vigil.crisis import tasks as crisis_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_goes_ahead_when_no_one_holds_the_lock():
    assert locks.run_alone("test:free", lambda: 42) == 42
    assert locks.run_alone("test:free", lambda: 43) == 43  # released after the first


def test_a_run_is_skipped_while_another_holds_the_lock():
    ran = []
    with held_elsewhere("test:busy"):
        assert locks.run_alone("test:busy", lambda: ran.append(1)) is None
    assert ran == []
    assert locks.run_alone("test:busy", lambda: "after") == "after"


def test_the_lock_is_released_when_the_work_fails():
    def fail() -> None:
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        locks.run_alone("test:fails", fail)
    assert locks.run_alone("test:fails", lambda: "free") == "free"


def test_the_crisis_sweep_skips_while_another_worker_sweeps(monkeypatch):
    monkeypatch.setattr(crisis_tasks.delivery, "deliver_due", lambda **_kw: {"sent": 1})
    with held_elsewhere("vigil:crisis:deliver-due"):
        assert crisis_tasks.deliver_due() is None
    assert crisis_tasks.deliver_due() == {"sent": 1}


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="advisory locks are PostgreSQL's; SQLite runs one clock process")
def test_a_killed_holders_lock_is_free_at_once():
    with held_elsewhere("test:dead", die=True):
        assert locks.run_alone("test:dead", lambda: "taken over") == "taken over"


def test_keys_are_stable_and_distinct():
    assert locks.key_of("vigil:crisis:deliver-due") == locks.key_of("vigil:crisis:deliver-due")
    assert locks.key_of("a") != locks.key_of("b")
    assert -2**63 <= locks.key_of("vigil:crisis:deliver-due") < 2**63
