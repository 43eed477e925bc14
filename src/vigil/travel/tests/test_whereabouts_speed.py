"""The who-is-where page at scale (issue 16, B1): it counts everyone found in the reader's
scope but builds and checks only the rows it lists, in the same number of queries however
many people are found; and the rows it lists are the first of the full answer's."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Perm, Role, ScopeKind, visible
from vigil.core.tests.query_counts import queries, queries_of
from vigil.people.models import Dependant, Person
from vigil.travel import rules, selectors, services, views, whereabouts
from vigil.travel.models import TravelRequest

pytestmark = pytest.mark.django_db

NAIROBI = (-1.286, 36.817)
AT = dt.datetime(2031, 5, 3, 6, 0, tzinfo=dt.UTC)


def crowd(cast: Any, actor: Any, first: int, n: int) -> None:
    """``n`` people round Nairobi, of three kinds in turn: Nairobi staff at their residence
    with a child, Nairobi staff without a residence (at the duty station, with their spouse),
    and Mogadishu staff who live in Nairobi (out of a Kenya officer's scope). Every third of
    them from Mogadishu also stays in Nairobi on a cleared trip with a dependant (in scope:
    the trip's stop is in Kenya)."""
    for number in range(first, first + n):
        kind = number % 3
        station = cast.mogadishu if kind == 2 else cast.nairobi
        home = (None, None) if kind == 1 else (NAIROBI[0] + 0.01, NAIROBI[1] + 0.01)
        person = Person.objects.create(
            index_number=f"SP-{number}", family_name=f"Crowd {number}", given_name="B",
            organization=cast.undp, category="international", duty_station=station,
            residence_latitude=home[0], residence_longitude=home[1])
        child = Dependant.objects.create(person=person, family_name=f"Crowd {number}",
                                         given_name="C", relationship="child")
        if kind == 2 and number % 2 == 0:
            stay = [{"origin_station": cast.mogadishu, "destination_station": cast.nairobi,
                     "departs_local": AT - dt.timedelta(days=2),
                     "arrives_local": AT - dt.timedelta(days=2) + dt.timedelta(hours=3),
                     "mode": "road", "stays_until_local": AT + dt.timedelta(days=4)}]
            request = services.request_create(actor=actor, traveller=person,
                                              data={"purpose": "Mission"}, segments=stay,
                                              dependants=[child])
            TravelRequest.objects.filter(pk=request.pk).update(
                status=TravelRequest.Status.CLEARED)
            request.status = TravelRequest.Status.CLEARED
            services.presence_rebuild(request)


def page_url() -> str:
    return (reverse("travel:whereabouts") + f"?latitude={NAIROBI[0]}&longitude={NAIROBI[1]}"
            f"&radius_km=25&at={AT:%Y-%m-%dT%H:%M}")


def map_url() -> str:
    return page_url().replace(reverse("travel:whereabouts"),
                              reverse("travel:whereabouts_geojson"))


@pytest.fixture
def readers(cast: Any, user_with: Any) -> list[Any]:
    return [user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
            user_with(Role.SECURITY_OFFICER),
            user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)]


def counts(client: Any, readers: list[Any]) -> list[int]:
    found = []
    for reader in readers:
        client.force_login(reader)
        found += [queries(client, page_url()), queries(client, map_url())]
    return found


def test_the_page_asks_the_same_queries_for_few_and_many_people(client, cast, readers,
                                                                 user_with, monkeypatch):
    monkeypatch.setattr(views, "PAGE_ROWS", 10)
    monkeypatch.setattr(views, "MAP_POINTS", 12)
    actor = user_with(Role.ADMINISTRATOR)
    crowd(cast, actor, 0, 6)
    counts(client, readers)  # settings rows and caches are made on the first read
    few = counts(client, readers)
    crowd(cast, actor, 6, 30)
    assert counts(client, readers) == few
    client.force_login(readers[1])
    page = client.get(page_url())
    assert page.context["count"] > 40
    assert len(page.context["rows"]) == 10
    assert page.context["truncated"]
    assert len(client.get(map_url()).json()["features"]) == 12


def test_the_api_reads_every_row_in_the_same_queries_for_few_and_many(api, cast, readers,
                                                                      user_with):
    """The API lists every answer: the columns its rows read are loaded with them (no field
    of a staff member, dependant or trip loads on its own)."""
    actor = user_with(Role.ADMINISTRATOR)
    query = {"lat": NAIROBI[0], "lon": NAIROBI[1], "radius_km": 25, "at": AT.isoformat()}

    def asked() -> list[int]:
        found = []
        for reader in readers:
            with CaptureQueriesContext(connection) as captured:
                answer = api(reader).get("/api/v1/whereabouts/near/", query)
            assert answer.status_code == 200
            found.append(len(captured))
        return found

    crowd(cast, actor, 0, 6)
    asked()
    few = asked()
    crowd(cast, actor, 6, 30)
    assert asked() == few


def keys(rows: list[selectors.Row]) -> list[tuple[int, int | None]]:
    return [(r.person.pk, r.dependant.pk if r.dependant else None) for r in rows]


@pytest.mark.parametrize("limit", [0, 7, None])
def test_the_listed_rows_are_the_first_of_the_whole_answer(cast, readers, user_with, limit):
    crowd(cast, user_with(Role.ADMINISTRATOR), 0, 24)
    for reader in readers:
        whole = selectors.who_is_near(user=reader, lat=NAIROBI[0], lon=NAIROBI[1],
                                      radius_km=25, at=AT)
        found = selectors.find_near(user=reader, lat=NAIROBI[0], lon=NAIROBI[1],
                                    radius_km=25, at=AT, limit=limit)
        assert found.count == len(whole)
        assert found.travelling == sum(1 for r in whole if r.trip is not None)
        shown = whole if limit is None else whole[:limit]
        assert keys(found.rows) == keys(shown)
        assert [(r.place, r.where, r.name, r.trip) for r in found.rows] == [
            (r.place, r.where, r.name, r.trip) for r in shown]


def test_the_scope_keeps_trips_by_their_stop_and_others_by_the_duty_station(cast, readers,
                                                                            user_with):
    """Both directions: a Kenya officer sees the Mogadishu staff staying in Nairobi on a trip
    and everyone of a Kenyan duty station, not the Mogadishu staff at home in Nairobi; a
    global reader sees them all."""
    crowd(cast, user_with(Role.ADMINISTRATOR), 0, 12)
    kenya, everywhere, official = readers
    seen = {}
    for reader in (kenya, everywhere, official):
        seen[reader.pk] = {(r.person.duty_station.code, r.trip is not None, r.place.basis)
                           for r in selectors.who_is_near(user=reader, lat=NAIROBI[0],
                                                          lon=NAIROBI[1], radius_km=25, at=AT)}
    assert ("SO-MGQ", True, "stay") in seen[kenya.pk]
    assert ("SO-MGQ", False, "residence") not in seen[kenya.pk]
    assert ("SO-MGQ", False, "residence") in seen[everywhere.pk]
    assert {("KE-NBO", False, "residence"), ("KE-NBO", False, "duty_station")} <= seen[kenya.pk]
    assert seen[official.pk] == seen[kenya.pk]


def test_a_reader_without_personal_data_gets_the_duty_station_and_no_dependant_name(
        cast, readers, user_with):
    crowd(cast, user_with(Role.ADMINISTRATOR), 0, 3)
    officer, _everywhere, official = readers
    for reader, personal in ((officer, True), (official, False)):
        found = selectors.find_near(user=reader, lat=NAIROBI[0], lon=NAIROBI[1],
                                    radius_km=25, at=AT, limit=None)
        residents = [r for r in found.rows if r.person.residence_latitude is not None
                     and r.trip is None and r.person.duty_station == cast.nairobi]
        assert residents
        for row in residents:
            at_station = row.place.points == ((cast.nairobi.latitude, cast.nairobi.longitude),)
            assert at_station is not personal
        named = {r.dependant.family_name != "" for r in found.rows
                 if r.dependant and r.person.duty_station == cast.nairobi}
        assert named == {personal}
        # The Mogadishu staff's families on a trip in Nairobi are named to neither: the
        # dependant's scope is the staff member's duty station.
        assert {r.dependant.family_name for r in found.rows if r.dependant
                and r.person.duty_station == cast.mogadishu} == {""}


# --- Coverage (SP2.2.c.i) ------------------------------------------------------------------------

def confirmations(n: int) -> None:
    """Residences confirmed at different ages, some never, some without coordinates."""
    for number, person in enumerate(Person.objects.order_by("pk")[:n]):
        person.residence_confirmed_on = (None if number % 4 == 0 else
                                         timezone.localdate() - dt.timedelta(days=200 * (
                                             number % 4 - 1)))
        if number % 5 == 0:
            person.residence_latitude = person.residence_longitude = None
        person.save()


def grouped_in_the_database(user: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The figures as the page counted them before (one GROUP BY per population and
    grouping, by code and name): the reference for the rolled-up counts."""
    now = timezone.now()
    cutoff = timezone.localdate() - dt.timedelta(days=selectors.travel_settings()
                                                 .residence_days)
    everyone, households = selectors._whereabouts_known(now, cutoff)
    staff = visible(user, Perm.VIEW_COVERAGE, everyone)
    family = visible(user, Perm.VIEW_COVERAGE, households)
    out: dict[str, dict[tuple[str, str], list[int]]] = {"station": {}, "organization": {}}
    for index, (qs, prefix) in enumerate(((staff, ""), (family, "person__"))):
        for key, fields in (("station", (f"{prefix}duty_station__code",
                                         f"{prefix}duty_station__name")),
                            ("organization", (f"{prefix}organization__code",
                                              f"{prefix}organization__name"))):
            for row in qs.values(*fields).annotate(total=Count("pk"), known=Sum("covered")):
                cell = out[key].setdefault((row[fields[0]], row[fields[1]]), [0, 0, 0, 0])
                cell[2 * index] += row["total"]
                cell[2 * index + 1] += row["known"] or 0
    return {key: sorted((*k, *v) for k, v in groups.items()) for key, groups in out.items()}


def figures(data: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    return {key: sorted((r["code"], r["name"], r["staff"], r["staff_known"], r["dependants"],
                         r["dependants_known"]) for r in data[f"by_{key}"])
            for key in ("station", "organization")}


def test_coverage_counts_as_one_group_by_per_grouping_did(cast, readers, user_with):
    crowd(cast, user_with(Role.ADMINISTRATOR), 0, 18)
    Person.objects.filter(family_name="Crowd 4").update(organization=cast.wfp)
    confirmations(20)
    for reader in [*readers, user_with(Role.PROGRAMME_MANAGER)]:
        data = selectors.coverage(user=reader)
        assert figures(data) == grouped_in_the_database(reader)
        assert data["total"] == sum(r["total"] for r in data["by_organization"])


def test_the_coverage_page_asks_the_same_queries_for_few_and_many_people(client, cast,
                                                                         user_with):
    readers = [user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
               user_with(Role.ADMINISTRATOR), user_with(Role.PROGRAMME_MANAGER)]
    actor = user_with(Role.ADMINISTRATOR)
    crowd(cast, actor, 0, 3)
    confirmations(4)
    url = reverse("travel:coverage")
    queries_of(client, readers, [url])  # settings rows and caches are made on the first read
    few = queries_of(client, readers, [url])
    crowd(cast, actor, 3, 24)
    confirmations(30)
    assert queries_of(client, readers, [url]) == few


# --- who_is_in: a polygon tests every point of an answer in one call --------------------------

def test_a_polygon_tests_many_points_as_it_tests_each(db):
    """Region.contains_all (one vectorized call) gives covers' answer for every point:
    inside, outside, on a corner and on an edge, for polygons and multipolygons."""
    rng = random.Random(3)
    for number in range(60):
        corners = rng.randint(5, 8)
        lat, lon, size = rng.uniform(-60, 60), rng.uniform(-170, 170), rng.uniform(0.05, 0.3)
        ring = [[round(lon + size * math.cos(2 * math.pi * i / corners) * rng.uniform(0.6, 1.2),
                       6),
                 round(lat + size * math.sin(2 * math.pi * i / corners) * rng.uniform(0.6, 1.2),
                       6)] for i in range(corners)]
        ring.append(ring[0])
        geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
        if number % 5 == 0:
            geometry = {"type": "MultiPolygon", "coordinates": [
                [ring], [[[x + 1, y] for x, y in ring]]]}
        region = whereabouts.polygon(geometry)
        points = [(lat + rng.uniform(-size, size) * 1.3, lon + rng.uniform(-size, size) * 1.3)
                  for _ in range(200)]
        points += [(y, x) for x, y in ring]
        points += [(ring[0][1], x) for x, _y in ring] + [((ring[0][1] + ring[1][1]) / 2,
                                                          (ring[0][0] + ring[1][0]) / 2)]
        one_by_one = {point: region.contains(*point) for point in points}
        assert region.test(points) == one_by_one
        assert any(one_by_one.values())
        assert not all(one_by_one.values())
    assert whereabouts.polygon(geometry).test([]) == {}


def test_a_circle_tests_each_point_as_the_distance_rule_does():
    """circle()'s test works out the centre's terms once: the same answer as
    rules.distance_km <= radius at every point, most of them a hair from the edge, near the
    poles and across the antimeridian."""
    rng = random.Random(7)
    for _ in range(300):
        lat, lon = rng.uniform(-89.5, 89.5), rng.uniform(-180, 180)
        radius = rng.choice([0.5, 25.0, 25.000000001, rng.uniform(0.1, 2000)])
        region = whereabouts.circle(lat, lon, radius)
        for _point in range(40):
            bearing = rng.uniform(0, 2 * math.pi)
            reach = radius * rng.choice([1.0, 1 - 1e-12, 1 + 1e-12, rng.uniform(0, 1.5)])
            d = reach / rules.EARTH_RADIUS_KM
            p1, l1 = math.radians(lat), math.radians(lon)
            p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d)
                                         + math.cos(p1) * math.sin(d) * math.cos(bearing))))
            l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                                 math.cos(d) - math.sin(p1) * math.sin(p2))
            a, b = math.degrees(p2), (math.degrees(l2) + 180) % 360 - 180
            assert region.contains(a, b) is (rules.distance_km(lat, lon, a, b) <= radius)
    assert whereabouts.circle(0, 0, 25).contains(0, 0)
