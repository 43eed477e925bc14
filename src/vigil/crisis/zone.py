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
at once (travel.whereabouts.present_during): its candidates and their trips once, each
moment's answer in Python by whereabouts' rules, the same answers as ``people_at`` at each
moment. Security areas are read moment by moment.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import shapely
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from vigil.core.errors import FieldError
from vigil.crisis.models import Crisis
from vigil.places import borders
from vigil.places.models import SecurityArea
from vigil.places.rules import boundary_problem, circle_ring, distance_km
from vigil.travel import whereabouts
from vigil.travel.whereabouts import Whereabouts, present_during

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
