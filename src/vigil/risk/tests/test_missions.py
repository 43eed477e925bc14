"""Security assistance and assessment missions: planned, completed or cancelled; findings and
recommendations tracked to closure; coverage for SP2.1.c.ii."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import Notification
from vigil.risk import rules, selectors, services
from vigil.risk.models import Mission


@pytest.fixture
def people(cast, user_with):
    return {
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "so_somalia": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
    }


@pytest.fixture
def mission(cast, people):
    today = timezone.localdate()
    return services.mission_create(actor=people["dro"], data={
        "country": cast.kenya, "kind": "assessment", "purpose": "Review the SRA.",
        "planned_start": today - dt.timedelta(days=10),
        "planned_end": today - dt.timedelta(days=5)})


def test_only_dro_plans_missions_and_dates_must_be_in_order(cast, people):
    today = timezone.localdate()
    data = {"country": cast.kenya, "kind": "assistance", "purpose": "x",
            "planned_start": today, "planned_end": today - dt.timedelta(days=1)}
    with pytest.raises(Forbidden):
        services.mission_create(actor=people["so"], data=dict(data))
    with pytest.raises(ValidationFailed) as failure:
        services.mission_create(actor=people["dro"], data=dict(data))
    assert failure.value.errors[0].field == "planned_end"


@pytest.mark.parametrize(("outcome", "completed_on", "report", "field"), [
    ("completed", None, "Done.", "completed_on"),
    ("completed", "tomorrow", "Done.", "completed_on"),
    ("completed", "today", "", "report"),
    ("postponed", "today", "Done.", "outcome"),
])
def test_closing_a_mission_needs_its_facts(cast, people, mission, outcome, completed_on,
                                           report, field):
    today = timezone.localdate()
    date = {"today": today, "tomorrow": today + dt.timedelta(days=1), None: None}[completed_on]
    with pytest.raises(ValidationFailed) as failure:
        services.mission_close(actor=people["dro"], mission=mission, outcome=outcome,
                               completed_on=date, report=report, version=1)
    assert failure.value.errors[0].field == field


def test_recommendations_are_tracked_to_closure(cast, people, mission):
    today = timezone.localdate()
    with pytest.raises(TransitionRefused):
        services.recommendation_save(actor=people["dro"], mission=mission, data={
            "finding": "x", "recommendation": "y", "owner": "z", "due": today})
    services.mission_close(actor=people["dro"], mission=mission, outcome="completed",
                           completed_on=today, report="Good.", version=1)
    rec = services.recommendation_save(actor=people["dro"], mission=mission, data={
        "finding": "No radio check at night.", "recommendation": "Set up a radio room.",
        "owner": "Field security unit", "due": today + dt.timedelta(days=60)})
    assert Notification.objects.filter(user=people["so"]).exists()
    with pytest.raises(Forbidden):
        services.recommendation_close(actor=people["so_somalia"], recommendation=rec,
                                      note="Done.")
    with pytest.raises(ValidationFailed):
        services.recommendation_close(actor=people["so"], recommendation=rec, note=" ")
    closed = services.recommendation_close(actor=people["so"], recommendation=rec,
                                           note="Radio room staffed 24/7.")
    assert (closed.status, closed.closed_on) == ("closed", today)
    with pytest.raises(TransitionRefused):
        services.recommendation_close(actor=people["so"], recommendation=rec, note="Again.")


def test_coverage_counts_countries_with_presence_and_a_completed_mission(cast, people,
                                                                          mission, user_with):
    today = timezone.localdate()
    everyone = user_with(Role.DRO_DESK_OFFICER)
    before = selectors.mission_coverage(user=everyone, since=today - dt.timedelta(365),
                                        until=today)
    assert (before["countries"], before["visited"]) == (2, 0)
    services.mission_close(actor=people["dro"], mission=mission, outcome="completed",
                           completed_on=today, report="Good.", version=1)
    after = selectors.mission_coverage(user=everyone, since=today - dt.timedelta(365),
                                       until=today)
    assert after["percent"] == 50.0
    assert rules.coverage_percent(set(), {1}) is None


def test_mission_pages(cast, people, mission, client):
    client.force_login(people["dro"])
    response = client.post(f"/risk/missions/{mission.pk}/close/", {
        "version": 1, "outcome": "completed", "completed_on": timezone.localdate().isoformat(),
        "report": "Good visit."})
    assert response.status_code == 302
    response = client.post(f"/risk/missions/{mission.pk}/recommendations/", {
        "finding": "No drills.", "recommendation": "Drill twice a year.", "owner": "SMT",
        "due": "2027-03-01"})
    assert response.status_code == 302
    page = client.get("/risk/missions/").content.decode()
    assert "Drill twice a year" in page
    client.force_login(people["so_somalia"])
    assert client.get(f"/risk/missions/{mission.pk}/").status_code == 404


def test_a_mission_ending_before_it_starts_is_faulted_on_its_end(cast):
    today = timezone.localdate()
    mission = Mission(country=cast.kenya, kind="assessment", purpose="x",
                      planned_start=today, planned_end=today - dt.timedelta(days=1))
    with pytest.raises(DjangoValidationError) as failure:
        mission.full_clean()
    assert set(failure.value.message_dict) == {"planned_end"}
