"""B6: the main list and board pages of every app at scale, as a scoped user and a global reader.

    .venv/bin/python bench/b6_pages.py --scale large      # about 10 min on the 2-core machine
    .venv/bin/python bench/b6_pages.py --scale medium     # about 5 min
    .venv/bin/python bench/b6_pages.py --scale small      # the smoke run, under a minute

What it measures: each page (people, travel requests, approval queue, incidents list and map,
crisis list and board, security levels, SRAs, MOSS, missions, advisories, air operators,
training, the counsellor's lists, the HQ lists, the coordination boards, the indicator
dashboard, the home pages of the main roles) through Django's test client, signed in with
force_login and a verified second factor in the session, on the shared bench data set
(bench/data.py: at the large scale 300,000 people, 4,000,000 travel requests, 200,000 incidents,
on top of the small demo and its users). Each page is asked once to warm up, then ``--repeat``
times (20 by default; 1 at the small scale); the time is the server's (the test client calls the
WSGI handler in process: no network, no browser). The query count is taken on the last timed
request.

The scoped user is security.officer (Kenya) unless the page belongs to a role with its own
scope (the counsellor's lists: counsellor, Kenya; HQ lists: hq.security, New York); the global
reader is the global administrator, or the global role of the page's app (aviation, training,
protection) where the administrator does not read it.

Reference: none (the issue gives none). Goal: p95 <= 200 ms per page and user, and a query
count that does not grow with rows (compare this benchmark's query counts at two scales; the
query-count tests assert it at two data sizes).

Nothing is written to the data set: each request, with the sign-in before it (not timed), runs
in a transaction rolled back after it (the session and its record, the audit rows of list reads).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data
from common import Result, Row, database_label, summary

GOAL_MS = 200.0

SCOPED = "security.officer"
GLOBAL = "admin"


def pk_of(model: str, **filters: Any) -> Callable[[], dict[str, int]]:
    """The URL kwargs {"pk": ...} of the record of ``model`` that has the most rows to show."""

    def find() -> dict[str, int]:
        from django.apps import apps

        app, name = model.split(".")
        qs = apps.get_model(app, name).objects.filter(**filters)
        return {"pk": qs.order_by("pk").values_list("pk", flat=True).first()}

    return find


def biggest_crisis() -> dict[str, int]:
    from django.db.models import Count

    from vigil.crisis.models import Crisis

    crisis = (Crisis.objects.filter(country__iso2="KE").annotate(n=Count("entries"))
              .order_by("-n", "pk").first()
              or Crisis.objects.annotate(n=Count("entries")).order_by("-n", "pk").first())
    return {"pk": crisis.pk}


# (label, URL name, kwargs or a function giving them, query string, users)
PAGES: list[tuple[str, str, Any, str, tuple[str, ...]]] = [
    ("home (security officer)", "core:home", None, "", (SCOPED,)),
    ("home (administrator)", "core:home", None, "", (GLOBAL,)),
    ("home (traveller)", "core:home", None, "", ("traveller",)),
    ("home (designated official)", "core:home", None, "", ("designated.official",)),
    ("home (DRO desk)", "core:home", None, "", ("dro.desk",)),
    ("home (HQ security)", "core:home", None, "", ("hq.security",)),
    ("home (counsellor)", "core:home", None, "", ("counsellor",)),
    ("home (training officer)", "core:home", None, "", ("training",)),
    ("home (SMT member)", "core:home", None, "", ("smt.member",)),
    ("notifications", "core:notifications", None, "", (SCOPED, GLOBAL)),
    ("audit log", "core:audit_log", None, "", (GLOBAL,)),
    ("duty stations", "places:duty_station_list", None, "", (SCOPED, GLOBAL)),
    ("security areas", "places:security_area_list", None, "", (SCOPED, GLOBAL)),
    ("premises", "places:premises_list", None, "", (SCOPED, GLOBAL)),
    ("organizations", "people:organization_list", None, "", (SCOPED, GLOBAL)),
    ("personnel", "people:person_list", None, "", (SCOPED, GLOBAL)),
    ("personnel, name search", "people:person_list", None, "q=ach", (SCOPED, GLOBAL)),
    ("dependants", "people:dependant_list", None, "", (SCOPED, GLOBAL)),
    ("my trips", "travel:my_trips", None, "", ("traveller",)),
    ("travel requests", "travel:request_list", None, "", (SCOPED, GLOBAL)),
    ("travel requests by traveller", "travel:request_list", None, "sort=traveller",
     (SCOPED, GLOBAL)),
    ("approval queue", "travel:approval_queue", None, "", (SCOPED, "designated.official")),
    ("uncovered stops", "travel:uncovered_stops", None, "", ("designated.official", GLOBAL)),
    ("advisories", "travel:advisory_list", None, "", (SCOPED, GLOBAL)),
    ("directory", "travel:directory", None, "", (SCOPED, GLOBAL)),
    ("area controls", "travel:area_controls", None, "", (SCOPED, GLOBAL)),
    ("travel air operators", "travel:operator_list", None, "", (SCOPED, GLOBAL)),
    ("coverage", "travel:coverage", None, "", (SCOPED, GLOBAL)),
    ("incidents", "incidents:incident_list", None, "", (SCOPED, GLOBAL)),
    ("incident map", "incidents:incident_map", None, "", (SCOPED, GLOBAL)),
    ("incident map data", "incidents:incident_geojson", None, "", (SCOPED, GLOBAL)),
    ("incident statistics", "incidents:statistics", None, "", (SCOPED, GLOBAL)),
    ("crises", "crisis:crisis_list", None, "", (SCOPED, GLOBAL)),
    ("crisis board", "crisis:board", biggest_crisis, "", (SCOPED, GLOBAL)),
    ("crisis messages", "crisis:broadcast_list", None, "", (SCOPED, GLOBAL)),
    ("check-ins", "crisis:checkin_list", None, "", (SCOPED, GLOBAL)),
    ("security levels", "risk:level_board", None, "", (SCOPED, GLOBAL)),
    ("security level map", "risk:level_map", None, "", (SCOPED, GLOBAL)),
    ("reviews due", "risk:reviews_due", None, "", (SCOPED, GLOBAL)),
    ("criticality", "risk:criticality_board", None, "", (SCOPED, GLOBAL)),
    ("SRAs", "risk:sra_list", None, "", (SCOPED, GLOBAL)),
    ("security plans", "risk:plan_list", None, "", (SCOPED, GLOBAL)),
    ("missions", "risk:mission_list", None, "", (SCOPED, GLOBAL)),
    ("premises surveys", "risk:survey_list", None, "", (SCOPED, GLOBAL)),
    ("MOSS", "risk:moss_list", None, "", (SCOPED, GLOBAL)),
    ("aviation operators", "aviation:operator_list", None, "", ("aviation",)),
    ("aviation advice", "aviation:advice_list", None, "", (SCOPED, "aviation")),
    ("aviation advice inbox", "aviation:advice_inbox", None, "", ("aviation",)),
    ("my training", "training:mine", None, "", ("traveller",)),
    ("courses", "training:course_list", None, "", (SCOPED, "training")),
    ("training sessions", "training:session_list", None, "", (SCOPED, "training")),
    ("training completions", "training:completion_list", None, "", (SCOPED, "training")),
    ("training needs", "training:needs", None, "", (SCOPED, "training")),
    ("wellbeing cases", "wellbeing:case_list", None, "", ("counsellor",)),
    ("wellbeing my cases", "wellbeing:my_cases", None, "", ("counsellor",)),
    ("wellbeing counts", "wellbeing:counts", None, "", ("counsellor", GLOBAL)),
    ("wellbeing briefings", "wellbeing:briefing_list", None, "", ("counsellor",)),
    ("counsellors", "wellbeing:counsellor_list", None, "", ("counsellor", GLOBAL)),
    ("HQ access premises", "hq:access_premises_list", None, "", ("hq.security", GLOBAL)),
    ("HQ pass holders", "hq:access_holder_list", None, "", ("hq.security", GLOBAL)),
    ("HQ passes", "hq:access_pass_list", None, "", ("hq.security", GLOBAL)),
    ("HQ visits", "hq:access_visit_list", None, "", ("hq.security", GLOBAL)),
    ("HQ gate events", "hq:gate_event_list", None, "", ("hq.security", GLOBAL)),
    ("HQ plans", "hq:plan_board", None, "", ("hq.security", GLOBAL)),
    ("HQ drills", "hq:drill_list", None, "", ("hq.security", GLOBAL)),
    ("HQ protection principals", "hq:protection_principal_list", None, "", ("protection",)),
    ("HQ protection cases", "hq:protection_case_list", None, "", ("protection",)),
    ("HQ claims", "hq:claim_list", None, "", ("hq.security", GLOBAL)),
    ("accountability", "coordination:accountability_index", None, "", (SCOPED, GLOBAL)),
    ("accountability gaps", "coordination:gap_board", None, "", (SCOPED, GLOBAL)),
    ("appointments", "coordination:appointment_list", None, "", (SCOPED, GLOBAL)),
    ("SMTs", "coordination:smt_list", None, "", ("smt.member", GLOBAL)),
    ("SMT action points", "coordination:smt_action_list", None, "", ("smt.member", GLOBAL)),
    ("SMT decisions", "coordination:smt_decision_list", None, "", ("smt.member", GLOBAL)),
    ("readiness", "coordination:readiness_list", None, "", (SCOPED, GLOBAL)),
    ("host countries", "coordination:host_country_list", None, "", (SCOPED, GLOBAL)),
    ("indicator dashboard", "performance:dashboard", None, "", ("programme.manager", GLOBAL)),
    ("evidence", "evidence:index", None, "", (SCOPED, GLOBAL)),
    ("cost-sharing", "costshare:biennium_list", None, "", ("budget",)),
]


def sign_in(client: Any, user: Any) -> None:
    """Sign ``client`` in as ``user``, the second factor verified in the session (as
    django_otp.login does after a right code) for a user who has an authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:  # the demo users whose role requires a second factor have one
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def timed_get(client: Any, user: Any, url: str, capture: Any = None) -> tuple[Any, float]:
    """One request and its time in ms. Signing in and the request run in one transaction
    rolled back after it: the session, its record and the audit rows of list reads leave
    nothing in the shared data set. Only the request is timed."""
    from django.db import transaction

    with transaction.atomic():
        sign_in(client, user)
        with capture if capture is not None else nullcontext():
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return response, elapsed


