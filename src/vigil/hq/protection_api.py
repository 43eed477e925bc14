"""REST API of protective services (need-to-know): /api/v1/hq/protection-principals/ and
/api/v1/hq/protection-cases/ with their destinations, assessment, advance tasks and moves.

Reads go through hq.protection_selectors: others see no principal and no case (an empty list,
404 on one), and every read, one record or a page of them, is audited naming the records."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    WritableServiceViewSet,
    named_choices,
    valid_input,
    validated_whole,
)
from vigil.core.errors import NotFound
from vigil.hq import protection_rules as rules
from vigil.hq import protection_selectors as selectors
from vigil.hq import protection_services as services
from vigil.hq.models import (
    AdvanceTask,
    NeedsAssessment,
    Principal,
    ProtectionCase,
    ProtectionDestination,
)
from vigil.people import selectors as people
from vigil.places import selectors as places

PROFILES = [p.value for p in rules.Profile]
DETAILS = [d.value for d in rules.DetailKind]
TASK_STATUSES = [s.value for s in rules.TaskStatus]
DECISIONS = [d.value for d in rules.Decision]


def _choice(component: str, values: list[str], **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose set is a schema enum of its own name: the field names here ("status",
    "decision") are shared with other apps, whose sets are other ones."""
    shown = ", ".join(v or '""' for v in values)
    return named_choices(component, [(v, v) for v in values], help_text=f"One of: {shown}.",
                         **kwargs)


# --- Output -----------------------------------------------------------------------------------

class ProtectionPrincipalOutput(serializers.ModelSerializer[Principal]):
    organization: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    duty_station: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="index_number", read_only=True)
    profile_level = serializers.CharField(read_only=True)
    office: Any = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Principal
        fields = ["id", "name", "title", "organization", "duty_station", "person",
                  "profile_level", "profile_notes", "office", "active", "version",
                  "created_at", "updated_at"]


class ProtectionDestinationOutput(serializers.ModelSerializer[ProtectionDestination]):
    country: Any = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    duty_station: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="code", read_only=True)

    class Meta:
        model = ProtectionDestination
        fields = ["id", "position", "country", "duty_station", "city", "arrives_on",
                  "departs_on"]


class ProtectionTaskOutput(serializers.ModelSerializer[AdvanceTask]):
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = AdvanceTask
        fields = ["id", "kind", "status", "due_on", "note"]


class ProtectionAssessmentOutput(serializers.ModelSerializer[NeedsAssessment]):
    principal_level = serializers.CharField(read_only=True)
    event_level = serializers.CharField(read_only=True)
    recommended_kind = serializers.CharField(read_only=True)
    override_kind = serializers.CharField(read_only=True)
    threat_picture = serializers.JSONField(read_only=True)
    assessed_by: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)
    tasks = ProtectionTaskOutput(many=True, read_only=True)

    class Meta:
        model = NeedsAssessment
        fields = ["id", "threat_picture", "threat_taken_at", "threat_summary",
                  "principal_level", "event_level", "highest_level", "recommended_kind",
                  "recommended_officers", "recommended_advance_team",
                  "recommended_armoured_vehicle", "override_kind", "override_officers",
                  "override_advance_team", "override_armoured_vehicle", "override_reason",
                  "assessed_by", "completed_at", "tasks", "version"]


class ProtectionCaseOutput(serializers.ModelSerializer[ProtectionCase]):
    reference = serializers.CharField(read_only=True)
    principal_name = serializers.CharField(source="principal.name", read_only=True)
    event_level = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    decision = serializers.CharField(read_only=True)
    coordinator: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)
    decided_by: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)
    destinations = ProtectionDestinationOutput(many=True, read_only=True)
    assessment = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()
    tasks_editable = serializers.SerializerMethodField()

    class Meta:
        model = ProtectionCase
        fields = ["id", "reference", "principal", "principal_name", "purpose", "starts_on",
                  "ends_on", "trip_request", "event_level", "event_public", "event_media",
                  "crowd_size", "event_notes", "coordinator", "status", "decision",
                  "decision_note", "decided_by", "decided_at", "cancel_reason",
                  "destinations", "assessment", "moves", "tasks_editable", "version",
                  "created_at", "updated_at"]

    @extend_schema_field(ProtectionAssessmentOutput(allow_null=True))
    def get_assessment(self, case: ProtectionCase) -> dict[str, Any] | None:
        assessment = getattr(case, "assessment", None) if hasattr(case, "assessment") else None
        return ProtectionAssessmentOutput(assessment).data if assessment is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_moves(self, case: ProtectionCase) -> list[str]:
        """The moves the case's status allows (whether the caller may make them is theirs)."""
        return rules.allowed_moves(case.status)

    @extend_schema_field(serializers.BooleanField())
    def get_tasks_editable(self, case: ProtectionCase) -> bool:
        """Whether the advance tasks may change today: under assessment, and after an
        approval until the trip ends."""
        return selectors.task_lock(case) is None


# --- Input ------------------------------------------------------------------------------------

