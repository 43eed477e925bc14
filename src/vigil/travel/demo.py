"""Demo travel: air operators, advisories, the security directory, area controls, training
dates and confirmed residences, and travel requests in every state at every scale, so that
whereabouts, coverage and the approval queues have real content.

The demo traveller's own trips go through the services, as a person would file them; the
bulk of the trips is written directly, with clearances from the same rule table and presences
from the same function that the services use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.authz import Perm, can
from vigil.core.demo import DemoContext, register_step
from vigil.people.models import Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.risk.models import SecurityLevelReview
from vigil.training import rules as training_rules
from vigil.training import selectors as training
from vigil.training import services as training_services
from vigil.travel import rules, selectors, services
from vigil.travel.models import (
    Advisory,
    AirOperator,
    AreaControl,
    Clearance,
    Presence,
    SecurityContact,
    Segment,
    TravelRequest,
)

AIRLINES = Path(__file__).parent / "data" / "airlines.dat"
SUITABLE = ["KQ", "ET", "EK", "QR", "TK", "LH", "AF", "KL", "SA", "MS", "RW", "WB", "UA", "LX",
            "OS", "BA", "QF", "SQ", "TG", "PK"]
UNSUITABLE = ["5Y"]  # for the demo only: an operator assessed unsuitable
ADVISORIES = [
    ("SO", 4, "Somalia: do not travel outside the Mogadishu airport zone",
     "Armed conflict, terrorism and kidnapping. Movement only with DSS escort."),
    ("SS", 4, "South Sudan: do not travel", "Armed conflict and crime across the country."),
    ("AF", 4, "Afghanistan: do not travel", "Terrorism and armed conflict."),
    ("HT", 4, "Haiti: do not travel", "Kidnapping and gang violence in Port-au-Prince."),
    ("ML", 3, "Mali: reconsider travel", "Terrorism outside Bamako."),
    ("CD", 3, "Democratic Republic of the Congo: reconsider travel",
     "Armed conflict in the east; crime in Kinshasa."),
    ("IQ", 3, "Iraq: reconsider travel", "Terrorism and civil unrest."),
    ("KE", 2, "Kenya: exercise increased caution", "Crime in Nairobi; terrorism near the "
     "Somali border; demonstrations after the elections."),
]
FUNCTIONS = [("Designated official", True), ("Security adviser", True), ("Radio room", True),
             ("Field security officer", False)]


def _operators(ctx: DemoContext) -> list[AirOperator]:
    from vigil.travel.importers import air_operators_import

    if AIRLINES.exists():
        admin = get_user_model().objects.get(username="admin")
        air_operators_import(actor=admin, path=AIRLINES, skip_invalid=True)
    AirOperator.objects.filter(iata__in=SUITABLE, is_active=True).update(
        suitability=AirOperator.Suitability.SUITABLE, suitability_note="Demo assessment.")
    AirOperator.objects.filter(iata__in=UNSUITABLE).update(
        suitability=AirOperator.Suitability.UNSUITABLE,
        suitability_note="Demo: safety audit findings not closed.")
    suitable = list(AirOperator.objects.filter(
        suitability=AirOperator.Suitability.SUITABLE).order_by("pk"))
    if not suitable:  # no operator file: one operator so that itineraries have one
        suitable = [AirOperator.objects.create(name="Kenya Airways", iata="KQ", icao="KQA",
                                               suitability=AirOperator.Suitability.SUITABLE)]
    ctx.counts["air_operators"] = AirOperator.objects.count()
    return suitable


def _reference(ctx: DemoContext) -> None:
    today = timezone.localdate()
    countries = {c.iso2: c for c in Country.objects.all()}
    Advisory.objects.bulk_create([
        Advisory(country=countries[iso2], level=level, title=title, text=text,
                 source=Advisory.Source.UNDSS, issued_on=today - dt.timedelta(days=20 + i),
                 valid_until=today + dt.timedelta(days=90))
        for i, (iso2, level, title, text) in enumerate(ADVISORIES) if iso2 in countries])
    contacts = []
    stations = DutyStation.objects.select_related("country").order_by("pk")
    for station in stations[:60]:
        for position, (function, around_the_clock) in enumerate(FUNCTIONS, start=1):
            if function == "Field security officer" and station.kind != "field":
                continue
            contacts.append(SecurityContact(
                country=station.country, duty_station=station, function=function,
                name=f"{ctx.rng.choice(['A.', 'M.', 'J.', 'S.'])} "
                     f"{ctx.rng.choice(['Mensah', 'Haile', 'Okafor', 'Rossi', 'Khan'])}",
                phones=[f"+{ctx.rng.randrange(20, 99)} {ctx.rng.randrange(10, 99)} "
                        f"{ctx.rng.randrange(1000000, 9999999)}"],
                email=f"security.{station.code.lower()}@un.example", radio=f"{station.code}-"
                f"{position}", around_the_clock=around_the_clock, position=position))
    SecurityContact.objects.bulk_create(contacts)
    ctx.counts.update(advisories=Advisory.objects.count(), security_contacts=len(contacts))


def _controls(ctx: DemoContext) -> SecurityArea | None:
    """Somalia and South Sudan: manual clearance and SSAFE; Kisumu raised to level 4 after
    the elections; Mombasa admits at most 200 visitors at a time."""
    users = get_user_model().objects
    official, officer = users.get(username="designated.official"), \
        users.get(username="security.officer")
    dro = users.get(username="dro.desk")
    controls = []
    for area in SecurityArea.objects.filter(country__iso2__in=["SO", "SS"]):
        controls.append(AreaControl(
            security_area=area, manual_clearance=True, ssafe_required=True, set_by=official,
            movement_limits="Road movement only in UN convoys; curfew from 19:00 to 06:00."))
    mombasa = SecurityArea.objects.filter(country__iso2="KE", name__icontains="Mombasa").first()
    if mombasa is not None:
        controls.append(AreaControl(security_area=mombasa, max_visitors=200, set_by=official,
                                    movement_limits="No travel on the Lamu road."))
    AreaControl.objects.bulk_create(controls)
    kisumu = _kisumu_area()
    if kisumu is not None:
        now = timezone.now()
        SecurityLevelReview.objects.create(
            security_area=kisumu, ratings={}, derived_level=4, proposed_level=4,
            justification="Post-election unrest.", status=SecurityLevelReview.Status.APPROVED,
            proposed_by=officer, proposed_at=now - dt.timedelta(days=4), reviewer=dro,
            review_started_at=now - dt.timedelta(days=3), decided_by=dro,
            decided_at=now - dt.timedelta(days=2),
            next_review_due=timezone.localdate() + dt.timedelta(days=30))
    ctx.counts["area_controls"] = len(controls)
    return kisumu


def _kisumu_area() -> SecurityArea | None:
    """Greater Kisumu, with an illustrative square boundary, given to the Kisumu station if
    the places step left it without an area of its own."""
    station = DutyStation.objects.filter(country__iso2="KE", name="Kisumu").first()
    if station is None:
        return None
    if station.security_area_id:
        return station.security_area
    from vigil.places.demo import _demo_boundary

    area = SecurityArea.objects.create(
        country_id=station.country_id, code="KISUMU", name="Greater Kisumu",
        boundary=_demo_boundary(station.latitude, station.longitude))
    station.security_area = area
    station.save(update_fields=["security_area"])
    return area


def _training_and_residences(ctx: DemoContext) -> dict[int, tuple[dt.date | None,
                                                                   dt.date | None]]:
    """Most staff hold BSAFE, some expired, a few none; field staff often SSAFE (recorded in
    training as completions migrated from the staff record, as a real installation's dates
    were); most residences with coordinates were confirmed in the last year. Returns each
    person's (BSAFE, SSAFE) dates, which the trips below are cleared against."""
    today = timezone.localdate()
    rng = ctx.rng
    batch = []
    dates: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    me = Person.objects.filter(user__username="traveller").values_list("pk", flat=True).first()
    for person in Person.objects.only("pk", "residence_latitude").order_by("pk").iterator(
            chunk_size=5000):
        draw = rng.random()
        bsafe = None if draw < 0.04 else today - dt.timedelta(
            days=rng.randrange(1400, 1800) if draw < 0.1 else rng.randrange(10, 1000))
        ssafe = today - dt.timedelta(days=rng.randrange(10, 900)) \
            if rng.random() < 0.35 else None
        if person.pk == me:
            bsafe = today - dt.timedelta(days=300)
        dates[person.pk] = (bsafe, ssafe)
        person.residence_confirmed_on = today - dt.timedelta(days=rng.randrange(1, 420)) \
            if person.residence_latitude is not None and rng.random() < 0.85 else None
        batch.append(person)
        if len(batch) == 5000:
            Person.objects.bulk_update(batch, ["residence_confirmed_on"])
            batch = []
    Person.objects.bulk_update(batch, ["residence_confirmed_on"])
    training_services.completions_migrated(
        [(pk, code, day) for pk, pair in dates.items()
         for code, day in zip(("BSAFE", "SSAFE"), pair, strict=True) if day is not None])
    return dates


