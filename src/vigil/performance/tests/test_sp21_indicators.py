"""Subprogramme 2, component 1 (SP2.1.a.i … SP2.1.c.ii): each figure by hand on a few
records of risk and crisis management, the period's last day in and the next day out, an
empty period, slices (country against country, a kind of slice that does not apply), and the
drill-down of a Kenya viewer who may not open Somalia's records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.crisis.models import Crisis
from vigil.performance import registry, selectors
from vigil.performance.rules import NO_RECORDS, SLICE_NOT_APPLICABLE, biennium, year
from vigil.places.models import SecurityArea
from vigil.risk.models import (
    ComplianceAssessment,
    ComplianceResult,
    Mission,
    MossDocument,
    MossItem,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
)

Y2025 = year(2025)
C, P, NA = "compliant", "partly_compliant", "not_applicable"


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def measure(indicator_id, period=Y2025, where=None, **settings):
    indicator = registry.BY_ID[indicator_id]
    return indicator.compute(indicator.query(period, where or Slice.system(), settings))


def records(indicator_id, user, period=Y2025, where=None):
    indicator = registry.BY_ID[indicator_id]
    return selectors.records(indicator, period, where or Slice.system(), user)


def kenya(cast):
    return Slice(SliceKind.COUNTRY, cast.kenya.pk)


def somalia(cast):
    return Slice(SliceKind.COUNTRY, cast.somalia.pk)


@pytest.fixture
def desk(cast, user_with):
    """A DRO desk officer for Kenya: reads Kenya's records, not Somalia's."""
    return user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def test_slices_that_cannot_hold_the_records_are_no_data(cast):
    station = Slice(SliceKind.DUTY_STATION, cast.nairobi.pk)
    organization = Slice(SliceKind.ORGANIZATION, cast.undp.pk)
    for indicator_id in ("SP2.1.a.i", "SP2.1.b.ii", "SP2.1.c.i", "SP2.1.c.ii"):
        assert measure(indicator_id, where=station).reason == SLICE_NOT_APPLICABLE
        assert selectors.measure(registry.BY_ID[indicator_id], Y2025,
                                 station).reason == SLICE_NOT_APPLICABLE
    for indicator_id in ("SP2.1.a.ii", "SP2.1.b.i"):
        assert measure(indicator_id, where=organization).reason == SLICE_NOT_APPLICABLE


# --- SP2.1.a.i: endorsed SRAs kept up to date ------------------------------------------------

def _sra(country, *, endorsed, due, area=None, title="SRA"):
    return SecurityRiskAssessment.objects.create(
        country=country, security_area=area, title=title, status="endorsed",
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 1, 1), review_due=due,
        endorsed_at=at(endorsed) if endorsed else None)


@pytest.fixture
def sras(cast):
    # Kenya: the older SRA is overtaken by the one endorsed on the year's last day (due in
    # time); the Nairobi area's was due the day before the year ended (out of date).
    _sra(cast.kenya, endorsed=dt.date(2024, 6, 1), due=dt.date(2025, 6, 1), title="KE old")
    newer = _sra(cast.kenya, endorsed=dt.date(2025, 12, 31), due=dt.date(2025, 12, 31),
                 title="KE new")
    area = _sra(cast.kenya, area=cast.nbi_area, endorsed=dt.date(2025, 2, 1),
                due=dt.date(2025, 12, 30), title="NBI")
    # Somalia: endorsed the day after the year ended (not yet there), and one up to date.
    _sra(cast.somalia, endorsed=dt.date(2026, 1, 1), due=dt.date(2027, 1, 1), title="SO late")
    somali = _sra(cast.somalia, area=SecurityArea.objects.create(
        country=cast.somalia, code="MGQ", name="Mogadishu"), endorsed=dt.date(2025, 1, 1),
        due=dt.date(2026, 3, 1), title="MGQ")
    # Never endorsed: not counted.
    SecurityRiskAssessment.objects.create(
        country=cast.kenya, title="draft", valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2026, 1, 1), review_due=dt.date(2025, 2, 1))
    return {"newer": newer, "area": area, "somali": somali}


def test_sras_up_to_date_by_hand(cast, sras):
    found = measure("SP2.1.a.i")
    # Places: Kenya (KE new, up to date), NBI (out of date), MGQ (up to date): 2 of 3.
    assert (found.numerator, found.denominator, str(found.value)) == (2, 3, "66.7")
    assert (measure("SP2.1.a.i", where=kenya(cast)).numerator,
            measure("SP2.1.a.i", where=kenya(cast)).denominator) == (1, 2)
    assert measure("SP2.1.a.i", where=Slice(SliceKind.REGION, "africa")).denominator == 3
    # At the end of 2026: KE new (due 2025-12-31), NBI and MGQ (due 2026-03-01) are out of
    # date; SO late (due 2027) is up to date.
    later = measure("SP2.1.a.i", period=year(2026))
    assert (later.numerator, later.denominator) == (1, 4)


def test_sras_before_any_endorsement_is_no_data(cast, sras):
    assert measure("SP2.1.a.i", period=year(2023)).reason == NO_RECORDS


def test_sras_drill_down(cast, sras, desk):
    found = records("SP2.1.a.i", desk)
    # Kenya's own SRA first, then its areas'; Somalia's (MGQ) is hidden, counted.
    assert [(row.label, row.counted) for row in found.rows] == [("KE new", True),
                                                                 ("NBI", False)]
    assert found.hidden == 1


# --- SP2.1.a.ii: field locations implementing MOSS ------------------------------------------

def _moss(country, sra):
    document = MossDocument.objects.create(country=country, sra=sra, title="MOSS",
                                           status="approved")
    MossItem.objects.bulk_create([MossItem(document=document, position=n, category="premises",
                                           standard=f"Item {n}") for n in range(5)])
    return document


def _assess(document, station, day, states, *, assessor, premises=None, residence_of=None):
    assessment = ComplianceAssessment.objects.create(
        document=document, duty_station=station, premises=premises, residence_of=residence_of,
        assessed_on=day, assessor=assessor, status="final")
    ComplianceResult.objects.bulk_create([
        ComplianceResult(assessment=assessment, item=item, state=state)
        for item, state in zip(document.items.order_by("pk"), states, strict=False)])
    return assessment


@pytest.fixture
def moss(cast, user_with):
    officer = user_with()
    ke = _moss(cast.kenya, _sra(cast.kenya, endorsed=dt.date(2024, 1, 1),
                                due=dt.date(2027, 1, 1)))
    so = _moss(cast.somalia, _sra(cast.somalia, endorsed=dt.date(2024, 1, 1),
                                  due=dt.date(2027, 1, 1)))
    # Mombasa: the station 4 of 4, its office 3 of 4, a residence 1 of 2 (one not
    # applicable): 8 of 10 = 80 %, implements at the default 80.
    _assess(ke, cast.mombasa, dt.date(2025, 1, 1), [C, C, C, C], assessor=officer)
    _assess(ke, cast.mombasa, dt.date(2025, 12, 31), [C, C, C, P], assessor=officer,
            premises=cast.mombasa_office)
    _assess(ke, cast.mombasa, dt.date(2025, 6, 1), [C, P, NA], assessor=officer,
            residence_of=cast.omar)
    # Mogadishu: 4 of 4 in 2025, but then 0 of 4 the day after the year ended.
    _assess(so, cast.mogadishu, dt.date(2025, 5, 1), [C, C, C, C], assessor=officer)
    _assess(so, cast.mogadishu, dt.date(2026, 1, 1), [P, P, P, P], assessor=officer)
    # Nairobi is a headquarters duty station: not a field location.
    _assess(ke, cast.nairobi, dt.date(2025, 5, 1), [P, P], assessor=officer)
    # Against MOSS whose SRA DRO never endorsed: not counted.
    unendorsed = _moss(cast.kenya, _sra(cast.kenya, endorsed=None, due=dt.date(2027, 1, 1)))
    _assess(unendorsed, cast.mombasa, dt.date(2025, 12, 1), [P, P], assessor=officer,
            premises=cast.mombasa_office)
    return officer


def test_moss_implemented_by_hand(cast, moss):
    found = measure("SP2.1.a.ii")
    assert (found.numerator, found.denominator, str(found.value)) == (2, 2, "100.0")
    stricter = measure("SP2.1.a.ii", threshold=81)  # Mombasa's 80 % falls short
    assert (stricter.numerator, stricter.denominator) == (1, 2)
    # 2026: Mogadishu 0 of 4; Mombasa not assessed: neither implements.
    later = measure("SP2.1.a.ii", period=year(2026))
    assert (later.numerator, later.denominator) == (0, 2)
    assert (measure("SP2.1.a.ii", where=kenya(cast)).numerator,
            measure("SP2.1.a.ii", where=kenya(cast)).denominator) == (1, 1)
    station = measure("SP2.1.a.ii", where=Slice(SliceKind.DUTY_STATION, cast.mogadishu.pk))
    assert (station.numerator, station.denominator) == (1, 1)


def test_moss_without_field_locations_is_no_data(cast, moss):
    assert measure("SP2.1.a.ii", where=Slice(SliceKind.DUTY_STATION,
                                             cast.nairobi.pk)).reason == NO_RECORDS


def test_moss_drill_down(cast, moss, desk):
    found = records("SP2.1.a.ii", desk)
    assert [(row.label, row.counted, row.cells[3]) for row in found.rows] == [
        (str(cast.mombasa), True, "8 / 10")]
    # The residence is personal data the desk officer may not open: the row opens the
    # latest assessment the desk may open, the office's.
    office = ComplianceAssessment.objects.get(premises=cast.mombasa_office,
                                              document__sra__endorsed_at__isnull=False)
    assert found.rows[0].url.endswith(f"/{office.pk}/")
    assert found.hidden == 1


# --- SP2.1.b.i: security plans endorsed by DRO ------------------------------------------------

def _plan(country, made, *, station=None, endorsed=None, status="draft"):
    plan = SecurityPlan.objects.create(country=country, duty_station=station, title=f"Plan "
                                       f"{station or country} {made}", status=status,
                                       review_due=dt.date(2027, 1, 1),
                                       endorsed_at=at(endorsed) if endorsed else None)
    SecurityPlan.objects.filter(pk=plan.pk).update(created_at=at(made))
    return plan


@pytest.fixture
def plans(cast):
    # Kenya's country plan endorsed on the year's last day; its revision (a draft) does not
    # undo that. Mombasa's plan endorsed the day after. Mogadishu's made the day after.
    kenya_plan = _plan(cast.kenya, dt.date(2025, 1, 1), endorsed=dt.date(2025, 12, 31),
                       status="endorsed")
    _plan(cast.kenya, dt.date(2025, 6, 1))
    mombasa = _plan(cast.kenya, dt.date(2025, 12, 31), station=cast.mombasa,
                    endorsed=dt.date(2026, 1, 1), status="endorsed")
    _plan(cast.somalia, dt.date(2026, 1, 1), station=cast.mogadishu)
    return {"kenya": kenya_plan, "mombasa": mombasa}


def test_plans_endorsed_by_hand(cast, plans):
    found = measure("SP2.1.b.i")
    assert (found.numerator, found.denominator, str(found.value)) == (1, 2, "50.0")
    later = measure("SP2.1.b.i", period=year(2026))
    assert (later.numerator, later.denominator) == (2, 3)
    assert measure("SP2.1.b.i", where=somalia(cast)).reason == NO_RECORDS
    station = measure("SP2.1.b.i", period=year(2026),
                      where=Slice(SliceKind.DUTY_STATION, cast.mogadishu.pk))
    assert (station.numerator, station.denominator) == (0, 1)
    assert measure("SP2.1.b.i", period=year(2024)).reason == NO_RECORDS


def test_plans_drill_down(cast, plans, desk):
    found = records("SP2.1.b.i", desk, period=year(2026))
    assert sorted((row.label, row.counted) for row in found.rows) == sorted([
        (plans["kenya"].title, True), (plans["mombasa"].title, True)])
    assert found.hidden == 1


# --- SP2.1.b.ii: timely activation of crisis management ------------------------------------

def _crisis(country, activated, hours, user):
    return Crisis.objects.create(
        title=f"Crisis {activated}", country=country, incident_at=activated - dt.timedelta(
            hours=hours), activated_at=activated, declared_by=user, zone_kind="circle",
        window_start=activated - dt.timedelta(hours=hours),
        window_end=activated + dt.timedelta(hours=24))


@pytest.fixture
def crises(cast, user_with):
    user = user_with()
    zone = timezone.get_current_timezone()
    last_moment = dt.datetime(2025, 12, 31, 23, 59, tzinfo=zone)
    return {
        "in_time": _crisis(cast.kenya, at(dt.date(2025, 3, 1)), 6, user),  # on the limit
        "late": _crisis(cast.kenya, last_moment, 9, user),
        "somali": _crisis(cast.somalia, at(dt.date(2025, 5, 1)), 1, user),
        "next_year": _crisis(cast.kenya, dt.datetime(2026, 1, 1, 0, 0, tzinfo=zone), 1, user),
    }


def test_crisis_activation_by_hand(cast, crises):
    found = measure("SP2.1.b.ii")
    # Delays 6, 9 and 1 hours against 6: 2 of 3 in time, median 6 h = 0.25 day.
    assert (found.numerator, found.denominator, str(found.value)) == (2, 3, "66.7")
    assert str(found.median_days) == "0.3"
    kenya_only = measure("SP2.1.b.ii", where=kenya(cast))
    assert (kenya_only.numerator, kenya_only.denominator) == (1, 2)
    assert (measure("SP2.1.b.ii", period=year(2026)).numerator,
            measure("SP2.1.b.ii", period=year(2026)).denominator) == (1, 1)
    assert measure("SP2.1.b.ii", period=year(2024)).reason == NO_RECORDS


def test_crisis_drill_down(cast, crises, desk):
    found = records("SP2.1.b.ii", desk)
    assert [(row.label, row.counted) for row in found.rows] == [
        (str(crises["late"]), False), (str(crises["in_time"]), True)]
    assert found.hidden == 1


# --- SP2.1.c.i: timely review and approval of security levels -------------------------------

def _review(area, proposed, decided, user):
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=3, proposed_level=3, status="approved",
        proposed_by=user, proposed_at=proposed, decided_by=user, decided_at=decided,
        next_review_due=dt.date(2027, 1, 1))


@pytest.fixture
def reviews(cast, user_with):
    user = user_with()
    mgq = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Mogadishu")
    end = at(dt.date(2025, 12, 31), 23)
    return {
        # 30 days exactly: in time; decided on the year's last day.
        "limit": _review(cast.nbi_area, end - dt.timedelta(days=30), end, user),
        "slow": _review(cast.nbi_area, at(dt.date(2025, 1, 1)), at(dt.date(2025, 3, 2)), user),
        "somali": _review(mgq, at(dt.date(2025, 4, 1)), at(dt.date(2025, 4, 11)), user),
        "next_year": _review(mgq, at(dt.date(2025, 12, 1)), at(dt.date(2026, 1, 1)), user),
    }


def test_level_reviews_by_hand(cast, reviews):
    found = measure("SP2.1.c.i")
    # 30, 60 and 10 days against 30: 2 of 3, median 30.
    assert (found.numerator, found.denominator, str(found.value)) == (2, 3, "66.7")
    assert str(found.median_days) == "30.0"
    assert measure("SP2.1.c.i", days=10).numerator == 1
    kenya_only = measure("SP2.1.c.i", where=kenya(cast))
    assert (kenya_only.numerator, kenya_only.denominator) == (1, 2)
    assert measure("SP2.1.c.i", period=year(2026)).denominator == 1
    assert measure("SP2.1.c.i", period=year(2024)).reason == NO_RECORDS


def test_level_reviews_drill_down(cast, reviews, desk):
    found = records("SP2.1.c.i", desk)
    assert [(row.url, row.counted) for row in found.rows] == [
        (f"/risk/levels/{reviews['limit'].pk}/", True),
        (f"/risk/levels/{reviews['slow'].pk}/", False)]
    assert found.hidden == 1


def test_the_level_board_keeps_its_figure(cast, reviews, desk):
    from vigil.risk.selectors import review_timeliness

    mine = review_timeliness(user=desk, since=dt.date(2025, 1, 1))
    assert (mine["count"], mine["average_days"]) == (2, 45.0)


# --- SP2.1.c.ii: countries with UN presence visited ----------------------------------------

@pytest.fixture
def missions(cast):
    def mission(country, completed, status="completed"):
        return Mission.objects.create(
            country=country, kind="assessment", purpose="Visit",
            planned_start=completed - dt.timedelta(days=5), planned_end=completed,
            status=status, completed_on=completed if status == "completed" else None)
    return {"kenya": mission(cast.kenya, dt.date(2025, 12, 31)),
            "somalia_next_year": mission(cast.somalia, dt.date(2026, 1, 1)),
            "planned": mission(cast.somalia, dt.date(2025, 6, 1), status="planned")}


def test_assessment_visits_by_hand(cast, missions):
    found = measure("SP2.1.c.ii")
    assert (found.numerator, found.denominator, str(found.value)) == (1, 2, "50.0")
    assert measure("SP2.1.c.ii", where=somalia(cast)).numerator == 0
    assert measure("SP2.1.c.ii", period=year(2026)).numerator == 1
    assert measure("SP2.1.c.ii", where=Slice(SliceKind.REGION, "europe")).reason == NO_RECORDS
    assert measure("SP2.1.c.ii", period=biennium(2024)).numerator == 1


def test_assessment_visits_drill_down(cast, missions, desk):
    found = records("SP2.1.c.ii", desk)
    assert [(row.label, row.counted, row.url) for row in found.rows] == [
        (str(cast.kenya), True, f"/risk/missions/{missions['kenya'].pk}/")]
    assert found.hidden == 1
