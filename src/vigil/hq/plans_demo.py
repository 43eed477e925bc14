"""Demo emergency plans and drills at New York, Geneva, Addis Ababa and Bangkok, dated from
today so that the board always shows each case: New York updated and tested as required;
Geneva with its crisis management plan overdue for review and a new evacuation plan awaiting
approval; Addis Ababa with every plan approved and none ever tested; Bangkok with no approved
contingency plan and its evacuation plan last tested fifteen months ago; Nairobi with an
evacuation plan waiting for the Kenya designated official. Drills carry open, overdue and
closed corrective actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.hq.models import (
    ActionStatus,
    CorrectiveAction,
    Drill,
    DrillKind,
    EmergencyPlan,
    PlanEvent,
    PlanKind,
    PlanReview,
    PlanStatus,
)
from vigil.places.models import DutyStation, Premises

TITLES: dict[str, str] = {PlanKind.CRISIS: "Crisis management plan",
                          PlanKind.EVACUATION: "Evacuation plan",
                          PlanKind.CONTINGENCY: "Contingency plan"}
DRILL_TESTS: dict[str, list[str]] = {DrillKind.EVACUATION: [PlanKind.EVACUATION],
               DrillKind.SHELTER: [PlanKind.CONTINGENCY],
               DrillKind.CRISIS_EXERCISE: [PlanKind.CRISIS, PlanKind.CONTINGENCY]}


class _Maker:
    def __init__(self, ctx: DemoContext, officer: Any, approver: Any) -> None:
        self.ctx, self.officer, self.approver = ctx, officer, approver
        self.today = timezone.localdate()
        self.plans = 0
        self.drills = 0

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def at(self, days_ago: int) -> dt.datetime:
        return timezone.now() - dt.timedelta(days=days_ago)

    def plan(self, station: DutyStation, kind: str, label: str, *, status: str,
             approved_ago: int | None = None, superseded_ago: int | None = None,
             reviewed_ago: list[int] | None = None) -> EmergencyPlan:
        created = (approved_ago or 20) + 30
        plan = EmergencyPlan.objects.create(
            duty_station=station, kind=kind, title=f"{station.name} {TITLES[kind].lower()}",
            owner=self.officer, version_label=label, status=status,
            summary=f"Roles, triggers and procedures of the {TITLES[kind].lower()} of the "
                    f"{station.name} premises; annexes list wardens and assembly points.",
            document_reference=f"DSS/{station.name[:3].upper()}/{kind.upper()}/{label}",
            last_edited_by=self.officer,
            submitted_at=self.at(created - 10) if status != PlanStatus.DRAFT else None,
            approved_by=self.approver if approved_ago is not None else None,
            approved_on=self.day(approved_ago) if approved_ago is not None else None,
            superseded_on=self.day(superseded_ago) if superseded_ago is not None else None)
        PlanEvent.objects.create(plan=plan, at=self.at(created), actor=self.officer,
                                 action="create")
        if status != PlanStatus.DRAFT:
            PlanEvent.objects.create(plan=plan, at=self.at(created - 10), actor=self.officer,
                                     action="submit")
        if approved_ago is not None:
            PlanEvent.objects.create(plan=plan, at=self.at(approved_ago), actor=self.approver,
                                     action="approve")
        for ago in reviewed_ago or []:
            PlanReview.objects.create(plan=plan, reviewed_on=self.day(ago),
                                      reviewed_by=self.officer, note="Read with the wardens; "
                                                                     "no change needed.")
            PlanEvent.objects.create(plan=plan, at=self.at(ago), actor=self.officer,
                                     action="review")
        if superseded_ago is not None:
            PlanEvent.objects.create(plan=plan, at=self.at(superseded_ago), actor=self.approver,
                                     action="supersede")
        self.plans += 1
        return plan

    def drill(self, station: DutyStation, kind: str, days_ago: int,
              plans: list[EmergencyPlan], actions: list[tuple[str, int, bool]]) -> Drill:
        """``actions``: (description, due in days from today (negative: past), closed)."""
        premises = Premises.objects.filter(duty_station=station).order_by("pk").first()
        drill = Drill.objects.create(
            duty_station=station, premises=premises, kind=kind, held_on=self.day(days_ago),
            participants=self.ctx.rng.randint(40, 900),
            duration_minutes=self.ctx.rng.choice([20, 35, 45, 90, 180]),
            findings="Assembly points reached in time on most floors; the public address "
                     "system was not heard in the basement; two wardens absent.",
            recorded_by=self.officer)
        drill.plans.set([p for p in plans if p.kind in DRILL_TESTS[kind]])
        for description, due_in, closed in actions:
            CorrectiveAction.objects.create(
                drill=drill, description=description, owner="Facilities management",
                due_on=self.today + dt.timedelta(days=due_in),
                status=ActionStatus.CLOSED if closed else ActionStatus.OPEN,
                closed_on=min(self.today, self.day(days_ago) + dt.timedelta(days=20))
                if closed else None,
                closing_note="Done and checked during the next floor walk." if closed else "",
                closed_by=self.officer if closed else None)
        self.drills += 1
        return drill


HISTORY_START = 1100  # days ago: before the previous biennium began
HISTORY_DRILLS = (1100, 820, 540, 300)


def _history(make: _Maker, station: DutyStation, superseded_ago: dict[str, int]) -> None:
    """The station's earlier plans, approved three years ago, reviewed each year and
    superseded by the versions that follow, with a drill and an exercise every nine to ten
    months: its plans were updated and tested as required through the previous biennium
    (the seed's indicator SP1.c then has a direction of travel)."""
    old = [make.plan(station, kind, "2023.1", status=PlanStatus.SUPERSEDED,
                     approved_ago=HISTORY_START, superseded_ago=ago,
                     reviewed_ago=[d for d in (800, 500, 200) if d > ago])
           for kind, ago in superseded_ago.items()]
    for ago in HISTORY_DRILLS:
        make.drill(station, DrillKind.EVACUATION, ago, old, [])
        make.drill(station, DrillKind.CRISIS_EXERCISE, ago, old, [])


def load_plans(ctx: DemoContext) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["hq.security", "designated.official"])}
    officer, approver = users.get("hq.security"), users.get("designated.official")
    if officer is None or approver is None:
        return
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=["New York", "Geneva", "Addis Ababa", "Bangkok", "Nairobi"],
        kind__in=[DutyStation.Kind.HEADQUARTERS, DutyStation.Kind.REGIONAL_COMMISSION])}
    make = _Maker(ctx, officer, approver)
    ny = stations.get("New York")
    if ny is not None:  # updated and tested as required
        _history(make, ny, superseded_ago={PlanKind.CRISIS: 300, PlanKind.EVACUATION: 560,
                                           PlanKind.CONTINGENCY: 200})
        old = make.plan(ny, PlanKind.EVACUATION, "2024.1", status=PlanStatus.SUPERSEDED,
                        approved_ago=560, superseded_ago=150, reviewed_ago=[230])
        plans = [make.plan(ny, PlanKind.CRISIS, "2025.2", status=PlanStatus.APPROVED,
                           approved_ago=300, reviewed_ago=[45]),
                 make.plan(ny, PlanKind.EVACUATION, "2025.1", status=PlanStatus.APPROVED,
                           approved_ago=150),
                 make.plan(ny, PlanKind.CONTINGENCY, "2025.1", status=PlanStatus.APPROVED,
                           approved_ago=200)]
        make.drill(ny, DrillKind.EVACUATION, 400, [old], [
            ("Replace the public address speakers in the basement", -300, True)])
        make.drill(ny, DrillKind.EVACUATION, 90, plans, [
            ("Train two more wardens for the conference wing", 30, False),
            ("Mark the assembly point on First Avenue", -60, True)])
        make.drill(ny, DrillKind.CRISIS_EXERCISE, 60, plans, [
            ("Update the crisis management team's phone tree", 15, False)])
    geneva = stations.get("Geneva")
    if geneva is not None:  # the crisis plan's review is overdue; a new version waits
        _history(make, geneva, superseded_ago={PlanKind.CRISIS: 420, PlanKind.EVACUATION: 330,
                                               PlanKind.CONTINGENCY: 100})
        plans = [make.plan(geneva, PlanKind.CRISIS, "2024.1", status=PlanStatus.APPROVED,
                           approved_ago=420),
                 make.plan(geneva, PlanKind.EVACUATION, "2024.2", status=PlanStatus.APPROVED,
                           approved_ago=330, reviewed_ago=[20]),
                 make.plan(geneva, PlanKind.CONTINGENCY, "2025.1", status=PlanStatus.APPROVED,
                           approved_ago=100)]
        make.plan(geneva, PlanKind.EVACUATION, "2026.1", status=PlanStatus.SUBMITTED)
        make.drill(geneva, DrillKind.CRISIS_EXERCISE, 120, plans, [
            ("Agree the relocation site with the host country", -20, False)])
        make.drill(geneva, DrillKind.EVACUATION, 70, plans, [])
    addis = stations.get("Addis Ababa")
    if addis is not None:  # approved plans, never tested
        for kind in PlanKind:
            make.plan(addis, kind, "2025.1", status=PlanStatus.APPROVED, approved_ago=180)
    bangkok = stations.get("Bangkok")
    if bangkok is not None:  # no approved contingency plan; evacuation test overdue
        plans = [make.plan(bangkok, PlanKind.CRISIS, "2025.1", status=PlanStatus.APPROVED,
                           approved_ago=250),
                 make.plan(bangkok, PlanKind.EVACUATION, "2024.3", status=PlanStatus.APPROVED,
                           approved_ago=500, reviewed_ago=[140])]
        make.plan(bangkok, PlanKind.CONTINGENCY, "0.9", status=PlanStatus.DRAFT)
        make.drill(bangkok, DrillKind.EVACUATION, 460, plans, [
            ("Fix the emergency lighting of stairwell B", -400, False),
            ("Brief the new guard force on the evacuation routes", -420, True)])
        make.drill(bangkok, DrillKind.CRISIS_EXERCISE, 200, plans, [])
    nairobi = stations.get("Nairobi")
    if nairobi is not None:  # the Kenya designated official's plan to approve
        make.plan(nairobi, PlanKind.EVACUATION, "2026.1", status=PlanStatus.SUBMITTED)
    ctx.counts["emergency plans"] = make.plans
    ctx.counts["drills"] = make.drills


register_step(104, "emergency plans and drills", load_plans)
