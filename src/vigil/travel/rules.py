"""Travel clearance and whereabouts: pure rules over plain data, no ORM.

The clearance rule table (RULES) is the one statement of what TRIP checks. For every stop of an
itinerary (the destination of each segment that does not bring the traveller home) the rules
look at the facts of that stop and of the traveller, and give reasons. Each reason is a stable
code; its outcome is REFUSED or APPROVAL. The request's outcome is the worst of its reasons:

- any reason with outcome REFUSED: refused, with every reason;
- else any with outcome APPROVAL: needs approval by the security officer of that stop;
- else: cleared automatically.

Sources: UNSMS Security Policy Manual, chapter on security clearance (clearance is mandatory
for official travel, whatever the security level; manual where the DO controls movement);
DSS TRIP guidance (BSAFE prerequisite; SSAFE where the DO designates); ../shared/DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from vigil.places.rules import EARTH_RADIUS_KM
from vigil.places.rules import distance_km as distance_km  # travel has always offered it


class Outcome(StrEnum):
    CLEARED = "cleared"
    APPROVAL = "approval"
    REFUSED = "refused"


@dataclass(frozen=True)
class Rule:
    code: str
    outcome: Outcome
    message: Any  # lazy text with %(name)s parameters, rendered in the reader's language
    source: str


RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("bsafe_missing", Outcome.REFUSED,
         _("No BSAFE certificate is recorded for the traveller. BSAFE is required for all "
           "travel."), "DSS TRIP guidance; SPM security clearance chapter"),
    Rule("bsafe_expired", Outcome.REFUSED,
         _("The traveller's BSAFE certificate of %(date)s is no longer valid on %(on)s."),
         "DSS TRIP guidance; validity set on the course in training"),
    Rule("dependant_bsafe", Outcome.REFUSED,
         _("%(name)s, travelling with the traveller, has no BSAFE certificate valid for the "
           "whole trip. BSAFE applies to dependants of the age the course sets."),
         "DSS TRIP guidance; the BSAFE course's rule for dependants in training"),
    Rule("ssafe_required", Outcome.REFUSED,
         _("%(place)s requires SSAFE, and the traveller has no valid SSAFE certificate."),
         "Designated official's requirement for the area"),
    Rule("dependant_ssafe", Outcome.REFUSED,
         _("%(place)s requires SSAFE, and %(name)s, travelling with the traveller, has no "
           "valid SSAFE certificate."),
         "Designated official's requirement for the area; the course's rule for dependants"),
    Rule("area_closed", Outcome.REFUSED,
         _("The designated official has closed %(place)s to travel."),
         "Designated official's movement control"),
    Rule("level_refused", Outcome.REFUSED,
         _("%(place)s is at security level %(level)s; travel there is refused from level "
           "%(limit)s."), "Travel settings"),
    Rule("overlap", Outcome.REFUSED,
         _("The trip overlaps trip %(other)s of the same traveller, which is cleared."),
         "TRIP: one itinerary at a time"),
    Rule("level_manual", Outcome.APPROVAL,
         _("%(place)s is at security level %(level)s; from level %(limit)s clearance is "
           "manual."), "SPM security clearance; travel settings"),
    Rule("level_unknown", Outcome.APPROVAL,
         _("No security level is recorded for %(place)s."), "SPM security clearance"),
    Rule("advisory", Outcome.APPROVAL,
         _("A travel advisory of level %(level)s (%(title)s) is in force for %(place)s."),
         "Travel advisories in force"),
    Rule("manual_clearance", Outcome.APPROVAL,
         _("The designated official requires manual clearance for %(place)s."),
         "Designated official's movement control"),
    Rule("movement_limit", Outcome.APPROVAL,
         _("%(place)s admits at most %(limit)s visitors at a time; %(count)s are cleared "
           "for these days."), "Designated official's movement control"),
    Rule("lead_time", Outcome.APPROVAL,
         _("Arrival in %(place)s is %(days)s days away; requests are due %(limit)s days "
           "ahead."), "Travel settings"),
    Rule("operator_unsuitable", Outcome.APPROVAL,
         _("The air operator %(operator)s is assessed unsuitable for UN travel."),
         "DSS aviation advice (CATSU)"),
    Rule("operator_not_assessed", Outcome.APPROVAL,
         _("The air operator %(operator)s has not been assessed for UN travel."),
         "DSS aviation advice (CATSU)"),
    Rule("operator_expired", Outcome.APPROVAL,
         _("The assessment of the air operator %(operator)s expired on %(date)s."),
         "DSS aviation advice (CATSU)"),
    # A note, not a hold: the stop is cleared and the traveller told the conditions.
    Rule("operator_conditions", Outcome.CLEARED,
         _("The air operator %(operator)s is suitable with conditions: %(conditions)s"),
         "DSS aviation advice (CATSU)"),
)}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        return RULES[self.code].outcome

    def message(self) -> str:
        return str(RULES[self.code].message) % self.params

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def reason_from(data: dict[str, Any]) -> Reason:
    return Reason(data["code"], dict(data.get("params", {})))


@dataclass(frozen=True)
class Policy:
    """The configurable thresholds (travel settings)."""

    manual_level: int = 4
    refusal_level: int | None = None
    advisory_level: int = 4
    lead_days: int = 7


@dataclass(frozen=True)
class Traveller:
    """What training answers for the traveller and the travelling dependants. BSAFE is read
    over the whole trip; SSAFE over the days of one stop (the caller sets it per stop that
    requires it). ``bsafe_on`` is the latest BSAFE completion, for the message of an expired
    certificate (None: none recorded). The dependants named are those the course concerns
    (training decides: applies to dependants, minimum age) who do not hold it."""

    bsafe_valid: bool
    bsafe_on: dt.date | None = None
    ssafe_valid: bool = False
    dependants_without_bsafe: tuple[str, ...] = ()
    dependants_without_ssafe: tuple[str, ...] = ()


@dataclass(frozen=True)
class Control:
    """What the designated official set for an area."""

    closed: bool = False
    manual: bool = False
    ssafe_required: bool = False
    max_visitors: int | None = None


@dataclass(frozen=True)
class Stop:
    """The facts of one destination of an itinerary."""

    place: str
    arrives_at: dt.datetime
    leaves_at: dt.datetime
    level: int | None
    advisories: Sequence[tuple[int, str]] = ()  # (level, title) of advisories in force
    control: Control = Control()
    visitors: int = 0  # other cleared travellers in the area during the stay
    operator: str = ""  # the air operator of the segment that arrives here
    operator_unsuitable: bool = False
    flown: Sequence[Flown] = ()  # the operators flown to this stop (and home from it)


# The operator suitabilities (travel.AirOperator.Suitability values) as the rules read them.
SUITABLE = "suitable"
WITH_CONDITIONS = "with_conditions"
UNSUITABLE = "unsuitable"
NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Flown:
    """An air operator an itinerary flies, with its suitability in force."""

    operator: str
    suitability: str
    valid_until: dt.date | None = None
    conditions: str = ""


def operator_reason(flown: Flown, on: dt.date) -> Reason | None:
    """Why flying this operator on ``on`` is held or noted: not suitable, not assessed, or an
    assessment that lapsed before the day (all need a decision); suitable with conditions is
    cleared with its conditions noted; suitable and in force, nothing. An outcome without a
    valid-until date does not lapse (the flags set before assessments had one)."""
    params: dict[str, Any] = {"operator": flown.operator}
    if flown.suitability == UNSUITABLE:
        return Reason("operator_unsuitable", params)
    if flown.suitability not in (SUITABLE, WITH_CONDITIONS):
        return Reason("operator_not_assessed", params)
    if flown.valid_until is not None and flown.valid_until < on:
        return Reason("operator_expired", {**params, "date": flown.valid_until.isoformat()})
    if flown.suitability == WITH_CONDITIONS:
        return Reason("operator_conditions", {**params, "conditions": flown.conditions})
    return None


def traveller_reasons(traveller: Traveller, last_day: dt.date) -> list[Reason]:
    """BSAFE for the traveller over the whole trip, then for each travelling dependant it
    concerns."""
    reasons: list[Reason] = []
    if not traveller.bsafe_valid:
        if traveller.bsafe_on is None:
            reasons.append(Reason("bsafe_missing"))
        else:
            reasons.append(Reason("bsafe_expired", {"date": traveller.bsafe_on.isoformat(),
                                                    "on": last_day.isoformat()}))
    reasons += [Reason("dependant_bsafe", {"name": name})
                for name in traveller.dependants_without_bsafe]
    return reasons


def stop_reasons(stop: Stop, traveller: Traveller, policy: Policy,
                 now: dt.datetime) -> list[Reason]:
    """Every reason that this stop is not cleared automatically."""
    place = stop.place
    reasons: list[Reason] = []
    if stop.control.closed:
        reasons.append(Reason("area_closed", {"place": place}))
    if stop.control.ssafe_required:
        if not traveller.ssafe_valid:
            reasons.append(Reason("ssafe_required", {"place": place}))
        reasons += [Reason("dependant_ssafe", {"place": place, "name": name})
                    for name in traveller.dependants_without_ssafe]
    if stop.level is None:
        reasons.append(Reason("level_unknown", {"place": place}))
    elif policy.refusal_level is not None and stop.level >= policy.refusal_level:
        reasons.append(Reason("level_refused", {"place": place, "level": stop.level,
                                                "limit": policy.refusal_level}))
    elif stop.level >= policy.manual_level:
        reasons.append(Reason("level_manual", {"place": place, "level": stop.level,
                                               "limit": policy.manual_level}))
    for level, title in stop.advisories:
        if level >= policy.advisory_level:
            reasons.append(Reason("advisory", {"place": place, "level": level,
                                               "title": title}))
    if stop.control.manual:
        reasons.append(Reason("manual_clearance", {"place": place}))
    if stop.control.max_visitors is not None and stop.visitors >= stop.control.max_visitors:
        reasons.append(Reason("movement_limit", {"place": place,
                                                 "limit": stop.control.max_visitors,
                                                 "count": stop.visitors}))
    days = (stop.arrives_at - now).total_seconds() / 86400
    if policy.lead_days and days < policy.lead_days:
        reasons.append(Reason("lead_time", {"place": place, "days": max(0, math.floor(days)),
                                            "limit": policy.lead_days}))
    if stop.operator_unsuitable:
        reasons.append(Reason("operator_unsuitable", {"operator": stop.operator}))
    seen: set[tuple[str, str]] = set()
    for flown in stop.flown:
        reason = operator_reason(flown, stop.arrives_at.date())
        if reason is not None and (reason.code, flown.operator) not in seen:
            seen.add((reason.code, flown.operator))
            reasons.append(reason)
    return reasons


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """Refused over approval over cleared; nothing at all is cleared."""
    seen = set(outcomes)
    if Outcome.REFUSED in seen:
        return Outcome.REFUSED
    if Outcome.APPROVAL in seen:
        return Outcome.APPROVAL
    return Outcome.CLEARED


def outcome_of(reasons: Iterable[Reason]) -> Outcome:
    return worst(r.outcome for r in reasons)


def fingerprint(stop_key: str, reasons: Iterable[Reason]) -> str:
    """What an approval was given for: the stop and the codes that made it manual. An amended
    itinerary keeps an approval only where this is unchanged. The lead time is left out: it
    only grows shorter as time passes, and an approved stop stays approved for it."""
    return stop_key + "|" + ",".join(sorted({r.code for r in reasons
                                             if r.outcome is Outcome.APPROVAL
                                             and r.code != "lead_time"}))


# --- Request states -----------------------------------------------------------------------------

class Status(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # awaiting approval of one or more stops
    CLEARED = "cleared"
    REFUSED = "refused"
    CANCELLED = "cancelled"


# Which action each state allows. Submitting or amending re-runs the rules, whose outcome
# decides the next state (pending, cleared or refused).
ACTIONS: dict[Status, frozenset[str]] = {
    Status.DRAFT: frozenset({"edit", "submit", "cancel"}),
    Status.PENDING: frozenset({"amend", "cancel", "decide"}),
    Status.CLEARED: frozenset({"amend", "cancel"}),
    Status.REFUSED: frozenset({"amend"}),
    Status.CANCELLED: frozenset(),
}


def allows(status: str, action: str) -> bool:
    return action in ACTIONS[Status(status)]


def status_after(outcome: Outcome) -> Status:
    return {Outcome.CLEARED: Status.CLEARED, Outcome.APPROVAL: Status.PENDING,
            Outcome.REFUSED: Status.REFUSED}[outcome]


class StopStatus(StrEnum):
    """The state of one stop's clearance."""

    CLEARED = "cleared"  # by the rules
    PENDING = "pending"  # awaiting whoever holds the stop
    APPROVED = "approved"
    REFUSED = "refused"  # by whoever holds the stop
    RULE_REFUSED = "rule_refused"