def _persons(*, user: Any) -> Any:
    return people.person_list(user=user)


class ProtectionPrincipalInput(serializers.ModelSerializer[Principal]):
    organization = ScopedSlugRelatedField(slug_field="code", scope=people.organization_list)
    duty_station = ScopedSlugRelatedField(slug_field="code", scope=places.duty_station_list)
    person = ScopedSlugRelatedField(slug_field="index_number", required=False,
                                    allow_null=True, scope=_persons, audit_refused=True)
    profile_level = _choice("ProtectionProfileEnum", PROFILES, required=False)
    office = serializers.ListField(child=serializers.CharField(max_length=150),
                                   required=False,
                                   help_text="Usernames of the principal's designated office.")
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Principal
        fields = ["name", "title", "organization", "duty_station", "person", "profile_level",
                  "profile_notes", "office", "active", "version"]


def _principals(*, user: Any) -> Any:
    return selectors.principals_to_manage(user=user)


def _trips(*, user: Any) -> Any:
    return selectors.trip_request_choices(user=user, principals=selectors.principals_to_manage(
        user=user))


class ProtectionDestinationInput(serializers.ModelSerializer[ProtectionDestination]):
    country = ScopedSlugRelatedField(slug_field="iso2", scope=places.country_list)
    duty_station = ScopedSlugRelatedField(slug_field="code", required=False, allow_null=True,
                                          scope=places.duty_station_list)

    class Meta:
        model = ProtectionDestination
        fields = ["country", "duty_station", "city", "arrives_on", "departs_on"]


class ProtectionCaseInput(serializers.ModelSerializer[ProtectionCase]):
    principal = ScopedPrimaryKeyRelatedField(scope=_principals)
    trip_request = ScopedPrimaryKeyRelatedField(required=False, allow_null=True, scope=_trips)
    event_level = _choice("ProtectionProfileEnum", PROFILES, required=False)
    destinations = ProtectionDestinationInput(many=True, required=False,
                                    help_text="On creation only. Without them, a TRIP "
                                              "request's itinerary gives the destinations.")
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ProtectionCase
        fields = ["principal", "purpose", "starts_on", "ends_on", "trip_request",
                  "event_level", "event_public", "event_media", "crowd_size", "event_notes",
                  "destinations", "version"]


@validated_whole
class ProtectionAssessmentInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    threat_summary = serializers.CharField(required=False, allow_blank=True)
    principal_level = _choice("ProtectionProfileEnum", PROFILES, required=False)
    event_level = _choice("ProtectionProfileEnum", PROFILES, required=False)
    override_kind = _choice("ProtectionDetailOverrideEnum", ["", *DETAILS], required=False,
                            allow_blank=True)
    override_officers = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    override_advance_team = serializers.BooleanField(required=False)
    override_armoured_vehicle = serializers.BooleanField(required=False)
    override_reason = serializers.CharField(required=False, allow_blank=True)