def measure(pages: list[tuple[str, str, Any, str, tuple[str, ...]]], repeat: int,
            only: str | None = None) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    users_by_name: dict[str, Any] = {}
    found = []
    for label, name, kwargs, query, users in pages:
        if only and only.lower() not in label.lower():
            continue
        args = kwargs() if callable(kwargs) else (kwargs or {})
        url = reverse(name, kwargs=args) + (f"?{query}" if query else "")
        for username in users:
            client = Client()
            user = users_by_name.get(username) or users_by_name.setdefault(
                username, get_user_model().objects.get(username=username))
            response, _elapsed = timed_get(client, user, url)  # warm-up
            if response.status_code != 200:
                found.append({"page": label, "url": url, "user": username,
                              "status": response.status_code})
                print(f"{label:32} {username:20} HTTP {response.status_code} "
                      f"{response.get('Location', '')}", file=sys.stderr)
                continue
            times = [timed_get(client, user, url)[1] for _n in range(repeat)]
            # The queries are counted on one more request, not timed: recording them formats
            # every statement with its parameters, which costs a page with long IN lists a
            # hundred milliseconds or more, and would land in the p95 of 20.
            captured = CaptureQueriesContext(connection)
            timed_get(client, user, url, captured)
            stats = summary(times)
            found.append({"page": label, "url": url, "user": username, "status": 200,
                          "queries": len(captured.captured_queries), **stats})
            print(f"{label:32} {username:20} p50 {stats['p50']:7.1f} ms  p95 {stats['p95']:7.1f}"
                  f" ms  {len(captured.captured_queries):3} queries", file=sys.stderr)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(data.SCALES), default="large")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed requests per page and user (20; 1 at the small scale)")
    parser.add_argument("--only", default=None, help="only the pages whose label holds this")
    parser.add_argument("--compare", default=None,
                        help="a JSON file of an earlier run (--json-out) at another scale: its "
                        "query counts are set beside this run's, and a page whose count "
                        "differs misses the goal")
    parser.add_argument("--json-out", default=None, help="also write the rows here")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results")
    parser.add_argument("--no-read-audit", action="store_true",
                        help="skip the audit rows of reads (audit.record_read and "
                        "record_list_read): for a run on a data set where another process "
                        "holds the audit chain's lock for long; the section says so")
    parser.add_argument("--rows", default=None,
                        help="record the rows of an earlier run (its --json-out) instead of "
                        "measuring")
    args = parser.parse_args()
    repeat = max(1, args.repeat or (1 if args.scale == "small" else 20))
    result = Result(
        id="B6", title="List and board pages at scale",
        workload=f"{len(PAGES)} list, board and home pages through Django's test client, "
        f"{repeat} timed requests each after a warm-up, as a scoped user and a global reader, "
        f"on the {args.scale} bench data set",
        reference="none (the issue gives none)",
        goal=f"p95 <= {GOAL_MS:.0f} ms per page; query count independent of the row count")
    if args.rows:  # an earlier run's rows (--json-out), recorded again
        loaded_rows = json.loads(Path(args.rows).read_text())
        result.database, result.scale = loaded_rows["database"], loaded_rows["scale"]
        result.workload = loaded_rows.get("workload", result.workload)
        found = loaded_rows["rows"]
    else:
        info = data.ensure_dataset(args.scale)
        result.database = database_label()
        result.scale = {"name": args.scale, **info["counts"]}
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        if args.no_read_audit:
            from vigil.core import audit

            audit.record_read = audit.record_list_read = lambda **kwargs: None  # type: ignore
            result.notes.append("Run without the audit rows of reads (--no-read-audit).")
        # As the server does once its application is loaded (vigil.config.wsgi): what is
        # loaded by now is left out of the cycle collector's full passes.
        import gc

        import vigil.config.wsgi  # noqa: F401 - loads the application, and freezes

        gc.collect()
        gc.freeze()
        result.notes.append("The process's start-up objects frozen out of the cycle "
                            "collector (gc.freeze), as vigil.config.wsgi does for the server.")
        found = measure(PAGES, repeat, args.only)
    earlier: dict[tuple[str, str], dict[str, Any]] = {}
    if args.compare:
        loaded = json.loads(Path(args.compare).read_text())
        earlier = {(r["page"], r["user"]): r for r in loaded["rows"]}
        result.detail["compared_with"] = loaded.get("scale")
    by_page: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        if row["status"] != 200:
            result.notes.append(f"{row['page']} as {row['user']}: HTTP {row['status']} "
                                "(the role may not open it)")
            continue
        by_page.setdefault(row["page"], []).append(row)
    for page, rows in by_page.items():  # one row per page: its slowest user
        notes, grew = [], False
        for row in rows:
            note = f"{row['user']}: p50 {row['p50']:.0f}, p95 {row['p95']:.0f} ms, " \
                f"{row['queries']} queries"
            before = earlier.get((row["page"], row["user"]))
            if before and before.get("queries") is not None:
                note += f" ({before['queries']} at the {loaded['scale'].get('name')} scale)"
                if row["queries"] != before["queries"]:  # either way: it follows the data
                    grew = True
                    note += " DIFFERS"
            notes.append(note)
        worst = max(r["p95"] for r in rows)
        result.rows.append(Row(name=page, vigil=worst, reference=None, unit="ms",
                               goal=f"p95 <= {GOAL_MS:.0f} ms", met=worst <= GOAL_MS and not grew,
                               note="; ".join(notes)))
    result.detail["pages"] = found
    missed = [r.name for r in result.rows if r.met is False]
    if missed:
        result.gap = ("over 200 ms p95 (or query count growing): " + ", ".join(missed)
                      + ". The reason for each is in the section.")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(
            {"scale": result.scale, "database": result.database, "workload": result.workload,
             "rows": found}, indent=2))
    if not args.no_save:
        print(result.save(), file=sys.stderr)


if __name__ == "__main__":
    main()
