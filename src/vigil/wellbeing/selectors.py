"""Reads of critical-incident stress support: the one place that decides who sees a case.

A case's content is seen by exactly two people: the counsellor assigned to it, and the staff
member it concerns (not a dependant's case: a dependant has no account, and the staff member
is not told of their family's counselling). No role opens a case: not an administrator, not a
programme manager, not a counsellor who is not assigned. Every read of a case, one or a list,
is audited as a sensitive read.

Counsellors see, besides their own cases, the proposed cases in their scope waiting for a
counsellor, by reference, origin, duty station and date only: no name and no content until
they take one. Everyone holding VIEW_WELLBEING_COUNTS sees counts, suppressed below the
minimum cell size (rules.suppress_table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear

from vigil.core import audit
from vigil.core.authz import Perm, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.core.slices import Slice, SlicePaths
from vigil.incidents.models import AffectedPerson
from vigil.people.models import Person
from vigil.places.models import DutyStation
from vigil.risk import selectors as risk
from vigil.wellbeing import rules
from vigil.wellbeing.models import Briefing, Case, Contact, Counsellor

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CASE_TYPE = "wellbeing.case"
HIGH_RISK_LEVEL = 4
BRIEFING_MONTHS = 12


def minimum_cell() -> int:
    """The minimum cell size of every count (settings.VIGIL_WELLBEING_MIN_CELL, default 5)."""
    value = int(getattr(settings, "VIGIL_WELLBEING_MIN_CELL", rules.DEFAULT_MINIMUM_CELL))
    return max(value, 2)


# --- Cases -------------------------------------------------------------------------------------

def cases_seen(user: AnyUser) -> QuerySet[Case]:
    """The cases whose content this user may read: assigned to them, or about them."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(Q(counsellor__user_id=user.pk)
                               | Q(person__user_id=user.pk, dependant__isnull=True))


def may_read(user: AnyUser, case: Case) -> bool:
    if not user.is_authenticated:
        return False
    if case.counsellor_id is not None and case.counsellor is not None \
            and case.counsellor.user_id == user.pk:
        return True
    return case.dependant_id is None and case.person.user_id == user.pk


def _with_parts(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("person", "dependant", "incident", "counsellor", "duty_station",
                             "country", "organization")


def case_get(*, user: AnyUser, pk: Any) -> Case:
    """One case the user may read, the read audited; missing and forbidden both NotFound."""
    try:
        case = _with_parts(cases_seen(user)).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        case = None
    if case is None:
        raise NotFound()
    audit.record(actor=user, action="wellbeing.case.read", obj=case,
                 object_repr=case.reference, sensitive_read=True)
    return case


def case_list(*, user: AnyUser) -> QuerySet[Case]:
    """The cases this user may read, with what a page of them shows. Callers audit."""
    return _with_parts(cases_seen(user)).prefetch_related("sessions")


def audit_list(*, user: AnyUser, query: str, rows: int, where: str = "list") -> None:
    audit.record(actor=user, action="wellbeing.case.list", object_type=CASE_TYPE,
                 changes={"query": query, "rows": rows, "where": where}, sensitive_read=True)


def counsellor_cases(*, user: AnyUser, status: str = "", search: str = "") -> QuerySet[Case]:
    """The cases assigned to this counsellor. Callers audit the page they show."""
    qs = _with_parts(Case.objects.filter(counsellor__user_id=user.pk)) \
        if user.is_authenticated else Case.objects.none()
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(person__family_name__icontains=search)
                       | Q(person__index_number=search))
    return qs.annotate(has_contact=Exists(Contact.objects.filter(case=OuterRef("pk"))))


def my_cases(*, user: AnyUser) -> QuerySet[Case]:
    """The cases about the user themself."""
    if not user.is_authenticated:
        return Case.objects.none()
    return _with_parts(Case.objects.filter(person__user_id=user.pk, dependant__isnull=True))


def to_pick_up(*, user: AnyUser) -> QuerySet[Case]:
    """Proposed cases with no counsellor, in this counsellor's scope. Pages show only their
    reference, origin, duty station and date."""
    qs = Case.objects.filter(status=Case.Status.PROPOSED, counsellor__isnull=True)
    return visible(user, Perm.COUNSEL, qs).select_related("duty_station", "country") \
        .order_by("proposed_at", "pk")


def pick_up_get(*, user: AnyUser, pk: Any) -> Case:
    case = to_pick_up(user=user).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def counsellor_of(*, user: AnyUser) -> Counsellor | None:
    if not user.is_authenticated:
        return None
    return Counsellor.objects.filter(user_id=user.pk, active=True).first()


