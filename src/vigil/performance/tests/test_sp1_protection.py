"""SP1.b, travel cases whose protection needs were assessed: counted by the day the
assessment was submitted, sliced by the principal's home and organization; need-to-know in
the drill-down (listed to who may read the case, counts to everyone else)."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.core.slices import Slice, SliceKind
from vigil.hq.models import NeedsAssessment, Principal, ProtectionCase
from vigil.performance import registry, selectors
from vigil.performance.rules import NO_RECORDS, year

SP1_B = registry.BY_ID["SP1.b"]
Y2025 = year(2025)


def _case(principal, completed: str | None, n: int) -> ProtectionCase:
    case = ProtectionCase.objects.create(principal=principal, purpose=f"Trip {n}",
                                         starts_on=dt.date(2025, 6, 1),
                                         ends_on=dt.date(2025, 6, 3))
    NeedsAssessment.objects.create(
        case=case, principal_level="high", event_level="moderate", recommended_kind="full",
        completed_at=dt.datetime.fromisoformat(completed) if completed else None)
    return case


@pytest.fixture
def cases(cast):
    usg = Principal.objects.create(name="A. Official", title="USG", organization=cast.undp,
                                   duty_station=cast.nairobi)
    ed = Principal.objects.create(name="B. Director", title="ED", organization=cast.wfp,
                                  duty_station=cast.mogadishu)
    return {"first": _case(usg, "2025-01-01T00:00:00+00:00", 1),
            "last": _case(usg, "2025-12-31T23:59:00+00:00", 2),
            "next": _case(usg, "2026-01-01T00:00:00+00:00", 3),
            "unfinished": _case(usg, None, 4),
            "wfp": _case(ed, "2025-05-05T10:00:00+00:00", 5)}


def _value(period, where=None):
    return selectors.measure(SP1_B, period, where or Slice.system())


def test_counts_assessments_submitted_in_the_period_both_days_included(cast, cases):
    assert _value(Y2025).value == 3  # first, last, WFP; not the next day nor unfinished
    assert _value(year(2026)).value == 1


def test_before_any_assessment_there_is_no_data_and_after_zero_is_a_figure(cast, cases):
    assert _value(year(2024)).reason == NO_RECORDS
    assert _value(year(2027)).value == 0


def test_by_home_country_station_and_organization(cast, cases):
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.kenya.pk)).value == 2
    assert _value(Y2025, Slice(SliceKind.DUTY_STATION, cast.mogadishu.pk)).value == 1
    assert _value(Y2025, Slice(SliceKind.ORGANIZATION, cast.undp.pk)).value == 2
    assert _value(Y2025, Slice(SliceKind.ORGANIZATION, cast.wfp.pk)).value == 1
    assert _value(Y2025, Slice(SliceKind.DUTY_STATION, cast.mombasa.pk)).reason == NO_RECORDS


def test_a_coordinator_sees_their_principals_cases_and_the_read_is_audited(cast, cases,
                                                                           user_with):
    coordinator = user_with(Role.PROTECTION_COORDINATOR, ScopeKind.ORGANIZATION, cast.undp)
    found = selectors.records(SP1_B, Y2025, Slice.system(), coordinator)
    assert [r.label for r in found.rows] == [cases["last"].reference, cases["first"].reference]
    assert (found.hidden, found.counts_only) == (1, False)  # WFP's case: counted, not listed
    assert found.rows[0].url == f"/hq/protection/cases/{cases['last'].pk}/"
    read = AuditEvent.objects.get(action="hq.protection_case.list", actor=coordinator)
    assert read.sensitive_read
    assert read.changes["ids"] == [cases["last"].pk, cases["first"].pk]


def test_anyone_else_gets_the_count_alone(cast, cases, user_with):
    manager = user_with(Role.PROGRAMME_MANAGER)
    found = selectors.records(SP1_B, Y2025, Slice.system(), manager)
    assert (found.rows, found.hidden, found.counts_only) == ([], 3, True)
    assert not AuditEvent.objects.filter(action="hq.protection_case.list").exists()
