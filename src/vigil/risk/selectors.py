"""Reads of security risk management, narrowed to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Perm, can, get_visible, visible
from vigil.core.errors import NotFound
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.people.models import Person
from vigil.places.models import Country, DutyStation, Premises, SecurityArea
from vigil.risk import proposals, rules
from vigil.risk.models import (
    ComplianceAssessment,
    Mission,
    MissionRecommendation,
    MossDocument,
    PremisesSurvey,
    ProgrammeActivity,
    Questionnaire,
    RiskEntry,
    RiskSettings,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
    SraVersion,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def risk_settings() -> RiskSettings:
    return RiskSettings.objects.get(pk=1)


# How each record type reaches the places a programme figure is computed for (core.slices).
LEVEL_REVIEW_PATHS = SlicePaths(country="security_area__country")
SRA_PATHS = SlicePaths(country="country")
MOSS_ASSESSMENT_PATHS = SlicePaths(country="duty_station__country", duty_station="duty_station")
PLAN_PATHS = SlicePaths(country="country", duty_station="duty_station")
# A country's UN presence is its active duty stations, placed by their country only (a
# figure over countries has no duty station slice).
PRESENCE_PATHS = SlicePaths(country="country")
DUTY_STATION_PATHS = SlicePaths(country="country", duty_station="pk")


def _readable(user: AnyUser | None, perm: Perm, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The reader's rows; every row for ``None``, which only a programme figure passes (its
    drill-down then lists the rows the viewer may open)."""
    return qs if user is None else visible(user, perm, qs)


def _sliced(qs: QuerySet[Any], within: Slice | None, paths: SlicePaths) -> QuerySet[Any] | None:
    """The rows inside the slice, or None when the record type cannot be placed in it."""
    if within is None:
        return qs
    condition = within.q(paths)
    return None if condition is None else qs.filter(condition)


def level_reviews(*, user: AnyUser, status: str = "", country: str = "",
                  area: Any = None) -> QuerySet[SecurityLevelReview]:
    qs = visible(user, Perm.VIEW_RISK, SecurityLevelReview.objects.select_related(
        "security_area", "security_area__country", "proposed_by", "decided_by"))
    return narrowed(qs, status=status, security_area__country__iso2=country.upper(),
                    security_area_id=area or None)


def level_review_get(*, user: AnyUser, pk: Any) -> SecurityLevelReview:
    return get_visible(user, Perm.VIEW_RISK, SecurityLevelReview.objects.select_related(
        "security_area", "security_area__country", "proposed_by", "decided_by", "reviewer"),
        pk=pk)


def area_get(*, user: AnyUser, pk: Any) -> SecurityArea:
    return get_visible(user, Perm.VIEW_RISK, SecurityArea.objects.select_related("country"),
                       pk=pk)


# --- The security level in force: the one home of that rule ----------------------------------

def _latest_approved() -> QuerySet[SecurityLevelReview]:
    """Approved reviews, the latest decision first and, of two decided at the same moment, the
    later record: an area's first one is its review in force."""
    return SecurityLevelReview.objects.filter(
        status=SecurityLevelReview.Status.APPROVED).order_by("-decided_at", "-pk")


def _in_force_of(area: Any) -> QuerySet[SecurityLevelReview]:
    """An area's approved reviews, the one in force first (``area``: an id or an OuterRef)."""
    return _latest_approved().filter(security_area=area)


def level_in_force(area_id: int | None) -> int | None:
    """The security level in force in an area, or None where none was ever approved."""
    if area_id is None:
        return None
    level: int | None = _in_force_of(area_id).values_list("proposed_level", flat=True).first()
    return level


def review_in_force(*, area_id: int) -> SecurityLevelReview | None:
    """The approved review that set the area's level in force."""
    return _in_force_of(area_id).select_related("decided_by").first()


def reviews_in_force() -> QuerySet[SecurityLevelReview]:
    """The review in force of every area that has one, in one query."""
    return _latest_approved().filter(
        pk=Subquery(_in_force_of(OuterRef("security_area_id")).values("pk")[:1]))


