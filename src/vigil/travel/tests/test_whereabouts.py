"""Whereabouts against a brute force written here from the raw data.

The property test builds random staff, dependants and trips (through the real services, in the
local times of each end), then checks ``where``, ``who_is_near`` and ``who_is_in`` at random
times — and exactly at departures, arrivals and the 14-day cuts — against an independent
reading of the people, their homes and the itinerary segments (never the Presence rows). The
example tests after it pin single behaviours, among them the faults found while writing them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vigil.core.authz import Role
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.travel import services, whereabouts
from vigil.travel.models import Presence, Segment, TravelRequest
from vigil.travel.tests.conftest import set_level

pytestmark = pytest.mark.django_db

EARTH_KM = 6371.0088  # the mean Earth radius (IUGG), as the distance rule uses
RADIUS_KM = 25.0
TWO_WEEKS = dt.timedelta(days=14)
BASE = dt.datetime(2031, 3, 2, 0, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Centre:
    code: str
    name: str
    iso2: str
    lat: float
    lon: float
    zone: str


# Points cluster round these, so that a 25 km circle finds someone. Rabi lies east of the
# antimeridian: people near it straddle longitude ±180. None of these zones has summer time
# after 2022, so every local time of the random trips exists and is unique.
CENTRES = (
    Centre("NBO", "Nairobi", "KE", -1.286, 36.817, "Africa/Nairobi"),
    Centre("DXB", "Dubai", "AE", 25.205, 55.271, "Asia/Dubai"),
    Centre("SUV", "Suva", "FJ", -18.124, 178.45, "Pacific/Fiji"),
    Centre("RBI", "Rabi", "FJ", -16.48, -179.97, "Pacific/Fiji"),
    Centre("BOG", "Bogota", "CO", 4.711, -74.072, "America/Bogota"),
)


def wrap(lon: float) -> float:
    return lon - 360 if lon > 180 else lon + 360 if lon < -180 else lon


# --- The brute force ------------------------------------------------------------------------------

def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance from the angle between unit vectors (not haversine)."""
    def vector(p: tuple[float, float]) -> tuple[float, float, float]:
        lat, lon = math.radians(p[0]), math.radians(p[1])
        return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))

    u, v = vector(a), vector(b)
    cross = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    return EARTH_KM * math.atan2(math.sqrt(sum(c * c for c in cross)), dot)


