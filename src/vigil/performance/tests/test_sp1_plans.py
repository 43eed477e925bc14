"""SP1.c, headquarters duty stations and regional commissions whose emergency plans are
updated and tested as required: the share of stations that were so on (the set share of)
every day of the period, as emergency plans judge each day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.hq.models import Drill, EmergencyPlan, PlanStatus
from vigil.performance import registry, selectors
from vigil.performance.models import IndicatorSetting
from vigil.performance.rules import NO_RECORDS, SLICE_NOT_APPLICABLE, Period, PeriodKind
from vigil.places.models import DutyStation

SP1_C = registry.BY_ID["SP1.c"]


def _days(first: str, last: str) -> Period:
    return Period(PeriodKind.CUSTOM, dt.date.fromisoformat(first), dt.date.fromisoformat(last))


def _station_with_plans(station, owner, drilled: str) -> None:
    plans = [EmergencyPlan.objects.create(
        duty_station=station, kind=kind, title=kind, owner=owner, version_label="1",
        status=PlanStatus.APPROVED, approved_on=dt.date(2025, 1, 1))
        for kind in ("crisis", "evacuation", "contingency")]
    drill = Drill.objects.create(duty_station=station, kind="evacuation",
                                 held_on=dt.date.fromisoformat(drilled), duration_minutes=30)
    drill.plans.add(*plans)


@pytest.fixture
def stations(cast, user_with):
    owner = user_with()
    DutyStation.objects.filter(pk=cast.mogadishu.pk).update(
        kind=DutyStation.Kind.REGIONAL_COMMISSION)
    # Nairobi: tested on 1 February 2025, as required all of March.
    _station_with_plans(cast.nairobi, owner, "2025-02-01")
    # Mogadishu: last tested 15 March 2024, so its test is due on 15 March 2025 and lapses
    # on the 16th.
    _station_with_plans(cast.mogadishu, owner, "2024-03-15")
    return cast


def _value(period, where=None):
    return selectors.measure(SP1_C, period, where or Slice.system())


def test_every_station_as_required_up_to_the_last_day_of_mogadishu_s_test(stations):
    measure = _value(_days("2025-03-01", "2025-03-15"))
    assert (measure.value, measure.numerator, measure.denominator) == (100, 2, 2)


def test_the_day_after_the_test_lapses_leaves_one_station_of_two(stations):
    measure = _value(_days("2025-03-01", "2025-03-16"))
    assert (measure.value, measure.numerator, measure.denominator) == (50, 1, 2)


def test_the_share_of_days_setting(stations):
    IndicatorSetting.objects.create(indicator="SP1.c", key="days_share", value=90)
    # Mogadishu was as required on 15 of 16 days (93.75 %), enough for 90 %.
    assert _value(_days("2025-03-01", "2025-03-16")).value == 100
    # 15 of 31 days is not.
    assert _value(_days("2025-03-01", "2025-03-31")).value == 50


def test_by_country_and_duty_station(stations):
    period = _days("2025-03-01", "2025-03-16")
    assert _value(period, Slice(SliceKind.COUNTRY, stations.kenya.pk)).value == 100
    assert _value(period, Slice(SliceKind.COUNTRY, stations.somalia.pk)).value == 0
    assert _value(period, Slice(SliceKind.DUTY_STATION, stations.mogadishu.pk)).value == 0


def test_no_station_no_organization_and_the_future_give_no_data(stations):
    period = _days("2025-03-01", "2025-03-16")
    assert _value(period, Slice(SliceKind.DUTY_STATION, stations.mombasa.pk)).reason == \
        NO_RECORDS  # a field duty station: 0 ÷ 0
    assert _value(period, Slice(SliceKind.ORGANIZATION, stations.undp.pk)).reason == \
        SLICE_NOT_APPLICABLE
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert _value(Period(PeriodKind.CUSTOM, tomorrow, tomorrow)).reason == NO_RECORDS


def test_the_drill_down_marks_the_stations_counted_within_the_viewer_s_scope(stations,
                                                                              user_with):
    official = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, stations.kenya)
    found = selectors.records(SP1_C, _days("2025-03-01", "2025-03-16"), Slice.system(),
                              official)
    assert [(r.label, r.counted) for r in found.rows] == [("Nairobi", True)]
    assert found.hidden == 1  # Mogadishu, not in the official's scope
    assert found.rows[0].url == f"/hq/plans/stations/{stations.nairobi.pk}/"
    assert found.rows[0].cells == ("Kenya", "0", "", "yes")
    manager = user_with(Role.PROGRAMME_MANAGER)
    nothing = selectors.records(SP1_C, _days("2025-03-01", "2025-03-16"), Slice.system(),
                                manager)
    assert (nothing.rows, nothing.hidden) == ([], 2)
