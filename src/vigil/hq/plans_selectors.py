"""Reads of emergency plans, drills and corrective actions, narrowed to what the reader may
see, and the status "updated and tested as required" of each headquarters duty station and
regional commission (hq.plans_rules), on a day or over a period.

``plans_status_on`` and ``plans_status_over`` answer the seed's indicator SP1.c ("all HQ duty
stations update and test crisis, evacuation and contingency plans as required") for a day or
a period. Each reads every station's plans, reviews and drills in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from vigil.core.authz import Perm, get_visible, visible
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.hq import plans_rules as rules
from vigil.hq.models import (
    ActionStatus,
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    PlanEvent,
    PlanReview,
    PlanSettings,
    PlanStatus,
)
from vigil.places.models import DutyStation, Premises

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

HQ_KINDS = (DutyStation.Kind.HEADQUARTERS, DutyStation.Kind.REGIONAL_COMMISSION)


# --- Settings ---------------------------------------------------------------------------------

def plan_settings() -> PlanSettings:
    """The settings row, or the defaults (unsaved) while nobody has changed them."""
    return PlanSettings.objects.filter(pk=1).first() or PlanSettings(pk=1, version=0)


def policy() -> dict[str, rules.KindPolicy]:
    return rules.policy_from_data(plan_settings().periods)


# --- Stations ---------------------------------------------------------------------------------

def hq_stations(*, user: AnyUser | None = None,
                perm: Perm = Perm.VIEW_EMERGENCY_PLANS) -> QuerySet[DutyStation]:
    """Headquarters duty stations and regional commissions (active), those in the user's
    scope when a user is given."""
    qs = DutyStation.objects.filter(kind__in=HQ_KINDS, is_active=True).select_related(
        "country").order_by("kind", "name")
    return qs if user is None else visible(user, perm, qs)


def station_get(*, user: AnyUser, pk: Any) -> DutyStation:
    return get_visible(user, Perm.VIEW_EMERGENCY_PLANS, hq_stations(), pk=pk)


def station_premises(*, station: DutyStation) -> QuerySet[Premises]:
    return Premises.objects.filter(duty_station=station).order_by("name")


# --- Plans ------------------------------------------------------------------------------------

def plans_seen(user: AnyUser) -> QuerySet[EmergencyPlan]:
    return visible(user, Perm.VIEW_EMERGENCY_PLANS, EmergencyPlan.objects.all())


def plan_list(*, user: AnyUser, search: str = "", duty_station: Any = None, kind: str = "",
              status: str = "") -> QuerySet[EmergencyPlan]:
    qs = plans_seen(user).select_related("duty_station", "owner", "approved_by")
    qs = searched(qs, search, "title__icontains", "version_label__iexact",
                  "document_reference__icontains")
    return narrowed(qs, duty_station_id=duty_station or None, kind=kind, status=status)


def plan_get(*, user: AnyUser, pk: Any) -> EmergencyPlan:
    return get_visible(user, Perm.VIEW_EMERGENCY_PLANS, EmergencyPlan.objects.select_related(
        "duty_station", "owner", "approved_by", "last_edited_by"), pk=pk)


def plan_history(*, plan: EmergencyPlan) -> QuerySet[PlanEvent]:
    return plan.events.select_related("actor")


def plan_reviews(*, plan: EmergencyPlan) -> QuerySet[PlanReview]:
    return plan.reviews.select_related("reviewed_by")


def plan_tenure(plan: EmergencyPlan, reviews: list[dt.date] | None = None
                ) -> rules.Tenure | None:
    """The plan as the rules read it; None for a plan never approved."""
    if plan.approved_on is None:
        return None
    if reviews is None:
        reviews = list(plan.reviews.values_list("reviewed_on", flat=True))
    return rules.Tenure(kind=plan.kind, approved_on=plan.approved_on,
                        superseded_on=plan.superseded_on, reviews=tuple(reviews),
                        review_due_set=plan.review_due_set, plan_id=plan.pk)


def plan_review_due(plan: EmergencyPlan, *, on: dt.date | None = None,
                    settings: dict[str, rules.KindPolicy] | None = None) -> dt.date | None:
    """When a plan in force is next due for review (None for one not in force)."""
    if plan.status != PlanStatus.APPROVED:
        return None
    tenure = plan_tenure(plan)
    if tenure is None:
        return None
    rule = (settings or policy())[plan.kind]
    return rules.review_due(tenure.basis(on or timezone.localdate()), rule.review_months,
                            tenure.review_due_set)


def plans_awaiting_approval(*, user: AnyUser) -> QuerySet[EmergencyPlan]:
    """The designated official's queue: plans submitted in their scope."""
    return visible(user, Perm.APPROVE_EMERGENCY_PLAN, EmergencyPlan.objects.select_related(
        "duty_station")).filter(status=PlanStatus.SUBMITTED).order_by("submitted_at", "pk")