# What each state of a stop weighs in its request: approved counts as cleared, and a refusal
# by the rules or by a person refuses.
STOP_OUTCOMES: dict[StopStatus, Outcome] = {
    StopStatus.CLEARED: Outcome.CLEARED,
    StopStatus.APPROVED: Outcome.CLEARED,
    StopStatus.PENDING: Outcome.APPROVAL,
    StopStatus.REFUSED: Outcome.REFUSED,
    StopStatus.RULE_REFUSED: Outcome.REFUSED,
}


def stop_status(outcome: Outcome) -> StopStatus:
    """The state the rules give a stop: cleared, waiting for approval, or refused by them."""
    return {Outcome.CLEARED: StopStatus.CLEARED, Outcome.APPROVAL: StopStatus.PENDING,
            Outcome.REFUSED: StopStatus.RULE_REFUSED}[outcome]


def request_status(stops: Iterable[str]) -> Status:
    """A request's status after clearance: that of its worst stop (no stop: cleared)."""
    return status_after(worst(STOP_OUTCOMES[StopStatus(state)] for state in stops))


def ends_at_home(destination_station: int | None, home_station: int | None) -> bool:
    """Whether a leg brings the traveller home: it arrives at their own duty station. Such a
    leg is no stop to clear, and the trip ends on its arrival."""
    return destination_station is not None and destination_station == home_station