def with_level(areas: QuerySet[SecurityArea]) -> QuerySet[SecurityArea]:
    """Security areas annotated with ``current_level``, the level in force, in one query."""
    return areas.annotate(current_level=Subquery(
        _in_force_of(OuterRef("pk")).values("proposed_level")[:1]))


# Areas without any level first, then the longest overdue.
BY_DUE_DATE = F("next_review_due").asc(nulls_first=True)


def areas_with_levels(*, user: AnyUser, country: str = "", search: str = "",
                      overdue_only: bool = False) -> QuerySet[SecurityArea]:
    """Every security area in scope with its level in force, when that level must be
    reviewed, and any proposal in progress."""
    approved = _in_force_of(OuterRef("pk"))
    open_review = SecurityLevelReview.objects.filter(
        security_area=OuterRef("pk"), status__in=rules.OPEN_LEVEL_STATES)
    qs = visible(user, Perm.VIEW_RISK, SecurityArea.objects.select_related("country")).annotate(
        current_level=Subquery(approved.values("proposed_level")[:1]),
        current_review=Subquery(approved.values("pk")[:1]),
        approved_at=Subquery(approved.values("decided_at")[:1]),
        next_review_due=Subquery(approved.values("next_review_due")[:1]),
        open_review=Subquery(open_review.values("pk")[:1]),
        open_status=Subquery(open_review.values("status")[:1]),
    )
    qs = searched(qs, country.upper(), "country__iso2", "country__iso3")
    qs = searched(qs, search, "name__icontains", "code__icontains")
    if overdue_only:
        qs = qs.filter(Q(next_review_due__lt=timezone.localdate())
                       | Q(current_level__isnull=True))
    return qs


def awaiting_review(*, user: AnyUser) -> list[SecurityLevelReview]:
    """Proposals the user may decide: in their scope, not their own."""
    pending = level_reviews(user=user).filter(
        status__in=[SecurityLevelReview.Status.PROPOSED,
                    SecurityLevelReview.Status.UNDER_REVIEW]).exclude(
        proposed_by_id=user.pk).order_by("proposed_at")
    return [r for r in pending if can(user, Perm.REVIEW_SECURITY_LEVEL, r)]


def level_reviews_judged(*, user: AnyUser | None, since: dt.date | None = None,
                         until: dt.date | None = None, within: Slice | None = None
                         ) -> QuerySet[SecurityLevelReview] | None:
    """The approved level reviews decided from ``since`` to ``until`` (both days included, in
    the server's time zone), in the slice; None when a level review cannot be placed in that
    kind of slice. ``user`` None reads every review (a programme figure), else the reader's."""
    qs = _readable(user, Perm.VIEW_RISK, SecurityLevelReview.objects.select_related(
        "security_area", "security_area__country").filter(
        status=SecurityLevelReview.Status.APPROVED))
    if since is not None:
        qs = qs.filter(decided_at__date__gte=since)
    if until is not None:
        qs = qs.filter(decided_at__date__lte=until)
    return _sliced(qs, within, LEVEL_REVIEW_PATHS)


def review_days(review: SecurityLevelReview) -> float | None:
    """Days, fractions included, from a review's first proposal to its decision."""
    if review.decided_at is None:
        return None
    return (review.decided_at - review.proposed_at).total_seconds() / 86400


def review_timeliness(*, user: AnyUser | None, since: dt.date | None = None,
                      until: dt.date | None = None, within: Slice | None = None,
                      days: float = rules.LEVEL_REVIEW_DAYS) -> dict[str, Any]:
    """SP2.1.c.i, timely review and approval of security levels: of the approved reviews
    decided in the period (see ``level_reviews_judged``), how many were decided within
    ``days`` of their first proposal, the average and the median delay in days.
    ``applicable`` is False when the slice cannot hold level reviews."""
    qs = level_reviews_judged(user=user, since=since, until=until, within=within)
    if qs is None:
        return {"applicable": False, "count": 0, "on_time": 0, "average_days": None,
                "median_days": None, "days": days}
    delays = [d for d in map(review_days, qs) if d is not None]
    middle = rules.median(delays)
    return {"applicable": True, "count": len(delays),
            "on_time": sum(1 for d in delays if rules.within_days(d, days)),
            "average_days": round(sum(delays) / len(delays), 1) if delays else None,
            "median_days": round(middle, 1) if middle is not None else None, "days": days}


