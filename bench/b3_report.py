"""B3: the biennium indicator report (all 18 indicators of programme performance, for the
whole system, the biennium and the one before it) computed through Vigil's code, against
hand-written SQL for the same figures, on PostgreSQL, on the shared data set.

    .venv/bin/python bench/b3_report.py                    # large: 300,000 staff (~3 min once
                                                            # the data set is built)
    .venv/bin/python bench/b3_report.py --scale small      # the smoke run (< 60 s once built)
    .venv/bin/python bench/b3_report.py --database-url postgres://.../db   # a data set's copy

Vigil: ``performance.report.report_build(period, today=...)``, the call the report page, its
PDF and its XLSX make for their figures (the rendering is not timed), in English. It computes
each indicator's actual for the biennium and for the previous biennium (the tiles' figures),
with the targets. Its database queries are counted once.

Reference: one hand-written SQL statement per indicator and period (``SQL`` below, 17 of the 18
indicators) on the same connection, giving the numerator, the denominator and the value; the
arithmetic done in the statement (shares rounded half up to one decimal, as Vigil rounds).
SP1.c (emergency plans updated and tested on every day of the period) has no SQL statement:
its day-by-day rule (each plan's tenure, review interval and drill cover, kind by kind) is
emergency plans' own engine; its Vigil time is shown apart, and the ratio compares
report_build(indicators=<the 17>) with the 17 statements.

The clock is stopped for the run (django.utils.timezone.now returns the moment the run began),
so that Vigil and the SQL measure the stocks (whereabouts, stress training) at the same moment.
Before timing, the figures of both are compared, indicator by indicator and period by period
(numerator, denominator, value); the script stops on the first difference. Then --rounds rounds,
Vigil and the SQL alternating in each round, p50 and p95 of each.

Goal: the whole report in at most 2 s on PostgreSQL, and at most 1.5 times the SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result, Row, database_label, setup_django, summary

# --- The reference: one statement per indicator -------------------------------------------------
#
# Parameters every statement may use (psycopg named parameters):
#   start, end        the period's first and last day
#   begin, stop       the period as UTC moments: start 00:00, the day after end 00:00
#   on                the day a stock is read on: the period's last day, or today while it runs
#   at                the moment a stock is read at: the end of the last day, or now
#   now               the (stopped) clock
# and the indicator's settings, read by settings_sql.

SHARE = "round(100::numeric * {n} / nullif({d}, 0), 1)"

SQL: dict[str, str] = {
    # SP1.a.i: the latest final H-MOSS assessment of each headquarters place in the period;
    # compliant items / applicable items.
    "SP1.a.i": """
        WITH latest AS (
            SELECT DISTINCT ON (a.duty_station_id, a.premises_id, a.residence_of_id) a.id
            FROM risk_complianceassessment a
            JOIN risk_mossdocument d ON d.id = a.document_id
            JOIN places_dutystation s ON s.id = a.duty_station_id
            WHERE a.status = 'final' AND d.kind = 'hq' AND s.kind IN ('hq', 'rc')
              AND a.residence_of_id IS NULL AND a.assessed_on BETWEEN %(start)s AND %(end)s
            ORDER BY a.duty_station_id, a.premises_id, a.residence_of_id,
                     a.assessed_on DESC, a.id DESC),
        items AS (
            SELECT count(*) FILTER (WHERE r.state = 'compliant') AS n,
                   count(*) FILTER (WHERE r.state <> 'not_applicable') AS d
            FROM latest JOIN risk_complianceresult r ON r.assessment_id = latest.id)
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM items""",
    # SP1.a.ii: unauthorized entries by their first event (UTC days); no data without any
    # entry event in the period.
    "SP1.a.ii": """
        SELECT n, NULL, n FROM (SELECT count(*) AS n FROM hq_unauthorizedentry
                                WHERE occurred_at >= %(begin)s AND occurred_at < %(stop)s) c
        WHERE EXISTS (SELECT 1 FROM hq_entryevent
                      WHERE occurred_at >= %(begin)s AND occurred_at < %(stop)s)""",
    # SP1.a.iii: safety claims received in the period; no data before the first claim ever.
    "SP1.a.iii": """
        SELECT n, NULL, n FROM (SELECT count(*) AS n FROM hq_safetyclaim
                                WHERE received_on BETWEEN %(start)s AND %(end)s) c
        WHERE EXISTS (SELECT 1 FROM hq_safetyclaim WHERE received_on <= %(end)s)""",
    # SP1.b: protection cases whose needs assessment was submitted in the period (UTC days);
    # no data before the first ever.
    "SP1.b": """
        SELECT n, NULL, n FROM (
            SELECT count(*) AS n FROM hq_needsassessment
            WHERE completed_at >= %(begin)s AND completed_at < %(stop)s) c
        WHERE EXISTS (SELECT 1 FROM hq_needsassessment WHERE completed_at < %(stop)s)""",
    # SP2.1.a.i: the latest SRA endorsed by the reference day, per place; up to date when
    # its review is not past due.
    "SP2.1.a.i": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE review_due >= %(on)s) AS n, count(*) AS d FROM (
                SELECT DISTINCT ON (country_id, security_area_id) review_due
                FROM risk_securityriskassessment
                WHERE endorsed_at IS NOT NULL AND (endorsed_at AT TIME ZONE 'UTC')::date <= %(on)s
                ORDER BY country_id, security_area_id, endorsed_at DESC, id DESC) s) c""",
    # SP2.1.a.ii: active field stations; the latest final country-MOSS assessment (of an
    # endorsed SRA's MOSS) of each of their places in the period; implements when compliant
    # items reach the threshold share of applicable items.
    "SP2.1.a.ii": """
        WITH stations AS (SELECT id FROM places_dutystation WHERE is_active AND kind = 'field'),
        latest AS (
            SELECT DISTINCT ON (a.duty_station_id, a.premises_id, a.residence_of_id)
                   a.id, a.duty_station_id
            FROM risk_complianceassessment a
            JOIN risk_mossdocument d ON d.id = a.document_id
            JOIN risk_securityriskassessment sra ON sra.id = d.sra_id
            WHERE a.status = 'final' AND d.kind = 'country' AND sra.endorsed_at IS NOT NULL
              AND a.duty_station_id IN (SELECT id FROM stations)
              AND a.assessed_on BETWEEN %(start)s AND %(end)s
            ORDER BY a.duty_station_id, a.premises_id, a.residence_of_id,
                     a.assessed_on DESC, a.id DESC),
        per_station AS (
            SELECT latest.duty_station_id,
                   count(r.id) FILTER (WHERE r.state = 'compliant') AS compliant,
                   count(r.id) FILTER (WHERE r.state <> 'not_applicable') AS applicable
            FROM latest LEFT JOIN risk_complianceresult r ON r.assessment_id = latest.id
            GROUP BY latest.duty_station_id)
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT (SELECT count(*) FROM per_station WHERE applicable > 0
                    AND 100 * compliant >= %(threshold)s * applicable) AS n,
                   (SELECT count(*) FROM stations) AS d) c""",
    # SP2.1.b.i: places with a security plan made by the reference day; endorsed when one of
    # their plans was endorsed by then.
    "SP2.1.b.i": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE endorsed) AS n, count(*) AS d FROM (
                SELECT bool_or(endorsed_at IS NOT NULL
                               AND (endorsed_at AT TIME ZONE 'UTC')::date <= %(on)s) AS endorsed
                FROM risk_securityplan
                WHERE (created_at AT TIME ZONE 'UTC')::date <= %(on)s
                GROUP BY country_id, duty_station_id) p) c""",
    # SP2.1.b.ii: crises activated in the period, in time when within the settings' hours of
    # their incident.
    "SP2.1.b.ii": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE extract(epoch FROM activated_at - incident_at)
                                    <= 3600 * %(crisis_hours)s) AS n, count(*) AS d
            FROM crisis_crisis
            WHERE activated_at >= %(begin)s AND activated_at < %(stop)s) c""",
    # SP2.1.c.i: approved level reviews decided in the period, in time within the setting's
    # days of their first proposal.
    "SP2.1.c.i": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE extract(epoch FROM decided_at - proposed_at)
                                    <= 86400 * %(days)s) AS n, count(*) AS d
            FROM risk_securitylevelreview
            WHERE status = 'approved' AND decided_at IS NOT NULL
              AND (decided_at AT TIME ZONE 'UTC')::date BETWEEN %(start)s AND %(end)s) c""",
    # SP2.1.c.ii: countries with an active duty station; visited when a mission there was
    # completed in the period.
    "SP2.1.c.ii": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM risk_mission m WHERE m.country_id = p.country_id
                       AND m.status = 'completed'
                       AND m.completed_on BETWEEN %(start)s AND %(end)s)) AS n,
                   count(*) AS d
            FROM (SELECT DISTINCT country_id FROM places_dutystation
                  WHERE is_active AND country_id IS NOT NULL) p) c""",
    # SP2.2.a.i: active staff at duty stations whose area's level in force is high, and their
    # active dependants; trained when holding a stress-management completion by the day.
    "SP2.2.a.i": """
        WITH level AS (
            SELECT DISTINCT ON (security_area_id) security_area_id, proposed_level
            FROM risk_securitylevelreview WHERE status = 'approved'
            ORDER BY security_area_id, decided_at DESC, id DESC),
        high AS (
            SELECT s.id FROM places_dutystation s
            JOIN level ON level.security_area_id = s.security_area_id
            WHERE level.proposed_level >= %(high_risk_level)s),
        course AS (SELECT id FROM training_course WHERE kind = 'stress_management'),
        staff AS (
            SELECT p.id, EXISTS (
                SELECT 1 FROM training_completion c WHERE c.person_id = p.id
                AND c.dependant_id IS NULL AND NOT c.revoked AND c.completed_on <= %(on)s
                AND c.course_id IN (SELECT id FROM course)) AS trained
            FROM people_person p
            WHERE p.status = 'active' AND p.duty_station_id IN (SELECT id FROM high)),
        family AS (
            SELECT EXISTS (
                SELECT 1 FROM training_completion c WHERE c.dependant_id = d.id
                AND NOT c.revoked AND c.completed_on <= %(on)s
                AND c.course_id IN (SELECT id FROM course)) AS trained
            FROM people_dependant d
            WHERE d.status = 'active' AND d.person_id IN (SELECT id FROM staff))
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT (SELECT count(*) FILTER (WHERE trained) FROM staff)
                   + (SELECT count(*) FILTER (WHERE trained) FROM family) AS n,
                   (SELECT count(*) FROM staff) + (SELECT count(*) FROM family) AS d) c""",
    # SP2.2.a.ii: distinct counsellors (staff records) with a CISM completion in the period.
    "SP2.2.a.ii": """
        SELECT count(DISTINCT c.person_id), NULL, count(DISTINCT c.person_id)
        FROM training_completion c JOIN training_course k ON k.id = c.course_id
        WHERE k.kind = 'cism' AND NOT c.revoked AND c.dependant_id IS NULL
          AND c.completed_on BETWEEN %(start)s AND %(end)s""",
    # SP2.2.a.iii: staff recorded as affected by an incident of the period; supported when a
    # first contact is recorded on their case. Suppressed (no data) when the supported or the
    # others are fewer than the minimum cell but not none.
    "SP2.2.a.iii": """
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM wellbeing_contact ct
                       JOIN wellbeing_case cs ON cs.id = ct.case_id
                       WHERE cs.affected_id = a.id)) AS n,
                   count(*) AS d
            FROM incidents_affectedperson a
            JOIN incidents_incident i ON i.id = a.incident_id
            WHERE a.dependant_id IS NULL
              AND i.occurred_at >= %(begin)s AND i.occurred_at < %(stop)s) c
        WHERE NOT (n > 0 AND n < %(minimum_cell)s)
          AND NOT (d - n > 0 AND d - n < %(minimum_cell)s)""",
    # SP2.2.b: distinct people (staff, dependants) with a completion in the period or an
    # attendance at a session that started in it.
    "SP2.2.b": """
        SELECT count(*), NULL, count(*) FROM (
            SELECT person_id, dependant_id FROM training_completion
            WHERE NOT revoked AND completed_on BETWEEN %(start)s AND %(end)s
            UNION
            SELECT e.person_id, e.dependant_id FROM training_enrolment e
            JOIN training_session s ON s.id = e.session_id
            WHERE e.status = 'attended' AND s.starts_at >= %(begin)s
              AND s.starts_at < %(stop)s) p""",
    # SP2.2.c.i: personnel not separated and their active dependants; known when a residence
    # was confirmed from the cutoff to the day (a dependant without coordinates: the staff
    # member's), or a cleared presence covers the moment (presences last at most 14 days).
    "SP2.2.c.i": """
        WITH on_trip AS (
            SELECT person_id, dependant_id FROM travel_presence
            WHERE cleared AND starts_at > %(at)s - interval '14 days' AND starts_at <= %(at)s
              AND ends_at > %(at)s),
        staff AS (
            SELECT (p.residence_latitude IS NOT NULL
                    AND p.residence_confirmed_on BETWEEN %(cutoff)s AND %(day)s)
                   OR p.id IN (SELECT person_id FROM on_trip WHERE dependant_id IS NULL)
                   AS known
            FROM people_person p WHERE p.status <> 'separated'),
        family AS (
            SELECT (d.residence_latitude IS NOT NULL
                    AND d.residence_confirmed_on BETWEEN %(cutoff)s AND %(day)s)
                   OR (d.residence_latitude IS NULL AND p.residence_latitude IS NOT NULL
                       AND p.residence_confirmed_on BETWEEN %(cutoff)s AND %(day)s)
                   OR d.id IN (SELECT dependant_id FROM on_trip) AS known
            FROM people_dependant d JOIN people_person p ON p.id = d.person_id
            WHERE d.status = 'active' AND p.status <> 'separated')
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT (SELECT count(*) FILTER (WHERE known) FROM staff)
                   + (SELECT count(*) FILTER (WHERE known) FROM family) AS n,
                   (SELECT count(*) FROM staff) + (SELECT count(*) FROM family) AS d) c""",
    # SP2.2.c.ii: accounts holding a security-management role at some time in the period;
    # active when they recorded a use of an information tool in it.
    "SP2.2.c.ii": """
        WITH holders AS (
            SELECT DISTINCT user_id FROM core_rolegrant
            WHERE role = ANY(%(roles)s) AND created_at < %(stop)s
              AND (expires_at IS NULL OR expires_at > %(begin)s))
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT (SELECT count(DISTINCT e.actor_id) FROM core_auditevent e
                    WHERE e.at >= %(begin)s AND e.at < %(stop)s
                      AND e.actor_id IN (SELECT user_id FROM holders)
                      AND e.action LIKE ANY(%(prefixes)s)) AS n,
                   (SELECT count(*) FROM holders) AS d) c""",
    # SP2.2.d: advice requests asked in the period; judged when answered, or open (not closed)
    # past the target; on time when answered within the target.
    "SP2.2.d": """
        WITH asked AS (
            SELECT CASE WHEN answered_at IS NOT NULL
                        THEN greatest(extract(epoch FROM answered_at - asked_at), 0) END AS took,
                   answered_at IS NULL AND status <> 'closed'
                   AND extract(epoch FROM %(now)s - asked_at) > 3600 * %(target_hours)s
                   AS open_overdue
            FROM aviation_advicerequest
            WHERE asked_at >= %(begin)s AND asked_at < %(stop)s)
        SELECT n, d, """ + SHARE.format(n="n", d="d") + """ FROM (
            SELECT count(*) FILTER (WHERE took <= 3600 * %(target_hours)s) AS n,
                   count(*) FILTER (WHERE took IS NOT NULL OR open_overdue) AS d
            FROM asked) c""",
}