# --- Who holds a stop ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Holder:
    """One level of the fallback: the role that holds a stop at that level, and the kinds of
    grant scope through which its holders cover a stop."""

    level: str
    role: str  # a core role (vigil.core.authz.Role value)
    scopes: frozenset[str]  # scope kinds (vigil.core.authz.ScopeKind values) that count
    label: Any  # lazy text: the capacity in which a holder decides ("designated official")
    note: Any = ""  # lazy text: what a stop held at this level says


# A stop that needs approval is held by the first level with someone whose grant covers it:
# the security officers of the stop; where none covers it, the designated official of its
# country; then the DRO desk whose countries include it; then the global administrators. No
# stop waits for nobody while one administrator exists.
HOLDERS: tuple[Holder, ...] = (
    Holder("security_officer", "security_officer",
           frozenset({"global", "country", "security_area", "duty_station"}),
           _("security officer")),
    Holder("designated_official", "designated_official", frozenset({"global", "country"}),
           _("designated official"),
           _("No security officer covers this place: the designated official of the country "
             "holds it now.")),
    Holder("dro_desk", "dro_desk_officer", frozenset({"global", "country"}),
           _("DRO desk officer"),
           _("No security officer or designated official covers this place: the DRO desk "
             "for the region holds it now.")),
    Holder("administrators", "administrator", frozenset({"global"}),
           _("global administrator"),
           _("No security officer, designated official or DRO desk officer covers this place: "
             "the global administrators hold it now.")),
)
# The decision of a stop the rules settled (cleared or refused) is the rules'.
DECIDED_BY_RULES = "rules"


