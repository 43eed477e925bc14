"""REST API of training: /api/v1/training/courses/ (read; create and edit for global
training officers), /training/sessions/ (read, schedule, edit, ``/<id>/complete|cancel/``,
``/<id>/enrol/``), /training/enrolments/ (read, ``/<id>/cancel|attendance|result/``),
/training/completions/ (read, record, ``/<id>/revoke/``, ``/<id>/certificate/`` as PDF,
``/import/`` a learning platform's CSV) and /training/needs/?duty_station=<id>."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
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
from vigil.core.authz import Perm
from vigil.core.errors import NotFound
from vigil.places import selectors as places
from vigil.training import rules, selectors, services
from vigil.training.documents import certificate_pdf
from vigil.training.models import (
    Completion,
    CompletionSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Result,
    Session,
    SessionStatus,
)


def _courses(*, user: Any) -> Any:
    return selectors.course_list(user=user)


class CourseOutput(serializers.ModelSerializer[Course]):
    kind = named_choices("TrainingCourseKindEnum", CourseKind.choices, read_only=True)
    never_expires = serializers.BooleanField(read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "name", "kind", "description", "validity_months",
                  "never_expires", "applies_to_dependants", "dependant_minimum_age",
                  "required_for_all", "required_categories", "required_roles",
                  "required_duty_stations", "is_active", "version"]


class CourseInput(serializers.ModelSerializer[Course]):
    kind = named_choices("TrainingCourseKindEnum", CourseKind.choices)
    required_categories = serializers.ListField(child=serializers.CharField(), required=False)
    required_roles = serializers.ListField(child=serializers.CharField(), required=False)
    required_duty_stations = ScopedPrimaryKeyRelatedField(
        many=True, required=False, scope=places.duty_station_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Course
        fields = ["code", "name", "kind", "description", "validity_months",
                  "applies_to_dependants", "dependant_minimum_age", "required_for_all",
                  "required_categories", "required_roles", "required_duty_stations",
                  "is_active", "version"]
        extra_kwargs = {"code": {"validators": []}}


class CourseViewSet(WritableServiceViewSet):
    """The course catalogue, read by everyone in training; changed by global officers."""

    output_serializer = CourseOutput
    input_serializer = CourseInput
    selector = staticmethod(_courses)
    filterset_fields = ["kind", "is_active"]
    create_service = staticmethod(services.course_create)
    update_service = staticmethod(services.course_update)
    record_name = "course"


class SessionOutput(serializers.ModelSerializer[Session]):
    course = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = named_choices("TrainingSessionStatusEnum", SessionStatus.choices, read_only=True)
    seated = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "course", "duty_station", "venue", "online", "starts_at", "ends_at",
                  "time_zone", "trainers", "capacity", "seated", "waiting", "status", "notes",
                  "version"]


class SessionInput(serializers.ModelSerializer[Session]):
    course = ScopedPrimaryKeyRelatedField(scope=_courses)
    duty_station = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                scope=places.duty_station_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Session
        fields = ["course", "duty_station", "venue", "online", "starts_at", "ends_at",
                  "time_zone", "trainers", "capacity", "notes", "version"]


class TrainingVersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(required=False)


def _people(*, user: Any) -> Any:
    return selectors.enrollable_people(user=user)


def _dependants(*, user: Any) -> Any:
    return selectors.enrollable_dependants(user=user)


class EnrolInput(serializers.Serializer[Any]):
    person = ScopedPrimaryKeyRelatedField(scope=_people)
    dependant = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                             scope=_dependants)


class EnrolmentOutput(serializers.ModelSerializer[Enrolment]):
    status = named_choices("TrainingEnrolmentStatusEnum", EnrolmentStatus.choices,
                           read_only=True)
    result = named_choices("TrainingResultEnum", [("", "-"), *Result.choices], read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "session", "person", "dependant", "status", "result", "score",
                  "created_at", "version"]


class SessionViewSet(WritableServiceViewSet):
    """Every session, wherever held (the calendar); scheduled and changed in scope."""

    output_serializer = SessionOutput
    input_serializer = SessionInput
    selector = staticmethod(selectors.session_list)
    filterset_fields = ["status", "course", "duty_station", "online"]
    create_service = staticmethod(services.session_create)
    update_service = staticmethod(services.session_update)
    record_name = "session"

    def _move(self, request: Request, pk: str, move: str) -> Response:
        session = self.get_object()
        data = valid_input(TrainingVersionInput, request.data)
        services.session_transition(actor=request.user, session=session, action=move,
                                    version=data.get("version"))
        return self.output(selectors.session_get(user=request.user, pk=session.pk))

    @extend_schema(request=TrainingVersionInput, responses=SessionOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, "complete")

    @extend_schema(request=TrainingVersionInput, responses=SessionOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, "cancel")

    @extend_schema(request=EnrolInput, responses={201: EnrolmentOutput})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = valid_input(EnrolInput, request.data, user=request.user)
        enrolment = services.enrolment_create(actor=request.user, session=session,
                                              person=data["person"],
                                              dependant=data.get("dependant"))
        return Response(EnrolmentOutput(enrolment).data, status=status.HTTP_201_CREATED)


class AttendanceInput(serializers.Serializer[Any]):
    attended = serializers.BooleanField()
    version = serializers.IntegerField(required=False)


class ResultInput(serializers.Serializer[Any]):
    result = named_choices("TrainingResultInputEnum", Result.choices)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                     allow_null=True)
    completed_on = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)


class EnrolmentViewSet(ServiceViewSet):
    """Enrolments in the reader's scope (a traveller: their own household's)."""

    output_serializer = EnrolmentOutput
    selector = staticmethod(selectors.enrolment_list)
    filterset_fields = ["status", "session", "person"]

    @extend_schema(request=TrainingVersionInput, responses=EnrolmentOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = valid_input(TrainingVersionInput, request.data)
        return self.output(services.enrolment_cancel(
            actor=request.user, enrolment=self.get_object(), version=data.get("version")))

    @extend_schema(request=AttendanceInput, responses=EnrolmentOutput)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str) -> Response:
        data = valid_input(AttendanceInput, request.data)
        return self.output(services.enrolment_attendance(
            actor=request.user, enrolment=self.get_object(), attended=data["attended"],
            version=data.get("version")))

    @extend_schema(request=ResultInput, responses=EnrolmentOutput)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, pk: str) -> Response:
        data = valid_input(ResultInput, request.data)
        return self.output(services.enrolment_result(
            actor=request.user, enrolment=self.get_object(), result=data["result"],
            score=data.get("score"), completed_on=data.get("completed_on"),
            version=data.get("version")))


class CompletionOutput(serializers.ModelSerializer[Completion]):
    course = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_from = named_choices("TrainingCompletionSourceEnum", CompletionSource.choices,
                                  source="source", read_only=True)
    valid_today = serializers.SerializerMethodField()

    class Meta:
        model = Completion
        fields = ["id", "person", "dependant", "course", "completed_on", "expires_on",
                  "valid_today", "recorded_from", "session", "platform_id", "score",
                  "certificate_code", "revoked", "created_at"]

    def get_valid_today(self, obj: Completion) -> bool:
        return rules.valid_on(obj.completed_on, obj.expires_on, timezone.localdate(),
                              revoked=obj.revoked)


def _managed_people(*, user: Any) -> Any:
    return selectors.enrollable_people(user=user, perm=Perm.MANAGE_TRAINING)


def _managed_dependants(*, user: Any) -> Any:
    return selectors.enrollable_dependants(user=user, perm=Perm.MANAGE_TRAINING)


class CompletionInput(serializers.Serializer[Any]):
    person = ScopedPrimaryKeyRelatedField(scope=_managed_people)
    dependant = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                             scope=_managed_dependants)
    course = ScopedPrimaryKeyRelatedField(scope=_courses)
    completed_on = serializers.DateField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                     allow_null=True)


class RevokeInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300)


class ImportInput(serializers.Serializer[Any]):
    file = serializers.FileField()
    skip_invalid = serializers.BooleanField(required=False, default=False)


class ImportOutcome(serializers.Serializer[Any]):
    row_number = serializers.IntegerField(source="row")
    outcome = serializers.CharField()
    message = serializers.CharField()


class ImportReportOutput(serializers.Serializer[Any]):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    outcomes = ImportOutcome(many=True)


class CompletionViewSet(ServiceViewSet):
    """Completions in the reader's scope (a traveller: their own and their dependants')."""

    output_serializer = CompletionOutput
    selector = staticmethod(selectors.completion_list)
    filterset_fields = ["course", "source", "person", "revoked"]

    @extend_schema(request=CompletionInput, responses={201: CompletionOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(CompletionInput, request.data, user=request.user)
        completion = services.completion_record(
            actor=request.user, person=data["person"], dependant=data.get("dependant"),
            course=data["course"], completed_on=data["completed_on"], score=data.get("score"))
        return self.output(completion, status.HTTP_201_CREATED)

    @extend_schema(request=RevokeInput, responses=CompletionOutput)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        data = valid_input(RevokeInput, request.data)
        return self.output(services.completion_revoke(
            actor=request.user, completion=self.get_object(), reason=data["reason"]))

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The certificate as PDF.")})
    @action(detail=True, methods=["get"])
    def certificate(self, request: Request, pk: str) -> HttpResponse:
        completion = self.get_object()
        if completion.revoked:
            raise NotFound()
        url = request.build_absolute_uri(reverse("training:verify",
                                                 args=[completion.certificate_code]))
        response = HttpResponse(certificate_pdf(completion, verify_url=url),
                                content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-{completion.certificate_code}.pdf"')
        return response

    @extend_schema(request={"multipart/form-data": ImportInput},
                   responses=ImportReportOutput)
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def import_file(self, request: Request) -> Response:
        data = valid_input(ImportInput, request.data)
        report = services.completions_import(actor=request.user, data=data["file"].read(),
                                             skip_invalid=data["skip_invalid"])
        return Response(ImportReportOutput(report).data)


class NeedOutput(serializers.Serializer[Any]):
    """A course required at the duty station: how many must hold it, hold it, lack it."""

    course_code = serializers.CharField(source="course.code")
    required_count = serializers.IntegerField(source="required")
    holding = serializers.IntegerField()
    lacking_count = serializers.IntegerField()
    lacking = serializers.SerializerMethodField()

    def get_lacking(self, obj: Any) -> list[int]:
        return [p.pk for p in obj.lacking]


class NeedsViewSet(ApiViewSet):
    """Who must hold which course at a duty station, and who lacks it today."""

    @extend_schema(parameters=[OpenApiParameter("duty_station", int, required=True)],
                   responses=NeedOutput(many=True))
    def list(self, request: Request) -> Response:
        station_id = request.query_params.get("duty_station", "")
        station = selectors.stations_for_needs(user=request.user).filter(
            pk=station_id if station_id.isdigit() else 0).first()
        if station is None:
            raise NotFound()
        return Response(NeedOutput(selectors.needs_at(user=request.user,
                                                      duty_station=station), many=True).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("training/courses", CourseViewSet, "training-course"),
    ("training/sessions", SessionViewSet, "training-session"),
    ("training/enrolments", EnrolmentViewSet, "training-enrolment"),
    ("training/completions", CompletionViewSet, "training-completion"),
    ("training/needs", NeedsViewSet, "training-need"),
]
