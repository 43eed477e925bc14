"""A crisis's affected zone, and who is presumed in it during its time window.

A zone is one of three kinds, each a class here: a circle round a point (``Circle``), a GeoJSON
polygon (``Polygon``) or security areas (``Areas``). Each kind answers the same questions (its
faults, its geometry for maps, its centre, its country, who is in it at a moment, the moments
at which that may change, its CAP area), so that no caller branches on the kind:
``zone_of(crisis)`` gives the crisis's zone.

The headcount stands on travel's whereabouts, which answer for one moment. A window is read
at its start, at its end, and at each moment in between at which a cleared trip arrives in
the zone (travel.whereabouts.arrival_times): the people presumed in the zone at any of those
moments are presumed in it during the window. Someone whose home is in the zone and who is
away for the whole window is not counted; someone who flies in mid-window is.

A zone with one region to search (a circle, a polygon) is read for all the window's moments
at once (``present_during``): its candidates and their trips once, each moment's answer in
Python by whereabouts' rules, the same answers as ``people_at`` at each moment. Security areas
are read moment by moment.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import shapely
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from vigil.core.errors import FieldError
from vigil.crisis.models import Crisis
from vigil.places import borders
from vigil.places.models import SecurityArea
from vigil.places.rules import boundary_problem, circle_ring, distance_km
from vigil.travel import whereabouts
from vigil.travel.models import Presence
from vigil.travel.rules import MAX_PRESENCE
from vigil.travel.whereabouts import Basis, Whereabouts

# A circle drawn as a polygon (for maps and CAP areas) has this many corners.
CIRCLE_CORNERS = 48
# What reading a GeoJSON geometry that is not one may raise.
BAD_GEOMETRY = (ValueError, TypeError, AttributeError, KeyError, ShapelyError)

Point = tuple[float, float]
Circle3 = tuple[float, float, float]


def circle_polygon(lat: float, lon: float, radius_km: float,
                   corners: int = CIRCLE_CORNERS) -> dict[str, Any]:
    """A GeoJSON Polygon approximating a circle on the sphere (for display and CAP)."""
    ring = circle_ring(lat, lon, radius_km, corners)
    return {"type": "Polygon", "coordinates": [[[b, a] for a, b in ring]]}


class Zone(ABC):
    """An affected zone. ``kind`` is its Crisis.ZoneKind; ``fields`` the crisis's fields that
    draw it (a form sends those of the kind chosen)."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()
    # Drawn round a point: declared from an incident, it takes the incident's point.
    centred: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def of(cls, crisis: Crisis, areas: Sequence[SecurityArea] | None) -> Zone:
        """The zone a crisis declares; ``areas`` for a crisis not saved yet."""

    @property
    def areas(self) -> tuple[SecurityArea, ...]:
        """The security areas the zone is made of (none but for an areas zone)."""
        return ()

    @abstractmethod
    def problems(self) -> list[FieldError]:
        """What is wrong with the zone as declared, each fault on its field."""

    @abstractmethod
    def geometry(self) -> dict[str, Any] | None:
        """The zone as one GeoJSON geometry, for maps; None when it has no outline."""

    @abstractmethod
    def centre(self) -> Point | None:
        """A point inside the zone (lat, lon), by which a crisis is placed; None if none."""

    @abstractmethod
    def people_at(self, at: dt.datetime) -> list[Whereabouts]:
        """Everyone presumed in the zone at ``at``."""

    @abstractmethod
    def arrivals(self, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
        """The moments of [start, end) at which a cleared trip arrives in the zone."""

    def region(self) -> whereabouts.Region | None:
        """The one region ``people_at`` searches, when it searches one (then the window is
        read for all its moments at once); None otherwise."""
        return None

    @cached_property
    def _region(self) -> whereabouts.Region | None:
        geometry = self.geometry()
        return whereabouts.polygon(geometry) if geometry is not None else None

    def contains(self, lat: float, lon: float) -> bool:
        """Whether a point lies in the zone (a zone without an outline holds none)."""
        region = self._region
        return region is not None and bool(region.contains(lat, lon))

    def placement(self) -> borders.Placement | None:
        """The country whose outline holds the zone (vigil.places.borders)."""
        centre = self.centre()
        return borders.country_at(*centre) if centre is not None else None

    def outlines(self) -> list[dict[str, Any]]:
        """The GeoJSON polygons a CAP <area> lists for the zone."""
        return []

    def cap_circle(self) -> Circle3 | None:
        """The circle (lat, lon, radius km) a CAP <area> gives for the zone, if any."""
        return None

    def describe(self, country: str, area: str = "") -> str:
        """The zone in words, as CAP's <areaDesc> says it: the crisis's country, and its
        security area when it has one."""
        return f"{country} — {area}" if area else country


@dataclass(frozen=True)
class Circle(Zone):
    """Everyone within ``radius_km`` of a point."""

    center: Point | None = None
    radius_km: float | None = None

    kind: ClassVar[str] = Crisis.ZoneKind.CIRCLE
    fields: ClassVar[tuple[str, ...]] = ("center_latitude", "center_longitude", "radius_km")
    centred: ClassVar[bool] = True

    @classmethod
    def of(cls, crisis: Crisis, areas: Sequence[SecurityArea] | None) -> Zone:
        lat, lon = crisis.center_latitude, crisis.center_longitude
        return cls(center=(lat, lon) if lat is not None and lon is not None else None,
                   radius_km=crisis.radius_km)

    def problems(self) -> list[FieldError]:
        errors = []
        if self.center is None:
            errors.append(FieldError("center_latitude", _(
                "Give the centre of the circle (latitude and longitude).")))
        else:
            lat, lon = self.center
            if not -90 <= lat <= 90:
                errors.append(FieldError("center_latitude", _(
                    "A latitude lies between -90 and 90.")))
            if not -180 <= lon <= 180:
                errors.append(FieldError("center_longitude", _(
                    "A longitude lies between -180 and 180.")))
        if self.radius_km is None or not 0.1 <= self.radius_km <= 2000:
            errors.append(FieldError("radius_km", _(
                "Give a radius between 0.1 and 2,000 km.")))
        return errors

    def geometry(self) -> dict[str, Any] | None:
        if self.center is None or not self.radius_km:
            return None
        return circle_polygon(self.center[0], self.center[1], self.radius_km)

    def centre(self) -> Point | None:
        return self.center

    def contains(self, lat: float, lon: float) -> bool:
        if self.center is None or self.radius_km is None:
            return False
        return distance_km(self.center[0], self.center[1], lat, lon) <= self.radius_km

    def people_at(self, at: dt.datetime) -> list[Whereabouts]:
        if self.center is None or not self.radius_km:
            return []
        return whereabouts.who_is_near(self.center[0], self.center[1], self.radius_km, at)

    def region(self) -> whereabouts.Region | None:
        if self.center is None or not self.radius_km:
            return None
        return whereabouts.circle(self.center[0], self.center[1], self.radius_km)

    def arrivals(self, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
        if self.center is None or not self.radius_km:
            return set()
        region = whereabouts.circle(self.center[0], self.center[1], self.radius_km)
        return set(whereabouts.arrival_times(region, start, end))

    def cap_circle(self) -> Circle3 | None:
        if self.center is None:
            return None
        return self.center[0], self.center[1], self.radius_km or 0.0


@dataclass(frozen=True)
class Polygon(Zone):
    """Everyone inside a GeoJSON Polygon or MultiPolygon (longitude first, RFC 7946)."""

    polygon: dict[str, Any] | None = None

    kind: ClassVar[str] = Crisis.ZoneKind.POLYGON
    fields: ClassVar[tuple[str, ...]] = ("polygon",)

    @classmethod
    def of(cls, crisis: Crisis, areas: Sequence[SecurityArea] | None) -> Zone:
        return cls(polygon=crisis.polygon)

    def problems(self) -> list[FieldError]:
        if not isinstance(self.polygon, dict):
            return [FieldError("polygon", _("Give the zone as a GeoJSON polygon."))]
        problem = boundary_problem(self.polygon)
        return [FieldError("polygon", problem)] if problem else []

    def geometry(self) -> dict[str, Any] | None:
        return self.polygon

    def centre(self) -> Point | None:
        if not self.polygon:
            return None
        try:
            point = shape(self.polygon).representative_point()
        except BAD_GEOMETRY:
            return None
        return point.y, point.x

    def placement(self) -> borders.Placement | None:
        """The country holding most of the polygon."""
        if not self.polygon:
            return None
        try:
            return borders.country_of_shape(shape(self.polygon))
        except BAD_GEOMETRY:
            return super().placement()  # the zone's own check names the fault

    def people_at(self, at: dt.datetime) -> list[Whereabouts]:
        if not self.polygon:
            return []
        return whereabouts.who_is_in(at, geometry=self.polygon)

    def region(self) -> whereabouts.Region | None:
        return whereabouts.polygon(self.polygon) if self.polygon else None

    def arrivals(self, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
        if not self.polygon:
            return set()
        return set(whereabouts.arrival_times(whereabouts.polygon(self.polygon), start, end))

    def outlines(self) -> list[dict[str, Any]]:
        return [self.polygon] if self.polygon else []


@dataclass(frozen=True)
class Areas(Zone):
    """Everyone in some security areas: inside the boundary of an area that has one; else on
    a trip that stops in it, or posted at one of its duty stations."""

    chosen: tuple[SecurityArea, ...] = ()

    kind: ClassVar[str] = Crisis.ZoneKind.AREAS

    @classmethod
    def of(cls, crisis: Crisis, areas: Sequence[SecurityArea] | None) -> Zone:
        if areas is None:
            areas = tuple(crisis.areas.all()) if crisis.pk else ()
        return cls(chosen=tuple(areas))

    @property
    def areas(self) -> tuple[SecurityArea, ...]:
        return self.chosen

    def problems(self) -> list[FieldError]:
        if not self.chosen:
            return [FieldError("areas", _("Choose at least one security area."))]
        return []

    def geometry(self) -> dict[str, Any] | None:
        shapes = [shape(a.boundary) for a in self.chosen if a.boundary]
        if not shapes:
            return None
        return dict(mapping(shapely.union_all(shapes)))

    def centre(self) -> Point | None:
        return None

    def people_at(self, at: dt.datetime) -> list[Whereabouts]:
        found: list[Whereabouts] = []
        for area in self.chosen:
            found.extend(whereabouts.who_is_in(at, area=area))
        return found

    def arrivals(self, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
        moments: set[dt.datetime] = set()
        for area in self.chosen:
            moments.update(whereabouts.arrival_times(whereabouts.area_region(area), start, end,
                                                     area=area))
        return moments

    def outlines(self) -> list[dict[str, Any]]:
        return [a.boundary for a in self.chosen if a.boundary]

    def describe(self, country: str, area: str = "") -> str:
        """Each of its areas, in the crisis's country."""
        return "; ".join(f"{country} — {a.name}" for a in self.chosen) or \
            super().describe(country, area)


@dataclass(frozen=True)
class Unknown(Zone):
    """A kind that is none of the above: a fault to name, and a zone that holds no one."""

    given: str = ""

    kind: ClassVar[str] = ""

    @classmethod
    def of(cls, crisis: Crisis, areas: Sequence[SecurityArea] | None) -> Zone:
        return cls(given=crisis.zone_kind)

    def problems(self) -> list[FieldError]:
        return [FieldError("zone_kind", _("Choose a circle, a polygon or security areas."))]

    def geometry(self) -> dict[str, Any] | None:
        return None

    def centre(self) -> Point | None:
        return None

    def people_at(self, at: dt.datetime) -> list[Whereabouts]:
        return []

    def arrivals(self, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
        return set()


KINDS: dict[str, type[Zone]] = {kind.kind: kind for kind in (Circle, Polygon, Areas)}


def kind_of(name: str) -> type[Zone]:
    """The class of a zone kind by its name (Crisis.ZoneKind); Unknown for any other."""
    return KINDS.get(name, Unknown)


def zone_of(crisis: Crisis, areas: Sequence[SecurityArea] | None = None) -> Zone:
    """The crisis's zone; ``areas`` for one not saved yet (its areas are not stored)."""
    return kind_of(crisis.zone_kind).of(crisis, areas)


def presumed_in(zone: Zone, start: dt.datetime, end: dt.datetime) -> list[Whereabouts]:
    """Everyone presumed in the zone at some moment of [start, end]: the first answer found
    for each person (staff member or dependant), in time order."""
    moments = sorted({start, end, *zone.arrivals(start, end)})
    region = zone.region()
    if region is not None:
        return present_during(region, moments)
    found: dict[tuple[int, int | None], Whereabouts] = {}
    for moment in moments:
        for w in zone.people_at(moment):
            found.setdefault(w.key, w)
    return list(found.values())


# --- A region at many moments --------------------------------------------------------------------
# travel.whereabouts answers for one moment (who_is_near, who_is_in); a window asks for up to
# fifty. present_during gives, for a region and sorted moments, what calling whereabouts._present
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
    """Cleared presences active at some moment of [first, last] (whereabouts._active_at for a
    span: every presence it finds at a moment of the span is here)."""
    return qs.filter(starts_at__gt=first - MAX_PRESENCE, starts_at__lte=last,
                     ends_at__gt=first, cleared=True)


def _active(starts: dt.datetime, ends: dt.datetime, at: dt.datetime) -> bool:
    """whereabouts._active_at's test for one presence."""
    return at - MAX_PRESENCE < starts <= at < ends


def _travellers_during(region: whereabouts.Region, moments: Sequence[dt.datetime]
                       ) -> list[dict[Key, Whereabouts]]:
    """For each moment, the travellers presumed in the region (whereabouts._travellers) who
    were not at an earlier one."""
    first, last = moments[0], moments[-1]
    fields = ("pk", "person_id", "dependant_id", "kind", "latitude", "longitude", "request_id",
              "segment_id", "cleared", "starts_at", "ends_at")
    cells = Presence.objects.filter(whereabouts._cell_filter(region.box))
    inside = [r for r in _during(whereabouts._live_presences(cells), first, last).only(*fields)
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
            found = [w for w in whereabouts._from_presences(rows)
                     if any(region.contains(lat, lon) for lat, lon in w.points)]
            if found:
                out[index][key] = found[0]
                break
    return out


def _homes(region: whereabouts.Region) -> list[Whereabouts]:
    """Everyone whose home is in the region, away or not (whereabouts._at_home's candidates):
    staff members at their residence or duty station, the dependants who share a staff
    member's home, and the dependants with a residence of their own."""
    people, stations, dependants_own = whereabouts._home_people_of(region)
    home_of: dict[int, Whereabouts] = {}
    for pk, lat, lon in people.filter(residence_latitude__isnull=False).order_by().values_list(
            "pk", "residence_latitude", "residence_longitude"):
        if lat is not None and lon is not None and region.contains(lat, lon):
            home_of[pk] = Whereabouts(pk, None, Basis.RESIDENCE, ((lat, lon),))
    points = {pk: (lat, lon) for pk, lat, lon in
              stations.order_by().values_list("pk", "latitude", "longitude")
              if region.contains(lat, lon)}
    if points:
        for pk, station_id in whereabouts._live_people().filter(
                residence_latitude__isnull=True, duty_station_id__in=list(points)
        ).order_by().values_list("pk", "duty_station_id"):
            home_of[pk] = Whereabouts(pk, None, Basis.DUTY_STATION, (points[station_id],))
    found = list(home_of.values())
    for chunk in _chunks(list(home_of)):
        for pk, person_id in whereabouts._live_dependants().filter(
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


def present_during(region: whereabouts.Region, moments: Sequence[dt.datetime]
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
