"""The geometry of the indicator page's two pictures, computed on the server so that the page
needs no script and no chart library: a trend line over the last periods, and a map of the
indicator by country on the shipped Natural Earth basemap (equirectangular, simplified, cut to
the countries that have a figure). The templates draw them as SVG beside a table of the same
numbers."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from shapely.geometry import shape

from vigil.performance import rules

# Trend: drawn at its real size, so that its text stays legible on a phone as on a desk. The
# height is in pixels; across, positions are shares of the width (SVG takes "12%").
HEIGHT = 260
TOP, BOTTOM = 34, 196
LEFT, RIGHT = 13.0, 95.0

# Map: the SVG's width; the height follows the area shown.
MAP_WIDTH = 600
MAP_MARGIN_DEGREES = 6
SIMPLIFY_DEGREES = 0.15
# Five classes, light to dark; text on the darkest two is white.
RAMP = ("#d6eaf8", "#a9cfe9", "#6aa6d1", "#2f74ad", "#0b4a7a")


@dataclass(frozen=True)
class Point:
    label: str
    lines: tuple[str, ...]  # the label on the axis, one or two short lines
    value: Decimal | int | None
    x: float  # per cent of the width
    y: float | None  # pixels from the top; None for no data


def axis_lines(period: rules.Period) -> tuple[str, ...]:
    """A period's label cut in two where it is long, so that six of them fit side by side."""
    if period.kind is rules.PeriodKind.BIENNIUM:
        return (f"{period.start.year}-", str(period.end.year))
    if period.kind is rules.PeriodKind.QUARTER:
        return (str(period.start.year), f"Q{(period.start.month - 1) // 3 + 1}")
    if period.kind is rules.PeriodKind.YEAR:
        return (str(period.start.year),)
    return (period.start.isoformat(), period.end.isoformat())


def nice_step(raw: float) -> float:
    """The smallest round step (1, 2, 2.5, 3, 4 or 5 times a power of ten; a whole number)
    at least ``raw``, so that an axis or a legend reads 0, 250, 500... and not 212.5."""
    power = 1.0
    while True:
        for multiple in (1, 2, 2.5, 3, 4, 5):
            step = multiple * power
            if step >= raw and step == int(step):
                return step
        power *= 10


def top_of(highest: float, parts: int, *, percent: bool) -> float:
    """Where an axis or a colour scale of ``parts`` equal steps ends: 100 for a percentage."""
    if percent:
        return 100.0
    return parts * nice_step(max(highest, 1.0) / parts)


def trend(points: list[tuple[rules.Period, Decimal | int | None]], *,
          percent: bool) -> dict[str, Any]:
    """Where each period's value sits; a period with no data has no point (the line breaks
    there, and the axis says "no data")."""
    known = [float(v) for _period, v in points if v is not None]
    top = top_of(max(known, default=0.0), 4, percent=percent)
    step_x = (RIGHT - LEFT) / max(len(points) - 1, 1)
    placed = []
    for index, (period, value) in enumerate(points):
        x = round(LEFT + index * step_x if len(points) > 1 else (LEFT + RIGHT) / 2, 2)
        y = None if value is None else round(BOTTOM - (float(value) / top) * (BOTTOM - TOP), 1)
        placed.append(Point(period.label, axis_lines(period), value, x, y))
    segments = [{"x1": a.x, "y1": a.y, "x2": b.x, "y2": b.y}
                for a, b in itertools.pairwise(placed)
                if a.y is not None and b.y is not None]
    grid = []
    for share in (0, 0.25, 0.5, 0.75, 1):
        level = top * share
        grid.append({"y": round(BOTTOM - share * (BOTTOM - TOP), 1),
                     "label": f"{level:g}" if not percent else f"{level:g} %"})
    return {"height": HEIGHT, "left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM,
            "points": placed, "segments": segments, "grid": grid,
            "label_y": BOTTOM + 20, "no_data_y": BOTTOM - 14, "axis_y": HEIGHT - 6,
            "axis_x": round((LEFT + RIGHT) / 2, 2), "any": bool(known)}


@lru_cache(maxsize=1)
def _basemap() -> tuple[tuple[str, str, tuple[float, float, float, float], Any], ...]:
    """Each country of the basemap: ISO alpha-2, name, bounds and simplified geometry."""
    found = finders.find("places/basemap.geojson")
    path = Path(str(found)) if found else Path(__file__).resolve().parents[1] / \
        "places" / "static" / "places" / "basemap.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geometry = shape(feature["geometry"]).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        if geometry.is_empty:
            continue
        props = feature.get("properties") or {}
        out.append((str(props.get("iso_a2", "")).upper(), str(props.get("name", "")),
                    tuple(geometry.bounds), geometry))
    return tuple(out)


def _rings(geometry: Any) -> list[Any]:
    polygons = getattr(geometry, "geoms", [geometry])
    rings = []
    for polygon in polygons:
        if hasattr(polygon, "exterior"):
            rings.append(polygon.exterior.coords)
            rings.extend(interior.coords for interior in polygon.interiors)
    return rings


def klass(value: Decimal | int | None, highest: float, percent: bool) -> int | None:
    """The colour class (0-4) of a value; None for no data."""
    if value is None:
        return None
    top = top_of(highest, len(RAMP), percent=percent)
    return min(int(float(value) / top * len(RAMP)), len(RAMP) - 1)


def country_map(values: dict[str, Decimal | int | None], *, percent: bool) -> dict[str, Any]:
    """The map of ``values`` (ISO alpha-2 → value, None for no data): the countries with a
    figure or "no data" are drawn in their class (no data hatched), their neighbours in grey,
    inside the bounds of those countries."""
    wanted = {code.upper() for code in values}
    shapes = [row for row in _basemap() if row[0] in wanted]
    if not shapes:
        return {"any": False}
    west = min(b[2][0] for b in shapes) - MAP_MARGIN_DEGREES
    south = min(b[2][1] for b in shapes) - MAP_MARGIN_DEGREES
    east = max(b[2][2] for b in shapes) + MAP_MARGIN_DEGREES
    north = max(b[2][3] for b in shapes) + MAP_MARGIN_DEGREES
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -90.0), min(north, 90.0)
    scale = MAP_WIDTH / max(east - west, 1.0)
    height = round((north - south) * scale)
    known = [float(v) for v in values.values() if v is not None]
    highest = max(known, default=0.0)

    def path(geometry: Any) -> str:
        parts = []
        for ring in _rings(geometry):
            coords = [f"{(lon - west) * scale:.0f},{(north - lat) * scale:.0f}"
                      for lon, lat, *_ in ring]
            parts.append("M" + "L".join(coords) + "Z")
        return "".join(parts)

    countries = []
    for code, name, bounds, geometry in _basemap():
        if bounds[2] < west or bounds[0] > east or bounds[3] < south or bounds[1] > north:
            continue
        if code in wanted:
            value = values.get(code) if code in values else values.get(code.lower())
            step = klass(value, highest, percent)
            countries.append({"code": code, "name": name, "d": path(geometry), "value": value,
                              "class": step, "colour": RAMP[step] if step is not None else "",
                              "shown": True})
        else:
            countries.append({"code": code, "name": name, "d": path(geometry), "value": None,
                              "class": None, "shown": False})
    top = top_of(highest, len(RAMP), percent=percent)
    legend = [{"colour": colour,
               "low": f"{top * index / len(RAMP):g}", "high": f"{top * (index + 1) / len(RAMP):g}"}
              for index, colour in enumerate(RAMP)]
    return {"any": True, "width": MAP_WIDTH, "height": height, "countries": countries,
            "ramp": RAMP, "legend": legend}