@validated_whole
class ProtectionTaskInput(serializers.Serializer):  # type: ignore[type-arg]
    status = _choice("ProtectionTaskStatusEnum", TASK_STATUSES, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ProtectionMoveInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()


class ProtectionDecideInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    decision = _choice("ProtectionDecisionEnum", DECISIONS)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProtectionCancelInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    reason = serializers.CharField()


# --- Viewsets ---------------------------------------------------------------------------------

def _principal_rows(*, user: Any) -> Any:
    return selectors.principal_list(user=user).prefetch_related("office").order_by("name", "pk")


class PrincipalViewSet(WritableServiceViewSet):
    """Principals a protection coordinator covers, or whose office the caller belongs to.
    Every read is audited."""

    output_serializer = ProtectionPrincipalOutput
    input_serializer = ProtectionPrincipalInput
    selector = staticmethod(_principal_rows)
    create_service = staticmethod(services.principal_create)
    update_service = staticmethod(services.principal_update)
    record_name = "principal"
    aside = {"office": "office"}
    filterset_fields = ["active"]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        selectors.audit_principal_list(user=request.user, principals=page,
                                       query=request.query_params.urlencode())
        return self.get_paginated_response(self.output_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(selectors.principal_get(user=request.user, pk=pk))


def _case_rows(*, user: Any) -> Any:
    return selectors.case_list(user=user).select_related(
        "decided_by", "assessment", "assessment__assessed_by").prefetch_related(
        "destinations__country", "destinations__duty_station", "assessment__tasks"
    ).order_by("-starts_on", "-pk")


class CaseViewSet(WritableServiceViewSet):
    """Protection cases, need-to-know: a protection coordinator in scope, or the principal's
    designated office (read only). Every read is audited, a page naming the cases shown."""

    output_serializer = ProtectionCaseOutput
    input_serializer = ProtectionCaseInput
    selector = staticmethod(_case_rows)
    create_service = staticmethod(services.case_create)
    update_service = staticmethod(services.case_update)
    record_name = "case"
    filterset_fields = ["principal"]

    def get_queryset(self) -> Any:
        wanted = self.request.query_params.get("status", "")
        rows = super().get_queryset()
        return rows.filter(status=wanted) if self.action == "list" and wanted else rows

    @extend_schema(parameters=[OpenApiParameter(
        "status", str, description="One of: " + ", ".join(s.value for s in rules.CaseStatus))])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        selectors.audit_case_list(user=request.user, cases=page,
                                  query=request.query_params.urlencode(), where="api")
        return self.get_paginated_response(self.output_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self._case(request, pk, audited=True))

    def _case(self, request: Request, pk: str, *, audited: bool = False) -> ProtectionCase:
        return selectors.case_get(user=request.user, pk=pk, audited=audited)

    def _fresh(self, case: ProtectionCase, code: int = status.HTTP_200_OK) -> Response:
        return self.output(_case_rows(user=self.request.user).get(pk=case.pk), code)

    def create(self, request: Request) -> Response:
        data = valid_input(ProtectionCaseInput, request.data, context=self.get_serializer_context())
        data.pop("version", None)
        stops = data.pop("destinations", None)
        case = services.case_create(actor=request.user, data=data, destinations=stops)
        return self._fresh(case, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(ProtectionCaseInput, request.data, partial=True,
                           context=self.get_serializer_context())
        if "destinations" in data:
            raise serializers.ValidationError({"destinations": [
                "Add or remove destinations through the case's destinations."]})
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": ["Send the version you read."]})
        return self._fresh(services.case_update(actor=request.user, case=case, data=data,
                                                version=version))

    @extend_schema(request=ProtectionDestinationInput, responses={201: ProtectionCaseOutput})
    @action(detail=True, methods=["post"], url_path="destinations")
    def destination_add(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(ProtectionDestinationInput, request.data,
                           context=self.get_serializer_context())
        services.destination_add(actor=request.user, case=case, data=data)
        return self._fresh(case, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["delete"], url_path=r"destinations/(?P<row>[0-9]+)")
    def destination_remove(self, request: Request, pk: str, row: str) -> Response:
        case = self._case(request, pk)
        destination = case.destinations.filter(pk=row).first()
        if destination is None:
            raise NotFound()
        services.destination_remove(actor=request.user, case=case, destination=destination)
        return self._fresh(case)

    @extend_schema(request=None, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"], url_path="destinations-from-trip")
    def destinations_from_trip(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        services.destinations_from_trip(actor=request.user, case=case)
        return self._fresh(case)

    def _move(self, request: Request, pk: str, move: rules.Move) -> Response:
        case = self._case(request, pk)
        data = valid_input(ProtectionMoveInput, request.data)
        service: Any = services.MOVES[move]
        return self._fresh(service(actor=request.user, case=case, version=data["version"]))

    @extend_schema(request=ProtectionMoveInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Start the assessment: the threat picture is taken and the detail recommended."""
        return self._move(request, pk, rules.Move.START)

    @extend_schema(request=ProtectionMoveInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit the complete assessment for decision."""
        return self._move(request, pk, rules.Move.SUBMIT)

    @extend_schema(request=ProtectionMoveInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, rules.Move.REOPEN)

    @extend_schema(request=ProtectionDecideInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(ProtectionDecideInput, request.data)
        return self._fresh(services.case_decide(actor=request.user, case=case,
                                                decision=data["decision"], note=data["note"],
                                                version=data["version"]))

    @extend_schema(request=ProtectionCancelInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(ProtectionCancelInput, request.data)
        return self._fresh(services.case_cancel(actor=request.user, case=case,
                                                reason=data["reason"],
                                                version=data["version"]))

    @extend_schema(request=ProtectionAssessmentInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["patch"], url_path="assessment")
    def assessment(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        found = selectors.assessment_of(case)
        if found is None:
            raise NotFound()
        data = valid_input(ProtectionAssessmentInput, request.data)
        version = data.pop("version")
        services.assessment_update(actor=request.user, assessment=found, data=data,
                                   version=version)
        return self._fresh(case)

    @extend_schema(request=ProtectionMoveInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["post"], url_path="assessment/refresh")
    def assessment_refresh(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        found = selectors.assessment_of(case)
        if found is None:
            raise NotFound()
        data = valid_input(ProtectionMoveInput, request.data)
        services.assessment_refresh(actor=request.user, assessment=found,
                                    version=data["version"])
        return self._fresh(case)

    @extend_schema(request=ProtectionTaskInput, responses={200: ProtectionCaseOutput})
    @action(detail=True, methods=["patch"], url_path=r"tasks/(?P<row>[0-9]+)")
    def task(self, request: Request, pk: str, row: str) -> Response:
        case = self._case(request, pk)
        found = AdvanceTask.objects.filter(assessment__case=case, pk=row).select_related(
            "assessment__case").first()
        if found is None:
            raise NotFound()
        data = valid_input(ProtectionTaskInput, request.data)
        services.task_update(actor=request.user, task=found, data=data)
        return self._fresh(case)


ROUTES = [("hq/protection-principals", PrincipalViewSet, "protection-principal"),
          ("hq/protection-cases", CaseViewSet, "protection-case")]
