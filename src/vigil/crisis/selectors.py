"""Reads of crisis management, narrowed to what the reader may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from vigil.core.authz import (
    Perm,
    account_or_none,
    can,
    get_visible,
    has_perm_anywhere,
    holds_globally,
    visible,
)
from vigil.core.errors import Forbidden
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.crisis.models import (
    AccountEntry,
    AccountStatus,
    Broadcast,
    CapAlert,
    Crisis,
    CrisisSettings,
    Delivery,
    ScheduledCheckIn,
)
from vigil.crisis.rules import ACCOUNTED, share, timeliness
from vigil.incidents.models import Incident
from vigil.people.models import Person
from vigil.travel.selectors import count_in_polygon, whereabouts_scope, who_is_in_polygon

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.travel.selectors import Row


def crisis_list(*, user: AnyUser, search: str = "", status: str = "",
                country: str = "") -> QuerySet[Crisis]:
    qs = crises_seen(user).select_related("country", "security_area", "incident",
                                          "declared_by")
    qs = narrowed(searched(qs, search, "title__icontains", "description__icontains"),
                  status=status, country__iso2=country.upper())
    return qs.annotate(headcount=Count("entries", distinct=True),
                       accounted=Count("entries", filter=Q(entries__status__in=ACCOUNTED),
                                       distinct=True)).order_by("-activated_at", "-pk")


def crises_seen(user: AnyUser) -> QuerySet[Crisis]:
    """The crises in the reader's scope, and those where the reader accounts for some people
    on the headcount (a warden of a duty station or an organization)."""
    accounted = visible(user, Perm.ACCOUNT_FOR, AccountEntry.objects.all()).values("crisis_id")
    return Crisis.objects.filter(Q(pk__in=visible(user, Perm.VIEW_CRISIS,
                                                  Crisis.objects.all()).values("pk"))
                                 | Q(pk__in=accounted))


def crisis_get(*, user: AnyUser, pk: Any) -> Crisis:
    found = crises_seen(user).select_related(
        "country", "security_area", "incident", "declared_by", "closed_by").filter(pk=pk).first()
    if found is None:
        from vigil.core.errors import NotFound

        raise NotFound()
    return found


def entries(*, user: AnyUser, crisis: Crisis, status: str = "", organization: str = "",
            search: str = "", place: str = "") -> QuerySet[AccountEntry]:
    """The headcount of a crisis the user may see. Readers of the crisis see every entry;
    a warden or officer scoped to an organization or duty station sees theirs."""
    qs = AccountEntry.objects.filter(crisis=crisis).select_related(
        "person", "dependant", "organization", "duty_station", "status_by")
    if not can(user, Perm.VIEW_CRISIS, crisis):
        qs = visible(user, Perm.ACCOUNT_FOR, qs)
    if status == "unaccounted":
        qs = qs.exclude(status__in=ACCOUNTED)
    elif status:
        qs = qs.filter(status=status)
    qs = searched(narrowed(qs, organization__code=organization.upper()), place,
                  "duty_station__code", "place")
    return searched(qs, search, "person__family_name__icontains",
                    "person__given_name__icontains", "dependant__family_name__icontains",
                    "person__index_number")


def households(*, crisis_id: int, people: Iterable[int] | QuerySet[Person]
               ) -> QuerySet[AccountEntry]:
    """The households of ``people`` (staff members, or their ids) on a crisis's headcount:
    each staff member's own entry and the entries of their dependants. A message reaches the
    household through the staff member; the staff member answers for it."""
    return AccountEntry.objects.filter(crisis_id=crisis_id, person__in=people)


def answering_entries(*, crisis_id: int, people: Iterable[int] | QuerySet[Person]
                      ) -> dict[int, int]:
    """Staff member id -> the entry of their household that carries their answer: their own,
    failing that (a dependant alone in the zone) one of their dependants'."""
    found: dict[int, int] = {}
    for pk, person_id, dependant_id in households(crisis_id=crisis_id, people=people) \
            .order_by("pk").values_list("pk", "person_id", "dependant_id"):
        if dependant_id is None:
            found[person_id] = pk
        else:
            found.setdefault(person_id, pk)
    return found


def board(crisis: Crisis, *, user: AnyUser) -> dict[str, Any]:
    """Counts of the headcount the user may see (a warden of one duty station counts their
    people, not the whole crisis): by status, and accounted for by organization and place."""
    qs = entries(user=user, crisis=crisis).order_by()
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")))
    total = sum(by_status.values())
    accounted = sum(n for s, n in by_status.items() if s in ACCOUNTED)
    accounted_q = Q(status__in=ACCOUNTED)

    def grouped(key: str, label: str) -> list[dict[str, Any]]:
        rows = qs.values(key, label).annotate(total=Count("pk"),
                                              accounted=Count("pk", filter=accounted_q),
                                              help=Count("pk", filter=Q(
                                                  status=AccountStatus.NEEDS_HELP)))
        out = [{"key": r[key], "label": r[label] or "", "total": r["total"],
                "accounted": r["accounted"], "help": r["help"],
                "pct": share(r["accounted"], r["total"])} for r in rows]
        return sorted(out, key=lambda r: (-r["total"], r["label"]))

    return {
        "total": total, "accounted": accounted, "pct": share(accounted, total),
        "statuses": [{"key": s.value, "label": str(s.label), "n": by_status.get(s.value, 0)}
                     for s in AccountStatus],
        "organizations": grouped("organization__code", "organization__name"),
        "places": grouped("duty_station__code", "duty_station__name"),
    }


def broadcasts(*, crisis: Crisis) -> QuerySet[Broadcast]:
    return crisis.broadcasts.annotate(
        recipients=Count("deliveries__person", distinct=True),
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status__in=[
            Delivery.Status.PENDING, Delivery.Status.SENDING]))).select_related("created_by")