def plans_due_for_review(*, user: AnyUser, within_days: int = 60,
                         on: dt.date | None = None) -> list[dict[str, Any]]:
    """Plans in force, in the user's scope, due for review within ``within_days`` or overdue,
    the earliest first."""
    on = on or timezone.localdate()
    settings = policy()
    plans = list(visible(user, Perm.MANAGE_EMERGENCY_PLANS, EmergencyPlan.objects
                         .select_related("duty_station")).filter(status=PlanStatus.APPROVED)
                 .prefetch_related("reviews"))
    found = []
    for plan in plans:
        tenure = plan_tenure(plan, [r.reviewed_on for r in plan.reviews.all()])
        if tenure is None:
            continue
        due = rules.review_due(tenure.basis(on), settings[plan.kind].review_months,
                               tenure.review_due_set)
        if due <= on + dt.timedelta(days=within_days):
            found.append({"plan": plan, "due": due, "overdue": due < on})
    return sorted(found, key=lambda row: (row["due"], row["plan"].pk))


# --- Drills and corrective actions ------------------------------------------------------------

def drills_seen(user: AnyUser) -> QuerySet[Drill]:
    return visible(user, Perm.VIEW_EMERGENCY_PLANS, Drill.objects.all())


def drill_list(*, user: AnyUser, search: str = "", duty_station: Any = None, kind: str = "",
               since: dt.date | None = None, until: dt.date | None = None) -> QuerySet[Drill]:
    qs = drills_seen(user).select_related("duty_station", "premises").annotate(
        open_actions=Count("corrective_actions",
                           filter=Q(corrective_actions__status=ActionStatus.OPEN)))
    qs = searched(qs, search, "findings__icontains")
    return narrowed(qs, duty_station_id=duty_station or None, kind=kind, held_on__gte=since,
                    held_on__lte=until)


def drill_get(*, user: AnyUser, pk: Any) -> Drill:
    return get_visible(user, Perm.VIEW_EMERGENCY_PLANS, Drill.objects.select_related(
        "duty_station", "premises", "recorded_by").prefetch_related(
        Prefetch("plans", queryset=EmergencyPlan.objects.order_by("kind"))), pk=pk)


def drill_actions(*, drill: Drill) -> QuerySet[CorrectiveAction]:
    return drill.corrective_actions.select_related("closed_by").order_by("status", "due_on",
                                                                         "pk")


def testable_plans(*, station: DutyStation | None) -> QuerySet[EmergencyPlan]:
    """The plans a drill at a station may test: the station's plans that are not drafts."""
    qs = EmergencyPlan.objects.exclude(status=PlanStatus.DRAFT).select_related("duty_station")
    return qs.filter(duty_station=station) if station is not None else qs


def action_list(*, user: AnyUser, status: str = "", duty_station: Any = None,
                overdue: bool = False, on: dt.date | None = None
                ) -> QuerySet[CorrectiveAction]:
    qs = visible(user, Perm.VIEW_EMERGENCY_PLANS, CorrectiveAction.objects.select_related(
        "drill", "drill__duty_station"))
    if overdue:
        qs = qs.filter(status=ActionStatus.OPEN, due_on__lt=on or timezone.localdate())
    return narrowed(qs, status=status, drill__duty_station_id=duty_station or None)


def action_get(*, user: AnyUser, pk: Any) -> CorrectiveAction:
    return get_visible(user, Perm.VIEW_EMERGENCY_PLANS, CorrectiveAction.objects.select_related(
        "drill", "drill__duty_station"), pk=pk)


def open_actions(*, user: AnyUser) -> QuerySet[CorrectiveAction]:
    """The HQ security officer's queue: open corrective actions, the earliest due first."""
    return visible(user, Perm.MANAGE_EMERGENCY_PLANS, CorrectiveAction.objects.select_related(
        "drill", "drill__duty_station")).filter(status=ActionStatus.OPEN).order_by("due_on",
                                                                                   "pk")


