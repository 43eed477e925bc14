"""Demo safety claims at the New York and Geneva premises, in every status over the past
fourteen months (so the statistics have periods), one linked to an incident at New York, and
one filed by the demo traveller about a fall during a visit to New York."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.hq.models import ClaimantKind, ClaimEvent, ClaimKind, ClaimStatus, SafetyClaim
from vigil.incidents.models import Incident, IncidentCategory
from vigil.incidents.taxonomy import ensure_default
from vigil.people.models import Person
from vigil.places.models import DutyStation, Premises

# (station, kind, claimant kind, visitor's name, days ago, amount, final status, note)
CLAIMS = [
    ("New York", ClaimKind.INJURY, ClaimantKind.STAFF, "", 400, "1200.00", ClaimStatus.SETTLED,
     "Slip on a wet floor in the lobby; medical costs reimbursed in full."),
    ("New York", ClaimKind.PROPERTY, ClaimantKind.VISITOR, "María Pérez", 330, "850.00",
     ClaimStatus.REJECTED, "The damage happened outside the premises (public sidewalk)."),
    ("Geneva", ClaimKind.PROPERTY, ClaimantKind.DELEGATE, "Jean Martin", 290, "430.00",
     ClaimStatus.SETTLED, "Coat damaged by a cloakroom rail; settled at replacement value."),
    ("Geneva", ClaimKind.INJURY, ClaimantKind.CONTRACTOR, "Nordbau SA (K. Weber)", 220,
     "3000.00", ClaimStatus.WITHDRAWN, "Withdrawn: covered by the contractor's own insurer."),
    ("New York", ClaimKind.BOTH, ClaimantKind.STAFF, "", 160, "2400.00",
     ClaimStatus.UNDER_REVIEW, ""),
    ("Geneva", ClaimKind.INJURY, ClaimantKind.VISITOR, "Akira Tanaka", 95, "600.00",
     ClaimStatus.UNDER_REVIEW, ""),
    ("New York", ClaimKind.PROPERTY, ClaimantKind.STAFF, "", 40, "320.00",
     ClaimStatus.RECEIVED, ""),
    ("Geneva", ClaimKind.PROPERTY, ClaimantKind.VISITOR, "Olena Kovalenko", 12, None,
     ClaimStatus.RECEIVED, ""),
]
STEPS = {ClaimStatus.RECEIVED: [], ClaimStatus.UNDER_REVIEW: ["review"],
         ClaimStatus.SETTLED: ["review", "settle"], ClaimStatus.REJECTED: ["review", "reject"],
         ClaimStatus.WITHDRAWN: ["withdraw"]}
TARGET = {"review": ClaimStatus.UNDER_REVIEW, "settle": ClaimStatus.SETTLED,
          "reject": ClaimStatus.REJECTED, "withdraw": ClaimStatus.WITHDRAWN}


def _incident_at(station: DutyStation, when: dt.datetime, officer: Any) -> Incident:
    ensure_default(IncidentCategory)
    category = IncidentCategory.objects.filter(code="other-safety").first() or \
        IncidentCategory.objects.filter(parent__isnull=True).order_by("order")[0]
    return Incident.objects.create(
        category=category, title="Staff member injured in a fall in the visitors' lobby",
        occurred_at=when, time_zone=station.time_zone, country_id=station.country_id,
        duty_station=station, place="Visitors' lobby", verification="verified",
        injured=1, description="Wet floor after cleaning, no warning sign.",
        reported_by=officer)


def load_claims(ctx: DemoContext) -> None:
    users = get_user_model().objects.filter(username__in=["hq.security", "traveller"])
    by_name = {u.username: u for u in users}
    officer = by_name.get("hq.security")
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=["New York", "Geneva"], kind=DutyStation.Kind.HEADQUARTERS)}
    premises: dict[str, Premises] = {}
    for name, s in stations.items():
        first = Premises.objects.filter(duty_station=s).order_by("pk").first()
        if first is not None:
            premises[name] = first
    staff = {name: list(Person.objects.filter(duty_station=s).order_by("pk")[:5])
             for name, s in stations.items()}
    now = timezone.now()
    made = 0
    for index, (station, kind, claimant_kind, name, days, amount, final, note) in \
            enumerate(CLAIMS):
        place = premises.get(station)
        if place is None:
            continue
        claimant = None
        if claimant_kind == ClaimantKind.STAFF:
            people = staff.get(station) or []
            if not people:
                continue
            claimant = people[index % len(people)]
        occurred = now - dt.timedelta(days=days + ctx.rng.randint(1, 6), hours=ctx.rng.randint(
            1, 10))
        claim = SafetyClaim.objects.create(
            premises=place, kind=kind, claimant_kind=claimant_kind, claimant=claimant,
            claimant_name=name, claimant_contact="+1 212 963 1234" if name else "",
            occurred_at=occurred, received_on=(now - dt.timedelta(days=days)).date(),
            description=note or "Reported at the security desk; photographs attached to the "
                                "file.",
            currency="USD" if station == "New York" else "CHF",
            amount_claimed=Decimal(amount) if amount else None, filed_by=officer)
        if index == 0:  # the fall in the lobby, recorded as an incident too
            claim.incident = _incident_at(stations[station], occurred, officer)
        _history(claim, officer, STEPS[final], now - dt.timedelta(days=days), note)
        made += 1
    made += _earlier_claims(ctx, officer, now)
    traveller = by_name.get("traveller")
    person = Person.objects.filter(user=traveller).first() if traveller else None
    if person is not None and premises.get("New York") is not None:
        own = SafetyClaim.objects.create(
            premises=premises["New York"], kind=ClaimKind.INJURY,
            claimant_kind=ClaimantKind.STAFF, claimant=person,
            occurred_at=now - dt.timedelta(days=9), received_on=(now - dt.timedelta(
                days=8)).date(), description="Tripped on a loose cable in conference room 4 "
                                             "during a visit; sprained wrist.",
            currency="USD", amount_claimed=Decimal("280.00"), filed_by=traveller,
            claimant_contact="amina.achieng@un.example")
        ClaimEvent.objects.create(claim=own, at=now - dt.timedelta(days=8), actor=traveller,
                                  action="file", to_status=ClaimStatus.RECEIVED)
        made += 1
    ctx.counts["safety claims"] = made


# Claims of the previous biennium and earlier this one (days ago), by visitors and delegates,
# so that the seed's indicator SP1.a.iii has a direction of travel.
EARLIER = [("New York", ClaimKind.INJURY, "Delegate, Fourth Committee", 1040, ClaimStatus.SETTLED),
           ("Geneva", ClaimKind.PROPERTY, "Visitor, guided tour", 980, ClaimStatus.REJECTED),
           ("New York", ClaimKind.PROPERTY, "Visitor, guided tour", 910, ClaimStatus.SETTLED),
           ("Nairobi", ClaimKind.INJURY, "Contractor, catering", 860, ClaimStatus.SETTLED),
           ("Geneva", ClaimKind.INJURY, "Delegate, Human Rights Council", 790,
            ClaimStatus.SETTLED),
           ("New York", ClaimKind.BOTH, "Contractor, cleaning", 720, ClaimStatus.WITHDRAWN),
           ("Nairobi", ClaimKind.PROPERTY, "Visitor, UN-Habitat assembly", 650,
            ClaimStatus.REJECTED),
           ("New York", ClaimKind.INJURY, "Delegate, General Assembly", 560,
            ClaimStatus.SETTLED),
           ("Geneva", ClaimKind.PROPERTY, "Visitor, guided tour", 470, ClaimStatus.SETTLED),
           ("Nairobi", ClaimKind.INJURY, "Visitor, UNEP assembly", 260, ClaimStatus.SETTLED)]


def _earlier_claims(ctx: DemoContext, officer: Any, now: dt.datetime) -> int:
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=["New York", "Geneva", "Nairobi"], kind=DutyStation.Kind.HEADQUARTERS)}
    made = 0
    for station_name, kind, name, days, final in EARLIER:
        station = stations.get(station_name)
        place = Premises.objects.filter(duty_station=station).order_by("pk").first() \
            if station is not None else None
        if place is None:
            continue
        claimant_kind = ClaimantKind.CONTRACTOR if name.startswith("Contractor") else \
            ClaimantKind.DELEGATE if name.startswith("Delegate") else ClaimantKind.VISITOR
        received = now - dt.timedelta(days=days)
        claim = SafetyClaim.objects.create(
            premises=place, kind=kind, claimant_kind=claimant_kind, claimant_name=name,
            occurred_at=received - dt.timedelta(days=ctx.rng.randint(1, 6)),
            received_on=received.date(),
            description="Reported at the security desk; photographs attached to the file.",
            amount_claimed=Decimal(ctx.rng.randint(2, 40) * 50), filed_by=officer)
        _history(claim, officer, STEPS[final], received, "")
        made += 1
    return made


def _history(claim: SafetyClaim, officer: Any, steps: list[str], received: dt.datetime,
             note: str) -> None:
    ClaimEvent.objects.create(claim=claim, at=received, actor=officer, action="record",
                              to_status=ClaimStatus.RECEIVED)
    status = ClaimStatus.RECEIVED
    for number, step in enumerate(steps, start=1):
        at = received + dt.timedelta(days=7 * number)
        target = TARGET[step]
        ClaimEvent.objects.create(claim=claim, at=at, actor=officer, action=step,
                                  from_status=status, to_status=target,
                                  note=note if step in {"settle", "reject"} else "")
        status = target
        if step in {"settle", "reject"}:
            claim.decided_on, claim.decided_by, claim.decision_note = at.date(), officer, note
        if step == "settle" and claim.amount_claimed is not None:
            claim.amount_settled = claim.amount_claimed
    claim.status = status
    claim.version = 1 + len(steps)
    claim.save()


register_step(103, "safety claims", load_claims)
