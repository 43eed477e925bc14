"""When a case's advance tasks may change: under assessment, and after an approval until the
trip ends; read only while awaiting the decision, when declined, cancelled or the trip is
over. The same answer in the service, the case page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.core.errors import TransitionRefused, ValidationFailed
from vigil.hq import protection_services as services
from vigil.hq.models import AdvanceTask, ProtectionCase
from vigil.hq.tests import test_protection_fixtures as fixtures

world = fixtures.world  # the shared records, as this module's fixture


def _case_in(world, state: str) -> ProtectionCase:
    """The world's case brought to ``state``: under_assessment, assessed, approved, declined,
    cancelled, or approved with its trip over."""
    world.start()
    if state == "under_assessment":
        return world.fresh()
    if state == "cancelled":
        services.case_cancel(actor=world.coordinator, case=world.fresh(), reason="Off")
        return world.fresh()
    world.plan_all()
    services.case_submit(actor=world.coordinator, case=world.fresh())
    if state == "assessed":
        return world.fresh()
    decision = "declined" if state == "declined" else "approved"
    services.case_decide(actor=world.coordinator, case=world.fresh(), decision=decision,
                         note="Because")
    if state == "trip_over":
        # The trip was made: it ended yesterday (dates set directly, as time passing would).
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        ProtectionCase.objects.filter(pk=world.case.pk).update(
            starts_on=yesterday - dt.timedelta(days=4), ends_on=yesterday)
    return world.fresh()


def _task(case: ProtectionCase) -> AdvanceTask:
    return AdvanceTask.objects.filter(assessment__case=case).order_by("pk").first()


@pytest.mark.parametrize("state", ["under_assessment", "approved"])
def test_advance_tasks_change_under_assessment_and_after_an_approval(world, state):
    case = _case_in(world, state)
    task = _task(case)
    services.task_update(actor=world.coordinator, task=task,
                         data={"status": "done", "note": "Venue walked"})
    task.refresh_from_db()
    assert (task.status, task.note) == ("done", "Venue walked")


@pytest.mark.parametrize(("state", "words"), [
    ("assessed", "reopen the assessment"),
    ("declined", "declined"),
    ("cancelled", "cancelled"),
    ("trip_over", "trip is over"),
])
def test_advance_tasks_do_not_change_otherwise(world, state, words):
    case = _case_in(world, state)
    task = _task(case)
    before = task.status
    with pytest.raises(TransitionRefused) as refused:
        services.task_update(actor=world.coordinator, task=task, data={"status": "done"})
    assert words in str(refused.value)
    task.refresh_from_db()
    assert task.status == before


def test_an_approved_cases_task_does_not_go_back_to_plan(world):
    case = _case_in(world, "approved")
    with pytest.raises(ValidationFailed) as refused:
        services.task_update(actor=world.coordinator, task=_task(case),
                             data={"status": "to_plan"})
    assert refused.value.errors[0].field == "status"
    assert "cannot go back to “To plan”" in str(refused.value.errors[0].message)


def test_an_office_member_or_other_coordinator_changes_no_task(world):
    from vigil.core.errors import Forbidden
    case = _case_in(world, "under_assessment")
    for who in (world.assistant, world.somalia_coordinator):
        with pytest.raises((Forbidden, TransitionRefused)):
            services.task_update(actor=who, task=_task(case), data={"status": "done"})
    assert _task(case).status == "to_plan"


def test_the_page_edits_tasks_under_assessment_in_the_tables_cells(client, world):
    case = _case_in(world, "under_assessment")
    task = _task(case)
    client.force_login(world.coordinator)
    page = client.get(reverse("hq:protection_case_detail", args=[case.pk])).content.decode()
    advance = page[page.index('id="advance"'):page.index("</section>", page.index('id="advance"'))]
    # Each row's fields sit in the header's columns, tied to the row's form, their labels
    # kept for screen readers only.
    assert f'form="task-{task.pk}"' in advance
    assert f'<form method="post" id="task-{task.pk}"' in advance
    assert f'<label class="visually-hidden" for="id_t{task.pk}-status">' in advance
    assert '<div class="f"><label' not in advance
    saved = client.post(reverse("hq:protection_task_update", args=[case.pk, task.pk]),
                        {f"t{task.pk}-status": "planned", f"t{task.pk}-due_on": "",
                         f"t{task.pk}-note": "Booked"})
    assert saved.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.note) == ("planned", "Booked")


@pytest.mark.parametrize("state", ["assessed", "declined", "trip_over"])
def test_the_page_shows_tasks_read_only_when_they_may_not_change(client, world, state):
    case = _case_in(world, state)
    task = _task(case)
    client.force_login(world.coordinator)
    page = client.get(reverse("hq:protection_case_detail", args=[case.pk])).content.decode()
    advance = page[page.index('id="advance"'):page.index("</section>", page.index('id="advance"'))]
    assert "<select" not in advance
    assert reverse("hq:protection_task_update", args=[case.pk, task.pk]) not in advance
    assert "stays as it was" in advance or "Reopen the assessment" in advance
    posted = client.post(reverse("hq:protection_task_update", args=[case.pk, task.pk]),
                         {f"t{task.pk}-status": "not_needed", f"t{task.pk}-note": "x"},
                         follow=True)
    assert posted.status_code == 200
    task.refresh_from_db()
    assert task.status != "not_needed"


def test_the_api_says_and_enforces_when_tasks_may_change(api, world):
    case = _case_in(world, "under_assessment")
    client = api(world.coordinator)
    base = f"/api/v1/hq/protection-cases/{case.pk}"
    assert client.get(f"{base}/").json()["tasks_editable"] is True
    task = _task(case)
    assert client.patch(f"{base}/tasks/{task.pk}/", {"status": "planned"},
                        format="json").status_code == 200
    world.plan_all()
    services.case_submit(actor=world.coordinator, case=world.fresh())
    assert client.get(f"{base}/").json()["tasks_editable"] is False
    refused = client.patch(f"{base}/tasks/{task.pk}/", {"status": "done"}, format="json")
    assert refused.status_code == 409
    task.refresh_from_db()
    assert task.status == "planned"
