"""The indicators of subprogramme 1: security and safety coordination at headquarters
duty stations and regional commissions.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, has_perm_anywhere, visible
from vigil.hq import gate_selectors, plans_selectors, protection_selectors, safety_selectors
from vigil.performance.definitions import (
    ALL_SLICES,
    PLACE_SLICES,
    Indicator,
    Query,
    Records,
    Row,
    Setting,
)
from vigil.performance.indicators.hmoss import compliance_hq_moss, hq_moss_records
from vigil.performance.rules import (
    SLICE_NOT_APPLICABLE,
    Direction,
    Measure,
    Unit,
    count,
    no_data,
    percent,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

MAX_ROWS = 500  # the drill-down lists at most this many records
# The earliest day a register could hold (before it: "the register was not in use yet").
EVER = dt.date(1900, 1, 1)


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date()
    return value.isoformat()


# --- SP1.a.ii: unauthorized entries -----------------------------------------------------------

def unauthorized_entries(query: Query) -> Measure:
    """SP1.a.ii, number of unauthorized entries into United Nations premises: the
    unauthorized entries that headquarters security's rules found among the entry events
    (repeated denials, tailgating, forced entry, use of an expired or revoked pass), counted
    by the day of their first event, from the period's first day to its last, both included
    (UTC days). An entry reviewed and closed since still counts. No data where no entry event
    at all was recorded in the period (the gates' records are missing, so "none" is not
    known); 0 where events were recorded and no rule found an entry. Premises belong to no
    organization: no data for an organization."""
    start, end = query.period.start, query.period.end
    recorded = gate_selectors.entry_events_recorded(start=start, end=end, within=query.slice)
    found = gate_selectors.unauthorized_entries_found(start=start, end=end, within=query.slice)
    if recorded is None or found is None:
        return no_data(SLICE_NOT_APPLICABLE)
    if not recorded:
        return no_data()
    return count(found.count())


def unauthorized_entry_records(query: Query, user: AnyUser) -> Records:
    """The unauthorized entries counted, newest first, that the viewer may open (headquarters
    security's own rule: the premises in their scope); the others are counted in ``hidden``."""
    columns = (_("First event"), _("Premises"), _("Duty station"), _("Rule"), _("Status"))
    found = gate_selectors.unauthorized_entries_found(
        start=query.period.start, end=query.period.end, within=query.slice)
    if found is None:
        return Records(columns=columns, rows=[])
    seen = visible(user, Perm.VIEW_ACCESS, found)
    rows = [Row(label=entry.reference,
                url=reverse("hq:gate_unauthorized_detail", args=[entry.pk]),
                cells=(_day(entry.occurred_at), entry.premises.name,
                       entry.premises.duty_station.name, str(entry.get_rule_display()),
                       str(entry.get_status_display())))
            for entry in seen.select_related("premises", "premises__duty_station")
            .order_by("-occurred_at", "-pk")[:MAX_ROWS]]
    return Records(columns=columns, rows=rows, hidden=found.count() - seen.count())


# --- SP1.a.iii: safety claims -----------------------------------------------------------------

def claims_received(query: Query) -> Measure:
    """SP1.a.iii, number of safety-related claims received: the safety claims (injury or
    property damage on the premises of a headquarters duty station or regional commission)
    received from the period's first day to its last, both included, by the day received,
    whatever their outcome (a claim withdrawn or rejected was received all the same). For an
    organization: the claims of its staff members (a visitor's claim is in no organization).
    No data when no claim had ever been received in the slice by the period's last day (the
    register was not in use there yet); 0 after that."""
    start, end = query.period.start, query.period.end
    received = safety_selectors.claims_received(start=start, end=end, within=query.slice)
    if not received["applicable"]:
        return no_data(SLICE_NOT_APPLICABLE)
    ever = safety_selectors.claims_received_list(start=EVER, end=end, within=query.slice)
    if ever is None or not ever.exists():
        return no_data()
    return count(received["total"], by_duty_station=received["by_duty_station"])


def claim_records(query: Query, user: AnyUser) -> Records:
    """The claims counted, the latest received first, that the viewer may open (the claims of
    the premises in their scope, and their own); never the claimant's name."""
    columns = (_("Received on"), _("Premises"), _("Duty station"), _("Kind"), _("Status"))
    found = safety_selectors.claims_received_list(
        start=query.period.start, end=query.period.end, within=query.slice)
    if found is None:
        return Records(columns=columns, rows=[])
    seen = found.filter(pk__in=safety_selectors.claims_seen(user).values("pk"))
    rows = [Row(label=claim.reference, url=reverse("hq:claim_detail", args=[claim.pk]),
                cells=(_day(claim.received_on), claim.premises.name,
                       claim.premises.duty_station.name, str(claim.get_kind_display()),
                       str(claim.get_status_display())))
            for claim in seen.select_related("premises", "premises__duty_station")
            .order_by("-received_on", "-pk")[:MAX_ROWS]]
    return Records(columns=columns, rows=rows, hidden=found.count() - seen.count())


# --- SP1.b: protection needs assessed ---------------------------------------------------------

def protection_cases_assessed(query: Query) -> Measure:
    """SP1.b, number of travel cases reviewed in which the personal protection needs of
    senior officials are assessed: the protection cases (one trip of a principal each) whose
    needs assessment was submitted for decision from the period's first day to its last,
    both included (UTC days; a case submitted again counts once, on its last submission).
    Sliced by the principal's home duty station, its country and region, and the principal's
    organization. No data when no assessment had ever been submitted in the slice by the
    period's last day; 0 after that."""
    start, end = query.period.start, query.period.end
    assessed = protection_selectors.assessed_cases(start, end, within=query.slice)
    if assessed is None:
        return no_data(SLICE_NOT_APPLICABLE)
    ever = protection_selectors.assessed_cases(EVER, end, within=query.slice)
    if ever is None or not ever.exists():
        return no_data()
    return count(assessed.count())


def protection_case_records(query: Query, user: AnyUser) -> Records:
    """Protection is need-to-know: the cases counted are listed only to a viewer who may read
    them (the coordinator covering the principal, the principal's office), the read audited
    as protective services audit every list of cases; every other case is counted in
    ``hidden``, and a viewer who may read no case at all gets the count alone."""
    columns = (_("Assessment submitted"), _("Trip starts"), _("Organization"), _("Status"))
    found = protection_selectors.assessed_cases(query.period.start, query.period.end,
                                                within=query.slice)
    if found is None:
        return Records(columns=columns, rows=[], counts_only=True)
    total = found.count()
    if not protection_selectors.may_open(user):
        return Records(columns=columns, rows=[], counts_only=True, hidden=total)
    seen = found.filter(pk__in=protection_selectors.cases_seen(user).values("pk"))
    cases = list(seen.select_related("assessment", "principal__organization")
                 .order_by("-assessment__completed_at", "-pk")[:MAX_ROWS])
    if cases:
        protection_selectors.audit_case_list(user=user, cases=cases, query="",
                                             where="performance")
    rows = [Row(label=case.reference, url=reverse("hq:protection_case_detail", args=[case.pk]),
                cells=(_day(case.assessment.completed_at), _day(case.starts_on),
                       case.principal.organization.code, str(case.get_status_display())))
            for case in cases]
    return Records(columns=columns, rows=rows, hidden=total - seen.count())


# --- SP1.c: emergency plans updated and tested ------------------------------------------------

DAYS_SHARE = "days_share"


def _stations_over(query: Query) -> list[dict[str, Any]] | None:
    """Each station's status over the period, up to today (the days to come are not known
    yet); [] for a period that has not started."""
    end = min(query.period.end, timezone.localdate())
    if end < query.period.start:
        return [] if query.slice.q(plans_selectors.STATION_PATHS) is not None else None
    return plans_selectors.plans_status_over(start=query.period.start, end=end,
                                             within=query.slice)


def _meets(row: dict[str, Any], share: Decimal | int) -> bool:
    """Whether the station's plans were as required on at least ``share`` % of the days."""
    period = row["period"]
    days = (period.end - period.start).days + 1
    good = days - period.days_not_compliant
    return bool(Decimal(100) * good >= Decimal(share) * days)


def plans_updated_and_tested(query: Query) -> Measure:
    """SP1.c, percentage of headquarters duty stations and regional commissions that update
    and test their crisis, evacuation and contingency plans as required: among the active
    headquarters duty stations and regional commissions of the slice, the share whose plans
    were "updated and tested as required" (every required kind of plan in force, not overdue
    for review and tested by a drill within its test period, as emergency plans judge it) on
    at least the set share of the period's days (100 %: every day), from the period's first
    day to its last or to today if sooner, both included. No data before the period starts,
    and where the slice holds no such station; organizations do not apply."""
    rows = _stations_over(query)
    if rows is None:
        return no_data(SLICE_NOT_APPLICABLE)
    share = query.settings.get(DAYS_SHARE, 100)
    met = sum(1 for row in rows if _meets(row, share))
    return percent(met, len(rows))


def plan_station_records(query: Query, user: AnyUser) -> Records:
    """Every station of the figure the viewer may open (emergency plans' own scope), those
    that met the requirement marked as counted; the others in ``hidden``."""
    columns = (_("Country"), _("Days not as required"), _("First such day"),
               _("As required on the last day"))
    rows = _stations_over(query)
    if not rows:
        return Records(columns=columns, rows=[])
    share = query.settings.get(DAYS_SHARE, 100)
    seen = set(plans_selectors.hq_stations(user=user).values_list("pk", flat=True)) \
        if has_perm_anywhere(user, Perm.VIEW_EMERGENCY_PLANS) else set()
    listed = []
    for row in rows:
        station, period = row["station"], row["period"]
        if station.pk not in seen:
            continue
        listed.append(Row(
            label=station.name,
            url=reverse("hq:plan_station", args=[station.pk]),
            cells=(station.country.name,
                   str(period.days_not_compliant),
                   _day(period.first_not_compliant),
                   str(_("yes") if period.at_end.compliant
                       else _("no"))),
            counted=_meets(row, share)))
    return Records(columns=columns, rows=listed[:MAX_ROWS], hidden=len(rows) - len(listed))


INDICATORS = (
    Indicator(id="SP1.a.i", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Percentage of compliance with elements of the minimum operating security "
                     "standards at United Nations Headquarters duty stations and regional "
                     "commissions"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=compliance_hq_moss,
              records=hq_moss_records,
              slices=PLACE_SLICES,
              source=_("H-MOSS compliance assessments of headquarters premises (risk)")),
    Indicator(id="SP1.a.ii", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Number of unauthorized entries into United Nations premises"),
              unit=Unit.COUNT, direction=Direction.DOWN, compute=unauthorized_entries,
              records=unauthorized_entry_records, slices=PLACE_SLICES,
              source=_("unauthorized entries found among entry events (headquarters security)")),
    Indicator(id="SP1.a.iii", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Number of safety-related claims received"),
              unit=Unit.COUNT, direction=Direction.DOWN, compute=claims_received,
              records=claim_records, slices=ALL_SLICES,
              source=_("safety claims (headquarters security)")),
    Indicator(id="SP1.b", subprogramme=1, component="", accomplishment="SP1.b",
              text=_("Number of travel cases reviewed in which the personal protection needs of "
                     "senior United Nations officials are assessed"),
              unit=Unit.COUNT, direction=Direction.UP,
              compute=protection_cases_assessed,
              records=protection_case_records, slices=ALL_SLICES,
              source=_("protection cases with a completed needs assessment "
                       "(headquarters security)")),
    Indicator(id="SP1.c", subprogramme=1, component="", accomplishment="SP1.c",
              text=_("Percentage of headquarters duty stations and regional commissions that "
                     "update and test their crisis, evacuation and contingency plans as required"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=plans_updated_and_tested,
              records=plan_station_records, slices=PLACE_SLICES,
              settings=(Setting(DAYS_SHARE, _("Share of the period's days the plans must be "
                                              "as required"), default=100, minimum=1,
                                maximum=100, unit="%"),),
              source=_("emergency plans and drills (headquarters security)")),
)
