"""Rules of the accountability framework, as pure functions over plain data: the access each
security function needs, who may record which appointment, where each function is held, what
each function is accountable for, which of those duties are overdue on a day (read from the
records as plain facts), and which places lack a function they must have filled.

Sources: the UNSMS Framework of Accountability (the designated official, the security
management team, the chief security adviser, field security officers and wardens) and the UN
Security Policy Manual (security level reviews, security risk assessments, security plans, the
minimum operating security standards)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vigil.coordination import smt_rules
from vigil.coordination.models.accountability import Function, PlaceLevel
from vigil.core.roles import Role, ScopeKind

# --- The access each function needs -----------------------------------------------------------

FUNCTION_ROLE: dict[str, Role] = {
    Function.DESIGNATED_OFFICIAL: Role.DESIGNATED_OFFICIAL,
    Function.DEPUTY_DESIGNATED_OFFICIAL: Role.SMT_MEMBER,
    Function.SMT_MEMBER: Role.SMT_MEMBER,
    Function.CHIEF_SECURITY_ADVISER: Role.SECURITY_OFFICER,
    Function.FIELD_SECURITY_OFFICER: Role.SECURITY_OFFICER,
    Function.WARDEN: Role.WARDEN,
    Function.ZONE_WARDEN: Role.WARDEN,
}

LEVEL_SCOPE: dict[str, ScopeKind] = {
    PlaceLevel.COUNTRY: ScopeKind.COUNTRY,
    PlaceLevel.SECURITY_AREA: ScopeKind.SECURITY_AREA,
    PlaceLevel.DUTY_STATION: ScopeKind.DUTY_STATION,
}


def place_level(*, security_area_id: int | None, duty_station_id: int | None) -> PlaceLevel:
    """The narrowest place an appointment names: duty station, else area, else country."""
    if duty_station_id is not None:
        return PlaceLevel.DUTY_STATION
    if security_area_id is not None:
        return PlaceLevel.SECURITY_AREA
    return PlaceLevel.COUNTRY


def grant_for(function: str, *, country_id: int, security_area_id: int | None,
              duty_station_id: int | None) -> tuple[Role, ScopeKind, int]:
    """The role grant an appointment gives: the function's role over the appointment's
    narrowest place (duty station > area > country)."""
    level = place_level(security_area_id=security_area_id, duty_station_id=duty_station_id)
    scope_id = {PlaceLevel.COUNTRY: country_id, PlaceLevel.SECURITY_AREA: security_area_id,
                PlaceLevel.DUTY_STATION: duty_station_id}[level]
    assert scope_id is not None  # noqa: S101 - the level was chosen from the ids given
    return FUNCTION_ROLE[function], LEVEL_SCOPE[level], scope_id


# --- Who may record which appointment ---------------------------------------------------------

ALL_FUNCTIONS = frozenset(Function.values)

MAY_APPOINT: dict[Role, frozenset[str]] = {
    Role.DRO_DESK_OFFICER: ALL_FUNCTIONS,
    Role.ADMINISTRATOR: ALL_FUNCTIONS,
    Role.DESIGNATED_OFFICIAL: frozenset({
        Function.DEPUTY_DESIGNATED_OFFICIAL, Function.SMT_MEMBER, Function.WARDEN,
        Function.ZONE_WARDEN, Function.FIELD_SECURITY_OFFICER}),
    Role.SECURITY_OFFICER: frozenset({Function.WARDEN, Function.ZONE_WARDEN}),
}


def may_appoint(roles: Iterable[Role], function: str) -> bool:
    """Does any of these roles (each held over the appointment's place) record ``function``?"""
    return any(function in MAY_APPOINT.get(role, frozenset()) for role in roles)


def appointable(roles: Iterable[Role]) -> frozenset[str]:
    """Every function one of these roles may record."""
    found: set[str] = set()
    for role in roles:
        found |= MAY_APPOINT.get(role, frozenset())
    return frozenset(found)


def refusal(roles: Iterable[Role], function: str) -> str:
    """Why these roles may not record ``function``: a whole sentence naming what they may."""
    allowed = appointable(roles)
    if not allowed:
        return str(_("You may not record security appointments here."))
    names = ", ".join(str(Function(f).label) for f in Function.values if f in allowed)
    return str(_("You may not record the appointment of a %(function)s here. You may record: "
                 "%(allowed)s.") % {"function": str(Function(function).label).lower(),
                                    "allowed": names})


# --- Where each function is held --------------------------------------------------------------

PLACE_LEVELS: dict[str, frozenset[str]] = {
    Function.DESIGNATED_OFFICIAL: frozenset({PlaceLevel.COUNTRY}),
    Function.DEPUTY_DESIGNATED_OFFICIAL: frozenset({PlaceLevel.COUNTRY,
                                                    PlaceLevel.SECURITY_AREA}),
    Function.SMT_MEMBER: frozenset({PlaceLevel.COUNTRY, PlaceLevel.SECURITY_AREA}),
    Function.CHIEF_SECURITY_ADVISER: frozenset({PlaceLevel.COUNTRY}),
    Function.FIELD_SECURITY_OFFICER: frozenset({PlaceLevel.DUTY_STATION}),
    Function.WARDEN: frozenset({PlaceLevel.DUTY_STATION}),
    Function.ZONE_WARDEN: frozenset({PlaceLevel.DUTY_STATION}),
}
NEEDS_ZONE = frozenset({Function.ZONE_WARDEN})
# Held by one person at a time in a place.
SOLE_HOLDER = frozenset({Function.DESIGNATED_OFFICIAL})

PLACE_HELP: dict[str, Promise] = {
    PlaceLevel.COUNTRY: _("A %(function)s is appointed for a whole country: leave the security "
                          "area and the duty station empty."),
    PlaceLevel.SECURITY_AREA: _("A %(function)s is appointed for a country or one of its "
                                "security areas, not for a duty station."),
    PlaceLevel.DUTY_STATION: _("A %(function)s is appointed for a duty station: choose one."),
}


def place_problems(function: str, *, security_area_id: int | None,
                   duty_station_id: int | None, zone: str) -> list[tuple[str, str]]:
    """(field, message) for each way the place of an appointment does not fit its function."""
    if function not in PLACE_LEVELS:
        return [("function", str(_("Unknown function “%(value)s”.") % {"value": function}))]
    problems: list[tuple[str, str]] = []
    level = place_level(security_area_id=security_area_id, duty_station_id=duty_station_id)
    allowed = PLACE_LEVELS[function]
    if level not in allowed:
        widest = (PlaceLevel.DUTY_STATION if PlaceLevel.DUTY_STATION in allowed
                  else PlaceLevel.SECURITY_AREA if PlaceLevel.SECURITY_AREA in allowed
                  else PlaceLevel.COUNTRY)
        field = "duty_station" if widest is PlaceLevel.DUTY_STATION or duty_station_id \
            else "security_area"
        problems.append((field, str(PLACE_HELP[widest] % {
            "function": str(Function(function).label).lower()})))
    if function in NEEDS_ZONE and not zone.strip():
        problems.append(("zone", str(_("A zone warden is appointed for a zone: name it."))))
    if function not in NEEDS_ZONE and zone.strip():
        problems.append(("zone", str(_("Only a zone warden has a zone: leave it empty."))))
    return problems


@dataclass(frozen=True)
class Period:
    """A holder's tenure, first and last day (None: open)."""

    pk: int | None
    starts_on: dt.date
    ends_on: dt.date | None

    def holds_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


def overlap(period: Period, others: Iterable[Period]) -> Period | None:
    """The first of ``others`` (not ``period`` itself) whose days meet ``period``'s."""
    far = dt.date.max
    for other in sorted(others, key=lambda o: (o.starts_on, o.pk or 0)):
        if other.pk is not None and other.pk == period.pk:
            continue
        if other.starts_on <= (period.ends_on or far) and period.starts_on <= (
                other.ends_on or far):
            return other
    return None


def ending_problems(*, starts_on: dt.date, ends_on: dt.date | None,
                    already_ended: dt.date | None) -> list[tuple[str, str]]:
    if already_ended is not None:
        return [("ends_on", str(_("This appointment ended on %(date)s already.")
                                % {"date": already_ended.isoformat()}))]
    if ends_on is None:
        return [("ends_on", str(_("Give the last day the function is held.")))]
    if ends_on < starts_on:
        return [("ends_on", str(_("The appointment cannot end before it starts (%(date)s).")
                                % {"date": starts_on.isoformat()}))]
    return []


# --- What each function is accountable for ----------------------------------------------------

RESPONSIBILITIES: dict[str, tuple[Promise, ...]] = {
    Function.DESIGNATED_OFFICIAL: (
        _("Accountable to the Secretary-General, through the Under-Secretary-General for "
          "Safety and Security, for the security of UN personnel, premises and assets in the "
          "country."),
        _("Chairs the security management team and makes sure it meets as the security level "
          "requires."),
        _("Approves the security risk assessment, the security plan and the minimum operating "
          "security standards, and keeps them reviewed."),
        _("Recommends the security levels of the country's areas and has them reviewed on "
          "time."),
        _("Decides relocation and evacuation in a crisis and keeps the wardens' system in "
          "place."),
    ),
    Function.DEPUTY_DESIGNATED_OFFICIAL: (
        _("Acts for the designated official in the area, or when the designated official is "
          "absent."),
        _("Keeps the area's security arrangements in line with the country's security plan."),
        _("Reports to the designated official on the security of personnel in the area."),
    ),
    Function.SMT_MEMBER: (
        _("Advises the designated official on every security decision as a member of the "
          "security management team."),
        _("Makes sure the organization's personnel know and follow the security plan and the "
          "minimum operating security standards."),
        _("Carries out the action points the team assigns, by their due dates."),
        _("Funds and staffs the organization's share of the security arrangements."),
    ),
    Function.CHIEF_SECURITY_ADVISER: (
        _("Advises the designated official and the security management team on security."),
        _("Prepares the security risk assessment, the security plan and the minimum operating "
          "security standards, and keeps them reviewed."),
        _("Proposes security levels from the threat assessment and keeps them reviewed."),
        _("Assesses compliance with the minimum operating security standards at each duty "
          "station."),
        _("Follows up the recommendations of security assessment and assistance missions."),
        _("Manages the field security officers and the wardens' system."),
    ),
    Function.FIELD_SECURITY_OFFICER: (
        _("Advises on and carries out the security arrangements at the duty station."),
        _("Assesses the duty station's compliance with the minimum operating security "
          "standards."),
        _("Trains and supports the wardens, and keeps the duty station's part of the security "
          "plan current."),
    ),
    Function.WARDEN: (
        _("Keeps the list of personnel and dependants at the duty station and passes on "
          "security information."),
        _("Accounts for everyone in a crisis and reports the headcount."),
    ),
    Function.ZONE_WARDEN: (
        _("Keeps the list of personnel and dependants living in the zone."),
        _("Passes on security information in the zone and accounts for everyone in it in a "
          "crisis."),
    ),
}


# --- Duties derived from the records ----------------------------------------------------------

class DutyKind(StrEnum):
    LEVEL_REVIEW = "level_review"
    SRA_REVIEW = "sra_review"
    PLAN_REVIEW = "plan_review"
    MOSS_ASSESSMENT = "moss_assessment"
    SMT_MEETING = "smt_meeting"
    ACTION_POINTS = "action_points"
    MISSION_RECOMMENDATIONS = "mission_recommendations"

    @property
    def label(self) -> str:
        return str(DUTY_LABELS[self])


DUTY_LABELS: dict[DutyKind, Promise] = {
    DutyKind.LEVEL_REVIEW: _("Security level review"),
    DutyKind.SRA_REVIEW: _("Security risk assessment review"),
    DutyKind.PLAN_REVIEW: _("Security plan review"),
    DutyKind.MOSS_ASSESSMENT: _("MOSS compliance assessment"),
    DutyKind.SMT_MEETING: _("SMT meeting"),
    DutyKind.ACTION_POINTS: _("SMT action points"),
    DutyKind.MISSION_RECOMMENDATIONS: _("Mission recommendations"),
}

# A duty station's MOSS compliance is assessed at least this often.
MOSS_ASSESSMENT_MONTHS = 12

_OWN = (DutyKind.ACTION_POINTS,)
DUTIES: dict[str, tuple[DutyKind, ...]] = {
    Function.DESIGNATED_OFFICIAL: (DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                   DutyKind.PLAN_REVIEW, DutyKind.SMT_MEETING, *_OWN),
    Function.DEPUTY_DESIGNATED_OFFICIAL: _OWN,
    Function.SMT_MEMBER: _OWN,
    Function.CHIEF_SECURITY_ADVISER: (DutyKind.LEVEL_REVIEW, DutyKind.SRA_REVIEW,
                                      DutyKind.PLAN_REVIEW, DutyKind.MOSS_ASSESSMENT,
                                      DutyKind.MISSION_RECOMMENDATIONS, DutyKind.SMT_MEETING,
                                      *_OWN),
    Function.FIELD_SECURITY_OFFICER: (DutyKind.MOSS_ASSESSMENT, *_OWN),
    Function.WARDEN: _OWN,
    Function.ZONE_WARDEN: _OWN,
}
# The duties a holder answers for personally (their own records), not for the place.
PERSONAL_DUTIES = frozenset(_OWN)


@dataclass(frozen=True)
class Fact:
    """One record a duty reads, as plain data. ``missing`` says the record a duty needs does
    not exist (no level set, no SRA in force, never assessed)."""

    record: str  # what it is: security_area, sra, security_plan, duty_station, smt, ...
    record_id: int | None
    label: str
    due_on: dt.date | None = None
    status: str = ""
    last_on: dt.date | None = None
    since: dt.date | None = None
    level: int | None = None
    missing: bool = False
    owner_id: int | None = None


@dataclass(frozen=True)
class Overdue:
    kind: DutyKind
    record: str
    record_id: int | None
    label: str
    due_on: dt.date | None
    days_overdue: int | None  # None: the record was never made


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has fewer days."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Settings:
    moss_months: int = MOSS_ASSESSMENT_MONTHS
    intervals: Mapping[str, int] | None = None


# Each kind: when its fact falls due (None: never made, overdue at once) and whether it is
# open at all. Due on day N means done on day N is in time; from day N + 1 it is overdue.
Due = tuple[bool, dt.date | None]


def _review_due(fact: Fact, today: dt.date, settings: Settings) -> Due:
    return True, (None if fact.missing else fact.due_on)


def _moss_due(fact: Fact, today: dt.date, settings: Settings) -> Due:
    if fact.last_on is None:
        return True, None
    return True, add_months(fact.last_on, settings.moss_months)


def _meeting_due(fact: Fact, today: dt.date, settings: Settings) -> Due:
    state = smt_rules.meeting_state(level=fact.level, last_held_on=fact.last_on,
                                    established_on=fact.since or today, today=today,
                                    intervals=settings.intervals)
    return True, state.due_on


def _open_item_due(fact: Fact, today: dt.date, settings: Settings) -> Due:
    return fact.status == "open", fact.due_on


DUE_RULES: dict[DutyKind, Callable[[Fact, dt.date, Settings], Due]] = {
    DutyKind.LEVEL_REVIEW: _review_due,
    DutyKind.SRA_REVIEW: _review_due,
    DutyKind.PLAN_REVIEW: _review_due,
    DutyKind.MOSS_ASSESSMENT: _moss_due,
    DutyKind.SMT_MEETING: _meeting_due,
    DutyKind.ACTION_POINTS: _open_item_due,
    DutyKind.MISSION_RECOMMENDATIONS: _open_item_due,
}


def overdue(duty_kind: DutyKind | str, facts: Iterable[Fact], today: dt.date,
            settings: Settings | None = None) -> list[Overdue]:
    """The facts of one duty that are overdue on ``today``, the longest overdue first (those
    never made first of all), each with the days it is overdue."""
    kind = DutyKind(duty_kind)
    rule = DUE_RULES[kind]
    settings = settings or Settings()
    found: list[Overdue] = []
    for fact in facts:
        is_open, due = rule(fact, today, settings)
        if not is_open:
            continue
        if due is None:
            found.append(Overdue(kind, fact.record, fact.record_id, fact.label, None, None))
        elif (today - due).days > 0:
            found.append(Overdue(kind, fact.record, fact.record_id, fact.label, due,
                                 (today - due).days))
    return sorted(found, key=lambda o: (o.days_overdue is not None, -(o.days_overdue or 0),
                                        o.label))


def smt_meeting_late(*, level: int | None, last_held_on: dt.date | None,
                     established_on: dt.date, today: dt.date,
                     intervals: Mapping[str, int] | None = None) -> bool:
    return smt_rules.meeting_state(level=level, last_held_on=last_held_on,
                                   established_on=established_on, today=today,
                                   intervals=intervals).late


# --- The gap board ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    function: str
    level: str
    minimum: int
    from_security_level: int
    active: bool = True


@dataclass(frozen=True)
class Place:
    level: str  # PlaceLevel
    pk: int
    label: str  # with its country: "Kenya · Mombasa"
    country_id: int
    name: str = ""  # its own name: "Mombasa"


@dataclass(frozen=True)
class Tenure:
    function: str
    starts_on: dt.date
    ends_on: dt.date | None


@dataclass(frozen=True)
class Gap:
    place: Place
    function: str
    required: int
    held: int
    security_level: int | None
    vacant_since: dt.date | None  # the day after the last appointment ended; None: never held

    @property
    def function_label(self) -> str:
        return str(Function(self.function).label)


PlaceKey = tuple[str, int]


def applies(requirement: Requirement, place_level_: str, security_level: int | None) -> bool:
    """Does the requirement apply to a place of this level at this security level? A place
    with no level set counts as level 1."""
    return (requirement.active and requirement.level == place_level_
            and (security_level or 1) >= requirement.from_security_level)


def vacant_since(tenures: Sequence[Tenure], today: dt.date) -> dt.date | None:
    ended = [t.ends_on for t in tenures if t.ends_on is not None and t.ends_on < today]
    return max(ended) + dt.timedelta(days=1) if ended else None


def gaps(requirements: Iterable[Requirement], places: Iterable[Place],
         holders_by_place: Mapping[PlaceKey, Sequence[Tenure]],
         levels_by_place: Mapping[PlaceKey, int | None], today: dt.date) -> list[Gap]:
    """Each place where a required function is held by fewer people than required today."""
    reqs = list(requirements)
    found: list[Gap] = []
    for place in places:
        key = (place.level, place.pk)
        level = levels_by_place.get(key)
        tenures = holders_by_place.get(key, ())
        for req in reqs:
            if not applies(req, place.level, level):
                continue
            own = [t for t in tenures if t.function == req.function]
            held = sum(1 for t in own if t.starts_on <= today
                       and (t.ends_on is None or t.ends_on >= today))
            if held < req.minimum:
                found.append(Gap(place=place, function=req.function, required=req.minimum,
                                 held=held, security_level=level,
                                 vacant_since=vacant_since(own, today)))
    return found
