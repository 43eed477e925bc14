"""Demo records of HQ access control: zones and gates at New York, Geneva, Addis Ababa and
Bangkok; pass holders of every kind; passes in every state (valid, expired, not yet valid,
suspended, revoked); visitors expected today at New York; a General Assembly session with
delegations and accredited delegates.

Wherever a demo officer holds the permission (the HQ security officer, at New York), the
records are made through the services as that officer, so that each pass, visit and meeting
has its audit history. At the other stations no demo user may act or read; their records are
seeded directly, attributed to nobody, and have no history."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.authz import Perm, can
from vigil.core.demo import DemoContext, register_step
from vigil.hq import access_services as services
from vigil.hq.access_rules import pass_number
from vigil.hq.models import (
    Gate,
    HolderKind,
    MeetingKind,
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
REASONS = {"suspended": "Card reported lost", "revoked": "Contract ended"}


def _name(ctx: DemoContext) -> tuple[str, str]:
    return ctx.rng.choice(FAMILY), ctx.rng.choice(GIVEN)


def _zones(premises: Premises, officer: Any) -> dict[str, Zone]:
    """The premises' zones and gates: through the services when ``officer`` may configure
    them, else seeded."""
    if officer is not None:
        zones = {code: services.zone_save(actor=officer, data={
            "premises": premises, "code": code, "name": name, "restricted": restricted})
            for code, name, restricted in ZONES}
        for code, name, zone in GATES:
            services.gate_save(actor=officer, data={"premises": premises, "zone": zones[zone],
                                                    "code": code, "name": name})
        return zones
    zones = {code: Zone.objects.create(premises=premises, code=code, name=name,
                                       restricted=restricted)
             for code, name, restricted in ZONES}
    Gate.objects.bulk_create([Gate(premises=premises, zone=zones[zone], code=code, name=name)
                              for code, name, zone in GATES])
    return zones


def _holder_data(ctx: DemoContext, station: DutyStation) -> list[dict[str, Any]]:
    """Six staff of the station, two contractors and a journalist."""
    rows: list[dict[str, Any]] = [
        {"duty_station": station, "kind": HolderKind.STAFF, "person": p,
         "family_name": p.family_name, "given_name": p.given_name,
         "organization": p.organization}
        for p in Person.objects.filter(duty_station=station).select_related("organization")
        .order_by("pk")[:6]]
    for kind in (HolderKind.CONTRACTOR, HolderKind.MEDIA, HolderKind.CONTRACTOR):
        family, given = _name(ctx)
        rows.append({"duty_station": station, "kind": kind, "family_name": family,
                     "given_name": given, "affiliation": ctx.rng.choice(AFFILIATION[kind]),
                     "document_type": "passport",
                     "document_number": f"P{ctx.rng.randrange(10**7):07d}"})
    return rows


def _plans(ctx: DemoContext, rows: list[dict[str, Any]],
           now: dt.datetime) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Each holder's pass: its state (most valid; one expired, suspended, revoked and not yet
    valid) and its window."""
    states = ["valid"] * (len(rows) - 4) + ["expired", "suspended", "revoked", "not_yet_valid"]
    plans = []
    for row, state in zip(rows, states, strict=True):
        start = now - dt.timedelta(days=ctx.rng.randrange(30, 300))
        end = start + dt.timedelta(days=365)
        if state == "expired":
            end = now - dt.timedelta(days=ctx.rng.randrange(1, 20))
        elif state == "not_yet_valid":
            start, end = now + dt.timedelta(days=3), now + dt.timedelta(days=120)
        elif state == "valid" and row["kind"] == HolderKind.MEDIA:
            end = now + dt.timedelta(days=ctx.rng.randrange(2, 7))  # expiring this week
        plans.append((state, start, end))
    return plans


def _opened(zones: dict[str, Zone], kind: str) -> list[Zone]:
    return [zones["lobby"], zones["conf"]] + ([zones["sec"]] if kind == HolderKind.STAFF
                                              else [])


def _passes_through_services(officer: Any, rows: list[dict[str, Any]],
                             plans: list[tuple[str, dt.datetime, dt.datetime]],
                             zones: dict[str, Zone]) -> None:
    for row, (state, start, end) in zip(rows, plans, strict=True):
        holder = services.pass_holder_save(actor=officer, data=row)
        pass_ = services.pass_issue(actor=officer, holder=holder,
                                    zones=_opened(zones, holder.kind), valid_from=start,
                                    valid_until=end)
        if state == "suspended":
            services.pass_suspend(actor=officer, pass_=pass_, reason=REASONS[state])
        elif state == "revoked":
            services.pass_revoke(actor=officer, pass_=pass_, reason=REASONS[state])