# --- The status of stations (SP1.c) -----------------------------------------------------------

def _records(station_ids: list[int]) -> tuple[dict[int, list[rules.Tenure]],
                                              dict[int, list[rules.Drilled]]]:
    """Every approval (with its reviews) and every drill (with the kinds it tested) of the
    stations: four queries whatever their number."""
    reviews: dict[int, list[dt.date]] = defaultdict(list)
    for plan_id, day in PlanReview.objects.filter(
            plan__duty_station_id__in=station_ids).values_list("plan_id", "reviewed_on"):
        reviews[plan_id].append(day)
    tenures: dict[int, list[rules.Tenure]] = defaultdict(list)
    for plan in EmergencyPlan.objects.filter(duty_station_id__in=station_ids,
                                             approved_on__isnull=False).only(
            "pk", "duty_station_id", "kind", "approved_on", "superseded_on", "review_due_set"):
        tenure = plan_tenure(plan, reviews[plan.pk])
        if tenure is not None:
            tenures[plan.duty_station_id].append(tenure)
    kinds: dict[int, set[str]] = defaultdict(set)
    for drill_id, kind in Drill.plans.through.objects.filter(
            drill__duty_station_id__in=station_ids).values_list("drill_id",
                                                                 "emergencyplan__kind"):
        kinds[drill_id].add(kind)
    tests: dict[int, list[rules.Drilled]] = defaultdict(list)
    for drill_id, station_id, held_on in Drill.objects.filter(
            duty_station_id__in=station_ids).values_list("pk", "duty_station_id", "held_on"):
        if kinds[drill_id]:
            tests[station_id].append(rules.Drilled(held_on, frozenset(kinds[drill_id])))
    return tenures, tests


def board(*, user: AnyUser, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Each station in the user's scope with its status on ``on`` (today by default)."""
    return plans_status_on(on=on or timezone.localdate(), user=user)


def plans_status_on(*, on: dt.date, user: AnyUser | None = None) -> list[dict[str, Any]]:
    """SP1.c on a day: per headquarters duty station and regional commission (those the user
    may see, or all without a user), whether its plans are updated and tested as required,
    and why not."""
    stations = list(hq_stations(user=user))
    tenures, tests = _records([s.pk for s in stations])
    settings = policy()
    return [{"station": s, "status": rules.station_status(on, tenures[s.pk], tests[s.pk],
                                                          settings)} for s in stations]


# How a station's plans reach a region, a country and a duty station (the station itself).
# Plans belong to the duty station, not to an organization.
STATION_PATHS = SlicePaths(country="country", duty_station="pk")


@overload
def plans_status_over(*, start: dt.date, end: dt.date, user: AnyUser | None = None
                      ) -> list[dict[str, Any]]: ...


@overload
def plans_status_over(*, start: dt.date, end: dt.date, user: AnyUser | None = None,
                      within: Slice) -> list[dict[str, Any]] | None: ...


def plans_status_over(*, start: dt.date, end: dt.date, user: AnyUser | None = None,
                      within: Slice | None = None) -> list[dict[str, Any]] | None:
    """SP1.c over a period: per station, whether its plans were updated and tested as
    required on every day from ``start`` to ``end``, the days they were not, and the status
    on the last day. ``within`` keeps the stations of one region, country or duty station;
    None when the slice cannot place a station (an organization)."""
    condition = (within or Slice.system()).q(STATION_PATHS)
    if condition is None:
        return None
    stations = list(hq_stations(user=user).filter(condition))
    tenures, tests = _records([s.pk for s in stations])
    settings = policy()
    return [{"station": s, "period": rules.status_over(start, end, tenures[s.pk], tests[s.pk],
                                                       settings)} for s in stations]


def station_today(station: Any) -> dt.date:
    """Today at the duty station: the day an approval or a review is dated, and the day a
    station's status is read on unless another is asked."""
    try:
        zone = ZoneInfo(station.time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def station_status(*, station: DutyStation, on: dt.date | None = None
                   ) -> rules.StationStatus:
    tenures, tests = _records([station.pk])
    return rules.station_status(on or station_today(station), tenures[station.pk],
                                tests[station.pk], policy())