def broadcasts_seen(user: AnyUser) -> QuerySet[Broadcast]:
    """Messages of the crises the user sees; a message outside a crisis, to its sender and
    to global readers of crises."""
    crises = visible(user, Perm.VIEW_CRISIS, Crisis.objects.all())
    outside = Q(crisis__isnull=True, kind=Broadcast.Kind.BROADCAST)
    if not holds_globally(user, Perm.VIEW_CRISIS):
        outside &= Q(created_by_id=user.pk)
    return Broadcast.objects.filter(Q(crisis__in=crises) | outside)


def broadcast_get(*, user: AnyUser, pk: Any) -> Broadcast:
    found = broadcasts_seen(user).select_related("crisis", "created_by").filter(pk=pk).first()
    if found is None:
        from vigil.core.errors import NotFound

        raise NotFound()
    return found


def checkins(*, user: AnyUser, open_only: bool = False) -> QuerySet[ScheduledCheckIn]:
    """Scheduled check-ins: a traveller's own; an officer's in scope."""
    qs = visible(user, Perm.CHECK_IN, ScheduledCheckIn.objects.select_related(
        "person", "security_area"))
    if open_only:
        qs = qs.filter(answered_at__isnull=True)
    return qs


def own_checkins(*, user: AnyUser) -> QuerySet[ScheduledCheckIn]:
    """The scheduled check-ins the user, as a traveller, has yet to answer."""
    traveller = account_or_none(user)
    if traveller is None:
        return ScheduledCheckIn.objects.none()
    return checkins(user=user, open_only=True).filter(person__user=traveller)


# How a crisis reaches the places a programme figure is computed for (core.slices): it names
# its country, never a duty station nor an organization.
CRISIS_PATHS = SlicePaths(country="country")


def crises_activated(*, user: AnyUser | None, since: dt.datetime | None = None,
                     until: dt.datetime | None = None, within: Slice | None = None
                     ) -> QuerySet[Crisis] | None:
    """The crises activated from ``since`` (included) to ``until`` (excluded), in the
    reader's scope (``user`` None: every crisis, for a programme figure) and in the slice;
    None when the slice cannot hold crises (a duty station, an organization)."""
    qs = Crisis.objects.select_related("country")
    if user is not None:
        qs = visible(user, Perm.VIEW_CRISIS, qs)
    if since is not None:
        qs = qs.filter(activated_at__gte=since)
    if until is not None:
        qs = qs.filter(activated_at__lt=until)
    if within is None:
        return qs
    condition = within.q(CRISIS_PATHS)
    return None if condition is None else qs.filter(condition)


def activation_timeliness(*, user: AnyUser | None, since: dt.datetime | None = None,
                          until: dt.datetime | None = None, within: Slice | None = None
                          ) -> dict[str, Any]:
    """SP2.1.b.ii, timely activation of crisis management: of the crises activated in the
    period (see ``crises_activated``), how many were activated within the configured hours
    of their triggering incident, and the median delay; with ``"applicable": False`` added
    when the slice cannot hold crises."""
    qs = crises_activated(user=user, since=since, until=until, within=within)
    hours = CrisisSettings.load().timely_activation_hours
    if qs is None:
        return {**timeliness([], hours), "applicable": False}
    return timeliness(((a - i).total_seconds() / 3600
                       for a, i in qs.values_list("activated_at", "incident_at")), hours)


# --- CAP alerts received, and the people inside a hazard's area ----------------------------------

def cap_alerts_seen(user: AnyUser) -> QuerySet[CapAlert]:
    """The CAP alerts whose incident the reader may see, newest sent first."""
    incidents = visible(user, Perm.VIEW_INCIDENT, Incident.objects.all())
    return CapAlert.objects.filter(incident__in=incidents.values("pk")).select_related(
        "incident", "feed").order_by("-sent", "-pk")


@dataclass(frozen=True)
class PeopleInArea:
    """What a reader may know of the people presumed inside an incident's area at ``at``:
    their names (``rows``), or only how many they are (``count``), or neither."""

    incident: Incident
    at: dt.datetime
    rows: list[Row] | None = None
    count: int | None = None


def people_in_area_offered(user: AnyUser) -> bool:
    """Whether people_in_area tells this reader anything of the people: names or a number."""
    return whereabouts_scope(user).anything or has_perm_anywhere(user, Perm.VIEW_COVERAGE)


def people_in_area(*, user: AnyUser, pk: Any, at: dt.datetime) -> PeopleInArea:
    """The one rule of "people in the area" (a CAP hazard's polygons and circles). The page
    is open to the readers of the incident: the officers of its country (or area), and for
    an incident without a country the global roles that read incidents. Names go to those
    who may see whereabouts, within their whereabouts scope; a reader of the whereabouts
    coverage (an administrator, the DRO desk, a programme manager) gets the number, without
    names, over the people of their coverage scope. Forbidden to a user who reads no
    incidents; NotFound for an incident missing or out of scope."""
    if not has_perm_anywhere(user, Perm.VIEW_INCIDENT):
        raise Forbidden()
    incident = get_visible(user, Perm.VIEW_INCIDENT, Incident.objects.select_related(
        "category"), pk=pk)
    geometry = incident.area_geometry
    if whereabouts_scope(user).anything:
        return PeopleInArea(incident, at, rows=who_is_in_polygon(
            user=user, geometry=geometry, at=at) if geometry else [])
    if has_perm_anywhere(user, Perm.VIEW_COVERAGE):
        return PeopleInArea(incident, at, count=count_in_polygon(
            user=user, geometry=geometry, at=at) if geometry else 0)
    return PeopleInArea(incident, at)
