"""Demo host-country cooperation, dated from today. Kenya: the host country agreement, a
security memorandum of understanding and an exchange of letters that has ended; police
escorts and armed guards in Nairobi, a liaison officer, a rapid response unit in Mombasa not
delivered as agreed; six liaison meetings, one follow-up due soon and one overdue; the
handling of Kenya's demo incidents with UN personnel affected (the two latest left without,
to be recorded); two years of quarterly ratings improving, the last quarter's rating due.
Somalia, South Sudan and Ethiopia have fewer records (Somalia worsening, South Sudan stable,
Ethiopia not rated). The same records at every scale."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.coordination import host_rules as rules
from vigil.coordination.models import (
    AgreementKind,
    EngagementRating,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    InvestigationStatus,
    LiaisonMeeting,
    ProsecutionStatus,
    SupportKind,
)
from vigil.core.demo import DemoContext, register_step
from vigil.incidents.models import Incident
from vigil.incidents.selectors import with_personnel_affected
from vigil.places.models import Country, DutyStation

# How the authorities handled each incident in turn (investigation, arrests, prosecution,
# days from the incident to the report), every one consistent with host_rules.
HANDLING_CYCLE = [
    (InvestigationStatus.CLOSED_SOLVED, 2, ProsecutionStatus.CONVICTED, 0),
    (InvestigationStatus.OPEN, 1, ProsecutionStatus.CHARGED, 1),
    (InvestigationStatus.CLOSED_UNSOLVED, 0, ProsecutionStatus.NONE, 0),
    (InvestigationStatus.REPORTED, 0, ProsecutionStatus.NONE, 2),
    (InvestigationStatus.OPEN, 0, ProsecutionStatus.NONE, 0),
    (InvestigationStatus.CLOSED_SOLVED, 1, ProsecutionStatus.ON_TRIAL, 1),
    (InvestigationStatus.DECLINED, 0, ProsecutionStatus.NONE, 3),
    (InvestigationStatus.NOT_REPORTED, 0, ProsecutionStatus.NONE, None),
]
KENYA_SCORES = [2, 2, 3, 3, 3, 4, 3, 4]
JUSTIFICATIONS = {
    1: "No response to requests for escorts; incidents against staff not investigated.",
    2: "Escorts provided late or not at all; liaison meetings cancelled twice; slow police "
       "response to reported incidents.",
    3: "Escorts mostly provided as agreed; liaison held monthly; investigations opened but "
       "few concluded.",
    4: "Escorts and guards as agreed; liaison officer available around the clock; most "
       "incidents against staff investigated, arrests in the serious cases.",
    5: "Full support as agreed, joint planning with the security forces, every incident "
       "investigated and prosecuted.",
}


def _quarters(today: dt.date, count: int) -> list[rules.Period]:
    """``count`` calendar quarters, oldest first, the last being the one before the previous
    quarter: the previous quarter's rating is left due."""
    quarter = rules.quarter_of(rules.quarter_of(today).start - dt.timedelta(days=1))
    found = []
    for _i in range(count):
        quarter = rules.quarter_of(quarter.start - dt.timedelta(days=1))
        found.append(quarter)
    return list(reversed(found))


def _ratings(country: Country, scores: list[int], today: dt.date, officer: Any
             ) -> list[EngagementRating]:
    return [EngagementRating(country=country, period_start=p.start, period_end=p.end,
                             score=s, justification=JUSTIFICATIONS[s], rated_by=officer)
            for p, s in zip(_quarters(today, len(scores)), scores, strict=True)]