def level_features(*, areas: QuerySet[SecurityArea]) -> dict[str, Any]:
    """GeoJSON of areas with a boundary, each with its current level."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": a.pk, "geometry": a.boundary,
         "properties": {"name": a.name, "code": a.code, "country": a.country.iso2,
                        "level": getattr(a, "current_level", None)}}
        for a in areas if a.boundary]}


# --- Security risk assessments ----------------------------------------------------------------

def sra_list(*, user: AnyUser, search: str = "", country: str = "", status: str = "",
             past_review: bool = False) -> QuerySet[SecurityRiskAssessment]:
    qs = visible(user, Perm.VIEW_RISK, SecurityRiskAssessment.objects.select_related(
        "country", "security_area"))
    qs = narrowed(searched(qs, search, "title__icontains"), country__iso2=country.upper(),
                  status=status)
    if past_review:
        # Only assessments in force (or on their way to it) fall due.
        qs = qs.filter(review_due__lt=timezone.localdate()).exclude(
            status__in=[SecurityRiskAssessment.Status.DRAFT,
                        SecurityRiskAssessment.Status.SUPERSEDED])
    return qs


def sra_get(*, user: AnyUser, pk: Any) -> SecurityRiskAssessment:
    return get_visible(user, Perm.VIEW_RISK, SecurityRiskAssessment.objects.select_related(
        "country", "security_area", "submitted_by", "approved_by", "endorsed_by"), pk=pk)


@dataclass
class RegisterRow:
    entry: RiskEntry
    inherent: str
    residual: str
    # The evidence's proposal stored when the risk was saved, with the officer's likelihood
    # against it (proposals.shown); None without one.
    proposal: dict[str, Any] | None = None


def register(*, sra: SecurityRiskAssessment) -> list[RegisterRow]:
    """The register with each risk's inherent and residual level, by the matrix in force,
    and the evidence's proposal kept beside its likelihood."""
    matrix = risk_settings().matrix
    return [RegisterRow(e, rules.risk_level(matrix, e.likelihood, e.impact),
                        rules.risk_level(matrix, e.residual_likelihood, e.residual_impact),
                        proposals.shown(e.proposal, e.likelihood))
            for e in sra.entries.all()]


@dataclass
class ActivityRow:
    activity: ProgrammeActivity
    residual: str | None
    flag: rules.ActivityFlag | None


def activities(*, sra: SecurityRiskAssessment,
               rows: list[RegisterRow] | None = None) -> list[ActivityRow]:
    """Each activity against the highest residual risk of the register: acceptable for its
    criticality, not acceptable, or lacking the PC assessment it needs."""
    residual = rules.highest(r.residual for r in (rows if rows is not None
                                                  else register(sra=sra)))
    result = []
    for activity in sra.activities.select_related("organization"):
        flag = rules.activity_flag(activity.criticality or None, residual) if residual else None
        result.append(ActivityRow(activity, residual, flag))
    return result


def flagged_activities(*, user: AnyUser) -> list[dict[str, Any]]:
    """The board of programme criticality: every flagged activity of the SRAs in force
    (approved or endorsed) and in preparation, in scope."""
    board = []
    for sra in sra_list(user=user).exclude(status__in=[SecurityRiskAssessment.Status.DRAFT,
                                                       SecurityRiskAssessment.Status.SUPERSEDED]) \
            .prefetch_related("entries", "activities__organization"):
        for row in activities(sra=sra):
            if row.flag is not None:
                board.append({"sra": sra, "row": row})
    return board


