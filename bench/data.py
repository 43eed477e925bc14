"""The benchmark data set at the UN system's size, deterministic, loaded in bulk.

    .venv/bin/python bench/data.py --scale large            # PostgreSQL vigil_bench_data_large
    .venv/bin/python bench/data.py --scale medium --database-url sqlite:///var/bench/m.sqlite3

On top of the small demo (`vigil demo --scale small`: every app's records, the demo users and
their scopes), it adds, for the large scale, the sizes of issue 16 and the seed's programme:

- 300,000 personnel round 45 real duty stations and about 1,100 field stations drawn round them,
  75 % with a residence, and about 400,000 dependants (1.33 per staff member);
- two years of travel (2026 and 2027) at 2,000,000 requests a year, each with its segments, its
  travelling dependants, and the presences that travel.services writes for it (cut exactly as
  services.presence_rows does: rules.pieces, rules.split_interval, rules.cell);
- 100,000 incidents a year, located in the countries and near the stations of the people;
- training completions: BSAFE for every staff member, SSAFE for a third of them.

`--scale medium` is a tenth of that, `--scale small` a hundredth. The same scale and seed give the
same rows. Rows go in with COPY on PostgreSQL and executemany on SQLite, secondary indexes
dropped during the load and built after it; PostgreSQL is vacuumed and analyzed at the end.
A database built before, and complete, is reused (a row in table bench_dataset says so); a
half-built one is dropped and built again. Other benchmarks call ``ensure_dataset(scale)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import queue
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import VIGIL, fresh_pg_database, pg_database_exists, pg_url, setup_django

BATCH = 50_000
WINDOW_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
YEARS = 2
SCALES: dict[str, dict[str, int]] = {
    "large": {"people": 300_000, "requests_per_year": 2_000_000, "incidents_per_year": 100_000},
    "medium": {"people": 30_000, "requests_per_year": 200_000, "incidents_per_year": 10_000},
    "small": {"people": 3_000, "requests_per_year": 20_000, "incidents_per_year": 1_000},
}
# Dependants per staff member: 0-3, 1.33 on average.
DEPENDANT_WEIGHTS = [35, 20, 22, 23]

# Duty stations people cluster round: (code, name, ISO country, latitude, longitude, zone,
# weight). More field stations are drawn round these.
CENTRES = [
    ("NBO", "Nairobi", "KE", -1.286, 36.817, "Africa/Nairobi", 10),
    ("GVA", "Geneva", "CH", 46.204, 6.143, "Europe/Zurich", 9),
    ("NYC", "New York", "US", 40.749, -73.968, "America/New_York", 9),
    ("VIE", "Vienna", "AT", 48.235, 16.416, "Europe/Vienna", 5),
    ("ROM", "Rome", "IT", 41.883, 12.489, "Europe/Rome", 5),
    ("BKK", "Bangkok", "TH", 13.757, 100.502, "Asia/Bangkok", 5),
    ("ADD", "Addis Ababa", "ET", 9.03, 38.74, "Africa/Addis_Ababa", 5),
    ("BEY", "Beirut", "LB", 33.894, 35.502, "Asia/Beirut", 4),
    ("SCL", "Santiago", "CL", -33.449, -70.669, "America/Santiago", 3),
    ("MGQ", "Mogadishu", "SO", 2.046, 45.318, "Africa/Mogadishu", 3),
    ("JUB", "Juba", "SS", 4.859, 31.571, "Africa/Juba", 4),
    ("KBL", "Kabul", "AF", 34.555, 69.207, "Asia/Kabul", 4),
    ("BGW", "Baghdad", "IQ", 33.315, 44.366, "Asia/Baghdad", 3),
    ("AMM", "Amman", "JO", 31.954, 35.911, "Asia/Amman", 4),
    ("DKR", "Dakar", "SN", 14.716, -17.467, "Africa/Dakar", 4),
    ("ABJ", "Abidjan", "CI", 5.36, -4.008, "Africa/Abidjan", 3),
    ("FIH", "Kinshasa", "CD", -4.441, 15.266, "Africa/Kinshasa", 4),
    ("GOM", "Goma", "CD", -1.679, 29.228, "Africa/Lubumbashi", 3),
    ("BKO", "Bamako", "ML", 12.639, -8.003, "Africa/Bamako", 3),
    ("NIM", "Niamey", "NE", 13.512, 2.112, "Africa/Niamey", 2),
    ("NDJ", "N'Djamena", "TD", 12.134, 15.055, "Africa/Ndjamena", 2),
    ("PAP", "Port-au-Prince", "HT", 18.594, -72.307, "America/Port-au-Prince", 2),
    ("BOG", "Bogota", "CO", 4.711, -74.072, "America/Bogota", 3),
    ("PTY", "Panama City", "PA", 8.983, -79.517, "America/Panama", 3),
    ("MNL", "Manila", "PH", 14.599, 120.984, "Asia/Manila", 3),
    ("JKT", "Jakarta", "ID", -6.208, 106.846, "Asia/Jakarta", 3),
    ("DAC", "Dhaka", "BD", 23.81, 90.412, "Asia/Dhaka", 3),
    ("ISB", "Islamabad", "PK", 33.684, 73.048, "Asia/Karachi", 3),
    ("KTM", "Kathmandu", "NP", 27.717, 85.324, "Asia/Kathmandu", 2),
    ("RGN", "Yangon", "MM", 16.866, 96.195, "Asia/Yangon", 2),
    ("CAI", "Cairo", "EG", 30.044, 31.236, "Africa/Cairo", 3),
    ("TUN", "Tunis", "TN", 36.806, 10.181, "Africa/Tunis", 2),
    ("SAH", "Sana'a", "YE", 15.369, 44.191, "Asia/Aden", 2),
    ("DAM", "Damascus", "SY", 33.513, 36.292, "Asia/Damascus", 2),
    ("IEV", "Kyiv", "UA", 50.45, 30.523, "Europe/Kyiv", 3),
    ("TBS", "Tbilisi", "GE", 41.715, 44.827, "Asia/Tbilisi", 1),
    ("SUV", "Suva", "FJ", -18.124, 178.45, "Pacific/Fiji", 1),
    ("APW", "Apia", "WS", -13.833, -171.767, "Pacific/Apia", 1),
    ("POM", "Port Moresby", "PG", -9.443, 147.18, "Pacific/Port_Moresby", 1),
    ("MPM", "Maputo", "MZ", -25.966, 32.573, "Africa/Maputo", 2),
    ("HRE", "Harare", "ZW", -17.829, 31.053, "Africa/Harare", 2),
    ("PRY", "Pretoria", "ZA", -25.747, 28.229, "Africa/Johannesburg", 2),
    ("DLA", "Douala", "CM", 4.051, 9.768, "Africa/Douala", 1),
    ("KRT", "Khartoum", "SD", 15.501, 32.56, "Africa/Khartoum", 2),
    ("TIP", "Tripoli", "LY", 32.887, 13.191, "Africa/Tripoli", 1),
]
# Field stations drawn round the centres (within about 300 km): 255 for 70,000 people, and as
# many more for more people, so that a place holds about as many people at every scale.
FIELD_STATIONS_PER_70000 = 255


# --- Fast inserts ---------------------------------------------------------------------------------

class Copier:
    """COPY on a connection of its own, in a thread, so that PostgreSQL takes one batch while
    the generator makes the next (the server's work runs on the other core). Batches wait in a
    short queue; an error in the thread is raised in the caller."""

    def __init__(self, settings: dict[str, Any]) -> None:
        import psycopg

        self.conn = psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"] or None,
            password=settings["PASSWORD"] or None, host=settings["HOST"] or None,
            port=settings["PORT"] or None, autocommit=True)
        self.conn.execute("SET session_replication_role = replica")
        self.queue: queue.Queue[tuple[str, list[tuple[Any, ...]]] | None] = queue.Queue(4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue
            sql, rows = item
            try:
                with self.conn.transaction(), self.conn.cursor() as cursor, \
                        cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except BaseException as error:
                self.error = error

    def put(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((sql, rows))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self.conn.close()
        if self.error is not None:
            raise self.error


class Loader:
    """Rows straight into tables: executemany on SQLite, COPY on PostgreSQL, with the
    secondary indexes dropped during the load and built again after it, and foreign-key
    checks off (the generator keeps every reference right)."""

    def __init__(self, models: Sequence[Any], analyze: bool) -> None:
        from django.db import connection

        self.connection = connection
        self.analyze = analyze
        self.sqlite = connection.vendor == "sqlite"
        self.buffers: dict[Any, list[tuple[Any, ...]]] = {m: [] for m in models}
        self.columns = {m: [f.column for f in m._meta.concrete_fields] for m in models}
        self.indexes: list[str] = []
        self.rows = 0
        self.copier: Copier | None = None
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.sqlite:
                for pragma in ("foreign_keys=OFF", "synchronous=OFF", "journal_mode=MEMORY",
                               "cache_size=-400000"):
                    cursor.execute(f"PRAGMA {pragma}")
            else:
                cursor.execute("SET session_replication_role = replica")
            for model in models:
                table = model._meta.db_table
                if self.sqlite:
                    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = %s AND sql IS NOT NULL", [table])
                else:
                    cursor.execute(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                        "NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname)",
                        [table])
                for name, sql in cursor.fetchall():
                    self.indexes.append(sql)
                    cursor.execute(f'DROP INDEX "{name}"')

    def datetime(self, value: dt.datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return self.connection.ops.adapt_datetimefield_value(value)

    def add(self, model: Any, row: tuple[Any, ...]) -> None:
        buffer = self.buffers[model]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(model)

    def flush(self, model: Any) -> None:
        rows, self.buffers[model] = self.buffers[model], []
        if not rows:
            return
        table, columns = model._meta.db_table, self.columns[model]
        names = ", ".join(f'"{c}"' for c in columns)
        self.rows += len(rows)
        if self.sqlite:
            from django.db import transaction

            marks = ", ".join("?" * len(columns))
            with transaction.atomic():
                self.connection.connection.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        if self.copier is None:
            self.copier = Copier(self.connection.settings_dict)
        self.copier.put(f'COPY "{table}" ({names}) FROM STDIN', rows)

    def drain(self) -> None:
        """Everything added so far written (the COPY thread finished and closed)."""
        for model in self.buffers:
            self.flush(model)
        if self.copier is not None:
            self.copier.close()
            self.copier = None

    def finish(self) -> float:
        """Flush, build the indexes again, reset sequences, gather statistics; returns the
        seconds spent on the indexes and statistics."""
        self.drain()
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for sql in self.indexes:
                cursor.execute(sql)
            if self.sqlite:
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
            else:
                cursor.execute("SET session_replication_role = DEFAULT")
                for model in self.buffers:
                    table = model._meta.db_table
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                   f'(SELECT max(id) FROM "{table}"))')
            if self.sqlite:
                if self.analyze:
                    cursor.execute("ANALYZE")
            else:
                # VACUUM as well as ANALYZE: rows loaded by COPY are not yet marked all-visible,
                # so until autovacuum comes round every index-only scan (the indicator report's
                # covering index on presences) would read the table too, and the planner
                # would price them so. A database in use has been vacuumed long since.
                cursor.execute("VACUUM (ANALYZE)")
        return time.perf_counter() - started


def template(model: Any, **overrides: Any) -> Callable[..., tuple[Any, ...]]:
    """A row maker: the model's defaults, ``overrides``, then per-row values by attname."""
    fields = model._meta.concrete_fields
    base = {}
    for f in fields:
        value = overrides.get(f.attname, f.get_default())
        if f.get_internal_type() == "JSONField" and value is not None:
            value = json.dumps(value)
        base[f.attname] = value
    names = [f.attname for f in fields]
    position = {n: i for i, n in enumerate(names)}
    defaults = [base[n] for n in names]

    def row(**values: Any) -> tuple[Any, ...]:
        made = defaults.copy()
        for name, value in values.items():
            made[position[name]] = value
        return tuple(made)

    return row



def jitter(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    lat = max(-89.9, min(89.9, lat + rng.gauss(0, spread)))
    lon = lon + rng.gauss(0, spread) / max(0.2, math.cos(math.radians(lat)))
    return lat, (lon + 180) % 360 - 180




# --- Travel, in parts ---------------------------------------------------------------------------
# The travellers are split in PARTS, each with its own random stream and its own block of ids,
# so that the rows are the same whether the parts run one after another (SQLite) or in
# processes side by side (PostgreSQL, one COPY connection each).
PARTS = 2


@dataclass
class TravelJob:
    seed: int
    part: int
    travellers: list[tuple[int, int, str, list[int]]]
    per_person: list[int]
    stations: list[tuple[int, float, float, str, int, int, float]]
    window: tuple[dt.datetime, dt.datetime]
    bases: dict[str, int]
    user_pk: int
    now: dt.datetime


class Sink:
    """Where a part's rows go: the parent's Loader, or in a child process a COPY connection of
    its own (the indexes were dropped by the parent)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.copier = Copier(settings)
        self.buffers: dict[Any, list[tuple[Any, ...]]] = {}

    def datetime(self, value: Any) -> Any:
        return value

    def add(self, model: Any, row: tuple[Any, ...]) -> None:
        buffer = self.buffers.setdefault(model, [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(model)

    def flush(self, model: Any) -> None:
        rows, self.buffers[model] = self.buffers[model], []
        if rows:
            names = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
            self.copier.put(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN', rows)

    def close(self) -> None:
        for model in list(self.buffers):
            self.flush(model)
        self.copier.close()


def make_travel(job: TravelJob, sink: Any, advance: Callable[[], None]) -> tuple[int, int]:
    """One part's travel requests, segments, travelling dependants and presences; returns the
    numbers of segments and presences written."""
    from vigil.travel import rules
    from vigil.travel.models import Presence, Segment, TravelRequest

    Through = TravelRequest.dependants.through
    rng = random.Random(f"{job.seed}-travel-{job.part}")
    stations, window = job.stations, job.window
    span = window[1] - window[0]
    weights = [s[6] for s in stations]
    ids = {TravelRequest: job.bases["request"], Segment: job.bases["segment"],
           Presence: job.bases["presence"], Through: job.bases["through"]}
    stamp = sink.datetime(job.now)
    request_row = template(TravelRequest, created_at=stamp, updated_at=stamp,
                           requested_by_id=job.user_pk, purpose="Mission", contacts=[])
    through_row = template(Through)
    segment_row = template(Segment, mode="air")
    presence_row = template(Presence)
    travellers, per_person = job.travellers, job.per_person
    presences = segments = 0
    for who, many in enumerate(per_person):
        if not many:
            continue
        pk, home_index, _status, family = travellers[who]
        home = stations[home_index]
        home_place = (home[0], home[1], home[2], home[3], home[4], home[5])
        slot = span / many
        free = window[0]
        for number in range(many):
            shape = rng.choices([1, 2, 3], [15, 55, 30])[0]
            request_pk = ids[TravelRequest]
            ids[TravelRequest] += 1
            stops = []
            for _s in range(max(1, shape - 1)):
                target = stations[rng.choices(range(len(stations)), weights)[0]]
                if rng.random() < 0.5:  # a duty station
                    stops.append((target[0], target[1], target[2], target[3], target[4],
                                  target[5]))
                else:  # a named place near one
                    lat, lon = jitter(rng, target[1], target[2], 0.2)
                    stops.append((None, lat, lon, target[3], target[4], target[5]))
            places = [home_place, *stops]
            if shape > 1:
                places.append(home_place)
            # Legs of 1 to 14 hours, stays of 1 to 20 days (sometimes up to 40), shorter
            # when a person travels often, so that trips fit their slots.
            most = max(1.0, min(20.0, slot.days / (len(places) - 1) / 2))
            plan = []
            length = dt.timedelta(0)
            for _leg in range(len(places) - 1):
                flight = dt.timedelta(minutes=rng.randint(60, 14 * 60))
                stay = dt.timedelta(days=rng.uniform(1, most) if rng.random() < 0.9
                                    else rng.uniform(most, 2 * most))
                plan.append((flight, stay))
                length += flight + stay
            start = window[0] + slot * number + max(dt.timedelta(0), slot - length) \
                * rng.random()
            start = max(free, start.replace(second=0, microsecond=0))
            status = rng.choices(["cleared", "pending", "cancelled"], [85, 10, 5])[0]
            subjects: list[tuple[int, int | None]] = [(pk, None)]
            if family and rng.random() < 0.15:
                subjects += [(pk, d) for d in family]
                for d in family:
                    sink.add(Through, through_row(id=ids[Through],
                                                    travelrequest_id=request_pk,
                                                    dependant_id=d))
                    ids[Through] += 1
            legs, at = [], start
            for index, (flight, stay) in enumerate(plan):
                origin, destination = places[index], places[index + 1]
                segment_pk = ids[Segment]
                ids[Segment] += 1
                departs, arrives = at, at + flight
                last = index == len(plan) - 1
                lodging = None
                if destination[0] is None or rng.random() < 0.5:
                    lodging = jitter(rng, destination[1], destination[2], 0.03)
                stays_until = arrives + stay if last and shape == 1 else None
                sink.add(Segment, segment_row(
                    id=segment_pk, request_id=request_pk, position=index + 1,
                    origin_station_id=origin[0], origin_name="From",
                    origin_country_id=origin[4], origin_area_id=origin[5],
                    origin_latitude=origin[1], origin_longitude=origin[2],
                    origin_tz=origin[3], destination_station_id=destination[0],
                    destination_name="To", destination_country_id=destination[4],
                    destination_area_id=destination[5],
                    destination_latitude=destination[1],
                    destination_longitude=destination[2], destination_tz=destination[3],
                    departs_at=sink.datetime(departs), arrives_at=sink.datetime(arrives),
                    lodging_latitude=lodging[0] if lodging else None,
                    lodging_longitude=lodging[1] if lodging else None,
                    stays_until=sink.datetime(stays_until)))
                segments += 1
                legs.append((segment_pk, origin, destination, rules.Leg(
                    departs_at=departs, arrives_at=arrives, origin=(origin[1], origin[2]),
                    destination=(destination[1], destination[2]), lodging=lodging,
                    home=destination[0] is not None and destination[0] == home[0],
                    stays_until=stays_until)))
                at = arrives + stay
            ends = legs[-1][3].stays_until or legs[-1][3].arrives_at
            free = at
            sink.add(TravelRequest, request_row(
                id=request_pk, traveller_id=pk, status=status,
                starts_at=sink.datetime(start), ends_at=sink.datetime(ends),
                submitted_at=sink.datetime(start - dt.timedelta(days=14)),
                decided_at=sink.datetime(start - dt.timedelta(days=10))
                if status == "cleared" else None))
            advance()
            if status == "cancelled":
                continue
            # As services.presence_rows: the itinerary's pieces, each cut at MAX_PRESENCE.
            for piece in rules.pieces([leg[3] for leg in legs]):
                segment_pk, origin, destination = legs[piece.leg][:3]
                end = origin if piece.at_origin else destination
                lat, lon = piece.point
                cell = rules.cell(lat, lon)
                for begin, finish in rules.split_interval(piece.starts_at, piece.ends_at):
                    begin_at, finish_at = sink.datetime(begin), sink.datetime(finish)
                    for person_id, dependant_id in subjects:
                        sink.add(Presence, presence_row(
                            id=ids[Presence], request_id=request_pk, segment_id=segment_pk,
                            person_id=person_id, dependant_id=dependant_id,
                            kind=piece.kind, cleared=status == "cleared",
                            starts_at=begin_at, ends_at=finish_at, latitude=lat,
                            longitude=lon, cell=cell, country_id=end[4],
                            security_area_id=end[5]))
                        ids[Presence] += 1
                        presences += 1
    return segments, presences


def _travel_child(job: TravelJob, settings: dict[str, Any], done: Any, out: Any) -> None:
    sink = Sink(settings)

    def advance() -> None:
        with done.get_lock():
            done.value += 1

    try:
        out.put(("ok", make_travel(job, sink, advance)))
        sink.close()
    except BaseException as error:
        out.put(("error", repr(error)))
        raise


# --- The data set ---------------------------------------------------------------------------------

def database_name(scale: str) -> str:
    return f"vigil_bench_data_{scale}"


class Progress:
    """A progress bar per phase on stderr (rich), quiet when stderr is not a terminal."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self.bar = Bar(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TimeRemainingColumn(),
                       disable=not sys.stderr.isatty() and not os.environ.get("VIGIL_PROGRESS"))
        self.task: Any = None
        self.pending = 0

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def phase(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.pending = 0
        self.task = self.bar.add_task(name, total=total)
        print(f"{time.strftime('%H:%M:%S')} {name} ({total:,})", file=sys.stderr) \
            if self.bar.disable else None

    def advance(self, step: int = 1) -> None:
        self.pending += step
        if self.pending >= 1000:
            self.bar.advance(self.task, self.pending)
            self.pending = 0


def build(scale: str, seed: int) -> dict[str, Any]:
    """Fill the migrated database Django is set up on (it holds the small demo) with the
    scale's rows. Returns the data set's description (see ensure_dataset)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from vigil.incidents.models import Incident, IncidentCategory
    from vigil.people.models import Dependant, Organization, Person
    from vigil.places.models import Country, DutyStation, SecurityArea
    from vigil.training.models import Completion, Course
    from vigil.travel.models import Presence, Segment, TravelRequest

    sizes = SCALES[scale]
    rng = random.Random(seed)
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    window = (WINDOW_START, WINDOW_START.replace(year=WINDOW_START.year + YEARS))
    span = window[1] - window[0]
    field_stations = round(FIELD_STATIONS_PER_70000 * sizes["people"] / 70_000)
    with transaction.atomic():
        organization = Organization.objects.create(code="BENCH", name="Benchmark entity",
                                                   kind=Organization.Kind.OTHER)
        user = get_user_model().objects.create_user(username="bench.data")
        countries = {c.iso2: c for c in Country.objects.filter(iso2__in={c[2] for c in CENTRES})}
        stations: list[tuple[int, float, float, str, int, int, float]] = []
        specs = [(c[0], c[1], c[2], c[3], c[4], c[5], float(c[6])) for c in CENTRES]
        for n in range(field_stations):
            code, name, iso2, lat, lon, zone, _w = rng.choice(CENTRES)
            lat, lon = jitter(rng, lat, lon, 1.5)
            specs.append((f"{code}{n:04d}", f"{name} field office {n}", iso2, lat, lon, zone,
                          rng.choice([0.2, 0.3, 0.5, 1.0])))
        for code, name, iso2, lat, lon, zone, weight in specs:
            area = SecurityArea.objects.create(country=countries[iso2], code=f"B-{code}",
                                               name=f"Area of {name}")
            made = DutyStation.objects.create(
                code=f"B-{code}", name=name, country=countries[iso2], security_area=area,
                latitude=lat, longitude=lon, time_zone=zone)
            stations.append((made.pk, lat, lon, zone, countries[iso2].pk, area.pk, weight))
        courses = dict(Course.objects.filter(code__in=["BSAFE", "SSAFE"])
                       .values_list("code", "pk"))
    Through = TravelRequest.dependants.through
    models = [Person, Dependant, TravelRequest, Through, Segment, Presence, Incident, Completion]
    ids = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
           for m in models}

    loader = Loader(models, analyze=True)
    stamp = loader.datetime(now)
    person_row = template(Person, created_at=stamp, updated_at=stamp,
                          organization_id=organization.pk, category="international")
    dependant_row = template(Dependant, created_at=stamp, updated_at=stamp,
                             relationship="child")
    weights = [s[6] for s in stations]
    counts: dict[str, int] = {}

    with Progress() as progress:
        # People: most with a residence near their duty station; dependants with them.
        progress.phase("personnel and dependants", sizes["people"])
        people = []  # (id, station index, status, active dependant ids)
        dependants = 0
        station_of = rng.choices(range(len(stations)), weights, k=sizes["people"])
        for index in station_of:
            pk = ids[Person]
            ids[Person] += 1
            station = stations[index]
            residence: tuple[float, float] | tuple[None, None] = (None, None)
            if rng.random() < 0.75:
                residence = jitter(rng, station[1], station[2], 0.08)
            status = rng.choices(["active", "on_leave", "separated"], [93, 5, 2])[0]
            loader.add(Person, person_row(
                id=pk, index_number=f"B{pk:08d}", family_name=f"Person {pk}",
                duty_station_id=station[0], status=status, residence_latitude=residence[0],
                residence_longitude=residence[1]))
            family = []
            for _d in range(rng.choices(range(4), DEPENDANT_WEIGHTS)[0]):
                dependants += 1
                dpk = ids[Dependant]
                ids[Dependant] += 1
                own: tuple[float, float] | tuple[None, None] = (None, None)
                if rng.random() < 0.2:
                    own = jitter(rng, station[1], station[2], 0.1)
                dstatus = "inactive" if rng.random() < 0.05 else "active"
                loader.add(Dependant, dependant_row(
                    id=dpk, person_id=pk, family_name=f"Family {pk}", status=dstatus,
                    lives_with_staff_member=own[0] is None, residence_latitude=own[0],
                    residence_longitude=own[1]))
                if dstatus == "active":
                    family.append(dpk)
            people.append((pk, index, status, family))
            progress.advance()
        counts["personnel"] = len(people)
        counts["dependants"] = dependants

        # Travel: the requests spread over the people who serve, each person's one after
        # another over the two years.
        travellers = [p for p in people if p[2] != "separated"]
        total = sizes["requests_per_year"] * YEARS
        per_person = [0] * len(travellers)
        for who in rng.choices(range(len(travellers)), k=total):
            per_person[who] += 1
        progress.phase("travel requests", total)
        presences = segments = 0
        jobs = []
        request_base = ids[TravelRequest]
        for part in range(PARTS):
            chosen = range(part, len(travellers), PARTS)
            many = sum(per_person[i] for i in chosen)
            jobs.append(TravelJob(
                seed=seed, part=part, travellers=[travellers[i] for i in chosen],
                per_person=[per_person[i] for i in chosen], stations=stations, window=window,
                user_pk=user.pk, now=now,
                bases={"request": request_base,
                       "segment": ids[Segment] + part * total * 3,
                       "presence": ids[Presence] + part * total * 100,
                       "through": ids[Through] + part * total * 3}))
            request_base += many
        if loader.sqlite:
            for job in jobs:
                made = make_travel(job, loader, progress.advance)
                segments, presences = segments + made[0], presences + made[1]
        else:
            import multiprocessing

            # The parent's connections must not be shared with the children: close them.
            loader.drain()
            loader.connection.close()
            context = multiprocessing.get_context("fork")
            done = context.Value("q", 0)
            out = context.Queue()
            children = [context.Process(target=_travel_child,
                                        args=(job, loader.connection.settings_dict, done, out))
                        for job in jobs]
            for child in children:
                child.start()
            answers = []
            seen = 0
            while len(answers) < len(children):
                try:
                    answers.append(out.get(timeout=0.5))
                except queue.Empty:
                    if any(c.exitcode not in (None, 0) for c in children):
                        break
                progress.advance(done.value - seen)
                seen = done.value
            for child in children:
                child.join()
            failed = [a[1] for a in answers if a[0] != "ok"]
            if failed or len(answers) < len(children) or any(c.exitcode for c in children):
                raise SystemExit(f"travel generation failed: {failed or 'a part died'}")
            for _kind, (made_segments, made_presences) in answers:
                segments, presences = segments + made_segments, presences + made_presences
        ids[TravelRequest] = request_base
        counts.update(travel_requests=total, segments=segments, presences=presences)

        # Incidents: near the stations, where the people are, over the two years.
        total = sizes["incidents_per_year"] * YEARS
        progress.phase("incidents", total)
        tops = list(IncidentCategory.objects.filter(parent__isnull=True).order_by("pk")
                    .values_list("pk", flat=True))
        children: dict[int, list[int]] = {}
        for cpk, parent in IncidentCategory.objects.filter(parent__isnull=False).order_by(
                "pk").values_list("pk", "parent_id"):
            children.setdefault(parent, []).append(cpk)
        category_weights = [rng.uniform(0.2, 5) for _ in tops]
        incident_row = template(Incident, created_at=stamp, updated_at=stamp,
                                reported_by_id=user.pk, verification="verified")
        seconds = span.total_seconds()

        def impact(share: float, most: int) -> int:
            return rng.randint(1, most) if rng.random() < share else 0

        for number in range(total):
            category = rng.choices(tops, category_weights)[0]
            sub = rng.choice(children[category]) if category in children and \
                rng.random() < 0.7 else None
            station = stations[rng.choices(range(len(stations)), weights)[0]]
            lat, lon = jitter(rng, station[1], station[2], 0.3)
            at = window[0] + dt.timedelta(seconds=round(rng.random() * seconds / 60) * 60)
            loader.add(Incident, incident_row(
                id=ids[Incident], category_id=category, subcategory_id=sub,
                title=f"Benchmark incident {number}", occurred_at=loader.datetime(at),
                time_zone=station[3], country_id=station[4], security_area_id=station[5],
                duty_station_id=station[0] if rng.random() < 0.3 else None,
                latitude=lat, longitude=lon, country_basis="point",
                killed=impact(0.08, 5), injured=impact(0.2, 10), abducted=impact(0.04, 4),
                missing=impact(0.02, 3), detained=impact(0.05, 6), affected=impact(0.3, 50)))
            ids[Incident] += 1
            progress.advance()
        counts["incidents"] = total

        # Training: BSAFE for every staff member, SSAFE for a third.
        progress.phase("training completions", len(people))
        completion_row = template(Completion, created_at=stamp, updated_at=stamp,
                                  source="migrated", recorded_by_id=user.pk)
        completions = 0
        first_day = (window[0] - dt.timedelta(days=3 * 365)).date()
        for pk, _index, _status, _family in people:
            for code, share, months in (("BSAFE", 1.0, None), ("SSAFE", 0.33, 36)):
                if code not in courses or rng.random() >= share:
                    continue
                on = first_day + dt.timedelta(days=rng.randrange(3 * 365 + 365))
                expires = None if months is None else on + dt.timedelta(days=months * 30)
                loader.add(Completion, completion_row(
                    id=ids[Completion], person_id=pk, course_id=courses[code],
                    completed_on=on, expires_on=expires,
                    certificate_code=f"B{ids[Completion]:013d}"))
                ids[Completion] += 1
                completions += 1
            progress.advance()
        counts["training_completions"] = completions
        progress.phase("indexes and statistics", 1)
        loaded = time.perf_counter()
        indexing = loader.finish()
        progress.advance()
    return {"scale": scale, "seed": seed, "counts": counts,
            "window": [window[0].isoformat(), window[1].isoformat()],
            "stations": stations, "cities": [(c[1], c[3], c[4]) for c in CENTRES],
            "seconds": {"load": round(loaded - started, 1), "index": round(indexing, 1),
                        "total": round(time.perf_counter() - started, 1)}}


MARKER_TABLE = "bench_dataset"


def _recorded() -> dict[str, Any] | None:
    """The description a complete build left in the database, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        if MARKER_TABLE not in connection.introspection.table_names(cursor):
            return None
        cursor.execute(f"SELECT info FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def ensure_dataset(scale: str = "large", url: str | None = None, seed: int = 1) -> dict[str, Any]:
    """Django set up on the scale's data set, built first unless a complete one is there.

    PostgreSQL database vigil_bench_data_<scale> unless ``url`` names another (SQLite too).
    Returns a description: "url", "counts" per table, "window" (start and end, ISO, UTC),
    "stations" [(id, lat, lon, tz, country_id, area_id, weight)] of the benchmark's stations,
    "cities" [(name, lat, lon)] the people cluster round, and the build's "seconds"."""
    if scale not in SCALES:
        raise SystemExit(f"--scale: one of {', '.join(SCALES)}, not {scale!r}")
    url = url or pg_url(database_name(scale))
    lock = _build_lock(database_name(scale)) if url == pg_url(database_name(scale)) else None
    try:
        return _ensure(scale, url, seed)
    finally:
        if lock is not None:
            lock.close()


def _build_lock(name: str) -> Any:
    """A connection holding the data set's build lock (a PostgreSQL advisory lock on the
    server's postgres database, so that dropping the data set's database leaves it alone):
    while one process builds, another waits here instead of taking the half-built database
    for a failed build and starting again over it."""
    import zlib

    import psycopg

    conn = psycopg.connect(pg_url("postgres"), autocommit=True)
    key = zlib.crc32(name.encode())
    said = False
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
        if not said:
            print(f"{name} is being built by another process: waiting for it.",
                  file=sys.stderr, flush=True)
            said = True
        time.sleep(5)
    return conn


def _ensure(scale: str, url: str, seed: int) -> dict[str, Any]:
    built = False
    if url.startswith("postgres") and not url.endswith(f"/{database_name(scale)}"):
        pass  # a database the caller named: used as it is
    elif url.startswith("postgres") and not pg_database_exists(database_name(scale)):
        fresh_pg_database(database_name(scale))
    setup_django(url)
    info = _recorded()
    if info is None or info.get("scale") != scale or info.get("seed") != seed:
        from vigil.people.models import Person

        if Person.objects.exists():
            if url.startswith("postgres") and url.endswith(f"/{database_name(scale)}"):
                # A build that stopped half-way: start again on an empty database.
                from django.db import connection

                connection.close()
                fresh_pg_database(database_name(scale))
                subprocess.run([VIGIL, "migrate", "-v0"], check=True)
            else:
                raise SystemExit(f"{url} holds other data and no complete benchmark data "
                                 "set: give an empty database.")
        print(f"Building the {scale} data set in {url} ...", file=sys.stderr)
        started = time.perf_counter()
        # The small demo first (every app's records, the demo users), in its own process.
        subprocess.run([VIGIL, "demo", "--scale", "small", "-v0"], check=True)
        demo_seconds = time.perf_counter() - started
        info = build(scale, seed)
        info["seconds"]["demo"] = round(demo_seconds, 1)
        info["seconds"]["total"] = round(time.perf_counter() - started, 1)
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {MARKER_TABLE} (info TEXT NOT NULL)")
            cursor.execute(f"INSERT INTO {MARKER_TABLE} (info) VALUES (%s)", [json.dumps(info)])
        built = True
        print(f"Built in {info['seconds']['total']:.0f} s: {info['counts']}", file=sys.stderr)
    info["url"] = url
    info["built_now"] = built
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="default: PostgreSQL database vigil_bench_data_<scale> on "
                        "VIGIL_BENCH_PG (127.0.0.1:5432)")
    parser.add_argument("--rebuild", action="store_true", help="drop and build again")
    args = parser.parse_args()
    if args.rebuild:
        if args.database_url and args.database_url.startswith("sqlite:///"):
            Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        elif not args.database_url:
            fresh_pg_database(database_name(args.scale))
    info = ensure_dataset(args.scale, args.database_url, args.seed)
    print(json.dumps({k: info[k] for k in ("url", "counts", "window", "seconds", "built_now")},
                     indent=2))


if __name__ == "__main__":
    main()
