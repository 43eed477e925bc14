"""A window read for all its moments at once (travel.whereabouts.present_during, through the zone)
gives what whereabouts gives moment by moment (each person's first answer, in time order), on a
world drawn at random round Nairobi: staff at home (residence or duty station), dependants
sharing the home or living apart, separated staff and former dependants, and trips of every
shape (cleared or pending, overlapping, in transit across the zone's edge, staff and dependants
apart)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from vigil.crisis import zone as zones
from vigil.crisis.models import Crisis
from vigil.people.models import Dependant, Person
from vigil.places.models import DutyStation
from vigil.travel import rules
from vigil.travel.models import Presence, Segment, TravelRequest

pytestmark = pytest.mark.django_db

NAIROBI = (-1.286, 36.817)
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def near(rng: random.Random, spread: float = 0.4) -> tuple[float, float]:
    return NAIROBI[0] + rng.uniform(-spread, spread), NAIROBI[1] + rng.uniform(-spread, spread)


def world(cast: Any, rng: random.Random) -> None:
    stations = [cast.nairobi, cast.mombasa, *(DutyStation.objects.create(
        code=f"KE-F{n}", name=f"Field {n}", country=cast.kenya, latitude=near(rng)[0],
        longitude=near(rng)[1], time_zone="Africa/Nairobi") for n in range(4))]
    people = []
    for n in range(40):
        person = cast.person(f"2{n:07d}", f"Staff{n}", cast.undp, rng.choice(stations))
        if rng.random() < 0.7:
            person.residence_latitude, person.residence_longitude = near(rng)
        if rng.random() < 0.1:
            person.status = Person.Status.SEPARATED
        person.save()
        people.append(person)
        for k in range(rng.choice([0, 0, 1, 2, 3])):
            dependant = Dependant(person=person, family_name=f"Staff{n}", given_name=f"D{k}",
                                  relationship="child")
            if rng.random() < 0.3:
                dependant.residence_latitude, dependant.residence_longitude = near(rng)
            if rng.random() < 0.1:
                dependant.status = Dependant.Status.INACTIVE
            dependant.save()
    dependants = list(Dependant.objects.filter(person__in=people))
    requester = get_user_model().objects.create_user(username="requester")
    for n in range(60):
        person = rng.choice(people)
        travellers = [(person.pk, None)]
        own = [d for d in dependants if d.person_id == person.pk]
        if own and rng.random() < 0.4:
            travellers.append((person.pk, rng.choice(own).pk))
            if rng.random() < 0.5:
                travellers = travellers[1:]  # the dependant alone
        start = T0 + dt.timedelta(hours=rng.randrange(0, 10 * 24))
        request = TravelRequest.objects.create(
            traveller=person, requested_by=requester, purpose=f"Trip {n}", starts_at=start,
            ends_at=start + dt.timedelta(days=3),
            status=TravelRequest.Status.CLEARED if rng.random() < 0.8
            else TravelRequest.Status.PENDING)
        origin, destination = near(rng, 0.8), near(rng, 0.25)
        segment = Segment.objects.create(
            request=request, position=1, origin_name="A", origin_country=cast.kenya,
            origin_latitude=origin[0], origin_longitude=origin[1], origin_tz="Africa/Nairobi",
            destination_name="B", destination_country=cast.kenya,
            destination_latitude=destination[0], destination_longitude=destination[1],
            destination_tz="Africa/Nairobi", departs_at=start,
            arrives_at=start + dt.timedelta(hours=2))
        cleared = request.status == TravelRequest.Status.CLEARED
        pieces = [(Presence.Kind.TRANSIT, start, start + dt.timedelta(hours=2), origin),
                  (Presence.Kind.TRANSIT, start, start + dt.timedelta(hours=2), destination),
                  (Presence.Kind.STAY, start + dt.timedelta(hours=2),
                   start + dt.timedelta(hours=rng.randrange(3, 14 * 24)), destination)]
        Presence.objects.bulk_create([
            Presence(request=request, segment=segment, person_id=p, dependant_id=d, kind=kind,
                     cleared=cleared, starts_at=since, ends_at=until, latitude=point[0],
                     longitude=point[1], cell=rules.cell(*point), country=cast.kenya)
            for kind, since, until, point in pieces for p, d in travellers])


def one_moment_at_a_time(zone: zones.Zone, start: dt.datetime,
                         end: dt.datetime) -> list[Any]:
    """presumed_in as it was: whereabouts asked at each moment in turn."""
    found: dict[Any, Any] = {}
    for moment in sorted({start, end, *zone.arrivals(start, end)}):
        for w in zone.people_at(moment):
            found.setdefault(w.key, w)
    return list(found.values())


def test_a_window_read_at_once_finds_what_each_moment_finds(cast: Any) -> None:
    rng = random.Random(16)
    world(cast, rng)
    checked = travelling = 0
    for n in range(12):
        radius = rng.choice([3, 10, 25])
        if n % 3 == 2:
            zone = zones.zone_of(Crisis(zone_kind="polygon", polygon=zones.circle_polygon(
                *NAIROBI, radius, corners=5)))
        else:
            zone = zones.zone_of(Crisis(zone_kind="circle", center_latitude=NAIROBI[0],
                                        center_longitude=NAIROBI[1], radius_km=radius))
        start = T0 + dt.timedelta(hours=rng.randrange(0, 12 * 24))
        end = start + dt.timedelta(hours=rng.choice([6, 24, 72]))
        expected = one_moment_at_a_time(zone, start, end)
        assert zones.presumed_in(zone, start, end) == expected
        checked += len(expected)
        travelling += sum(w.basis in ("transit", "stay") for w in expected)
    # The draw is not blind: people at home, people on trips, and both kinds in the windows.
    assert checked > 100
    assert travelling > 10


def test_a_window_read_at_once_takes_a_fixed_number_of_statements(cast: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(7)
    world(cast, rng)
    zone = zones.zone_of(Crisis(zone_kind="circle", center_latitude=NAIROBI[0],
                                center_longitude=NAIROBI[1], radius_km=40))
    start = T0 + dt.timedelta(days=2)
    moments = sorted({start, start + dt.timedelta(days=5),
                      *zone.arrivals(start, start + dt.timedelta(days=5))})
    assert len(moments) > 10
    with CaptureQueriesContext(connection) as captured:
        found = zones.presumed_in(zone, start, start + dt.timedelta(days=5))
    assert found
    # The arrivals; travellers by cell, their trips; staff at home by residence, stations, staff
    # at those, dependants sharing a home, dependants apart; trips of staff, of dependants.
    assert len(captured) == 10
