"""Demo security levels: a level in force for most areas, some reviews overdue, and in Kenya
a proposal waiting for the DRO desk officer and one returned to the security officer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.people.models import Organization
from vigil.places.models import Country, DutyStation, Premises, SecurityArea
from vigil.risk import rules, services
from vigil.risk.models import (
    ComplianceAssessment,
    ComplianceResult,
    Mission,
    MissionRecommendation,
    MossDocument,
    MossItem,
    PlanContact,
    PlanRoute,
    PlanSite,
    PlanZone,
    PremisesSurvey,
    ProgrammeActivity,
    Questionnaire,
    RiskEntry,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
)

WHY = {
    "armed_conflict": "Armed groups active within 100 km; no attacks on the UN this year.",
    "terrorism": "Threats reported by the host government; no recent attacks in the city.",
    "crime": "Street robbery and car-jacking reported weekly in the area.",
    "civil_unrest": "Demonstrations monthly around government buildings.",
    "hazards": "Seasonal flooding; road traffic accidents are frequent.",
}


def _ratings(ctx: DemoContext, severity: int) -> dict[str, dict[str, str]]:
    """Ratings around a severity from 0 (calm) to 4 (conflict)."""
    ratings = {}
    for category in rules.THREAT_CATEGORIES:
        li = max(0, min(4, severity + ctx.rng.choice([-1, 0, 0, 1])))
        im = max(0, min(4, severity + ctx.rng.choice([-1, 0, 1])))
        ratings[category] = {"likelihood": rules.LIKELIHOODS[li], "impact": rules.IMPACTS[im],
                             "justification": WHY[category]}
    return ratings


def _level(ratings: dict[str, dict[str, str]]) -> int:
    return rules.derive_security_level({c: (r["likelihood"], r["impact"])
                                        for c, r in ratings.items()})


def load_levels(ctx: DemoContext) -> None:
    users = get_user_model().objects
    officer, dro = users.get(username="security.officer"), users.get(username="dro.desk")
    now = timezone.now()
    today = timezone.localdate()
    reviews = []
    areas = list(SecurityArea.objects.select_related("country").order_by("pk"))
    # Stations in the field first-listed countries are rougher places in this demo.
    rough = {"SO", "SS", "AF", "CD", "ML", "IQ", "SD", "HT", "YE", "SY", "LY"}
    for index, area in enumerate(areas):
        if index % 12 == 11:
            continue  # some areas have no level yet
        severity = 3 if area.country.iso2 in rough else ctx.rng.choice([0, 1, 1, 2, 2])
        ratings = _ratings(ctx, severity)
        level = _level(ratings)
        proposed = now - dt.timedelta(days=ctx.rng.randrange(60, 400))
        decided = proposed + dt.timedelta(days=ctx.rng.randrange(1, 45))
        overdue = index % 5 == 0
        due = today - dt.timedelta(days=ctx.rng.randrange(5, 90)) if overdue else \
            today + dt.timedelta(days=ctx.rng.randrange(20, 180))
        reviews.append(SecurityLevelReview(
            security_area=area, ratings=ratings, derived_level=level, proposed_level=level,
            status=SecurityLevelReview.Status.APPROVED, proposed_by=officer,
            proposed_at=proposed, reviewer=dro, review_started_at=decided, decided_by=dro,
            decided_at=decided, next_review_due=due))
    reviews += _level_history(areas, officer, dro, now)
    kenya = [a for a in areas if a.country.iso2 == "KE"]
    if kenya:
        ratings = _ratings(ctx, 2)
        reviews.append(SecurityLevelReview(
            security_area=kenya[0], ratings=ratings, derived_level=_level(ratings),
            proposed_level=_level(ratings), status=SecurityLevelReview.Status.PROPOSED,
            proposed_by=officer, proposed_at=now - dt.timedelta(days=3)))
    if len(kenya) > 1:
        ratings = _ratings(ctx, 1)
        reviews.append(SecurityLevelReview(
            security_area=kenya[1], ratings=ratings, derived_level=_level(ratings),
            proposed_level=min(6, _level(ratings) + 1),
            justification="Elections next month.",
            status=SecurityLevelReview.Status.RETURNED, proposed_by=officer,
            proposed_at=now - dt.timedelta(days=10), decided_by=dro,
            decided_at=now - dt.timedelta(days=8),
            decision_comment="Rate civil unrest again in the light of the election calendar."))
    SecurityLevelReview.objects.bulk_create(reviews, batch_size=1000)
    ctx.counts["security_level_reviews"] = len(reviews)


def _level_history(areas: list[SecurityArea], officer: Any, dro: Any, now: dt.datetime
                   ) -> list[SecurityLevelReview]:
    """Earlier approved levels of every third area, decided some 15 to 32 months ago (the
    previous biennium), some within a month of their proposal and some later (SP2.1.c.i)."""
    history = []
    for index, area in enumerate(areas):
        if index % 3:
            continue
        proposed = now - dt.timedelta(days=450 + (index * 37) % 500)
        decided = proposed + dt.timedelta(days=3 + (index * 11) % 50)
        ratings = {c: {"likelihood": "unlikely", "impact": "moderate", "justification": WHY[c]}
                   for c in rules.THREAT_CATEGORIES}
        history.append(SecurityLevelReview(
            security_area=area, ratings=ratings, derived_level=_level(ratings),
            proposed_level=_level(ratings), status=SecurityLevelReview.Status.APPROVED,
            proposed_by=officer, proposed_at=proposed, reviewer=dro, review_started_at=decided,
            decided_by=dro, decided_at=decided,
            next_review_due=decided.date() + dt.timedelta(days=365)))
    return history


register_step(50, "security levels", load_levels)


DEMO_RISKS = [
    ("crime", "Armed robbery and car-jacking of UN vehicles", "personnel", "likely", "severe",
     "Armoured vehicles; radio check-in on every movement; no travel after dark.",
     ["vehicles", "telecommunications"], "unlikely", "severe", "control"),
    ("terrorism", "Attack with explosives on a UN compound", "premises", "moderately_likely",
     "critical", "Blast film, stand-off perimeter, vehicle screening at the gate.",
     ["premises"], "unlikely", "critical", "control"),
    ("civil_unrest", "Demonstrations blocking the road to the office", "programmes", "likely",
     "moderate", "Alternate work arrangements; warden system alerts.",
     ["coordination", "telecommunications"], "moderately_likely", "minor", "accept"),
    ("hazards", "Road traffic accidents on intercity roads", "personnel", "very_likely",
     "severe", "Defensive-driving training; speed limiters; no night driving.",
     ["training", "vehicles"], "likely", "moderate", "control"),
    ("armed_conflict", "Cross-fire between armed groups near field sites", "personnel",
     "likely", "critical", "Movement only with escort; bunkers at field sites.",
     ["equipment", "premises"], "likely", "critical", "avoid"),
]
DEMO_ACTIVITIES = [("WFP", "General food distribution", "pc1"),
                   ("UNICEF", "Vaccination campaign", "pc2"),
                   ("UNDP", "Governance workshop", "pc4"),
                   ("UNHCR", "Registration of new arrivals", "")]


def load_sras(ctx: DemoContext) -> None:
    users = get_user_model().objects
    officer, do, dro = (users.get(username=u) for u in ("security.officer",
                                                         "designated.official", "dro.desk"))
    orgs = {o.code: o for o in Organization.objects.all()}
    today = timezone.localdate()
    now = timezone.now()
    plans = [("KE", "endorsed", 120, 5), ("KE", "draft", 200, 3), ("SO", "approved", -20, 5),
             ("SS", "endorsed", -45, 4), ("ET", "submitted", 60, 3), ("CD", "endorsed", 30, 5)]
    made = 0
    for iso2, status, due_in, risks in plans:
        country = Country.objects.filter(iso2=iso2).first()
        if country is None:
            continue
        start = today - dt.timedelta(days=180)
        stamps: dict[str, object] = {}
        if status in {"submitted", "approved", "endorsed"}:
            stamps.update(submitted_by=officer, submitted_at=now - dt.timedelta(days=40))
        if status in {"approved", "endorsed"}:
            stamps.update(approved_by=do, approved_at=now - dt.timedelta(days=30))
        if status == "endorsed":
            stamps.update(endorsed_by=dro, endorsed_at=now - dt.timedelta(days=20))
        sra = SecurityRiskAssessment.objects.create(
            country=country, title=f"{country.name} security risk assessment "
                                   f"{'(revision)' if status == 'draft' else today.year}",
            summary="Country-wide assessment agreed with the security management team.",
            status=status, valid_from=start, valid_until=start + dt.timedelta(days=365),
            review_due=today + dt.timedelta(days=due_in), **stamps)
        RiskEntry.objects.bulk_create([
            RiskEntry(sra=sra, position=n, threat_category=r[0], description=r[1],
                      at_risk=r[2], likelihood=r[3], impact=r[4], mitigation=r[5],
                      moss_categories=r[6], residual_likelihood=r[7], residual_impact=r[8],
                      response=r[9])
            for n, r in enumerate(DEMO_RISKS[:risks], start=1)])
        ProgrammeActivity.objects.bulk_create([
            ProgrammeActivity(sra=sra, organization=orgs[code], name=name, criticality=pc)
            for code, name, pc in DEMO_ACTIVITIES if code in orgs])
        sra.versions.create(number=1, snapshot=services.sra_snapshot(sra), reason="demo",
                            created_by=officer)
        made += 1
    made += _sra_history(officer, do, dro)
    ctx.counts["security_risk_assessments"] = made


# The assessments these replaced, endorsed by DRO in the previous biennium: (country,
# endorsed days ago, review due days after endorsement). Kenya's was up to date at the end
# of that biennium; the others were past their review (SP2.1.a.i).
SRA_HISTORY = [("KE", 690, 365), ("SS", 900, 365), ("CD", 630, 200), ("SO", 820, 365)]


def _sra_history(officer: Any, do: Any, dro: Any) -> int:
    now = timezone.now()
    made = 0
    for iso2, days_ago, review_after in SRA_HISTORY:
        country = Country.objects.filter(iso2=iso2).first()
        if country is None:
            continue
        endorsed = now - dt.timedelta(days=days_ago)
        sra = SecurityRiskAssessment.objects.create(
            country=country, title=f"{country.name} security risk assessment "
                                   f"{endorsed.year}",
            summary="The country-wide assessment in force before the current one.",
            status=SecurityRiskAssessment.Status.SUPERSEDED, valid_from=endorsed.date(),
            valid_until=endorsed.date() + dt.timedelta(days=365),
            review_due=endorsed.date() + dt.timedelta(days=review_after),
            submitted_by=officer, submitted_at=endorsed - dt.timedelta(days=20),
            approved_by=do, approved_at=endorsed - dt.timedelta(days=10), endorsed_by=dro,
            endorsed_at=endorsed)
        RiskEntry.objects.bulk_create([
            RiskEntry(sra=sra, position=n, threat_category=r[0], description=r[1],
                      at_risk=r[2], likelihood=r[3], impact=r[4], mitigation=r[5],
                      moss_categories=r[6], residual_likelihood=r[7], residual_impact=r[8],
                      response=r[9])
            for n, r in enumerate(DEMO_RISKS[:3], start=1)])
        sra.versions.create(number=1, snapshot=services.sra_snapshot(sra), reason="demo",
                            created_by=officer)
        made += 1
    return made


register_step(55, "risk assessments", load_sras)


def load_moss(ctx: DemoContext) -> None:
    """Kenya's MOSS, derived from its endorsed SRA and approved, with compliance of Nairobi
    assessed three times (rising) and of one premises once."""
    users = get_user_model().objects
    officer, dro = users.get(username="security.officer"), users.get(username="dro.desk")
    sra = SecurityRiskAssessment.objects.filter(country__iso2="KE", status="endorsed").first()
    nairobi = DutyStation.objects.filter(country__iso2="KE", name="Nairobi").first()
    if sra is None or nairobi is None:
        return
    document = services.moss_document_create(actor=officer, country=sra.country,
                                             title="MOSS Kenya", sra=sra)
    document = services.moss_document_approve(actor=dro, document=document,
                                              version=document.version)
    today = timezone.localdate()
    made = 0
    for months_ago, compliant_share in ((12, 0.55), (6, 0.7), (1, 0.85)):
        assessment = services.compliance_assessment_start(
            actor=officer, document=document, duty_station=nairobi,
            assessed_on=today - dt.timedelta(days=30 * months_ago))
        results = {}
        rows = list(assessment.results.order_by("pk"))
        for n, row in enumerate(rows):
            ok = n < round(len(rows) * compliant_share)
            results[row.item_id] = {"state": "compliant" if ok else "partly_compliant",
                                    "evidence": "Checked on site.",
                                    "corrective_action": "" if ok else "Complete the measure.",
                                    "action_owner": "" if ok else "Field security unit",
                                    "action_due": None if ok else today + dt.timedelta(60)}
        services.compliance_assessment_record(actor=officer, assessment=assessment,
                                              results=results, version=assessment.version,
                                              final=True)
        made += 1
    premises = Premises.objects.filter(duty_station=nairobi).first()
    if premises is not None:
        services.compliance_assessment_start(actor=officer, document=document,
                                             duty_station=None, premises=premises)
        made += 1
    made += _field_moss(officer, document, today)
    made += _load_h_moss(dro)
    ctx.counts["moss_assessments"] = made


def _assess(actor: Any, document: MossDocument, station: Any, day: dt.date, share: float
            ) -> None:
    """A final assessment of a duty station with the first ``share`` of its items compliant."""
    assessment = services.compliance_assessment_start(actor=actor, document=document,
                                                      duty_station=station, assessed_on=day)
    rows = list(assessment.results.order_by("pk"))
    results: dict[int, dict[str, Any]] = {}
    for n, row in enumerate(rows):
        ok = n < round(len(rows) * share)
        results[row.item_id] = {"state": "compliant" if ok else "partly_compliant",
                                "evidence": "Checked on site.",
                                "corrective_action": "" if ok else "Complete the measure.",
                                "action_owner": "" if ok else "Field security unit",
                                "action_due": None if ok else day + dt.timedelta(60)}
    services.compliance_assessment_record(actor=actor, assessment=assessment, results=results,
                                          version=assessment.version, final=True)


# Field locations assessed against Kenya's MOSS: (station, days ago, compliant share). A year
# and more ago Mombasa fell short and Kisumu met it; now both meet it (SP2.1.a.ii).
FIELD_MOSS = [("Mombasa", 420, 0.6), ("Kisumu", 500, 0.85), ("Mombasa", 40, 0.9),
              ("Kisumu", 70, 0.8)]


def _field_moss(officer: Any, document: MossDocument, today: dt.date) -> int:
    made = 0
    for name, days_ago, share in FIELD_MOSS:
        station = DutyStation.objects.filter(country=document.country, name=name).first()
        if station is None:
            continue
        _assess(officer, document, station, today - dt.timedelta(days=days_ago), share)
        made += 1
    return made + _other_field_moss(document.approved_by, today)


# Other countries' MOSS, from their endorsed SRAs, and their field locations' assessments:
# (country, station, days ago, compliant share).
OTHER_FIELD_MOSS = [("SS", "Juba", 400, 0.7), ("SS", "Juba", 25, 0.85),
                    ("CD", "Kinshasa", 500, 0.8), ("CD", "Kinshasa", 50, 0.9),
                    ("CD", "Goma", 450, 0.5), ("CD", "Goma", 15, 0.6)]


def _other_field_moss(dro: Any, today: dt.date) -> int:
    """Recorded as they stand (the demo's security officer works in Kenya only)."""
    assessor = get_user_model().objects.get(username="security.officer")
    documents: dict[str, MossDocument] = {}
    made = 0
    for iso2, name, days_ago, share in OTHER_FIELD_MOSS:
        station = DutyStation.objects.filter(country__iso2=iso2, name=name).first()
        sra = SecurityRiskAssessment.objects.filter(country__iso2=iso2,
                                                    status="endorsed").first()
        if station is None or sra is None:
            continue
        if iso2 not in documents:
            documents[iso2] = MossDocument.objects.create(
                country=sra.country, sra=sra, title=f"MOSS {sra.country.name}",
                status=MossDocument.Status.APPROVED, approved_by=dro, approved_at=timezone.now())
            MossItem.objects.bulk_create([
                MossItem(document=documents[iso2], position=n, **item)
                for n, item in enumerate(services.standard_moss_items(), start=1)
                if item["applies_to"] in {"all", "duty_station"}])
        items = list(documents[iso2].items.order_by("pk"))
        states = ["compliant" if n < round(len(items) * share) else "partly_compliant"
                  for n in range(len(items))]
        day = today - dt.timedelta(days=days_ago)
        assessment = ComplianceAssessment.objects.create(
            document=documents[iso2], duty_station=station, assessed_on=day, assessor=assessor,
            status=ComplianceAssessment.Status.FINAL,
            compliance=rules.compliance_percent(states))
        ComplianceResult.objects.bulk_create([ComplianceResult(
            assessment=assessment, item=item, state=state, evidence="Checked on site.",
            corrective_action="" if state == "compliant" else "Complete the measure.",
            action_owner="" if state == "compliant" else "Field security unit",
            action_due=None if state == "compliant" else day + dt.timedelta(days=60))
            for item, state in zip(items, states, strict=True)])
        made += 1
    return made


def _load_h_moss(dro: Any) -> int:
    """H-MOSS of New York headquarters, approved, with one assessment by its HQ officer."""
    new_york = DutyStation.objects.filter(kind="hq", name="New York").first()
    premises = Premises.objects.filter(duty_station=new_york).first()
    if new_york is None or premises is None:
        return 0
    document = MossDocument.objects.create(
        country=new_york.country, kind=MossDocument.Kind.HQ, duty_station=new_york,
        title="H-MOSS New York", status=MossDocument.Status.APPROVED, approved_by=dro,
        approved_at=timezone.now())
    MossItem.objects.bulk_create([
        MossItem(document=document, position=n, **item)
        for n, item in enumerate(services.standard_moss_items(), start=1)
        if item["applies_to"] in {"all", "premises"}])
    hq_officer = get_user_model().objects.get(username="hq.security")
    assessment = services.compliance_assessment_start(actor=hq_officer, document=document,
                                                      duty_station=None, premises=premises)
    results: dict[int, dict[str, Any]] = {
        r.item_id: {"state": "compliant", "evidence": "Inspected."}
        for r in assessment.results.all()}
    services.compliance_assessment_record(actor=hq_officer, assessment=assessment,
                                          results=results, version=assessment.version,
                                          final=True)
    # The same premises some 14 months earlier, a quarter of the items short (SP1.a.i).
    earlier = services.compliance_assessment_start(
        actor=hq_officer, document=document, duty_station=None, premises=premises,
        assessed_on=timezone.localdate() - dt.timedelta(days=420))
    rows = list(earlier.results.order_by("pk"))
    due = timezone.localdate() - dt.timedelta(days=300)
    results = {
        r.item_id: {"state": "compliant", "evidence": "Inspected."} if n % 4 else
        {"state": "partly_compliant", "evidence": "Inspected.",
         "corrective_action": "Replace the perimeter lighting.", "action_owner": "Facilities",
         "action_due": due}
        for n, r in enumerate(rows)}
    services.compliance_assessment_record(actor=hq_officer, assessment=earlier,
                                          results=results, version=earlier.version, final=True)
    return 2


register_step(60, "MOSS", load_moss)


def load_plans(ctx: DemoContext) -> None:
    """Nairobi's endorsed security plan, and a draft one for Mombasa."""
    users = get_user_model().objects
    do, dro = users.get(username="designated.official"), users.get(username="dro.desk")
    today = timezone.localdate()
    made = 0
    for name, status in (("Nairobi", "endorsed"), ("Mombasa", "draft")):
        station = DutyStation.objects.filter(country__iso2="KE", name=name).first()
        if station is None:
            continue
        plan = SecurityPlan.objects.create(
            country=station.country, duty_station=station, title=f"{name} security plan",
            status=status, review_due=today + dt.timedelta(days=150),
            approved_by=do if status == "endorsed" else None,
            approved_at=timezone.now() - dt.timedelta(days=40) if status == "endorsed"
            else None, endorsed_by=dro if status == "endorsed" else None,
            endorsed_at=timezone.now() - dt.timedelta(days=30) if status == "endorsed"
            else None)
        PlanZone.objects.bulk_create([
            PlanZone(plan=plan, name=f"{name} {z}", warden=w, warden_phone=p)
            for z, w, p in (("North", "Wanjiru Mwangi", "+254 700 100001"),
                            ("South", "Joseph Otieno", "+254 700 100002"))])
        head = PlanContact.objects.create(plan=plan, role="Designated official",
                                          name="Grace Haile", phone="+254 20 7621000")
        PlanContact.objects.create(plan=plan, role="Security adviser", name="Daniel Mwangi",
                                   phone="+254 20 7621234", radio_callsign="SIERRA 1",
                                   reports_to=head)
        PlanSite.objects.create(plan=plan, kind="concentration", name=f"UN House {name}",
                                latitude=station.latitude, longitude=station.longitude,
                                capacity=400)
        PlanRoute.objects.create(plan=plan, kind="evacuation", name="Airport convoy",
                                 destination="International airport",
                                 description="Escorted convoy by the main road.",
                                 trigger="Security level 5, or on the DO's order.")
        made += 1
    made += _plan_history(do, dro)
    ctx.counts["security_plans"] = made


def _plan_history(do: Any, dro: Any) -> int:
    """Nairobi's plan was drafted some 16 months ago; Kenya's country plan was made and
    endorsed in the previous biennium (SP2.1.b.i)."""
    now = timezone.now()
    SecurityPlan.objects.filter(country__iso2="KE", duty_station__name="Nairobi").update(
        created_at=now - dt.timedelta(days=500))
    kenya = Country.objects.filter(iso2="KE").first()
    if kenya is None:
        return 0
    plan = SecurityPlan.objects.create(
        country=kenya, title="Kenya country security plan", status="endorsed",
        review_due=timezone.localdate() + dt.timedelta(days=60), approved_by=do,
        approved_at=now - dt.timedelta(days=580), endorsed_by=dro,
        endorsed_at=now - dt.timedelta(days=560))
    SecurityPlan.objects.filter(pk=plan.pk).update(created_at=now - dt.timedelta(days=600))
    return 1


register_step(65, "security plans", load_plans)


def load_missions(ctx: DemoContext) -> None:
    """Missions of the last year to half the demo countries, with recommendations."""
    today = timezone.localdate()
    countries = list(Country.objects.filter(duty_stations__isnull=False).distinct()
                     .order_by("name"))
    missions, recommendations = [], []
    for index, country in enumerate(countries[::2][:12]):
        start = today - dt.timedelta(days=30 + 25 * index)
        completed = index % 4 != 3
        missions.append(Mission(
            country=country, kind="assessment" if index % 2 else "assistance",
            purpose="Review the security risk assessment and MOSS implementation.",
            team="DSS/DRO desk, regional security adviser", planned_start=start,
            planned_end=start + dt.timedelta(days=5),
            status="completed" if completed else "planned",
            completed_on=start + dt.timedelta(days=5) if completed else None,
            report="The security management team works well; see recommendations."
            if completed else ""))
    # Completed in the previous biennium, some 13 to 23 months ago (SP2.1.c.ii).
    for index, country in enumerate(countries[1::3][:8]):
        start = today - dt.timedelta(days=400 + 40 * index)
        missions.append(Mission(
            country=country, kind="assistance", purpose="Support the SRA review.",
            team="DSS/DRO desk", planned_start=start, planned_end=start + dt.timedelta(days=4),
            status="completed", completed_on=start + dt.timedelta(days=4),
            report="Assistance given to the security cell."))
    Mission.objects.bulk_create(missions)
    for mission in Mission.objects.filter(status="completed"):
        for n, (finding, advice) in enumerate((
                ("Emergency communications not tested this year.",
                 "Test the radio network twice a year."),
                ("Residence coordinates missing for a fifth of personnel.",
                 "Complete the personnel records before the next headcount drill."))):
            recommendations.append(MissionRecommendation(
                mission=mission, finding=finding, recommendation=advice,
                owner="Country security management team",
                due=(mission.completed_on or today) + dt.timedelta(days=45 + 30 * n),
                status="closed" if n == 0 else "open",
                closed_on=today if n == 0 else None,
                closure_note="Tested on the last drill." if n == 0 else ""))
    MissionRecommendation.objects.bulk_create(recommendations)
    ctx.counts["missions"] = len(missions)


register_step(70, "missions", load_missions)


def load_surveys(ctx: DemoContext) -> None:
    """Vulnerability surveys of the Kenyan premises, improving over time."""
    officer = get_user_model().objects.get(username="security.officer")
    questionnaire = Questionnaire.objects.filter(is_active=True).first()
    if questionnaire is None:
        return
    specs = services.questionnaire_specs(questionnaire)
    today = timezone.localdate()
    surveys = []
    for premises in Premises.objects.filter(duty_station__country__iso2="KE"):
        for months_ago, worst in ((10, 2), (4, 1)):
            answers = {s.id: min(len(s.scores) - 1, ctx.rng.randrange(0, worst + 1))
                       for s in specs}
            score, vulnerable = rules.survey_result(specs, answers)
            surveys.append(PremisesSurvey(
                premises=premises, questionnaire=questionnaire, surveyor=officer,
                surveyed_on=today - dt.timedelta(days=30 * months_ago),
                answers={str(k): v for k, v in answers.items()}, score=score,
                vulnerabilities=vulnerable))
    PremisesSurvey.objects.bulk_create(surveys)
    ctx.counts["vulnerability_surveys"] = len(surveys)


register_step(75, "vulnerability surveys", load_surveys)
