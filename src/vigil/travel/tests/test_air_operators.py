"""Air operators in TRIP: the suitability in force decides the clearance of the stops it flies
to (not suitable, not assessed or lapsed: a decision; with conditions: cleared, the conditions
noted), the registry's own facts, and the airline import's report of every row left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.core.authz import Role
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.travel import rules, services
from vigil.travel.importers import air_operators_import
from vigil.travel.models import AirOperator, TravelRequest

SAMPLE = Path(__file__).parent / "fixtures" / "airlines_sample.dat"
TODAY = dt.date(2026, 6, 1)


def flown(suitability: str, valid_until: dt.date | None = None,
          conditions: str = "") -> rules.Flown:
    return rules.Flown("Air X (XX)", suitability, valid_until, conditions)


# --- The rule -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("facts", "code"), [
    (flown("suitable"), None),
    (flown("suitable", TODAY), None),  # valid through its last day
    (flown("suitable", TODAY - dt.timedelta(days=1)), "operator_expired"),
    (flown("with_conditions", TODAY, "Day flights only."), "operator_conditions"),
    (flown("with_conditions", TODAY - dt.timedelta(days=1), "x"), "operator_expired"),
    (flown("unsuitable"), "operator_unsuitable"),
    (flown("unsuitable", TODAY + dt.timedelta(days=99)), "operator_unsuitable"),
    (flown("not_assessed"), "operator_not_assessed"),
    (flown(""), "operator_not_assessed"),
])
def test_operator_reason(facts, code):
    reason = rules.operator_reason(facts, TODAY)
    assert (reason.code if reason else None) == code


def test_conditions_clear_the_stop_and_name_the_conditions():
    reason = rules.operator_reason(flown("with_conditions", None, "Day flights only."), TODAY)
    assert reason.outcome is rules.Outcome.CLEARED
    assert reason.message() == ("The air operator Air X (XX) is suitable with conditions: "
                                "Day flights only.")


def test_expired_names_the_day():
    reason = rules.operator_reason(flown("suitable", dt.date(2026, 5, 1)), TODAY)
    assert reason.outcome is rules.Outcome.APPROVAL
    assert "2026-05-01" in reason.message()


def test_one_operator_flown_both_ways_is_one_reason():
    now = timezone.now()
    stop = rules.Stop(place="Mombasa", arrives_at=now + dt.timedelta(days=30),
                      leaves_at=now + dt.timedelta(days=33), level=2,
                      flown=[flown("not_assessed"), flown("not_assessed")])
    reasons = rules.stop_reasons(stop, rules.Traveller(bsafe_valid=False), rules.Policy(), now)
    assert [r.code for r in reasons] == ["operator_not_assessed"]


# --- Clearance reads the suitability in force ---------------------------------------------------

def _request(cast, traveller, trip):
    return services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                   segments=trip.there_and_back(cast.mombasa), submit=True)


def codes(request):
    return sorted({r["code"] for c in request.clearances.all() for r in c.reasons})


@pytest.mark.parametrize(("suitability", "valid_days", "note", "status", "code"), [
    ("suitable", 365, "", TravelRequest.Status.CLEARED, None),
    ("suitable", None, "", TravelRequest.Status.CLEARED, None),
    ("suitable", 3, "", TravelRequest.Status.PENDING, "operator_expired"),
    ("with_conditions", 365, "Day only.", TravelRequest.Status.CLEARED, "operator_conditions"),
    ("unsuitable", 365, "", TravelRequest.Status.PENDING, "operator_unsuitable"),
    ("not_assessed", None, "", TravelRequest.Status.PENDING, "operator_not_assessed"),
])
def test_the_suitability_decides_the_clearance(cast, traveller, trip, levels, airline,
                                               suitability, valid_days, note, status, code):
    # The trip flies out in 30 days: an assessment that ends in 3 has lapsed by then.
    airline.suitability, airline.suitability_note = suitability, note
    airline.suitability_valid_until = (timezone.localdate() + dt.timedelta(days=valid_days)
                                       if valid_days else None)
    airline.save()
    request = _request(cast, traveller, trip)
    assert request.status == status
    assert codes(request) == ([code] if code else [])


def test_operator_assess_sets_the_outcome_and_its_end(user_with, airline):
    officer = user_with(Role.AVIATION_OFFICER)
    until = timezone.localdate() + dt.timedelta(days=200)
    services.operator_assess(actor=officer, operator=airline, suitability="with_conditions",
                             note="Day only.", valid_until=until,
                             details={"aoc_state": "valid", "fleet_notes": "B787, E190"},
                             version=airline.version)
    airline.refresh_from_db()
    assert (airline.suitability, airline.suitability_valid_until, airline.aoc_state,
            airline.fleet_notes) == ("with_conditions", until, "valid", "B787, E190")
    assert AuditEvent.objects.filter(action="travel.air_operator.update").count() == 1


def test_conditions_must_be_named(user_with, airline):
    with pytest.raises(ValidationFailed) as refused:
        services.operator_assess(actor=user_with(Role.AVIATION_OFFICER), operator=airline,
                                 suitability="with_conditions", note=" ")
    assert refused.value.errors[0].field == "suitability_note"


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.SECURITY_OFFICER, Role.BUDGET_OFFICER])
def test_only_assessors_set_suitability(user_with, airline, role):
    with pytest.raises(Forbidden):
        services.operator_update(actor=user_with(role), operator=airline,
                                 data={"aoc_state": "revoked"})


def test_a_lapse_is_written_once(airline):
    airline.suitability_valid_until = TODAY - dt.timedelta(days=1)
    airline.save()
    assert services.operator_suitability_lapse(operator=airline, on=TODAY,
                                               suitability="not_assessed", note="Lapsed.",
                                               valid_until=None)
    assert not services.operator_suitability_lapse(operator=airline, on=TODAY,
                                                   suitability="not_assessed", note="Lapsed.",
                                                   valid_until=None)
    airline.refresh_from_db()
    assert (airline.suitability, airline.suitability_valid_until) == ("not_assessed", None)
    assert AuditEvent.objects.filter(action="travel.air_operator.lapse").count() == 1


def test_the_registry_api_is_read_only_and_shows_the_new_fields(api, user_with, airline):
    """Suitability is set by an assessment in aviation, never directly on the registry."""
    officer = api(user_with(Role.AVIATION_OFFICER))
    assert officer.post(f"/api/v1/air-operators/{airline.pk}/assess/", {
        "suitability": "suitable", "version": airline.version}, format="json"
    ).status_code == 404
    body = officer.get(f"/api/v1/air-operators/{airline.pk}/").json()
    assert {"suitability_valid_until", "aoc_state", "fleet_notes"} <= set(body)


# --- The airline import ------------------------------------------------------------------------

@pytest.fixture
def admin(user_with):
    return user_with(Role.ADMINISTRATOR)


def test_every_row_is_read_and_each_left_out_is_reported_with_why(admin):
    report = air_operators_import(actor=admin, path=SAMPLE, skip_invalid=True)
    lines = SAMPLE.read_text().splitlines()
    # Every line of the file is accounted for: imported, a fault, or the placeholder.
    assert report.rows + len(report.placeholders) == len(lines)
    assert report.created + report.skipped == report.rows
    assert report.placeholders == [1]
    assert [(e.row, e.field) for e in report.errors] == [(20, "active")]
    text = "\n".join(report.lines())
    assert "Line 1 left out" in text
    assert "1 skipped" in text


def test_the_command_reports_skipped_rows_and_why(admin, capsys):
    admin.username = "importer"
    admin.save()
    call_command("import_air_operators", str(SAMPLE), "--as", "importer", "--skip-invalid")
    out, err = capsys.readouterr()
    assert "row 20, active" in err
    assert "Line 1 left out" in out
    assert AirOperator.objects.count() == 18
