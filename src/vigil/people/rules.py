"""Pure rules about people: contact formats and eligibility. No ORM here."""

from __future__ import annotations

import re

PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
INDEX_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")


def phone_ok(value: str) -> bool:
    return bool(PHONE.match(value)) and sum(c.isdigit() for c in value) >= 6


def split_list(value: str) -> list[str]:
    """A CSV cell holding several values, separated by semicolons."""
    return [part.strip() for part in value.split(";") if part.strip()]
