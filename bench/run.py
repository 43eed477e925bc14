"""Benchmarks: the scoped personnel read (authz.visible) against hand-written SQL on the same data.

Builds a fresh SQLite database under var/bench/ with `vigil demo --scale medium`, then times, for
a security officer scoped to Kenya, (a) the selector's count and first page, and (b) the same
query in raw SQL. Figures are appended to docs/performance.md with the machine they came from.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
SCALE = os.environ.get("VIGIL_BENCH_SCALE", "medium")


def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    db = VAR / f"bench-{SCALE}.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "VIGIL_VAR_DIR": str(VAR)}
    vigil = str(ROOT / ".venv" / "bin" / "vigil")
    if not db.exists():
        subprocess.run([vigil, "migrate", "-v0"], env=env, check=True)
        subprocess.run([vigil, "demo", "--scale", SCALE, "-v0"], env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from vigil.people import selectors

    user = get_user_model().objects.get(username="security.officer")

    def orm() -> tuple[int, int]:
        qs = selectors.person_list(user=user).order_by("family_name", "pk")
        return qs.count(), len(list(qs[:50]))

    # The same rows by hand: staff at Kenya's duty stations, or the officer's own record
    # (every officer is also a traveller), with the same joins for the page.
    where = ("WHERE p.duty_station_id IN (SELECT id FROM places_dutystation WHERE "
             "country_id = %s) OR p.user_id = %s")
    sql_count = f"SELECT COUNT(*) FROM people_person p {where}"
    sql_page = ("SELECT p.*, o.*, d.*, c.* FROM people_person p "
                "JOIN people_organization o ON o.id = p.organization_id "
                "JOIN places_dutystation d ON d.id = p.duty_station_id "
                f"JOIN places_country c ON c.id = d.country_id {where} "
                "ORDER BY p.family_name, p.id LIMIT 50")
    kenya = user.role_grants.get(role="security_officer").scope_id

    def raw() -> tuple[int, int]:
        with connection.cursor() as cur:
            cur.execute(sql_count, [kenya, user.pk])
            count = cur.fetchone()[0]
            cur.execute(sql_page, [kenya, user.pk])
            return count, len(cur.fetchall())

    assert orm() == raw(), (orm(), raw())
    results = {}
    for name, fn in (("selector (authz.visible, with model instances)", orm), ("raw SQL", raw)):
        fn()
        times = []
        for _ in range(30):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        results[name] = (statistics.median(times), min(times))
    from vigil.people.models import Person

    total = Person.objects.count()
    lines = [f"\n### {time.strftime('%Y-%m-%d')}, scale {SCALE}\n",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, SQLite {connection.Database.sqlite_version}."
             f" {total} personnel; the officer's scope (Kenya) holds {orm()[0]}.\n",
             "| query | median ms | best ms |", "|---|---|---|"]
    lines += [f"| {k} | {v[0]:.2f} | {v[1]:.2f} |" for k, v in results.items()]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    perf = ROOT / "docs" / "performance.md"
    if not perf.exists():
        perf.write_text("# Performance\n\n## Scoped personnel list\n\nFigures from "
                        "`make bench`, each beside a reference measured in the same run.\n")
    with perf.open("a") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