def in_polygon(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool | None:
    """Ray casting on (lon, lat) vertices; None when the point is on an edge (either answer
    is right there)."""
    lat, lon = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        # On the edge, within rounding?
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        share = max(0.0, min(1.0, ((lon - x1) * dx + (lat - y1) * dy) / length2))
        if math.hypot(lon - (x1 + share * dx), lat - (y1 + share * dy)) < 1e-9:
            return None
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * dx / dy:
            inside = not inside
    return inside


@dataclass
class Leg:
    pk: int
    departs: dt.datetime
    arrives: dt.datetime
    origin: tuple[float, float]
    destination: tuple[float, float]
    lodging: tuple[float, float] | None
    destination_station: int | None
    stays_until: dt.datetime | None
    origin_area: int | None
    destination_area: int | None


@dataclass
class Trip:
    pk: int
    traveller: int
    status: str
    dependants: set[int]
    home_station: int
    legs: list[Leg]


@dataclass(frozen=True)
class Expected:
    basis: str
    points: tuple[tuple[float, float], ...]
    areas: tuple[int | None, ...] = ()
    request_id: int | None = None
    segment_id: int | None = None
    starts: tuple[dt.datetime, int] | None = None  # the trip's first departure, its number


def place_on(trip: Trip, at: dt.datetime) -> Expected | None:
    """Where a trip puts its travellers at ``at``: in transit (both ends) during a segment,
    staying (lodging, else destination) from an arrival to the next departure, or after the
    last arrival until the stay ends — unless the last segment brings them home."""
    starts = (trip.legs[0].departs, trip.pk)
    for index, leg in enumerate(trip.legs):
        if leg.departs <= at < leg.arrives:
            return Expected("transit", (leg.origin, leg.destination),
                            (leg.origin_area, leg.destination_area), trip.pk, leg.pk, starts)
        if index + 1 < len(trip.legs):
            leaves: dt.datetime | None = trip.legs[index + 1].departs
        elif leg.destination_station == trip.home_station:
            leaves = None
        else:
            leaves = leg.stays_until
        if leaves is not None and leg.arrives <= at < leaves:
            return Expected("stay", (leg.lodging or leg.destination,), (leg.destination_area,),
                            trip.pk, leg.pk, starts)
    return None


@dataclass
class Facts:
    """The raw data, read back from the database without Presence."""

    stations: dict[int, tuple[tuple[float, float], int | None]] = field(default_factory=dict)
    people: dict[int, tuple[str, int, tuple[float, float] | None]] = field(default_factory=dict)
    dependants: dict[int, tuple[int, str, tuple[float, float] | None]] = field(
        default_factory=dict)
    trips: dict[int, list[Trip]] = field(default_factory=dict)

    @classmethod
    def read(cls) -> Facts:
        facts = cls()
        for pk, slat, slon, area in DutyStation.objects.values_list(
                "pk", "latitude", "longitude", "security_area_id"):
            facts.stations[pk] = ((slat, slon), area)
        for pk, status, station, lat, lon in Person.objects.values_list(
                "pk", "status", "duty_station_id", "residence_latitude", "residence_longitude"):
            facts.people[pk] = (status, station,
                                None if lat is None or lon is None else (lat, lon))
        for pk, person, status, lat, lon in Dependant.objects.values_list(
                "pk", "person_id", "status", "residence_latitude", "residence_longitude"):
            facts.dependants[pk] = (person, status,
                                    None if lat is None or lon is None else (lat, lon))
        for request in TravelRequest.objects.prefetch_related("dependants", "segments"):
            legs = [Leg(s.pk, s.departs_at, s.arrives_at, (s.origin_latitude, s.origin_longitude),
                        (s.destination_latitude, s.destination_longitude), s.lodging_point,
                        s.destination_station_id, s.stays_until, s.origin_area_id,
                        s.destination_area_id)
                    for s in sorted(request.segments.all(), key=lambda s: s.position)]
            facts.trips.setdefault(request.traveller_id, []).append(Trip(
                request.pk, request.traveller_id, request.status,
                {d.pk for d in request.dependants.all()},
                facts.people[request.traveller_id][1], legs))
        return facts

    def subjects(self) -> list[tuple[int, int | None]]:
        return [*((pk, None) for pk in self.people),
                *((person, pk) for pk, (person, _, _) in self.dependants.items())]

    def counted(self, key: tuple[int, int | None]) -> bool:
        """Staff who have not separated, and eligible dependants of theirs."""
        person, dependant = key
        if self.people[person][0] == Person.Status.SEPARATED:
            return False
        return dependant is None or self.dependants[dependant][1] == Dependant.Status.ACTIVE

    def home(self, person: int) -> Expected:
        _, station, residence = self.people[person]
        if residence is not None:
            return Expected("residence", (residence,))
        return Expected("duty_station", (self.stations[station][0],))

    def where(self, key: tuple[int, int | None], at: dt.datetime,
              include_pending: bool) -> Expected:
        person, dependant = key
        statuses = {"cleared", "pending"} if include_pending else {"cleared"}
        found = [place for trip in self.trips.get(person, [])
                 if trip.status in statuses and (dependant is None or dependant in
                                                 trip.dependants)
                 for place in [place_on(trip, at)] if place is not None]
        if len(found) > 1:
            event("where: two trips overlap")
        if found:  # should two trips overlap, the one that starts later
            return max(found, key=lambda e: e.starts or (BASE, 0))
        own = self.dependants[dependant][2] if dependant is not None else None
        if own is not None:
            return Expected("residence", (own,))
        return self.home(person)

    def present(self, at: dt.datetime, include_pending: bool,
                inside: Any) -> tuple[dict[tuple[int, int | None], Expected],
                                      set[tuple[int, int | None]]]:
        """Everyone counted whose presumed place has a point for which ``inside`` says True;
        and the keys for which it said None (on the edge) for some point."""
        found, unsure = {}, set()
        for key in self.subjects():
            if not self.counted(key):
                continue
            expected = self.where(key, at, include_pending)
            answers = [inside(point) for point in expected.points]
            if True in answers:
                found[key] = expected
            elif None in answers:
                unsure.add(key)
        return found, unsure

    def in_area(self, area: int, at: dt.datetime,
                include_pending: bool) -> tuple[dict[tuple[int, int | None], Expected],
                                                set[tuple[int, int | None]]]:
        """A security area without a boundary: travellers at one of its places, and the
        households of its duty stations who are not away. (Nobody is unsure here: each end of
        a segment has its own area, even where both ends have the same coordinates.)"""
        found: dict[tuple[int, int | None], Expected] = {}
        unsure: set[tuple[int, int | None]] = set()
        for key in self.subjects():
            if not self.counted(key):
                continue
            expected = self.where(key, at, include_pending)
            if expected.request_id is not None:
                if area in expected.areas:
                    found[key] = expected
            elif self.stations[self.people[key[0]][1]][1] == area:
                found[key] = expected
        return found, unsure

    def points(self) -> list[tuple[float, float]]:
        """Every place of the data: homes, stations, ends of segments, lodgings."""
        out = [p for p, _ in self.stations.values()]
        out += [p for _, _, p in self.people.values() if p]
        out += [p for _, _, p in self.dependants.values() if p]
        for trips in self.trips.values():
            for trip in trips:
                for leg in trip.legs:
                    out += [leg.origin, leg.destination, *([leg.lodging] if leg.lodging else [])]
        return sorted(set(out))

    def boundaries(self) -> list[dt.datetime]:
        """Every departure, arrival, end of stay, and 14-day cut of a long piece."""
        out = set()
        for trips in self.trips.values():
            for trip in trips:
                for index, leg in enumerate(trip.legs):
                    out |= {leg.departs, leg.arrives}
                    leaves = trip.legs[index + 1].departs if index + 1 < len(trip.legs) \
                        else leg.stays_until
                    if leaves:
                        out.add(leaves)
                    for start, end in ((leg.departs, leg.arrives), (leg.arrives, leaves)):
                        while end and start + TWO_WEEKS < end:
                            start += TWO_WEEKS
                            out.add(start)
        return sorted(out)


# --- The world: stations near the centres, and people made from a drawn plan -------------------

@dataclass
class World:
    actor: Any
    organization: Organization
    areas: list[SecurityArea]
    stations: list[DutyStation]
    countries: list[Country]


@pytest.fixture
def world(db: Any, user_with: Any) -> World:
    actor = user_with(Role.ADMINISTRATOR)
    organization = Organization.objects.create(code="UNX", name="UN Example",
                                               kind=Organization.Kind.SECRETARIAT)
    areas, stations, countries = [], [], []
    for centre in CENTRES:
        country = Country.objects.get(iso2=centre.iso2)
        area = SecurityArea.objects.create(country=country, code=centre.code,
                                           name=f"Greater {centre.name}")
        stations.append(DutyStation.objects.create(
            code=f"{centre.iso2}-{centre.code}", name=centre.name, country=country,
            security_area=area, latitude=centre.lat, longitude=centre.lon,
            time_zone=centre.zone))
        areas.append(area)
        countries.append(country)
    return World(actor, organization, areas, stations, countries)


jitter = st.floats(-0.35, 0.35, allow_nan=False)


@st.composite
def near(draw: st.DrawFn, centre: int | None = None) -> tuple[int, tuple[float, float]]:
    index = draw(st.integers(0, len(CENTRES) - 1)) if centre is None else centre
    c = CENTRES[index]
    return index, (c.lat + draw(jitter), wrap(c.lon + draw(jitter)))


@st.composite
def minutes_of_transit(draw: st.DrawFn) -> int:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return 0  # a zero-length segment
    if kind == 9:
        return draw(st.integers(14 * 1440 + 1, 17 * 1440))  # a voyage, cut in two
    return draw(st.integers(30, 20 * 60))


@st.composite
def minutes_of_stay(draw: st.DrawFn) -> int:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return 0  # a connection without a layover
    if kind >= 8:
        return draw(st.integers(14 * 1440 - 60, 40 * 1440))  # cut into 14-day pieces
    return draw(st.integers(1, 4 * 1440))


@st.composite
def leg_plans(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        to: tuple[Any, ...] = ("station", draw(st.integers(0, len(CENTRES) - 1)))
    else:
        centre, point = draw(near())
        if draw(st.integers(0, 3)) == 0:  # at the duty station's very point, maybe not its area
            point = (CENTRES[centre].lat, CENTRES[centre].lon)
        to = ("place", centre, point, draw(st.booleans()))  # with the centre's area or not
    lodging = None
    if draw(st.booleans()):
        lodging = draw(near(to[1]))[1]
    return {"to": to, "wait": draw(minutes_of_stay()), "minutes": draw(minutes_of_transit()),
            "lodging": lodging}


@st.composite
def trip_plans(draw: st.DrawFn) -> dict[str, Any]:
    # A negative gap starts the trip before the previous one ends: they overlap.
    return {"gap": draw(st.integers(-2 * 1440, 3 * 1440)),
            "legs": draw(st.lists(leg_plans(), min_size=1, max_size=3)),
            "home": draw(st.booleans()),
            "stay": draw(st.one_of(st.none(), st.integers(1, 30 * 1440))),
            "status": draw(st.sampled_from(["cleared", "cleared", "cleared", "pending",
                                            "cancelled"])),
            "with": draw(st.lists(st.booleans(), min_size=2, max_size=2))}


@st.composite
def person_plans(draw: st.DrawFn) -> dict[str, Any]:
    station = draw(st.integers(0, len(CENTRES) - 1))
    residence = draw(st.one_of(st.none(), near(station).map(lambda n: n[1]),
                               near().map(lambda n: n[1])))
    status = draw(st.sampled_from(["active", "active", "active", "on_leave", "separated"]))
    dependants = draw(st.lists(st.tuples(
        st.one_of(st.none(), st.none(), near(station).map(lambda n: n[1]),
                  near().map(lambda n: n[1])),
        st.sampled_from(["active", "active", "active", "inactive"])), max_size=2))
    trips = draw(st.lists(trip_plans(), max_size=3))
    return {"station": station, "residence": residence, "status": status,
            "dependants": dependants, "trips": trips, "start": draw(st.integers(0, 2 * 1440))}


def local(at: dt.datetime, zone: str) -> dt.datetime:
    """The wall-clock time a traveller would type."""
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def end_input(world: World, prefix: str, to: tuple[Any, ...]) -> tuple[dict[str, Any], str]:
    """The input fields of one end of a segment, and its time zone."""
    if to[0] == "station":
        return {f"{prefix}_station": world.stations[to[1]]}, CENTRES[to[1]].zone
    _, centre, (lat, lon), with_area = to
    data = {f"{prefix}_name": f"Place near {CENTRES[centre].name}",
            f"{prefix}_country": world.countries[centre], f"{prefix}_latitude": lat,
            f"{prefix}_longitude": lon, f"{prefix}_tz": CENTRES[centre].zone}
    if with_area:
        data[f"{prefix}_area"] = world.areas[centre]
    return data, CENTRES[centre].zone


def file_trip(world: World, person: Person, rows: list[dict[str, Any]], status: str,
              dependants: Iterable[Dependant] = ()) -> TravelRequest:
    """A request through the services (so local times become UTC as in production), then
    put in ``status`` and its presences written."""
    request = services.request_create(actor=world.actor, traveller=person,
                                      data={"purpose": "Mission"}, segments=rows,
                                      dependants=list(dependants))
    TravelRequest.objects.filter(pk=request.pk).update(status=status)
    request.status = status
    services.presence_rebuild(request)
    return request


def build(world: World, plans: list[dict[str, Any]]) -> list[tuple[Segment, dt.datetime,
                                                                    dt.datetime]]:
    """People, dependants and trips from the plans. Returns each segment with the UTC times
    it was planned at, to check the conversion of the local times typed."""
    planned = []
    for number, plan in enumerate(plans):
        station = world.stations[plan["station"]]
        lat, lon = plan["residence"] or (None, None)
        # Everyone starts eligible and may travel; some separate or cease to be eligible
        # after their trips were cleared (below).
        person = Person.objects.create(
            index_number=f"WB-{number}", family_name=f"Person {number}",
            organization=world.organization, category="international", duty_station=station,
            residence_latitude=lat, residence_longitude=lon)
        dependants = []
        for index, (own, _status) in enumerate(plan["dependants"]):
            dlat, dlon = own or (None, None)
            dependants.append(Dependant.objects.create(
                person=person, family_name=f"Family {number}", given_name=str(index),
                relationship="child", lives_with_staff_member=own is None,
                residence_address="" if own is None else "Elsewhere",
                residence_latitude=dlat, residence_longitude=dlon))
        cursor = BASE + dt.timedelta(minutes=plan["start"])
        for trip in plan["trips"]:
            departs = cursor + dt.timedelta(minutes=trip["gap"])
            origin: tuple[Any, ...] = ("station", plan["station"])
            rows, times = [], []
            arrives = departs
            for index, leg in enumerate(trip["legs"]):
                if index:
                    departs = arrives + dt.timedelta(minutes=leg["wait"])
                arrives = departs + dt.timedelta(minutes=leg["minutes"])
                last = index == len(trip["legs"]) - 1
                to = ("station", plan["station"]) if last and trip["home"] else leg["to"]
                start, origin_zone = end_input(world, "origin", origin)
                finish, destination_zone = end_input(world, "destination", to)
                row = {**start, **finish, "departs_local": local(departs, origin_zone),
                       "arrives_local": local(arrives, destination_zone), "mode": "road"}
                if leg["lodging"]:
                    row["lodging_latitude"], row["lodging_longitude"] = leg["lodging"]
                if last and trip["stay"]:
                    cursor = arrives + dt.timedelta(minutes=trip["stay"])
                    row["stays_until_local"] = local(cursor, destination_zone)
                elif last:
                    cursor = arrives
                rows.append(row)
                times.append((departs, arrives))
                origin = to
            travelling = [d for d, go in zip(dependants, trip["with"], strict=False) if go]
            request = file_trip(world, person, rows, trip["status"], travelling)
            planned += [(segment, *when) for segment, when in
                        zip(request.segments.order_by("position"), times, strict=True)]
        Person.objects.filter(pk=person.pk).update(status=plan["status"])
        for dependant, (_own, status) in zip(dependants, plan["dependants"], strict=True):
            Dependant.objects.filter(pk=dependant.pk).update(status=status)
    return planned


def keyed(found: list[whereabouts.Whereabouts]) -> dict[tuple[int, int | None],
                                                        whereabouts.Whereabouts]:
    keys = [w.key for w in found]
    assert len(keys) == len(set(keys)), "someone is counted twice"
    assert keys == sorted(keys, key=lambda k: (k[0], k[1] or 0))
    return dict(zip(keys, found, strict=True))


def check_region(found: list[whereabouts.Whereabouts],
                 expected: dict[tuple[int, int | None], Expected],
                 unsure: set[tuple[int, int | None]], what: str) -> None:
    got = {k: w for k, w in keyed(found).items() if k not in unsure}
    assert {k: w.basis for k, w in got.items()} == {k: e.basis for k, e in expected.items()}, \
        what
    for key, w in got.items():
        e = expected[key]
        assert (w.request_id, w.segment_id) == (e.request_id, e.segment_id), (what, key)
        assert set(w.points) <= set(e.points), (what, key)


# --- The property -------------------------------------------------------------------------------

def moments(facts: Facts) -> st.SearchStrategy[dt.datetime]:
    edges = facts.boundaries()
    span = int(max([*edges, BASE + dt.timedelta(days=3)]).timestamp() - BASE.timestamp())
    anywhere = st.integers(-3600, span + 3600).map(lambda s: BASE + dt.timedelta(seconds=s))
    if not edges:
        return anywhere
    exactly = st.sampled_from(edges)
    beside = st.tuples(exactly, st.sampled_from([-1, 1])).map(
        lambda p: p[0] + dt.timedelta(seconds=p[1]))
    after = st.tuples(exactly, st.integers(1, 3 * 86400)).map(
        lambda p: p[0] + dt.timedelta(seconds=p[1]))
    # Mostly exactly at an edge, where half-open intervals matter.
    return st.integers(0, 9).flatmap(lambda k: exactly if k < 5 else beside if k < 7 else
                                     after if k < 9 else anywhere)


@st.composite
def circles(draw: st.DrawFn, present: list[tuple[float, float]],
            places: list[tuple[float, float]]) -> tuple[float, float]:
    """A query point: near a centre, astride the antimeridian east of Fiji, or by one of
    the places where someone is ``present`` or of the data (so that someone is often found)."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return (-16.48 + draw(st.floats(-0.2, 0.2)),
                draw(st.sampled_from([179.99, 180.0, -180.0, -179.99, -179.9])))
    if kind <= 4:
        lat, lon = draw(st.sampled_from(present if kind <= 3 else places))
        return lat + draw(st.floats(-0.2, 0.2)), wrap(lon + draw(st.floats(-0.2, 0.2)))
    return draw(near())[1]


@st.composite
def polygons(draw: st.DrawFn, facts: Facts) -> list[tuple[float, float]]:
    """A star-shaped ring round a point near a centre or a place of the data, as (lon, lat)."""
    lat, lon = draw(st.one_of(near().map(lambda n: n[1]), st.sampled_from(facts.points())))
    if abs(lon) > 179.4:  # a GeoJSON ring may not cross the antimeridian: keep to one side
        lon = math.copysign(179.4, lon)
    count = draw(st.integers(3, 7))
    steps = sorted(draw(st.lists(st.integers(0, 35), min_size=count, max_size=count,
                                 unique=True)))  # tens of degrees: no two vertices alike
    radii = draw(st.lists(st.floats(0.03, 0.45), min_size=count, max_size=count))
    return [(lon + r * math.cos(math.radians(10 * a)), lat + r * math.sin(math.radians(10 * a)))
            for a, r in zip(steps, radii, strict=True)]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(plans=st.lists(person_plans(), min_size=2, max_size=6), data=st.data())
def test_whereabouts_agree_with_a_brute_force(world: World, plans: list[dict[str, Any]],
                                             data: Any) -> None:
    with transaction.atomic():
        planned = build(world, plans)
        # Local wall-clock times came back as the UTC instants they were typed from.
        for segment, departs, arrives in planned:
            assert (segment.departs_at, segment.arrives_at) == (departs, arrives)
        facts = Facts.read()
        assert all(end - start <= TWO_WEEKS for start, end in
                   Presence.objects.values_list("starts_at", "ends_at"))
        people = {p.pk: p for p in Person.objects.all()}
        family = {d.pk: d for d in Dependant.objects.select_related("person")}
        for at in data.draw(st.lists(moments(facts), min_size=1, max_size=3), label="times"):
            include_pending = data.draw(st.booleans(), label="include_pending")
            event("at a departure, arrival or cut" if at in facts.boundaries() else
                  "at another time")
            if any(trip.legs[-1].arrives == at and trip.status == "cleared"
                   for trips in facts.trips.values() for trip in trips):
                event("at the end of a cleared trip")
            # where(), for everyone.
            for key in facts.subjects():
                person, dependant = key
                got = whereabouts.where(at=at, person=people[person], include_pending=
                                        include_pending) if dependant is None else \
                    whereabouts.where(at=at, dependant=family[dependant],
                                      include_pending=include_pending)
                expected = facts.where(key, at, include_pending)
                event(f"where: {expected.basis}")
                if expected.request_id and not facts.counted(key):
                    event("where: a traveller no longer counted")
                assert got.key == key
                assert (got.basis, got.points, got.request_id, got.segment_id) == (
                    expected.basis, expected.points, expected.request_id,
                    expected.segment_id), (key, at)
            # who_is_near(), round a few points.
            # Round where people are presumed now (travellers first), and other places.
            present = sorted({p for key in facts.subjects()
                              for p in facts.where(key, at, include_pending).points})
            away = sorted({p for key in facts.subjects()
                           for e in [facts.where(key, at, include_pending)]
                           if e.request_id for p in e.points})
            for lat, lon in data.draw(st.lists(circles(away or present, facts.points()),
                                               min_size=1, max_size=4), label="circles"):
                def inside(p: tuple[float, float], lat: float = lat,
                           lon: float = lon) -> bool | None:
                    d = km_between((lat, lon), p)
                    return None if abs(d - RADIUS_KM) < 1e-6 else d < RADIUS_KM

                expected_near, unsure = facts.present(at, include_pending, inside)
                found = whereabouts.who_is_near(lat, lon, RADIUS_KM, at,
                                                include_pending=include_pending)
                check_region(found, expected_near, unsure, f"near {lat},{lon} at {at}")
                for w in found:
                    event(f"near: {w.basis}")
            # who_is_in() a polygon.
            ring = data.draw(polygons(facts), label="polygon")
            geometry = {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]}
            expected_in, unsure = facts.present(at, include_pending,
                                                lambda p, ring=ring: in_polygon(p, ring))
            check_region(whereabouts.who_is_in(at, geometry=geometry,
                                               include_pending=include_pending),
                         expected_in, unsure, f"in {geometry} at {at}")
            # who_is_in() a security area without a boundary.
            for area in world.areas:
                check_region(whereabouts.who_is_in(at, area=area,
                                                   include_pending=include_pending),
                             *facts.in_area(area.pk, at, include_pending),
                             f"in {area.code} at {at}")
        transaction.set_rollback(True)


# --- Examples -------------------------------------------------------------------------------------

@pytest.fixture
def dubai(cast: Any, levels: Any) -> SecurityArea:
    uae = Country.objects.get(iso2="AE")
    area = SecurityArea.objects.create(country=uae, code="DXB", name="Dubai")
    set_level(area, 2, get_user_model().objects.create_user(username="dxb-level"))
    return area


DUBAI_AIRPORT, DUBAI_HOTEL = (25.2532, 55.3657), (25.1972, 55.2744)


def to_dubai_and_back(cast: Any, airline: Any, area: SecurityArea) -> list[dict[str, Any]]:
    """Nairobi 23:30 (UTC+3) to Dubai 01:15 the next day (UTC+4), back four days later."""
    day = (timezone.now() + dt.timedelta(days=30)).date()
    uae = area.country
    dubai_end = {"country": uae, "area": area, "latitude": DUBAI_AIRPORT[0],
                 "longitude": DUBAI_AIRPORT[1], "name": "Dubai", "tz": "Asia/Dubai"}
    return [
        {"origin_station": cast.nairobi, "departs_local": dt.datetime.combine(day, dt.time(23, 30)),
         **{f"destination_{k}": v for k, v in dubai_end.items()},
         "arrives_local": dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1, 15)),
         "mode": "air", "operator": airline, "flight_number": "KQ 310",
         "lodging_name": "Hotel", "lodging_latitude": DUBAI_HOTEL[0],
         "lodging_longitude": DUBAI_HOTEL[1]},
        {**{f"origin_{k}": v for k, v in dubai_end.items()}, "destination_station": cast.nairobi,
         "departs_local": dt.datetime.combine(day + dt.timedelta(days=5), dt.time(9, 0)),
         "arrives_local": dt.datetime.combine(day + dt.timedelta(days=5), dt.time(13, 0)),
         "mode": "air", "operator": airline, "flight_number": "KQ 311"}]


NAIROBI = (-1.286, 36.817)


def test_a_flight_across_midnight_and_zones(cast: Any, traveller: Any, airline: Any,
                                           dubai: Any) -> None:
    # Tom is 9: BSAFE does not concern him yet (training's minimum age for dependants).
    cast.amina_child.date_of_birth = timezone.localdate() - dt.timedelta(days=9 * 365)
    cast.amina_child.save()
    request = services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "Conference"},
        segments=to_dubai_and_back(cast, airline, dubai), dependants=[cast.amina_child],
        submit=True)
    assert request.status == TravelRequest.Status.CLEARED
    out, back = request.segments.order_by("position")
    day = out.departs_at.date()
    assert out.departs_at == dt.datetime.combine(day, dt.time(20, 30), dt.UTC)
    assert out.arrives_at == dt.datetime.combine(day, dt.time(21, 15), dt.UTC)
    # Back from Dubai at 09:00 (05:00 UTC), in Nairobi at 13:00 (10:00 UTC).
    assert back.departs_at == dt.datetime.combine(day + dt.timedelta(days=5), dt.time(5, 0),
                                                  dt.UTC)
    assert back.arrives_at == dt.datetime.combine(day + dt.timedelta(days=5), dt.time(10, 0),
                                                  dt.UTC)

    def where(at: dt.datetime, **who: Any) -> tuple[str, tuple[tuple[float, float], ...]]:
        found = whereabouts.where(at=at, **who)
        return found.basis, found.points

    amina, child = {"person": cast.amina}, {"dependant": cast.amina_child}
    home = ((cast.amina.residence_latitude, cast.amina.residence_longitude),)
    tick = dt.timedelta(microseconds=1)
    # At home until the departure; in transit from it, at both ends.
    assert where(out.departs_at - tick, **amina) == ("residence", home)
    assert where(out.departs_at, **amina) == ("transit", (NAIROBI, DUBAI_AIRPORT))
    assert where(out.arrives_at - tick, **child) == ("transit", (NAIROBI, DUBAI_AIRPORT))
    # From the moment of arrival, at the hotel; in transit again from the departure home.
    assert where(out.arrives_at, **amina) == ("stay", (DUBAI_HOTEL,))
    assert where(out.arrives_at, **child) == ("stay", (DUBAI_HOTEL,))
    assert where(back.departs_at - tick, **amina) == ("stay", (DUBAI_HOTEL,))
    assert where(back.departs_at, **amina) == ("transit", (DUBAI_AIRPORT, NAIROBI))
    # Home on arrival: the trip ends at the duty station.
    assert where(back.arrives_at, **amina) == ("residence", home)
    assert where(back.arrives_at, **child) == ("residence", home)
    # Near either end while in transit; near Dubai only once arrived.
    during = whereabouts.who_is_near(*DUBAI_AIRPORT, 25, out.departs_at)
    assert {(w.key, w.basis) for w in during} == {
        ((cast.amina.pk, None), "transit"), ((cast.amina.pk, cast.amina_child.pk), "transit")}
    in_nairobi = {w.key: w.basis for w in whereabouts.who_is_near(*NAIROBI, 25,
                                                                  out.departs_at)}
    assert in_nairobi[(cast.amina.pk, None)] == "transit"
    assert {w.key: w.basis for w in whereabouts.who_is_near(
        *NAIROBI, 25, out.arrives_at)}.get((cast.amina.pk, None)) is None
    assert whereabouts.who_is_near(*DUBAI_AIRPORT, 25, out.departs_at - tick) == []
    staying = whereabouts.who_is_in(out.arrives_at, area=dubai)
    assert {(w.key, w.basis) for w in staying} == {
        ((cast.amina.pk, None), "stay"), ((cast.amina.pk, cast.amina_child.pk), "stay")}


def test_a_pending_trip_counts_only_when_asked_for(cast: Any, traveller: Any, trip: Any,
                                                   levels: Any) -> None:
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Assessment"},
                                      segments=trip.there_and_back(cast.mogadishu), submit=True)
    assert request.status == TravelRequest.Status.PENDING
    middle = request.segments.order_by("position")[0].arrives_at + dt.timedelta(hours=5)
    mogadishu = (cast.mogadishu.latitude, cast.mogadishu.longitude)
    assert whereabouts.where(at=middle, person=cast.amina).basis == "residence"
    pending = whereabouts.where(at=middle, person=cast.amina, include_pending=True)
    assert (pending.basis, pending.points, pending.cleared) == ("stay", (mogadishu,), False)
    assert cast.amina.pk not in {w.person_id for w in whereabouts.who_is_near(
        *mogadishu, 25, middle)}
    assert cast.amina.pk in {w.person_id for w in whereabouts.who_is_near(
        *mogadishu, 25, middle, include_pending=True)}
    assert cast.amina.pk not in {w.person_id for w in whereabouts.who_is_in(
        middle, area=levels["mgq"])}
    assert cast.amina.pk in {w.person_id for w in whereabouts.who_is_in(
        middle, area=levels["mgq"], include_pending=True)}
    # Nor is she away from home, unless pending trips count.
    home = (cast.amina.residence_latitude, cast.amina.residence_longitude)
    assert {w.key for w in whereabouts.who_is_near(*home, 1, middle)} >= {
        (cast.amina.pk, None), (cast.amina.pk, cast.amina_child.pk)}
    # Her child stays home either way.
    assert {w.key for w in whereabouts.who_is_near(*home, 1, middle, include_pending=True)
            if w.person_id == cast.amina.pk} == {(cast.amina.pk, cast.amina_child.pk)}


def test_separated_staff_and_ineligible_dependants_at_home_are_never_counted(cast: Any) -> None:
    now = timezone.now()
    home = (-1.2, 36.8)  # every cast member's residence
    everyone = {w.key for w in whereabouts.who_is_near(*home, 1, now)}
    assert (cast.amina.pk, cast.amina_child.pk) in everyone
    assert (cast.fatuma.pk, cast.fatuma_spouse.pk) in everyone
    Person.objects.filter(pk=cast.amina.pk).update(status=Person.Status.SEPARATED)
    Dependant.objects.filter(pk=cast.fatuma_spouse.pk).update(status=Dependant.Status.INACTIVE)
    left = {w.key for w in whereabouts.who_is_near(*home, 1, now)}
    assert left == {(cast.omar.pk, None), (cast.fatuma.pk, None)}
    by_area = {w.key for w in whereabouts.who_is_in(now, area=cast.nbi_area)}
    assert by_area == set()  # only Amina and her child work or live by Nairobi's station
    box = {"type": "Polygon", "coordinates": [[[36.7, -1.3], [36.9, -1.3], [36.9, -1.1],
                                               [36.7, -1.1], [36.7, -1.3]]]}
    assert {w.key for w in whereabouts.who_is_in(now, geometry=box)} == left


def test_an_area_with_a_boundary_is_its_polygon(cast: Any) -> None:
    now = timezone.now()
    box = {"type": "Polygon", "coordinates": [[[36.7, -1.3], [36.9, -1.3], [36.9, -1.1],
                                               [36.7, -1.1], [36.7, -1.3]]]}
    cast.nbi_area.boundary = box
    cast.nbi_area.save()
    assert whereabouts.who_is_in(now, area=cast.nbi_area) == whereabouts.who_is_in(
        now, geometry=box)
    assert len(whereabouts.who_is_in(now, area=cast.nbi_area)) == 5
    with pytest.raises(TypeError):
        whereabouts.who_is_in(now)
    with pytest.raises(TypeError):
        whereabouts.where(at=now)


def test_without_a_residence_staff_are_at_their_duty_station_and_so_is_their_family(
        cast: Any) -> None:
    now = timezone.now()
    Person.objects.filter(pk=cast.fatuma.pk).update(residence_latitude=None,
                                                    residence_longitude=None)
    fatuma = Person.objects.get(pk=cast.fatuma.pk)
    station = ((cast.mogadishu.latitude, cast.mogadishu.longitude),)
    found = whereabouts.where(at=now, person=fatuma)
    assert (found.basis, found.points) == ("duty_station", station)
    spouse = Dependant.objects.get(pk=cast.fatuma_spouse.pk)
    assert whereabouts.where(at=now, dependant=spouse).points == station
    near = {w.key: w.basis for w in whereabouts.who_is_near(*station[0], 5, now)}
    assert near == {(fatuma.pk, None): "duty_station", (fatuma.pk, spouse.pk): "duty_station"}


# Plain trips for the faults below: a draft filed through the services, then put in a state.

def trip_rows(cast: Any, stops: list[tuple[Any, dt.datetime, dt.datetime]],
              stays_until: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Segments from Nairobi through each (station, departure, arrival), times in UTC."""
    rows, origin = [], cast.nairobi
    for station, departs, arrives in stops:
        rows.append({"origin_station": origin, "destination_station": station,
                     "departs_local": departs, "arrives_local": arrives, "mode": "road"})
        origin = station
    if stays_until is not None:
        rows[-1]["stays_until_local"] = stays_until
    return rows


@pytest.fixture
def filer(cast: Any, user_with: Any) -> World:
    return World(user_with(Role.ADMINISTRATOR), cast.undp, [], [], [])


DAY = dt.datetime(2031, 5, 1, 6, 0, tzinfo=dt.UTC)


def days(n: float) -> dt.datetime:
    return DAY + dt.timedelta(days=n)


def test_a_stay_longer_than_two_weeks_is_found_throughout(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1))],
                                           stays_until=days(40)), "cleared")
    assert Presence.objects.filter(kind="stay").count() == 3
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    for moment in (days(0.1), days(14.1), days(14.1) - dt.timedelta(microseconds=1),
                   days(28.1), days(39.9)):
        assert whereabouts.where(at=moment, person=cast.amina).basis == "stay"
        assert cast.amina.pk in {w.person_id for w in whereabouts.who_is_near(*mombasa, 25,
                                                                              moment)}
    assert whereabouts.where(at=days(40), person=cast.amina).basis == "residence"


