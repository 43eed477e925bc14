"""Reads of protective services, need-to-know.

Who sees a protection case: a protection coordinator whose scope covers the principal
(VIEW_PROTECTION, held by no other role), and the people of the principal's designated office,
who read their own principal's cases. Nobody else, not even a global administrator. Every
page and endpoint asks ``cases_seen``/``case_get``/``may_view_case``; missing and forbidden
give the same 404. Every read of a case, one or a list, is audited as a sensitive read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Perm, can, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.core.models import AuditEvent
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.hq import protection_rules as rules
from vigil.hq.models import (
    AdvanceTask,
    NeedsAssessment,
    Principal,
    ProtectionCase,
    ProtectionDestination,
)
from vigil.people import selectors as people
from vigil.places.models import SecurityArea
from vigil.risk import rules as risk_rules
from vigil.risk import selectors as risk
from vigil.risk.models import RISK_LEVEL_LABELS, SecurityRiskAssessment
from vigil.travel import selectors as travel
from vigil.travel.models import TravelRequest

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CASE_TYPE = "hq.protectioncase"
PRINCIPAL_TYPE = "hq.principal"
HOME_DAYS = 14


# --- Principals --------------------------------------------------------------------------------

def _office_of(user: AnyUser) -> QuerySet[Principal]:
    if not user.is_authenticated:
        return Principal.objects.none()
    return Principal.objects.filter(office=user.pk)


def principals_seen(user: AnyUser) -> QuerySet[Principal]:
    """Principals a coordinator covers, and those whose office the user belongs to."""
    scoped = visible(user, Perm.VIEW_PROTECTION, Principal.objects.all()).values("pk")
    return Principal.objects.filter(Q(pk__in=scoped) | Q(pk__in=_office_of(user).values("pk")))


def may_open(user: AnyUser) -> bool:
    """Whether protective services have anything for this user: a coordinator somewhere, or a
    member of some principal's office. For the menu, the home panel and the list pages."""
    return has_perm_anywhere(user, Perm.VIEW_PROTECTION) or _office_of(user).exists()


def principal_list(*, user: AnyUser, search: str = "", active: str = ""
                   ) -> QuerySet[Principal]:
    qs = principals_seen(user).select_related("organization", "duty_station")
    qs = searched(qs, search, "name__icontains", "title__icontains",
                  "organization__code__iexact")
    return narrowed(qs, active={"yes": True, "no": False}.get(active))


def principal_get(*, user: AnyUser, pk: Any, audited: bool = True) -> Principal:
    """One principal the user may see, its read audited; else NotFound."""
    principal = principals_seen(user).select_related(
        "organization", "duty_station", "person").filter(pk=pk).first()
    if principal is None:
        raise NotFound()
    if audited:
        audit.record(actor=user, action="hq.principal.read", obj=principal,
                     object_repr=f"{Principal._meta.verbose_name} #{principal.pk}",
                     sensitive_read=True)
    return principal


def may_manage_principal(user: AnyUser, principal: Principal) -> bool:
    return can(user, Perm.MANAGE_PROTECTION, principal)


def principals_to_manage(*, user: AnyUser) -> QuerySet[Principal]:
    """Principals for whom this user may open a case: coordinators only, active ones."""
    return visible(user, Perm.MANAGE_PROTECTION, Principal.objects.filter(active=True))


def office_of(principal: Principal) -> list[Any]:
    return list(principal.office.order_by("username"))


# --- Cases -------------------------------------------------------------------------------------

def cases_seen(user: AnyUser) -> QuerySet[ProtectionCase]:
    """Cases of principals a coordinator covers, and of the principals whose office the user
    belongs to. One subquery each, no DISTINCT."""
    scoped = visible(user, Perm.VIEW_PROTECTION, ProtectionCase.objects.all()).values("pk")
    return ProtectionCase.objects.filter(
        Q(pk__in=scoped) | Q(principal__in=_office_of(user).values("pk")))


def may_view_case(user: AnyUser, case: ProtectionCase) -> bool:
    """The one rule of who may read a case: its coordinator's scope, or the principal's
    office."""
    if can(user, Perm.VIEW_PROTECTION, case):
        return True
    return user.is_authenticated and _office_of(user).filter(pk=case.principal_id).exists()