# The settings the statements read, from the settings tables (the model's default where no
# row or no stored value).
SETTINGS_SQL = {
    "crisis_hours": "SELECT timely_activation_hours FROM crisis_crisissettings ORDER BY id LIMIT 1",
    "target_hours": "SELECT advice_target_hours FROM aviation_aviationsettings ORDER BY id LIMIT 1",
    "residence_days": "SELECT residence_days FROM travel_travelsettings ORDER BY id LIMIT 1",
}


def settings_sql(cursor: Any) -> dict[str, Any]:
    """Every setting a statement takes: the settings tables' and the indicators' stored
    values, else the defaults (the models' and the indicators' own)."""
    from vigil.aviation.models import AviationSettings
    from vigil.crisis.models import CrisisSettings
    from vigil.performance import registry
    from vigil.performance.indicators.sp22 import SECURITY_MANAGEMENT_ROLES, tool_prefixes
    from vigil.travel.models import TravelSettings
    from vigil.wellbeing.selectors import minimum_cell

    defaults = {
        "crisis_hours": CrisisSettings._meta.get_field("timely_activation_hours").default,
        "target_hours": AviationSettings._meta.get_field("advice_target_hours").default,
        "residence_days": TravelSettings._meta.get_field("residence_days").default}
    values: dict[str, Any] = {}
    for key, statement in SETTINGS_SQL.items():
        cursor.execute(statement)
        row = cursor.fetchone()
        values[key] = row[0] if row else defaults[key]
    for indicator in registry.INDICATORS:
        for setting in indicator.settings:
            values[setting.key] = setting.default
    cursor.execute("SELECT key, value FROM performance_indicatorsetting")
    for key, value in cursor.fetchall():
        values[key] = value
    values["roles"] = [r.value for r in SECURITY_MANAGEMENT_ROLES]
    values["prefixes"] = [p.replace("_", r"\_").replace("%", r"\%") + "%"
                          for p in tool_prefixes()]
    values["minimum_cell"] = minimum_cell()
    return values


