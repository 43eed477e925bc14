"""Which security area holds a point: from the areas' boundaries."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from vigil.places.models import Country, SecurityArea


def area_at(country: Country, lat: float, lon: float) -> SecurityArea | None:
    """The security area of the country whose boundary holds the point, if one does."""
    point = shapely.Point(lon, lat)
    for area in SecurityArea.objects.filter(country=country, boundary__isnull=False):
        if area.boundary and shape(area.boundary).covers(point):
            return area
    return None