def is_counsellor(user: AnyUser) -> bool:
    return has_perm_anywhere(user, Perm.COUNSEL)


def person_of(*, user: AnyUser) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user_id=user.pk).first()


def case_timeline(case: Case) -> dict[str, Any]:
    """The first contact with the time since the incident, and the sessions."""
    contact = Contact.objects.filter(case=case).first()
    span = rules.elapsed(case.incident.occurred_at if case.incident else None,
                         contact.at) if contact else None
    return {"contact": contact, "elapsed_hours": rules.elapsed_hours(span),
            "timely": rules.timely(span), "sessions": list(case.sessions.all()),
            "timely_hours": rules.TIMELY_HOURS}


# --- Counsellors -------------------------------------------------------------------------------

def counsellor_list(*, user: AnyUser, search: str = "", active: str = ""
                    ) -> QuerySet[Counsellor]:
    """The roster, for its administrators (no case content: not even a count per person)."""
    qs = visible(user, Perm.MANAGE_COUNSELLING, Counsellor.objects.all())
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(organization_name__icontains=search)
                       | Q(languages__icontains=search))
    if active in {"yes", "no"}:
        qs = qs.filter(active=active == "yes")
    return qs.prefetch_related("duty_stations").select_related("user")


def counsellor_get(*, user: AnyUser, pk: Any) -> Counsellor:
    found = counsellor_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


# --- Briefings ---------------------------------------------------------------------------------

def may_view_briefings(user: AnyUser) -> bool:
    return any(has_perm_anywhere(user, p) for p in (Perm.COUNSEL, Perm.VIEW_WELLBEING_COUNTS))


def briefings_seen(user: AnyUser) -> QuerySet[Briefing]:
    scoped = (visible(user, Perm.COUNSEL, Briefing.objects.all()).values("pk"),
              visible(user, Perm.VIEW_WELLBEING_COUNTS, Briefing.objects.all()).values("pk"))
    return Briefing.objects.filter(Q(pk__in=scoped[0]) | Q(pk__in=scoped[1]))


def briefing_list(*, user: AnyUser, search: str = "", audience: str = "",
                  country: str = "") -> QuerySet[Briefing]:
    qs = briefings_seen(user).select_related("duty_station", "duty_station__country",
                                             "facilitator")
    if search:
        qs = qs.filter(Q(topic__icontains=search) | Q(duty_station__name__icontains=search))
    if audience:
        qs = qs.filter(audience=audience)
    if country:
        qs = qs.filter(duty_station__country__iso2__iexact=country)
    return qs


def briefing_get(*, user: AnyUser, pk: Any) -> Briefing:
    found = briefing_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def briefing_stations(*, user: AnyUser) -> QuerySet[DutyStation]:
    """The duty stations where this counsellor may record a briefing."""
    return visible(user, Perm.COUNSEL, DutyStation.objects.all()).order_by("name")


def stations_without_briefing(*, user: AnyUser, today: dt.date) -> list[dict[str, Any]]:
    """High-risk duty stations (security level 4 or above) in the counsellor's scope where no
    briefing was held in the past twelve months: preparedness to plan."""
    since = today - dt.timedelta(days=BRIEFING_MONTHS * 31)
    covered = set(Briefing.objects.filter(held_on__gte=since, held_on__lte=today)
                  .values_list("duty_station_id", flat=True))
    found = []
    for station in (visible(user, Perm.COUNSEL, DutyStation.objects.all()).exclude(pk__in=covered)
                    .select_related("country").order_by("name")[:200]):
        level = risk.level_in_force(station.security_area_id)
        if level is not None and level >= HIGH_RISK_LEVEL:
            found.append({"station": station, "level": level})
    return found


# --- Counts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CountTable:
    """A one-way table of counts, already suppressed."""

    dimension: str
    rows: list[tuple[str, rules.Cell]]
    total: rules.Cell


def _counted(user: AnyUser) -> QuerySet[Case]:
    return visible(user, Perm.VIEW_WELLBEING_COUNTS, Case.objects.all())


def may_view_counts(user: AnyUser) -> bool:
    return has_perm_anywhere(user, Perm.VIEW_WELLBEING_COUNTS)


def _table(dimension: str, counts: Iterable[tuple[str, int]], minimum: int) -> CountTable:
    ordered = dict(counts)
    cells, total = rules.suppress_table(ordered, minimum)
    return CountTable(dimension, [(label, cells[label]) for label in ordered], total)


