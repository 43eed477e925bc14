"""Whether a pass admits its holder: pure rules over plain data, read by the gate scan, the
import of entry events and the unauthorized-entry rules alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Refusal(StrEnum):
    """Why a pass does not open a gate, in the order they are checked: the first that holds
    is the reason given."""

    UNKNOWN = "unknown_pass"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    WRONG_STATION = "wrong_station"
    ZONE = "zone_not_allowed"

    @property
    def label(self) -> str:
        return str(REFUSAL_LABELS[self])


REFUSAL_LABELS = {
    Refusal.UNKNOWN: _("Unknown pass"),
    Refusal.REVOKED: _("Pass revoked"),
    Refusal.SUSPENDED: _("Pass suspended"),
    Refusal.NOT_YET_VALID: _("Pass not yet valid"),
    Refusal.EXPIRED: _("Pass expired"),
    Refusal.WRONG_STATION: _("Pass valid at another duty station"),
    Refusal.ZONE: _("Zone not on the pass"),
}

# A pass used in one of these states is an unauthorized entry attempt in itself.
INVALID_PASS_REFUSALS = frozenset({Refusal.REVOKED, Refusal.EXPIRED})


@dataclass(frozen=True)
class PassState:
    status: str  # hq.models.PassStatus value
    valid_from: dt.datetime
    valid_until: dt.datetime
    duty_station_id: int
    zone_ids: frozenset[int]


def refusal(state: PassState | None, *, station_id: int, zone_id: int | None,
            at: dt.datetime) -> Refusal | None:
    """Why this pass does not admit its holder to ``zone_id`` at ``station_id`` at ``at``;
    None when it does. The window is half-open: valid from ``valid_from``, up to but not at
    ``valid_until``. A gate into no particular zone (``zone_id`` None) asks only that the pass
    be valid at the duty station."""
    if state is None:
        return Refusal.UNKNOWN
    if state.status == "revoked":
        return Refusal.REVOKED
    if state.status == "suspended":
        return Refusal.SUSPENDED
    if at < state.valid_from:
        return Refusal.NOT_YET_VALID
    if at >= state.valid_until:
        return Refusal.EXPIRED
    if state.duty_station_id != station_id:
        return Refusal.WRONG_STATION
    if zone_id is not None and zone_id not in state.zone_ids:
        return Refusal.ZONE
    return None


# --- Pass lifecycle --------------------------------------------------------------------------

class PassMove(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"


# The one table of pass moves: from which stored statuses each is allowed, and the status it
# leaves. Revocation is final: nothing leaves "revoked".
PASS_TRANSITIONS: dict[PassMove, tuple[frozenset[str], str]] = {
    PassMove.SUSPEND: (frozenset({"active"}), "suspended"),
    PassMove.REINSTATE: (frozenset({"suspended"}), "active"),
    PassMove.REVOKE: (frozenset({"active", "suspended"}), "revoked"),
}


def pass_move_target(status: str, move: PassMove) -> str | None:
    """The status a pass in ``status`` takes after ``move``; None when the move is refused."""
    sources, target = PASS_TRANSITIONS[move]
    return target if status in sources else None


def pass_moves_from(status: str) -> list[PassMove]:
    """The moves a pass in ``status`` allows, in table order (for buttons and API docs)."""
    return [move for move, (sources, _target) in PASS_TRANSITIONS.items() if status in sources]


class PassCondition(StrEnum):
    """What a pass is now, as people read it: its stored status, or for an active pass what
    its dates say (valid, not yet valid, expired)."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(CONDITION_LABELS[self])


CONDITION_LABELS = {
    PassCondition.VALID: _("Valid"),
    PassCondition.NOT_YET_VALID: _("Not yet valid"),
    PassCondition.EXPIRED: _("Expired"),
    PassCondition.SUSPENDED: _("Suspended"),
    PassCondition.REVOKED: _("Revoked"),
}


def pass_condition(status: str, valid_from: dt.datetime, valid_until: dt.datetime,
                   at: dt.datetime) -> PassCondition:
    """The pass's condition at ``at``: a revoked or suspended pass says so whatever its dates;
    an active one is valid in its half-open window, not yet valid before it, expired after."""
    if status == "revoked":
        return PassCondition.REVOKED
    if status == "suspended":
        return PassCondition.SUSPENDED
    if at < valid_from:
        return PassCondition.NOT_YET_VALID
    if at >= valid_until:
        return PassCondition.EXPIRED
    return PassCondition.VALID


def pass_number(prefix: str, sequence: int) -> str:
    """A pass number as printed and read aloud: the duty station's code and a six-digit count,
    e.g. ``NYC-004217``."""
    return f"{prefix.upper()}-{sequence:06d}"