def _levels() -> dict[int, int]:
    levels: dict[int, int] = {}
    for area_id, level in SecurityLevelReview.objects.filter(
            status=SecurityLevelReview.Status.APPROVED).order_by(
            "security_area_id", "decided_at", "pk").values_list("security_area_id",
                                                                "proposed_level"):
        levels[area_id] = level
    return levels


def _bulk_trips(ctx: DemoContext, operators: list[AirOperator],
                dates: dict[int, tuple[dt.date | None, dt.date | None]]) -> None:
    """About one trip for every seven staff members, over the last four months and the
    next two: past and current ones cleared, coming ones in every state."""
    rng = ctx.rng
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    stations = list(DutyStation.objects.filter(is_active=True).order_by("pk"))
    weights = [12 if s.kind in ("hq", "rc") else 3 if i < 24 else 1
               for i, s in enumerate(stations)]
    levels = _levels()
    policy = selectors.travel_settings().policy()
    requester = get_user_model().objects.get(username="admin")
    people = [(pk, home, *dates.get(pk, (None, None))) for pk, home in Person.objects.exclude(
        status=Person.Status.SEPARATED).filter(user__isnull=True).order_by("pk").values_list(
        "pk", "duty_station_id")]
    rng.shuffle(people)
    total = max(40, len(people) // 7)
    by_id = {s.pk: s for s in stations}
    controls = {c.security_area_id: c.as_rule() for c in AreaControl.objects.all()}
    covers = selectors.holder_covers()
    states = [TravelRequest.Status.DRAFT, TravelRequest.Status.PENDING,
              TravelRequest.Status.CLEARED, TravelRequest.Status.REFUSED,
              TravelRequest.Status.CANCELLED]
    validity = {code: course.validity_months if course is not None else None
                for code in ("BSAFE", "SSAFE") for course in [training.course_by_code(code)]}
    for start in range(0, total, 2000):
        chunk = people[start:min(total, start + 2000)]
        requests, plans = [], []
        for index, (person_id, home_id, bsafe, ssafe) in enumerate(chunk):
            home = by_id.get(home_id)
            if home is None:
                continue
            destination = rng.choices(stations, weights)[0]
            if destination.pk == home_id:
                destination = stations[(stations.index(destination) + 1) % len(stations)]
            departs = now + dt.timedelta(hours=rng.randrange(-24 * 120, 24 * 60))
            hours = max(1.0, rules.distance_km(home.latitude, home.longitude,
                                               destination.latitude,
                                               destination.longitude) / 700 + 1.5)
            arrives = departs + dt.timedelta(hours=round(hours, 1))
            back = arrives + dt.timedelta(days=rng.randrange(2, 21), hours=rng.randrange(0, 9))
            returns = back + dt.timedelta(hours=round(hours, 1))
            if returns < now:
                status = TravelRequest.Status.CLEARED if rng.random() < 0.9 else \
                    TravelRequest.Status.CANCELLED
            elif departs < now:
                status = TravelRequest.Status.CLEARED
            else:
                status = states[index % len(states)] if rng.random() < 0.5 else \
                    TravelRequest.Status.CLEARED
            requests.append(TravelRequest(
                traveller_id=person_id, requested_by=requester,
                purpose=rng.choice(["Programme monitoring", "Workshop", "Assessment mission",
                                    "Training", "Donor meeting", "Home leave", "Conference"]),
                kind=TravelRequest.Kind.OFFICIAL if rng.random() < 0.85 else
                TravelRequest.Kind.PERSONAL, status=status, starts_at=departs,
                ends_at=returns, submitted_at=None if status == "draft" else
                min(now, departs - dt.timedelta(days=rng.randrange(3, 30))),
                decided_at=None if status in ("draft", "pending") else
                min(now, departs - dt.timedelta(days=rng.randrange(1, 3))),
                cancel_reason="Plans changed." if status == "cancelled" else ""))
            plans.append((home, destination, departs, arrives, back, returns,
                          rng.choice(operators), bsafe, ssafe))
        TravelRequest.objects.bulk_create(requests, batch_size=2000)
        segments, clearances, presences, moved = [], [], [], []
        for travel, (home, destination, departs, arrives, back, returns, operator, bsafe,
                     ssafe) in zip(requests, plans, strict=True):
            legs = [
                Segment(request=travel, position=1, origin_station=home, **_end("origin", home),
                        destination_station=destination, **_end("destination", destination),
                        departs_at=departs, arrives_at=arrives, mode=Segment.Mode.AIR,
                        operator=operator, flight_number=f"{operator.iata or 'XX'} "
                        f"{rng.randrange(100, 999)}",
                        lodging_name=f"{destination.name} guest house",
                        lodging_latitude=round(destination.latitude + rng.uniform(-.03, .03), 5),
                        lodging_longitude=round(destination.longitude
                                                + rng.uniform(-.03, .03), 5)),
                Segment(request=travel, position=2, origin_station=destination,
                        **_end("origin", destination), destination_station=home,
                        **_end("destination", home), departs_at=back, arrives_at=returns,
                        mode=Segment.Mode.AIR, operator=operator,
                        flight_number=f"{operator.iata or 'XX'} {rng.randrange(100, 999)}"),
            ]
            segments += legs
            if travel.status != TravelRequest.Status.DRAFT:
                clearance = _clearance(travel, legs[0], back, levels, controls, policy,
                                       _standing(bsafe, ssafe, departs.date(), returns.date(),
                                                 arrives.date(), back.date(), validity),
                                       covers)
                clearances.append(clearance)
                if travel.status != _request_status(clearance.status, travel.status):
                    travel.status = _request_status(clearance.status, travel.status)
                    moved.append(travel)
            if travel.status in (TravelRequest.Status.CLEARED, TravelRequest.Status.PENDING):
                presences += services.presence_rows(
                    travel, legs, [(travel.traveller_id, None)], home.pk,
                    travel.status == TravelRequest.Status.CLEARED)
        Segment.objects.bulk_create(segments, batch_size=2000)
        Clearance.objects.bulk_create(clearances, batch_size=2000)
        TravelRequest.objects.bulk_update(moved, ["status"], batch_size=2000)
        Presence.objects.bulk_create(presences, batch_size=5000)
        ctx.progress("Travel requests", min(total, start + 2000), total)
    ctx.counts["travel_requests"] = TravelRequest.objects.count()
    ctx.counts["presences"] = Presence.objects.count()


def _standing(bsafe: dt.date | None, ssafe: dt.date | None, first: dt.date, last: dt.date,
              arrives: dt.date, leaves: dt.date,
              validity: dict[str, int | None]) -> rules.Traveller:
    """What training will answer for these dates once the training step has copied them into
    completions (its course validity): BSAFE over the trip, SSAFE over the stop."""
    def held(day: dt.date | None, code: str, since: dt.date, until: dt.date) -> bool:
        if day is None or day > since:
            return False
        expires = training_rules.expiry(day, validity[code])
        return expires is None or expires > until

    return rules.Traveller(bsafe_valid=held(bsafe, "BSAFE", first, last),
                           bsafe_on=bsafe if bsafe is not None and bsafe <= last else None,
                           ssafe_valid=held(ssafe, "SSAFE", arrives, leaves))


def _end(end: str, station: DutyStation) -> dict[str, object]:
    return {f"{end}_name": station.name, f"{end}_country_id": station.country_id,
            f"{end}_area_id": station.security_area_id, f"{end}_latitude": station.latitude,
            f"{end}_longitude": station.longitude, f"{end}_tz": station.time_zone}


def _clearance(travel: TravelRequest, leg: Segment, leaves: dt.datetime, levels: dict[int, int],
               controls: dict[int, rules.Control], policy: rules.Policy,
               traveller: rules.Traveller, covers: list[rules.Cover]) -> Clearance:
    """The clearance the rules give the stop. The state the demo drew for the request holds
    where the rules allow it: a stop the rules clear is cleared, one they refuse is refused,
    and one that needs approval waits or was approved. A decision names who made it: the
    rules, or whoever holds the stop (its security officer, else the fallback's level)."""
    area = leg.destination_area_id
    stop = rules.Stop(place=leg.destination_name, arrives_at=leg.arrives_at, leaves_at=leaves,
                      level=levels.get(area) if area else None,
                      control=controls.get(area or 0, rules.Control()))
    submitted = travel.submitted_at or leg.arrives_at
    reasons = rules.traveller_reasons(traveller, leaves.date()) + \
        rules.stop_reasons(stop, traveller, policy, submitted)
    outcome = rules.outcome_of(reasons)
    drawn = travel.status
    if outcome is not rules.Outcome.APPROVAL:
        status = Clearance.Status(rules.stop_status(outcome))
    elif drawn == TravelRequest.Status.PENDING:
        status = Clearance.Status.PENDING
    elif drawn == TravelRequest.Status.REFUSED:
        status = Clearance.Status.REFUSED
    else:
        status = Clearance.Status.APPROVED
    clearance = Clearance(request=travel, position=1, place=leg.destination_name,
                          country_id=leg.destination_country_id, security_area_id=area,
                          duty_station_id=leg.destination_station_id,
                          arrives_at=leg.arrives_at, level=stop.level,
                          reasons=[r.as_dict() for r in reasons], status=status,
                          fingerprint="demo", requested_at=submitted,
                          due_at=submitted + dt.timedelta(hours=48))
    if status in (Clearance.Status.CLEARED, Clearance.Status.RULE_REFUSED):
        clearance.decided_as, clearance.decided_at = rules.DECIDED_BY_RULES, submitted
    elif status in (Clearance.Status.APPROVED, Clearance.Status.REFUSED):
        held = rules.holding(clearance.place_ids, covers)  # demo travellers have no account
        if held.holder is None:  # no administrator either: the filer (the demo's admin)
            clearance.decided_by_id, clearance.decided_as = travel.requested_by_id, \
                rules.HOLDERS[-1].level
        else:
            clearance.decided_by_id, clearance.decided_as = held.users[0], held.holder.level
        clearance.decided_at = travel.decided_at or submitted
        clearance.comment = "Demo decision."
    return clearance


def _request_status(clearance: str, drawn: str) -> str:
    """A cancelled request stays cancelled; otherwise the stop's state decides."""
    if drawn == TravelRequest.Status.CANCELLED:
        return drawn
    return TravelRequest.Status(rules.request_status([clearance]))


def _traveller_trips(ctx: DemoContext, kisumu: SecurityArea | None,
                     operator: AirOperator) -> None:
    """The demo traveller's own trips, filed through the services: one cleared to Mombasa,
    one to Kisumu (level 4) waiting in the Kenya security officer's queue, one draft."""
    user = get_user_model().objects.get(username="traveller")
    person = Person.objects.get(user=user)
    home = person.duty_station
    stations = {s.name: s for s in DutyStation.objects.filter(country__iso2="KE")}

    def there_and_back(destination: DutyStation, days: int,
                       nights: int) -> list[dict[str, object]]:
        zone = ZoneInfo(home.time_zone)
        start = (timezone.now() + dt.timedelta(days=days)).astimezone(zone).replace(
            hour=8, minute=0, second=0, microsecond=0, tzinfo=None)
        return [{"origin_station": home, "destination_station": destination,
                 "departs_local": start, "arrives_local": start + dt.timedelta(hours=1),
                 "mode": "air", "operator": operator, "flight_number": "KQ 612",
                 "lodging_name": f"{destination.name} UN guest house"},
                {"origin_station": destination, "destination_station": home,
                 "departs_local": start + dt.timedelta(days=nights, hours=9),
                 "arrives_local": start + dt.timedelta(days=nights, hours=10),
                 "mode": "air", "operator": operator, "flight_number": "KQ 613"}]

    if "Mombasa" in stations:
        services.request_create(actor=user, traveller=person, submit=True, data={
            "purpose": "Coastal programme review", "kind": "official"},
            segments=there_and_back(stations["Mombasa"], 21, 3))
    if kisumu is not None and "Kisumu" in stations:
        services.request_create(actor=user, traveller=person, submit=True, data={
            "purpose": "Election monitoring support", "kind": "official",
            "contacts": [{"name": "UN guest house Kisumu", "phone": "+254 57 2020000"}]},
            segments=there_and_back(stations["Kisumu"], 10, 4))
    if "Mombasa" in stations:
        services.request_create(actor=user, traveller=person, data={
            "purpose": "Family holiday", "kind": "personal"},
            segments=there_and_back(stations["Mombasa"], 45, 7),
            dependants=list(person.dependants.all()))


def _directory_upkeep() -> None:
    """Kenya's security officer confirms a directory entry around the clock and the DRO desk
    officer extends an advisory, through the services (the audit log then shows these
    security managers using the travel directory and advisories)."""
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["security.officer", "dro.desk"])}
    officer, dro = users.get("security.officer"), users.get("dro.desk")
    contact = SecurityContact.objects.filter(country__iso2="KE").order_by("pk").first()
    if officer is not None and contact is not None \
            and can(officer, Perm.EDIT_DIRECTORY, contact):
        services.contact_save(actor=officer, contact=contact,
                              data={"around_the_clock": True}, version=contact.version)
    advisory = Advisory.objects.filter(withdrawn=False, country__iso2="KE").order_by("pk").first()
    if dro is not None and advisory is not None and can(dro, Perm.EDIT_ADVISORY, advisory):
        services.advisory_save(actor=dro, advisory=advisory, version=advisory.version, data={
            "valid_until": timezone.localdate() + dt.timedelta(days=90)})


def load_travel(ctx: DemoContext) -> None:
    operators = _operators(ctx)
    _reference(ctx)
    kisumu = _controls(ctx)
    dates = _training_and_residences(ctx)
    _bulk_trips(ctx, operators, dates)
    kq = AirOperator.objects.filter(iata="KQ", suitability="suitable").first() or operators[0]
    _traveller_trips(ctx, kisumu, kq)
    _directory_upkeep()
    ctx.counts["travel_requests"] = TravelRequest.objects.count()


register_step(80, "travel", load_travel)