def version_pair(*, sra: SecurityRiskAssessment, older: Any, newer: Any
                 ) -> tuple[SraVersion, SraVersion, dict[str, Any]] | None:
    versions = {v.number: v for v in sra.versions.filter(number__in=[older, newer])}
    try:
        a, b = versions[int(older)], versions[int(newer)]
    except (KeyError, TypeError, ValueError):
        return None
    return a, b, rules.snapshot_diff(a.snapshot, b.snapshot)


# --- MOSS -------------------------------------------------------------------------------------

def moss_documents(*, user: AnyUser, search: str = "", country: str = "", status: str = "",
                   kind: str = "") -> QuerySet[MossDocument]:
    qs = visible(user, Perm.VIEW_RISK, MossDocument.objects.select_related("country", "sra"))
    return narrowed(searched(qs, search, "title__icontains"), country__iso2=country.upper(),
                    status=status, kind=kind)


def moss_document_get(*, user: AnyUser, pk: Any) -> MossDocument:
    return get_visible(user, Perm.VIEW_RISK, MossDocument.objects.select_related(
        "country", "sra", "approved_by"), pk=pk)


def moss_assessments(*, user: AnyUser, document: Any = None
                     ) -> QuerySet[ComplianceAssessment]:
    qs = visible(user, Perm.VIEW_RISK, ComplianceAssessment.objects.select_related(
        "document", "duty_station", "premises", "residence_of", "assessor"))
    # A residence assessment names a staff member: personal data, need-to-know.
    known = visible(user, Perm.VIEW_PERSONAL_DATA, Person.objects.all()).values("pk")
    qs = qs.filter(Q(residence_of__isnull=True) | Q(residence_of__in=known))
    if document is not None:
        qs = qs.filter(document_id=document)
    return qs


def moss_assessment_get(*, user: AnyUser, pk: Any) -> ComplianceAssessment:
    assessment = moss_assessments(user=user).select_related("document__country").filter(
        pk=pk).first()
    if assessment is None:
        raise NotFound()
    if assessment.residence_of_id:
        audit.record_read(actor=user, action="risk.moss.read_residence", obj=assessment)
    return assessment


def compliance_trend(*, user: AnyUser, assessment: ComplianceAssessment
                     ) -> list[ComplianceAssessment]:
    """The final assessments of the same place, oldest first: how compliance moved."""
    same_place = Q(duty_station_id=assessment.duty_station_id) & (
        Q(premises_id=assessment.premises_id) if assessment.premises_id
        else Q(premises__isnull=True)) & (
        Q(residence_of_id=assessment.residence_of_id) if assessment.residence_of_id
        else Q(residence_of__isnull=True))
    return list(moss_assessments(user=user).filter(same_place, status="final",
                                                   compliance__isnull=False)
                .order_by("assessed_on", "pk"))


def approved_sras_for_moss(*, user: AnyUser) -> QuerySet[SecurityRiskAssessment]:
    return sra_list(user=user).filter(status__in=rules.APPROVED_STATES)


# --- Security plans ---------------------------------------------------------------------------

def plan_list(*, user: AnyUser, search: str = "", country: str = "", status: str = ""
              ) -> QuerySet[SecurityPlan]:
    qs = visible(user, Perm.VIEW_RISK, SecurityPlan.objects.select_related(
        "country", "duty_station"))
    return narrowed(searched(qs, search, "title__icontains"), country__iso2=country.upper(),
                    status=status)


def plan_get(*, user: AnyUser, pk: Any) -> SecurityPlan:
    return get_visible(user, Perm.VIEW_RISK, SecurityPlan.objects.select_related(
        "country", "duty_station", "approved_by", "endorsed_by"), pk=pk)


# --- Missions ---------------------------------------------------------------------------------