def window_within(start: dt.datetime, end: dt.datetime, cap_start: dt.datetime,
                  cap_end: dt.datetime) -> bool:
    """Does the window [start, end) lie inside [cap_start, cap_end)? A visitor pass may not
    outlast its visit, nor an event pass its event."""
    return cap_start <= start < end <= cap_end


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants a local calendar day starts and ends at, [start, end), in UTC."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def event_window(starts_on: dt.date, ends_on: dt.date,
                 tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """An event's passes are valid from the start of its first day to the end of its last day
    (both local to its duty station), [start, end) in UTC."""
    return day_bounds(starts_on, tz)[0], day_bounds(ends_on, tz)[1]


DASH = "\u2013"  # an en dash, between the ends of a range


def window_label(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo,
                 day: dt.date | None = None) -> str:
    """A window as read on a list, in the local time of ``tz`` with the zone named: only the
    hours when it lies within ``day`` ("12:00\u201314:00 (EST)"), the date once when it lies
    within one other day ("2026-03-02 12:00\u201314:00 (EST)"), both dates when it spans
    days."""
    lo, hi = start.astimezone(tz), end.astimezone(tz)
    zone = lo.tzname() or ""
    if hi.tzname() and hi.tzname() != zone:
        zone = f"{zone}/{hi.tzname()}"
    # A window ending at midnight ends on the day it started.
    last = (hi - dt.timedelta(microseconds=1)).date() if hi > lo else hi.date()
    if lo.date() == last:
        hours = f"{lo:%H:%M}{DASH}{hi:%H:%M}"
        text = hours if lo.date() == day else f"{lo:%Y-%m-%d} {hours}"
    else:
        text = f"{lo:%Y-%m-%d %H:%M} {DASH} {hi:%Y-%m-%d %H:%M}"
    return f"{text} ({zone})" if zone else text


def window_touches(start: dt.datetime, end: dt.datetime, lo: dt.datetime,
                   hi: dt.datetime) -> bool:
    """Do the half-open windows [start, end) and [lo, hi) overlap?"""
    return start < hi and end > lo


def zones_allowed(chosen: set[int], station_zones: set[int]) -> set[int]:
    """The chosen zones that are not of the pass's duty station: each one is a fault."""
    return chosen - station_zones


# --- Visits ----------------------------------------------------------------------------------

class VisitMove(StrEnum):
    ARRIVE = "arrive"
    DEPART = "depart"
    CANCEL = "cancel"
    NO_SHOW = "no_show"


VISIT_TRANSITIONS: dict[VisitMove, tuple[frozenset[str], str]] = {
    VisitMove.ARRIVE: (frozenset({"expected"}), "arrived"),
    VisitMove.DEPART: (frozenset({"arrived"}), "departed"),
    VisitMove.CANCEL: (frozenset({"expected"}), "cancelled"),
    VisitMove.NO_SHOW: (frozenset({"expected"}), "no_show"),
}


def visit_move_target(status: str, move: VisitMove) -> str | None:
    sources, target = VISIT_TRANSITIONS[move]
    return target if status in sources else None


def visit_moves_from(status: str) -> list[VisitMove]:
    return [move for move, (sources, _target) in VISIT_TRANSITIONS.items() if status in sources]


# --- Accreditation ---------------------------------------------------------------------------

class AccreditationMove(StrEnum):
    ACCREDIT = "accredit"
    WITHDRAW = "withdraw"


ACCREDITATION_TRANSITIONS: dict[AccreditationMove, tuple[frozenset[str], str]] = {
    AccreditationMove.ACCREDIT: (frozenset({"requested"}), "accredited"),
    AccreditationMove.WITHDRAW: (frozenset({"requested", "accredited"}), "withdrawn"),
}


def accreditation_move_target(status: str, move: AccreditationMove) -> str | None:
    sources, target = ACCREDITATION_TRANSITIONS[move]
    return target if status in sources else None


# --- Personal data and the QR code -----------------------------------------------------------

def masked(number: str, shown: int = 3) -> str:
    """An identity document number with all but its last ``shown`` characters hidden."""
    if not number:
        return ""
    if len(number) <= shown:
        return "•" * len(number)
    return "•" * (len(number) - shown) + number[-shown:]


QR_PREFIX = "VIGIL-PASS"


def qr_payload(number: str, token: str) -> str:
    """What a pass's QR code carries: the pass number and its secret, nothing personal."""
    return f"{QR_PREFIX}:{number}:{token}"


def qr_token(scanned: str) -> str:
    """The secret in a scanned code: the whole payload as ``qr_payload`` writes it, or the bare
    secret a gate reader may send."""
    text = scanned.strip()
    if text.startswith(f"{QR_PREFIX}:"):
        return text.rsplit(":", 1)[-1]
    return text