@dataclass(frozen=True)
class Place:
    """Where a stop lies, as ids."""

    country: int
    area: int | None = None
    station: int | None = None


@dataclass(frozen=True)
class Cover:
    """A role grant, as the fallback reads it: a user holds a role over a scope."""

    user: int
    role: str
    scope_kind: str
    scope_id: int | None = None

    def covers(self, place: Place) -> bool:
        if self.scope_kind == "global":
            return True
        where = {"country": place.country, "security_area": place.area,
                 "duty_station": place.station}.get(self.scope_kind)
        return where is not None and where == self.scope_id


@dataclass(frozen=True)
class Holding:
    """Who holds a stop now: a level of HOLDERS and its users, or nobody."""

    holder: Holder | None
    users: tuple[int, ...] = ()

    @property
    def fallback(self) -> bool:
        """No security officer covers the stop: it went up a level (or to nobody)."""
        return self.holder is not HOLDERS[0]


def holding(place: Place, covers: Iterable[Cover], traveller: int | None = None) -> Holding:
    """The first level of HOLDERS with someone whose grant covers the place. The traveller
    never holds their own stop: where they alone would, it goes up a level."""
    covers = [c for c in covers if c.user != traveller]
    for holder in HOLDERS:
        users = sorted({c.user for c in covers if c.role == holder.role
                        and c.scope_kind in holder.scopes and c.covers(place)})
        if users:
            return Holding(holder, tuple(users))
    return Holding(None)


# --- Geometry ------------------------------------------------------------------------------------

# Each stored presence covers at most this long; longer stays are cut into pieces. A query at
# time t then needs only presences that start in (t - MAX_PRESENCE, t], an index range.
MAX_PRESENCE = dt.timedelta(days=14)
# Grid cells of CELL_DEGREES x CELL_DEGREES index presences by place.
CELL_DEGREES = 0.25
_COLUMNS = round(360 / CELL_DEGREES)


def _row(lat: float) -> int:
    return min(math.floor((lat + 90) / CELL_DEGREES), round(180 / CELL_DEGREES) - 1)


def _column(lon: float) -> int:
    return math.floor((lon + 180) / CELL_DEGREES) % _COLUMNS


def cell(lat: float, lon: float) -> int:
    return _row(lat) * _COLUMNS + _column(lon)


