from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm, visible
from vigil.core.errors import FieldError, NotFound, ValidationFailed
from vigil.places import selectors as places
from vigil.risk import proposals, rules, selectors, services
from vigil.risk.models import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    ComplianceAssessment,
    ComplianceResult,
    Mission,
    MissionRecommendation,
    MossDocument,
    MossItem,
    PremisesSurvey,
    ProgrammeActivity,
    RiskEntry,
    SecurityLevelReview,
    SecurityPlan,
    SecurityRiskAssessment,
)


class KeptProposalOutput(serializers.Serializer):  # type: ignore[type-arg]
    """The evidence's likelihood proposal kept beside a rating when it was saved."""

    likelihood = serializers.CharField(read_only=True, help_text=(
        "The step proposed: very_unlikely, unlikely, moderately_likely, likely or "
        "very_likely."))
    expected = serializers.FloatField(read_only=True, required=False, help_text=(
        "Incidents expected in the next twelve months."))
    chance = serializers.FloatField(read_only=True, required=False, help_text=(
        "The chance of at least one incident in the next twelve months."))
    confidence = serializers.FloatField(read_only=True, required=False)
    confidence_label = serializers.CharField(read_only=True, required=False,
                                             help_text="high, medium or low.")
    incidents = serializers.IntegerField(read_only=True, required=False)
    weighted_count = serializers.FloatField(read_only=True, required=False)
    context_level = serializers.IntegerField(read_only=True, required=False, allow_null=True)
    computed_on = serializers.DateField(read_only=True, required=False)
    method = serializers.CharField(read_only=True, required=False)
    url = serializers.CharField(read_only=True, required=False,
                                help_text="The page of the evidence.")


class LevelRatingOutput(serializers.Serializer):  # type: ignore[type-arg]
    """One threat category of a security level assessment: the officer's rating, and the
    evidence's proposal kept beside the likelihood (null without one), with the steps the
    likelihood lies above (+) or below (-) it."""

    likelihood = serializers.CharField(read_only=True)
    impact = serializers.CharField(read_only=True)
    justification = serializers.CharField(read_only=True)
    proposal = KeptProposalOutput(read_only=True, allow_null=True)
    proposal_difference = serializers.IntegerField(read_only=True, allow_null=True)


def with_difference(rating: dict[str, Any]) -> dict[str, Any]:
    proposal = rating.get("proposal") or None
    return {**rating, "proposal": proposal,
            "proposal_difference": proposals.difference(str(rating.get("likelihood")),
                                                        proposal)}


class LevelReviewOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    security_area = serializers.PrimaryKeyRelatedField(read_only=True)
    ratings = serializers.SerializerMethodField()
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)

    class Meta:
        model = SecurityLevelReview
        fields = ["id", "security_area", "ratings", "derived_level", "proposed_level",
                  "justification", "status", "proposed_by", "proposed_at",
                  "review_started_at", "decided_by", "decided_at", "decision_comment",
                  "next_review_due", "version"]

    @extend_schema_field(serializers.DictField(child=LevelRatingOutput()))
    def get_ratings(self, review: SecurityLevelReview) -> dict[str, Any]:
        return {category: LevelRatingOutput(with_difference(rating)).data
                for category, rating in review.ratings.items()}


class ProposeInput(serializers.Serializer):  # type: ignore[type-arg]
    security_area = serializers.IntegerField()
    ratings = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_blank=True)))
    proposed_level = serializers.IntegerField()
    justification = serializers.CharField(required=False, allow_blank=True, default="")


class ResubmitInput(serializers.Serializer):  # type: ignore[type-arg]
    ratings = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_blank=True)))
    proposed_level = serializers.IntegerField()
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


class LevelDecisionInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    next_review_due = serializers.DateField(required=False, allow_null=True, default=None)