def mission_list(*, user: AnyUser, search: str = "", country: str = "", status: str = "",
                 kind: str = "") -> QuerySet[Mission]:
    qs = visible(user, Perm.VIEW_RISK, Mission.objects.select_related("country")).annotate(
        open_recommendations=Count("recommendations",
                                   filter=Q(recommendations__status="open"))
    ).order_by("-planned_start", "-pk")  # a grouped query drops Meta.ordering
    return narrowed(searched(qs, search, "purpose__icontains"), country__iso2=country.upper(),
                    status=status, kind=kind)


def mission_get(*, user: AnyUser, pk: Any) -> Mission:
    return get_visible(user, Perm.VIEW_RISK, Mission.objects.select_related("country"), pk=pk)


def mission_coverage(*, user: AnyUser | None, since: dt.date, until: dt.date,
                     within: Slice | None = None) -> dict[str, Any]:
    """SP2.1.c.ii: the countries with UN presence (an active duty station) in the reader's
    scope (``user`` None: every country) and in the slice, and which of them had a security
    assistance or assessment mission completed from ``since`` to ``until`` (both included).
    ``applicable`` is False when the slice cannot hold countries (a duty station or an
    organization)."""
    stations = _sliced(DutyStation.objects.filter(is_active=True), within, PRESENCE_PATHS)
    if stations is None:
        return {"applicable": False, "countries": 0, "visited": 0, "percent": None,
                "presence": set(), "visited_ids": set()}
    countries = _readable(user, Perm.VIEW_RISK, Country.objects.all()).values("pk")
    presence = set(stations.filter(country_id__in=countries).values_list("country_id",
                                                                          flat=True))
    missions = _readable(user, Perm.VIEW_RISK, Mission.objects.all())
    visited = set(missions.filter(status="completed", completed_on__gte=since,
                                  completed_on__lte=until).values_list("country_id", flat=True))
    return {"applicable": True, "countries": len(presence), "visited": len(presence & visited),
            "percent": rules.coverage_percent(presence, visited), "presence": presence,
            "visited_ids": presence & visited}


def open_recommendations(*, user: AnyUser) -> QuerySet[MissionRecommendation]:
    missions = mission_list(user=user).values("pk")
    return (MissionRecommendation.objects.filter(mission__in=missions, status="open")
            .select_related("mission", "mission__country").order_by("due"))


# --- Premises vulnerability surveys -----------------------------------------------------------

def surveyed_premises(*, user: AnyUser, search: str = "", country: str = ""
                      ) -> QuerySet[Premises]:
    """Premises in scope with their latest survey score."""
    latest = PremisesSurvey.objects.filter(premises=OuterRef("pk")).order_by(
        "-surveyed_on", "-pk")
    qs = visible(user, Perm.VIEW_RISK, Premises.objects.select_related(
        "duty_station", "duty_station__country")).annotate(
        last_score=Subquery(latest.values("score")[:1]),
        last_surveyed=Subquery(latest.values("surveyed_on")[:1]))
    return narrowed(searched(qs, search, "name__icontains", "duty_station__name__icontains"),
                    duty_station__country__iso2=country.upper())


def premises_for_survey(*, user: AnyUser, pk: Any) -> Premises:
    return get_visible(user, Perm.VIEW_RISK, Premises.objects.select_related(
        "duty_station", "duty_station__country"), pk=pk)


def surveys_of(*, user: AnyUser, premises: Premises) -> list[PremisesSurvey]:
    return list(visible(user, Perm.VIEW_RISK, PremisesSurvey.objects.filter(
        premises=premises).select_related("surveyor", "questionnaire")))


def active_questionnaire() -> Questionnaire | None:
    return Questionnaire.objects.filter(is_active=True).order_by("-pk").first()


# --- Programme performance: the measures the seed's indicators take from these records -------

def _latest_per_place(rows: list[Any], place: Any) -> list[Any]:
    """Of rows sorted oldest first, the last of each place (``place(row)`` its key)."""
    latest: dict[Any, Any] = {}
    for row in rows:
        latest[place(row)] = row
    return list(latest.values())


