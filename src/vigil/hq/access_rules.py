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
