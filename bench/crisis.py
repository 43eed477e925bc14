"""Benchmark: the crisis-critical paths against references measured in the same run, on the
same data: the headcount snapshot, the delivery fan-out, and incident statistics.

    .venv/bin/python bench/crisis.py --people 70000 --segments 200000
    .venv/bin/python bench/crisis.py --people 70000 --segments 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/vigil_bench_crisis

The data is bench/whereabouts.py's (its builder, imported: personnel round duty stations,
dependants, a year of itineraries and their presences), in SQLite under var/bench/crisis-...
unless --database-url names another (PostgreSQL: create an empty throwaway database first).
Added to it, before anything is timed: e-mail addresses for --recipients staff members, and
--incidents incidents over ten years, bulk inserted with whereabouts.Loader (COPY on
PostgreSQL). The builder's connection is closed and the write-ahead log checkpointed before
timing, so that SQLite is measured with Vigil's own settings (WAL, synchronous=NORMAL), not the
loader's, and no checkpoint of the load runs while timing.

1. Headcount snapshot. For --crises random crises (a 25 km circle round a residence or a duty
   station, a 24 h window at a random time of the year), a Crisis row is created directly and
   services.take_headcount(crisis) is timed in one transaction, commit included; the share of
   zone.presumed_in is timed apart. The reference, in its own transaction: the arrival times
   in the zone's grid cells by one SELECT (thinned as whereabouts.arrival_times does), then
   bench/whereabouts.py's statement (reference_sql, with the columns a headcount row needs)
   at the window's start, end and each of those times, unioned in Python (first answer in time
   order), then one executemany INSERT of the rows. Both must find the same set of (staff
   member, dependant), at the same moments, or the script stops. The entries are deleted
   between runs.
2. Delivery fan-out. A headcount of --recipients staff members (and their eligible
   dependants) is written directly; services.broadcast_send writes the Delivery rows (the
   after-commit hand-off to the task queue is held back), and delivery.deliver_due sends them
   through Django's locmem e-mail backend: claim, send, mark sent, for each. References: one
   executemany INSERT of the same Delivery rows (under a second broadcast), and a loop that
   builds and sends the same EmailMessages (same text, check-in link and headers: checked)
   with no bookkeeping. Median of --rounds rounds; --without-entry-index adds rounds without
   Vigil's index on headcount entries (crisis, person), dropped for them and made again
   after, to show what it is worth.
3. Incident statistics. incidents.selectors.statistics(qs, by=..., period=...) for
   category/country by year/month, against one hand-written GROUP BY statement each whose rows
   give the totals, groups, periods and matrix in Python. Same numbers required.

It prints a markdown table for each, with the machine and the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import platform
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import whereabouts as wb  # bench/whereabouts.py, next to this file

TITLE = "Bench crisis"
INCIDENT_TITLE = "Bench incident"
STATS_START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
WARMUP = 3
def entry_index() -> Any:
    """Vigil's index on headcount entries (crisis, person)."""
    from vigil.crisis.models import AccountEntry

    return next(i for i in AccountEntry._meta.indexes if list(i.fields) == ["crisis", "person"])


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=70_000)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--crises", type=int, default=50, help="headcount snapshots timed")
    parser.add_argument("--radius", type=float, default=25.0, help="km")
    parser.add_argument("--recipients", type=int, default=5000,
                        help="staff members on the headcount of the fan-out")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10,
                        help="runs of each statistics query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--field-stations", type=int, default=None,
                        help="default: 255 per 70,000 people")
    parser.add_argument("--budget", type=float, default=240,
                        help="stop the headcounts after this many seconds (at least 10)")
    parser.add_argument("--database-url", default=None,
                        help="default: SQLite under var/bench/")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after building a SQLite database")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of the per-message queries of deliver_due")
    parser.add_argument("--rounds", type=int, default=3,
                        help="fan-outs measured (the median is reported)")
    parser.add_argument("--without-entry-index", action="store_true",
                        help="run the fan-out a second time without Vigil's index on headcount "
                        "entries (crisis, person): dropped for the run, made again after it")
    return parser.parse_args()


