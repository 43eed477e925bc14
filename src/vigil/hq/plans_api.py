"""REST API of emergency plans and drills: /api/v1/hq/emergency-plans/ (read, draft, edit, the
moves ``/<id>/<move>/``, ``/<id>/review/``, ``/<id>/new-version/``), /api/v1/hq/drills/ (read,
record, edit, ``/<id>/actions/``), /api/v1/hq/corrective-actions/ (read, edit, ``/<id>/close/``)
and /api/v1/hq/plan-status/ (each station's status on a day, or over a period: SP1.c)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ApiViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import Forbidden
from vigil.hq import plans_rules as rules
from vigil.hq import plans_selectors as selectors
from vigil.hq import plans_services as services
from vigil.hq.models import (
    ActionStatus,
    CorrectiveAction,
    Drill,
    DrillKind,
    EmergencyPlan,
    PlanKind,
    PlanReview,
    PlanStatus,
)
from vigil.places.models import Premises


def _plan_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqPlanKindEnum", PlanKind.choices, **kwargs)


def _plan_status(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqPlanStatusEnum", PlanStatus.choices, **kwargs)


def _drill_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqDrillKindEnum", DrillKind.choices, **kwargs)


def _action_status(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqActionStatusEnum", ActionStatus.choices, **kwargs)


class HqPlanReviewOutput(serializers.ModelSerializer[PlanReview]):
    reviewed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)

    class Meta:
        model = PlanReview
        fields = ["reviewed_on", "reviewed_by", "note"]


class HqEmergencyPlanOutput(serializers.ModelSerializer[EmergencyPlan]):
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)
    approved_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)
    reviews = HqPlanReviewOutput(many=True, read_only=True)
    review_due = serializers.SerializerMethodField()
    kind = _plan_kind(read_only=True)
    status = _plan_status(read_only=True)

    class Meta:
        model = EmergencyPlan
        fields = ["id", "duty_station", "kind", "title", "owner", "version_label", "summary",
                  "document_reference", "status", "submitted_at", "approved_by", "approved_on",
                  "superseded_on", "review_due_set", "review_due", "return_note", "reviews",
                  "version", "created_at", "updated_at"]

    def get_review_due(self, plan: EmergencyPlan) -> str | None:
        due = selectors.plan_review_due(plan)
        return due.isoformat() if due is not None else None


def _stations(*, user: Any) -> Any:
    return selectors.hq_stations(user=user, perm=Perm.MANAGE_EMERGENCY_PLANS)


def _users(*, user: Any) -> Any:
    return get_user_model().objects.filter(is_active=True)


class HqEmergencyPlanInput(serializers.ModelSerializer[EmergencyPlan]):
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations)
    owner = ScopedPrimaryKeyRelatedField(scope=_users, required=False)
    kind = _plan_kind()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = EmergencyPlan
        fields = ["duty_station", "kind", "title", "owner", "version_label", "summary",
                  "document_reference", "review_due_set", "version"]


class HqPlanMoveInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class HqPlanReviewInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    reviewed_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _plans(*, user: Any) -> Any:
    return selectors.plan_list(user=user).prefetch_related("reviews__reviewed_by")


class HqEmergencyPlanViewSet(WritableServiceViewSet):
    """Emergency plans of the headquarters duty stations and regional commissions in the
    caller's scope, every version."""

    output_serializer = HqEmergencyPlanOutput
    input_serializer = HqEmergencyPlanInput
    selector = staticmethod(_plans)
    filterset_fields = ["duty_station", "kind", "status"]
    create_service = staticmethod(services.plan_create)
    update_service = staticmethod(services.plan_update)
    record_name = "plan"

    @extend_schema(request=HqPlanMoveInput, responses={200: HqEmergencyPlanOutput},
                   operation_id="v1_hq_emergency_plans_move",
                   parameters=[OpenApiParameter("move", str, OpenApiParameter.PATH,
                                                enum=list(rules.PLAN_TRANSITIONS),
                                                description="the step to take")])
    @action(detail=True, methods=["post"],
            url_path=rf"(?P<move>{'|'.join(rules.PLAN_TRANSITIONS)})")
    def move(self, request: Request, pk: str, move: str) -> Response:
        data = valid_input(HqPlanMoveInput, request.data)
        return self.output(services.plan_transition(
            actor=request.user, plan=self.get_object(), action=move, version=data["version"],
            comment=data["comment"]))

    @extend_schema(request=HqPlanReviewInput, responses={200: HqEmergencyPlanOutput})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Reviewed, no change: the review period starts again."""
        data = valid_input(HqPlanReviewInput, request.data)
        plan = self.get_object()
        services.plan_review(actor=request.user, plan=plan, version=data["version"],
                             reviewed_on=data["reviewed_on"], note=data["note"])
        return self.output(selectors.plan_get(user=request.user, pk=plan.pk))

    @extend_schema(request=None, responses={201: HqEmergencyPlanOutput})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str) -> Response:
        """A new draft from a plan that was approved."""
        return self.output(services.plan_revise(actor=request.user, plan=self.get_object()),
                           status.HTTP_201_CREATED)


class HqCorrectiveActionOutput(serializers.ModelSerializer[CorrectiveAction]):
    overdue = serializers.SerializerMethodField()
    status = _action_status(read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = ["id", "drill", "description", "owner", "due_on", "status", "overdue",
                  "closed_on", "closing_note", "version"]

    def get_overdue(self, row: CorrectiveAction) -> bool:
        return row.status == "open" and row.due_on < timezone.localdate()


class HqDrillOutput(serializers.ModelSerializer[Drill]):
    corrective_actions = HqCorrectiveActionOutput(many=True, read_only=True)
    kind = _drill_kind(read_only=True)

    class Meta:
        model = Drill
        fields = ["id", "duty_station", "premises", "kind", "held_on", "participants",
                  "duration_minutes", "plans", "findings", "corrective_actions", "version",
                  "created_at", "updated_at"]


def _premises(*, user: Any) -> Any:
    return Premises.objects.filter(duty_station__in=_stations(user=user))


def _testable(*, user: Any) -> Any:
    return selectors.testable_plans(station=None).filter(duty_station__in=_stations(user=user))


class HqDrillInput(serializers.ModelSerializer[Drill]):
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations)
    premises = ScopedPrimaryKeyRelatedField(scope=_premises, required=False, allow_null=True)
    plans = ScopedPrimaryKeyRelatedField(scope=_testable, many=True, required=False)
    kind = _drill_kind()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Drill
        fields = ["duty_station", "premises", "kind", "held_on", "participants",
                  "duration_minutes", "plans", "findings", "version"]


class HqCorrectiveActionInput(serializers.ModelSerializer[CorrectiveAction]):
    version = serializers.IntegerField(required=False)

    class Meta:
        model = CorrectiveAction
        fields = ["description", "owner", "due_on", "version"]


class HqActionCloseInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)


def _drills(*, user: Any) -> Any:
    return selectors.drill_list(user=user).prefetch_related("plans", "corrective_actions")


class HqDrillViewSet(WritableServiceViewSet):
    """Drills and exercises of the stations in the caller's scope, with their corrective
    actions."""

    output_serializer = HqDrillOutput
    input_serializer = HqDrillInput
    selector = staticmethod(_drills)
    filterset_fields = ["duty_station", "kind"]
    create_service = staticmethod(services.drill_create)
    update_service = staticmethod(services.drill_update)
    record_name = "drill"
    aside = {"plans": "plans"}

    @extend_schema(request=HqCorrectiveActionInput, responses={201: HqCorrectiveActionOutput})
    @action(detail=True, methods=["post"])
    def actions(self, request: Request, pk: str) -> Response:
        data = valid_input(HqCorrectiveActionInput, request.data)
        data.pop("version", None)
        row = services.corrective_action_add(actor=request.user, drill=self.get_object(),
                                             data=data)
        return Response(HqCorrectiveActionOutput(row).data, status=status.HTTP_201_CREATED)


def _actions(*, user: Any) -> Any:
    return selectors.action_list(user=user)


class HqCorrectiveActionViewSet(ServiceViewSet):
    """Corrective actions found by drills, tracked to closure. ``?overdue=true`` lists the
    open ones past their due date. A new action is added to its drill
    (``/api/v1/hq/drills/<id>/actions/``)."""

    output_serializer = HqCorrectiveActionOutput
    selector = staticmethod(_actions)
    filterset_fields = ["status", "drill"]

    def get_queryset(self) -> Any:
        overdue = self.request.query_params.get("overdue", "") in {"1", "true", "on"}
        return selectors.action_list(user=self.request.user, overdue=overdue)

    @extend_schema(request=HqCorrectiveActionInput, responses={200: HqCorrectiveActionOutput})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = valid_input(HqCorrectiveActionInput, request.data, partial=True)
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": [_("Send the version you read, so "
                                                             "that a concurrent change is not "
                                                             "overwritten.")]})
        return self.output(services.corrective_action_update(
            actor=request.user, action=self.get_object(), data=data, version=version))

    @extend_schema(request=HqActionCloseInput, responses={200: HqCorrectiveActionOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        data = valid_input(HqActionCloseInput, request.data)
        return self.output(services.corrective_action_close(
            actor=request.user, action=self.get_object(), version=data["version"],
            note=data["note"], closed_on=data["closed_on"]))


class HqPlanStatusQuery(serializers.Serializer[None]):
    on = serializers.DateField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("start" in attrs) != ("end" in attrs):
            raise serializers.ValidationError({"end": "Give both start and end, or neither."})
        if "start" in attrs and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The period ends before it starts."})
        return attrs


def _reasons(status_: rules.StationStatus) -> list[dict[str, Any]]:
    return [{"code": r.code.value, "kind": r.kind, "since": r.since, "last_tested": r.last,
             "message": r.message} for r in status_.reasons]


class HqPlanStatusViewSet(ApiViewSet):
    """SP1.c: whether each headquarters duty station and regional commission in the caller's
    scope has its plans updated and tested as required — on a day (``?on=``, default today),
    or on every day of a period (``?start=&end=``)."""

    @extend_schema(parameters=[HqPlanStatusQuery], responses={200: dict})
    def list(self, request: Request) -> Response:
        if not has_perm_anywhere(request.user, Perm.VIEW_EMERGENCY_PLANS):
            raise Forbidden()
        query = valid_input(HqPlanStatusQuery, request.query_params)
        if "start" in query:
            rows = selectors.plans_status_over(start=query["start"], end=query["end"],
                                               user=request.user)
            return Response({"start": query["start"], "end": query["end"], "stations": [{
                "duty_station": r["station"].pk, "name": r["station"].name,
                "compliant_throughout": r["period"].compliant_throughout,
                "days_not_compliant": r["period"].days_not_compliant,
                "first_not_compliant": r["period"].first_not_compliant,
                "compliant_at_end": r["period"].at_end.compliant,
                "reasons_at_end": _reasons(r["period"].at_end)} for r in rows]})
        on = query.get("on") or timezone.localdate()
        rows = selectors.plans_status_on(on=on, user=request.user)
        return Response({"on": on, "stations": [{
            "duty_station": r["station"].pk, "name": r["station"].name,
            "compliant": r["status"].compliant, "reasons": _reasons(r["status"])}
            for r in rows]})


ROUTES: list[tuple[str, Any, str]] = [
    ("hq/emergency-plans", HqEmergencyPlanViewSet, "hq-emergency-plan"),
    ("hq/drills", HqDrillViewSet, "hq-drill"),
    ("hq/corrective-actions", HqCorrectiveActionViewSet, "hq-corrective-action"),
    ("hq/plan-status", HqPlanStatusViewSet, "hq-plan-status"),
]
