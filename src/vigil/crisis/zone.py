"""A crisis's affected zone, and who is presumed in it during its time window.

The headcount stands on travel's whereabouts, which answer for one moment. A window is read
at its start, at its end, and at each moment in between at which a cleared trip arrives in
the zone (travel.whereabouts.arrival_times): the people presumed in the zone at any of those
moments are presumed in it during the window. Someone whose home is in the zone and who is
away for the whole window is not counted; someone who flies in mid-window is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape

from vigil.core.errors import FieldError
from vigil.places.models import SecurityArea
from vigil.places.rules import boundary_problem, circle_ring, distance_km
from vigil.travel import whereabouts
from vigil.travel.whereabouts import Whereabouts

# A circle drawn as a polygon (for maps and CAP areas) has this many corners.
CIRCLE_CORNERS = 48


@dataclass(frozen=True)
class Zone:
    kind: str
    center: tuple[float, float] | None = None
    radius_km: float | None = None
    polygon: dict[str, Any] | None = None
    areas: tuple[SecurityArea, ...] = ()


def zone_problems(zone: Zone) -> list[FieldError]:
    """What is wrong with a zone as declared, each fault on its field."""
    errors = []
    if zone.kind == "circle":
        if zone.center is None:
            errors.append(FieldError("center_latitude", _(
                "Give the centre of the circle (latitude and longitude).")))
        else:
            lat, lon = zone.center
            if not -90 <= lat <= 90:
                errors.append(FieldError("center_latitude", _(
                    "A latitude lies between -90 and 90.")))
            if not -180 <= lon <= 180:
                errors.append(FieldError("center_longitude", _(
                    "A longitude lies between -180 and 180.")))
        if zone.radius_km is None or not 0.1 <= zone.radius_km <= 2000:
            errors.append(FieldError("radius_km", _(
                "Give a radius between 0.1 and 2,000 km.")))
    elif zone.kind == "polygon":
        if not isinstance(zone.polygon, dict):
            errors.append(FieldError("polygon", _("Give the zone as a GeoJSON polygon.")))
        else:
            problem = boundary_problem(zone.polygon)
            if problem:
                errors.append(FieldError("polygon", problem))
    elif zone.kind == "areas":
        if not zone.areas:
            errors.append(FieldError("areas", _("Choose at least one security area.")))
    else:
        errors.append(FieldError("zone_kind", _("Choose a circle, a polygon or security areas.")))
    return errors


def circle_polygon(lat: float, lon: float, radius_km: float,
                   corners: int = CIRCLE_CORNERS) -> dict[str, Any]:
    """A GeoJSON Polygon approximating a circle on the sphere (for display and CAP)."""
    ring = circle_ring(lat, lon, radius_km, corners)
    return {"type": "Polygon", "coordinates": [[[b, a] for a, b in ring]]}


def geometry(zone: Zone) -> dict[str, Any] | None:
    """The zone as one GeoJSON geometry, for maps; None for areas without boundaries."""
    if zone.kind == "circle" and zone.center and zone.radius_km:
        return circle_polygon(zone.center[0], zone.center[1], zone.radius_km)
    if zone.kind == "polygon":
        return zone.polygon
    shapes = [shape(a.boundary) for a in zone.areas if a.boundary]
    if not shapes:
        return None
    return dict(mapping(shapely.union_all(shapes)))


def contains(zone: Zone) -> Callable[[float, float], bool]:
    """A test of a point (lat, lon) against the zone (areas without boundaries: never)."""
    if zone.kind == "circle" and zone.center and zone.radius_km is not None:
        lat0, lon0 = zone.center
        radius = zone.radius_km
        return lambda lat, lon: distance_km(lat0, lon0, lat, lon) <= radius
    geom = geometry(zone)
    if geom is None:
        return lambda lat, lon: False
    region = whereabouts.polygon(geom)
    return region.contains


def _region(zone: Zone) -> whereabouts.Region | None:
    if zone.kind == "circle" and zone.center and zone.radius_km:
        return whereabouts.circle(zone.center[0], zone.center[1], zone.radius_km)
    if zone.kind == "polygon" and zone.polygon:
        return whereabouts.polygon(zone.polygon)
    return None


def _at(zone: Zone, at: dt.datetime) -> list[Whereabouts]:
    if zone.kind == "circle" and zone.center and zone.radius_km:
        return whereabouts.who_is_near(zone.center[0], zone.center[1], zone.radius_km, at)
    if zone.kind == "polygon" and zone.polygon:
        return whereabouts.who_is_in(at, geometry=zone.polygon)
    found: list[Whereabouts] = []
    for area in zone.areas:
        found.extend(whereabouts.who_is_in(at, area=area))
    return found


def presumed_in(zone: Zone, start: dt.datetime, end: dt.datetime) -> list[Whereabouts]:
    """Everyone presumed in the zone at some moment of [start, end]: the first answer found
    for each person (staff member or dependant), in time order."""
    moments = {start, end}
    region = _region(zone)
    if region is not None:
        moments.update(whereabouts.arrival_times(region, start, end))
    for area in zone.areas:
        moments.update(whereabouts.arrival_times(whereabouts.area_region(area), start, end,
                                                 area=area))
    found: dict[tuple[int, int | None], Whereabouts] = {}
    for moment in sorted(moments):
        for w in _at(zone, moment):
            found.setdefault(w.key, w)
    return list(found.values())
