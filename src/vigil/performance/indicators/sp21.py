"""The indicators of Subprogramme 2, component 1: regional field operations coordination.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, visible
from vigil.core.slices import SliceKind
from vigil.crisis import selectors as crisis_selectors
from vigil.crisis.models import Crisis, CrisisSettings
from vigil.performance.definitions import Indicator, Query, Records, Row, Setting
from vigil.performance.rules import (
    SLICE_NOT_APPLICABLE,
    Direction,
    Measure,
    Period,
    Unit,
    no_data,
    percent,
    timeliness,
)
from vigil.places.models import Country, DutyStation
from vigil.risk import rules as risk_rules
from vigil.risk import selectors as risk
from vigil.risk.models import SecurityLevelReview, SecurityPlan, SecurityRiskAssessment

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from vigil.core.authz import AnyUser

# The most rows a drill-down lists (the figure counts them all).
LIMIT = 500
COUNTRY_SLICES = frozenset({SliceKind.SYSTEM, SliceKind.REGION, SliceKind.COUNTRY})
STATION_SLICES = COUNTRY_SLICES | {SliceKind.DUTY_STATION}


def reference_day(period: Period) -> dt.date:
    """The day a standing is read on: the period's last day, or today while it runs."""
    return min(period.end, timezone.localdate())


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as moments, in the server's time zone: its first day's midnight, and the
    midnight after its last day (excluded)."""
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(period.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def _records(columns: tuple[Promise | str, ...], items: Iterable[tuple[int, Row]],
             openable: Iterable[int]) -> Records:
    """The rows the viewer may open (at most LIMIT); the others counted in ``hidden``."""
    allowed = set(openable)
    items = list(items)
    shown = [row for pk, row in items if pk in allowed]
    return Records(columns=columns, rows=shown[:LIMIT], hidden=len(items) - len(shown))


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return date_format(value, "Y-m-d")


def _place(country: Country, part: object) -> str:
    return f"{country} · {part}" if part else str(country)


# --- SP2.1.a.i ------------------------------------------------------------------------------

def sras_up_to_date(query: Query) -> Measure:
    """SP2.1.a.i, DRO-endorsed security risk assessments kept up to date. Read on the
    period's last day (today while the period runs): every place (a country, or a security
    area of it) whose latest SRA endorsed by DRO by the end of that day counts once; it is
    up to date when its review due date is that day or later. Share = up to date ÷ places.
    An SRA endorsed on the last day counts; one endorsed the day after does not. Countries
    and regions only: an SRA has no duty station nor organization."""
    standings = risk.sras_in_force(user=None, on=reference_day(query.period),
                                   within=query.slice)
    if standings is None:
        return no_data(SLICE_NOT_APPLICABLE)
    return percent(sum(1 for s in standings if s.up_to_date), len(standings))


def sras_records(query: Query, user: AnyUser) -> Records:
    standings = risk.sras_in_force(user=None, on=reference_day(query.period),
                                   within=query.slice) or []
    ids = [s.sra.pk for s in standings]
    return _records(
        (_("Place"), _("Assessment"), _("Endorsed"), _("Review due"), _("Up to date")),
        ((s.sra.pk, Row(label=s.sra.title, url=reverse("risk:sra_detail", args=[s.sra.pk]),
                        cells=(_place(s.sra.country, s.sra.security_area), s.sra.title,
                               _day(s.sra.endorsed_at), _day(s.sra.review_due),
                               _t("yes") if s.up_to_date else _t("no")),
                        counted=s.up_to_date)) for s in standings),
        visible(user, Perm.VIEW_RISK, SecurityRiskAssessment.objects.filter(pk__in=ids))
        .values_list("pk", flat=True))


# --- SP2.1.a.ii -----------------------------------------------------------------------------

def moss_implemented(query: Query) -> Measure:
    """SP2.1.a.ii, field locations implementing MOSS and residential MOSS consistent with the
    DRO-endorsed SRA. Denominator: the active field duty stations in the slice. For each, the
    latest final assessment of each of its places (the station, each premises, each
    residence) dated within the period (first and last day included), against the country
    MOSS derived from an SRA that DRO endorsed; the location implements its MOSS when its
    compliant items reach the threshold (setting, per cent) of its applicable items. A
    location with no such assessment in the period does not implement it."""
    locations = risk.moss_implementation(
        user=None, since=query.period.start, until=query.period.end, within=query.slice,
        threshold=float(query.settings["threshold"]))
    if locations is None:
        return no_data(SLICE_NOT_APPLICABLE)
    return percent(sum(1 for loc in locations if loc.implements), len(locations))


def moss_records(query: Query, user: AnyUser) -> Records:
    locations = risk.moss_implementation(
        user=None, since=query.period.start, until=query.period.end, within=query.slice,
        threshold=float(query.settings["threshold"])) or []
    openable_assessments = set(risk.moss_assessments(user=user).filter(
        pk__in=[a.pk for loc in locations for a in loc.assessments]).values_list(
        "pk", flat=True))
    items = []
    for loc in locations:
        assessed = [a for a in loc.assessments if a.pk in openable_assessments]
        latest = max(assessed, key=lambda a: (a.assessed_on, a.pk), default=None)
        url = reverse("risk:moss_assessment", args=[latest.pk]) if latest else \
            reverse("places:duty_station_detail", args=[loc.duty_station.pk])
        share = "" if loc.percent is None else f"{loc.percent:.1f} %"
        items.append((loc.duty_station.pk, Row(
            label=str(loc.duty_station), url=url,
            cells=(str(loc.duty_station.country), str(loc.duty_station),
                   str(len(loc.assessments)), f"{loc.compliant} / {loc.applicable}", share,
                   _t("yes") if loc.implements else _t("no")),
            counted=loc.implements)))
    return _records(
        (_("Country"), _("Location"), _("Places assessed"), _("Compliant / applicable items"),
         _("Compliance"), _("Implements MOSS")), items,
        visible(user, Perm.VIEW_RISK, DutyStation.objects.filter(
            pk__in=[loc.duty_station.pk for loc in locations])).values_list("pk", flat=True))


# --- SP2.1.b.i ------------------------------------------------------------------------------

def plans_endorsed(query: Query) -> Measure:
    """SP2.1.b.i, security plans endorsed by DRO. Read on the period's last day (today while
    the period runs): every place with a security plan made by the end of that day (a
    country's plan, or a duty station's) counts once; it is endorsed when one of its plans
    had been endorsed by DRO by then. A plan made (or endorsed) the day after does not
    count (or is not yet endorsed)."""
    standings = risk.plans_endorsement(user=None, on=reference_day(query.period),
                                       within=query.slice)
    if standings is None:
        return no_data(SLICE_NOT_APPLICABLE)
    return percent(sum(1 for s in standings if s.endorsed), len(standings))


def plans_records(query: Query, user: AnyUser) -> Records:
    standings = risk.plans_endorsement(user=None, on=reference_day(query.period),
                                       within=query.slice) or []
    return _records(
        (_("Place"), _("Plan"), _("Status"), _("Endorsed")),
        ((s.plan.pk, Row(label=s.plan.title, url=reverse("risk:plan_detail", args=[s.plan.pk]),
                         cells=(_place(s.plan.country, s.plan.duty_station), s.plan.title,
                                str(s.plan.get_status_display()), _day(s.plan.endorsed_at)
                                if s.endorsed else ""),
                         counted=s.endorsed)) for s in standings),
        visible(user, Perm.VIEW_RISK, SecurityPlan.objects.filter(
            pk__in=[s.plan.pk for s in standings])).values_list("pk", flat=True))


# --- SP2.1.b.ii -----------------------------------------------------------------------------

def crisis_activation(query: Query) -> Measure:
    """SP2.1.b.ii, timely activation of crisis management: the crises activated within the
    period (from its first day's midnight to the midnight after its last day, server time),
    each in time when activated within the hours of its triggering incident set in the
    crisis settings (that very hour included). Share in time; median delay in days.
    Countries and regions only: a crisis names no duty station nor organization."""
    since, until = bounds(query.period)
    found = crisis_selectors.activation_timeliness(user=None, since=since, until=until,
                                                   within=query.slice)
    if not found.get("applicable", True):
        return no_data(SLICE_NOT_APPLICABLE)
    median_hours = found["median_hours"]
    return timeliness(int(found["timely"] or 0), int(found["crises"] or 0),
                      None if median_hours is None else Decimal(str(median_hours)) / 24,
                      hours=found["hours"], median_hours=median_hours)


def crisis_records(query: Query, user: AnyUser) -> Records:
    since, until = bounds(query.period)
    crises = crisis_selectors.crises_activated(user=None, since=since, until=until,
                                               within=query.slice)
    rows = list(crises.order_by("-activated_at", "-pk")) if crises is not None else []
    hours = CrisisSettings.load().timely_activation_hours
    return _records(
        (_("Crisis"), _("Country"), _("Incident"), _("Activated"), _("Delay (hours)"),
         _("In time")),
        ((c.pk, Row(label=str(c), url=reverse("crisis:crisis_detail", args=[c.pk]),
                    cells=(str(c), str(c.country), _day(c.incident_at), _day(c.activated_at),
                           f"{c.activation_delay:.1f}",
                           _t("yes") if c.activation_delay <= hours else _t("no")),
                    counted=c.activation_delay <= hours)) for c in rows),
        visible(user, Perm.VIEW_CRISIS, Crisis.objects.filter(pk__in=[c.pk for c in rows]))
        .values_list("pk", flat=True))


# --- SP2.1.c.i ------------------------------------------------------------------------------

def level_reviews_timely(query: Query) -> Measure:
    """SP2.1.c.i, timely review and approval of security levels: the proposals approved with
    a decision dated within the period (first and last day included, server time), each in
    time when decided within the setting's days of its first proposal (resubmissions keep
    that date; the last moment of the last day is in time). Share in time; median days.
    Countries and regions only: a security area has no duty station nor organization."""
    found = risk.review_timeliness(user=None, since=query.period.start,
                                   until=query.period.end, within=query.slice,
                                   days=float(query.settings["days"]))
    if not found["applicable"]:
        return no_data(SLICE_NOT_APPLICABLE)
    return timeliness(found["on_time"], found["count"], found["median_days"],
                      days=found["days"], average_days=found["average_days"])


def level_records(query: Query, user: AnyUser) -> Records:
    days = float(query.settings["days"])
    reviews = risk.level_reviews_judged(user=None, since=query.period.start,
                                        until=query.period.end, within=query.slice)
    rows = list(reviews.order_by("-decided_at", "-pk")) if reviews is not None else []
    items = []
    for review in rows:
        took = risk.review_days(review) or 0.0
        on_time = risk_rules.within_days(took, days)
        items.append((review.pk, Row(
            label=str(review), url=reverse("risk:level_detail", args=[review.pk]),
            cells=(str(review.security_area.country), str(review.security_area),
                   review.level_label, _day(review.proposed_at), _day(review.decided_at),
                   f"{took:.1f}", _t("yes") if on_time else _t("no")),
            counted=on_time)))
    return _records(
        (_("Country"), _("Security area"), _("Level"), _("Proposed"), _("Approved"),
         _("Days"), _("In time")), items,
        visible(user, Perm.VIEW_RISK, SecurityLevelReview.objects.filter(
            pk__in=[r.pk for r in rows])).values_list("pk", flat=True))


# --- SP2.1.c.ii -----------------------------------------------------------------------------

def assessment_visits(query: Query) -> Measure:
    """SP2.1.c.ii, countries with UN presence that received security assistance and
    assessment visits: the countries in the slice with an active duty station; visited when
    a security assistance or assessment mission there was completed within the period
    (completion date on its first or last day included)."""
    found = risk.mission_coverage(user=None, since=query.period.start,
                                  until=query.period.end, within=query.slice)
    if not found["applicable"]:
        return no_data(SLICE_NOT_APPLICABLE)
    return percent(found["visited"], found["countries"])


def visits_records(query: Query, user: AnyUser) -> Records:
    visits = risk.countries_with_presence(user=None, since=query.period.start,
                                          until=query.period.end, within=query.slice) or []
    items = []
    for visit in visits:
        mission = visit.last_mission
        url = reverse("risk:mission_detail", args=[mission.pk]) if mission else \
            f"{reverse('risk:mission_list')}?country={visit.country.iso2}"
        items.append((visit.country.pk, Row(
            label=str(visit.country), url=url,
            cells=(str(visit.country), mission.get_kind_display() if mission else "",
                   _day(mission.completed_on) if mission else "",
                   _t("yes") if visit.visited else _t("no")),
            counted=visit.visited)))
    return _records(
        (_("Country"), _("Mission"), _("Completed"), _("Visited")), items,
        visible(user, Perm.VIEW_RISK, Country.objects.filter(
            pk__in=[v.country.pk for v in visits])).values_list("pk", flat=True))


INDICATORS = (
    Indicator(id="SP2.1.a.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.a",
              text=_("Percentage of security risk assessments endorsed by the Division of Regional"
                     " Operations that are kept up to date"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=sras_up_to_date,
              records=sras_records, slices=COUNTRY_SLICES,
              source=_("security risk assessments (risk)")),
    Indicator(id="SP2.1.a.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.a",
              text=_("Percentage of field locations implementing minimum operating security "
                     "standards and residential security measures consistent with the security "
                     "risk assessment endorsed by the Division of Regional Operations"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=moss_implemented,
              records=moss_records, slices=STATION_SLICES,
              settings=(Setting("threshold", _("A location implements its MOSS from"),
                                default=risk_rules.MOSS_IMPLEMENTED_FROM, minimum=1,
                                maximum=100, unit=_("% of applicable items compliant")),),
              source=_("MOSS compliance assessments against the MOSS of the endorsed SRA "
                       "(risk)")),
    Indicator(id="SP2.1.b.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.b",
              text=_("Percentage of security plans endorsed by the Division of "
                     "Regional Operations"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=plans_endorsed,
              records=plans_records, slices=STATION_SLICES,
              source=_("security plans (risk)")),
    Indicator(id="SP2.1.b.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.b",
              text=_("Timely activation of crisis management and crisis response"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=crisis_activation,
              records=crisis_records, slices=COUNTRY_SLICES,
              source=_("crises and their triggering incidents (crisis management)")),
    Indicator(id="SP2.1.c.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.c",
              text=_("Timely review and approval of the security levels of countries and missions "
                     "with a United Nations presence"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=level_reviews_timely,
              records=level_records, slices=COUNTRY_SLICES,
              settings=(Setting("days", _("Reviewed and approved within"),
                                default=risk_rules.LEVEL_REVIEW_DAYS, minimum=1, maximum=365,
                                unit=_("days of the proposal")),),
              source=_("security level reviews (risk)")),
    Indicator(id="SP2.1.c.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.c",
              text=_("Percentage of countries and missions with a United Nations presence that "
                     "received security assistance and assessment visits"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=assessment_visits,
              records=visits_records, slices=COUNTRY_SLICES,
              source=_("security assistance and assessment missions (risk)")),
)
