"""Retention of closed counselling cases: past their period they lose their content, and the
counts (SP2.2.a.iii) stay as they were."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vigil.core import retention
from vigil.core.models import AuditEvent
from vigil.wellbeing import selectors, services
from vigil.wellbeing.models import Case, Contact, Session


def _closed_case(world, *, closed_days_ago: int) -> Case:
    services.cases_propose()
    case = Case.objects.get(affected=world.amina_hit)
    services.case_take(actor=world.counsellor_user, case=case)
    services.contact_record(actor=world.counsellor_user, case=case,
                            data={"at": timezone.now() - dt.timedelta(hours=2),
                                  "mode": "phone", "note": "Spoke of the robbery"})
    services.session_record(actor=world.counsellor_user, case=case,
                            data={"at": timezone.now() - dt.timedelta(hours=1), "mode": "phone",
                                  "duration_minutes": 45, "note": "Sleeping badly"})
    case.refresh_from_db()
    services.case_close(actor=world.counsellor_user, case=case, closure_note="Recovered")
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=closed_days_ago))
    return case


def test_an_old_closed_case_loses_its_content_and_keeps_its_count(world):
    case = _closed_case(world, closed_days_ago=4000)
    before = selectors.pfa_indicator(user=world.admin)

    outcome = retention.retention_apply()

    case.refresh_from_db()
    assert outcome.counts["wellbeing.cases"] == 1
    assert (case.closure_note, case.request_note, case.status) == ("", "", "closed")
    assert Contact.objects.get(case=case).note == ""
    assert not Session.objects.filter(case=case).exists()
    assert selectors.pfa_indicator(user=world.admin) == before
    assert AuditEvent.objects.filter(action="core.retention.applied").exists()
    # A second run finds nothing more to remove.
    assert retention.retention_apply().counts["wellbeing.cases"] == 0


def test_a_case_closed_recently_or_still_open_keeps_its_content(world, settings):
    case = _closed_case(world, closed_days_ago=100)
    retention.retention_apply()
    case.refresh_from_db()
    assert case.closure_note == "Recovered"
    assert Session.objects.filter(case=case).exists()
    settings.VIGIL_COUNSELLING_RETENTION_DAYS = 30
    retention.retention_apply()
    case.refresh_from_db()
    assert case.closure_note == ""
