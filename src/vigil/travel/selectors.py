"""Reads of travel, narrowed to what the user may see. Whereabouts are personal data: each
read of them is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import (
    ROLE_PERMISSIONS,
    Grant,
    Perm,
    Reach,
    ScopeKind,
    can,
    get_visible,
    grants_of,
    has_perm_anywhere,
    visible,
)
from vigil.core.errors import Forbidden, NotFound
from vigil.core.models import RoleGrant
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.training import selectors as training
from vigil.travel import rules, whereabouts
from vigil.travel.models import (
    Advisory,
    AirOperator,
    AreaControl,
    Clearance,
    Delegation,
    Presence,
    SecurityContact,
    Segment,
    TravelRequest,
    TravelSettings,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


# --- Settings, and the facts the clearance rules read --------------------------------------------

def travel_settings() -> TravelSettings:
    return TravelSettings.objects.get_or_create(pk=1)[0]


def advisory_in_force(on: dt.date) -> Q:
    """The one rule for an advisory in force on a day: not withdrawn, issued by then, and
    not yet past its end."""
    return (Q(withdrawn=False, issued_on__lte=on)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=on)))


def advisory_applies(advisory: Advisory, on: dt.date) -> bool:
    """advisory_in_force for one advisory already read: the same rule, in Python."""
    return (not advisory.withdrawn and advisory.issued_on <= on
            and (advisory.valid_until is None or advisory.valid_until >= on))


def advisory_in_force_between(first: dt.date, last: dt.date) -> Q:
    """Advisories in force on some day from ``first`` to ``last``: the candidates that
    advisory_applies then picks from for each day."""
    return (Q(withdrawn=False, issued_on__lte=last)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=first)))


def advisories_in_force(country_id: int, area_id: int | None,
                        on: dt.date) -> list[Advisory]:
    """Advisories for the country as a whole or for the area, valid on a day."""
    place = Q(security_area__isnull=True) | Q(security_area_id=area_id) if area_id else \
        Q(security_area__isnull=True)
    return list(Advisory.objects.filter(place, advisory_in_force(on), country_id=country_id)
                .order_by("-level", "-issued_on"))


# --- Who holds a stop: the fallback of rules.HOLDERS ----------------------------------------------

def holder_covers() -> list[rules.Cover]:
    """Every grant in force of an active user through which someone may hold a stop."""
    rows = RoleGrant.objects.in_force().filter(
        role__in=[h.role for h in rules.HOLDERS], user__is_active=True).values_list(
        "user_id", "role", "scope_kind", "scope_id")
    return [rules.Cover(user, role, kind, scope) for user, role, kind, scope in rows]


def holding_of(clearance: Clearance, traveller_user_id: int | None,
               covers: list[rules.Cover] | None = None) -> rules.Holding:
    """Who holds this stop now (whatever its state): its security officers, or the level the
    fallback reaches. The traveller never holds their own stop."""
    return rules.holding(clearance.place_ids, holder_covers() if covers is None else covers,
                         traveller=traveller_user_id)


def users_of(holding: rules.Holding) -> list[Any]:
    """The users of a holding, in id order."""
    users = get_user_model().objects.in_bulk(holding.users)
    return [users[pk] for pk in sorted(users)]


def holders_of(clearance: Clearance, traveller_user_id: int | None) -> list[Any]:
    """The users who hold this stop now: whom to ask for its approval."""
    return users_of(holding_of(clearance, traveller_user_id))


@dataclass(frozen=True)
class HeldStop:
    """A stop with who holds it now."""

    clearance: Clearance
    holding: rules.Holding
    holders: list[Any]  # the users of the holding, in id order

    @property
    def holder(self) -> rules.Holder | None:
        return self.holding.holder


def held_stops(clearances: list[Clearance]) -> list[HeldStop]:
    """Each stop with who holds it now, in two queries whatever their number. The stops come
    with their request and traveller (select_related)."""
    covers = holder_covers()
    holdings = [holding_of(c, c.request.traveller.user_id, covers) for c in clearances]
    users = get_user_model().objects.in_bulk({u for h in holdings for u in h.users})
    return [HeldStop(c, h, [users[u] for u in h.users if u in users])
            for c, h in zip(clearances, holdings, strict=True)]


def _reach(user: AnyUser, levels: tuple[rules.Holder, ...]) -> Q | None:
    """The stops that the user's grants at these levels of the fallback cover, as a condition
    on Clearance; None when no grant of the user is at any of these levels."""
    condition: Q | None = None
    for grant in grants_of(user):
        for holder in levels:
            if str(grant.role) != holder.role or str(grant.scope_kind) not in holder.scopes:
                continue
            if grant.scope_kind is ScopeKind.GLOBAL:
                return Q()
            term = Q(**{Clearance.scope_paths[grant.scope_kind]: grant.scope_id})
            condition = term if condition is None else condition | term
    return condition


def _awaiting_stops() -> QuerySet[Clearance]:
    return Clearance.objects.filter(
        status=Clearance.Status.PENDING, request__status=TravelRequest.Status.PENDING
    ).select_related("request", "request__traveller", "request__traveller__organization",
                     "country", "security_area")


def may_hold_stops(user: AnyUser) -> bool:
    """Whether some grant of the user is at a level of the fallback: such a user has an
    approval queue (empty or not)."""
    return _reach(user, rules.HOLDERS) is not None


def may_see_uncovered(user: AnyUser) -> bool:
    """Designated officials, DRO desk officers and administrators see the stops that no
    security officer covers, within their grants."""
    return _reach(user, rules.HOLDERS[1:]) is not None


def uncovered_stops(*, user: AnyUser) -> list[HeldStop]:
    """Stops awaiting approval that no security officer covers, in the places the user's
    fallback grants (designated official, DRO desk, administrator) cover, with who holds each
    now; the oldest first."""
    return held_stops(_uncovered(user))


def _uncovered(user: AnyUser) -> list[Clearance]:
    reach = _reach(user, rules.HOLDERS[1:])
    if reach is None:
        return []
    covers = holder_covers()
    return [c for c in _awaiting_stops().filter(reach).order_by("requested_at", "pk")
            if holding_of(c, c.request.traveller.user_id, covers).fallback]


# --- Requests ------------------------------------------------------------------------------------

def _requests_seen(user: AnyUser) -> QuerySet[TravelRequest]:
    """Requests the user may read: by the traveller's home scope or ownership, by the scope
    of one of its stops (the destination's officers), as the filer or a named assistant, as
    the one who decided one of its stops, or because one of its stops is on the user's board
    of stops that no security officer covers."""
    base = TravelRequest.objects.all()
    if _sees_every_request(user):
        # Every request: no OR of subqueries for the database to weigh on each row (at four
        # million requests that OR cost the global reader's list a third of a second).
        return base
    # The home scope: the travellers the user reaches (a request's scope paths are its
    # traveller's, behind "traveller__"), so that every term of the OR tests a column of the
    # request itself. "pk IN" a subquery on the requests read every request to pick a page of
    # 50; a term through the traveller made the database join them all before filtering.
    home = visible(user, Perm.VIEW_TRAVEL, Person.objects.all()).values("pk")
    stops = visible(user, Perm.VIEW_TRAVEL, Clearance.objects.all()).values("request_id")
    condition = Q(traveller_id__in=home) | Q(pk__in=stops)
    if user.is_authenticated:
        condition |= Q(requested_by_id=user.pk) | Q(
            traveller__in=Delegation.objects.filter(assistant_id=user.pk).values("person_id"))
        # Whoever decided a stop, or holds one now because no security officer covers it.
        condition |= Q(pk__in=Clearance.objects.filter(decided_by_id=user.pk).values(
            "request_id"))
        if not _sees_every_request(user) and may_see_uncovered(user):
            condition |= Q(pk__in={c.request_id for c in _uncovered(user)})
    return base.filter(condition)


def _sees_every_request(user: AnyUser) -> bool:
    # Not holds_globally: every traveller holds VIEW_TRAVEL globally, over their own trips.
    return any(g.scope_kind is ScopeKind.GLOBAL
               and ROLE_PERMISSIONS[g.role].get(Perm.VIEW_TRAVEL) in (Reach.SCOPE, Reach.ALL)
               for g in grants_of(user))


def request_list(*, user: AnyUser, search: str = "", status: str = "", kind: str = "",
                 country: str = "", mine: bool = False) -> QuerySet[TravelRequest]:
    qs = _requests_seen(user).select_related(
        "traveller", "traveller__duty_station", "traveller__organization")
    if mine and user.is_authenticated:
        # Both terms on the request's own indexed columns (traveller, requested_by), with the
        # user's staff record read first: the database then reads the user's few requests
        # by index instead of joining every request to its traveller.
        own = list(Person.objects.filter(user_id=user.pk).values_list("pk", flat=True))
        qs = qs.filter(Q(traveller_id__in=own) | Q(requested_by_id=user.pk))
    qs = narrowed(qs, status=status, kind=kind)
    if country or search:  # both read the segments: one row per request still
        qs = searched(narrowed(qs, segments__destination_country__iso2=country.upper()), search,
                      "purpose__icontains", "traveller__family_name__icontains",
                      "segments__destination_name__icontains").distinct()
    return qs


def requests_of_travellers(person_ids: Any) -> QuerySet[TravelRequest]:
    """The travel requests in which these staff members travel, for a caller that has
    decided by its own permission that it may read them: protective services read the trips
    of the senior officials whose protection they plan, and no one else's."""
    return TravelRequest.objects.filter(traveller_id__in=person_ids).select_related(
        "traveller", "traveller__duty_station", "traveller__organization")


def request_get(*, user: AnyUser, pk: Any) -> TravelRequest:
    request = request_list(user=user).filter(pk=pk).first()
    if request is None:
        raise NotFound()
    return request


def may_see_request(user: AnyUser, request: TravelRequest) -> bool:
    return _requests_seen(user).filter(pk=request.pk).exists()


def approval_queue(*, user: AnyUser) -> list[Clearance]:
    """Stops this user holds now, oldest first, each with its age and due time: as the
    security officer whose scope covers them, or, where no officer covers a stop, as the next
    level of the fallback (rules.HOLDERS). Never the user's own travel."""
    reach = _reach(user, rules.HOLDERS)
    if reach is None or not user.is_authenticated:
        return []
    stops = _awaiting_stops().filter(reach).exclude(
        request__traveller__user_id=user.pk).order_by("requested_at", "pk")
    if not may_see_uncovered(user):  # a security officer holds every stop of their scope
        return list(stops[:500])
    covers = holder_covers()
    return [c for c in stops
            if user.pk in holding_of(c, c.request.traveller.user_id, covers).users][:500]


def queue_counts(*, user: AnyUser) -> dict[str, int]:
    now = timezone.now()
    queue = approval_queue(user=user)
    return {"total": len(queue), "overdue": sum(1 for c in queue if c.due_at and c.due_at < now)}


def delegations_of(*, user: AnyUser) -> QuerySet[Delegation]:
    return Delegation.objects.filter(person__user_id=user.pk or 0).select_related("assistant")


def represented(*, user: AnyUser) -> list[Person]:
    """Whom this user may file travel for: themselves and those who named them assistant."""
    people = list(Person.objects.filter(
        Q(user_id=user.pk) | Q(travel_delegates__assistant_id=user.pk)).distinct()
        .select_related("duty_station")) if user.is_authenticated else []
    return people


def travellers_for(*, user: AnyUser) -> QuerySet[Person]:
    """Everyone this user may file travel for, as rows: services.may_request_for as a query
    (REQUEST_TRAVEL over the traveller, whose scope paths a request shares, or a named
    assistant)."""
    condition = Q(pk__in=visible(user, Perm.REQUEST_TRAVEL, Person.objects.all()).values("pk"))
    if user.is_authenticated:
        condition |= Q(pk__in=Delegation.objects.filter(assistant_id=user.pk).values("person_id"))
    return Person.objects.filter(condition)


def travelling_dependants(*, user: AnyUser) -> QuerySet[Dependant]:
    """The dependants of everyone this user may file travel for: who may be named on a
    request (the service then checks that they are the traveller's, and active)."""
    return Dependant.objects.filter(person__in=travellers_for(user=user))


# --- Advisories and the directory ----------------------------------------------------------------

def advisory_list(*, search: str = "", country: str = "", level: Any = None,
                  source: str = "", in_force: bool = False) -> QuerySet[Advisory]:
    """Advisories are for everyone who travels: no scope narrows them."""
    qs = Advisory.objects.select_related("country", "security_area")
    qs = searched(qs, country.upper(), "country__iso2", "country__iso3")
    qs = narrowed(qs, level=int(level) if level else None, source=source)
    if in_force:
        today = timezone.localdate()
        qs = qs.filter(withdrawn=False, issued_on__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    return searched(qs, search, "title__icontains", "country__name__icontains")


def advisory_get(*, pk: Any) -> Advisory:
    advisory = advisory_list().filter(pk=pk).first()
    if advisory is None:
        raise NotFound()
    return advisory


def advisories_for_places(places: list[tuple[int, int | None]], on: dt.date) -> list[Advisory]:
    """Advisories in force for (country, area) pairs: what a traveller sees while planning."""
    seen: dict[int, Advisory] = {}
    for country_id, area_id in places:
        for advisory in advisories_in_force(country_id, area_id, on):
            seen.setdefault(advisory.pk, advisory)
    return sorted(seen.values(), key=lambda a: (-a.level, a.country_id))


def directory_countries() -> QuerySet[Country]:
    """Countries with a duty station, a contact or an advisory, with their counts."""
    return Country.objects.annotate(
        stations=Count("duty_stations", distinct=True),
        contacts=Count("security_contacts", distinct=True),
    ).filter(Q(stations__gt=0) | Q(contacts__gt=0)).order_by("name")


def contacts_of(country: Country) -> QuerySet[SecurityContact]:
    return SecurityContact.objects.filter(country=country).select_related(
        "security_area", "duty_station").order_by("position", "function", "name")


def contact_get(*, user: AnyUser, pk: Any) -> SecurityContact:
    contact = SecurityContact.objects.select_related("country").filter(pk=pk).first()
    if contact is None:
        raise NotFound()
    return contact


def controls_for(*, user: AnyUser) -> QuerySet[SecurityArea]:
    """Security areas the user may set controls for (or read as an officer), with them."""
    qs = visible(user, Perm.SET_AREA_CONTROLS, SecurityArea.objects.all()) | visible(
        user, Perm.VIEW_TRAVEL, SecurityArea.objects.all())
    return qs.select_related("country", "travel_control").distinct().order_by(
        "country__name", "name")


def area_for_control(*, user: AnyUser, pk: Any) -> SecurityArea:
    return get_visible(user, Perm.SET_AREA_CONTROLS, SecurityArea.objects.select_related(
        "country"), pk=pk)


def control_of(area: SecurityArea) -> AreaControl | None:
    return AreaControl.objects.filter(security_area=area).first()


def operator_list(*, search: str = "", suitability: str = "", country: str = "",
                  active: str = "") -> QuerySet[AirOperator]:
    qs = AirOperator.objects.select_related("country")
    qs = narrowed(searched(qs, search, "name__icontains", "iata__iexact", "icao__iexact"),
                  suitability=suitability, country__iso2=country.upper())
    if active in {"yes", "no"}:
        qs = qs.filter(is_active=active == "yes")
    return qs


def operator_get(*, pk: Any) -> AirOperator:
    operator = AirOperator.objects.filter(pk=pk).first()
    if operator is None:
        raise NotFound()
    return operator


# --- Whereabouts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScopeFilter:
    """The places a user's whereabouts grants cover, to keep only those answers."""

    everywhere: bool
    countries: frozenset[int]
    areas: frozenset[int]
    stations: frozenset[int]

    @property
    def anything(self) -> bool:
        return self.everywhere or bool(self.countries or self.areas or self.stations)


def whereabouts_scope(user: AnyUser) -> ScopeFilter:
    grants: list[Grant] = [g for g in grants_of(user)
                           if ROLE_PERMISSIONS[g.role].get(Perm.VIEW_WHEREABOUTS) is Reach.SCOPE]
    ids: dict[ScopeKind, set[int]] = {k: set() for k in ScopeKind}
    for grant in grants:
        if grant.scope_kind is ScopeKind.GLOBAL:
            return ScopeFilter(True, frozenset(), frozenset(), frozenset())
        if grant.scope_id is not None:
            ids[grant.scope_kind].add(grant.scope_id)
    return ScopeFilter(False, frozenset(ids[ScopeKind.COUNTRY]),
                       frozenset(ids[ScopeKind.SECURITY_AREA]),
                       frozenset(ids[ScopeKind.DUTY_STATION]))


@dataclass
class Row:
    """One answer of a whereabouts query, as a page or the API shows it."""

    person: Person
    dependant: Dependant | None
    place: whereabouts.Whereabouts
    trip: TravelRequest | None
    where: str  # the country/area/station the answer sits in, for display

    @property
    def name(self) -> str:
        if self.dependant is None:
            return str(self.person)
        return str(self.dependant) if self.dependant.family_name else \
            _("A dependant of %(name)s") % {"name": self.person}


@dataclass(frozen=True)
class Found:
    """A whereabouts answer within the reader's scope: how many people it holds, how many of
    them travelling, and its first ``limit`` answers as rows (all of them without a limit).
    A page that lists the first 1,000 builds and checks only those."""

    rows: list[Row]
    count: int
    travelling: int


_CHUNK = 5000  # ids per IN list (within SQLite's limit on parameters)


def _chunked(ids: set[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[first:first + _CHUNK] for first in range(0, len(ordered), _CHUNK)]


_PERSON_COLUMNS = ("index_number", "family_name", "given_name", "organization", "category",
                   "duty_station", "status", "residence_latitude", "residence_longitude",
                   "user")
_DEPENDANT_COLUMNS = ("person", "family_name", "given_name", "relationship", "status",
                      "residence_latitude", "residence_longitude")


def _rows(found: list[whereabouts.Whereabouts], user: AnyUser) -> list[Row]:
    """Answers as rows. Whereabouts readers who may not see a person's personal data get
    the duty station instead of a residence, and no dependant's name. A fixed number of
    queries: the staff members, their duty stations, the dependants (given their staff
    member, so that the permission check reads no more), the trips and the segments."""
    # The columns a row shows and its permission checks read (names, organization, scope
    # paths, owner, home), not the whole records: building up to 1,000 full staff and family
    # records was a third of the page's time. Any other field still loads when read.
    people = Person.objects.select_related("organization").only(
        *_PERSON_COLUMNS, "organization__code", "organization__name").in_bulk(
        {w.person_id for w in found})
    stations = DutyStation.objects.in_bulk({p.duty_station_id for p in people.values()})
    for person in people.values():
        person.duty_station = stations[person.duty_station_id]
    dependants = Dependant.objects.only(*_DEPENDANT_COLUMNS).in_bulk(
        {w.dependant_id for w in found if w.dependant_id})
    for kin in dependants.values():
        if kin.person_id in people:
            kin.person = people[kin.person_id]
    trips = TravelRequest.objects.in_bulk({w.request_id for w in found if w.request_id})
    segments = Segment.objects.in_bulk({w.segment_id for w in found if w.segment_id})
    personal: dict[int, bool] = {}
    out = []
    for w in found:
        person = people[w.person_id]
        if person.pk not in personal:
            personal[person.pk] = can(user, Perm.VIEW_PERSONAL_DATA, person)
        place = w
        if w.basis == whereabouts.Basis.RESIDENCE and not personal[person.pk]:
            station = person.duty_station
            place = whereabouts.Whereabouts(w.person_id, w.dependant_id, w.basis,
                                            ((station.latitude, station.longitude),))
        segment = segments.get(w.segment_id) if w.segment_id else None
        if segment is None:
            label = person.duty_station.name
        elif w.basis == whereabouts.Basis.TRANSIT:
            label = f"{segment.origin_name} → {segment.destination_name}"
        else:
            label = segment.lodging_name or segment.destination_name
        dependant = dependants.get(w.dependant_id) if w.dependant_id else None
        if dependant is not None and not can(user, Perm.VIEW_DEPENDANT, dependant):
            dependant = Dependant(pk=dependant.pk, person=person, family_name="",
                                  given_name="")
        out.append(Row(person, dependant, place,
                       trips.get(w.request_id) if w.request_id else None, label))
    return out


def _in_scope(scope: ScopeFilter, found: list[whereabouts.Whereabouts]
              ) -> list[whereabouts.Whereabouts]:
    """The answers in the places the user's whereabouts grants cover: an answer on a trip by
    the country and area of its segment's presence (the last one written), any other by the
    staff member's duty station (its country, area or itself). Read as columns, in a fixed
    number of queries, before any row is built."""
    if scope.everywhere:
        return found
    on_trip: dict[tuple[int, int], tuple[int | None, int | None]] = {}
    for chunk in _chunked({w.segment_id for w in found if w.request_id and w.segment_id}):
        for request_id, segment_id, trip_country, trip_area in Presence.objects.filter(
                segment_id__in=chunk).order_by("pk").values_list(
                "request_id", "segment_id", "country_id", "security_area_id"):
            on_trip[(request_id, segment_id)] = (trip_country, trip_area)
    at_home: dict[int, tuple[int | None, int | None, int | None]] = {}
    for chunk in _chunked({w.person_id for w in found if not w.request_id}):
        for pk, home_station, home_country, home_area in Person.objects.filter(
                pk__in=chunk).values_list("pk", "duty_station_id", "duty_station__country_id",
                                          "duty_station__security_area_id"):
            at_home[pk] = (home_country, home_area, home_station)
    keep = []
    for w in found:
        country: int | None
        area: int | None
        station: int | None = None
        if w.request_id:
            country, area = on_trip.get((w.request_id, w.segment_id or 0), (None, None))
        else:
            country, area, station = at_home.get(w.person_id, (None, None, None))
        if country in scope.countries or area in scope.areas or station in scope.stations:
            keep.append(w)
    return keep


def _found(found: list[whereabouts.Whereabouts], user: AnyUser, scope: ScopeFilter | None,
           limit: int | None) -> Found:
    """The answers in scope (``scope`` None: all), counted, the first ``limit`` as rows."""
    kept = found if scope is None else _in_scope(scope, found)
    shown = kept if limit is None else kept[:limit]
    return Found(_rows(shown, user), len(kept), sum(1 for w in kept if w.request_id))


def find_in_area(*, user: AnyUser, area: SecurityArea, at: dt.datetime,
                 limit: int | None = None) -> Found:
    """Everyone presumed in a security area the user watches (NotFound otherwise), the
    first ``limit`` as rows. Audited with the number found."""
    if not can(user, Perm.VIEW_WHEREABOUTS, area):
        raise NotFound()  # the same answer as for an area that does not exist
    found = _found(whereabouts.who_is_in(at, area=area), user, None, limit)
    audit.record(actor=user, action="travel.whereabouts.read", obj=area,
                 changes={"at": at.isoformat(), "rows": found.count}, sensitive_read=True)
    return found


def who_is_in(*, user: AnyUser, area: SecurityArea, at: dt.datetime) -> list[Row]:
    return find_in_area(user=user, area=area, at=at).rows


def find_near(*, user: AnyUser, lat: float, lon: float, radius_km: float, at: dt.datetime,
              limit: int | None = None) -> Found:
    """Everyone presumed within ``radius_km`` of a point, within the user's whereabouts scope
    (Forbidden without one), the first ``limit`` as rows. Audited with the number found."""
    scope = whereabouts_scope(user)
    if not scope.anything:
        raise Forbidden()
    found = _found(whereabouts.who_is_near(lat, lon, radius_km, at), user, scope, limit)
    audit.record(actor=user, action="travel.whereabouts.read", object_type="point",
                 object_repr=f"{lat:.4f},{lon:.4f} r={radius_km} km",
                 changes={"at": at.isoformat(), "rows": found.count}, sensitive_read=True)
    return found


def who_is_near(*, user: AnyUser, lat: float, lon: float, radius_km: float,
                at: dt.datetime) -> list[Row]:
    return find_near(user=user, lat=lat, lon=lon, radius_km=radius_km, at=at).rows


def who_is_in_polygon(*, user: AnyUser, geometry: dict[str, Any], at: dt.datetime) -> list[Row]:
    """Everyone presumed inside a drawn GeoJSON polygon, within the user's scope."""
    scope = whereabouts_scope(user)
    if not scope.anything:
        raise Forbidden()
    found = _found(whereabouts.who_is_in(at, geometry=geometry), user, scope, None)
    audit.record(actor=user, action="travel.whereabouts.read", object_type="polygon",
                 object_repr=str(geometry.get("type", ""))[:40],
                 changes={"at": at.isoformat(), "rows": found.count}, sensitive_read=True)
    return found.rows


def count_in_polygon(*, user: AnyUser, geometry: dict[str, Any], at: dt.datetime) -> int:
    """How many staff members and dependants are presumed inside a drawn GeoJSON polygon,
    among the people whose whereabouts coverage the user may see: a figure without names,
    as the coverage page gives, for readers who may not see who is where. Audited."""
    if not has_perm_anywhere(user, Perm.VIEW_COVERAGE):
        raise Forbidden()
    found = whereabouts.who_is_in(at, geometry=geometry)
    people = sorted({w.person_id for w in found})
    covered: set[int] = set()
    for start in range(0, len(people), 500):  # within every backend's limit of parameters
        covered |= set(visible(user, Perm.VIEW_COVERAGE, Person.objects.filter(
            pk__in=people[start:start + 500])).values_list("pk", flat=True))
    count = sum(1 for w in found if w.person_id in covered)
    audit.record(actor=user, action="travel.whereabouts.read", object_type="polygon",
                 object_repr=str(geometry.get("type", ""))[:40],
                 changes={"at": at.isoformat(), "rows": count, "names": False},
                 sensitive_read=True)
    return count


def where(*, user: AnyUser, person: Person, at: dt.datetime) -> Row:
    if not (can(user, Perm.VIEW_WHEREABOUTS, person) or person.user_id == user.pk):
        raise NotFound()  # the same answer as for a person who does not exist
    found = whereabouts.where(at=at, person=person)
    audit.record(actor=user, action="travel.whereabouts.read", obj=person,
                 changes={"at": at.isoformat()}, sensitive_read=True)
    return _rows([found], user)[0]


def areas_watched(*, user: AnyUser) -> QuerySet[SecurityArea]:
    return visible(user, Perm.VIEW_WHEREABOUTS, SecurityArea.objects.select_related("country"))


# --- Coverage (SP2.2.c.i) ------------------------------------------------------------------------

_EVERYWHERE = Q()


def _on_trip(now: dt.datetime, column: str, **match: Any) -> QuerySet[Any]:
    """The ``column`` (person_id or dependant_id) of the cleared presences covering ``now``,
    for an uncorrelated ``pk IN (...)``: the database reads the presences of the last
    MAX_PRESENCE once, by the index on cleared presences' start times (performance migration
    0002), and hashes them, instead of probing the presences once per person (an EXISTS per
    row: 700,000 probes for the whole system)."""
    found: QuerySet[Any] = Presence.objects.filter(
        cleared=True, starts_at__gt=now - rules.MAX_PRESENCE, starts_at__lte=now,
        ends_at__gt=now, **match).values(column)
    return found


# How a staff record reaches a slice (a dependant through their staff member: "person__").
COVERAGE_PATHS = SlicePaths(country="duty_station__country", duty_station="duty_station",
                            organization="organization")


def _whereabouts_known(at: dt.datetime, cutoff: dt.date, where: Q = _EVERYWHERE
                       ) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The personnel (not separated) and their active eligible dependants inside ``where`` (a
    slice's filter on the staff record), each annotated ``covered`` 1 when their whereabouts
    are known at ``at``: a residence with coordinates last confirmed from ``cutoff`` to
    ``at``'s day, or a cleared trip covering ``at``. A dependant without coordinates of their
    own lives at the staff member's residence."""
    day = timezone.localdate(at)
    known = Value(1)
    staff = Person.objects.filter(where).exclude(status=Person.Status.SEPARATED).annotate(
        covered=Case(When(
            Q(residence_latitude__isnull=False, residence_confirmed_on__gte=cutoff,
              residence_confirmed_on__lte=day)
            | Q(pk__in=_on_trip(at, "person_id", dependant__isnull=True)), then=known),
            default=Value(0), output_field=IntegerField()))
    family = Dependant.objects.filter(
        person__in=Person.objects.filter(where), status=Dependant.Status.ACTIVE
    ).exclude(person__status=Person.Status.SEPARATED).annotate(covered=Case(When(
        Q(residence_latitude__isnull=False, residence_confirmed_on__gte=cutoff,
          residence_confirmed_on__lte=day)
        | Q(residence_latitude__isnull=True, person__residence_latitude__isnull=False,
            person__residence_confirmed_on__gte=cutoff, person__residence_confirmed_on__lte=day)
        | Q(pk__in=_on_trip(at, "dependant_id", dependant__isnull=False)), then=known),
        default=Value(0), output_field=IntegerField()))
    return staff, family


def whereabouts_known_at(*, at: dt.datetime, within: Slice | None = None
                         ) -> tuple[QuerySet[Any], QuerySet[Any]] | None:
    """SP2.2.c.i's people at a moment, for programme performance (Vigil's own read, no user):
    those whose whereabouts are known (``covered``) and the others, inside ``within``; None
    when the slice cannot hold staff records. A residence counts while its last confirmation
    is no older than the configured number of days and not later than ``at`` (only the last
    confirmation is kept, so a moment long past is measured from what is known of it)."""
    where = (within or Slice.system()).q(COVERAGE_PATHS)
    if where is None:
        return None
    cutoff = timezone.localdate(at) - dt.timedelta(days=travel_settings().residence_days)
    return _whereabouts_known(at, cutoff, where)


def whereabouts_coverage_at(*, at: dt.datetime, within: Slice | None = None
                            ) -> dict[str, Any]:
    """SP2.2.c.i at a moment: personnel and dependants counted, and how many are known.
    ``applicable`` is False when the slice cannot hold staff records."""
    found = whereabouts_known_at(at=at, within=within)
    if found is None:
        return {"applicable": False, "total": 0, "known": 0, "percent": None}
    staff, family = found
    figures = {}
    for name, qs in (("staff", staff), ("dependants", family)):
        totals = qs.aggregate(total=Count("pk"), known=Sum("covered"))
        figures[name], figures[f"{name}_known"] = totals["total"] or 0, totals["known"] or 0
    total = figures["staff"] + figures["dependants"]
    known = figures["staff_known"] + figures["dependants_known"]
    return {"applicable": True, "total": total, "known": known,
            "percent": rules.coverage_percent(known, total), **figures}


def coverage(*, user: AnyUser, now: dt.datetime | None = None) -> dict[str, Any]:
    """Share of personnel and eligible dependants whose whereabouts are known now: a residence
    with coordinates confirmed within the configured period, or a cleared trip covering now.
    By duty station and organization, over the people in the user's scope."""
    now = now or timezone.now()
    cutoff = timezone.localdate() - dt.timedelta(days=travel_settings().residence_days)
    everyone, households = _whereabouts_known(now, cutoff)
    staff = visible(user, Perm.VIEW_COVERAGE, everyone)
    family = visible(user, Perm.VIEW_COVERAGE, households)
    # One pass over each population, counted by (duty station, organization) and rolled up
    # here by each, instead of one pass per population and grouping.
    cells: list[tuple[str, int, int, int, int | None]] = []
    for name, qs, prefix in (("staff", staff, ""), ("dependants", family, "person__")):
        fields = (f"{prefix}duty_station", f"{prefix}organization")
        cells += [(name, row[fields[0]], row[fields[1]], row["total"], row["known"])
                  for row in qs.order_by().values(*fields).annotate(total=Count("pk"),
                                                                    known=Sum("covered"))]
    labels = {"station": {pk: (code, label) for pk, code, label in DutyStation.objects.filter(
        pk__in={c[1] for c in cells}).values_list("pk", "code", "name")},
        "organization": {pk: (code, label) for pk, code, label in
                         Organization.objects.filter(pk__in={c[2] for c in cells})
                         .values_list("pk", "code", "name")}}
    groups: dict[str, dict[tuple[str, str], dict[str, int]]] = {"station": {}, "organization": {}}
    for name, station, organization, total, known in cells:
        for key, pk in (("station", station), ("organization", organization)):
            bucket = groups[key].setdefault(labels[key][pk], {
                "staff": 0, "staff_known": 0, "dependants": 0, "dependants_known": 0})
            bucket[name] += total
            bucket[f"{name}_known"] += known or 0

    def table(key: str) -> list[dict[str, Any]]:
        out = []
        # By name, then code: two duty stations of one name come in a fixed order.
        for (code, label), b in sorted(groups[key].items(),
                                       key=lambda i: (i[0][1] or "", i[0][0] or "")):
            total, known_count = b["staff"] + b["dependants"], b["staff_known"] + \
                b["dependants_known"]
            out.append({"code": code, "name": label, **b, "total": total,
                        "known": known_count,
                        "percent": rules.coverage_percent(known_count, total)})
        return out

    by_station = table("station")
    total = sum(r["total"] for r in by_station)
    known_total = sum(r["known"] for r in by_station)
    return {"total": total, "known": known_total,
            "percent": rules.coverage_percent(known_total, total),
            "staff": sum(r["staff"] for r in by_station),
            "staff_known": sum(r["staff_known"] for r in by_station),
            "dependants": sum(r["dependants"] for r in by_station),
            "dependants_known": sum(r["dependants_known"] for r in by_station),
            "by_station": by_station, "by_organization": table("organization"),
            "cutoff": cutoff, "uncovered_staff": staff.filter(covered=0),
            "uncovered_dependants": family.filter(covered=0)}


def uncovered(*, user: AnyUser, data: dict[str, Any]) -> dict[str, Any]:
    """The names behind the gap, only for those who may see the people (audited)."""
    staff = visible(user, Perm.VIEW_PERSON, data["uncovered_staff"]).select_related(
        "duty_station", "organization").order_by("duty_station__name", "family_name")
    family = visible(user, Perm.VIEW_DEPENDANT, data["uncovered_dependants"]).select_related(
        "person", "person__duty_station").order_by("person__duty_station__name",
                                                   "family_name")
    return {"staff": staff, "dependants": family}


@dataclass(frozen=True)
class CourseHeld:
    """A course travel asks for, as training answers for a staff member today."""

    code: str
    completed_on: dt.date | None
    expires_on: dt.date | None
    valid: bool


def courses_for_travel(person: Person, *, on: dt.date | None = None) -> list[CourseHeld]:
    """The traveller's BSAFE and SSAFE as training records them (read-only here): the latest
    completion of each and whether it is valid today."""
    day = on or timezone.localdate()
    held = []
    for code in ("BSAFE", "SSAFE"):
        latest = training.latest_completion(person.pk, code)
        held.append(CourseHeld(
            code=code, completed_on=latest.completed_on if latest else None,
            expires_on=latest.expires_on if latest else None,
            valid=person.pk in training.valid_on([person.pk], code, day)))
    return held
