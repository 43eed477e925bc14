"""Import of completions from a learning platform's CSV export: idempotent, per-row report,
bad rows, scope."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.importing import ImportFailed
from vigil.core.models import AuditEvent
from vigil.training import services
from vigil.training.models import Completion

GOOD = (
    "record_id,index_number,family_name,course_code,completed_on,score\n"
    "LMS-1,10000001,Achieng,BSAFE,2025-03-01,92\n"
    "LMS-2,10000002,hassan,ssafe,2025-04-10,\n"
    ",10000003,,STRESS,2025-05-05,75.5\n"
)


def test_good_file_then_same_file_again_changes_nothing(cast, officer):
    report = services.completions_import(actor=officer, data=GOOD)
    assert (report.created, report.updated, report.unchanged, report.skipped) == (3, 0, 0, 0)
    assert [o.outcome for o in report.outcomes] == ["created"] * 3
    ssafe = Completion.objects.get(platform_id="LMS-2")
    assert ssafe.source == "import"
    assert ssafe.expires_on == dt.date(2028, 4, 10)
    again = services.completions_import(actor=officer, data=GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Completion.objects.count() == 3
    assert "already recorded" in again.lines()[1]
    assert AuditEvent.objects.filter(action="training.completion.import").count() == 2


def test_a_known_record_id_is_updated_and_a_natural_match_takes_the_id(cast, officer, bsafe):
    manual = services.completion_record(actor=officer, person=cast.amina, course=bsafe,
                                        completed_on=dt.date(2025, 3, 1))
    services.completions_import(actor=officer, data=GOOD)
    manual.refresh_from_db()
    assert manual.platform_id == "LMS-1"
    assert manual.source == "manual"
    changed = GOOD.replace("LMS-2,10000002,hassan,ssafe,2025-04-10,",
                           "LMS-2,10000002,hassan,ssafe,2025-04-11,80")
    report = services.completions_import(actor=officer, data=changed)
    assert report.updated == 1
    moved = Completion.objects.get(platform_id="LMS-2")
    assert moved.completed_on == dt.date(2025, 4, 11)
    assert moved.expires_on == dt.date(2028, 4, 11)


BAD = (
    "record_id,index_number,family_name,course_code,completed_on,score\n"
    "A,10000001,Achieng,BSAFE,2025-03-01,\n"
    "B,99999999,,BSAFE,2025-03-01,\n"
    "C,10000002,Smith,BSAFE,2025-03-01,\n"
    "D,10000002,,NOPE,2025-03-01,\n"
    "E,10000002,,BSAFE,01/03/2025,\n"
    "F,10000002,,BSAFE,2999-01-01,\n"
    "G,10000002,,BSAFE,2025-03-01,150\n"
    "A,10000003,,BSAFE,2025-03-01,\n"
    "H,10000001,,BSAFE,2025-03-01,\n"
    "I,10000002,,BSAFE\n"
)


def test_bad_rows_refuse_the_whole_file_each_named(cast, officer):
    with pytest.raises(ImportFailed) as caught:
        services.completions_import(actor=officer, data=BAD)
    faults = {(e.row, e.field) for e in caught.value.errors}
    assert faults == {(3, "index_number"), (4, "family_name"), (5, "course_code"),
                      (6, "completed_on"), (7, "completed_on"), (8, "score"),
                      (9, "record_id"), (10, "index_number"), (11, "")}
    assert not Completion.objects.exists()


def test_skip_invalid_keeps_the_good_rows_and_reports_each(cast, officer):
    report = services.completions_import(actor=officer, data=BAD, skip_invalid=True)
    assert (report.created, report.skipped) == (1, 9)
    assert [o.row for o in report.outcomes] == list(range(2, 12))
    assert report.outcomes[0].outcome == "created"
    assert {o.outcome for o in report.outcomes[1:]} == {"error"}


def test_missing_column_and_empty_file(officer):
    with pytest.raises(ValidationFailed) as caught:
        services.completions_import(actor=officer, data="index_number,course_code\n1,B\n")
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, "completed_on")]
    with pytest.raises(ValidationFailed) as caught:
        services.completions_import(actor=officer, data="")
    assert caught.value.errors[0].field == "file"


def test_rows_outside_the_importers_scope_refused(cast, user_with):
    kenya = user_with(Role.TRAINING_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(ImportFailed) as caught:
        services.completions_import(actor=kenya, data=GOOD)
    assert [(e.row, e.field) for e in caught.value.errors] == [(4, "index_number")]


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.SECURITY_OFFICER, Role.COUNSELLOR])
def test_other_roles_cannot_import(cast, user_with, role):
    with pytest.raises(Forbidden):
        services.completions_import(actor=user_with(role), data=GOOD)
