from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import ServiceViewSet
from vigil.risk import selectors, services
from vigil.risk.models import SecurityLevelReview


class LevelReviewOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    security_area = serializers.PrimaryKeyRelatedField(read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SecurityLevelReview
        fields = ["id", "security_area", "ratings", "derived_level", "proposed_level",
                  "justification", "status", "proposed_by", "proposed_at",
                  "review_started_at", "decided_by", "decided_at", "decision_comment",
                  "next_review_due", "version"]


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


class DecisionInput(serializers.Serializer):  # type: ignore[type-arg]
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
        data = _valid(ProposeInput, request.data)
        area = selectors.area_get(user=request.user, pk=data["security_area"])
        review = services.security_level_propose(
            actor=request.user, area=area, ratings=data["ratings"],
            proposed_level=data["proposed_level"], justification=data["justification"])
        return self.output(review, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, pk: str) -> Response:
        data = _valid(DecisionInput, request.data)
        return self.output(services.security_level_start_review(
            actor=request.user, review=self.get_object(), version=data["version"]))

    @extend_schema(request=DecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = _valid(DecisionInput, request.data)
        return self.output(services.security_level_approve(
            actor=request.user, review=self.get_object(),
            next_review_due=data["next_review_due"], comment=data["comment"],
            version=data["version"]))

    @extend_schema(request=DecisionInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        data = _valid(DecisionInput, request.data)
        return self.output(services.security_level_return(
            actor=request.user, review=self.get_object(), comment=data["comment"],
            version=data["version"]))

    @extend_schema(request=ResubmitInput, responses={200: LevelReviewOutput})
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str) -> Response:
        data = _valid(ResubmitInput, request.data)
        return self.output(services.security_level_resubmit(
            actor=request.user, review=self.get_object(), ratings=data["ratings"],
            proposed_level=data["proposed_level"], justification=data["justification"],
            version=data["version"]))


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


