"""Reads of host-country cooperation, narrowed to what the reader may see: the countries with
their figures (one query whatever their number), each country's agreements, support, liaison
meetings, ratings and the incidents against UN personnel with how they were handled, the
analysis of a period (host_rules.summarize), and the home queues.

"Incidents against UN personnel" are the incidents in which named UN personnel or dependants
were affected, as the incidents app says (incidents.selectors.with_personnel_affected), among
those the reader may see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from vigil.coordination import host_rules as rules
from vigil.coordination.models import (
    EngagementRating,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    LiaisonMeeting,
)
from vigil.core.authz import Perm, get_visible, visible
from vigil.core.errors import NotFound
from vigil.core.selectors import narrowed, searched
from vigil.incidents.models import Incident
from vigil.incidents.selectors import incidents_seen, with_personnel_affected
from vigil.places.models import Country, DutyStation

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

WINDOW_DAYS = 365
PAGE_ROWS = 50


def in_force_q(start: str, end: str, on: dt.date) -> Q:
    """host_rules.in_force as a database condition on two date columns."""
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True})
                                         | Q(**{f"{end}__gte": on}))


def window_start(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) - dt.timedelta(days=WINDOW_DAYS)


def occurred_since(day: dt.date) -> Q:
    """Incidents that occurred on ``day`` or later (in the current time zone): the same rows
    as ``occurred_at__date__gte=day``, as a bound on the column itself, so that the database
    walks the index (country_id, occurred_at) instead of converting every row's time."""
    return Q(occurred_at__gte=timezone.make_aware(dt.datetime.combine(day, dt.time.min)))


# --- Countries --------------------------------------------------------------------------------

def host_countries(*, user: AnyUser, perm: Perm = Perm.VIEW_COORDINATION
                   ) -> QuerySet[Country]:
    """The countries in the user's scope where the UN is present (an active duty station) or
    that already have a record of host-country cooperation."""
    def has(model: Any) -> Exists:
        return Exists(model.objects.filter(country=OuterRef("pk")))

    present = Exists(DutyStation.objects.filter(country=OuterRef("pk"), is_active=True))
    return visible(user, perm, Country.objects.all()).filter(
        present | has(HostAgreement) | has(HostSupport) | has(LiaisonMeeting)
        | has(EngagementRating)).order_by("name")


