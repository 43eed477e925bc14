"""REST API of aviation advice: operators with their suitability and assessments, recording an
assessment, advice requests (ask, answer, close) and the SP2.2.d figures. Reads through
selectors, writes through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.aviation import rules, selectors, services
from vigil.aviation.models import AdviceRequest, Assessment
from vigil.core.api import (
    NON_BLANK,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    named_choices,
    schema_also,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import Forbidden
from vigil.travel.models import AirOperator

OUTCOMES = [(c.value, c.label) for c in Assessment.Outcome]
FIGURES_PERMS = (Perm.ANSWER_AVIATION_ADVICE, Perm.CONFIGURE_AVIATION)
ADVICE_STATUSES = [(c.value, c.label) for c in AdviceRequest.Status]


class AssessmentOutput(serializers.ModelSerializer[Assessment]):
    outcome = named_choices("AviationOutcomeEnum", OUTCOMES)
    assessor = serializers.CharField(source="assessor.get_username", default=None)

    class Meta:
        model = Assessment
        fields = ["id", "operator", "outcome", "assessed_on", "valid_until", "icao_ei_score",
                  "state_audit_note", "iosa_registered", "iosa_expires", "bars_registered",
                  "bars_expires", "incident_history", "conditions", "note", "assessor",
                  "created_at"]


class AssessmentInput(serializers.Serializer[None]):
    outcome = named_choices("AviationOutcomeEnum", OUTCOMES)
    assessed_on = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    icao_ei_score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                             allow_null=True, default=None)
    state_audit_note = serializers.CharField(required=False, allow_blank=True, default="")
    iosa_registered = serializers.BooleanField(required=False, default=False)
    iosa_expires = serializers.DateField(required=False, allow_null=True, default=None)
    bars_registered = serializers.BooleanField(required=False, default=False)
    bars_expires = serializers.DateField(required=False, allow_null=True, default=None)
    incident_history = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AviationOperatorOutput(serializers.ModelSerializer[AirOperator]):
    country = serializers.SlugRelatedField(allow_null=True, slug_field="iso2", read_only=True)

    class Meta:
        model = AirOperator
        fields = ["id", "name", "iata", "icao", "callsign", "country", "is_active",
                  "suitability", "suitability_note", "suitability_valid_until", "aoc_state",
                  "fleet_notes", "version"]


def _operators(*, user: Any) -> Any:
    return selectors.operator_registry(user=user)


class OperatorViewSet(ServiceViewSet):
    """Air operators with the suitability in force; their assessments; recording one."""

    output_serializer = AviationOperatorOutput
    selector = staticmethod(_operators)
    filterset_fields = ["suitability", "iata", "icao", "is_active", "aoc_state"]

    @extend_schema(responses={200: AssessmentOutput(many=True)})
    @action(detail=True, methods=["get"])
    def assessments(self, request: Request, pk: str) -> Response:
        history = selectors.assessment_history(user=request.user, operator=self.get_object())
        return Response(AssessmentOutput(history, many=True).data)

    @extend_schema(request=AssessmentInput, responses={201: AssessmentOutput})
    @assessments.mapping.post
    def assess(self, request: Request, pk: str) -> Response:
        operator = self.get_object()
        data = valid_input(AssessmentInput, request.data)
        if data.get("assessed_on") is None:
            data["assessed_on"] = timezone.localdate()
        saved = services.assessment_record(actor=request.user, operator=operator, data=data)
        return Response(AssessmentOutput(saved).data, status=201)


class AdviceOutput(serializers.ModelSerializer[AdviceRequest]):
    reference = serializers.CharField(read_only=True)
    status = named_choices("AviationAdviceStatusEnum", ADVICE_STATUSES)
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    requester = serializers.CharField(source="requester.get_username")
    answered_by = serializers.CharField(source="answered_by.get_username", default=None)
    response_hours = serializers.SerializerMethodField()

    class Meta:
        model = AdviceRequest
        fields = ["id", "reference", "country", "operator", "origin", "destination",
                  "question", "requester", "asked_at", "status", "answer", "answered_by",
                  "answered_at", "response_hours", "closed_at", "closing_note", "version"]

    def get_response_hours(self, advice: AdviceRequest) -> float | None:
        if advice.answered_at is None:
            return None
        return round(rules.response_hours(advice.asked_at, advice.answered_at), 2)


def _countries(*, user: Any) -> Any:
    return selectors.countries_to_ask_for(user=user)


# The question is about an air operator, or a route: from and to.
@schema_also(anyOf=[
    {"required": ["operator"], "properties": {"operator": {"type": "integer"}}},
    {"required": ["origin", "destination"],
     "properties": {"origin": {"type": "string", "pattern": NON_BLANK},
                    "destination": {"type": "string", "pattern": NON_BLANK}}}])
class AdviceInput(serializers.Serializer[None]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    operator = ScopedPrimaryKeyRelatedField(scope=_operators, required=False, allow_null=True,
                                            default=None)
    origin = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=120)
    destination = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=120)
    question = serializers.CharField()


class AnswerInput(serializers.Serializer[None]):
    answer = serializers.CharField()
    version = serializers.IntegerField()


class AdviceCloseInput(serializers.Serializer[None]):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


def _advice(*, user: Any) -> Any:
    return selectors.advice_visible(user)


class AdviceViewSet(ServiceViewSet):
    """Advice requests the caller answers, or may ask in their country."""

    output_serializer = AdviceOutput
    input_serializer = AdviceInput
    selector = staticmethod(_advice)
    filterset_fields = ["status", "operator"]

    @extend_schema(request=AdviceInput, responses={201: AdviceOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(AdviceInput, request.data, user=request.user)
        return self.output(services.advice_ask(actor=request.user, data=data), 201)

    @extend_schema(request=AnswerInput, responses={200: AdviceOutput})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        data = valid_input(AnswerInput, request.data)
        return self.output(services.advice_answer(actor=request.user, advice=self.get_object(),
                                                  answer=data["answer"],
                                                  version=data["version"]))

    @extend_schema(request=AdviceCloseInput, responses={200: AdviceOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        data = valid_input(AdviceCloseInput, request.data)
        return self.output(services.advice_close(actor=request.user, advice=self.get_object(),
                                                 note=data["note"], version=data["version"]))


class FiguresOutput(serializers.Serializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField()
    target_hours = serializers.IntegerField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    open_overdue = serializers.IntegerField()
    open_within_target = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    judged = serializers.IntegerField()
    share_on_time = serializers.FloatField(allow_null=True)
    median_hours = serializers.FloatField(allow_null=True)


class FiguresQuery(serializers.Serializer[None]):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


# How one request counts in SP2.2.d: each is one of these (rules.advice_figures).
JUDGEMENTS = [(name, name) for name in rules.JUDGEMENTS]


class FiguresRequestOutput(serializers.Serializer[Any]):
    """One advice request as SP2.2.d counts it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    asked_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    target_hours = serializers.IntegerField()
    response_hours = serializers.FloatField(allow_null=True)
    counted_as = named_choices("AviationAdviceJudgementEnum", JUDGEMENTS, help_text=(
        "on_time, late, open_overdue (not answered, past the target), open_within_target (not "
        "judged yet) or withdrawn (closed without an answer: not counted)"))


