"""Demo aviation advice: assessments of a handful of operators recorded by the aviation officer
(suitable, suitable with conditions, not suitable, one about to lapse and one lapsed), the
other operators travel flagged carried over as migrated assessments, a traveller's itinerary on
the unsuitable operator waiting for a decision, and advice requests answered on time, late, and
still open. Every basis is invented for the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.aviation import rules, services
from vigil.aviation.models import AdviceRequest
from vigil.core.demo import DemoContext, register_step
from vigil.people.selectors import person_of_user
from vigil.places.selectors import country_by_code
from vigil.travel import selectors as travel_selectors
from vigil.travel import services as travel_services

DEMO = "Demo assessment."


def _operator(iata: str) -> Any:
    return travel_selectors.operator_list().filter(iata=iata, is_active=True).order_by(
        "pk").first()


def _assess(officer: Any, iata: str, outcome: str, *, ago: int, days: int,
            **basis: Any) -> None:
    operator = _operator(iata)
    if operator is None:
        return
    today = timezone.localdate()
    data: dict[str, Any] = {"outcome": outcome, "assessed_on": today - dt.timedelta(days=ago),
                            "valid_until": today + dt.timedelta(days=days), "note": DEMO}
    data.update(basis)
    services.assessment_record(actor=officer, operator=operator, data=data)


def _assessments(ctx: DemoContext, officer: Any) -> None:
    today = timezone.localdate()
    _assess(officer, "KQ", rules.SUITABLE, ago=30, days=335, icao_ei_score="72.40",
            iosa_registered=True, iosa_expires=today + dt.timedelta(days=400),
            incident_history="No fatal accident in the last ten years.")
    _assess(officer, "ET", rules.WITH_CONDITIONS, ago=60, days=305, icao_ei_score="88.00",
            iosa_registered=True, iosa_expires=today + dt.timedelta(days=200),
            conditions="Daylight arrivals only into Mogadishu (MGQ).",
            incident_history="Demo: one runway excursion under review.")
    _assess(officer, "5Y", rules.UNSUITABLE, ago=15, days=180, icao_ei_score="61.00",
            state_audit_note="Demo: findings of the state's oversight audit not closed.",
            incident_history="Demo: two serious incidents in twelve months.")
    _assess(officer, "LH", rules.SUITABLE, ago=350, days=12, icao_ei_score="92.10",
            iosa_registered=True, iosa_expires=today + dt.timedelta(days=300))
    _assess(officer, "MS", rules.SUITABLE, ago=380, days=-5, icao_ei_score="70.00",
            iosa_registered=True, iosa_expires=today + dt.timedelta(days=100))
    # The other operators travel flagged: their flags become assessments, as on migrating.
    ctx.counts["aviation_migrated"] = services.assessments_from_flags()
    ctx.counts["aviation_lapsed"] = services.operators_expire()


def _itinerary(ctx: DemoContext) -> None:
    """The demo traveller's trip to Mombasa on the unsuitable operator: it waits for the
    Kenya security officer's decision."""
    operator = _operator("5Y")
    user = get_user_model().objects.filter(username="traveller").first()
    if user is None or operator is None:
        return
    person = person_of_user(user=user)
    if person is None or person.duty_station is None:
        return
    mombasa = person.duty_station.country.duty_stations.filter(name="Mombasa").first()
    if mombasa is None:
        return
    home = person.duty_station
    start = (timezone.now() + dt.timedelta(days=28)).astimezone(ZoneInfo(home.time_zone)) \
        .replace(hour=7, minute=0, second=0, microsecond=0, tzinfo=None)
    travel_services.request_create(actor=user, traveller=person, submit=True, data={
        "purpose": "Port logistics assessment", "kind": "official"}, segments=[
        {"origin_station": home, "destination_station": mombasa, "departs_local": start,
         "arrives_local": start + dt.timedelta(hours=1), "mode": "air",
         "operator": operator, "flight_number": "5Y 201",
         "lodging_name": "Mombasa UN guest house"},
        {"origin_station": mombasa, "destination_station": home,
         "departs_local": start + dt.timedelta(days=2, hours=9),
         "arrives_local": start + dt.timedelta(days=2, hours=10), "mode": "air",
         "operator": operator, "flight_number": "5Y 202"}])


def _advice(ctx: DemoContext, officer: Any) -> None:
    asker = get_user_model().objects.filter(username="security.officer").first()
    if asker is None:
        return
    kenya = country_by_code(user=asker, code="KE")
    now = timezone.now()
    # (question, operator, route, asked hours ago, answered after hours or None, answer)
    requests = [
        ("Are staff cleared to fly Ethiopian Airlines into Mogadishu this month?", "ET", None,
         24 * 9, 6, "Suitable with conditions: daylight arrivals into MGQ only."),
        ("A partner proposes a charter from Wilson Airport to Dadaab. Is the route "
         "acceptable for UN staff?", None, ("Nairobi Wilson", "Dadaab"), 24 * 20, 70,
         "Only on operators on the WFP/UNHAS list for that route; none other is assessed."),
        ("Is Lufthansa still suitable after its assessment ends this month?", "LH", None,
         24 * 4, 30, "Yes: a review is under way; the assessment will be renewed."),
        ("Can our consultants fly Atlas Air to Mombasa?", "5Y", None, 60, None, ""),
        ("Which operators are suitable between Nairobi and Kisumu?", None,
         ("Nairobi", "Kisumu"), 3, None, ""),
        # The previous biennium's requests, answered more slowly.
        ("May staff take Ethiopian Airlines from Addis Ababa to Nairobi?", "ET", None,
         24 * 420, 30, "Suitable: no conditions."),
        ("Is a charter from Nairobi Wilson to Lokichoggio acceptable?", None,
         ("Nairobi Wilson", "Lokichoggio"), 24 * 530, 96,
         "Only on UNHAS; the charter's operator is not assessed."),
        ("Is Lufthansa suitable for the Frankfurt-Nairobi leg?", "LH", None, 24 * 610, 20,
         "Suitable."),
        ("Which operators fly Mombasa to Lamu and are suitable?", None, ("Mombasa", "Lamu"),
         24 * 680, 75, "None assessed on that route: travel by road with escort."),
    ]
    for question, iata, route, ago, after, answer in requests:
        data: dict[str, Any] = {"country": kenya, "question": question,
                                "operator": _operator(iata) if iata else None}
        if route is not None:
            data.update(origin=route[0], destination=route[1])
        if data["operator"] is None and route is None:
            continue
        advice = services.advice_ask(actor=asker, data=data)
        asked = now - dt.timedelta(hours=ago)
        AdviceRequest.objects.filter(pk=advice.pk).update(asked_at=asked)
        if after is not None:
            advice.refresh_from_db()
            services.advice_answer(actor=officer, advice=advice, answer=answer,
                                   version=advice.version)
            AdviceRequest.objects.filter(pk=advice.pk).update(
                answered_at=asked + dt.timedelta(hours=after))
    ctx.counts["aviation_advice_requests"] = AdviceRequest.objects.count()


def load_aviation(ctx: DemoContext) -> None:
    officer = get_user_model().objects.filter(username="aviation").first()
    if officer is None:
        return
    _assessments(ctx, officer)
    _itinerary(ctx)
    _advice(ctx, officer)


register_step(112, "aviation", load_aviation)