def parameters(period: Any, now: dt.datetime, settings: dict[str, Any]) -> dict[str, Any]:
    begin = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    stop = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    at = min(stop - dt.timedelta(microseconds=1), now)
    day = at.date()
    return {**settings, "start": period.start, "end": period.end, "begin": begin, "stop": stop,
            "on": min(period.end, now.date()), "at": at, "day": day, "now": now,
            "cutoff": day - dt.timedelta(days=int(settings["residence_days"]))}


Figures = dict[tuple[str, str], tuple[Any, Any, Any]]


def reference(periods: list[Any], now: dt.datetime,
              seconds: dict[str, float] | None = None) -> Figures:
    """Every statement for every period: (numerator, denominator, value), None where the
    statement gives no row or a null value (no data). ``seconds`` gets each indicator's
    time (both periods)."""
    from django.db import connection

    out: Figures = {}
    with connection.cursor() as cursor:
        settings = settings_sql(cursor)
        for period in periods:
            params = parameters(period, now, settings)
            for indicator_id, statement in SQL.items():
                started = time.perf_counter()
                cursor.execute(statement, params)
                row = cursor.fetchone()
                if seconds is not None:
                    seconds[indicator_id] = seconds.get(indicator_id, 0.0) \
                        + time.perf_counter() - started
                out[(indicator_id, period.key)] = (None, None, None) \
                    if row is None or row[2] is None else tuple(row)
    return out