def _count(qs: QuerySet[Any]) -> Coalesce:
    return Coalesce(Subquery(qs.order_by().values("country").annotate(
        n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def personnel_incidents(*, user: AnyUser) -> QuerySet[Incident]:
    """Incidents against UN personnel the user may see, everywhere."""
    return with_personnel_affected(incidents_seen(user))


INCIDENT_FIGURES = ("incidents_12m", "investigated_12m", "arrests_12m", "prosecuted_12m",
                    "unhandled_12m")


def _incident_figures(recent: QuerySet[Incident]) -> dict[str, Any]:
    """The figures of ``recent`` (incidents against UN personnel of the window), as
    aggregates: how many, investigated, with arrests, prosecuted, without recorded handling."""
    return {
        "incidents_12m": Count("pk"),
        "investigated_12m": Count("pk", filter=Q(
            host_handling__investigation__in=rules.INVESTIGATED)),
        "arrests_12m": Count("pk", filter=Q(host_handling__arrests__gt=0)),
        "prosecuted_12m": Count("pk", filter=Q(host_handling__prosecution__in=rules.PROSECUTED)),
        "unhandled_12m": Count("pk", filter=Q(host_handling__isnull=True)),
    }


def _with_incident_figures(qs: QuerySet[Country], recent: QuerySet[Incident]
                           ) -> QuerySet[Country]:
    """``qs`` whose countries, when read, each carry the INCIDENT_FIGURES of ``recent``: one
    grouped query for the countries read (a page: 50), instead of five subqueries per country
    that each walk the country's incidents."""

    class _WithFigures(ModelIterable):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            rows = list(super().__iter__())
            found: dict[int, dict[str, int]] = {}
            if rows:
                grouped: Any = recent.filter(country_id__in=[c.pk for c in rows]).order_by(
                    ).values("country_id").annotate(**_incident_figures(recent))
                for figures in grouped:
                    found[figures.pop("country_id")] = figures
            for country in rows:
                figures = found.get(country.pk, {})
                for name in INCIDENT_FIGURES:
                    setattr(country, name, figures.get(name, 0))
                yield country

    qs._iterable_class = _WithFigures  # the hook Django gives for row classes
    return qs


def country_list(*, user: AnyUser, search: str = "", score: Any = "", trend: str = "",
                 on: dt.date | None = None, order_by_incidents: bool = False
                 ) -> QuerySet[Country]:
    """Each country in scope with its latest two scores, agreements in force, active support,
    last liaison meeting, and the incidents against UN personnel of the last 12 months with
    how many were investigated, led to arrests or were prosecuted (INCIDENT_FIGURES: read for
    the countries read, in one query; ``order_by_incidents`` also annotates ``incidents_12m``
    for a list sorted by it)."""
    on = on or timezone.localdate()
    ratings = EngagementRating.objects.filter(country=OuterRef("pk")).order_by("-period_start")
    recent = personnel_incidents(user=user).filter(occurred_since(window_start(on)))
    qs = host_countries(user=user).annotate(
        latest_score=Subquery(ratings.values("score")[:1]),
        previous_score=Subquery(ratings.values("score")[1:2]),
        latest_period_end=Subquery(ratings.values("period_end")[:1]),
        agreements_in_force=_count(HostAgreement.objects.filter(
            in_force_q("in_force_from", "in_force_until", on), country=OuterRef("pk"))),
        support_active=_count(HostSupport.objects.filter(
            in_force_q("starts_on", "ends_on", on), country=OuterRef("pk"))),
        support_not_delivered=_count(HostSupport.objects.filter(
            in_force_q("starts_on", "ends_on", on), country=OuterRef("pk"), reliable=False)),
        last_meeting=Subquery(LiaisonMeeting.objects.filter(country=OuterRef("pk")).order_by(
            "-held_on").values("held_on")[:1]),
    )
    if order_by_incidents:
        qs = qs.annotate(incidents_12m=_count(recent.filter(country=OuterRef("pk"))))
    qs = qs.annotate(trend_code=trend_case("latest_score", "previous_score"))
    qs = searched(qs, search, "name__icontains", "iso2__iexact", "iso3__iexact")
    return _with_incident_figures(narrowed(qs, latest_score=score or None, trend_code=trend),
                                  recent)


def trend_case(latest: str, previous: str) -> Case:
    """host_rules.trend of the last two scores, as a database expression."""
    return Case(
        When(Q(**{f"{latest}__isnull": True}) | Q(**{f"{previous}__isnull": True}),
             then=Value(rules.Trend.NONE.value)),
        When(**{f"{latest}__gt": F(previous)}, then=Value(rules.Trend.IMPROVING.value)),
        When(**{f"{latest}__lt": F(previous)}, then=Value(rules.Trend.WORSENING.value)),
        default=Value(rules.Trend.STABLE.value), output_field=CharField())


def country_trend(country: Any) -> rules.Trend:
    """The trend of a row of ``country_list``."""
    scores = [s for s in (country.previous_score, country.latest_score) if s is not None]
    return rules.trend(scores)


def country_get(*, user: AnyUser, pk: Any) -> Country:
    return get_visible(user, Perm.VIEW_COORDINATION, host_countries(user=user), pk=pk)


# --- Records ----------------------------------------------------------------------------------

def agreement_list(*, user: AnyUser, country: Any = None, search: str = "", kind: str = ""
                   ) -> QuerySet[HostAgreement]:
    qs = visible(user, Perm.VIEW_COORDINATION, HostAgreement.objects.select_related("country"))
    qs = searched(qs, search, "title__icontains", "reference__icontains")
    return narrowed(qs, country=country or None, kind=kind)


def agreement_get(*, user: AnyUser, pk: Any) -> HostAgreement:
    return get_visible(user, Perm.VIEW_COORDINATION,
                       HostAgreement.objects.select_related("country"), pk=pk)


def support_list(*, user: AnyUser, country: Any = None, kind: str = ""
                 ) -> QuerySet[HostSupport]:
    qs = visible(user, Perm.VIEW_COORDINATION, HostSupport.objects.select_related(
        "country", "duty_station", "agreement"))
    return narrowed(qs, country=country or None, kind=kind)


def support_get(*, user: AnyUser, pk: Any) -> HostSupport:
    return get_visible(user, Perm.VIEW_COORDINATION, HostSupport.objects.select_related(
        "country", "duty_station", "agreement"), pk=pk)


def meeting_list(*, user: AnyUser, country: Any = None, search: str = ""
                 ) -> QuerySet[LiaisonMeeting]:
    qs = visible(user, Perm.VIEW_COORDINATION, LiaisonMeeting.objects.select_related(
        "country", "recorded_by"))
    qs = searched(qs, search, "host_authority__icontains", "topics__icontains")
    return narrowed(qs, country=country or None)


def meeting_get(*, user: AnyUser, pk: Any) -> LiaisonMeeting:
    return get_visible(user, Perm.VIEW_COORDINATION, LiaisonMeeting.objects.select_related(
        "country", "recorded_by"), pk=pk)


def handling_list(*, user: AnyUser, country: Any = None, investigation: str = "",
                  prosecution: str = "") -> QuerySet[IncidentHandling]:
    qs = visible(user, Perm.VIEW_COORDINATION, IncidentHandling.objects.select_related(
        "country", "incident")).filter(incident__in=personnel_incidents(user=user))
    return narrowed(qs, country=country or None, investigation=investigation,
                    prosecution=prosecution)


def handling_get(*, user: AnyUser, pk: Any) -> IncidentHandling:
    return get_visible(user, Perm.VIEW_COORDINATION, handling_list(user=user), pk=pk)


def rating_list(*, user: AnyUser, country: Any = None) -> QuerySet[EngagementRating]:
    qs = visible(user, Perm.VIEW_COORDINATION, EngagementRating.objects.select_related(
        "country", "rated_by"))
    return narrowed(qs, country=country or None)


def rating_get(*, user: AnyUser, pk: Any) -> EngagementRating:
    return get_visible(user, Perm.VIEW_COORDINATION, EngagementRating.objects.select_related(
        "country", "rated_by"), pk=pk)


def rating_periods(*, country: Any) -> list[rules.Period]:
    """Every rating period of a country, whoever may see it: overlap is checked against all."""
    return [rules.Period(s, e, pk) for pk, s, e in EngagementRating.objects.filter(
        country=country).values_list("pk", "period_start", "period_end")]


# --- Incidents against UN personnel -----------------------------------------------------------

def incident_candidates(*, user: AnyUser) -> QuerySet[Incident]:
    """The incidents whose handling the user may record: against UN personnel, visible to
    them, in a country where they manage host-country cooperation."""
    countries = visible(user, Perm.MANAGE_HOST_COUNTRY, Country.objects.all())
    return personnel_incidents(user=user).filter(country__in=countries)


def incident_candidate_get(*, user: AnyUser, pk: Any) -> Incident:
    found = personnel_incidents(user=user).select_related("country", "category").filter(
        pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def country_incidents(*, user: AnyUser, country: Country, since: dt.date | None = None
                      ) -> QuerySet[Incident]:
    qs = personnel_incidents(user=user).filter(country=country).select_related(
        "category", "host_handling").order_by("-occurred_at", "-pk")
    return qs.filter(occurred_since(since)) if since else qs


def country_analysis(*, user: AnyUser, country: Country, since: dt.date | None = None
                     ) -> rules.Summary:
    """The analysis of the incidents against UN personnel in the country since ``since``
    (all of them without), one query."""
    rows = country_incidents(user=user, country=country, since=since).values_list(
        "host_handling__pk", "host_handling__investigation", "host_handling__prosecution",
        "host_handling__arrests", "host_handling__reported_on")
    return rules.summarize([
        rules.Handling(inv, pros, arrests, reported) if pk is not None else None
        for pk, inv, pros, arrests, reported in rows])


def country_follow_ups(*, country: Country) -> list[rules.FollowUp]:
    return rules.open_follow_ups([
        rules.FollowUp(pk, authority, held, due) for pk, authority, held, due in
        LiaisonMeeting.objects.filter(country=country).values_list(
            "pk", "host_authority", "held_on", "follow_up_due")])


# --- Home queues ------------------------------------------------------------------------------

def ratings_due(*, user: AnyUser, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Countries where the user manages host-country cooperation and whose rating of the
    last quarter is not made yet."""
    today = today or timezone.localdate()
    rows = host_countries(user=user, perm=Perm.MANAGE_HOST_COUNTRY).annotate(
        last_end=Max("engagement_ratings__period_end"))
    found = []
    for country in rows:
        period = rules.due_rating_period(country.last_end, today)
        if period is not None:
            found.append({"country": country, "period": period})
    return found


def follow_ups_due(*, user: AnyUser, within_days: int = 14,
                   today: dt.date | None = None) -> list[dict[str, Any]]:
    """Open liaison follow-ups due within ``within_days`` or overdue, where the user manages
    host-country cooperation."""
    today = today or timezone.localdate()
    meetings = visible(user, Perm.MANAGE_HOST_COUNTRY, LiaisonMeeting.objects.all())
    rows = list(meetings.values_list("pk", "host_authority", "held_on", "follow_up_due",
                                     "country_id"))
    by_country: dict[int, list[rules.FollowUp]] = {}
    for pk, authority, held, due, country_id in rows:
        by_country.setdefault(country_id, []).append(rules.FollowUp(pk, authority, held, due))
    open_ids = {f.meeting_id: f.due for items in by_country.values()
                for f in rules.open_follow_ups(items)
                if f.due is not None and f.due <= today + dt.timedelta(days=within_days)}
    if not open_ids:
        return []
    found = meetings.filter(pk__in=list(open_ids)).select_related("country")
    return sorted(({"meeting": m, "due": open_ids[m.pk]} for m in found),
                  key=lambda r: (r["due"], r["meeting"].pk))


def unhandled_incidents(*, user: AnyUser, today: dt.date | None = None
                        ) -> QuerySet[Incident]:
    """Incidents against UN personnel of the last 12 months with no handling recorded, where
    the user may record it, the newest first."""
    return incident_candidates(user=user).filter(
        occurred_since(window_start(today)), host_handling__isnull=True).select_related(
        "country").order_by("-occurred_at", "-pk")
