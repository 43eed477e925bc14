"""Reads of the accountability framework: who holds each security function where (now and
before), the gap board, and the duties each function is accountable for that are overdue,
derived from the records (risk's levels, SRAs, plans, MOSS assessments and missions, and the
SMTs' meetings and action points).

The contract other areas call: ``holders`` (appointments in force in a country, not scoped:
the caller checks its own record first), ``gaps`` and ``overdue_duties`` (both narrowed to what
the reader may see). Each reads a fixed number of queries whatever the number of places."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from vigil.coordination import accountability_rules as rules
from vigil.coordination.models import (
    ActionPoint,
    Appointment,
    CoordinationSettings,
    Function,
    Meeting,
    MeetingStatus,
    PlaceLevel,
    RoleRequirement,
    SecurityManagementTeam,
)
from vigil.core.authz import Perm, get_visible, visible
from vigil.core.errors import NotFound
from vigil.core.models import AuditEvent
from vigil.core.selectors import narrowed, searched
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.risk import rules as risk_rules
from vigil.risk import selectors as risk
from vigil.risk.models import (
    ComplianceAssessment,
    MissionRecommendation,
    SecurityPlan,
    SecurityRiskAssessment,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser

__all__ = ["Gap", "OverdueDuty", "appointment_get", "appointment_list", "countries_seen",
           "country_overview", "gaps", "holders", "my_functions", "overdue_duties", "place_view",
           "requirement_list"]

Gap = rules.Gap


def _related(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return qs.select_related("user", "organization", "country", "security_area",
                             "duty_station", "grant", "appointed_by")


# --- The contract -----------------------------------------------------------------------------

def holders(*, country_id: int, functions: Iterable[str] | None = None,
            on: dt.date | None = None) -> list[Appointment]:
    """The appointments in force on ``on`` (today) in the country, in any of its areas and
    duty stations. Not scoped: the caller has checked that the reader may see its record."""
    qs = Appointment.objects.in_force(on or timezone.localdate()).filter(country_id=country_id)
    if functions is not None:
        qs = qs.filter(function__in=list(functions))
    return list(_related(qs).order_by("function", "starts_on", "pk"))


def _country_ids_seen(user: AnyUser, country_id: int | None) -> list[int]:
    qs = visible(user, Perm.VIEW_COORDINATION, Country.objects.all())
    if country_id is not None:
        qs = qs.filter(pk=country_id)
    return list(qs.values_list("pk", flat=True))


def _places(user: AnyUser, country_id: int | None) -> tuple[list[rules.Place],
                                                            dict[rules.PlaceKey, int | None]]:
    """The places the board covers that the user sees: countries with an active duty station,
    their security areas that hold one, and active duty stations; with the security level in
    force in each (a country: the highest of its areas)."""
    stations = visible(user, Perm.VIEW_COORDINATION, DutyStation.objects.filter(
        is_active=True).select_related("country", "security_area"))
    if country_id is not None:
        stations = stations.filter(country_id=country_id)
    station_rows = list(stations.order_by("country__name", "name"))
    # The countries seen that hold an active duty station (seen or not), by name.
    countries = visible(user, Perm.VIEW_COORDINATION, Country.objects.filter(Exists(
        DutyStation.objects.filter(country_id=OuterRef("pk"), is_active=True))))
    if country_id is not None:
        countries = countries.filter(pk=country_id)
    placed_countries = list(countries.order_by("name").values_list("pk", "name"))
    # The areas read: those of the countries placed and of the stations seen (an area is a
    # place only with a station seen in it; a country's level is the highest of its areas').
    area_rows = list(risk.with_level(visible(user, Perm.VIEW_COORDINATION, SecurityArea.objects
                                         .filter(country_id__in={s.country_id for s in
                                                                 station_rows}
                                                 | {pk for pk, _name in placed_countries}))
                                 ).select_related("country"))
    areas = [(a.pk, a.country_id, a.country.name, a.name, getattr(a, "current_level", None))
             for a in area_rows]
    area_level: dict[int | None, int | None] = {a[0]: a[4] for a in areas}
    country_level: dict[int, int | None] = {}
    for _pk, area_country, _c, _n, level in areas:
        if level is not None:
            country_level[area_country] = max(country_level.get(area_country) or 0, level)
    places: list[rules.Place] = []
    levels: dict[rules.PlaceKey, int | None] = {}
    for pk, name in placed_countries:
        places.append(rules.Place(PlaceLevel.COUNTRY, pk, name, pk, name))
        levels[(PlaceLevel.COUNTRY, pk)] = country_level.get(pk)
    station_areas = {s.security_area_id for s in station_rows if s.security_area_id}
    for area_pk, area_country, country_name, area_name, level in areas:
        if area_pk in station_areas:
            places.append(rules.Place(PlaceLevel.SECURITY_AREA, area_pk,
                                      f"{country_name} · {area_name}", area_country,
                                      area_name))
            levels[(PlaceLevel.SECURITY_AREA, area_pk)] = level
    for station in station_rows:
        places.append(rules.Place(PlaceLevel.DUTY_STATION, station.pk,
                                  f"{station.country.name} · {station.name}", station.country_id,
                                  station.name))
        levels[(PlaceLevel.DUTY_STATION, station.pk)] = area_level.get(station.security_area_id)
    return places, levels


def requirements() -> list[rules.Requirement]:
    return [rules.Requirement(r.function, r.level, r.minimum, r.from_security_level, r.active)
            for r in RoleRequirement.objects.all()]


def gaps(*, user: AnyUser, country_id: int | None = None, on: dt.date | None = None
         ) -> list[rules.Gap]:
    """The gap board: each place the user sees (in one country, or all) where a required
    function is held by fewer people than required, the highest security level first."""
    on = on or timezone.localdate()
    places, levels = _places(user, country_id)
    if not places:
        return []
    country_ids = {p.country_id for p in places}
    tenures: dict[rules.PlaceKey, list[rules.Tenure]] = defaultdict(list)
    for function, c_id, area_id, station_id, starts, ends in Appointment.objects.filter(
            country_id__in=country_ids, starts_on__lte=on).values_list(
            "function", "country_id", "security_area_id", "duty_station_id", "starts_on",
            "ends_on"):
        level = rules.place_level(security_area_id=area_id, duty_station_id=station_id)
        pk = {PlaceLevel.COUNTRY: c_id, PlaceLevel.SECURITY_AREA: area_id,
              PlaceLevel.DUTY_STATION: station_id}[level]
        tenures[(level, pk)].append(rules.Tenure(function, starts, ends))
    found = rules.gaps(requirements(), places, tenures, levels, on)
    return sorted(found, key=lambda g: (-(g.security_level or 0), g.place.label,
                                        g.function))


@dataclass(frozen=True)
class OverdueDuty:
    """A duty of a function, overdue on a day: who holds the function (None: nobody), what is
    overdue, on which record, since when."""

    function: str
    holder: User | None
    appointment_id: int | None
    kind: rules.DutyKind
    record: str
    record_id: int | None
    record_label: str
    url: str
    due_on: dt.date | None
    days_overdue: int | None

    @property
    def function_label(self) -> str:
        return str(Function(self.function).label)

    @property
    def label(self) -> str:
        return self.kind.label


def _url(name: str, pk: int | None) -> str:
    """The page of a record; empty where its app gives none."""
    if pk is None:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


RECORD_PAGES = {
    "security_area": "risk:area_levels",
    "sra": "risk:sra_detail",
    "security_plan": "risk:plan_detail",
    "duty_station": "places:duty_station_detail",
    "mission_recommendation": "risk:mission_detail",
    "smt": "coordination:smt_detail",
    "action_point": "coordination:smt_action_detail",
}


def _coordination_settings() -> rules.Settings:
    row = CoordinationSettings.objects.filter(pk=1).first()
    return rules.Settings(intervals=row.meeting_interval_days if row is not None else None)


@dataclass
class _CountryFacts:
    """Every fact the duties of one country read, gathered in a fixed number of queries."""

    by_kind: dict[rules.DutyKind, list[rules.Fact]] = field(default_factory=dict)
    moss_by_station: dict[int, rules.Fact] = field(default_factory=dict)
    actions_by_owner: dict[int, list[rules.Fact]] = field(default_factory=dict)
    recommendation_missions: dict[int, int] = field(default_factory=dict)


def _facts(country: Country, on: dt.date,
           kinds: Iterable[rules.DutyKind] | None = None) -> _CountryFacts:
    """The facts of the country that the duties of ``kinds`` read (every duty: None); a duty
    left out reads nothing, so that a holder of one function asks only for its own facts."""
    wanted = set(rules.DutyKind) if kinds is None else set(kinds)
    facts = _CountryFacts()
    # The country's areas and the review in force of each (its level: risk.with_level), read
    # once for the level reviews and the SMTs' levels.
    areas: list[SecurityArea] = []
    reviews: dict[int, Any] = {}
    if wanted & {rules.DutyKind.LEVEL_REVIEW, rules.DutyKind.SMT_MEETING}:
        reviews = {r.security_area_id: r for r in risk.reviews_in_force().filter(
            security_area__country=country)}
        areas = list(SecurityArea.objects.filter(country=country).order_by("name"))
    if rules.DutyKind.LEVEL_REVIEW in wanted:
        # Security levels: each area of the country, its review in force and when it is due.
        facts.by_kind[rules.DutyKind.LEVEL_REVIEW] = [
            rules.Fact("security_area", area.pk, area.name,
                       due_on=reviews[area.pk].next_review_due if area.pk in reviews else None,
                       level=reviews[area.pk].proposed_level if area.pk in reviews else None,
                       missing=area.pk not in reviews)
            for area in areas]
    if rules.DutyKind.SRA_REVIEW in wanted:
        # Security risk assessments in force (approved or endorsed), or none at all.
        sras = [rules.Fact("sra", s.pk, s.title, due_on=s.review_due) for s in
                SecurityRiskAssessment.objects.filter(country=country,
                                                      status__in=risk_rules.APPROVED_STATES)]
        facts.by_kind[rules.DutyKind.SRA_REVIEW] = sras or [
            rules.Fact("country", country.pk, country.name, missing=True)]
    if rules.DutyKind.PLAN_REVIEW in wanted:
        facts.by_kind[rules.DutyKind.PLAN_REVIEW] = [
            rules.Fact("security_plan", p.pk, p.title, due_on=p.review_due) for p in
            SecurityPlan.objects.filter(country=country, status__in=risk_rules.APPROVED_STATES)]
    if rules.DutyKind.MOSS_ASSESSMENT in wanted:
        # MOSS: each active duty station and its last final assessment.
        stations = DutyStation.objects.filter(country=country, is_active=True).annotate(
            last=Subquery(ComplianceAssessment.objects.filter(
                duty_station_id=OuterRef("pk"), status=ComplianceAssessment.Status.FINAL)
                .order_by().values("duty_station_id").annotate(last=Max("assessed_on"))
                .values("last")[:1])).order_by("name")
        for pk, name, last_on in stations.values_list("pk", "name", "last"):
            facts.moss_by_station[pk] = rules.Fact("duty_station", pk, name, last_on=last_on)
        facts.by_kind[rules.DutyKind.MOSS_ASSESSMENT] = list(facts.moss_by_station.values())
    if rules.DutyKind.SMT_MEETING in wanted:
        # The country's SMTs: the last meeting held, at the security level in force.
        # Each team with its last meeting held, in one query.
        teams = list(SecurityManagementTeam.objects.filter(country=country, active=True).annotate(
            last_held=Subquery(Meeting.objects.filter(
                team_id=OuterRef("pk"), status=MeetingStatus.HELD).order_by().values(
                "team_id").annotate(last=Max("held_on")).values("last")[:1])))
        area_levels: dict[int | None, int | None] = {
            a.pk: reviews[a.pk].proposed_level if a.pk in reviews else None for a in areas}
        highest = max((lvl for lvl in area_levels.values() if lvl is not None), default=None)
        facts.by_kind[rules.DutyKind.SMT_MEETING] = [
            rules.Fact("smt", t.pk, t.name, last_on=t.last_held, since=t.established_on,
                       level=area_levels.get(t.security_area_id) if t.security_area_id
                       else highest) for t in teams]
    if rules.DutyKind.MISSION_RECOMMENDATIONS in wanted:
        # Mission recommendations still open.
        recommendations = list(MissionRecommendation.objects.filter(
            mission__country=country, status=MissionRecommendation.Status.OPEN))
        facts.recommendation_missions = {r.pk: r.mission_id for r in recommendations}
        facts.by_kind[rules.DutyKind.MISSION_RECOMMENDATIONS] = [
            rules.Fact("mission_recommendation", r.pk, r.recommendation[:80], due_on=r.due,
                       status=r.status) for r in recommendations]
    if rules.DutyKind.ACTION_POINTS in wanted:
        # Open SMT action points of the country's teams, by owner.
        for point in ActionPoint.objects.filter(team__country=country, status="open",
                                                due_on__lt=on):
            facts.actions_by_owner.setdefault(point.owner_id, []).append(rules.Fact(
                "action_point", point.pk, point.text[:80], due_on=point.due_on,
                status=point.status, owner_id=point.owner_id))
    return facts


def _record_url(item: rules.Overdue, facts: _CountryFacts) -> str:
    if item.record == "mission_recommendation":
        return _url(RECORD_PAGES[item.record], facts.recommendation_missions.get(
            item.record_id or 0))
    if item.record == "country":
        return reverse("risk:sra_list")
    return _url(RECORD_PAGES.get(item.record, ""), item.record_id)


def _duties_of(function: str, appointment: Appointment | None, facts: _CountryFacts,
               on: dt.date, settings: rules.Settings) -> list[OverdueDuty]:
    found: list[OverdueDuty] = []
    for kind in rules.DUTIES[function]:
        if kind is rules.DutyKind.ACTION_POINTS:
            if appointment is None:
                continue
            kind_facts = facts.actions_by_owner.get(appointment.user_id, [])
        elif kind is rules.DutyKind.MOSS_ASSESSMENT and appointment is not None \
                and appointment.duty_station_id is not None:
            station_fact = facts.moss_by_station.get(appointment.duty_station_id)
            kind_facts = [station_fact] if station_fact is not None else []
        else:
            kind_facts = facts.by_kind.get(kind, [])
        for item in rules.overdue(kind, kind_facts, on, settings):
            found.append(OverdueDuty(
                function=function, holder=appointment.user if appointment else None,
                appointment_id=appointment.pk if appointment else None, kind=kind,
                record=item.record, record_id=item.record_id, record_label=item.label,
                url=_record_url(item, facts), due_on=item.due_on,
                days_overdue=item.days_overdue))
    return found


# Functions whose duties are the country's even while nobody holds them.
COUNTRY_FUNCTIONS = (Function.DESIGNATED_OFFICIAL, Function.CHIEF_SECURITY_ADVISER)


def overdue_duties(*, user: AnyUser, country_id: int, on: dt.date | None = None
                   ) -> list[OverdueDuty]:
    """The duties of each function in the country that are overdue on ``on`` (today), each
    with its holder (None while the function is vacant), by function. Empty for a country
    the user does not see."""
    if not _country_ids_seen(user, country_id):
        return []
    on = on or timezone.localdate()
    country = Country.objects.get(pk=country_id)
    facts = _facts(country, on)
    settings = _coordination_settings()
    held = holders(country_id=country_id, on=on)
    found: list[OverdueDuty] = []
    order = {f: i for i, f in enumerate(Function.values)}
    for function in sorted(rules.DUTIES, key=order.__getitem__):
        mine = [a for a in held if a.function == function]
        if not mine and function in COUNTRY_FUNCTIONS:
            found += _duties_of(function, None, facts, on, settings)
        for appointment in mine:
            found += _duties_of(function, appointment, facts, on, settings)
    return found


# --- Lists and pages --------------------------------------------------------------------------

def appointments_seen(user: AnyUser) -> QuerySet[Appointment]:
    return visible(user, Perm.VIEW_COORDINATION, Appointment.objects.all())


def appointment_list(*, user: AnyUser, country: Any = None, function: str = "",
                     include_ended: bool = False, search: str = "",
                     on: dt.date | None = None) -> QuerySet[Appointment]:
    """Appointments the user sees: those in force (and those to come), or every one ever
    made with ``include_ended``."""
    qs = _related(appointments_seen(user))
    if not include_ended:
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on or timezone.localdate()))
    qs = searched(qs, search, "user__username__icontains", "user__last_name__icontains",
                  "user__first_name__icontains", "reference__icontains",
                  "organization__code__iexact", "zone__icontains")
    return narrowed(qs, country_id=country or None, function=function)


def appointment_get(*, user: AnyUser, pk: Any) -> Appointment:
    return get_visible(user, Perm.VIEW_COORDINATION, _related(Appointment.objects.all()), pk=pk)


def appointment_editable(*, user: AnyUser, pk: Any) -> Appointment:
    return get_visible(user, Perm.MANAGE_APPOINTMENTS, _related(Appointment.objects.all()),
                       pk=pk)


def appointment_history(*, appointment: Appointment) -> list[Appointment]:
    """Every holder of the same function in the same place, the latest first."""
    return list(_related(Appointment.objects.filter(
        function=appointment.function, country_id=appointment.country_id,
        security_area_id=appointment.security_area_id,
        duty_station_id=appointment.duty_station_id)).order_by("-starts_on", "-pk"))


def grant_state(appointment: Appointment, *, now: dt.datetime | None = None) -> str:
    """The access the appointment gave: ``made`` (in force), ``ending`` (in force, to expire),
    ``ended`` (expired); or, with no grant linked: ``kept`` (the appointee held that access
    already, and keeps it), ``revoked`` (ended with the appointment), ``removed`` (revoked
    apart from the appointment). The record of its creation in the audit log tells which."""
    grant = appointment.grant
    if grant is None:
        created = AuditEvent.objects.filter(
            action="coordination.appointment.create", object_type="coordination.appointment",
            object_id=str(appointment.pk)).values_list("changes", flat=True).first()
        made = (created or {}).get("grant", [None, None])[-1]
        if isinstance(made, str) and made.startswith("existing"):
            return "kept"
        return "revoked" if appointment.ends_on is not None and made is not None else "removed"
    now = now or timezone.now()
    if grant.expires_at is None:
        return "made"
    return "ending" if grant.expires_at > now else "ended"


def countries_seen(*, user: AnyUser) -> QuerySet[Country]:
    """Countries the user sees in coordination that have an active duty station."""
    placed = DutyStation.objects.filter(is_active=True).values("country_id")
    return visible(user, Perm.VIEW_COORDINATION, Country.objects.filter(
        pk__in=placed)).order_by("name")


@dataclass
class CountryLine:
    """A country on the accountability index: its designated officials and chief security
    advisers today, and how many gaps its places have."""

    country: Country
    designated_officials: list[Appointment]
    advisers: list[Appointment]
    gaps: int
    required: frozenset[str] = frozenset()  # the country functions that are gaps


def country_overview(*, user: AnyUser, on: dt.date | None = None, limit: int = 300
                     ) -> list[CountryLine]:
    """The countries the user sees, each with who holds its two country functions and its
    number of gaps: three reads whatever the number of countries."""
    on = on or timezone.localdate()
    countries = list(countries_seen(user=user)[:limit])
    held: dict[tuple[int, str], list[Appointment]] = defaultdict(list)
    for appointment in _related(visible(user, Perm.VIEW_COORDINATION, Appointment.objects
                                        .in_force(on).filter(
                                            country_id__in=[c.pk for c in countries],
                                            function__in=COUNTRY_FUNCTIONS))
                                ).order_by("starts_on", "pk"):
        held[(appointment.country_id, appointment.function)].append(appointment)
    found = gaps(user=user, on=on)
    counts = Counter(g.place.country_id for g in found)
    missing: dict[int, set[str]] = defaultdict(set)
    for gap in found:
        if gap.place.level == PlaceLevel.COUNTRY:
            missing[gap.place.pk].add(gap.function)
    return [CountryLine(c, held[(c.pk, Function.DESIGNATED_OFFICIAL)],
                        held[(c.pk, Function.CHIEF_SECURITY_ADVISER)], counts[c.pk],
                        frozenset(missing[c.pk])) for c in countries]


def country_get(*, user: AnyUser, pk: Any) -> Country:
    return get_visible(user, Perm.VIEW_COORDINATION, Country.objects.all(), pk=pk)


@dataclass
class FunctionRow:
    function: str
    label: str
    current: list[Appointment]
    previous: list[Appointment]
    responsibilities: list[str]
    duties: list[OverdueDuty] = field(default_factory=list)
    gaps: list[rules.Gap] = field(default_factory=list)
    upcoming: list[Appointment] = field(default_factory=list)  # held from a later day


def place_view(*, user: AnyUser, country: Country, on: dt.date | None = None,
               functions: Iterable[str] | None = None, include_ended: bool = True
               ) -> list[FunctionRow]:
    """Each function in the country: who holds it now (anywhere in the country), who will
    from a later day (the soonest first), and who held it before (the latest first).
    ``country`` was fetched through ``country_get``."""
    on = on or timezone.localdate()
    qs = _related(appointments_seen(user).filter(country=country))
    if functions:
        qs = qs.filter(function__in=list(functions))
    rows = {f: FunctionRow(f, str(Function(f).label), [], [],
                           [str(s) for s in rules.RESPONSIBILITIES[f]])
            for f in Function.values if not functions or f in functions}
    for appointment in qs.order_by("-starts_on", "-pk"):
        row = rows[appointment.function]
        if appointment.ends_on is not None and appointment.ends_on < on:
            if include_ended:
                row.previous.append(appointment)
        elif appointment.starts_on > on:
            row.upcoming.insert(0, appointment)
        else:
            row.current.append(appointment)
    return list(rows.values())


def accountability(*, user: AnyUser, country: Country, on: dt.date | None = None
                   ) -> list[FunctionRow]:
    """The accountability page of a country: each function, its holders now, what it is
    accountable for and which of those duties are overdue."""
    on = on or timezone.localdate()
    rows = place_view(user=user, country=country, on=on, include_ended=False)
    duties = overdue_duties(user=user, country_id=country.pk, on=on)
    for row in rows:
        row.duties = [d for d in duties if d.function == row.function]
    return rows


@dataclass
class MyFunction:
    appointment: Appointment
    responsibilities: list[str]
    duties: list[OverdueDuty]


def my_functions(*, user: AnyUser, on: dt.date | None = None) -> list[MyFunction]:
    """The user's own appointments in force (or to come), each with what it is accountable
    for and its overdue duties. Reads only the user's own records."""
    if not user.is_authenticated:
        return []
    on = on or timezone.localdate()
    mine = list(_related(Appointment.objects.filter(user_id=user.pk).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on))).order_by("country__name", "function"))
    # The duties each country's facts are read for: those of the functions held there now
    # (a function to come has no duties yet); the settings only where an SMT meeting is one.
    kinds: dict[int, set[rules.DutyKind]] = defaultdict(set)
    for appointment in mine:
        if appointment.starts_on <= on:
            kinds[appointment.country_id].update(rules.DUTIES[appointment.function])
    settings = (_coordination_settings() if any(rules.DutyKind.SMT_MEETING in k
                                                 for k in kinds.values())
                else rules.Settings(intervals=None))
    facts: dict[int, _CountryFacts] = {}
    result = []
    for appointment in mine:
        duties: list[OverdueDuty] = []
        if appointment.starts_on <= on:
            if appointment.country_id not in facts:
                facts[appointment.country_id] = _facts(appointment.country, on,
                                                       kinds[appointment.country_id])
            duties = _duties_of(appointment.function, appointment,
                                facts[appointment.country_id], on, settings)
        result.append(MyFunction(appointment, [str(s) for s in rules.RESPONSIBILITIES[
            appointment.function]], duties))
    return result


def requirement_list() -> QuerySet[RoleRequirement]:
    return RoleRequirement.objects.order_by("level", "from_security_level", "function")


def requirement_get(*, pk: Any) -> RoleRequirement:
    found = RoleRequirement.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound()
    return found
