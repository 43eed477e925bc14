"""Shared records of the protection tests (imported by the other test_protection_* modules):
a principal at Nairobi (UNDP), a case to Nairobi then Mogadishu, and the risk records its
threat picture is taken from. No test of its own lives here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.hq import protection_rules as rules
from vigil.hq import protection_services as services
from vigil.risk.models import RiskEntry, SecurityLevelReview, SecurityRiskAssessment

TODAY = dt.date(2031, 5, 1)


def set_level(area: Any, level: int, by: Any) -> SecurityLevelReview:
    now = timezone.now()
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=level, proposed_level=level,
        status=SecurityLevelReview.Status.APPROVED, proposed_by=by, proposed_at=now,
        decided_by=by, decided_at=now, next_review_due=now.date() + dt.timedelta(days=90))


def sra_for(country: Any, *, status: str = "approved", risks: tuple[tuple[str, str], ...] = (
        ("likely", "severe"), ("unlikely", "minor"))) -> SecurityRiskAssessment:
    today = timezone.localdate()
    sra = SecurityRiskAssessment.objects.create(
        country=country, title=f"{country.name} SRA", status=status,
        valid_from=today - dt.timedelta(days=30), valid_until=today + dt.timedelta(days=300),
        review_due=today + dt.timedelta(days=100))
    for n, (likelihood, impact) in enumerate(risks, start=1):
        RiskEntry.objects.create(
            sra=sra, position=n, threat_category="terrorism", description=f"Threat {n}",
            at_risk="personnel", likelihood="likely", impact="severe",
            residual_likelihood=likelihood, residual_impact=impact, response="control")
    return sra


class World:
    def __init__(self, cast: Any, user_with: Any) -> None:
        self.cast = cast
        self.coordinator = user_with(Role.PROTECTION_COORDINATOR, username="coordinator")
        self.kenya_coordinator = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.COUNTRY,
                                           cast.kenya)
        self.somalia_coordinator = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.COUNTRY,
                                             cast.somalia)
        self.assistant = user_with(Role.TRAVELLER, username="assistant")
        self.principal = services.principal_create(actor=self.coordinator, data={
            "name": "Ana Example", "title": "Under-Secretary-General",
            "organization": cast.undp, "duty_station": cast.nairobi,
            "profile_level": rules.Profile.HIGH}, office=["assistant"])
        start = timezone.localdate() + dt.timedelta(days=5)
        self.case = services.case_create(actor=self.coordinator, data={
            "principal": self.principal, "purpose": "Country team visit", "starts_on": start,
            "ends_on": start + dt.timedelta(days=4), "event_level": rules.Profile.MODERATE},
            destinations=[
                {"country": cast.kenya, "duty_station": cast.nairobi, "city": "Nairobi",
                 "arrives_on": start, "departs_on": start + dt.timedelta(days=2)},
                {"country": cast.somalia, "duty_station": cast.mogadishu, "city": "Mogadishu",
                 "arrives_on": start + dt.timedelta(days=2),
                 "departs_on": start + dt.timedelta(days=4)}])

    def fresh(self) -> Any:
        self.case.refresh_from_db()
        return self.case

    def start(self) -> Any:
        services.case_start(actor=self.coordinator, case=self.fresh())
        return self.fresh()

    def plan_all(self) -> None:
        for task in self.fresh().assessment.tasks.all():
            services.task_update(actor=self.coordinator, task=task,
                                 data={"status": rules.TaskStatus.PLANNED})

    def submit(self) -> Any:
        self.start()
        self.plan_all()
        services.case_submit(actor=self.coordinator, case=self.fresh())
        return self.fresh()


@pytest.fixture
def world(cast: Any, user_with: Any) -> World:
    return World(cast, user_with)
