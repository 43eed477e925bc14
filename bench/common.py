"""What every benchmark shares: the machine it ran on, percentiles, throwaway PostgreSQL
databases, Django set-up, and the result file each benchmark writes to bench/results/.

A result is one JSON file per benchmark (``bench/results/B4.json``)::

    {"id": "B4", "title": "...", "workload": "...", "reference": "...", "goal": "...",
     "rows": [{"name": "...", "vigil": 41.2, "reference": 12.0, "unit": "s",
               "ratio": 3.4, "goal": "<= 60 s and <= 4x", "met": true}, ...],
     "met": true, "gap": null, "notes": [...], "machine": "...", "date": "...",
     "database": "PostgreSQL 15.19", "scale": {...}, "seconds": 123.4}

``bench/report.py`` turns every result file into the summary table at the top of
docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
VIGIL = str(ROOT / ".venv" / "bin" / "vigil")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
#: The PostgreSQL server benchmarks create their throwaway databases on.
PG_SERVER = os.environ.get("VIGIL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def machine() -> str:
    """The machine, as the results name it: cores, CPU model, memory, system."""
    model = "unknown CPU"
    memory = "unknown RAM"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({model}), {memory}, {platform.system()} {platform.machine()}"


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of timings, rounded for the record."""
    return {"p50": round(percentile(values, 0.50), 3), "p95": round(percentile(values, 0.95), 3),
            "p99": round(percentile(values, 0.99), 3),
            "mean": round(statistics.fmean(values), 3), "n": len(values)}


def pg_url(name: str) -> str:
    """The URL of the throwaway database ``name`` on the benchmark server."""
    return f"{PG_SERVER.rstrip('/')}/{name}"


def pg_admin(sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def fresh_pg_database(name: str) -> str:
    """Drop and create ``name``; returns its URL."""
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def pg_database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [name]).fetchone() is not None


def migrations_fingerprint(extra: str = "") -> str:
    """Names the migrations on disk (and ``extra``): a base database built with another set
    is built again."""
    names = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src" / "vigil").glob(
        "*/migrations/0*.py"))
    return hashlib.sha256(("\n".join(names) + extra).encode()).hexdigest()[:16]


def base_is_current(base: str, fingerprint: str) -> bool:
    """Whether the template database ``base`` exists and was built for ``fingerprint`` (kept
    in its one-row table bench_base, written by mark_base)."""
    if not pg_database_exists(base):
        return False
    import psycopg

    with psycopg.connect(pg_url(base), autocommit=True) as conn:
        try:
            row = conn.execute("SELECT fingerprint FROM bench_base").fetchone()
        except psycopg.Error:
            return False
    return row is not None and row[0] == fingerprint


def mark_base(conn: Any, fingerprint: str) -> None:
    """Record on an open connection to a finished template database what it was built for."""
    conn.execute("CREATE TABLE bench_base (fingerprint text)")
    conn.execute("INSERT INTO bench_base VALUES (%s)", [fingerprint])


@contextmanager
def counting(tally: list[int]) -> Iterator[None]:
    """Count the statements Django sends while inside (an executemany counts once)."""
    from django.db import connection

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        tally[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def setup_django(url: str, migrate: bool = True) -> None:
    """Point Vigil at ``url``, migrate it (in a subprocess, as `vigil migrate`), and set
    Django up in this process."""
    VAR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "VIGIL_VAR_DIR": str(VAR)}
    if migrate:
        subprocess.run([VIGIL, "migrate", "-v0"], env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")
    import django

    django.setup()


def database_label() -> str:
    """The database Django is connected to, with its version."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


@dataclass
class Row:
    """One line of a benchmark's table: Vigil's figure beside its reference."""

    name: str
    vigil: float | None
    reference: float | None
    unit: str
    goal: str
    met: bool | None
    ratio: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.ratio is None and self.vigil is not None and self.reference:
            self.ratio = round(self.vigil / self.reference, 2)


@dataclass
class Result:
    """What one benchmark found. ``save()`` writes it to bench/results/<id>.json."""

    id: str
    title: str
    workload: str
    reference: str
    goal: str
    rows: list[Row] = field(default_factory=list)
    gap: str | None = None
    notes: list[str] = field(default_factory=list)
    scale: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    database: str = ""
    started: float = field(default_factory=time.perf_counter)

    @property
    def met(self) -> bool:
        return bool(self.rows) and all(r.met is not False for r in self.rows)

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data.pop("started")
        data.update(met=self.met, machine=machine(),
                    date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    seconds=round(time.perf_counter() - self.started, 1))
        path = RESULTS / f"{self.id}.json"
        path.write_text(json.dumps(data, indent=2, default=str) + "\n")
        return path