def vigil(period: Any, today: dt.date, indicators: Any = None) -> Any:
    from django.utils import translation

    from vigil.performance.report import report_build

    with translation.override("en"):
        return report_build(period, today=today, indicators=indicators)


def vigil_figures(built: Any) -> Figures:
    out: Figures = {}
    for line in built.lines:
        for period, measure in ((built.period, line.actual), (built.previous, line.previous)):
            out[(line.indicator.id, period.key)] = (None, None, None) if measure.no_data \
                else (measure.numerator, measure.denominator, measure.value)
    return out


def same(ours: tuple[Any, Any, Any], theirs: tuple[Any, Any, Any]) -> bool:
    def norm(value: Any) -> Any:
        return None if value is None else Decimal(value)
    return all(norm(a) == norm(b) for a, b in zip(ours, theirs, strict=True))


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["large", "medium", "small"], default="large")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds (default 11, 5 at small scale)")
    parser.add_argument("--database-url", default=None,
                        help="a built data set (default: data.ensure_dataset(scale))")
    parser.add_argument("--no-save", action="store_true", help="print, do not write B3.json")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.scale == "small" else 11)

    import data

    if args.database_url:
        # A data set built by bench/data.py elsewhere (its description read from its marker
        # table), migrated to the code as ensure_dataset would.
        setup_django(args.database_url)
        info: dict[str, Any] = {**(data._recorded() or {}), "url": args.database_url}
    else:
        info = data.ensure_dataset(args.scale)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from vigil.performance import registry, rules

    now = timezone.now().replace(microsecond=0)
    clock = mock.patch("django.utils.timezone.now", return_value=now)
    clock.start()
    today = timezone.localdate()
    period = rules.biennium_of(today)
    periods = [period, period.previous()]
    result = Result(
        id="B3", title="Biennium indicator report",
        workload=(f"report_build for {period.key}: the {len(registry.INDICATORS)} indicators "
                  f"for the whole system, for {period.key} and {period.previous().key}, "
                  f"clock stopped at {now:%Y-%m-%d %H:%M} UTC, {args.scale} data set"),
        reference=f"hand-written SQL, one statement per indicator and period ({len(SQL)} of "
                  f"{len(registry.INDICATORS)} indicators; SP1.c has none)",
        goal="whole report <= 2 s on PostgreSQL, and <= 1.5x the SQL",
        scale={"name": info.get("scale", args.scale), **(info.get("counts") or {})})
    result.database = database_label()

    # Warm both, and compare every figure.
    built = vigil(period, today)
    ours, theirs = vigil_figures(built), reference(periods, now)
    compared = 0
    for key, value in theirs.items():
        if not same(ours[key], value):
            clock.stop()
            raise SystemExit(f"{key[0]} {key[1]}: Vigil gives (numerator, denominator, value) "
                             f"{ours[key]}, the SQL {value}")
        compared += 1
    print(f"Same figures: {compared} (indicator, period) pairs", file=sys.stderr)
    for (indicator_id, key), value in sorted(ours.items()):
        print(f"  {indicator_id:12s} {key}: {value}", file=sys.stderr)

    with CaptureQueriesContext(connection) as queries:
        vigil(period, today)
    query_count = len(queries.captured_queries)

    # Per indicator, once, to say where the time goes.
    from vigil.core.slices import Slice
    from vigil.performance import selectors

    per_indicator = {}
    sql_seconds: dict[str, float] = {}
    reference(periods, now, sql_seconds)
    for indicator in registry.INDICATORS:
        with CaptureQueriesContext(connection) as queries:
            took = timed(lambda i=indicator: selectors.tile(i, period, Slice.system()))
        per_indicator[indicator.id] = {
            "seconds": round(took, 3), "queries": len(queries.captured_queries),
            "sql_seconds": round(sql_seconds[indicator.id], 3)
            if indicator.id in sql_seconds else None}

    vigil_times: list[float] = []
    sql_times: list[float] = []
    with_sql_times: list[float] = []
    with_sql = [i for i in registry.INDICATORS if i.id in SQL]
    for _ in range(rounds):
        vigil_times.append(timed(lambda: vigil(period, today)))
        sql_times.append(timed(lambda: reference(periods, now)))
        with_sql_times.append(timed(lambda: vigil(period, today, with_sql)))
    clock.stop()

    whole, sql, without = summary(vigil_times), summary(sql_times), summary(with_sql_times)
    plans = per_indicator["SP1.c"]
    ratio = round(without["p50"] / sql["p50"], 2) if sql["p50"] else None
    result.rows = [
        Row(name="Whole report, 18 indicators (p50)", vigil=whole["p50"], reference=None,
            unit="s", goal="<= 2 s", met=whole["p50"] <= 2.0,
            note=f"p95 {whole['p95']} s; {query_count} queries"),
        Row(name="The 17 indicators with SQL (p50)", vigil=without["p50"],
            reference=sql["p50"], unit="s", goal="<= 1.5x", met=ratio is not None
            and ratio <= 1.5, ratio=ratio,
            note=f"p95 {without['p95']} s against {sql['p95']} s"),
        Row(name="SP1.c alone (once)", vigil=plans["seconds"], reference=None, unit="s",
            goal="(in the whole)", met=None, note="no SQL reference"),
    ]
    result.detail = {"vigil": whole, "sql": sql, "vigil_17": without,
                     "queries": query_count, "per_indicator": per_indicator,
                     "figures": {f"{k[0]} {k[1]}": [str(x) for x in v]
                                 for k, v in sorted(ours.items())},
                     "rounds": rounds, "period": period.key, "clock": now.isoformat()}
    gaps = []
    if whole["p50"] > 2.0:
        gaps.append(f"the whole report takes {whole['p50']} s (SP1.c, emergency plans' "
                    f"day-by-day rule in Python, {plans['seconds']} s of it)")
    if ratio is not None and ratio > 1.5:
        gaps.append(f"the 17 indicators with SQL take {ratio}x their statements: Vigil's cost "
                    "per indicator (two ORM queries per period for most, against one "
                    "statement), not a query that grows with the data")
    result.gap = "; ".join(gaps) or None
    for row in result.rows:
        print(f"| {row.name} | {row.vigil} | {row.reference} | {row.ratio} | {row.goal} | "
              f"{row.met} | {row.note} |")
    print("| Indicator | Vigil s (queries) | SQL s |")
    for indicator_id, row in per_indicator.items():
        print(f"| {indicator_id} | {row['seconds']} ({row['queries']}) | {row['sql_seconds']} |")
    if not args.no_save:
        print(result.save())


if __name__ == "__main__":
    main()