class SecurityLevelViewSet(ServiceViewSet):
    """Security level proposals and their review: propose, start review, approve, return,
    resubmit. Each move follows the workflow table and is audited."""

    output_serializer = LevelReviewOutput
    selector = staticmethod(selectors.level_reviews)
    filterset_fields = ["status", "security_area"]
    ordering_fields = ["proposed_at", "decided_at"]

    @extend_schema(request=ProposeInput, responses={201: LevelReviewOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(ProposeInput, request.data)
        area = selectors.area_get(user=request.user, pk=data["security_area"])
        review = services.security_level_propose(
            actor=request.user, area=area, ratings=data["ratings"],
            proposed_level=data["proposed_level"], justification=data["justification"])
        return self.output(review, status.HTTP_201_CREATED)

    @extend_schema(request=LevelDecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, pk: str) -> Response:
        data = valid_input(LevelDecisionInput, request.data)
        return self.output(services.security_level_start_review(
            actor=request.user, review=self.get_object(), version=data["version"]))

    @extend_schema(request=LevelDecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = valid_input(LevelDecisionInput, request.data)
        return self.output(services.security_level_approve(
            actor=request.user, review=self.get_object(),
            next_review_due=data["next_review_due"], comment=data["comment"],
            version=data["version"]))

    @extend_schema(request=LevelDecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        data = valid_input(LevelDecisionInput, request.data)
        return self.output(services.security_level_return(
            actor=request.user, review=self.get_object(), comment=data["comment"],
            version=data["version"]))

    @extend_schema(request=ResubmitInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str) -> Response:
        data = valid_input(ResubmitInput, request.data)
        return self.output(services.security_level_resubmit(
            actor=request.user, review=self.get_object(), ratings=data["ratings"],
            proposed_level=data["proposed_level"], justification=data["justification"],
            version=data["version"]))





# --- Security risk assessments ----------------------------------------------------------------

class RiskEntryOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    # Named, so that the likelihood and its residual share one set in the schema.
    likelihood = named_choices("LikelihoodEnum", list(LIKELIHOOD_LABELS.items()))
    impact = named_choices("ImpactEnum", list(IMPACT_LABELS.items()))
    residual_likelihood = named_choices("LikelihoodEnum", list(LIKELIHOOD_LABELS.items()))
    residual_impact = named_choices("ImpactEnum", list(IMPACT_LABELS.items()))
    inherent_level = serializers.SerializerMethodField()
    residual_level = serializers.SerializerMethodField()
    proposal = serializers.SerializerMethodField(help_text=(
        "The evidence's likelihood proposal kept when the risk was saved; null without one."))
    proposal_difference = serializers.SerializerMethodField(help_text=(
        "Steps the likelihood lies above (+) or below (-) the proposal; null without one."))

    class Meta:
        model = RiskEntry
        fields = ["id", "threat_category", "description", "at_risk", "likelihood", "impact",
                  "inherent_level", "proposal", "proposal_difference", "mitigation",
                  "moss_categories", "residual_likelihood", "residual_impact",
                  "residual_level", "response"]

    @extend_schema_field(KeptProposalOutput(allow_null=True))
    def get_proposal(self, entry: RiskEntry) -> dict[str, Any] | None:
        return KeptProposalOutput(entry.proposal).data if entry.proposal else None

    def get_proposal_difference(self, entry: RiskEntry) -> int | None:
        return proposals.difference(entry.likelihood, entry.proposal)

    def _matrix(self) -> Any:
        # Read once per response, not once per row.
        cached = getattr(self, "_matrix_in_force", None)
        if cached is None:
            cached = self._matrix_in_force = selectors.risk_settings().matrix
        return cached

    def get_inherent_level(self, entry: RiskEntry) -> str:
        return rules.risk_level(self._matrix(), entry.likelihood, entry.impact)

    def get_residual_level(self, entry: RiskEntry) -> str:
        return rules.risk_level(self._matrix(), entry.residual_likelihood,
                                entry.residual_impact)


class ActivityOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ProgrammeActivity
        fields = ["id", "organization", "name", "criticality"]


class SraOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    entries = RiskEntryOutput(many=True, read_only=True)
    activities = ActivityOutput(many=True, read_only=True)

    class Meta:
        model = SecurityRiskAssessment
        fields = ["id", "country", "security_area", "title", "summary", "status", "valid_from",
                  "valid_until", "review_due", "submitted_at", "approved_at", "endorsed_at",
                  "return_comment", "entries", "activities", "version"]


class SraInput(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = ScopedSlugRelatedField(slug_field="iso2", scope=places.country_list)
    security_area = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                 scope=places.security_area_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = SecurityRiskAssessment
        fields = ["country", "security_area", "title", "summary", "valid_from", "valid_until",
                  "review_due", "version"]


class EntryInput(serializers.ModelSerializer):  # type: ignore[type-arg]
    likelihood = named_choices("LikelihoodEnum", list(LIKELIHOOD_LABELS.items()))
    impact = named_choices("ImpactEnum", list(IMPACT_LABELS.items()))
    residual_likelihood = named_choices("LikelihoodEnum", list(LIKELIHOOD_LABELS.items()))
    residual_impact = named_choices("ImpactEnum", list(IMPACT_LABELS.items()))
    version = serializers.IntegerField()

    class Meta:
        model = RiskEntry
        fields = ["threat_category", "description", "at_risk", "likelihood", "impact",
                  "mitigation", "moss_categories", "residual_likelihood", "residual_impact",
                  "response", "version"]


class TransitionInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def review_moves(moves: list[str], transition: Callable[..., Any], record_name: str,
                 output: type[serializers.Serializer]) -> Any:  # type: ignore[type-arg]
    """The action of a document under review (an SRA, a plan): POST to its move by name
    (``/submit``, ``/approve``...) with the version read and a comment; the document's
    ``transition`` service decides."""

    @extend_schema(request=TransitionInput, responses={200: output},
                   operation_id=f"v1_{record_name}s_move",
                   parameters=[OpenApiParameter("move", str, OpenApiParameter.PATH,
                                                enum=moves, description="the step to take")])
    @action(detail=True, methods=["post"], url_path=rf"(?P<move>{'|'.join(moves)})")
    def move(self: ServiceViewSet, request: Request, pk: str, move: str) -> Response:
        data = valid_input(TransitionInput, request.data)
        return self.output(transition(actor=request.user, **{record_name: self.get_object()},
                                      action=move, version=data["version"],
                                      comment=data["comment"]))

    return move


class SraViewSet(WritableServiceViewSet):
    """Security risk assessments with their register. Writes go through the services: only
    drafts change, and every change is a new version."""

    output_serializer = SraOutput
    input_serializer = SraInput
    selector = staticmethod(selectors.sra_list)
    filterset_fields = ["status", "security_area"]
    search_fields = ["title"]
    create_service = staticmethod(services.sra_create)
    update_service = staticmethod(services.sra_update)
    record_name = "sra"

    @extend_schema(request=EntryInput, responses={201: RiskEntryOutput})
    @action(detail=True, methods=["post"])
    def entries(self, request: Request, pk: str) -> Response:
        data = valid_input(EntryInput, request.data)
        version = data.pop("version")
        entry = services.risk_entry_save(actor=request.user, sra=self.get_object(), data=data,
                                         version=version)
        return Response(RiskEntryOutput(entry).data, status=status.HTTP_201_CREATED)

    move = review_moves(list(rules.SRA_TRANSITIONS), services.sra_transition, "sra", SraOutput)


# --- MOSS, plans, missions, surveys: read, and their main moves -------------------------------

class MossItemOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = MossItem
        fields = ["id", "category", "standard", "requirement", "remarks", "applies_to"]


class MossDocumentOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    items = MossItemOutput(many=True, read_only=True)

    class Meta:
        model = MossDocument
        fields = ["id", "country", "kind", "sra", "duty_station", "title", "status",
                  "approved_at", "items", "version"]


class MossDocumentViewSet(ServiceViewSet):
    output_serializer = MossDocumentOutput
    selector = staticmethod(selectors.moss_documents)
    filterset_fields = ["status", "kind"]


class ComplianceResultOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ComplianceResult
        fields = ["item", "state", "evidence", "corrective_action", "action_owner",
                  "action_due"]


class ComplianceAssessmentOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    results = ComplianceResultOutput(many=True, read_only=True)

    class Meta:
        model = ComplianceAssessment
        fields = ["id", "document", "duty_station", "premises", "residence_of", "assessed_on",
                  "status", "compliance", "results", "version"]


class ComplianceResultInput(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.IntegerField()
    state = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.CharField(required=False, allow_blank=True)
    corrective_action = serializers.CharField(required=False, allow_blank=True)
    action_owner = serializers.CharField(required=False, allow_blank=True)
    action_due = serializers.DateField(required=False, allow_null=True)


class RecordInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    final = serializers.BooleanField(default=False)
    results = ComplianceResultInput(many=True)


class ComplianceAssessmentViewSet(ServiceViewSet):
    """MOSS compliance assessments; a residence's is need-to-know and its reads audited."""

    output_serializer = ComplianceAssessmentOutput
    selector = staticmethod(selectors.moss_assessments)
    filterset_fields = ["document", "duty_station", "premises", "status"]

    def get_object(self) -> Any:
        return selectors.moss_assessment_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=RecordInput, responses={200: ComplianceAssessmentOutput})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        data = valid_input(RecordInput, request.data)
        results = {r.pop("item"): r for r in data["results"]}
        return self.output(services.compliance_assessment_record(
            actor=request.user, assessment=self.get_object(), results=results,
            version=data["version"], final=data["final"]))


class PlanOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    zones = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    sites = serializers.SerializerMethodField()
    routes = serializers.SerializerMethodField()

    class Meta:
        model = SecurityPlan
        fields = ["id", "country", "duty_station", "title", "status", "review_due",
                  "approved_at", "endorsed_at", "return_comment", "zones", "contacts", "sites",
                  "routes", "version"]

    def _rows(self, plan: SecurityPlan, part: str) -> list[dict[str, Any]]:
        fields = sorted(services.PLAN_PARTS[part][1])
        return [{"id": row.pk, **{f: getattr(row, f"{f}_id", None) if f == "reports_to"
                                  else getattr(row, f) for f in fields}}
                for row in getattr(plan, part).all()]

    def get_zones(self, plan: SecurityPlan) -> list[dict[str, Any]]:
        return self._rows(plan, "zones")

    def get_contacts(self, plan: SecurityPlan) -> list[dict[str, Any]]:
        return self._rows(plan, "contacts")

    def get_sites(self, plan: SecurityPlan) -> list[dict[str, Any]]:
        return self._rows(plan, "sites")

    def get_routes(self, plan: SecurityPlan) -> list[dict[str, Any]]:
        return self._rows(plan, "routes")


class SecurityPlanViewSet(ServiceViewSet):
    output_serializer = PlanOutput
    selector = staticmethod(selectors.plan_list)
    filterset_fields = ["status", "duty_station"]
    move = review_moves(list(rules.PLAN_TRANSITIONS), services.plan_transition, "plan",
                        PlanOutput)


class RecommendationOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = MissionRecommendation
        fields = ["id", "finding", "recommendation", "owner", "due", "status", "closed_on",
                  "closure_note"]


class MissionOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    recommendations = RecommendationOutput(many=True, read_only=True)

    class Meta:
        model = Mission
        fields = ["id", "country", "kind", "purpose", "team", "planned_start", "planned_end",
                  "status", "completed_on", "report", "recommendations", "version"]


class MissionViewSet(ServiceViewSet):
    output_serializer = MissionOutput
    selector = staticmethod(selectors.mission_list)
    filterset_fields = ["status", "kind"]


class SurveyOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PremisesSurvey
        fields = ["id", "premises", "questionnaire", "surveyed_on", "answers", "score",
                  "vulnerabilities"]


class SurveyInput(serializers.Serializer):  # type: ignore[type-arg]
    premises = serializers.IntegerField()
    surveyed_on = serializers.DateField(required=False, allow_null=True)
    answers = serializers.DictField(child=serializers.IntegerField())


def _surveys(*, user: Any) -> Any:
    return visible(user, Perm.VIEW_RISK, PremisesSurvey.objects.all())


class PremisesSurveyViewSet(ServiceViewSet):
    output_serializer = SurveyOutput
    selector = staticmethod(_surveys)
    filterset_fields = ["premises"]

    @extend_schema(request=SurveyInput, responses={201: SurveyOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(SurveyInput, request.data)
        premises = selectors.premises_for_survey(user=request.user, pk=data["premises"])
        questionnaire = selectors.active_questionnaire()
        if questionnaire is None:
            raise NotFound()
        if not all(str(k).isdigit() for k in data["answers"]):
            raise ValidationFailed([FieldError(field="answers", message=_(
                "Key each answer by its question id."))])
        survey = services.premises_survey_record(
            actor=request.user, premises=premises, questionnaire=questionnaire,
            answers={int(k): v for k, v in data["answers"].items()},
            surveyed_on=data.get("surveyed_on"))
        return self.output(survey, status.HTTP_201_CREATED)
