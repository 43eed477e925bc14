"""Pure rules about incidents. No ORM here.

Coordinates that lost their decimal point. The copy of the Aid Worker Security Database's
current export in circulation wrote most coordinates as if a thousands separator had taken the
decimal point's place: 14.07092855 reads "1.407.092.855", -1.49984 reads "-149.984". The digits
and the sign survive; where the point stood does not. Each way of putting it back after one of
the digits gives a reading; the readings in range (latitude ±90, longitude ±180) pair up into
candidate points, and the one candidate that lies in the incident's country is the point.

A reading below one degree is not tried: it needs a "0." that the digits no longer have (and
sometimes more zeros: 0.07222 reads "7.222"), and near the equator it would make most points
ambiguous. Such a value finds no candidate, or, in a country that also holds the value ten
times as large, the larger one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# A value whose digits are grouped in threes by dots: "1.407.092.855", "-358.216".
DIGIT_GROUPED = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]{3})+$")
# Two dots or more: no number is written so, so a file holding one has lost its points.
SURELY_DIGIT_GROUPED = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]{3}){2,}$")

LATITUDE_LIMIT = Decimal(90)
LONGITUDE_LIMIT = Decimal(180)


def lost_its_point(value: str) -> bool:
    """Whether a coordinate is written with its digits grouped in threes."""
    return DIGIT_GROUPED.fullmatch(value) is not None


def readings(value: str, limit: Decimal) -> tuple[Decimal, ...]:
    """Every number ``value`` may stand for within ±``limit``.

    A digit-grouped value gives its digits with the decimal point after the first, the second,
    ... the last digit, its sign kept; the others are out of range. Any other value is the
    number it says, or nothing when it is no finite number.
    """
    if not lost_its_point(value):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return ()
        return (number,) if number.is_finite() and abs(number) <= limit else ()
    sign = "-" if value.startswith("-") else ""
    digits = value.removeprefix("-").replace(".", "")
    found: list[Decimal] = []
    for point in range(1, len(digits) + 1):
        number = Decimal(f"{sign}{digits[:point]}.{digits[point:]}")
        if abs(number) <= limit and number not in found:
            found.append(number)
    return tuple(found)


@dataclass(frozen=True)
class Recovery:
    """What the readings of a pair of coordinates gave. ``point`` is set when exactly one
    candidate lay in the country; ``in_country`` counts those that did, ``candidates`` the
    pairs in range."""

    point: tuple[float, float] | None
    in_country: int
    candidates: int


def recover_point(latitude: str, longitude: str,
                  holds: Callable[[float, float], bool]) -> Recovery:
    """The point a pair of coordinates that lost their decimal point stands for, if exactly one
    candidate lies where ``holds(lat, lon)`` says the incident happened (its country)."""
    pairs = [(lat, lon) for lat in readings(latitude, LATITUDE_LIMIT)
             for lon in readings(longitude, LONGITUDE_LIMIT)]
    inside = [(float(lat), float(lon)) for lat, lon in pairs if holds(float(lat), float(lon))]
    return Recovery(point=inside[0] if len(inside) == 1 else None, in_country=len(inside),
                    candidates=len(pairs))