def case_list(*, user: AnyUser, search: str = "", status: str = "", principal: Any = None,
              since: dt.date | None = None, until: dt.date | None = None
              ) -> QuerySet[ProtectionCase]:
    """Cases seen, narrowed by status, principal and the trip's dates: ``since`` keeps trips
    ending on or after it, ``until`` those starting on or before it."""
    qs = cases_seen(user).select_related("principal", "principal__organization", "coordinator")
    qs = searched(qs, search, "purpose__icontains", "principal__name__icontains")
    return narrowed(qs, status=status, principal_id=principal or None, ends_on__gte=since,
                    starts_on__lte=until)


def case_get(*, user: AnyUser, pk: Any, audited: bool = True) -> ProtectionCase:
    """One case the user may read, its read audited; else NotFound, the same for missing and
    forbidden."""
    case = cases_seen(user).select_related(
        "principal", "principal__organization", "principal__duty_station", "coordinator",
        "decided_by", "trip_request").filter(pk=pk).first()
    if case is None:
        raise NotFound()
    if audited:
        audit.record(actor=user, action="hq.protection_case.read", obj=case,
                     object_repr=case.reference, sensitive_read=True)
    return case


def audit_case_list(*, user: AnyUser, cases: Sequence[ProtectionCase], query: str,
                    where: str = "list") -> None:
    """One audited read per page of cases shown, naming the cases by id (the search typed is
    left out: it may name a principal)."""
    audit.record(actor=user, action="hq.protection_case.list", object_type=CASE_TYPE,
                 changes={"filtered": bool(query), "where": where, "rows": len(cases),
                          "ids": [c.pk for c in cases]}, sensitive_read=True)


def audit_principal_list(*, user: AnyUser, principals: Sequence[Principal], query: str) -> None:
    audit.record(actor=user, action="hq.principal.list", object_type=PRINCIPAL_TYPE,
                 changes={"filtered": bool(query), "rows": len(principals),
                          "ids": [p.pk for p in principals]}, sensitive_read=True)


def destinations_of(case: ProtectionCase) -> list[ProtectionDestination]:
    return list(case.destinations.select_related("country", "duty_station",
                                                 "duty_station__security_area"))


def assessment_of(case: ProtectionCase) -> NeedsAssessment | None:
    return NeedsAssessment.objects.filter(case=case).select_related("assessed_by").first()


def tasks_of(assessment: NeedsAssessment | None) -> list[Any]:
    return list(assessment.tasks.all()) if assessment is not None else []


@dataclass(frozen=True)
class TimelineEntry:
    """One write to a case, its assessment or an advance task, as the case page tells it."""

    event: AuditEvent
    task: AdvanceTask | None  # the advance task the event changed, if it was one


def task_lock(case: ProtectionCase) -> rules.TaskLock | None:
    """Why the case's advance tasks may not change today, None when they may."""
    return rules.task_lock(case.status, case.decision, case.ends_on, timezone.localdate())


def case_timeline(case: ProtectionCase) -> list[TimelineEntry]:
    """What was done to the case, its assessment and its advance tasks, oldest first: the
    audit log's writes (reads are left out, they are in the audit log itself)."""
    assessment = NeedsAssessment.objects.filter(case=case).values_list("pk", flat=True).first()
    condition = Q(object_type=CASE_TYPE, object_id=str(case.pk))
    tasks: dict[str, AdvanceTask] = {}
    if assessment is not None:
        condition |= Q(object_type="hq.needsassessment", object_id=str(assessment))
        tasks = {str(t.pk): t for t in AdvanceTask.objects.filter(assessment_id=assessment)}
        if tasks:
            condition |= Q(object_type="hq.advancetask", object_id__in=list(tasks))
    events = AuditEvent.objects.filter(condition, sensitive_read=False).select_related(
        "actor").order_by("seq")
    return [TimelineEntry(e, tasks.get(e.object_id) if e.object_type == "hq.advancetask"
                          else None) for e in events]


def timeline_zone(*, user: AnyUser, case: ProtectionCase) -> tuple[str, str]:
    """The time zone the case's times are shown in, and the place it is of: the viewer's own
    duty station, else the principal's home duty station."""
    own = people.person_of_user(user=user)
    if own is not None and own.duty_station_id is not None:
        return own.duty_station.time_zone, own.duty_station.name
    return case.principal.duty_station.time_zone, case.principal.duty_station.name


