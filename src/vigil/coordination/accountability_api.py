"""REST API of the accountability framework: /api/v1/coordination/appointments/ (list, read,
record, ``/<id>/end/``), /coordination/gaps/ (the gap board), /coordination/duties/?country=<id>
(overdue duties of a country) and /coordination/requirements/ (read; change for global
configurers)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.coordination import accountability_selectors as selectors
from vigil.coordination import accountability_services as services
from vigil.coordination.accountability_rules import DutyKind
from vigil.coordination.models import Appointment, Function, PlaceLevel, RoleRequirement
from vigil.core.api import (
    ApiViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.people.models import Organization
from vigil.places.models import Country, DutyStation, SecurityArea


def _appointments(*, user: Any) -> Any:
    return selectors.appointment_list(user=user, include_ended=True)


def _countries(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_APPOINTMENTS, Country.objects.all())


def _areas(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_APPOINTMENTS, SecurityArea.objects.all())


def _stations(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_APPOINTMENTS, DutyStation.objects.all())


def _organizations(*, user: Any) -> Any:
    return Organization.objects.all()


def _users(*, user: Any) -> Any:
    # Appointing names an account: any active one (the appointment then grants its access).
    return get_user_model().objects.filter(is_active=True)


class AppointmentOutput(serializers.ModelSerializer[Appointment]):
    function = named_choices("CoordinationFunctionEnum", Function.choices, read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    place = serializers.CharField(source="place_label", read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "function", "user", "username", "organization", "organization_code",
                  "country", "security_area", "duty_station", "zone", "place", "starts_on",
                  "ends_on", "reference", "end_reason", "grant", "version"]


class AppointmentInput(serializers.ModelSerializer[Appointment]):
    function = named_choices("CoordinationFunctionEnum", Function.choices)
    user = ScopedPrimaryKeyRelatedField(scope=_users)
    organization = ScopedPrimaryKeyRelatedField(scope=_organizations)
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    security_area = ScopedPrimaryKeyRelatedField(scope=_areas, required=False, allow_null=True)
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations, required=False,
                                                allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Appointment
        fields = ["function", "user", "organization", "country", "security_area",
                  "duty_station", "zone", "starts_on", "ends_on", "reference", "version"]


class AppointmentUpdateInput(serializers.ModelSerializer[Appointment]):
    organization = ScopedPrimaryKeyRelatedField(scope=_organizations, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Appointment
        fields = ["reference", "organization", "zone", "version"]


class EndInput(serializers.Serializer[Any]):
    ends_on = serializers.DateField()
    end_reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False)


class AppointmentViewSet(WritableServiceViewSet):
    """Security appointments in the reader's scope, in force and ended."""

    output_serializer = AppointmentOutput
    input_serializer = AppointmentInput
    selector = staticmethod(_appointments)
    filterset_fields = ["function", "country", "security_area", "duty_station", "user"]
    create_service = staticmethod(services.appointment_create)
    update_service = staticmethod(services.appointment_update)
    record_name = "appointment"

    def get_serializer_class(self) -> Any:
        if self.action == "partial_update":
            return AppointmentUpdateInput
        return super().get_serializer_class()

    @extend_schema(request=EndInput, responses=AppointmentOutput)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        appointment = self.get_object()
        data = valid_input(EndInput, request.data)
        return self.output(services.appointment_end(
            actor=request.user, appointment=appointment, ends_on=data["ends_on"],
            reason=data["end_reason"], version=data.get("version")))


class GapOutput(serializers.Serializer[Any]):
    place_level = named_choices("CoordinationPlaceLevelEnum", PlaceLevel.choices,
                                source="place.level")
    place_id = serializers.IntegerField(source="place.pk")
    place = serializers.CharField(source="place.label")
    country = serializers.IntegerField(source="place.country_id")
    function = named_choices("CoordinationFunctionEnum", Function.choices)
    required_count = serializers.IntegerField(source="required")
    held = serializers.IntegerField()
    security_level = serializers.IntegerField(allow_null=True)
    vacant_since = serializers.DateField(allow_null=True)


def _country_param(request: Request, *, required: bool) -> int | None:
    raw = request.query_params.get("country", "")
    if not raw:
        if required:
            raise NotFound()
        return None
    if not raw.isdigit():
        raise NotFound()
    return int(raw)


class GapViewSet(ApiViewSet):
    """The gap board: places in the reader's scope where a required function is unfilled."""

    @extend_schema(parameters=[OpenApiParameter("country", int, required=False)],
                   responses=GapOutput(many=True))
    def list(self, request: Request) -> Response:
        found = selectors.gaps(user=request.user,
                               country_id=_country_param(request, required=False))
        return Response(GapOutput(found, many=True).data)


class DutyOutput(serializers.Serializer[Any]):
    function = named_choices("CoordinationFunctionEnum", Function.choices)
    holder = serializers.IntegerField(source="holder.pk", allow_null=True, default=None)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    duty = named_choices("CoordinationDutyKindEnum",
                         [(k.value, k.label) for k in DutyKind], source="kind")
    duty_label = serializers.CharField(source="label")
    record = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True)
    record_label = serializers.CharField()
    url = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(allow_null=True)


class DutyViewSet(ApiViewSet):
    """The overdue duties of each security function in a country the reader sees."""

    @extend_schema(parameters=[OpenApiParameter("country", int, required=True)],
                   responses=DutyOutput(many=True))
    def list(self, request: Request) -> Response:
        country_id = _country_param(request, required=True)
        country = selectors.country_get(user=request.user, pk=country_id)
        return Response(DutyOutput(selectors.overdue_duties(
            user=request.user, country_id=country.pk), many=True).data)


class RequirementOutput(serializers.ModelSerializer[RoleRequirement]):
    function = named_choices("CoordinationFunctionEnum", Function.choices, read_only=True)
    level = named_choices("CoordinationPlaceLevelEnum", PlaceLevel.choices, read_only=True)

    class Meta:
        model = RoleRequirement
        fields = ["id", "function", "level", "minimum", "from_security_level", "active",
                  "version"]


class RequirementInput(serializers.ModelSerializer[RoleRequirement]):
    # A change without the version read is taken (the service checks it when sent).
    version_optional = True
    version = serializers.IntegerField(required=False)

    class Meta:
        model = RoleRequirement
        fields = ["minimum", "from_security_level", "active", "version"]


def _requirements(*, user: Any) -> Any:
    return (selectors.requirement_list() if has_perm_anywhere(user, Perm.VIEW_COORDINATION)
            else RoleRequirement.objects.none())


class RequirementViewSet(ServiceViewSet):
    """The role requirements of the gap board; changed by global configurers."""

    output_serializer = RequirementOutput
    input_serializer = RequirementInput
    selector = staticmethod(_requirements)

    @extend_schema(request=RequirementInput, responses=RequirementOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        requirement = self.get_object()
        data = valid_input(RequirementInput, request.data, partial=True)
        version = data.pop("version", None)
        return self.output(services.requirement_update(
            actor=request.user, requirement=requirement, data=data, version=version),
            status.HTTP_200_OK)


ROUTES: list[tuple[str, Any, str]] = [
    ("coordination/appointments", AppointmentViewSet, "coordination-appointment"),
    ("coordination/gaps", GapViewSet, "coordination-gap"),
    ("coordination/duties", DutyViewSet, "coordination-duty"),
    ("coordination/requirements", RequirementViewSet, "coordination-requirement"),
]