@dataclass(frozen=True)
class SraStanding:
    sra: SecurityRiskAssessment
    up_to_date: bool


def sras_in_force(*, user: AnyUser | None, on: dt.date, within: Slice | None = None
                  ) -> list[SraStanding] | None:
    """SP2.1.a.i: for each place (a country, or one of its security areas) the SRA that DRO
    had endorsed latest by the end of ``on`` (endorsed then, whether superseded since or not),
    each with ``up_to_date``: its review not past due on ``on``. None when the slice cannot
    hold SRAs (a duty station, an organization)."""
    qs = _sliced(_readable(user, Perm.VIEW_RISK, SecurityRiskAssessment.objects.select_related(
        "country", "security_area")), within, SRA_PATHS)
    if qs is None:
        return None
    endorsed = list(qs.filter(endorsed_at__isnull=False, endorsed_at__date__lte=on)
                    .order_by("endorsed_at", "pk"))
    latest = _latest_per_place(endorsed, lambda s: (s.country_id, s.security_area_id))
    latest.sort(key=lambda s: (s.country.name, str(s.security_area or ""), s.pk))
    return [SraStanding(sra, rules.up_to_date(sra.review_due, on)) for sra in latest]


def _with_counts(qs: QuerySet[ComplianceAssessment]) -> QuerySet[ComplianceAssessment]:
    """Assessments with their compliant and applicable (not "not applicable") items."""
    return qs.annotate(
        compliant_items=Count("results", filter=Q(results__state="compliant")),
        applicable_items=Count("results", filter=~Q(results__state="not_applicable")))


def item_counts(assessments: list[ComplianceAssessment]) -> tuple[int, int]:
    """The compliant and the applicable items of some assessments (from ``_with_counts``)."""
    return (sum(getattr(a, "compliant_items", 0) for a in assessments),
            sum(getattr(a, "applicable_items", 0) for a in assessments))


def _latest_assessments(qs: QuerySet[ComplianceAssessment]) -> list[ComplianceAssessment]:
    """The latest of each place's assessments (duty station, premises or residence)."""
    rows = list(_with_counts(qs).order_by("assessed_on", "pk"))
    return _latest_per_place(rows, lambda a: (a.duty_station_id, a.premises_id,
                                              a.residence_of_id))


HQ_KINDS = (DutyStation.Kind.HEADQUARTERS, DutyStation.Kind.REGIONAL_COMMISSION)


def hq_moss_compliance(*, user: AnyUser | None, since: dt.date, until: dt.date,
                       within: Slice | None = None) -> list[ComplianceAssessment] | None:
    """SP1.a.i: the final H-MOSS assessments of headquarters duty stations and regional
    commissions (the station or one of its premises) made from ``since`` to ``until`` (both
    days included), the latest of each place only, each with ``compliant_items`` and
    ``applicable_items``. None when the slice cannot hold them (an organization)."""
    qs = _sliced(_readable(user, Perm.VIEW_RISK, ComplianceAssessment.objects.select_related(
        "document", "duty_station", "premises")), within, MOSS_ASSESSMENT_PATHS)
    if qs is None:
        return None
    return _latest_assessments(qs.filter(
        status=ComplianceAssessment.Status.FINAL, document__kind=MossDocument.Kind.HQ,
        duty_station__kind__in=HQ_KINDS, residence_of__isnull=True,
        assessed_on__gte=since, assessed_on__lte=until))


@dataclass
class LocationMoss:
    """A field location's MOSS implementation over a period (SP2.1.a.ii)."""

    duty_station: DutyStation
    assessments: list[ComplianceAssessment]
    compliant: int
    applicable: int
    implements: bool

    @property
    def percent(self) -> float | None:
        return 100 * self.compliant / self.applicable if self.applicable else None