@contextmanager
def counting(tally: list[int]) -> Iterator[None]:
    """Count the statements sent (an executemany counts once)."""
    from django.db import connection

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        tally[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def inserter(model: Any, **fixed: Any) -> tuple[str, Callable[..., tuple[Any, ...]]]:
    """An INSERT of every column but the key, and a row maker (defaults, ``fixed``, values)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    base = {f.attname: f.get_default() for f in fields} | fixed
    columns = ", ".join(f'"{f.column}"' for f in fields)
    sql = (f'INSERT INTO "{model._meta.db_table}" ({columns}) '
           f'VALUES ({", ".join(["%s"] * len(fields))})')

    def row(**values: Any) -> tuple[Any, ...]:
        return tuple(values[n] if n in values else base[n] for n in names)

    return sql, row


def raw_time(value: Any) -> dt.datetime:
    """A datetime as a raw cursor returns it (naive UTC, or a string, on SQLite)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), wb.percentile(values, 0.95), max(values)


# --- Setup --------------------------------------------------------------------------------------

def load_incidents(args: argparse.Namespace) -> float | None:
    """--incidents incidents over ten years, unless there already; seconds spent, or None."""
    from django.db import connection

    from vigil.incidents.models import Incident, IncidentCategory
    from vigil.places.models import Country

    if Incident.objects.filter(title__startswith=INCIDENT_TITLE).count() == args.incidents:
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_incident WHERE title LIKE %s",
                       [INCIDENT_TITLE + "%"])
    rng = random.Random(args.seed + 3)
    tops = list(IncidentCategory.objects.filter(parent__isnull=True).order_by("pk")
                .values_list("pk", flat=True))
    children: dict[int, list[int]] = {}
    for pk, parent in IncidentCategory.objects.filter(parent__isnull=False).order_by(
            "pk").values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    countries = list(Country.objects.order_by("pk").values_list("pk", flat=True))
    # A few countries and categories hold most incidents, as in the AWSD.
    country_weights = [1 / (rank + 1) for rank in range(len(countries))]
    rng.shuffle(country_weights)
    category_weights = [rng.uniform(0.2, 5) for _ in tops]
    first = (Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    loader = wb.Loader([Incident], args.analyze)
    now = loader.datetime(dt.datetime.now(dt.UTC))
    make = wb.template(Incident, created_at=now, updated_at=now)
    span = (STATS_START.replace(year=STATS_START.year + 10) - STATS_START).total_seconds()

    def impact(share: float, most: int) -> int:
        return rng.randint(1, most) if rng.random() < share else 0

    for number in range(args.incidents):
        category = rng.choices(tops, category_weights)[0]
        sub = rng.choice(children[category]) if category in children and \
            rng.random() < 0.7 else None
        at = STATS_START + dt.timedelta(seconds=round(rng.random() * span / 60) * 60)
        loader.add(Incident, make(
            id=first + number, category_id=category, subcategory_id=sub,
            title=f"{INCIDENT_TITLE} {number}", occurred_at=loader.datetime(at),
            country_id=rng.choices(countries, country_weights)[0] if rng.random() < 0.95
            else None,
            killed=impact(0.08, 5), injured=impact(0.2, 10), abducted=impact(0.04, 4),
            missing=impact(0.02, 3), detained=impact(0.05, 6), affected=impact(0.3, 50)))
    loader.finish()
    return time.perf_counter() - started


def give_addresses(args: argparse.Namespace) -> list[int]:
    """--recipients staff members still serving, with an e-mail address each."""
    from vigil.people.models import Person

    rng = random.Random(args.seed + 2)
    serving = list(Person.objects.exclude(status=Person.Status.SEPARATED).order_by("pk")
                   .values_list("pk", flat=True))
    chosen = sorted(rng.sample(serving, min(args.recipients, len(serving))))
    people = [Person(pk=pk, emails=[f"staff.{pk}@bench.example.org"]) for pk in chosen]
    Person.objects.bulk_update(people, ["emails"], batch_size=1000)
    return chosen


def clean(user: Any) -> None:
    """Remove the crises, headcounts and broadcasts of an earlier run: the big tables by
    hand, the rest through the ORM (which knows every table that refers to a crisis)."""
    from django.db import connection

    from vigil.crisis.models import Broadcast, Crisis

    with connection.cursor() as cursor:
        crises = "SELECT id FROM crisis_crisis WHERE declared_by_id = %s"
        entries = f"SELECT id FROM crisis_accountentry WHERE crisis_id IN ({crises})"
        for sql in (f"DELETE FROM crisis_delivery WHERE broadcast_id IN (SELECT id FROM "
                    f"crisis_broadcast WHERE crisis_id IN ({crises}))",
                    f"DELETE FROM crisis_accountevent WHERE entry_id IN ({entries})",
                    f"DELETE FROM crisis_accountentry WHERE crisis_id IN ({crises})"):
            cursor.execute(sql, [user.pk])
    Broadcast.objects.filter(crisis__declared_by=user).delete()
    Crisis.objects.filter(declared_by=user).delete()


def new_crisis(user: Any, lat: float, lon: float, radius: float, start: dt.datetime,
               end: dt.datetime, country_id: int, title: str) -> Any:
    from vigil.crisis.models import Crisis

    return Crisis.objects.create(
        title=title, country_id=country_id, incident_at=start, activated_at=start,
        declared_by=user, zone_kind=Crisis.ZoneKind.CIRCLE, center_latitude=lat,
        center_longitude=lon, radius_km=radius, window_start=start, window_end=end)


# --- 1. Headcount snapshot -----------------------------------------------------------------------

def headcount(args: argparse.Namespace, user: Any) -> dict[str, Any]:
    from django.db import connection, transaction

    from vigil.crisis import services, zone
    from vigil.crisis.models import AccountEntry
    from vigil.people.models import Person
    from vigil.places.models import DutyStation
    from vigil.travel import rules, whereabouts

    rng = random.Random(args.seed + 1)
    homes = [(a, b) for a, b in Person.objects.filter(residence_latitude__isnull=False)
             .order_by("pk").values_list("residence_latitude", "residence_longitude")]
    stations = list(DutyStation.objects.order_by("pk").values_list(
        "latitude", "longitude", "country_id"))
    limit = inspect.signature(whereabouts.arrival_times).parameters["limit"].default
    insert, make = inserter(AccountEntry)

    def moment(at: dt.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(at)  # as the ORM sends it

    def reference(crisis_id: int, lat: float, lon: float, start: dt.datetime,
                  end: dt.datetime, timings: dict[str, float]) -> list[dt.datetime]:
        began = time.perf_counter()
        box = rules.circle_box(lat, lon, args.radius)
        ranges = rules.cell_ranges(box)
        cells = [c for first, last in ranges for c in range(first, last + 1)]
        sql, params = wb.reference_sql(box, ranges, detail=True)
        found: dict[tuple[int, int | None], tuple[Any, ...]] = {}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT starts_at FROM travel_presence WHERE cell IN "
                f"({', '.join(['%s'] * len(cells))}) AND cleared AND starts_at >= %s "
                f"AND starts_at < %s", [*cells, moment(start), moment(end)])
            times = sorted(raw_time(t) for (t,) in cursor.fetchall())
            if len(times) > limit:  # as whereabouts.arrival_times thins them
                times = [times[int(i * len(times) / limit)] for i in range(limit)]
            moments = sorted({start, end, *times})
            for at in moments:
                cursor.execute(sql, params(moment(at), moment(at - rules.MAX_PRESENCE)))
                for row in cursor.fetchall():
                    if row[:2] not in found and \
                            rules.distance_km(lat, lon, row[2], row[3]) <= args.radius:
                        found[row[:2]] = row
            cursor.execute("SELECT id, name, code FROM places_dutystation")
            names = {pk: f"{name} ({code})" for pk, name, code in cursor.fetchall()}
            read = time.perf_counter()
            now = moment(dt.datetime.now(dt.UTC))
            rows = []
            for person, dependant, plat, plon, basis, trip, organization, station in \
                    found.values():
                place = names.get(station, "None") if basis in ("residence", "duty_station") \
                    else (f"TR-{trip:06d}" if trip else "")
                rows.append(make(
                    created_at=now, updated_at=now, crisis_id=crisis_id, person_id=person,
                    dependant_id=dependant, organization_id=organization,
                    duty_station_id=station, place=place[:200], basis=basis, latitude=plat,
                    longitude=plon))
            cursor.executemany(insert, rows)
        done = time.perf_counter()
        timings.update(read=read - began, write=done - read, total=done - began)
        return moments

    def entries(crisis_id: int) -> dict[tuple[int, int | None], tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT person_id, dependant_id, basis, organization_id, "
                           "duty_station_id, place FROM crisis_accountentry WHERE crisis_id = %s",
                           [crisis_id])
            rows = {(r[0], r[1]): r[2:] for r in cursor.fetchall()}
            cursor.execute("DELETE FROM crisis_accountentry WHERE crisis_id = %s", [crisis_id])
        return rows

    presumed = zone.presumed_in
    share: list[float] = []

    def timed_presumed_in(*a: Any, **k: Any) -> Any:
        began = time.perf_counter()
        try:
            return presumed(*a, **k)
        finally:
            share.append(time.perf_counter() - began)

    times: dict[str, list[float]] = {k: [] for k in (
        "vigil read", "vigil write", "vigil total", "ref read", "ref write", "ref total")}
    queries: dict[str, list[int]] = {"vigil": [], "ref": []}
    sizes: list[int] = []
    moments_per: list[int] = []
    differing = 0
    deadline = time.monotonic() + args.budget
    for number in range(args.crises + WARMUP):
        if len(sizes) >= 10 and time.monotonic() > deadline:
            break
        lat, lon = rng.choice(homes) if rng.random() < 0.5 else rng.choice(stations)[:2]
        lat, lon = lat + rng.uniform(-0.1, 0.1), (lon + rng.uniform(-0.1, 0.1) + 180) % 360 - 180
        start = (wb.T0 + wb.YEAR * rng.random()).replace(second=0, microsecond=0)
        end = start + dt.timedelta(hours=24)
        country = min(stations, key=lambda s: rules.distance_km(lat, lon, s[0], s[1]))[2]
        crisis = new_crisis(user, lat, lon, args.radius, start, end, country,
                            f"{TITLE} {number}")
        share.clear()
        tally = [0]
        with mock.patch.object(zone, "presumed_in", timed_presumed_in), counting(tally):
            began = time.perf_counter()
            with transaction.atomic():
                added = services.take_headcount(crisis)
            total = time.perf_counter() - began
        vigil_queries = tally[0]
        mine = entries(crisis.pk)
        ref: dict[str, float] = {}
        tally = [0]
        with counting(tally):
            moments = reference(crisis.pk, lat, lon, start, end, ref)
        theirs = entries(crisis.pk)
        expected = sorted({start, end, *whereabouts.arrival_times(
            whereabouts.circle(lat, lon, args.radius), start, end)})
        if moments != expected:
            sys.exit(f"Different moments for {lat},{lon} {start}: {len(expected)} by Vigil, "
                     f"{len(moments)} by the reference")
        if set(mine) != set(theirs) or added != len(mine):
            sys.exit(f"Different headcounts at {lat},{lon} {start}: {len(mine)} by Vigil, "
                     f"{len(theirs)} by the reference; {sorted(set(mine) ^ set(theirs))[:10]}")
        differing += sum(1 for key, row in mine.items() if theirs[key] != row)
        if number < WARMUP:  # the first few warm the caches
            continue
        read = sum(share)
        times["vigil read"].append(read * 1000)
        times["vigil write"].append((total - read) * 1000)
        times["vigil total"].append(total * 1000)
        for name in ("read", "write", "total"):
            times[f"ref {name}"].append(ref[name] * 1000)
        queries["vigil"].append(vigil_queries)
        queries["ref"].append(tally[0])
        sizes.append(len(mine))
        moments_per.append(len(moments))
    return {"times": times, "queries": queries, "sizes": sizes, "moments": moments_per,
            "differing": differing}


# --- 2. Delivery fan-out -------------------------------------------------------------------------

class HeldBack:
    """Stands in for tasks.deliver_broadcast: the broadcast is sent by the benchmark."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def delay(self, broadcast_id: int) -> None:
        self.ids.append(broadcast_id)


def fanout(args: argparse.Namespace, user: Any, recipients: list[int]) -> dict[str, Any]:
    from django.conf import settings
    from django.core import mail, signing
    from django.core.mail import EmailMessage, get_connection
    from django.db import connection, transaction
    from django.test.utils import override_settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from vigil.crisis import checkin, delivery, services, tasks
    from vigil.crisis.models import AccountEntry, Broadcast, CrisisSettings, Delivery
    from vigil.people.models import Dependant, Person

    # The headcount: the recipients and their eligible dependants, written directly.
    lat, lon, country = Person.objects.filter(pk=recipients[0]).values_list(
        "duty_station__latitude", "duty_station__longitude", "duty_station__country_id").get()
    start = wb.T0 + dt.timedelta(days=100)
    crisis = new_crisis(user, lat, lon, 500.0, start, start + dt.timedelta(hours=24), country,
                        f"{TITLE} fan-out")
    people = dict(Person.objects.filter(pk__in=recipients).values_list(
        "pk", "organization_id"))
    rows = [AccountEntry(crisis=crisis, person_id=pk, organization_id=people[pk],
                         basis=AccountEntry.Basis.RESIDENCE) for pk in recipients]
    family = list(Dependant.objects.filter(person_id__in=recipients,
                                           status=Dependant.Status.ACTIVE)
                  .values_list("pk", "person_id"))
    rows += [AccountEntry(crisis=crisis, person_id=person, dependant_id=pk,
                          organization_id=people[person], basis=AccountEntry.Basis.RESIDENCE)
             for pk, person in family]
    AccountEntry.objects.bulk_create(rows, batch_size=2000)
    CrisisSettings.load()
    subject, body = "Shelter in place", "Stay where you are until further notice."

    # Vigil: the Delivery rows, then the fan-out.
    held = HeldBack()
    tally = [0]
    with mock.patch.object(tasks, "deliver_broadcast", held), counting(tally):
        began = time.perf_counter()
        broadcast = services.broadcast_send(actor=None, subject=subject, body=body,
                                            crisis=crisis)
        write = time.perf_counter() - began
    write_queries = tally[0]
    assert held.ids == [broadcast.pk]
    count = Delivery.objects.filter(broadcast=broadcast).count()

    # Reference for the write: the same rows, under a second broadcast, in one executemany.
    other = Broadcast.objects.create(crisis=crisis, subject=subject, body=body)
    insert, make = inserter(Delivery)
    sqlite = connection.vendor == "sqlite"
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, person_id, dependant_id FROM crisis_accountentry "
                       "WHERE crisis_id = %s", [crisis.pk])
        own: dict[int, int] = {}
        household: dict[int, int] = {}
        for pk, person, dependant in cursor.fetchall():
            (own if dependant is None else household).setdefault(person, pk)
        entry_of = household | own  # the staff member's own entry; failing that, a dependant's
        cursor.execute("SELECT id, emails FROM people_person WHERE status <> 'separated' AND id IN "
                       "(SELECT person_id FROM crisis_accountentry WHERE crisis_id = %s) "
                       "ORDER BY id", [crisis.pk])
        made = []
        for pk, emails in cursor.fetchall():
            emails = json.loads(emails) if isinstance(emails, str) else emails
            address = (emails or [""])[0]
            key = uuid.uuid4()
            made.append(make(key=key.hex if sqlite else key, broadcast_id=other.pk,
                             person_id=pk, entry_id=entry_of.get(pk), channel="email",
                             address=address, status="pending" if address else "skipped"))
        cursor.executemany(insert, made)
    raw_write = time.perf_counter() - began
    fields = ("person_id", "channel", "address", "status")
    ours = set(Delivery.objects.filter(broadcast=broadcast).values_list(*fields))
    theirs = set(Delivery.objects.filter(broadcast=other).values_list(*fields))
    if ours != theirs:
        sys.exit(f"Different Delivery rows: {len(ours)} by Vigil, {len(theirs)} by the "
                 f"reference")
    # Which headcount entry carries each staff member's answer.
    vigil_entries = dict(Delivery.objects.filter(broadcast=broadcast).values_list(
        "person_id", "entry__dependant_id"))
    on_dependant = sum(1 for d in vigil_entries.values() if d is not None)
    with_family = len({p for _pk, p in family})
    Delivery.objects.filter(broadcast=other).delete()

    if args.explain:
        explain_sends(crisis, broadcast)

    locmem = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(EMAIL_BACKEND=locmem), translation.override(settings.LANGUAGE_CODE):
        mail.outbox = []
        tally = [0]
        with counting(tally):
            began = time.perf_counter()
            counts = delivery.deliver_due(broadcast_id=broadcast.pk)
            send = time.perf_counter() - began
        send_queries = tally[0]
        if counts != {Delivery.Status.SENT: count}:
            sys.exit(f"deliver_due sent {counts} of {count}")
        sent = list(mail.outbox)

        # Reference: the same EmailMessages, built and sent, nothing recorded.
        mail.outbox = []
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, key, address FROM crisis_delivery WHERE broadcast_id = %s "
                           "AND channel = 'email' AND address <> '' ORDER BY id",
                           [broadcast.pk])
            targets = cursor.fetchall()
            cursor.execute("SELECT link_hours FROM crisis_crisissettings WHERE id = 1")
            hours = cursor.fetchone()[0]
        head = [body, "", _("Tell us how you are — one tap, no sign-in needed:")]
        tail = [_("This link is yours alone and works for %(hours)s hours.") % {
            "hours": hours}, "", f"{broadcast.reference} · Vigil"]
        outgoing = get_connection()
        outgoing.open()
        for pk, key, address in targets:
            key = str(uuid.UUID(str(key)))
            link = checkin.link(Delivery(pk=pk, key=key))
            EmailMessage(subject, "\n".join([*head, link, *tail]), to=[address],
                         connection=outgoing, headers={"Message-ID": f"<{key}@vigil>",
                                                       "X-Vigil-Delivery": key}).send()
        outgoing.close()
        reference_send = time.perf_counter() - began
        built = list(mail.outbox)
        mail.outbox = []

    # The same messages: subject, recipient, headers, text (the link's token carries the time
    # it was signed, so it is compared by what it names).
    token = re.compile(re.escape(settings.VIGIL_BASE_URL) + r"\S*/([^/\s]+)/")

    def meaning(message: Any) -> tuple[Any, ...]:
        text = token.sub(lambda m: f"<{signing.loads(m.group(1), salt=checkin.SALT)}>",
                         message.body)
        return (message.subject, tuple(message.to), text, message.extra_headers["Message-ID"],
                message.extra_headers["X-Vigil-Delivery"])

    if sorted(map(meaning, sent)) != sorted(map(meaning, built)):
        sys.exit("The reference's messages differ from Vigil's")
    return {"messages": len(sent), "deliveries": count, "entries": len(rows), "write": write,
            "raw write": raw_write, "send": send, "reference send": reference_send,
            "write queries": write_queries, "send queries": send_queries,
            "on dependant": on_dependant, "with family": with_family}


def explain_sends(crisis: Any, broadcast: Any) -> None:
    """The plans of the statements deliver() sends for one message (captured from one send)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, override_settings

    from vigil.crisis import delivery
    from vigil.crisis.models import Delivery

    first = Delivery.objects.filter(broadcast=broadcast).order_by("pk").first()
    assert first is not None
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                delivery.deliver(first.pk)
            with connection.cursor() as cursor:
                for query in captured.captured_queries:
                    sql = query["sql"]
                    if not sql.startswith(("SELECT", "UPDATE")):
                        continue
                    print(f"--- {sql[:400]}", file=sys.stderr)
                    cursor.execute(prefix + sql)
                    for row in cursor.fetchall():
                        print("    " + " | ".join(str(v) for v in row), file=sys.stderr)
            transaction.set_rollback(True)


# --- 3. Incident statistics ----------------------------------------------------------------------

def reference_statistics(by: str, period: str) -> dict[str, Any]:
    """The same figures from one GROUP BY statement over (period, group)."""
    from django.db import connection

    from vigil.incidents.models import IMPACT_FIELDS

    if connection.vendor == "sqlite":
        year = "CAST(strftime('%%Y', i.occurred_at) AS INTEGER)"
        month = "CAST(strftime('%%m', i.occurred_at) AS INTEGER)" if period == "month" else "1"
    else:  # Vigil's time zone is UTC; the ORM truncates in it
        local = "i.occurred_at AT TIME ZONE 'UTC'"
        year = f"CAST(EXTRACT(YEAR FROM {local}) AS INTEGER)"
        month = f"CAST(EXTRACT(MONTH FROM {local}) AS INTEGER)" if period == "month" else "1"
    join = {"category": "JOIN incidents_incidentcategory g ON g.id = i.category_id",
            "country": "LEFT JOIN places_country g ON g.id = i.country_id"}[by]
    key = {"category": "g.code", "country": "g.iso2"}[by]
    sums = ", ".join(f"SUM(i.{name})" for name in IMPACT_FIELDS)
    sql = (f"SELECT {year}, {month}, {key}, COUNT(*), {sums} FROM incidents_incident i {join} "
           f"GROUP BY 1, 2, 3")
    with connection.cursor() as cursor:
        cursor.execute(sql, [])  # parameters, even none, so that %% is read as %
        rows = cursor.fetchall()
    names = ["incidents", *IMPACT_FIELDS]
    totals = dict.fromkeys(names, 0)
    groups: dict[Any, dict[str, int]] = {}
    periods: dict[tuple[int, int], dict[str, int]] = {}
    matrix: dict[tuple[int, int], dict[Any, int]] = {}
    for y, m, group, *values in rows:
        for target in (totals, groups.setdefault(group, dict.fromkeys(names, 0)),
                       periods.setdefault((y, m), dict.fromkeys(names, 0))):
            for name, value in zip(names, values, strict=True):
                target[name] += value
        matrix.setdefault((y, m), {})[group] = values[0]
    return {"totals": totals, "groups": groups, "periods": periods, "matrix": matrix}


def comparable(found: dict[str, Any]) -> dict[str, Any]:
    """Vigil's figures in the reference's shape: periods as (year, month), groups by key."""
    from vigil.incidents.models import IMPACT_FIELDS

    names = ["incidents", *IMPACT_FIELDS]

    def when(value: dt.datetime) -> tuple[int, int]:
        return (value.year, value.month if found["period"] == "month" else 1)

    return {"totals": found["totals"],
            "groups": {g["key"]: {n: g[n] for n in names} for g in found["groups"]},
            "periods": {when(p["period"]): {n: p[n] for n in names} for p in found["periods"]},
            "matrix": {when(p): dict(row) for p, row in found["matrix"].items()}}


def incident_statistics(args: argparse.Namespace) -> dict[tuple[str, str], dict[str, Any]]:
    from vigil.incidents import selectors
    from vigil.incidents.models import Incident

    results = {}
    for by in ("category", "country"):
        for period in ("year", "month"):
            timings: dict[str, list[float]] = {"vigil": [], "ref": []}
            for run in range(args.repeat + 1):
                began = time.perf_counter()
                found = selectors.statistics(Incident.objects.all(), by=by, period=period)
                middle = time.perf_counter()
                expected = reference_statistics(by, period)
                done = time.perf_counter()
                if run == 0:  # the first warms the caches, and is checked
                    if comparable(found) != expected:
                        sys.exit(f"Different statistics by {by} and {period}")
                    continue
                timings["vigil"].append((middle - began) * 1000)
                timings["ref"].append((done - middle) * 1000)
            results[(by, period)] = {"times": timings, "groups": len(found["groups"]),
                                     "periods": len(found["periods"])}
    return results


# --- Report --------------------------------------------------------------------------------------

def main() -> None:
    args = parse()
    _url, built = wb.prepare(args, name="crisis")
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection

    from vigil.incidents.models import Incident
    from vigil.people.models import Dependant, Person
    from vigil.places.models import DutyStation
    from vigil.travel.models import Presence, Segment

    user, _created = get_user_model().objects.get_or_create(username="bench.crisis")
    clean(user)
    loaded = load_incidents(args)
    recipients = give_addresses(args)
    # Measure with Vigil's own connection settings, not the bulk loader's (synchronous=OFF),
    # and with the load's write-ahead log flushed, so that no checkpoint runs while timing.
    connection.close()
    with connection.cursor() as cursor:
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)" if connection.vendor == "sqlite"
                           else "CHECKPOINT")
        except DatabaseError as exc:  # PostgreSQL: superusers and pg_checkpoint only
            print(f"No checkpoint: {exc}", file=sys.stderr)
    counts = {"personnel": Person.objects.count(), "dependants": Dependant.objects.count(),
              "segments": Segment.objects.count(), "presences": Presence.objects.count(),
              "duty stations": DutyStation.objects.count(),
              "incidents": Incident.objects.count()}
    label = wb.database_label()

    print("Headcount snapshots ...", file=sys.stderr)
    heads = headcount(args, user)
    fans: dict[str, list[dict[str, Any]]] = {"plain": [], "indexed": []}
    for number in range(args.rounds):
        print(f"Delivery fan-out, round {number + 1} ...", file=sys.stderr)
        clean(user)
        fans["plain"].append(fanout(args, user, recipients))
        if args.without_entry_index:
            from vigil.crisis.models import AccountEntry

            clean(user)
            index = entry_index()
            with connection.schema_editor() as editor:
                editor.remove_index(AccountEntry, index)
            try:
                fans["indexed"].append(fanout(args, user, recipients))
            finally:
                with connection.schema_editor() as editor:
                    editor.add_index(AccountEntry, index)
    print("Incident statistics ...", file=sys.stderr)
    stats = incident_statistics(args)
    clean(user)

    lines = [
        f"\n### {time.strftime('%Y-%m-%d')}, {label}, {args.people:,} people / "
        f"{args.segments:,} segments\n",
        f"Machine: {wb.machine()}; Python {platform.python_version()}; {label}.",
        "Data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "."
        + (f" People built in {built['total']:.0f} s." if built else "")
        + (f" Incidents loaded in {loaded:.0f} s." if loaded else ""),
    ]
    times, sizes = heads["times"], heads["sizes"]
    lines += [
        f"\n**Headcount snapshot**: {len(sizes)} crises of {args.radius:g} km, 24 h windows"
        + (f" (of {args.crises}: the time budget ran out)" if len(sizes) < args.crises else "")
        + f"; rows per crisis: median {statistics.median(sizes):.0f}, p95 "
        f"{wb.percentile(sizes, 0.95):.0f}, max {max(sizes)}; moments read per crisis: median "
        f"{statistics.median(heads['moments']):.0f}, max {max(heads['moments'])}; the same "
        f"(staff member, dependant) in both every time"
        + (f" ({heads['differing']} rows of all crises differ in basis, place or station)"
           if heads["differing"] else ", and the same basis, place, organization and station")
        + ".\n",
        "| path | p50 ms | p95 ms | max ms | statements p50, p95 |", "|---|---|---|---|---|"]
    for who, title in (("vigil", "services.take_headcount"),
                       ("ref", "reference: raw SQL, executemany")):
        for part, what in (("read", "zone.presumed_in" if who == "vigil"
                            else "arrivals + whereabouts statement per moment"),
                           ("write", "the rest: people, AccountEntry rows" if who == "vigil"
                            else "executemany INSERT"),
                           ("total", "total, one transaction")):
            p50, p95, most = summary(times[f"{who} {part}"])
            counted = heads["queries"][who]
            stated = f"{statistics.median(counted):.0f}, {wb.percentile(counted, 0.95):.0f}" \
                if part == "total" else ""
            lines.append(f"| {title}: {what} | {p50:.1f} | {p95:.1f} | {most:.1f} | {stated} |")
    ratio = statistics.median(times["vigil total"]) / statistics.median(times["ref total"])
    lines.append(f"\nRatio of the medians, take_headcount / reference: {ratio:.1f}.")

    fan = fans["plain"][0]
    n = fan["messages"]

    def seconds(runs: list[dict[str, Any]], name: str) -> tuple[float, str]:
        values = [run[name] for run in runs]
        middle = statistics.median(values)
        spread = f" ({min(values):.2f} to {max(values):.2f})" if len(values) > 1 else ""
        return middle, f"{middle:.2f}{spread}"

    def row(title: str, runs: list[dict[str, Any]], name: str, count: int, statements: Any,
            reference: str | None) -> str:
        middle, shown = seconds(runs, name)
        ratio = f"{middle / seconds(runs, reference)[0]:.1f}" if reference else "1"
        return f"| {title} | {shown} | {count / middle:,.0f} | {statements} | {ratio} |"

    plain, rounds = fans["plain"], args.rounds
    lines += [
        f"\n**Delivery fan-out**: one broadcast to the {args.recipients:,} staff members of a "
        f"headcount of {fan['entries']:,} entries ({fan['deliveries']:,} Delivery rows, "
        f"{n:,} e-mails through the locmem backend; the same messages in both)"
        + (f"; median of {rounds} rounds (range)" if rounds > 1 else "") + ".\n",
        "| step | seconds | rows or messages per second | statements | ratio |",
        "|---|---|---|---|---|",
        row("services.broadcast_send: Delivery rows", plain, "write", fan["deliveries"],
            fan["write queries"], "raw write"),
        row("reference: executemany INSERT of the same rows", plain, "raw write",
            fan["deliveries"], 3, None),
        row("delivery.deliver_due: claim, send, mark sent", plain, "send", n,
            fan["send queries"], "reference send"),
        row("reference: build and send the same EmailMessages", plain, "reference send", n, 2,
            None),
    ]
    if fans["indexed"]:  # its ratio: to deliver_due with the index
        middle, shown = seconds(fans["indexed"], "send")
        lines.append(f"| delivery.deliver_due, without the index on headcount entries "
                     f"(crisis, person) | {shown} | {n / middle:,.0f} | "
                     f"{fans['indexed'][0]['send queries']} | "
                     f"{middle / seconds(plain, 'send')[0]:.2f} of the above |")
    if fan["on dependant"]:
        lines.append(f"\n{fan['on dependant']:,} of the {fan['with family']:,} staff members "
                     "with dependants on the headcount had their delivery tied to a "
                     "dependant's entry rather than their own.")

    lines += [
        f"\n**Incident statistics**: selectors.statistics over all {counts['incidents']:,} "
        f"incidents (ten years), {args.repeat} runs each; the same numbers in both.\n",
        "| statistics(by, period) | groups | periods | p50 ms | p95 ms | reference p50 ms | "
        "reference p95 ms | ratio |", "|---|---|---|---|---|---|---|---|"]
    for (by, period), result in stats.items():
        v, r = result["times"]["vigil"], result["times"]["ref"]
        lines.append(f"| {by}, {period} | {result['groups']} | {result['periods']} | "
                     f"{statistics.median(v):.1f} | {wb.percentile(v, 0.95):.1f} | "
                     f"{statistics.median(r):.1f} | {wb.percentile(r, 0.95):.1f} | "
                     f"{statistics.median(v) / statistics.median(r):.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
