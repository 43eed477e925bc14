"""A measure over time (MOSS compliance, survey scores, both in per cent), as the points of a
small line chart that the templates draw in SVG beside its data table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

WIDTH, HEIGHT, PAD = 560, 180, 30


def line_chart(values: Sequence[tuple[dt.date, float]]) -> dict[str, Any] | None:
    """Points of a line from (date, per cent) pairs, oldest first; None for fewer than two."""
    if len(values) < 2:
        return None
    first, last = values[0][0], values[-1][0]
    span = max((last - first).days, 1)
    points = [{"x": round(PAD + (WIDTH - 2 * PAD) * (day - first).days / span, 1),
               "y": round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / 100, 1),
               "date": day, "value": round(value)} for day, value in values]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "points": points,
            "path": " ".join(f"{p['x']},{p['y']}" for p in points)}
