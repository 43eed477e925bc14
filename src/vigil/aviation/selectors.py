"""Every read of aviation advice, narrowed to what the user may see.

The operator registry and the assessment history are reference data for every signed-in user
with a grant (DSS shares its suitability advice with travellers and focal points). Advice
requests are seen by those who answer them (the aviation officer) and by those who may ask in
the request's country."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from vigil.aviation import rules
from vigil.aviation.models import AdviceRequest, Assessment, AviationSettings
from vigil.core.authz import Perm, get_visible, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.places.models import Country
from vigil.travel import selectors as travel_selectors

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.travel.models import AirOperator


def aviation_settings() -> AviationSettings:
    return AviationSettings.objects.get_or_create(pk=1)[0]


# --- Operators and assessments -------------------------------------------------------------------

def operator_registry(*, user: AnyUser, search: str = "", suitability: str = "",
                      country: str = "", active: str = "", aoc_state: str = "",
                      expiring: str = "") -> QuerySet[AirOperator]:
    """The air operators with their suitability in force. ``expiring``: "yes" keeps those
    whose assessment lapses within 30 days or has lapsed."""
    qs = visible(user, Perm.VIEW_REFERENCE, travel_selectors.operator_list(
        search=search, suitability=suitability, country=country, active=active))
    qs = narrowed(qs, aoc_state=aoc_state)
    if expiring == "yes":
        qs = qs.filter(suitability_valid_until__lte=timezone.localdate()
                       + dt.timedelta(days=30))
    return qs


def operator_get(*, user: AnyUser, pk: Any) -> AirOperator:
    operator = operator_registry(user=user).filter(pk=pk).first()
    if operator is None:
        raise NotFound()
    return operator


def assessment_history(*, user: AnyUser, operator: AirOperator) -> QuerySet[Assessment]:
    return visible(user, Perm.VIEW_REFERENCE, Assessment.objects.filter(
        operator=operator).select_related("assessor").order_by("-assessed_on", "-pk"))


def assessment_list(*, user: AnyUser, outcome: str = "", search: str = ""
                    ) -> QuerySet[Assessment]:
    qs = visible(user, Perm.VIEW_REFERENCE, Assessment.objects.select_related(
        "operator", "operator__country", "assessor"))
    qs = narrowed(qs, outcome=outcome)
    return searched(qs, search, "operator__name__icontains", "operator__iata__iexact",
                    "operator__icao__iexact")


def operator_standing(operator_id: int, on: dt.date) -> rules.Standing:
    """The suitability the assessments of an operator put in force on a day (Vigil's own
    read, for writing the operator's record)."""
    return rules.standing([a.facts() for a in Assessment.objects.filter(
        operator_id=operator_id)], on)


def operators_flagged_without_assessment() -> QuerySet[AirOperator]:
    """Operators whose suitability was set without an assessment (Vigil's own read)."""
    return travel_selectors.operator_list().filter(
        suitability__in=rules.ASSESSED, assessments__isnull=True)


def operators_lapsed(on: dt.date) -> QuerySet[AirOperator]:
    """Operators whose suitability in force ended before ``on`` (Vigil's own read)."""
    return travel_selectors.operator_list().filter(suitability_valid_until__lt=on)


def operators_due(*, user: AnyUser, within_days: int = 30) -> QuerySet[AirOperator]:
    """Assessments lapsing within ``within_days`` or lapsed: the aviation officer's review
    queue."""
    if not has_perm_anywhere(user, Perm.ASSESS_AIR_OPERATOR):
        return travel_selectors.operator_list().none()
    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return travel_selectors.operator_list().filter(
        suitability_valid_until__lte=limit).order_by("suitability_valid_until", "name")


# --- Advice requests ---------------------------------------------------------------------------

def countries_to_ask_for(*, user: AnyUser) -> QuerySet[Country]:
    """The countries the user may ask advice for."""
    return visible(user, Perm.REQUEST_AVIATION_ADVICE, Country.objects.all()).order_by("iso2")


def _advice_base() -> QuerySet[AdviceRequest]:
    return AdviceRequest.objects.select_related("requester", "country", "operator",
                                                "answered_by")


def advice_visible(user: AnyUser) -> QuerySet[AdviceRequest]:
    """Requests the user answers, or may ask in their country."""
    answering = visible(user, Perm.ANSWER_AVIATION_ADVICE, _advice_base())
    asking = visible(user, Perm.REQUEST_AVIATION_ADVICE, _advice_base())
    return _advice_base().filter(Q(pk__in=answering.values("pk"))
                                 | Q(pk__in=asking.values("pk")))


def advice_list(*, user: AnyUser, status: str = "", search: str = "", country: str = "",
                mine: bool = False) -> QuerySet[AdviceRequest]:
    qs = narrowed(advice_visible(user), status=status, country__iso2=country.upper())
    if mine:
        qs = qs.filter(requester_id=user.pk)
    return searched(qs, search, "question__icontains", "operator__name__icontains",
                    "origin__icontains", "destination__icontains")


def advice_inbox(*, user: AnyUser, search: str = "", country: str = ""
                 ) -> QuerySet[AdviceRequest]:
    """The open requests the user answers, oldest first."""
    qs = visible(user, Perm.ANSWER_AVIATION_ADVICE, _advice_base()).filter(
        status=rules.ADVICE_NEW)
    qs = narrowed(qs, country__iso2=country.upper())
    return searched(qs, search, "question__icontains", "operator__name__icontains",
                    "origin__icontains", "destination__icontains").order_by("asked_at", "pk")


def advice_get(*, user: AnyUser, pk: Any) -> AdviceRequest:
    return get_visible(user, Perm.VIEW_REFERENCE, advice_visible(user), pk=pk)


# How an advice request reaches a slice: the country it is asked for (and so its region), and
# the organization on the asking focal point's staff record. It names no duty station.
ADVICE_PATHS = SlicePaths(country="country", organization="requester__person__organization")


def _figures(qs: QuerySet[AdviceRequest], start: dt.date, end: dt.date,
             now: dt.datetime | None) -> rules.AdviceFigures:
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    rows = qs.filter(asked_at__gte=begin, asked_at__lt=stop).values_list(
        "asked_at", "answered_at", "status")
    return rules.advice_figures(
        [rules.AdviceRow(asked, answered, closed_unanswered=answered is None
                         and status == rules.ADVICE_CLOSED) for asked, answered, status in rows],
        aviation_settings().advice_target_hours, now or timezone.now())


def advice_figures(*, user: AnyUser, start: dt.date, end: dt.date,
                   now: dt.datetime | None = None) -> rules.AdviceFigures:
    """SP2.2.d over the requests asked from ``start`` to ``end`` (inclusive, UTC days) that
    the user may see."""
    return _figures(advice_visible(user), start, end, now)


def advice_requests_in(*, within: Slice | None = None) -> QuerySet[AdviceRequest] | None:
    """Every advice request inside the slice (Vigil's own read, for programme performance);
    None when the slice cannot hold them (a duty station)."""
    where = (within or Slice.system()).q(ADVICE_PATHS)
    return None if where is None else _advice_base().filter(where)


def advice_figures_within(*, start: dt.date, end: dt.date, within: Slice | None = None,
                          now: dt.datetime | None = None) -> rules.AdviceFigures | None:
    """SP2.2.d over every request asked from ``start`` to ``end`` (inclusive, UTC days) inside
    the slice, judged against the aviation settings' target; None when the slice cannot hold
    advice requests."""
    qs = advice_requests_in(within=within)
    return None if qs is None else _figures(qs, start, end, now)
