"""Demo records of HQ access control: zones and gates at New York, Geneva, Addis Ababa and
Bangkok; pass holders of every kind; passes in every state (valid, expired, suspended,
revoked); visitors expected today at New York; a General Assembly session with delegations
and accredited delegates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.hq import access_services as services
from vigil.hq.access_rules import event_window, pass_number
from vigil.hq.models import (
    Accreditation,
    AccreditationStatus,
    Delegation,
    Gate,
    HolderKind,
    Meeting,
    Pass,
    PassHolder,
    PassNumberSequence,
    PassStatus,
    Zone,
)
from vigil.people.models import Organization, Person
from vigil.places.models import Country, DutyStation, Premises

STATIONS = ["New York", "Geneva", "Addis Ababa", "Bangkok"]
ZONES = [("lobby", "Visitors' lobby", False), ("conf", "Conference building", False),
         ("sec", "Secretariat floors", True), ("garage", "Garage", True)]
GATES = [("G-1", "Main entrance", "lobby"), ("G-2", "Delegates' entrance", "conf"),
         ("T-3", "Secretariat turnstiles", "sec"), ("V-1", "Vehicle gate", "garage")]
FAMILY = ["Tanaka", "Okafor", "Novak", "Silva", "Haddad", "Kowalski", "Nguyen", "Mensah",
          "Larsen", "Ibrahim", "Moreau", "Petrova", "Ali", "Costa", "Schmidt", "Park"]
GIVEN = ["Ana", "Ben", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Gustav", "Hana", "Ivan",
         "Jorge", "Kwame", "Leila", "Mateo", "Nora", "Omar", "Priya"]
AFFILIATION = {HolderKind.CONTRACTOR: ["Acme Facilities", "Nordic Catering", "SecureIT"],
               HolderKind.MEDIA: ["Reuters", "Al Jazeera", "Xinhua", "AFP"],
               HolderKind.VISITOR: ["Kenya Red Cross", "World Bank", "Columbia University"]}
GA_DELEGATIONS = [("member_state", "BR"), ("member_state", "JP"), ("member_state", "NG"),
                  ("member_state", "FR"), ("observer_state", "VA"), ("igo", "African Union")]


def _name(ctx: DemoContext) -> tuple[str, str]:
    return ctx.rng.choice(FAMILY), ctx.rng.choice(GIVEN)


def _zones(premises: Premises) -> dict[str, Zone]:
    zones = {code: Zone.objects.create(premises=premises, code=code, name=name,
                                       restricted=restricted)
             for code, name, restricted in ZONES}
    Gate.objects.bulk_create([Gate(premises=premises, zone=zones[zone], code=code, name=name)
                              for code, name, zone in GATES])
    return zones


def load_access(ctx: DemoContext) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=STATIONS, kind__in=[DutyStation.Kind.HEADQUARTERS,
                                     DutyStation.Kind.REGIONAL_COMMISSION])}
    officer = get_user_model().objects.filter(username="hq.security").first()
    dss = Organization.objects.filter(code="DSS").first()
    zones_by_station: dict[str, dict[str, Zone]] = {}
    premises_by_station: dict[str, Premises] = {}
    passes: list[tuple[Pass, list[Zone]]] = []
    for index, name in enumerate(STATIONS):
        station = stations.get(name)
        if station is None:
            continue
        ctx.progress("Access control", index + 1, len(STATIONS))
        premises = Premises.objects.filter(duty_station=station).order_by("pk").first()
        if premises is None:
            premises = Premises.objects.create(
                duty_station=station, name=f"UN Headquarters {station.name}",
                address=f"UN Plaza, {station.name}", latitude=station.latitude,
                longitude=station.longitude, staff_capacity=900, visitor_capacity=200,
                public_access=True)
        premises_by_station[name] = premises
        zones = zones_by_station[name] = _zones(premises)
        sequence = PassNumberSequence.objects.create(duty_station=station)
        staff = list(Person.objects.filter(duty_station=station).order_by("pk")[:6])
        holders = [PassHolder(duty_station=station, kind=HolderKind.STAFF, person=p,
                              family_name=p.family_name, given_name=p.given_name,
                              organization_id=p.organization_id) for p in staff]
        for kind in (HolderKind.CONTRACTOR, HolderKind.MEDIA, HolderKind.CONTRACTOR):
            family, given = _name(ctx)
            holders.append(PassHolder(duty_station=station, kind=kind, family_name=family,
                                      given_name=given,
                                      affiliation=ctx.rng.choice(AFFILIATION[kind]),
                                      document_type="passport",
                                      document_number=f"P{ctx.rng.randrange(10**7):07d}"))
        PassHolder.objects.bulk_create(holders)
        # Every state: valid (most), expired, not yet valid, suspended, revoked.
        plans = ["valid"] * (len(holders) - 4) + ["expired", "suspended", "revoked",
                                                   "not_yet_valid"]
        for holder, plan in zip(holders, plans, strict=True):
            sequence.last += 1
            start = now - dt.timedelta(days=ctx.rng.randrange(30, 300))
            end = start + dt.timedelta(days=365)
            if plan == "expired":
                end = now - dt.timedelta(days=ctx.rng.randrange(1, 20))
            elif plan == "not_yet_valid":
                start, end = now + dt.timedelta(days=3), now + dt.timedelta(days=120)
            elif plan == "valid" and holder.kind == HolderKind.MEDIA:
                end = now + dt.timedelta(days=ctx.rng.randrange(2, 7))  # expiring this week
            status = {"suspended": PassStatus.SUSPENDED,
                      "revoked": PassStatus.REVOKED}.get(plan, PassStatus.ACTIVE)
            reason = {"suspended": "Card reported lost", "revoked": "Contract ended"}.get(
                plan, "")
            opened = [zones["lobby"], zones["conf"]] + (
                [zones["sec"]] if holder.kind == HolderKind.STAFF else [])
            passes.append((Pass(number=pass_number(station.code, sequence.last), holder=holder,
                                duty_station=station, kind=holder.kind, valid_from=start,
                                valid_until=end, status=status, status_reason=reason,
                                status_changed_at=now if reason else None,
                                issued_by=officer), opened))
        sequence.save(update_fields=["last"])
    Pass.objects.bulk_create([p for p, _z in passes])
    through = Pass.zones.through
    through.objects.bulk_create([through(pass_id=p.pk, zone_id=z.pk)
                                 for p, zones in passes for z in zones])
    visits = _visits(ctx, now, officer, premises_by_station.get("New York"), dss)
    meetings = _general_assembly(ctx, now, officer, stations.get("New York"),
                                 premises_by_station.get("New York"),
                                 zones_by_station.get("New York"))
    ctx.counts.update(hq_zones=Zone.objects.count(), hq_passes=Pass.objects.count(),
                      hq_visits=visits, hq_meetings=meetings)


def _visits(ctx: DemoContext, now: dt.datetime, officer: Any,
            premises: Premises | None, dss: Organization | None) -> int:
    """Visitors expected today at New York: one pre-registered by the HQ officer as host
    (with a pass and QR code), others registered by reception for staff there."""
    if premises is None or officer is None:
        return 0
    tz = ZoneInfo(premises.duty_station.time_zone)
    today = now.astimezone(tz).replace(hour=9, minute=0)
    hosts = list(Person.objects.filter(duty_station=premises.duty_station)
             .select_related("user").order_by("pk")[:6])
    own = Person.objects.filter(user=officer).first()
    count = 0
    for n in range(6):
        host = own if n == 0 and own is not None else hosts[n % len(hosts)]
        family, given = _name(ctx)
        start = today + dt.timedelta(hours=n)
        visit = services.visit_register(
            actor=officer,
            premises=premises, host=host,
            purpose=ctx.rng.choice(["Project meeting", "Interview", "Briefing",
                                    "Maintenance visit", "Side event preparation"]),
            expected_from=start, expected_until=start + dt.timedelta(hours=3),
            visitor={"family_name": family, "given_name": given,
                     "affiliation": ctx.rng.choice(AFFILIATION[HolderKind.VISITOR])},
            issue_pass=True if n < 4 else None)
        count += 1
        if n in (1, 2):
            services.visit_check_document(actor=officer,
                                          visit=visit, document_type="passport",
                                          document_number=f"X{ctx.rng.randrange(10**7):07d}")
            if n == 1:
                services.visit_arrive(actor=officer,
                                      visit=visit, at=now)
    return count


def _general_assembly(ctx: DemoContext, now: dt.datetime, officer: Any,
                      station: DutyStation | None, premises: Premises | None,
                      zones: dict[str, Zone] | None) -> int:
    if station is None or premises is None or zones is None:
        return 0
    today = now.astimezone(ZoneInfo(station.time_zone)).date()
    meeting = Meeting.objects.create(
        name="General Assembly, high-level week", kind="ga_session", duty_station=station,
        premises=premises, starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5), created_by=officer,
        notes="General debate; delegates enter by the Delegates' entrance.")
    meeting.zones.set([zones["lobby"], zones["conf"]])
    countries = {c.iso2: c for c in Country.objects.filter(
        iso2__in=[code for _k, code in GA_DELEGATIONS])}
    start, end = event_window(meeting.starts_on, meeting.ends_on, ZoneInfo(station.time_zone))
    sequence = PassNumberSequence.objects.get(duty_station=station)
    for kind, code in GA_DELEGATIONS:
        country = countries.get(code)
        if kind != "igo" and country is None:
            continue
        delegation = Delegation.objects.create(meeting=meeting, kind=kind, country=country,
                                               name=country.name if country else code)
        for n in range(3):
            family, given = _name(ctx)
            holder = PassHolder.objects.create(
                duty_station=station, kind=HolderKind.DELEGATE, family_name=family,
                given_name=given, affiliation=delegation.name, nationality=country)
            status = (AccreditationStatus.ACCREDITED if n < 2
                      else AccreditationStatus.REQUESTED)
            pass_ = None
            if status == AccreditationStatus.ACCREDITED and ctx.rng.random() < 0.8:
                sequence.last += 1
                pass_ = Pass.objects.create(
                    number=pass_number(station.code, sequence.last), holder=holder,
                    duty_station=station, kind=HolderKind.DELEGATE, valid_from=start,
                    valid_until=end, issued_by=officer)
                pass_.zones.set([zones["lobby"], zones["conf"]])
            Accreditation.objects.create(
                delegation=delegation, holder=holder, status=status, pass_issued=pass_,
                function="Head of delegation" if n == 0 else "Delegate")
    sequence.save(update_fields=["last"])
    return 1


register_step(100, "HQ access control", load_access)