def threat_rows(assessment: NeedsAssessment | None) -> list[dict[str, Any]]:
    """The stored threat picture, each residual risk with its risk level's label (from risk's
    labels, in the reader's language)."""
    if assessment is None:
        return []
    rows = []
    for entry in assessment.threat_picture:
        risks = [{**r, "residual_label": RISK_LEVEL_LABELS.get(r.get("residual"),
                                                               r.get("residual"))}
                 for r in entry.get("risks", [])]
        top = entry.get("highest_residual")
        rows.append({**entry, "risks": risks,
                     "highest_residual_label": RISK_LEVEL_LABELS.get(top, top) if top else ""})
    return rows


# --- The home queue ----------------------------------------------------------------------------

def queue(*, user: AnyUser, today: dt.date | None = None) -> dict[str, list[ProtectionCase]]:
    """The coordinator's queue: cases to assess, cases to decide, and trips of open or
    approved cases starting within the next 14 days."""
    today = today or timezone.localdate()
    qs = visible(user, Perm.MANAGE_PROTECTION, ProtectionCase.objects.select_related(
        "principal")).order_by("starts_on", "pk")
    to_assess = qs.filter(status__in=[rules.CaseStatus.REQUESTED,
                                      rules.CaseStatus.UNDER_ASSESSMENT])
    to_decide = visible(user, Perm.DECIDE_PROTECTION, qs).filter(
        status=rules.CaseStatus.ASSESSED)
    soon = qs.filter(starts_on__gte=today, starts_on__lte=today + dt.timedelta(days=HOME_DAYS)
                     ).filter(Q(status__in=rules.OPEN_STATES) | Q(
                         status=rules.CaseStatus.DECIDED, decision__in=[
                             rules.Decision.APPROVED, rules.Decision.APPROVED_WITH_CHANGES]))
    return {"to_assess": list(to_assess[:10]), "to_decide": list(to_decide[:10]),
            "soon": list(soon[:10])}


def office_cases(*, user: AnyUser) -> list[ProtectionCase]:
    """Open and coming cases of the principals whose office the user belongs to."""
    if not user.is_authenticated:
        return []
    return list(ProtectionCase.objects.filter(
        principal__in=_office_of(user).values("pk"),
        ends_on__gte=timezone.localdate()).exclude(status=rules.CaseStatus.CANCELLED)
        .select_related("principal").order_by("starts_on", "pk")[:10])


# --- The threat picture, read from risk --------------------------------------------------------

def _country_level(country_id: int) -> int | None:
    """The highest level in force among a country's security areas."""
    level: int | None = risk.with_level(SecurityArea.objects.filter(
        country_id=country_id)).aggregate(top=Max("current_level"))["top"]
    return level


def _sra_in_force(country_id: int, area_id: int | None, on: dt.date
                  ) -> SecurityRiskAssessment | None:
    """The approved (or endorsed) SRA valid on ``on`` for the area, else for the whole
    country."""
    valid = SecurityRiskAssessment.objects.filter(
        country_id=country_id, status__in=risk_rules.APPROVED_STATES, valid_from__lte=on,
        valid_until__gte=on).order_by("-valid_from", "-pk")
    if area_id is not None:
        own = valid.filter(security_area_id=area_id).first()
        if own is not None:
            return own
    return valid.filter(security_area__isnull=True).first()


def threat_entry(destination: ProtectionDestination, on: dt.date) -> dict[str, Any]:
    """The threat picture at one destination, as a plain snapshot to store."""
    station = destination.duty_station
    area = station.security_area if station is not None else None
    if area is not None:
        level, basis = risk.level_in_force(area.pk), "area"
    else:
        level, basis = _country_level(destination.country_id), "country"
    sra = _sra_in_force(destination.country_id, area.pk if area else None, on)
    risks: list[dict[str, Any]] = []
    top: str | None = None
    if sra is not None:
        rows = risk.register(sra=sra)
        top = risk_rules.highest(r.residual for r in rows)
        ranked = sorted(rows, key=lambda r: (-risk_rules.rank(r.residual), r.entry.position))
        risks = [{"category": r.entry.threat_category,
                  "category_label": str(r.entry.get_threat_category_display()),
                  "threat": r.entry.description[:300], "residual": r.residual}
                 for r in ranked[:3]]
    return {
        "destination": destination.pk, "place": str(destination),
        "country": destination.country.iso2, "area": area.name if area else "",
        "level": level, "level_basis": basis if level is not None else "none",
        "sra": None if sra is None else {
            "id": sra.pk, "title": sra.title, "status": sra.status,
            "valid_until": sra.valid_until.isoformat()},
        "highest_residual": top, "risks": risks,
    }