def _passes_seeded(station: DutyStation, rows: list[dict[str, Any]],
                   plans: list[tuple[str, dt.datetime, dt.datetime]], zones: dict[str, Zone],
                   now: dt.datetime) -> None:
    holders = PassHolder.objects.bulk_create([PassHolder(**row) for row in rows])
    sequence = PassNumberSequence.objects.create(duty_station=station)
    passes = []
    for holder, (state, start, end) in zip(holders, plans, strict=True):
        sequence.last += 1
        reason = REASONS.get(state, "")
        passes.append(Pass(number=pass_number(station.code, sequence.last), holder=holder,
                           duty_station=station, kind=holder.kind, valid_from=start,
                           valid_until=end,
                           status={"suspended": PassStatus.SUSPENDED,
                                   "revoked": PassStatus.REVOKED}.get(state,
                                                                      PassStatus.ACTIVE),
                           status_reason=reason, status_changed_at=now if reason else None))
    sequence.save(update_fields=["last"])
    Pass.objects.bulk_create(passes)
    through = Pass.zones.through
    through.objects.bulk_create([through(pass_id=p.pk, zone_id=z.pk) for p in passes
                                 for z in _opened(zones, p.kind)])


def load_access(ctx: DemoContext) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=STATIONS, kind__in=[DutyStation.Kind.HEADQUARTERS,
                                     DutyStation.Kind.REGIONAL_COMMISSION])}
    officer = get_user_model().objects.filter(username="hq.security").first()
    dss = Organization.objects.filter(code="DSS").first()
    zones_by_station: dict[str, dict[str, Zone]] = {}
    premises_by_station: dict[str, Premises] = {}
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
        acting = officer if officer is not None and can(
            officer, Perm.MANAGE_PASSES, Pass(duty_station=station)) else None
        zones = zones_by_station[name] = _zones(premises, acting)
        rows = _holder_data(ctx, station)
        plans = _plans(ctx, rows, now)
        if acting is not None:
            _passes_through_services(acting, rows, plans, zones)
        else:
            _passes_seeded(station, rows, plans, zones, now)
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
    if today + dt.timedelta(hours=3) <= now + dt.timedelta(minutes=30):
        # Loaded late in the day: the visits start an hour ago, so none has ended already.
        today = now.astimezone(tz).replace(minute=0) - dt.timedelta(hours=1)
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
    """The General Assembly's high-level week at New York, made as the HQ officer: its
    delegations, delegates requested and accredited, and the event passes issued to the
    accredited; a few accredited since, still waiting for their pass, and a few requests."""
    if station is None or premises is None or zones is None or officer is None:
        return 0
    today = now.astimezone(ZoneInfo(station.time_zone)).date()
    meeting = services.meeting_save(actor=officer, data={
        "name": "General Assembly, high-level week", "kind": MeetingKind.GENERAL_ASSEMBLY,
        "duty_station": station, "premises": premises,
        "starts_on": today - dt.timedelta(days=1), "ends_on": today + dt.timedelta(days=5),
        "notes": "General debate; delegates enter by the Delegates' entrance."},
        zones=[zones["lobby"], zones["conf"]])
    countries = {c.iso2: c for c in Country.objects.filter(
        iso2__in=[code for _k, code in GA_DELEGATIONS])}
    later = []
    for index, (kind, code) in enumerate(GA_DELEGATIONS):
        country = countries.get(code)
        if kind != "igo" and country is None:
            continue
        delegation = services.delegation_save(actor=officer, data={
            "meeting": meeting, "kind": kind, "country": country,
            "name": country.name if country else code})
        for n in range(3):
            family, given = _name(ctx)
            accreditation = services.accreditation_request(
                actor=officer, delegation=delegation,
                new_delegate={"family_name": family, "given_name": given,
                              "nationality": country},
                function="Head of delegation" if n == 0 else "Delegate")
            if n < 2:
                services.accreditation_grant(actor=officer, accreditation=accreditation)
            elif index < 2:
                later.append(accreditation)
    services.meeting_issue_passes(actor=officer, meeting=meeting)
    for accreditation in later:
        services.accreditation_grant(actor=officer, accreditation=accreditation)
    return 1


register_step(100, "HQ access control", load_access)
