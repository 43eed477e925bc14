"""Demo stress support: the Kenya counsellor on the roster, a case proposed for each person the
demo's incidents affected, most of Kenya's taken with a first contact and follow-ups, a few
closed or declined, the traveller's own request, and briefings at Kenyan duty stations. All
through the services, so each write has its audit event."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.places.models import DutyStation
from vigil.wellbeing import rules, services
from vigil.wellbeing.models import Case, Contact, TrainingStatus

TOPICS = ["Managing stress after a critical incident", "Recognizing stress in children",
          "Sleep, routine and recovery", "Peer support for national staff",
          "Preparing families for relocation"]
NOTES = ["Shaken, sleeping badly; agreed to follow up.",
         "Calm, wants to talk about the journey home.",
         "Worried about returning to the office; practical steps discussed."]


def load_wellbeing(ctx: DemoContext) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["admin", "counsellor", "traveller"])}
    if len(users) < 3:
        return
    admin, counsellor_user = users["admin"], users["counsellor"]
    kenya = list(DutyStation.objects.filter(country__iso2="KE").order_by("name"))
    counsellor = services.counsellor_save(
        actor=admin, data={
            "user": counsellor_user, "name": "Nadia Rahman", "affiliation": "un",
            "organization_name": "UN Staff Counsellor's Office, Nairobi",
            "languages": "English, Swahili, Arabic",
            "training_status": TrainingStatus.CERTIFIED, "trained_on": dt.date(2025, 3, 14)},
        duty_stations=kenya)
    proposed = services.cases_propose(actor=None)
    # As if the clock had run when each incident was recorded: proposed an hour after it.
    for case in Case.objects.filter(incident__isnull=False).select_related("incident"):
        if case.incident is not None:
            Case.objects.filter(pk=case.pk).update(
                proposed_at=case.incident.occurred_at + dt.timedelta(hours=1))
    now = timezone.now()
    rng = ctx.rng
    covered = frozenset(s.pk for s in kenya)
    cases = list(Case.objects.filter(country__iso2="KE", status=Case.Status.PROPOSED)
                 .select_related("incident").order_by("proposed_at", "pk"))
    for index, case in enumerate(cases):
        if index % 4 == 3 or not rules.covers(covered, case.duty_station_id):
            continue  # left waiting for a counsellor
        services.case_take(actor=counsellor_user, case=case)
        start = case.incident.occurred_at if case.incident else case.proposed_at
        Case.objects.filter(pk=case.pk).update(opened_at=start + dt.timedelta(hours=2))
        case.refresh_from_db()
        if index % 9 == 5:
            services.case_decline(actor=counsellor_user, case=case,
                                  reason="Prefers the support of family and colleagues.")
            continue
        first = min(start + dt.timedelta(hours=rng.randint(2, 110)), now)
        services.contact_record(actor=counsellor_user, case=case, data={
            "at": first, "mode": rng.choice(Contact.Mode.values), "note": rng.choice(NOTES)})
        at = first
        for _session in range(rng.randint(0, 3)):
            at = min(at + dt.timedelta(days=rng.randint(3, 14)), now)
            services.session_record(actor=counsellor_user, case=case, data={
                "at": at, "mode": rng.choice(["in_person", "video", "phone"]),
                "duration_minutes": rng.choice([30, 45, 50, 60]),
                "note": "Follow-up: coping strategies reviewed."})
        if (now - at).days > 60 and index % 2 == 0:
            services.case_close(actor=counsellor_user, case=case,
                                closure_note="Recovered; back at work. May return at any time.")
    # The traveller asks for support after a road accident; the counsellor takes it.
    request = services.case_request(actor=users["traveller"], data={
        "request_note": "Since the accident on the Mombasa road I cannot sleep well.",
        "preferred_language": "Swahili"})
    if rules.covers(covered, request.duty_station_id):
        services.case_take(actor=counsellor_user, case=request)
    briefings = 0
    for index, station in enumerate(kenya[:6]):
        for audience in ("staff", "families"):
            if audience == "families" and index % 2:
                continue
            services.briefing_save(actor=counsellor_user, data={
                "duty_station": station, "held_on": now.date() - dt.timedelta(
                    days=rng.randint(10, 330)),
                "audience": audience, "participants": rng.randint(8, 60),
                "topic": rng.choice(TOPICS), "facilitator": counsellor})
            briefings += 1
    ctx.counts["support cases"] = Case.objects.count()
    ctx.counts["support cases proposed"] = proposed
    ctx.counts["stress briefings"] = briefings


register_step(116, "wellbeing", load_wellbeing)