def case_counts(*, user: AnyUser, year: int | None = None, status: str = ""
                ) -> list[CountTable]:
    """Cases by quarter, by country, by organization and by origin: counts only, each table
    suppressed below the minimum cell size."""
    qs = _counted(user)
    if year:
        qs = qs.filter(proposed_at__year=year)
    if status:
        qs = qs.filter(status=status)
    minimum = minimum_cell()
    quarters = (qs.annotate(y=ExtractYear("proposed_at"), q=ExtractQuarter("proposed_at"))
                .values("y", "q").annotate(n=Count("pk")).order_by("y", "q"))
    countries = (qs.values("country__name").annotate(n=Count("pk"))
                 .order_by("country__name"))
    organizations = (qs.values("organization__code").annotate(n=Count("pk"))
                     .order_by("organization__code"))
    origins = dict(qs.values_list("origin").annotate(n=Count("pk")).order_by("origin"))
    return [
        _table("quarter", [(rules.quarter_label(r["y"], r["q"]), r["n"]) for r in quarters],
               minimum),
        _table("country", [(r["country__name"], r["n"]) for r in countries], minimum),
        _table("organization", [(r["organization__code"], r["n"]) for r in organizations],
               minimum),
        _table("origin", [(str(label), origins.get(value, 0))
                          for value, label in Case.Origin.choices], minimum),
    ]


@dataclass(frozen=True)
class IndicatorRow:
    label: str
    share: rules.Proportion


# How a person recorded as affected reaches a slice: the incident's country (and so its
# region), the staff member's duty station and organization.
AFFECTED_PATHS = SlicePaths(country="incident__country", duty_station="person__duty_station",
                            organization="person__organization")


def _affected_staff(where: Q, people: Any = None, *, first: dt.date | None = None,
                    last: dt.date | None = None) -> QuerySet[AffectedPerson]:
    """Staff members (never a dependant) recorded as affected by a reported incident that
    occurred from ``first`` to ``last`` (UTC days, both included), inside ``where`` (a slice's
    filter), each annotated ``got``: a first psychological-first-aid contact is recorded on
    their case, whenever it was made."""
    affected = AffectedPerson.objects.filter(where, dependant__isnull=True)
    if people is not None:
        affected = affected.filter(person__in=people)
    if first is not None:
        affected = affected.filter(incident__occurred_at__gte=dt.datetime.combine(
            first, dt.time.min, tzinfo=dt.UTC))
    if last is not None:
        affected = affected.filter(incident__occurred_at__lt=dt.datetime.combine(
            last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
    return affected.annotate(got=Exists(Contact.objects.filter(case__affected=OuterRef("pk"))))


def pfa_indicator(*, user: AnyUser, year: int | None = None) -> dict[str, Any]:
    """SP2.2.a.iii: of the staff members recorded as affected by a reported incident, the share
    who received psychological first aid or trauma support (a first contact recorded on their
    case). Counts only, by country and overall, suppressed."""
    people = visible(user, Perm.VIEW_WELLBEING_COUNTS, Person.objects.all()).values("pk")
    affected = _affected_staff(Q(), people)
    if year:
        affected = affected.filter(incident__occurred_at__year=year)
    rows = (affected.values("incident__country__name")
            .annotate(n=Count("pk"), k=Count("pk", filter=Q(got=True)))
            .order_by("incident__country__name"))
    minimum = minimum_cell()
    shares, overall = rules.suppress_proportions(
        {r["incident__country__name"] or "—": (r["k"], r["n"]) for r in rows}, minimum)
    return {"code": "SP2.2.a.iii", "overall": overall, "minimum": minimum,
            "by_country": [IndicatorRow(label, share) for label, share in shares.items()]}


def pfa_share(*, first: dt.date, last: dt.date, within: Slice | None = None
              ) -> dict[str, Any]:
    """SP2.2.a.iii over a period and a slice, for programme performance: the affected staff,
    those supported, and their proportion, suppressed like every count of wellbeing (neither
    the supported nor the others may be fewer than the minimum cell, unless none). Counts
    only: no person is named. ``applicable`` is False when the slice cannot hold them."""
    where = (within or Slice.system()).q(AFFECTED_PATHS)
    minimum = minimum_cell()
    if where is None:
        return {"applicable": False, "share": rules.proportion(0, 0, minimum),
                "minimum": minimum}
    totals = _affected_staff(where, first=first, last=last).aggregate(
        n=Count("pk"), k=Count("pk", filter=Q(got=True)))
    return {"applicable": True, "minimum": minimum,
            "share": rules.proportion(totals["k"] or 0, totals["n"] or 0, minimum)}


def years_counted(*, user: AnyUser) -> list[int]:
    return sorted({d.year for d in _counted(user).dates("proposed_at", "year")}, reverse=True)
