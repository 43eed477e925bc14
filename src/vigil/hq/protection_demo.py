"""Demo protective services: four fictional senior officials, each with a staff record at
their home duty station, and their travel cases, one in every status. PRT case "Visit to the
Kenya and Somalia country teams" waits, requested, for the protection coordinator (user
``protection``) to assess it from request to decision: its destinations have demo security
levels and SRAs. One case covers a demo TRIP request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.hq import protection_rules as rules
from vigil.hq import protection_selectors as selectors
from vigil.hq import protection_services as services
from vigil.hq.models import AdvanceTask, NeedsAssessment, ProtectionCase
from vigil.people import services as people_services
from vigil.people.models import Organization, Person
from vigil.places.models import DutyStation
from vigil.travel.models import TravelRequest

PRINCIPALS = [
    # given name, family name, title, organization, home duty station, profile, notes
    ("Amara", "Okonkwo-Lindqvist", "Under-Secretary-General for Humanitarian Affairs", "OCHA",
     "New York", rules.Profile.HIGH,
     "Frequent media appearances; named in threats by an armed group in 2025."),
    ("Tomás", "Ehrenberg", "Special Representative of the Secretary-General", "DPPA", "Geneva",
     rules.Profile.VERY_HIGH,
     "Leads political talks; public profile very high in the host countries of the talks."),
    ("Haoran", "Lin", "Executive Secretary of the regional commission", "UN", "Bangkok",
     rules.Profile.MODERATE, "Low media profile outside the region."),
]
# No demo principal has a designated office: no demo account is a principal's office staff
# (each stands for a role of its own), and the traveller's home page, every staff member's,
# would show a principal's cases among their own trips (docs/hq-protection.md).


def _station(name: str) -> DutyStation | None:
    return DutyStation.objects.filter(name=name).select_related("country").first()


def _stop(name: str, arrive: dt.date, days: int) -> dict[str, Any] | None:
    station = _station(name)
    if station is None:
        return None
    return {"country": station.country, "duty_station": station, "city": station.name,
            "arrives_on": arrive, "departs_on": arrive + dt.timedelta(days=days)}


def _case(actor: Any, principal: Any, purpose: str, start: dt.date, places: list[tuple[str, int]],
          **event: Any) -> ProtectionCase | None:
    stops: list[dict[str, Any]] = []
    day = start
    for name, days in places:
        stop = _stop(name, day, days)
        if stop is not None:
            stops.append(stop)
            day = stop["departs_on"]
    if not stops:
        return None
    return services.case_create(actor=actor, data={
        "principal": principal, "purpose": purpose, "starts_on": start, "ends_on": day,
        **event}, destinations=stops)


def _plan_tasks(actor: Any, case: ProtectionCase, status: str = rules.TaskStatus.PLANNED
                ) -> None:
    for task in AdvanceTask.objects.filter(assessment__case=case):
        services.task_update(actor=actor, task=task, data={"status": status})


def _staff_record(given: str, family: str, organization: Organization,
                  station: DutyStation, number: int) -> Person:
    """The principal's staff record, written as personnel records are: through the people
    services, by the demo administrator."""
    admin = get_user_model().objects.get(username="admin")
    return people_services.person_create(actor=admin, data={
        "index_number": f"SEN{number:05d}", "given_name": given, "family_name": family,
        "organization": organization, "category": "international", "duty_station": station,
        "status": "active"})


def _traveller_principal(actor: Any, orgs: dict[str, Organization]) -> tuple[Any, Any]:
    """A principal on a staff member who travels in the demo TRIP data, with one of their
    requests: the case that covers it is linked to it."""
    request = (TravelRequest.objects.filter(status=TravelRequest.Status.CLEARED,
                                            starts_at__gt=timezone.now(),
                                            traveller__user__isnull=True)
               .select_related("traveller", "traveller__duty_station").order_by("starts_at",
                                                                                "pk").first())
    if request is None:
        return None, None
    person: Person = request.traveller
    principal = services.principal_create(actor=actor, data={
        "name": f"{person.given_name} {person.family_name}".strip(),
        "title": "Assistant Secretary-General, Regional Director",
        "organization": person.organization, "duty_station": person.duty_station,
        "person": person, "profile_level": rules.Profile.MODERATE,
        "profile_notes": "Travels often to field duty stations; low media profile."})
    return principal, request


# Trips of the previous biennium and earlier this one (days ago, length in days), assessed
# and decided, so that the seed's indicator SP1.b has a direction of travel.
EARLIER_TRIPS = [(0, "Donors' conference", 1000, 3), (1, "Regional envoys' meeting", 930, 2),
                 (2, "Opening of a country office", 860, 2), (0, "Field visit", 700, 4),
                 (1, "Summit side events", 610, 3), (2, "Board meeting", 450, 2),
                 (0, "Humanitarian briefing", 300, 2), (1, "Peace talks, first round", 210, 5)]


def _earlier_cases(actor: Any, principals: list[Any]) -> list[ProtectionCase]:
    """Past trips written directly with their assessment's submission date in the past (the
    services date every step today)."""
    now = timezone.now()
    made = []
    for index, purpose, days, length in EARLIER_TRIPS:
        principal = principals[index]
        submitted = now - dt.timedelta(days=days + 14)
        case = ProtectionCase.objects.create(
            principal=principal, purpose=purpose, coordinator=actor,
            starts_on=(now - dt.timedelta(days=days)).date(),
            ends_on=(now - dt.timedelta(days=days - length)).date(),
            event_level=rules.Profile.MODERATE, status=rules.CaseStatus.DECIDED,
            decision=rules.Decision.APPROVED, decided_by=actor,
            decided_at=submitted + dt.timedelta(days=2))
        NeedsAssessment.objects.create(
            case=case, principal_level=principal.profile_level,
            event_level=rules.Profile.MODERATE, recommended_kind=rules.DetailKind.LIAISON,
            recommended_officers=1, assessed_by=actor, completed_at=submitted,
            threat_summary="Level and risks as recorded at the time.")
        made.append(case)
    return made


def load_protection(ctx: DemoContext) -> None:
    actor = get_user_model().objects.get(username="protection")
    orgs = {o.code: o for o in Organization.objects.all()}
    today = timezone.localdate()
    principals = []
    for number, (given, family, title, org, home, profile, notes) in enumerate(PRINCIPALS,
                                                                                start=1):
        station = _station(home)
        if station is None or org not in orgs:
            continue
        person = _staff_record(given, family, orgs[org], station, number)
        principals.append(services.principal_create(actor=actor, data={
            "name": f"{given} {family}", "title": title, "organization": orgs[org],
            "duty_station": station, "person": person, "profile_level": profile,
            "profile_notes": notes}))
    if len(principals) < 3:
        return
    usg, srsg, es = principals
    made = []
    # Requested: the walk-through case, Nairobi then Mogadishu, in ten days.
    made.append(_case(actor, usg, "Visit to the Kenya and Somalia country teams",
                      today + dt.timedelta(days=10), [("Nairobi", 2), ("Mogadishu", 1)],
                      event_level=rules.Profile.HIGH, event_public=True, event_media=True,
                      crowd_size=300, event_notes="Press conference at the end of the visit."))
    # Under assessment.
    conference = _case(actor, srsg, "Regional peace talks, second round",
                       today + dt.timedelta(days=20), [("Addis Ababa", 4)],
                       event_level=rules.Profile.VERY_HIGH, event_media=True,
                       event_notes="Closed talks; arrival and departure filmed.")
    if conference is not None:
        services.case_start(actor=actor, case=conference, version=conference.version)
        made.append(conference)
    # Assessed, awaiting decision.
    juba = _case(actor, usg, "Humanitarian access mission", today + dt.timedelta(days=8),
                 [("Juba", 3)], event_level=rules.Profile.MODERATE)
    if juba is not None:
        services.case_start(actor=actor, case=juba, version=juba.version)
        _plan_tasks(actor, juba)
        juba.refresh_from_db()
        services.case_submit(actor=actor, case=juba, version=juba.version)
        made.append(juba)
    # Decided: approved with changes, a trip already made.
    goma = _case(actor, srsg, "Consultations with the provincial authorities",
                 today - dt.timedelta(days=60), [("Kinshasa", 2), ("Goma", 2)],
                 event_level=rules.Profile.HIGH)
    if goma is not None:
        services.case_start(actor=actor, case=goma, version=goma.version)
        _plan_tasks(actor, goma, rules.TaskStatus.DONE)
        goma.refresh_from_db()
        services.case_submit(actor=actor, case=goma, version=goma.version)
        services.case_decide(actor=actor, case=goma, decision=rules.Decision.APPROVED_WITH_CHANGES,
                             note="Road move Goma airport to the city by armoured vehicle only.",
                             version=goma.version)
        made.append(goma)
    # Decided: declined.
    kabul = _case(actor, es, "Opening of a regional office", today + dt.timedelta(days=40),
                  [("Kabul", 2)], event_level=rules.Profile.HIGH, event_public=True)
    if kabul is not None:
        services.case_start(actor=actor, case=kabul, version=kabul.version)
        _plan_tasks(actor, kabul)
        kabul.refresh_from_db()
        services.case_submit(actor=actor, case=kabul, version=kabul.version)
        services.case_decide(actor=actor, case=kabul, decision=rules.Decision.DECLINED,
                             note="A public opening cannot be protected at the level in force; "
                                  "hold it remotely.", version=kabul.version)
        made.append(kabul)
    # Cancelled.
    bangkok = _case(actor, es, "Regional directors' retreat", today + dt.timedelta(days=30),
                    [("Bangkok", 2)], event_level=rules.Profile.LOW)
    if bangkok is not None:
        services.case_cancel(actor=actor, case=bangkok, reason="Retreat held online.",
                             version=bangkok.version)
        made.append(bangkok)
    # A case covering a demo TRIP request, with the request's stops.
    principal, request = _traveller_principal(actor, orgs)
    if principal is not None and request is not None:
        stops = selectors.trip_stops(request)
        if stops:
            case = services.case_create(actor=actor, data={
                "principal": principal, "purpose": request.purpose[:300],
                "starts_on": min(s["arrives_on"] for s in stops),
                "ends_on": max(s["departs_on"] for s in stops),
                "event_level": rules.Profile.LOW, "trip_request": request},
                destinations=stops)
            made.append(case)
    made += _earlier_cases(actor, principals)
    ctx.counts["protection_principals"] = len(principals) + (1 if principal else 0)
    ctx.counts["protection_cases"] = len([c for c in made if c is not None])


register_step(102, "protection cases", load_protection)
