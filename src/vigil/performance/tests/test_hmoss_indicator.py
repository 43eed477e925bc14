"""SP1.a.i, H-MOSS compliance of headquarters duty stations and regional commissions: the
figure by hand on a few assessments, the period's last day, slices, and the drill-down of a
viewer who may not open every assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.performance import registry, selectors
from vigil.performance.indicators import hmoss
from vigil.performance.rules import NO_RECORDS, SLICE_NOT_APPLICABLE, year
from vigil.places.models import Country, DutyStation
from vigil.risk.models import ComplianceAssessment, ComplianceResult, MossDocument, MossItem

Y2025 = year(2025)
INDICATOR = registry.BY_ID["SP1.a.i"]


def _document(country, station, kind=MossDocument.Kind.HQ):
    document = MossDocument.objects.create(country=country, kind=kind, duty_station=station,
                                           title=f"MOSS {station}", status="approved")
    MossItem.objects.bulk_create([MossItem(document=document, position=n, category="premises",
                                           standard=f"Item {n}") for n in range(5)])
    return document


def _assess(document, station, day, states, *, assessor, premises=None, status="final"):
    assessment = ComplianceAssessment.objects.create(
        document=document, duty_station=station, premises=premises, assessed_on=day,
        assessor=assessor, status=status)
    items = list(document.items.order_by("pk"))
    ComplianceResult.objects.bulk_create([
        ComplianceResult(assessment=assessment, item=item, state=state)
        for item, state in zip(items, states, strict=False)])
    return assessment


@pytest.fixture
def world(cast, user_with):
    officer = user_with()
    nairobi_hmoss = _document(cast.kenya, cast.nairobi)
    geneva = DutyStation.objects.create(
        code="CH-GVA", name="Geneva", country=Country.objects.get(iso2="CH"), latitude=46.2,
        longitude=6.14, time_zone="Europe/Zurich", kind=DutyStation.Kind.HEADQUARTERS)
    geneva_hmoss = _document(geneva.country, geneva)
    c, p, n, na = "compliant", "partly_compliant", "non_compliant", "not_applicable"
    # Nairobi itself: the earlier assessment of the year gives way to the later one.
    _assess(nairobi_hmoss, cast.nairobi, dt.date(2025, 3, 1), [c, n], assessor=officer)
    latest = _assess(nairobi_hmoss, cast.nairobi, dt.date(2025, 6, 1), [c, c, c, p, na],
                     assessor=officer)
    # Gigiri, a premises of Nairobi, assessed on the year's last day: counted.
    gigiri = _assess(nairobi_hmoss, cast.nairobi, dt.date(2025, 12, 31), [c, n],
                     assessor=officer, premises=cast.gigiri)
    # Not counted: the day after, a draft, country MOSS, a field station's H-MOSS.
    _assess(nairobi_hmoss, cast.nairobi, dt.date(2026, 1, 1), [n, n], assessor=officer,
            premises=cast.gigiri)
    _assess(nairobi_hmoss, cast.nairobi, dt.date(2025, 8, 1), [n, n], assessor=officer,
            premises=cast.gigiri, status="draft")
    country_moss = _document(cast.kenya, cast.nairobi, kind=MossDocument.Kind.COUNTRY)
    _assess(country_moss, cast.nairobi, dt.date(2025, 9, 1), [n, n], assessor=officer)
    _assess(_document(cast.kenya, cast.mombasa), cast.mombasa, dt.date(2025, 9, 1), [n, n],
            assessor=officer)
    # Geneva, another country: 2 of 2.
    far = _assess(geneva_hmoss, geneva, dt.date(2025, 5, 5), [c, c], assessor=officer)
    return {"latest": latest, "gigiri": gigiri, "geneva": geneva, "far": far}


def test_compliant_items_over_applicable_items_of_each_places_latest_assessment(cast, world):
    found = selectors.measure(INDICATOR, Y2025, Slice.system())
    # Nairobi 3 of 4 (one not applicable), Gigiri 1 of 2, Geneva 2 of 2: 6 of 8.
    assert (found.numerator, found.denominator, str(found.value)) == (6, 8, "75.0")


def test_the_periods_last_day_is_in_and_the_next_day_out(cast, world):
    found = selectors.measure(INDICATOR, year(2026), Slice(SliceKind.COUNTRY, cast.kenya.pk))
    # 2026: only Gigiri's assessment of 1 January, 0 of 2.
    assert (found.numerator, found.denominator, str(found.value)) == (0, 2, "0.0")


def test_nothing_assessed_is_no_data(cast, world):
    found = selectors.measure(INDICATOR, year(2023), Slice.system())
    assert found.no_data
    assert found.reason == NO_RECORDS


def test_slices(cast, world):
    kenya = selectors.measure(INDICATOR, Y2025, Slice(SliceKind.COUNTRY, cast.kenya.pk))
    assert (kenya.numerator, kenya.denominator) == (4, 6)
    station = selectors.measure(INDICATOR, Y2025,
                                Slice(SliceKind.DUTY_STATION, world["geneva"].pk))
    assert (station.numerator, station.denominator) == (2, 2)
    assert selectors.measure(INDICATOR, Y2025,
                             Slice(SliceKind.COUNTRY, cast.somalia.pk)).reason == NO_RECORDS
    europe = selectors.measure(INDICATOR, Y2025, Slice(SliceKind.REGION, "europe"))
    assert (europe.numerator, europe.denominator) == (2, 2)
    organization = hmoss.compliance_hq_moss(INDICATOR.query(
        Y2025, Slice(SliceKind.ORGANIZATION, cast.undp.pk)))
    assert organization.reason == SLICE_NOT_APPLICABLE


def test_drill_down_lists_what_the_viewer_may_open_and_counts_the_rest(cast, world, user_with):
    desk = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    found = hmoss.hq_moss_records(INDICATOR.query(Y2025, Slice.system()), desk)
    assert [row.url.rstrip("/").rsplit("/", 1)[-1] for row in found.rows] == [
        str(world["latest"].pk), str(world["gigiri"].pk)]
    assert found.rows[0].cells[3] == "3 / 4"
    assert found.hidden == 1  # Geneva's, counted in the figure
    everyone = user_with(Role.ADMINISTRATOR)
    assert hmoss.hq_moss_records(INDICATOR.query(Y2025, Slice.system()), everyone).hidden == 0