def test_a_separated_traveller_is_not_counted(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1))],
                                           stays_until=days(5)), "cleared")
    Person.objects.filter(pk=cast.amina.pk).update(status=Person.Status.SEPARATED)
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    assert cast.amina.pk not in {w.person_id for w in whereabouts.who_is_near(
        *mombasa, 25, days(2))}


def test_an_ineligible_dependant_on_a_trip_is_not_counted(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1))],
                                           stays_until=days(5)), "cleared",
              [cast.amina_child])
    Dependant.objects.filter(pk=cast.amina_child.pk).update(status=Dependant.Status.INACTIVE)
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    keys = {w.key for w in whereabouts.who_is_near(*mombasa, 25, days(2))}
    assert (cast.amina.pk, None) in keys
    assert (cast.amina.pk, cast.amina_child.pk) not in keys


def test_who_is_near_gives_both_ends_of_a_segment_in_progress(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mogadishu, days(0), days(0.2))],
                                           stays_until=days(3)), "cleared")
    mogadishu = (cast.mogadishu.latitude, cast.mogadishu.longitude)
    where = whereabouts.where(at=days(0.1), person=cast.amina)
    assert where.points == (NAIROBI, mogadishu)
    (near,) = [w for w in whereabouts.who_is_near(*NAIROBI, 25, days(0.1))
               if w.key == (cast.amina.pk, None)]
    assert near.points == where.points