def load_host(ctx: DemoContext) -> None:
    today = timezone.localdate()
    officer = get_user_model().objects.filter(username="security.officer").first()
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=["KE", "SO", "SS", "ET"])}
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=["Nairobi", "Mombasa", "Mogadishu", "Juba", "Addis Ababa"])}
    kenya = countries.get("KE")
    if kenya is None:
        return

    def day(days_ago: int) -> dt.date:
        return today - dt.timedelta(days=days_ago)

    hca = HostAgreement.objects.create(
        country=kenya, kind=AgreementKind.HOST_COUNTRY,
        title="Agreement between the United Nations and Kenya on the United Nations Office "
              "at Nairobi", reference="Demo treaty series 1234", signed_on=dt.date(1996, 3, 20),
        in_force_from=dt.date(1996, 3, 20),
        security_provisions="The Government ensures the security and protection of the "
                            "Office's premises and of its officials, and provides police "
                            "protection on request.")
    mou = HostAgreement.objects.create(
        country=kenya, kind=AgreementKind.SECURITY_MOU,
        title="Memorandum of understanding on the security of UN personnel and premises",
        reference="MOI/UNSMS/2023/04", signed_on=day(3 * 365 + 10),
        in_force_from=day(3 * 365), in_force_until=day(-2 * 365),
        security_provisions="Police escorts for road movements outside Nairobi on 24 hours' "
                            "notice; armed guards at UN premises in Nairobi; a liaison "
                            "officer at the Ministry of Interior.")
    HostAgreement.objects.create(
        country=kenya, kind=AgreementKind.EXCHANGE_OF_LETTERS,
        title="Exchange of letters on escorts for the 2022 elections",
        reference="EL/2022/07", signed_on=day(4 * 365), in_force_from=day(4 * 365),
        in_force_until=day(3 * 365 + 200))
    nairobi, mombasa = stations.get("Nairobi"), stations.get("Mombasa")
    HostSupport.objects.bulk_create([
        HostSupport(country=kenya, duty_station=nairobi, agreement=mou,
                    kind=SupportKind.POLICE_ESCORT, provider="National Police Service",
                    description="Escorts for road missions outside Nairobi.", strength=12,
                    starts_on=day(3 * 365)),
        HostSupport(country=kenya, duty_station=nairobi, agreement=mou,
                    kind=SupportKind.ARMED_GUARDS, provider="Administration Police Service",
                    description="Armed guards at the gates of UN premises in Gigiri.",
                    strength=24, starts_on=day(3 * 365)),
        HostSupport(country=kenya, agreement=mou, kind=SupportKind.LIAISON_OFFICER,
                    provider="Ministry of Interior", strength=2, starts_on=day(3 * 365),
                    description="A liaison officer reachable around the clock."),
        HostSupport(country=kenya, duty_station=mombasa, kind=SupportKind.RAPID_RESPONSE,
                    provider="National Police Service, Coast region", strength=8,
                    starts_on=day(400), reliable=False,
                    description="Promised within 30 minutes; twice did not come in the last "
                                "quarter."),
        HostSupport(country=kenya, agreement=hca, kind=SupportKind.CONVOY_PROTECTION,
                    provider="Kenya Defence Forces", strength=6, starts_on=day(4 * 365),
                    ends_on=day(3 * 365 + 200),
                    description="Convoy protection during the 2022 elections."),
        HostSupport(country=kenya, kind=SupportKind.INTELLIGENCE_SHARING,
                    provider="National Intelligence Service", starts_on=day(2 * 365),
                    description="Weekly threat briefing to the chief security adviser."),
    ])
    # (days ago, authority, topics, outcome, follow-up, follow-up due in days from today)
    meetings = [
        (330, "Ministry of Interior", "Escort notice periods; election preparations.",
         "Notice reduced to 24 hours.", "", None),
        (270, "National Police Service", "Response times in Mombasa.",
         "Police to review the Coast rapid response roster.", "", None),
        (200, "Ministry of Foreign Affairs", "Privileges and immunities of drivers at "
         "checkpoints.", "Circular to police commands promised.", "", None),
        (120, "National Police Service", "Investigations of robberies of staff.",
         "Two cases reassigned to the DCI.", "Progress report on the two cases.", -30),
        (45, "Ministry of Interior", "Renewal of the security memorandum of understanding.",
         "Draft to be shared by the Ministry.", "Ministry to share the draft text.", 10),
        (20, "Ministry of Foreign Affairs", "Checkpoint circular.", "Circular issued.",
         "Confirm the circular reached county commands.", 25),
    ]
    LiaisonMeeting.objects.bulk_create([
        LiaisonMeeting(country=kenya, held_on=day(ago), host_authority=authority,
                       host_participants="Director of operations and two officers",
                       un_participants="Chief security adviser; deputy security adviser",
                       topics=topics, outcome=outcome, follow_up=follow_up,
                       follow_up_due=day(-due) if due is not None else None,
                       recorded_by=officer)
        for ago, authority, topics, outcome, follow_up, due in meetings])
    incidents = list(with_personnel_affected(Incident.objects.filter(country=kenya))
                     .order_by("-occurred_at", "-pk")[:30])
    handled = []
    for index, incident in enumerate(incidents[2:]):
        inv, arrests, prosecution, report_days = HANDLING_CYCLE[index % len(HANDLING_CYCLE)]
        occurred = incident.occurred_at.astimezone(ZoneInfo(incident.time_zone or "UTC")).date()
        reported = (min(occurred + dt.timedelta(days=report_days), today)
                    if report_days is not None else None)
        handled.append(IncidentHandling(
            incident=incident, country=kenya, reported_on=reported, investigation=inv,
            arrests=arrests, prosecution=prosecution,
            authority="Directorate of Criminal Investigations" if report_days is not None
            else "", notes="Demo record."))
    IncidentHandling.objects.bulk_create(handled)
    rows = _ratings(kenya, KENYA_SCORES, today, officer)
    if "SO" in countries:
        somalia = countries["SO"]
        HostAgreement.objects.create(
            country=somalia, kind=AgreementKind.STATUS_OF_FORCES,
            title="Status-of-mission agreement", reference="SOMA/2013",
            signed_on=dt.date(2013, 6, 3), in_force_from=dt.date(2013, 6, 3))
        HostSupport.objects.create(
            country=somalia, duty_station=stations.get("Mogadishu"),
            kind=SupportKind.ARMED_GUARDS, provider="Somali Police Force", strength=10,
            starts_on=day(500), reliable=False,
            description="Guards at the airport compound gate; often absent.")
        LiaisonMeeting.objects.create(
            country=somalia, held_on=day(60), host_authority="Ministry of Internal Security",
            topics="Guard attendance at the compound gate.", recorded_by=officer)
        rows += _ratings(somalia, [3, 3, 3, 2], today, officer)
    if "SS" in countries:
        sudan = countries["SS"]
        HostAgreement.objects.create(
            country=sudan, kind=AgreementKind.BASIC_COOPERATION,
            title="Standard basic cooperation agreement", in_force_from=dt.date(2012, 1, 1))
        LiaisonMeeting.objects.create(
            country=sudan, held_on=day(90), host_authority="Ministry of Interior",
            topics="Movement restrictions around Juba.", recorded_by=officer)
        rows += _ratings(sudan, [2, 2], today, officer)
    if "ET" in countries:
        HostAgreement.objects.create(
            country=countries["ET"], kind=AgreementKind.HOST_COUNTRY,
            title="Headquarters agreement of the Economic Commission for Africa",
            in_force_from=dt.date(1959, 6, 18))
    EngagementRating.objects.bulk_create(rows)
    ctx.counts["host_cooperation"] = (HostAgreement.objects.count()
                                      + HostSupport.objects.count()
                                      + LiaisonMeeting.objects.count()
                                      + IncidentHandling.objects.count() + len(rows))


register_step(124, "host-country cooperation", load_host)