def _year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for the 29th), or the calendar's first."""
    if day.year == 1:
        return dt.date.min
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _check_figures(user: Any) -> None:
    if not any(has_perm_anywhere(user, perm) for perm in FIGURES_PERMS):
        raise Forbidden()


class FiguresViewSet(ServiceViewSet):
    """SP2.2.d: advice requests answered within the target, and the median response time;
    for one request (/figures/<id>/), how it counts."""

    output_serializer = FiguresOutput
    selector = staticmethod(_advice)
    pagination_class = None

    @extend_schema(responses={200: FiguresRequestOutput})
    def retrieve(self, request: Request, pk: str) -> Response:
        _check_figures(request.user)
        advice = self.get_object()
        target = selectors.aviation_settings().advice_target_hours
        row = rules.AdviceRow(advice.asked_at, advice.answered_at,
                              closed_unanswered=advice.answered_at is None
                              and advice.status == rules.ADVICE_CLOSED)
        return Response(FiguresRequestOutput({
            "id": advice.pk, "reference": advice.reference, "asked_at": advice.asked_at,
            "answered_at": advice.answered_at, "target_hours": target,
            "response_hours": None if advice.answered_at is None else round(
                rules.response_hours(advice.asked_at, advice.answered_at), 2),
            "counted_as": rules.counted_as(row, target, timezone.now())}).data)

    @extend_schema(parameters=[OpenApiParameter("start", OpenApiTypes.DATE),
                               OpenApiParameter("end", OpenApiTypes.DATE)],
                   responses={200: FiguresOutput})
    def list(self, request: Request) -> Response:
        query = valid_input(FiguresQuery, request.query_params)
        end = query.get("end") or timezone.localdate()
        start = query.get("start") or _year_before(end)
        if start > end:
            start, end = end, start
        # The figures count whole UTC days up to the one after ``end``: the calendar's last.
        end = min(end, dt.date.max - dt.timedelta(days=1))
        _check_figures(request.user)
        figures = selectors.advice_figures(user=request.user, start=start, end=end)
        return Response(FiguresOutput({
            "start": start, "end": end, "target_hours": figures.target_hours,
            "asked": figures.asked, "answered": figures.answered, "on_time": figures.on_time,
            "late": figures.late, "open_overdue": figures.open_overdue,
            "open_within_target": figures.open_within_target, "withdrawn": figures.withdrawn,
            "judged": figures.judged, "share_on_time": figures.share_on_time,
            "median_hours": figures.median_hours}).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("aviation/operators", OperatorViewSet, "aviation-operator"),
    ("aviation/advice", AdviceViewSet, "aviation-advice"),
    ("aviation/figures", FiguresViewSet, "aviation-figures"),
]