def threat_picture(destinations: Iterable[ProtectionDestination],
                   on: dt.date | None = None) -> list[dict[str, Any]]:
    on = on or timezone.localdate()
    return [threat_entry(d, on) for d in destinations]


# --- TRIP -------------------------------------------------------------------------------------

def trip_requests(*, user: AnyUser, principal: Principal | None) -> QuerySet[TravelRequest]:
    """The TRIP requests of the principal's staff record, when the user plans that
    principal's protection: a coordinator needs to know the trips of the principal, and only
    those (the role gives no other travel record)."""
    if principal is None or principal.person_id is None or \
            not can(user, Perm.MANAGE_PROTECTION, principal):
        return TravelRequest.objects.none()
    return travel.requests_of_travellers([principal.person_id])


def trip_request_choices(*, user: AnyUser, principals: QuerySet[Principal]
                         ) -> QuerySet[TravelRequest]:
    """The TRIP requests a case may cover: those of the principals' staff records among the
    principals the user plans protection for, the latest first."""
    managed = visible(user, Perm.MANAGE_PROTECTION, principals)
    persons = managed.exclude(person__isnull=True).values("person_id")
    return travel.requests_of_travellers(persons).order_by("-starts_at", "-pk")


def trip_stops(request: TravelRequest) -> list[dict[str, Any]]:
    """A request's itinerary as destinations: each leg's arrival place, in order, from the
    day of arrival to the day the next leg leaves (or the stay ends). The return home is not a
    destination."""
    legs = list(request.segments.select_related("destination_station", "destination_country")
                .order_by("position"))
    stops = []
    home = legs[0].origin_country_id if legs else None
    for index, leg in enumerate(legs):
        last = index == len(legs) - 1
        if last and len(legs) > 1 and leg.destination_country_id == home:
            break
        zone = ZoneInfo(leg.destination_tz)
        leaves = legs[index + 1].departs_at if not last else (leg.stays_until or leg.arrives_at)
        arrives_on = leg.arrives_at.astimezone(zone).date()
        stops.append({"country": leg.destination_country, "duty_station":
                      leg.destination_station, "city": leg.destination_name[:150],
                      "arrives_on": arrives_on,
                      "departs_on": max(leaves.astimezone(zone).date(), arrives_on)})
    return stops


# --- The seed's indicator SP1.b ----------------------------------------------------------------

# How a case reaches a country, a duty station and an organization: through its principal's
# home duty station and organization (the scope a case is seen in), not the trip's places.
CASE_PATHS = SlicePaths(country="principal__duty_station__country",
                        duty_station="principal__duty_station",
                        organization="principal__organization")


@overload
def assessed_cases(since: dt.date, until: dt.date) -> QuerySet[ProtectionCase]: ...


@overload
def assessed_cases(since: dt.date, until: dt.date, *, within: Slice
                   ) -> QuerySet[ProtectionCase] | None: ...


def assessed_cases(since: dt.date, until: dt.date, *, within: Slice | None = None
                   ) -> QuerySet[ProtectionCase] | None:
    """Travel cases reviewed in which the principal's protection needs were assessed: the
    assessment was submitted for decision (completed) within the period, from ``since`` to
    ``until`` both included (days in UTC, the server's time zone). A case counts once,
    whatever became of it since (decided, declined or cancelled after its assessment), and
    in the period of its last submission. The count of SP1.b; an aggregate, with no name in
    it: a system read, never a list for a reader (``cases_seen`` narrows it). ``within``
    keeps the cases of principals of one region, country, duty station (their home) or
    organization."""
    condition = (within or Slice.system()).q(CASE_PATHS)
    if condition is None:
        return None
    return ProtectionCase.objects.filter(condition,
                                         assessment__completed_at__date__gte=since,
                                         assessment__completed_at__date__lte=until)
