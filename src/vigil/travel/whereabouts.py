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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from shapely.geometry import shape
from shapely.prepared import prep

from vigil.people.models import Dependant, Person
from vigil.places.models import DutyStation, SecurityArea
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


def _from_presences(rows: Iterable[Presence]) -> list[Whereabouts]:
    """Group presence rows by person: the two ends of a segment in progress make one answer.
    Should two trips cover the same moment, the trip that starts later wins."""
    grouped: dict[tuple[int, int | None], list[Presence]] = {}
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
    """A place to search: its bounding box and an exact test of a point."""

    box: rules.Box
    contains: Callable[[float, float], bool]


def circle(lat: float, lon: float, radius_km: float) -> Region:
    return Region(rules.circle_box(lat, lon, radius_km),
                  lambda a, b: rules.distance_km(lat, lon, a, b) <= radius_km)


def polygon(geometry: dict[str, Any]) -> Region:
    """A GeoJSON Polygon or MultiPolygon (coordinates are longitude, latitude)."""
    geom = shape(geometry)
    west, south, east, north = geom.bounds
    prepared = prep(geom)
    return Region(rules.Box(south, north, west, east),
                  lambda a, b: bool(prepared.covers(shapely.Point(b, a))))


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


def _away(at: dt.datetime, include_pending: bool, **match: Any) -> Exists:
    return Exists(_active_at(Presence.objects.filter(**match), at, include_pending))


def _live_people() -> QuerySet[Person]:
    return Person.objects.exclude(status=Person.Status.SEPARATED)


def _live_dependants() -> QuerySet[Dependant]:
    return Dependant.objects.filter(status=Dependant.Status.ACTIVE).exclude(
        person__status=Person.Status.SEPARATED)


def _live_presences(qs: QuerySet[Presence]) -> QuerySet[Presence]:
    """Presences of staff still serving and of dependants still eligible."""
    return qs.exclude(person__status=Person.Status.SEPARATED).filter(
        Q(dependant__isnull=True) | Q(dependant__status=Dependant.Status.ACTIVE))


def _travellers(presences: QuerySet[Presence], region: Region,
                at: dt.datetime, include_pending: bool) -> dict[tuple[int, int | None],
                                                                  Whereabouts]:
    """Travellers presumed in the region at ``at``. A presence in the region makes a
    candidate; the candidate's whereabouts are then read from all their presences at ``at``
    (both ends of a segment, and the trip that wins should two overlap), and kept only if
    they put the person in the region."""
    fields = ("pk", "person_id", "dependant_id", "kind", "latitude", "longitude", "request_id",
              "segment_id", "cleared", "starts_at")
    rows = _active_at(_live_presences(presences), at, include_pending).only(*fields)
    inside = {(r.person_id, r.dependant_id) for r in rows if region.contains(r.latitude,
                                                                             r.longitude)}
    if not inside:
        return {}
    everything = _active_at(Presence.objects.filter(
        person_id__in=sorted({p for p, _d in inside})), at, include_pending).only(*fields)
    found = {}
    for w in _from_presences(r for r in everything if (r.person_id, r.dependant_id) in inside):
        if any(region.contains(lat, lon) for lat, lon in w.points):
            found[w.key] = w
    return found