def test_overlapping_trips_count_the_traveller_once(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1)),
                                                  (cast.nairobi, days(9), days(9.1))]),
              "cleared")
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mogadishu, days(4), days(4.1)),
                                                  (cast.nairobi, days(7), days(7.1))]),
              "cleared")
    at = days(5)
    where = whereabouts.where(at=at, person=cast.amina)
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    mogadishu = (cast.mogadishu.latitude, cast.mogadishu.longitude)
    assert where.points == (mogadishu,)  # the later-starting trip wins
    places = [p for p in (mombasa, mogadishu) if cast.amina.pk in {
        w.person_id for w in whereabouts.who_is_near(*p, 25, at)}]
    assert places == [mogadishu]


def test_the_later_trip_wins_throughout_its_stay(cast: Any, filer: Any) -> None:
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1))],
                                           stays_until=days(30)), "cleared")
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mogadishu, days(10), days(10.1))],
                                           stays_until=days(20)), "cleared")
    mogadishu = (cast.mogadishu.latitude, cast.mogadishu.longitude)
    assert whereabouts.where(at=days(12), person=cast.amina).points == (mogadishu,)
    assert whereabouts.where(at=days(16), person=cast.amina).points == (mogadishu,)


def test_each_end_of_a_segment_keeps_its_own_area(cast: Any, filer: Any, areas: Any) -> None:
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    rows = [{"origin_name": "Mombasa port", "origin_country": cast.kenya,
             "origin_latitude": mombasa[0], "origin_longitude": mombasa[1],
             "origin_tz": "Africa/Nairobi", "destination_station": cast.mombasa,
             "departs_local": days(0), "arrives_local": days(0.1), "mode": "road",
             "stays_until_local": days(2)}]
    file_trip(filer, cast.amina, rows, "cleared")
    assert cast.mombasa.security_area == areas["mba"]
    assert cast.amina.pk in {w.person_id for w in whereabouts.who_is_in(days(1),
                                                                         area=areas["mba"])}
    assert cast.amina.pk in {w.person_id for w in whereabouts.who_is_in(days(0.05),
                                                                         area=areas["mba"])}


