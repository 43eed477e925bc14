"""Demo security management teams, dated from today so that each case always shows: Kenya's
country team (established in 2019) with a year of meetings, attendance, decisions and action
points (some closed, some open, two late), its last meeting long enough ago to be late at the
level in force in Kenya, and its next meeting scheduled; an area team at Mombasa that meets on
time; joint plans in each status; and teams for Somalia, South Sudan and Ethiopia.

The members are the holders of the SMT functions that the accountability step (120) appoints;
without them, the demo users stand in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination.models import (
    ActionPoint,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Decision,
    JointPlan,
    JointPlanKind,
    JointPlanStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core.demo import DemoContext, register_step
from vigil.people.models import Organization
from vigil.places.models import Country, SecurityArea
from vigil.risk.models import SecurityPlan

AGENDAS = [
    "1. Security situation since the last meeting\n2. Security risk assessment: changes\n"
    "3. MOSS compliance\n4. Action points of the last meeting\n5. Any other business",
    "1. Security situation and incidents\n2. Elections: contingency arrangements\n"
    "3. Warden system and staff lists\n4. Action points\n5. Any other business",
    "1. Security situation\n2. Relocation and evacuation plan\n3. Residential security "
    "measures\n4. Action points\n5. Any other business",
]
DECISIONS = [
    ("The security officers of each organization update their staff lists in the warden "
     "system every month.", "Send the updated staff lists to the wardens"),
    ("Road movements to the north-east go by convoy only until the next review.",
     "Brief all drivers on the convoy procedure"),
    ("The relocation site at the regional office is confirmed as the primary site.",
     "Check the relocation site's stocks of water and fuel"),
    ("Every organization tests its satellite phones each month and reports to the CSA.",
     "Report the satellite phone test results"),
    ("The team adopts the revised security risk assessment for the coastal areas.",
     "Circulate the revised risk assessment to the heads of agency"),
    ("Residential security measures are checked for every new international staff member.",
     "Check the residences of the staff who arrived this quarter"),
]


class _Maker:
    def __init__(self, chair: Any, recorder: Any) -> None:
        self.today = timezone.localdate()
        self.chair, self.recorder = chair, recorder
        self.counts = {"teams": 0, "meetings": 0, "action points": 0, "joint plans": 0}

    def day(self, ago: int) -> dt.date:
        return self.today - dt.timedelta(days=ago)

    def team(self, country: Country, name: str, established: dt.date,
             area: SecurityArea | None = None) -> SecurityManagementTeam:
        self.counts["teams"] += 1
        return SecurityManagementTeam.objects.create(
            country=country, security_area=area, name=name, established_on=established,
            terms_of_reference="The team advises the designated official on all matters of "
                               "security in its place, and its members carry out the "
                               "decisions taken together.")

    def held(self, team: SecurityManagementTeam, ago: int, number: int,
             people: list[tuple[Any, Any, Any]]) -> Meeting:
        """A meeting held ``ago`` days back; ``people``: (user, appointment, organization)."""
        meeting = Meeting.objects.create(
            team=team, held_on=self.day(ago), status=MeetingStatus.HELD,
            kind=MeetingKind.EXTRAORDINARY if number % 5 == 4 else MeetingKind.REGULAR,
            location="UN Gigiri, conference room 2" if number % 2 == 0 else "UNDP office",
            chaired_by=self.chair, agenda=AGENDAS[number % len(AGENDAS)],
            summary="The team reviewed the security situation and the action points of the "
                    "last meeting, and took the decisions below.",
            minutes_approved_on=self.day(max(ago - 7, 0)), recorded_by=self.recorder)
        statuses = [AttendanceStatus.PRESENT, AttendanceStatus.PRESENT,
                    AttendanceStatus.REPRESENTED, AttendanceStatus.APOLOGIES,
                    AttendanceStatus.PRESENT, AttendanceStatus.ABSENT]
        rows = []
        for index, (user, appointment, organization) in enumerate(people):
            state = statuses[(index + number) % len(statuses)] if index else \
                AttendanceStatus.PRESENT
            rows.append(Attendance(meeting=meeting, user=user, appointment=appointment,
                                   organization=organization, status=state,
                                   represented_by="Deputy head of office"
                                   if state == AttendanceStatus.REPRESENTED else ""))
        if number % 3 == 0:
            rows.append(Attendance(meeting=meeting, guest_name="Police liaison officer",
                                   status=AttendanceStatus.PRESENT))
        Attendance.objects.bulk_create(rows)
        self.counts["meetings"] += 1
        return meeting

    def decide(self, meeting: Meeting, number: int) -> list[tuple[Decision, str]]:
        found = []
        for offset in range(2):
            text, action = DECISIONS[(number * 2 + offset) % len(DECISIONS)]
            found.append((Decision.objects.create(meeting=meeting, number=offset + 1,
                                                  text=text), action))
        return found

    def action(self, meeting: Meeting, decision: Decision | None, text: str, owner: Any,
               due_in: int, closed: str = "") -> ActionPoint:
        """``due_in`` days from today (negative: past); ``closed`` "done" or "dropped"."""
        due = max(self.today + dt.timedelta(days=due_in), meeting.held_on)
        self.counts["action points"] += 1
        return ActionPoint.objects.create(
            team=meeting.team, meeting=meeting, decision=decision, text=text, owner=owner,
            due_on=due, status=closed or ActionStatus.OPEN,
            closed_on=min(self.today, due) if closed else None,
            closed_by=owner if closed else None,
            closure_note=("Done and reported at the next meeting." if closed == "done"
                          else "Overtaken by the new convoy arrangements.") if closed else "")

    def plan(self, team: SecurityManagementTeam, title: str, kind: str, status: str,
             organizations: list[Organization], *, agreed_at: Meeting | None = None,
             security_plan: SecurityPlan | None = None, lead: Any = None) -> JointPlan:
        agreed = status not in {JointPlanStatus.DRAFTING} and agreed_at is not None
        plan = JointPlan.objects.create(
            team=team, title=title, kind=kind, status=status, lead=lead,
            agreed_at=agreed_at if agreed else None,
            agreed_on=agreed_at.held_on if agreed and agreed_at else None,
            security_plan=security_plan, review_due=self.today + dt.timedelta(days=120),
            notes="Prepared by the security focal points of the organizations named.")
        plan.organizations.set(organizations)
        self.counts["joint plans"] += 1
        return plan


def _people(team: SecurityManagementTeam, stand_ins: list[Any],
            organization: Organization | None) -> list[tuple[Any, Any, Any]]:
    """The team's members from their appointments; the demo users where nobody is
    appointed."""
    members = selectors.team_members(team)
    if members:
        return [(m.user, m.appointment, m.organization) for m in members]
    return [(user, None, organization) for user in stand_ins]


def load_smts(ctx: DemoContext) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["security.officer", "designated.official"])}
    officer, official = users.get("security.officer"), users.get("designated.official")
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=["KE", "SO", "SS", "ET"])}
    kenya = countries.get("KE")
    if officer is None or official is None or kenya is None:
        return
    orgs = list(Organization.objects.order_by("code")[:6])
    undp = next((o for o in orgs if o.code == "UNDP"), orgs[0] if orgs else None)
    make = _Maker(official, officer)
    team = make.team(kenya, "Kenya security management team", dt.date(2019, 3, 15))
    people = _people(team, [official, officer], undp)
    owners = [p[0] for p in people] or [officer]
    # The last meeting was held long enough ago to be late at Kenya's level in force.
    interval = selectors.team_state(selectors.team_get(user=officer, pk=team.pk)).interval_days \
        if _sees(officer, team) else rules.interval_days(None, selectors.intervals())
    last_ago = interval + 12
    held = [make.held(team, ago, number, people) for number, ago in enumerate(
        a for a in (last_ago, last_ago + 45, last_ago + 90, last_ago + 140, last_ago + 190,
                    last_ago + 240) if a < 365)]
    for number, meeting in enumerate(held):
        for index, (decision, text) in enumerate(make.decide(meeting, number)):
            owner = owners[(number + index) % len(owners)]
            if number == 0:
                # From the last meeting: two late (one the CSA's), one open and not yet due.
                make.action(meeting, decision, text, officer if index == 0 else owner,
                            due_in=-20 if index == 0 else -8)
            elif number == 1 and index == 0:
                make.action(meeting, decision, text, owner, due_in=-30, closed="dropped")
            else:
                # Due a month after its meeting, and done.
                make.action(meeting, decision, text, owner,
                            due_in=30 - (make.today - meeting.held_on).days, closed="done")
    if held:
        make.action(held[0], None, "Prepare the agenda of the next meeting with the chair",
                    officer, due_in=9)
    Meeting.objects.create(team=team, held_on=make.day(-10), status=MeetingStatus.SCHEDULED,
                           location="UN Gigiri, conference room 2", chaired_by=official,
                           agenda=AGENDAS[0])
    make.counts["meetings"] += 1
    plans = SecurityPlan.objects.filter(country=kenya).order_by("-pk").first()
    four = orgs[:4]
    if held and len(four) >= 2:
        make.plan(team, "Kenya country security plan", JointPlanKind.SECURITY_PLAN,
                  JointPlanStatus.IN_IMPLEMENTATION, four, agreed_at=held[-1],
                  security_plan=plans, lead=officer)
        make.plan(team, "Relocation and evacuation plan, Nairobi", JointPlanKind.RELOCATION,
                  JointPlanStatus.AGREED, four[:3], agreed_at=held[0], lead=officer)
        make.plan(team, "Medical evacuation plan", JointPlanKind.MEDICAL_EVACUATION,
                  JointPlanStatus.DRAFTING, four[1:], lead=officer)
        make.plan(team, "Security communications plan", JointPlanKind.COMMUNICATIONS,
                  JointPlanStatus.COMPLETED, four[:2], agreed_at=held[len(held) // 2])
        make.plan(team, "Elections contingency plan", JointPlanKind.CONTINGENCY,
                  JointPlanStatus.ABANDONED, four[::2], agreed_at=held[-1])
    _area_team(make, kenya, official, officer, undp, orgs)
    for iso2, name, ago, established in (("SO", "Somalia security management team", 9, 2015),
                                         ("SS", "South Sudan security management team", 40,
                                          2016),
                                         ("ET", "Ethiopia security management team", None,
                                          2025)):
        country = countries.get(iso2)
        if country is None:
            continue
        other = make.team(country, name, dt.date(established, 1, 20) if established < 2025
                          else make.day(30))
        if ago is not None:
            meeting = make.held(other, ago, 1, [(official, None, undp)])
            make.decide(meeting, 1)
    ctx.counts.update({f"SMT {k}": v for k, v in make.counts.items()})


def _sees(user: Any, team: SecurityManagementTeam) -> bool:
    return selectors.teams_seen(user).filter(pk=team.pk).exists()


def _area_team(make: _Maker, kenya: Country, official: Any, officer: Any,
               undp: Organization | None, orgs: list[Organization]) -> None:
    """An area team that meets on time: Mombasa's, or any other Kenyan area's."""
    area = SecurityArea.objects.filter(country=kenya, name__icontains="Mombasa").first() or \
        SecurityArea.objects.filter(country=kenya).order_by("-pk").first()
    if area is None:
        return
    team = make.team(kenya, f"{area.name} area security management team",
                     dt.date(2021, 6, 1), area)
    people = _people(team, [official, officer], undp)
    meeting = make.held(team, 5, 2, people)
    for decision, text in make.decide(meeting, 2):
        make.action(meeting, decision, text, officer, due_in=20)
    if len(orgs) >= 2:
        make.plan(team, f"{area.name} contingency plan", JointPlanKind.CONTINGENCY,
                  JointPlanStatus.AGREED, orgs[:2], agreed_at=meeting)


register_step(122, "security management teams", load_smts)
