"""Reads of security risk management, narrowed to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
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
from vigil.people.models import Person
from vigil.places.models import Country, DutyStation, Premises, SecurityArea
from vigil.risk import rules
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


def review_timeliness(*, user: AnyUser, since: dt.date | None = None) -> dict[str, Any]:
    """How long reviews took (proposal to decision), over approved reviews in scope: the
    measure of SP2.1.c.i, timely review and approval of security levels."""
    qs = level_reviews(user=user, status=SecurityLevelReview.Status.APPROVED)
    if since is not None:
        qs = qs.filter(decided_at__date__gte=since)
    took = ExpressionWrapper(F("decided_at") - F("proposed_at"), output_field=DurationField())
    average = qs.aggregate(avg=Avg(took))["avg"]
    return {"count": qs.count(),
            "average_days": round(average.total_seconds() / 86400, 1) if average else None}


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


def register(*, sra: SecurityRiskAssessment) -> list[RegisterRow]:
    """The register with each risk's inherent and residual level, by the matrix in force."""
    matrix = risk_settings().matrix
    return [RegisterRow(e, rules.risk_level(matrix, e.likelihood, e.impact),
                        rules.risk_level(matrix, e.residual_likelihood, e.residual_impact))
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


def mission_coverage(*, user: AnyUser, since: dt.date, until: dt.date) -> dict[str, Any]:
    """SP2.1.c.ii over the user's scope: countries with an active duty station, and how many
    of them had a completed mission in the period."""
    countries = visible(user, Perm.VIEW_RISK, Country.objects.all()).values("pk")
    presence = set(DutyStation.objects.filter(is_active=True, country_id__in=countries)
                   .values_list("country_id", flat=True))
    visited = set(mission_list(user=user).filter(
        status="completed", completed_on__gte=since, completed_on__lte=until)
        .values_list("country_id", flat=True))
    return {"countries": len(presence), "visited": len(presence & visited),
            "percent": rules.coverage_percent(presence, visited)}


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
