"""Pure rules about people: contact formats and eligibility. No ORM here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
INDEX_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")


def phone_ok(value: str) -> bool:
    return bool(PHONE.match(value)) and sum(c.isdigit() for c in value) >= 6


def split_list(value: str) -> list[str]:
    """A CSV cell holding several values, separated by semicolons."""
    return [part.strip() for part in value.split(";") if part.strip()]


RESIDENCE_FIELDS = ("residence_address", "residence_latitude", "residence_longitude")


def confirms_residence(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Saving a residence with coordinates confirms it (whereabouts coverage, SP2.2.c.i): the
    coordinates are given and the address or a coordinate is new. A new record's ``before``
    is empty."""
    return after.get("residence_latitude") is not None and any(
        before.get(name) != after.get(name) for name in RESIDENCE_FIELDS)