def _at_home(people: QuerySet[Person], stations: QuerySet[DutyStation],
             dependants_own: QuerySet[Dependant], region: Region | None, at: dt.datetime,
             include_pending: bool) -> list[Whereabouts]:
    """Everyone whose home (residence, else duty station) is in the place and who is not away
    on a trip at ``at``. ``people`` and ``dependants_own`` are candidates with residence
    coordinates, ``stations`` the duty stations whose staff without such coordinates are
    candidates; ``region`` None means every candidate is inside."""
    home_of: dict[int, Whereabouts] = {}
    away_ids: set[int] = set()
    person_away = _away(at, include_pending, person=OuterRef("pk"), dependant__isnull=True)
    dependant_away = _away(at, include_pending, dependant=OuterRef("pk"))
    residents = people.filter(residence_latitude__isnull=False)
    for pk, lat, lon, away in residents.annotate(away=person_away).order_by().values_list(
            "pk", "residence_latitude", "residence_longitude", "away"):
        if lat is None or lon is None:
            continue
        if region is None or region.contains(lat, lon):
            home_of[pk] = Whereabouts(pk, None, Basis.RESIDENCE, ((lat, lon),))
            if away:
                away_ids.add(pk)
    points = {pk: (lat, lon) for pk, lat, lon in
              stations.order_by().values_list("pk", "latitude", "longitude")
              if region is None or region.contains(lat, lon)}
    at_station = _live_people().filter(residence_latitude__isnull=True,
                                       duty_station_id__in=list(points))
    if points:
        for pk, station_id, away in at_station.annotate(away=person_away).order_by().values_list(
                "pk", "duty_station_id", "away"):
            home_of[pk] = Whereabouts(pk, None, Basis.DUTY_STATION, (points[station_id],))
            if away:
                away_ids.add(pk)
    found = [w for pk, w in home_of.items() if pk not in away_ids]
    # Dependants without coordinates of their own live at the staff member's home, whether
    # or not the staff member is travelling.
    staff = sorted(home_of)
    for start in range(0, len(staff), 5000):  # an index lookup per staff member found
        sharing = _live_dependants().filter(residence_latitude__isnull=True,
                                            person_id__in=staff[start:start + 5000])
        for pk, person_id in sharing.exclude(dependant_away).order_by().values_list(
                "pk", "person_id"):
            home = home_of[person_id]
            found.append(Whereabouts(person_id, pk, home.basis, home.points))
    for pk, person_id, lat, lon in dependants_own.exclude(dependant_away).order_by().values_list(
            "pk", "person_id", "residence_latitude", "residence_longitude"):
        if lat is None or lon is None:
            continue
        if region is None or region.contains(lat, lon):
            found.append(Whereabouts(person_id, pk, Basis.RESIDENCE, ((lat, lon),)))
    return found


def _home_people_of(region: Region) -> tuple[QuerySet[Person], QuerySet[DutyStation],
                                             QuerySet[Dependant]]:
    box = region.box
    people = _live_people().filter(_box_filter(box, "residence_latitude",
                                               "residence_longitude"))
    stations = DutyStation.objects.filter(_box_filter(box, "latitude", "longitude"))
    dependants = _live_dependants().filter(_box_filter(box, "residence_latitude",
                                                       "residence_longitude"))
    return people, stations, dependants


def _present(region: Region, at: dt.datetime, include_pending: bool) -> list[Whereabouts]:
    travellers = _travellers(Presence.objects.filter(_cell_filter(region.box)), region, at,
                             include_pending)
    people, stations, dependants = _home_people_of(region)
    home = [w for w in _at_home(people, stations, dependants, region, at, include_pending)
            if w.key not in travellers]
    return _ordered([*travellers.values(), *home])


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
    tagged = _active_at(_live_presences(Presence.objects.filter(security_area=area)), at,
                        include_pending)
    keys = {(r.person_id, r.dependant_id) for r in tagged}
    in_area = {(r.request_id, r.segment_id, r.kind, r.latitude, r.longitude) for r in tagged}
    everything = _active_at(Presence.objects.filter(
        person_id__in=sorted({p for p, _d in keys})), at, include_pending) if keys else []
    travellers = {
        w.key: w for w in _from_presences(r for r in everything
                                          if (r.person_id, r.dependant_id) in keys)
        if any((w.request_id, w.segment_id, w.basis, lat, lon) in in_area
               for lat, lon in w.points)}
    stations = DutyStation.objects.filter(security_area=area)
    people = _live_people().filter(duty_station__security_area=area)
    home = _at_home(people.filter(residence_latitude__isnull=False), stations,
                    _live_dependants().filter(person__duty_station__security_area=area,
                                              residence_latitude__isnull=False),
                    None, at, include_pending)
    return _ordered([*travellers.values(), *(w for w in home if w.key not in travellers)])


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
