"""SP1.a.ii, unauthorized entries into UN premises: counted from headquarters security's
unauthorized entries, by the day of their first event, with the entry events as the proof
that the gates' records exist; the drill-down within the viewer's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.hq.models import EntryEvent, EntryKind, EntryResult, EntrySource, UnauthorizedEntry
from vigil.performance import registry, selectors
from vigil.performance.rules import NO_RECORDS, SLICE_NOT_APPLICABLE, Period, PeriodKind, year

SP1_A_II = registry.BY_ID["SP1.a.ii"]
Y2025 = year(2025)


def _at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}:00+00:00")


def _event(premises, at: dt.datetime, n: int) -> None:
    EntryEvent.objects.create(premises=premises, occurred_at=at, kind=EntryKind.PASS_READ,
                              result=EntryResult.GRANTED, source=EntrySource.IMPORT,
                              external_id=f"e{n}")


def _entry(premises, at: dt.datetime) -> UnauthorizedEntry:
    return UnauthorizedEntry.objects.create(premises=premises, rule="tailgating",
                                            occurred_at=at, last_at=at, events_count=1)


@pytest.fixture
def entries(cast):
    _event(cast.gigiri, _at("2025-03-01"), 1)
    _event(cast.mogadishu_compound, _at("2025-03-01"), 2)
    _event(cast.mombasa_office, _at("2025-06-01"), 3)
    found = {
        "first_day": _entry(cast.gigiri, _at("2025-01-01", "00:00")),
        "last_day": _entry(cast.gigiri, _at("2025-12-31", "23:59")),
        "next_day": _entry(cast.gigiri, _at("2026-01-01", "00:00")),
        "before": _entry(cast.gigiri, _at("2024-12-31", "23:59")),
        "mombasa": _entry(cast.mombasa_office, _at("2025-06-01")),
        "mogadishu": _entry(cast.mogadishu_compound, _at("2025-06-01")),
    }
    return found


def _value(period, where=None):
    return selectors.measure(SP1_A_II, period, where or Slice.system())


def test_counts_the_entries_first_seen_in_the_period_both_days_included(cast, entries):
    # first day, last day, Mombasa and Mogadishu; not the day before nor the day after.
    assert _value(Y2025).value == 4


def test_an_entry_reviewed_and_closed_still_counts(cast, entries):
    UnauthorizedEntry.objects.filter(pk=entries["mombasa"].pk).update(status="closed")
    assert _value(Y2025).value == 4


def test_a_day_period_takes_its_last_minute_and_not_the_next(cast, entries):
    last = Period(PeriodKind.CUSTOM, dt.date(2025, 12, 31), dt.date(2025, 12, 31))
    _event(cast.gigiri, _at("2025-12-31"), 4)
    assert _value(last).value == 1
    following = Period(PeriodKind.CUSTOM, dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    assert _value(following).reason == NO_RECORDS  # no entry event recorded that day


def test_by_country_duty_station_and_region(cast, entries):
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.kenya.pk)).value == 3
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.somalia.pk)).value == 1
    assert _value(Y2025, Slice(SliceKind.DUTY_STATION, cast.mombasa.pk)).value == 1
    region = Slice(SliceKind.REGION, cast.kenya.region)
    assert _value(Y2025, region).value == (4 if cast.kenya.region == cast.somalia.region
                                          else 3)


def test_an_organization_is_not_a_slice_of_premises(cast, entries):
    measure = _value(Y2025, Slice(SliceKind.ORGANIZATION, cast.undp.pk))
    assert (measure.value, measure.reason) == (None, SLICE_NOT_APPLICABLE)
    assert SP1_A_II.compute(SP1_A_II.query(
        Y2025, Slice(SliceKind.ORGANIZATION, cast.undp.pk))).reason == SLICE_NOT_APPLICABLE


def test_no_entry_events_is_no_data_and_events_without_entries_are_zero(cast):
    assert _value(Y2025).reason == NO_RECORDS
    _event(cast.gigiri, _at("2025-05-05"), 9)
    assert _value(Y2025).value == 0
    assert _value(Y2025, Slice(SliceKind.COUNTRY, cast.somalia.pk)).reason == NO_RECORDS


def test_the_drill_down_lists_what_the_viewer_may_open(cast, entries, user_with):
    officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    found = selectors.records(SP1_A_II, Y2025, Slice.system(), officer)
    assert [r.label for r in found.rows] == [entries[k].reference
                                             for k in ("last_day", "mombasa", "first_day")]
    assert found.hidden == 1  # Mogadishu: counted, not listed
    assert found.rows[0].url == f"/hq/gate/unauthorized/{entries['last_day'].pk}/"
    assert found.rows[0].cells[:3] == ("2025-12-31", "UN Gigiri", "Nairobi")
    manager = user_with(Role.PROGRAMME_MANAGER)
    nothing = selectors.records(SP1_A_II, Y2025, Slice.system(), manager)
    assert (nothing.rows, nothing.hidden) == ([], 4)
