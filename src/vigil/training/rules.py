"""Training rules as pure functions: when a completion stops being valid, whether it holds on a
day, who is required to hold a course, the enrolment moves and the waiting list, certificate
codes, and the indicator formulas. No ORM here."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COURSE_CODE = r"^[A-Z0-9][A-Z0-9-]{1,19}$"

# --- Validity -----------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the last day of the month when that month is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry(completed_on: dt.date, validity_months: int | None) -> dt.date | None:
    """The first day a completion is no longer valid: ``validity_months`` after the day it
    was completed. None when the course never expires (its validity is blank)."""
    if validity_months is None:
        return None
    return add_months(completed_on, validity_months)


def valid_on(completed_on: dt.date, expires_on: dt.date | None, day: dt.date, *,
             revoked: bool = False) -> bool:
    """Is a completion valid on ``day``: completed by then, not yet expired, not revoked."""
    if revoked or completed_on > day:
        return False
    return expires_on is None or day < expires_on


def valid_throughout(completed_on: dt.date, expires_on: dt.date | None, first: dt.date,
                     last: dt.date, *, revoked: bool = False) -> bool:
    """Valid on every day from ``first`` to ``last`` (a trip's dates): on its first and its
    last day, since validity is one unbroken span."""
    return valid_on(completed_on, expires_on, first, revoked=revoked) and valid_on(
        completed_on, expires_on, last, revoked=revoked)


VALID, EXPIRED, NOT_YET, REVOKED = "valid", "expired", "not_yet", "revoked"


def validity_state(completed_on: dt.date, expires_on: dt.date | None, today: dt.date, *,
                   revoked: bool = False) -> str:
    if revoked:
        return REVOKED
    if completed_on > today:
        return NOT_YET
    return VALID if expires_on is None or today < expires_on else EXPIRED


# --- Who must hold a course -------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """A course's requirement as plain data."""

    for_all: bool = False
    categories: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    duty_station_ids: frozenset[int] = frozenset()


def required_of(requirement: Requirement, *, category: str, duty_station_id: int,
                roles: Iterable[str] = ()) -> bool:
    """Must a staff member of this category, at this duty station, holding these roles, hold
    the course? Any one of the course's conditions is enough."""
    return (requirement.for_all or category in requirement.categories
            or duty_station_id in requirement.duty_station_ids
            or bool(requirement.roles & set(roles)))


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def dependant_concerned(*, applies_to_dependants: bool, minimum_age: int | None,
                        born: dt.date | None, day: dt.date) -> bool:
    """Does a course concern a dependant on ``day``: it applies to dependants, and the
    dependant has reached its minimum age. Without a date of birth, an age limit is taken as
    met (the safer reading: the dependant is checked)."""
    if not applies_to_dependants:
        return False
    if minimum_age is None or born is None:
        return True
    return age_on(born, day) >= minimum_age


# --- Enrolment ----------------------------------------------------------------------------------

ENROLLED, WAITLISTED, CANCELLED, ATTENDED, NO_SHOW = (
    "enrolled", "waitlisted", "cancelled", "attended", "no_show")
ACTIVE_STATES = frozenset({ENROLLED, WAITLISTED})
SEATED_STATES = frozenset({ENROLLED, ATTENDED, NO_SHOW})

# (from, to): the moves an enrolment may make. A cancelled enrolment is enrolled again (or
# waitlisted) by enrolling anew; attendance may be corrected either way.
ENROLMENT_MOVES: frozenset[tuple[str, str]] = frozenset({
    (ENROLLED, CANCELLED), (WAITLISTED, CANCELLED), (WAITLISTED, ENROLLED),
    (ENROLLED, ATTENDED), (ENROLLED, NO_SHOW), (ATTENDED, NO_SHOW), (NO_SHOW, ATTENDED),
    (CANCELLED, ENROLLED), (CANCELLED, WAITLISTED),
})


def may_move(current: str, wanted: str) -> bool:
    return (current, wanted) in ENROLMENT_MOVES


def status_on_enrolment(*, seated: int, capacity: int) -> str:
    """A new enrolment takes a place while one is free, else joins the waiting list."""
    return ENROLLED if seated < capacity else WAITLISTED


def to_promote(waiting: Sequence[int], *, seated: int, capacity: int) -> list[int]:
    """Whom to move from the waiting list (ids, in the order they joined) into free places."""
    free = max(capacity - seated, 0)
    return list(waiting[:free])


def may_record_result(status: str) -> bool:
    return status == ATTENDED


# --- Certificate codes --------------------------------------------------------------------------

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_BODY = 11
CODE_FORM = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def _check_character(body: str) -> str:
    # Odd weights are invertible modulo 32: any one character changed changes the sum.
    total = sum((2 * index + 1) * ALPHABET.index(char) for index, char in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def certificate_code(random_values: Sequence[int]) -> str:
    """A certificate code from 11 random numbers (0-31): 11 characters and a check character,
    written in three groups of four, such as 3EF9-T535-897G. The random part makes a code
    unguessable; the check character turns away a mistyped one before any look-up."""
    if len(random_values) != CODE_BODY or not all(0 <= v < 32 for v in random_values):
        raise ValueError("eleven values from 0 to 31")
    body = "".join(ALPHABET[v] for v in random_values)
    code = body + _check_character(body)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalized_code(text: str) -> str:
    """A code as typed (lower case, spaces, O for 0, I or L for 1) in its written form."""
    raw = re.sub(r"[\s-]", "", text.upper()).translate(str.maketrans("OIL", "011"))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else raw


def code_well_formed(code: str) -> bool:
    """Is ``code`` (written form) one Vigil could have issued: its form and its check
    character. A forged code fails this 31 times in 32 without a look-up."""
    if not CODE_FORM.match(code):
        return False
    raw = code.replace("-", "")
    return _check_character(raw[:CODE_BODY]) == raw[CODE_BODY]


def initials(family_name: str, given_name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in (given_name, family_name) if part)


# --- Indicators -----------------------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is nothing to count."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)
