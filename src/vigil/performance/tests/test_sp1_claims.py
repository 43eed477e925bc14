"""SP1.a.iii, safety claims received: counted by the day received, whatever the outcome, per
place and per organization of the staff claimant; the drill-down never names a claimant."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.hq.models import ClaimantKind, ClaimKind, ClaimStatus, SafetyClaim
from vigil.performance import registry, selectors
from vigil.performance.rules import NO_RECORDS, Period, PeriodKind, year

SP1_A_III = registry.BY_ID["SP1.a.iii"]
Y2025 = year(2025)


def _claim(premises, received: str, *, staff=None, status=ClaimStatus.RECEIVED):
    day = dt.date.fromisoformat(received)
    return SafetyClaim.objects.create(
        premises=premises, kind=ClaimKind.INJURY,
        claimant_kind=ClaimantKind.STAFF if staff else ClaimantKind.VISITOR,
        claimant=staff, claimant_name="" if staff else "Jane Visitor",
        occurred_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), received_on=day,
        description="Fell on the stairs.", status=status)


@pytest.fixture
def claims(cast):
    return {
        "first": _claim(cast.gigiri, "2025-01-01", staff=cast.amina),
        "last": _claim(cast.gigiri, "2025-12-31", status=ClaimStatus.WITHDRAWN),
        "next": _claim(cast.gigiri, "2026-01-01"),
        "before": _claim(cast.gigiri, "2024-12-31"),
        "mogadishu": _claim(cast.mogadishu_compound, "2025-06-01", staff=cast.fatuma),
    }


def _value(period, where=None):
    return selectors.measure(SP1_A_III, period, where or Slice.system())


def test_counts_claims_received_in_the_period_both_days_included(cast, claims):
    measure = _value(Y2025)
    assert measure.value == 3  # first, last (withdrawn still counts), Mogadishu
    assert {s["name"]: s["count"] for s in measure.detail["by_duty_station"]} == {
        "Nairobi": 2, "Mogadishu": 1}


def test_a_single_day_takes_that_day_only(cast, claims):
    day = Period(PeriodKind.CUSTOM, dt.date(2025, 12, 31), dt.date(2025, 12, 31))
    assert _value(day).value == 1
    after = Period(PeriodKind.CUSTOM, dt.date(2026, 1, 2), dt.date(2026, 1, 31))
    assert _value(after).value == 0  # the register is in use: none received is a figure


def test_before_any_claim_was_received_there_is_no_data(cast, claims):
    assert _value(year(2023)).reason == NO_RECORDS
    assert _value(year(2024)).value == 1
    assert _value(Y2025, Slice(SliceKind.DUTY_STATION, cast.mombasa.pk)).reason == NO_RECORDS


def test_by_country_and_duty_station(cast, claims):
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.kenya.pk)).value == 2
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.somalia.pk)).value == 1
    assert _value(Y2025, Slice(SliceKind.DUTY_STATION, cast.nairobi.pk)).value == 2


def test_by_organization_of_the_staff_claimant(cast, claims):
    assert _value(Y2025, Slice(SliceKind.ORGANIZATION, cast.undp.pk)).value == 1
    assert _value(Y2025, Slice(SliceKind.ORGANIZATION, cast.wfp.pk)).value == 1


def test_the_drill_down_lists_the_claims_in_scope_without_claimants(cast, claims, user_with):
    officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    found = selectors.records(SP1_A_III, Y2025, Slice.system(), officer)
    assert [r.label for r in found.rows] == [claims["last"].reference,
                                             claims["first"].reference]
    assert found.hidden == 1  # Mogadishu's
    assert found.rows[0].url == f"/hq/claims/{claims['last'].pk}/"
    assert "Jane Visitor" not in " ".join(found.rows[0].cells)
    manager = user_with(Role.PROGRAMME_MANAGER)
    nothing = selectors.records(SP1_A_III, Y2025, Slice.system(), manager)
    assert (nothing.rows, nothing.hidden) == ([], 3)