def moss_implementation(*, user: AnyUser | None, since: dt.date, until: dt.date,
                        within: Slice | None = None,
                        threshold: float = rules.MOSS_IMPLEMENTED_FROM
                        ) -> list[LocationMoss] | None:
    """SP2.1.a.ii: every active field duty station in the slice (and the reader's scope),
    with the latest final assessment of each of its places (the station, its premises, the
    residences of its personnel: MOSS and residential MOSS) made from ``since`` to ``until``
    against the country MOSS derived from an SRA that DRO endorsed; the location implements
    its MOSS when the compliant items reach ``threshold`` per cent of the applicable ones. A
    location with no such assessment in the period does not. None when the slice cannot hold
    duty stations (an organization)."""
    stations = _sliced(_readable(user, Perm.VIEW_RISK, DutyStation.objects.select_related(
        "country").filter(is_active=True, kind=DutyStation.Kind.FIELD)), within,
        DUTY_STATION_PATHS)
    if stations is None:
        return None
    assessments = _latest_assessments(ComplianceAssessment.objects.select_related(
        "duty_station", "premises").filter(
        status=ComplianceAssessment.Status.FINAL, document__kind=MossDocument.Kind.COUNTRY,
        document__sra__endorsed_at__isnull=False, duty_station__in=stations.values("pk"),
        assessed_on__gte=since, assessed_on__lte=until))
    by_station: dict[int, list[ComplianceAssessment]] = {}
    for assessment in assessments:
        by_station.setdefault(assessment.duty_station_id, []).append(assessment)
    result = []
    for station in stations.order_by("country__name", "name"):
        own = by_station.get(station.pk, [])
        compliant, applicable = item_counts(own)
        result.append(LocationMoss(station, own, compliant, applicable,
                                   rules.implements_moss(compliant, applicable, threshold)))
    return result


@dataclass(frozen=True)
class PlanStanding:
    plan: SecurityPlan
    endorsed: bool


def plans_endorsement(*, user: AnyUser | None, on: dt.date, within: Slice | None = None
                      ) -> list[PlanStanding] | None:
    """SP2.1.b.i: each place with a security plan made by ``on`` (a country's plan, or a duty
    station's), and the plan that answers for it: the one DRO had endorsed latest by the end
    of ``on`` (``endorsed`` True), else the place's latest plan (``endorsed`` False). None
    when the slice cannot hold plans (an organization)."""
    qs = _sliced(_readable(user, Perm.VIEW_RISK, SecurityPlan.objects.select_related(
        "country", "duty_station")), within, PLAN_PATHS)
    if qs is None:
        return None
    made = list(qs.filter(created_at__date__lte=on).order_by("created_at", "pk"))

    def place(p: SecurityPlan) -> tuple[int, int | None]:
        return p.country_id, p.duty_station_id
    latest = {place(p): p for p in made}
    endorsed = {place(p): p for p in made
                if p.endorsed_at is not None and timezone.localdate(p.endorsed_at) <= on}
    answers = [PlanStanding(endorsed.get(key, plan), key in endorsed)
               for key, plan in latest.items()]
    return sorted(answers, key=lambda a: (a.plan.country.name, str(a.plan.duty_station or ""),
                                          a.plan.pk))


@dataclass(frozen=True)
class CountryVisit:
    country: Country
    visited: bool
    last_mission: Mission | None


def countries_with_presence(*, user: AnyUser | None, since: dt.date, until: dt.date,
                            within: Slice | None = None) -> list[CountryVisit] | None:
    """SP2.1.c.ii's countries (see ``mission_coverage``), each with ``visited`` and its
    ``last_mission``, the latest mission completed in the period (or None)."""
    coverage = mission_coverage(user=user, since=since, until=until, within=within)
    if not coverage["applicable"]:
        return None
    last: dict[int, Mission] = {}
    for mission in Mission.objects.filter(
            status="completed", completed_on__gte=since, completed_on__lte=until,
            country_id__in=coverage["presence"]).order_by("completed_on", "pk"):
        last[mission.country_id] = mission
    return [CountryVisit(country, country.pk in coverage["visited_ids"], last.get(country.pk))
            for country in Country.objects.filter(pk__in=coverage["presence"]).order_by("name")]
