"""Demo incidents: two years of security returns around the demo duty stations, in every
category, verified or not, some with named personnel and premises affected, so that the list,
the map and the statistics have content."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.incidents.models import AffectedAsset, AffectedPerson, Impact, Incident, IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.people.models import Person
from vigil.places.models import DutyStation, Premises

# (category code, subcategory code or "", title, weight)
KINDS = [
    ("crime", "robbery", "Armed robbery of a staff member", 8),
    ("crime", "burglary", "Burglary at a staff residence", 7),
    ("crime", "carjacking", "Carjacking of a UN vehicle", 3),
    ("road-traffic", "", "Road traffic accident involving a UN vehicle", 8),
    ("civil-unrest", "demonstration", "Demonstration blocking the road to the compound", 5),
    ("civil-unrest", "riot", "Riot near the market", 2),
    ("armed-conflict", "crossfire", "Staff caught in crossfire", 2),
    ("terrorism", "ied", "Improvised explosive device on a supply route", 1),
    ("abduction", "kidnapping", "Abduction of a national staff member", 1),
    ("attack-on-premises", "raid", "Armed intrusion into a UN compound", 2),
    ("attack-on-vehicle", "ambush", "Convoy ambushed", 1),
    ("hazard", "flood", "Flooding of the warehouse district", 2),
    ("fire", "", "Fire in an office building", 1),
    ("other-safety", "", "Staff member injured in a fall on site", 2),
]
COUNT = {"small": 120, "medium": 800, "large": 4000}
HOME = ["KE", "SO", "SS", "ET", "CD"]


def load_incidents(ctx: DemoContext) -> None:
    # A test database flushed between tests has lost the migration's rows.
    ensure_default(IncidentCategory)
    officer = get_user_model().objects.get(username="security.officer")
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    # Most incidents where the demo's officers work (Kenya, Somalia, South Sudan, Ethiopia,
    # DR Congo), the rest across the other field stations.
    home = list(DutyStation.objects.filter(country__iso2__in=HOME).select_related("country"))
    away = list(DutyStation.objects.exclude(country__iso2__in=[*HOME, "US"]).select_related(
        "country").order_by("pk")[:60])
    premises_of: dict[int, list[Premises]] = {}
    for p in Premises.objects.filter(duty_station__in=[*home, *away]):
        premises_of.setdefault(p.duty_station_id, []).append(p)
    weights = [k[3] for k in KINDS]
    now = timezone.now()
    rows = []
    for _i in range(COUNT.get(ctx.scale.name, 60)):
        cat, sub, title, _w = ctx.rng.choices(KINDS, weights=weights)[0]
        station = ctx.rng.choice(home if home and ctx.rng.random() < 0.6 else away or home)
        when = now - dt.timedelta(days=ctx.rng.uniform(1, 730), hours=ctx.rng.uniform(0, 23))
        killed = 1 if cat in {"armed-conflict", "terrorism", "attack-on-vehicle"} and \
            ctx.rng.random() < 0.3 else 0
        rows.append(Incident(
            category=categories[cat], subcategory=categories.get(sub), title=title,
            occurred_at=when, time_zone=station.time_zone or "UTC", country=station.country,
            security_area=station.security_area, duty_station=station, place=station.name,
            latitude=round(station.latitude + ctx.rng.uniform(-0.05, 0.05), 5),
            longitude=round(station.longitude + ctx.rng.uniform(-0.05, 0.05), 5),
            description="Demo incident.", source="Security return (demo)",
            verification=ctx.rng.choices(
                [Incident.Verification.VERIFIED, Incident.Verification.UNVERIFIED,
                 Incident.Verification.DISPUTED], weights=[7, 3, 1])[0],
            killed=killed, injured=ctx.rng.choice([0, 0, 0, 1, 2]),
            abducted=1 if cat == "abduction" else 0, reported_by=officer))
    Incident.objects.bulk_create(rows, batch_size=1000)
    # Named people and premises on the incidents of the demo's home country.
    affected = []
    assets = []
    for incident in Incident.objects.filter(country__iso2="KE").order_by("pk")[:40]:
        people = list(Person.objects.filter(duty_station_id=incident.duty_station_id)
                      .order_by("pk")[:30])
        if people and incident.category.code in {"crime", "road-traffic", "abduction"}:
            person = ctx.rng.choice(people)
            impact = Impact.ABDUCTED if incident.category.code == "abduction" else \
                ctx.rng.choice([Impact.INJURED, Impact.AFFECTED])
            affected.append(AffectedPerson(incident=incident, person=person, impact=impact))
            if impact == Impact.INJURED:
                incident.injured = max(incident.injured, 1)
            elif impact == Impact.ABDUCTED:
                incident.abducted = max(incident.abducted, 1)
            elif impact == Impact.AFFECTED:
                incident.affected = max(incident.affected, 1)
            incident.save(update_fields=["injured", "abducted", "affected"])
        places = premises_of.get(incident.duty_station_id or 0)
        if places and incident.category.code in {"attack-on-premises", "fire", "hazard"}:
            assets.append(AffectedAsset(incident=incident, premises=places[0],
                                        damage=AffectedAsset.Damage.MINOR))
    AffectedPerson.objects.bulk_create(affected)
    AffectedAsset.objects.bulk_create(assets)
    _colleagues_affected(ctx)
    ctx.counts["incidents"] = Incident.objects.count()


def _colleagues_affected(ctx: DemoContext) -> None:
    """Colleagues caught up in the same Kenyan road accidents and crimes of the last three
    years (two to four more staff on each), so that the share of affected staff who received
    psychological first aid (SP2.2.a.iii) has enough people to be published in each biennium
    without revealing anyone. Its own random source: the steps after this one draw the same
    numbers as before."""
    rng = random.Random("colleagues affected")  # noqa: S311  # nosec B311 - demo data
    since = timezone.now() - dt.timedelta(days=3 * 365)
    named = set(AffectedPerson.objects.values_list("incident_id", "person_id"))
    extra = []
    for incident in Incident.objects.filter(
            country__iso2="KE", occurred_at__gte=since,
            category__code__in=["crime", "road-traffic"]).order_by("pk")[:24]:
        people = list(Person.objects.filter(duty_station_id=incident.duty_station_id,
                                            status="active").order_by("pk")[:60])
        for person in rng.sample(people, min(len(people), rng.randint(2, 4))):
            if (incident.pk, person.pk) not in named:
                named.add((incident.pk, person.pk))
                extra.append(AffectedPerson(incident=incident, person=person,
                                            impact=Impact.AFFECTED))
    AffectedPerson.objects.bulk_create(extra)


register_step(85, "incidents", load_incidents)