def test_who_is_near_and_who_is_in_read_in_one_statement(
        cast: Any, filer: Any, areas: Any, django_assert_num_queries: Any) -> None:
    """Travellers, their trips, people at home and their families come in one statement
    (whereabouts._statement); the answers are the brute force's (above)."""
    file_trip(filer, cast.amina, trip_rows(cast, [(cast.mombasa, days(0), days(0.1))],
                                           stays_until=days(5)), "cleared", [cast.amina_child])
    mombasa = (cast.mombasa.latitude, cast.mombasa.longitude)
    with django_assert_num_queries(1):
        near = whereabouts.who_is_near(*mombasa, 25, days(2))
    assert {(cast.amina.pk, None), (cast.amina.pk, cast.amina_child.pk)} <= {w.key for w in near}
    ring = [[mombasa[1] - 0.2, mombasa[0] - 0.2], [mombasa[1] + 0.2, mombasa[0] - 0.2],
            [mombasa[1] + 0.2, mombasa[0] + 0.2], [mombasa[1] - 0.2, mombasa[0] + 0.2]]
    with django_assert_num_queries(1):
        inside = whereabouts.who_is_in(days(2), geometry={
            "type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    assert [w.key for w in inside] == [w.key for w in near]
    area = SecurityArea.objects.get(pk=areas["mba"].pk)
    with django_assert_num_queries(1):
        in_area = whereabouts.who_is_in(days(2), area=area)
    assert (cast.amina.pk, None) in {w.key for w in in_area}


def test_the_statement_names_the_models_tables() -> None:
    """whereabouts._statement writes the tables' names out (no SQL built from variables)."""
    text = whereabouts._statement(whereabouts.circle(0, 0, 25), None, BASE, False).text()
    for model in (Presence, TravelRequest, Person, Dependant, DutyStation):
        assert f" {model._meta.db_table} " in text
    for column in ("residence_latitude", "residence_longitude", "duty_station_id", "cell",
                   "security_area_id", "starts_at", "ends_at", "cleared"):
        assert column in {f.column for model in (Presence, Person, Dependant, DutyStation)
                          for f in model._meta.concrete_fields}