@dataclass(frozen=True)
class Box:
    """A bounding box; west > east when it crosses the antimeridian."""

    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        if not self.south <= lat <= self.north:
            return False
        if self.west <= self.east:
            return self.west <= lon <= self.east
        return lon >= self.west or lon <= self.east

    def lon_ranges(self) -> list[tuple[float, float]]:
        if self.west <= self.east:
            return [(self.west, self.east)]
        return [(self.west, 180.0), (-180.0, self.east)]


def circle_box(lat: float, lon: float, radius_km: float) -> Box:
    """The smallest latitude/longitude box around a circle (a pole inside widens it fully)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    south, north = lat - dlat, lat + dlat
    if north >= 90 or south <= -90:
        return Box(max(south, -90), min(north, 90), -180, 180)
    # The widest longitude reach of a circle on a sphere.
    dlon = math.degrees(math.asin(min(1.0, math.sin(radius_km / EARTH_RADIUS_KM)
                                      / math.cos(math.radians(lat)))))
    if dlon >= 180 or radius_km / EARTH_RADIUS_KM >= math.pi / 2:
        return Box(south, north, -180, 180)
    west, east = lon - dlon, lon + dlon
    if west < -180:
        west += 360
    if east > 180:
        east -= 360
    return Box(south, north, west, east)


def cell_ranges(box: Box) -> list[tuple[int, int]]:
    """The cells of a box, as inclusive ranges of cell numbers (one or two per grid row)."""
    ranges = []
    for row in range(_row(box.south), _row(box.north) + 1):
        for west, east in box.lon_ranges():
            first, last = _column(west), _column(east) if east < 180 else _COLUMNS - 1
            if east >= 180 and first > 0:  # longitude 180 is -180: the first column
                ranges.append((row * _COLUMNS, row * _COLUMNS))
            if last < first:
                ranges += [(row * _COLUMNS + first, row * _COLUMNS + _COLUMNS - 1),
                           (row * _COLUMNS, row * _COLUMNS + last)]
            else:
                ranges.append((row * _COLUMNS + first, row * _COLUMNS + last))
    return ranges


def split_interval(start: dt.datetime, end: dt.datetime,
                   piece: dt.timedelta = MAX_PRESENCE) -> list[tuple[dt.datetime, dt.datetime]]:
    """[start, end) cut into pieces no longer than ``piece``."""
    out = []
    while start < end:
        stop = min(end, start + piece)
        out.append((start, stop))
        start = stop
    return out


def coverage_percent(covered: int, total: int) -> float | None:
    return round(100 * covered / total, 1) if total else None


# --- Local times ---------------------------------------------------------------------------------

def aware(local: dt.datetime, zone: Any) -> dt.datetime:
    """A wall-clock time in a time zone as an aware datetime. A time that the zone skips (the
    hour lost when clocks go forward) is refused; an hour that repeats takes its first pass."""
    value = local.replace(tzinfo=zone, fold=0)
    round_trip = value.astimezone(dt.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent")
    return value


@dataclass(frozen=True)
class Leg:
    """One segment as whereabouts needs it (UTC)."""

    departs_at: dt.datetime
    arrives_at: dt.datetime
    origin: tuple[float, float]
    destination: tuple[float, float]
    lodging: tuple[float, float] | None
    home: bool  # arrives at the traveller's duty station: the trip ends here
    stays_until: dt.datetime | None = None


@dataclass(frozen=True)
class Piece:
    """Where a traveller is presumed during [starts_at, ends_at)."""

    kind: str  # "transit" (at either end of a segment in progress) or "stay"
    starts_at: dt.datetime
    ends_at: dt.datetime
    point: tuple[float, float]
    leg: int  # index of the segment
    at_origin: bool = False  # the origin end of a segment in progress


def pieces(legs: Sequence[Leg]) -> list[Piece]:
    """The presumed places of a traveller over an itinerary.

    - During a segment [departure, arrival) the traveller is in transit: presumed at both ends.
    - From an arrival to the next departure they stay at the destination: the lodging given
      for it, else the destination itself.
    - After the last segment: nothing, if it ends at the duty station (the traveller is home);
      else the stay lasts until ``stays_until``.
    """
    out: list[Piece] = []
    for index, leg in enumerate(legs):
        if leg.arrives_at > leg.departs_at:
            out.append(Piece("transit", leg.departs_at, leg.arrives_at, leg.origin, index,
                             at_origin=True))
            out.append(Piece("transit", leg.departs_at, leg.arrives_at, leg.destination, index))
        following = legs[index + 1].departs_at if index + 1 < len(legs) else (
            None if leg.home else leg.stays_until)
        if following is not None and following > leg.arrives_at:
            out.append(Piece("stay", leg.arrives_at, following,
                             leg.lodging or leg.destination, index))
    return out
