"""Whereabouts: where a person is presumed at a time, and who is presumed in a place.

This is what crisis headcount stands on. A staff member or eligible dependant is, at time t:

1. on a trip, if a cleared trip of theirs covers t: in transit during a segment (presumed at
   both of its ends), or staying at a destination (its accommodation, else the destination);
2. else at their residence, if its coordinates are known (a dependant without coordinates of
   their own lives at the staff member's residence);
3. else at the staff member's duty station.

These functions answer for the whole system; the selectors narrow them to what a user may see.
Trips are read from Presence rows (written by services.presence_rebuild); every time lookup is
an index range because no presence is longer than rules.MAX_PRESENCE, and every place lookup is
a range of grid cells (trips) or a latitude/longitude box (residences and duty stations).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime
from shapely.geometry import shape
from shapely.prepared import prep

from vigil.people.models import Dependant, Person
from vigil.places.models import DutyStation, SecurityArea
from vigil.places.rules import EARTH_RADIUS_KM
from vigil.travel import rules
from vigil.travel.models import Presence


class Basis:
    TRANSIT = "transit"
    STAY = "stay"
    RESIDENCE = "residence"
    DUTY_STATION = "duty_station"


@dataclass(frozen=True)
class Whereabouts:
    """Where one person is presumed, and how that is known."""

    person_id: int
    dependant_id: int | None
    basis: str
    points: tuple[tuple[float, float], ...]  # two for a segment in progress, else one
    request_id: int | None = None
    segment_id: int | None = None
    cleared: bool = True

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.person_id, self.dependant_id)

    @property
    def point(self) -> tuple[float, float]:
        return self.points[-1]


def _active_at(qs: QuerySet[Presence], at: dt.datetime,
               include_pending: bool) -> QuerySet[Presence]:
    qs = qs.filter(starts_at__gt=at - rules.MAX_PRESENCE, starts_at__lte=at, ends_at__gt=at)
    qs = qs.annotate(trip_start=F("request__starts_at"))
    return qs if include_pending else qs.filter(cleared=True)


def _from_presences(rows: Iterable[Any]) -> list[Whereabouts]:
    """Group presence rows by person: the two ends of a segment in progress make one answer.
    Should two trips cover the same moment, the trip that starts later wins."""
    grouped: dict[tuple[int, int | None], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.person_id, row.dependant_id), []).append(row)
    out = []
    for (person_id, dependant_id), items in grouped.items():
        items.sort(key=lambda r: (getattr(r, "trip_start", None) or r.starts_at, r.request_id,
                                  r.kind == Presence.Kind.TRANSIT))
        last = items[-1]
        same = [r for r in items if r.request_id == last.request_id
                and r.segment_id == last.segment_id and r.kind == last.kind]
        out.append(Whereabouts(person_id, dependant_id, last.kind,
                               tuple((r.latitude, r.longitude) for r in
                                     sorted(same, key=lambda r: r.pk)),
                               last.request_id, last.segment_id, last.cleared))
    return out


def where(*, at: dt.datetime, person: Person | None = None, dependant: Dependant | None = None,
          include_pending: bool = False) -> Whereabouts:
    """Where one staff member (``person``) or dependant is presumed at ``at``."""
    if dependant is not None:
        rows = _active_at(Presence.objects.filter(dependant_id=dependant.pk), at,
                          include_pending)
    elif person is not None:
        rows = _active_at(Presence.objects.filter(person_id=person.pk, dependant__isnull=True),
                          at, include_pending)
    else:
        rows = Presence.objects.none()
    found = _from_presences(rows)
    if found:
        return found[0]
    if dependant is not None:
        if dependant.residence_latitude is not None and dependant.residence_longitude is not None:
            return Whereabouts(dependant.person_id, dependant.pk, Basis.RESIDENCE,
                               ((dependant.residence_latitude, dependant.residence_longitude),))
        home = _home(dependant.person)
        return Whereabouts(dependant.person_id, dependant.pk, home.basis, home.points)
    if person is None:
        raise TypeError("where() needs a person or a dependant")
    return _home(person)


def _home(person: Person) -> Whereabouts:
    if person.residence_latitude is not None and person.residence_longitude is not None:
        return Whereabouts(person.pk, None, Basis.RESIDENCE,
                           ((person.residence_latitude, person.residence_longitude),))
    station = person.duty_station
    return Whereabouts(person.pk, None, Basis.DUTY_STATION,
                       ((station.latitude, station.longitude),))


# --- Who is in a place ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Region:
    """A place to search: its bounding box and an exact test of a point (``contains``), and
    the same test for many points in one call where that is faster (``contains_all``)."""

    box: rules.Box
    contains: Callable[[float, float], bool]
    contains_all: Callable[[Sequence[tuple[float, float]]], list[bool]] | None = None

    def test(self, points: Iterable[tuple[float, float]]) -> dict[tuple[float, float], bool]:
        """``contains`` of each distinct (latitude, longitude), as a lookup."""
        distinct = list(dict.fromkeys(points))
        if self.contains_all is None:
            return {point: self.contains(*point) for point in distinct}
        return dict(zip(distinct, self.contains_all(distinct), strict=True))

    def tester(self, points: Iterable[tuple[float, float]]) -> Callable[[float, float], bool]:
        """``contains``, for points among ``points``: where the region tests many points in
        one call, they are tested at once here and looked up after; otherwise (a circle's
        distance, cheaper than a lookup) ``contains`` itself."""
        if self.contains_all is None:
            return self.contains
        table = self.test(points)
        return lambda lat, lon: table[(lat, lon)]


def circle(lat: float, lon: float, radius_km: float) -> Region:
    # rules.distance_km(lat, lon, a, b) <= radius_km, with the centre's terms worked out once:
    # the same operations in the same order, so the same floating-point result at every
    # point (tested against rules.distance_km); a city's answer tests thousands of points.
    p1 = math.radians(lat)
    cos_p1 = math.cos(p1)
    diameter = 2 * EARTH_RADIUS_KM
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt

    def contains(a: float, b: float) -> bool:
        p2 = radians(a)
        h = sin((p2 - p1) / 2) ** 2 + cos_p1 * cos(p2) * sin(radians(b - lon) / 2) ** 2
        root = sqrt(h)
        return diameter * asin(root if root < 1.0 else 1.0) <= radius_km

    return Region(rules.circle_box(lat, lon, radius_km), contains)


def polygon(geometry: dict[str, Any]) -> Region:
    """A GeoJSON Polygon or MultiPolygon (coordinates are longitude, latitude)."""
    geom = shape(geometry)
    west, south, east, north = geom.bounds
    prepared = prep(geom)
    shapely.prepare(geom)

    def contains_all(points: Sequence[tuple[float, float]]) -> list[bool]:
        # A polygon covers a point exactly when they intersect: one vectorized call of GEOS's
        # prepared point-in-area test for all the points (the same answers as ``covers``
        # point by point, tested; several times faster at thousands of points).
        if not points:
            return []
        lats, lons = zip(*points, strict=True)
        found: list[bool] = shapely.intersects_xy(geom, lons, lats).tolist()
        return found

    return Region(rules.Box(south, north, west, east),
                  lambda a, b: bool(prepared.covers(shapely.Point(b, a))), contains_all)


def _box_filter(box: rules.Box, lat: str, lon: str) -> Q:
    condition = Q()
    for west, east in box.lon_ranges():
        condition |= Q(**{f"{lon}__gte": west, f"{lon}__lte": east})
    return Q(**{f"{lat}__gte": box.south, f"{lat}__lte": box.north}) & condition


def _cell_filter(box: rules.Box) -> Q:
    """The box's grid cells. Few cells are listed one by one, so that each is an equality on
    the (cell, starts_at) index and the time range narrows it too; many go as ranges."""
    ranges = rules.cell_ranges(box)
    if sum(last - first + 1 for first, last in ranges) <= 64:
        return Q(cell__in=sorted({c for first, last in ranges for c in range(first, last + 1)}))
    condition = Q()
    for first, last in ranges:
        condition |= Q(cell__gte=first, cell__lte=last) if first != last else Q(cell=first)
    return condition


def _live_people() -> QuerySet[Person]:
    return Person.objects.exclude(status=Person.Status.SEPARATED)


def _live_dependants() -> QuerySet[Dependant]:
    return Dependant.objects.filter(status=Dependant.Status.ACTIVE).exclude(
        person__status=Person.Status.SEPARATED)


def _live_presences(qs: QuerySet[Presence]) -> QuerySet[Presence]:
    """Presences of staff still serving and of dependants still eligible."""
    return qs.exclude(person__status=Person.Status.SEPARATED).filter(
        Q(dependant__isnull=True) | Q(dependant__status=Dependant.Status.ACTIVE))


# --- Who is in a place: one statement ------------------------------------------------------------
# who_is_near and who_is_in read everything they need in ONE statement (raw SQL through Django's
# connection, the same text on SQLite and PostgreSQL), a UNION ALL of the parts below, and apply
# the rules in Python (_answer): the same rules, and the same index ranges, as the queryset
# helpers above (_active_at, _live_presences, _live_people, _live_dependants, _box_filter,
# _cell_filter) state them; test_whereabouts' brute force checks the answers. It replaced seven
# statements built by the ORM (travellers, their presences, residents, duty stations, staff at
# a duty station, dependants at a staff member's home, dependants with a residence of their
# own): the round trips and the query building were most of the time (bench/b1_whereabouts.py).
#
# Parts, each row tagged by its first column:
#   T  every presence at ``at`` of a staff member with a presence in the place (by grid cell
#      and box, or by security area) at ``at``, with the trip's start; the last column says
#      whether the row itself is such a presence of a live traveller (a candidate);
#   R  live staff members with a residence in the place (the box, or a duty station in the
#      area), the last column saying whether a trip of their own takes them away at ``at``;
#   S  live staff members without a residence whose duty station is in the place (ditto);
#   D  live dependants without a residence of their own, not away, of staff members of R or S
#      (kept in Python only if the staff member's home is in the place);
#   O  live dependants with a residence of their own in the place, not away.
# NULL tests read "(+x) IS NULL": SQLite takes the unary plus as "no index for this term", so
# that it does not read every person without a residence through an index on the column.



@dataclass
class _Row:
    """A presence as the statement gives it (what _from_presences reads of a Presence)."""

    pk: int
    person_id: int
    dependant_id: int | None
    kind: str
    latitude: float
    longitude: float
    request_id: int
    segment_id: int
    cleared: bool
    trip_start: dt.datetime
    starts_at: dt.datetime


def _moment(value: Any) -> dt.datetime:
    """A datetime as a raw cursor gives it (aware; naive UTC or text on SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    moment: dt.datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class _Sql:
    """Text and parameters, appended together."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> _Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def text(self) -> str:
        return " ".join(self.parts)


def _statement(region: Region | None, area_id: int | None, at: dt.datetime,
               include_pending: bool) -> _Sql:
    """The statement for a region (who_is_near, a polygon) or, with ``region`` None, for a
    security area without a boundary (``area_id``)."""
    ops = connection.ops
    moment, since = (ops.adapt_datetimefield_value(at),
                     ops.adapt_datetimefield_value(at - rules.MAX_PRESENCE))
    separated, eligible = Person.Status.SEPARATED.value, Dependant.Status.ACTIVE.value
    sql = _Sql()

    def active(a: str) -> None:  # _active_at
        sql.add(f"{a}.starts_at > %s AND {a}.starts_at <= %s AND {a}.ends_at > %s",
                since, moment, moment)
        if not include_pending:
            sql.add(f"AND {a}.cleared = %s", True)

    def box(lat: str, lon: str) -> None:  # _box_filter
        if region is None:
            raise TypeError("a box needs a region")
        b = region.box
        sql.add(f"{lat} >= %s AND {lat} <= %s AND (", b.south, b.north)
        for number, (west, east) in enumerate(b.lon_ranges()):
            sql.add(f"{'OR ' if number else ''}({lon} >= %s AND {lon} <= %s)", west, east)
        sql.add(")")

    def place(a: str) -> None:  # a presence in the place: grid cells and box, or area
        if region is None:
            sql.add(f"{a}.security_area_id = %s", area_id)
            return
        ranges = rules.cell_ranges(region.box)  # as _cell_filter
        cells = sorted({c for first, last in ranges for c in range(first, last + 1)})
        if len(cells) <= 64:
            sql.add(f"{a}.cell IN ({', '.join(['%s'] * len(cells))})", *cells)
        else:
            sql.add("(" + " OR ".join(f"({a}.cell >= %s AND {a}.cell <= %s)"
                                      for _ in ranges) + ")",
                    *(v for r in ranges for v in r))
        sql.add("AND")
        box(f"{a}.latitude", f"{a}.longitude")

    def away(match: str) -> None:  # _away: a trip of theirs at ``at``
        sql.add("EXISTS (SELECT 1 FROM travel_presence x WHERE").add(match).add("AND")
        active("x")
        sql.add(")")

    def staff_away() -> None:  # the staff member's own presences (not their family's)
        away("x.person_id = p.id AND COALESCE(x.dependant_id, 0) = 0")

    def home_station(s: str) -> None:  # a duty station in the place
        if region is None:
            sql.add(f"{s}.security_area_id = %s", area_id)
        else:
            box(f"{s}.latitude", f"{s}.longitude")

    # T: the travellers' presences.
    sql.add("SELECT 'T', pr.person_id, pr.dependant_id, pr.id, pr.kind, pr.latitude, "
            "pr.longitude, pr.request_id, pr.segment_id, pr.cleared, "
            "COALESCE(r.starts_at, pr.starts_at), CASE WHEN")
    place("pr")
    sql.add("AND p.status <> %s AND (pr.dependant_id IS NULL OR d.status = %s) THEN 1 ELSE 0 END",
            separated, eligible)
    sql.add("FROM travel_presence pr JOIN travel_travelrequest r ON r.id = pr.request_id "
            "JOIN people_person p ON p.id = pr.person_id "
            "LEFT JOIN people_dependant d ON d.id = pr.dependant_id WHERE")
    active("pr")
    sql.add("AND pr.person_id IN (SELECT c.person_id FROM travel_presence c WHERE")
    place("c")
    sql.add("AND")
    active("c")
    sql.add(")")
    # R: staff at their residence.
    sql.add("UNION ALL SELECT 'R', p.id, NULL, NULL, NULL, p.residence_latitude, "
            "p.residence_longitude, NULL, NULL, NULL, NULL, CASE WHEN")
    staff_away()
    if region is None:
        sql.add("THEN 1 ELSE 0 END FROM people_person p JOIN places_dutystation s "
                "ON s.id = p.duty_station_id WHERE s.security_area_id = %s "
                "AND p.residence_latitude IS NOT NULL", area_id)
    else:
        sql.add("THEN 1 ELSE 0 END FROM people_person p WHERE")
        box("p.residence_latitude", "p.residence_longitude")
    sql.add("AND p.status <> %s", separated)
    # S: staff without a residence, at their duty station.
    sql.add("UNION ALL SELECT 'S', p.id, NULL, NULL, NULL, s.latitude, s.longitude, "
            "NULL, NULL, NULL, NULL, CASE WHEN")
    staff_away()
    sql.add("THEN 1 ELSE 0 END FROM places_dutystation s "
            "JOIN people_person p ON p.duty_station_id = s.id WHERE")
    home_station("s")
    sql.add("AND (+p.residence_latitude) IS NULL AND p.status <> %s", separated)
    # D: dependants at the staff member's home (the staff member's home: R or S).
    dependant_here = ("(+d.residence_latitude) IS NULL AND d.status = %s AND p.status <> %s "
                      "AND NOT")
    if region is None:
        sql.add("UNION ALL SELECT 'D', p.id, d.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                "NULL, 0 "
                "FROM places_dutystation s "
                "JOIN people_person p ON p.duty_station_id = s.id "
                "JOIN people_dependant d ON d.person_id = p.id WHERE s.security_area_id = %s AND",
                area_id).add(dependant_here, eligible, separated)
        away("x.dependant_id = d.id")
    else:
        sql.add("UNION ALL SELECT 'D', p.id, d.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                "NULL, 0 "
                "FROM people_person p "
                "JOIN people_dependant d ON d.person_id = p.id WHERE")
        box("p.residence_latitude", "p.residence_longitude")
        sql.add("AND").add(dependant_here, eligible, separated)
        away("x.dependant_id = d.id")
        sql.add("UNION ALL SELECT 'D', p.id, d.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                "NULL, 0 "
                "FROM places_dutystation s "
                "JOIN people_person p ON p.duty_station_id = s.id "
                "JOIN people_dependant d ON d.person_id = p.id WHERE")
        box("s.latitude", "s.longitude")
        sql.add("AND (+p.residence_latitude) IS NULL AND").add(dependant_here, eligible,
                                                              separated)
        away("x.dependant_id = d.id")
    # O: dependants with a residence of their own.
    sql.add("UNION ALL SELECT 'O', d.person_id, d.id, NULL, NULL, d.residence_latitude, "
            "d.residence_longitude, NULL, NULL, NULL, NULL, 0 FROM people_dependant d "
            "JOIN people_person p ON p.id = d.person_id")
    if region is None:
        sql.add("JOIN places_dutystation s ON s.id = p.duty_station_id "
                "WHERE s.security_area_id = %s AND d.residence_latitude IS NOT NULL", area_id)
    else:
        sql.add("WHERE")
        box("d.residence_latitude", "d.residence_longitude")
    sql.add("AND d.status = %s AND p.status <> %s AND NOT", eligible, separated)
    away("x.dependant_id = d.id")
    return sql


def _answer(region: Region | None, area_id: int | None, at: dt.datetime,
            include_pending: bool) -> list[Whereabouts]:
    """Everyone presumed in a region, or (``region`` None) in a security area without a
    boundary, at ``at``: the statement's rows read by the rules of the module docstring."""
    sql = _statement(region, area_id, at, include_pending)
    with connection.cursor() as cursor:
        cursor.execute(sql.text(), sql.params)
        rows = cursor.fetchall()
    return _read(region, rows)


def _read(region: Region | None, rows: list[tuple[Any, ...]]) -> list[Whereabouts]:
    """The statement's rows read by the rules."""
    # The region's exact test (a polygon tests every point of the rows in one call first).
    # D rows have no point.
    contains = None if region is None else region.tester(
        (row[5], row[6]) for row in rows if row[5] is not None and row[6] is not None)

    def inside(lat: float | None, lon: float | None) -> bool:
        return lat is not None and lon is not None and (contains is None or contains(lat, lon))

    # Travellers: a candidate presence in the place makes a candidate; their whereabouts are
    # read from all their presences at ``at`` (both ends of a segment, the trip that wins
    # should two overlap), and kept only if they put the person in the place.
    presences = []
    keys: set[tuple[int, int | None]] = set()
    in_area: set[tuple[Any, ...]] = set()  # an area without a boundary: its presences
    for row in rows:
        if row[0] != "T":
            continue
        _tag, person_id, dependant_id, pk, kind, lat, lon, request_id, segment_id, cleared, \
            trip_start, candidate = row
        start = _moment(trip_start)
        presences.append(_Row(pk, person_id, dependant_id, kind, lat, lon, request_id,
                              segment_id, bool(cleared), start, start))
        if candidate and (contains is None or contains(lat, lon)):
            keys.add((person_id, dependant_id))
            if region is None:
                in_area.add((request_id, segment_id, kind, lat, lon))
    presences.sort(key=lambda r: r.pk)
    travellers: dict[tuple[int, int | None], Whereabouts] = {}
    for w in _from_presences(r for r in presences if (r.person_id, r.dependant_id) in keys):
        if contains is None:
            kept = any((w.request_id, w.segment_id, w.basis, lat, lon) in in_area
                       for lat, lon in w.points)
        else:
            kept = any(contains(lat, lon) for lat, lon in w.points)
        if kept:
            travellers[w.key] = w
    # At home: staff members (away or not: their family stays), then their dependants.
    home_of: dict[int, Whereabouts] = {}
    away_ids: set[int] = set()
    for tag, person_id, _d, _pk, _k, lat, lon, *_rest, away in rows:
        if tag in ("R", "S") and inside(lat, lon):
            basis = Basis.RESIDENCE if tag == "R" else Basis.DUTY_STATION
            home_of[person_id] = Whereabouts(person_id, None, basis, ((lat, lon),))
            if away:
                away_ids.add(person_id)
    found = [w for pk, w in home_of.items() if pk not in away_ids]
    for tag, person_id, dependant_id, _pk, _k, lat, lon, *_rest in rows:
        if tag == "D" and person_id in home_of:
            home = home_of[person_id]
            found.append(Whereabouts(person_id, dependant_id, home.basis, home.points))
        elif tag == "O" and inside(lat, lon):
            found.append(Whereabouts(person_id, dependant_id, Basis.RESIDENCE, ((lat, lon),)))
    return _ordered([*travellers.values(), *(w for w in found if w.key not in travellers)])


def _home_people_of(region: Region) -> tuple[QuerySet[Person], QuerySet[DutyStation],
                                             QuerySet[Dependant]]:
    """The candidates at home in a region's box, as querysets (crisis.zone reads them)."""
    box = region.box
    people = _live_people().filter(_box_filter(box, "residence_latitude",
                                               "residence_longitude"))
    stations = DutyStation.objects.filter(_box_filter(box, "latitude", "longitude"))
    dependants = _live_dependants().filter(_box_filter(box, "residence_latitude",
                                                       "residence_longitude"))
    return people, stations, dependants


def _present(region: Region, at: dt.datetime, include_pending: bool) -> list[Whereabouts]:
    return _answer(region, None, at, include_pending)


def _ordered(found: list[Whereabouts]) -> list[Whereabouts]:
    return sorted(found, key=lambda w: (w.person_id, w.dependant_id or 0))


def who_is_near(lat: float, lon: float, radius_km: float, at: dt.datetime, *,
                include_pending: bool = False) -> list[Whereabouts]:
    """Every staff member and dependant presumed within ``radius_km`` of a point at ``at``."""
    return _present(circle(lat, lon, radius_km), at, include_pending)


def who_is_in(at: dt.datetime, *, area: SecurityArea | None = None,
              geometry: dict[str, Any] | None = None,
              include_pending: bool = False) -> list[Whereabouts]:
    """Everyone presumed inside a GeoJSON polygon, or a security area, at ``at``. An area with
    a boundary is a polygon; an area without one holds the trips that stop in it and the
    people whose duty station is in it."""
    if geometry is None and area is not None and area.boundary:
        geometry = area.boundary
    if geometry is not None:
        return _present(polygon(geometry), at, include_pending)
    if area is None:
        raise TypeError("who_is_in() needs an area or a geometry")
    return _answer(None, area.pk, at, include_pending)


def arrival_times(region: Region | None, start: dt.datetime, end: dt.datetime, *,
                  area: SecurityArea | None = None, limit: int = 48) -> list[dt.datetime]:
    """The moments in [start, end) at which some cleared presence begins inside the region's
    box (or, for an area without a boundary, tagged with the area): where the answer of
    ``who_is_*`` may change during a window. At most ``limit``, spread evenly over the
    window's arrivals."""
    where = Q(security_area=area) if region is None else _cell_filter(region.box)
    times = sorted(set(Presence.objects.filter(
        where, cleared=True, starts_at__gte=start, starts_at__lt=end)
        .order_by().values_list("starts_at", flat=True)))
    if len(times) <= limit:
        return times
    step = len(times) / limit
    return [times[int(i * step)] for i in range(limit)]


def area_region(area: SecurityArea) -> Region | None:
    """The region of a security area with a boundary; None for an area without one."""
    return polygon(area.boundary) if area.boundary else None


def staying_in_areas(at: dt.datetime) -> dict[int, int]:
    """Staff members staying on a cleared trip at ``at`` in a security area: person id ->
    area id (scheduled check-ins ask them how they are)."""
    present = _active_at(_live_presences(Presence.objects.filter(
        dependant__isnull=True, security_area__isnull=False, kind=Presence.Kind.STAY)),
        at, include_pending=False)
    return dict(present.order_by().values_list("person_id", "security_area_id"))


# --- A region at many moments --------------------------------------------------------------------
# travel.whereabouts answers for one moment (who_is_near, who_is_in); a window asks for up to
# fifty. present_during gives, for a region and sorted moments, what calling _present
# at each moment and keeping each person's first answer gives, with a fixed number of
# statements: the candidates (travellers by grid cell, people by home) and the trips that may
# take them in or out, each read once for the whole span of the moments. The rules (who is
# live, which trip wins, who is at home) are whereabouts' own helpers.

Key = tuple[int, int | None]
CHUNK = 5000  # ids per IN list (SQLite's limit on parameters)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for first in range(0, len(ordered), CHUNK):
        yield ordered[first:first + CHUNK]


def _during(qs: QuerySet[Presence], first: dt.datetime, last: dt.datetime) -> QuerySet[Presence]:
    """Cleared presences active at some moment of [first, last] (_active_at for a
    span: every presence it finds at a moment of the span is here)."""
    return qs.filter(starts_at__gt=first - rules.MAX_PRESENCE, starts_at__lte=last,
                     ends_at__gt=first, cleared=True)


def _active(starts: dt.datetime, ends: dt.datetime, at: dt.datetime) -> bool:
    """_active_at's test for one presence."""
    return at - rules.MAX_PRESENCE < starts <= at < ends


def _travellers_during(region: Region, moments: Sequence[dt.datetime]
                       ) -> list[dict[Key, Whereabouts]]:
    """For each moment, the travellers presumed in the region (_travellers) who
    were not at an earlier one."""
    first, last = moments[0], moments[-1]
    fields = ("pk", "person_id", "dependant_id", "kind", "latitude", "longitude", "request_id",
              "segment_id", "cleared", "starts_at", "ends_at")
    cells = Presence.objects.filter(_cell_filter(region.box))
    inside = [r for r in _during(_live_presences(cells), first, last).only(*fields)
              if region.contains(r.latitude, r.longitude)]
    if not inside:
        return [{} for _ in moments]
    everything: list[Presence] = []
    for chunk in _chunks({r.person_id for r in inside}):
        everything.extend(_during(Presence.objects.filter(person_id__in=chunk), first, last)
                          .annotate(trip_start=F("request__starts_at")).only(*fields))
    # Person by person, moments in order, up to the first that puts them in the region: only
    # the first answer of each counts (present_during).
    rows_of: dict[Key, list[Presence]] = {}
    for r in everything:
        rows_of.setdefault((r.person_id, r.dependant_id), []).append(r)
    inside_of: dict[Key, list[Presence]] = {}
    for r in inside:
        inside_of.setdefault((r.person_id, r.dependant_id), []).append(r)
    out: list[dict[Key, Whereabouts]] = [{} for _ in moments]
    for key, candidates in inside_of.items():
        for index, at in enumerate(moments):
            if not any(_active(r.starts_at, r.ends_at, at) for r in candidates):
                continue
            rows = [r for r in rows_of.get(key, ()) if _active(r.starts_at, r.ends_at, at)]
            found = [w for w in _from_presences(rows)
                     if any(region.contains(lat, lon) for lat, lon in w.points)]
            if found:
                out[index][key] = found[0]
                break
    return out


def _homes(region: Region) -> list[Whereabouts]:
    """Everyone whose home is in the region, away or not (_at_home's candidates):
    staff members at their residence or duty station, the dependants who share a staff
    member's home, and the dependants with a residence of their own."""
    people, stations, dependants_own = _home_people_of(region)
    home_of: dict[int, Whereabouts] = {}
    for pk, lat, lon in people.filter(residence_latitude__isnull=False).order_by().values_list(
            "pk", "residence_latitude", "residence_longitude"):
        if lat is not None and lon is not None and region.contains(lat, lon):
            home_of[pk] = Whereabouts(pk, None, Basis.RESIDENCE, ((lat, lon),))
    points = {pk: (lat, lon) for pk, lat, lon in
              stations.order_by().values_list("pk", "latitude", "longitude")
              if region.contains(lat, lon)}
    if points:
        for pk, station_id in _live_people().filter(
                residence_latitude__isnull=True, duty_station_id__in=list(points)
        ).order_by().values_list("pk", "duty_station_id"):
            home_of[pk] = Whereabouts(pk, None, Basis.DUTY_STATION, (points[station_id],))
    found = list(home_of.values())
    for chunk in _chunks(list(home_of)):
        for pk, person_id in _live_dependants().filter(
                residence_latitude__isnull=True, person_id__in=chunk
        ).order_by().values_list("pk", "person_id"):
            home = home_of[person_id]
            found.append(Whereabouts(person_id, pk, home.basis, home.points))
    for pk, person_id, lat, lon in dependants_own.order_by().values_list(
            "pk", "person_id", "residence_latitude", "residence_longitude"):
        if lat is not None and lon is not None and region.contains(lat, lon):
            found.append(Whereabouts(person_id, pk, Basis.RESIDENCE, ((lat, lon),)))
    return found


def _trips_of(homes: Sequence[Whereabouts], first: dt.datetime, last: dt.datetime
              ) -> dict[Key, list[tuple[dt.datetime, dt.datetime]]]:
    """The cleared trips (start, end of each presence) that may take each of ``homes`` away
    during [first, last]: a staff member's own presences, a dependant's."""
    trips: dict[Key, list[tuple[dt.datetime, dt.datetime]]] = {}
    staff = [w.person_id for w in homes if w.dependant_id is None]
    for chunk in _chunks(staff):
        for person_id, starts, ends in _during(Presence.objects.filter(
                person_id__in=chunk, dependant__isnull=True), first, last
        ).order_by().values_list("person_id", "starts_at", "ends_at"):
            trips.setdefault((person_id, None), []).append((starts, ends))
    owner = {w.dependant_id: w.person_id for w in homes if w.dependant_id is not None}
    for chunk in _chunks(list(owner)):
        for dependant_id, starts, ends in _during(Presence.objects.filter(
                dependant_id__in=chunk), first, last
        ).order_by().values_list("dependant_id", "starts_at", "ends_at"):
            trips.setdefault((owner[dependant_id], dependant_id), []).append((starts, ends))
    return trips


def present_during(region: Region, moments: Sequence[dt.datetime]
                   ) -> list[Whereabouts]:
    """Everyone presumed in the region at some of ``moments`` (sorted): each person's first
    answer, in the order of the moments and, within one, of (staff member, dependant); as
    keeping the first of whereabouts' answers at each moment in turn gives."""
    if not moments:
        return []
    first, last = moments[0], moments[-1]
    travelling = _travellers_during(region, moments)
    seen: dict[Key, tuple[int, Whereabouts]] = {}
    for index, found in enumerate(travelling):
        for key, w in found.items():
            seen.setdefault(key, (index, w))
    homes = _homes(region)
    trips = _trips_of(homes, first, last)
    for home in homes:
        key = home.key
        before = seen[key][0] if key in seen else len(moments)  # a trip into the zone wins
        away = trips.get(key, ())
        for index in range(before):
            if not any(_active(starts, ends, moments[index]) for starts, ends in away):
                seen[key] = (index, home)
                break
    ordered = sorted(seen.values(), key=lambda v: (v[0], v[1].person_id,
                                                    v[1].dependant_id or 0))
    return [w for _index, w in ordered]
