"""REST API of entry events: /api/v1/hq/gate-scans/ (a pass presented at a gate),
/api/v1/hq/entry-events/ (list, read, an officer's report), /api/v1/hq/unauthorized-entries/ (list,
read, review), /api/v1/hq/entry-mappings/, /api/v1/hq/entry-imports/ (upload a controller's export)
and /api/v1/hq/entry-statistics/."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ApiSchema,
    ApiViewSet,
    AtomicWrites,
    FieldErrorOutput,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    UserRateThrottle,
    WritableServiceViewSet,
    valid_input,
)
from vigil.core.authz import Perm
from vigil.hq import gate_selectors as selectors
from vigil.hq import gate_services as services
from vigil.hq.models import (
    ColumnMapping,
    EntryDirection,
    EntryEvent,
    EntryImport,
    UnauthorizedEntry,
)
from vigil.places.api import TIME_ZONE_SCHEMA, TimeZoneFields
from vigil.places.rules import is_time_zone


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise serializers.ValidationError({"date": [_("Write dates as YYYY-MM-DD.")]}) from None


def _zone(name: str | None) -> dt.tzinfo:
    if not name:
        return dt.UTC
    if not is_time_zone(name):
        raise serializers.ValidationError({"tz": [_("Not a time zone.")]})
    return ZoneInfo(name)


DATE_PARAMETERS = [
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (in tz)."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Up to this day (in tz)."),
    OpenApiParameter("tz", TIME_ZONE_SCHEMA, description="IANA time zone of the days (UTC)."),
]


# --- Gate scans -------------------------------------------------------------------------------

class ScanInput(serializers.Serializer):  # type: ignore[type-arg]
    gate = ScopedPrimaryKeyRelatedField(scope=selectors.scan_gates)
    code = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                 help_text="The text of the pass's QR code.")
    pass_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    direction = serializers.ChoiceField(choices=EntryDirection.choices,
                                        default=EntryDirection.IN)


class ScanOutput(serializers.Serializer):  # type: ignore[type-arg]
    event = serializers.IntegerField(source="event.pk")
    result = serializers.CharField(source="event.result")
    reason = serializers.CharField(source="event.reason")
    decision = serializers.CharField(source="label")
    pass_number = serializers.CharField(source="event.pass_number")
    holder = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    visit_note = serializers.CharField()
    unauthorized_entries = serializers.SerializerMethodField()

    def get_holder(self, obj: services.ScanResult) -> str | None:
        return str(obj.pass_obj.holder) if obj.pass_obj is not None else None

    def get_visit(self, obj: services.ScanResult) -> int | None:
        return obj.visit.pk if obj.visit is not None else None

    def get_unauthorized_entries(self, obj: services.ScanResult) -> list[int]:
        return [u.pk for u in obj.unauthorized]


class GateScanViewSet(AtomicWrites, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A pass presented at a gate, by its QR code or its number: the decision, recorded."""

    schema = ApiSchema()
    throttle_classes = [UserRateThrottle]

    serializer_class = ScanInput

    @extend_schema(request=ScanInput, responses={201: ScanOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(ScanInput, request.data, user=request.user)
        result = services.gate_scan(actor=request.user, gate=data["gate"],
                                    code=data.get("code", ""),
                                    pass_number=data.get("pass_number", ""),
                                    direction=data["direction"])
        return Response(ScanOutput(result).data, status=status.HTTP_201_CREATED)


# --- Entry events -----------------------------------------------------------------------------

class EntryEventOutput(serializers.ModelSerializer[EntryEvent]):
    pass_id = serializers.IntegerField(source="pass_obj_id", allow_null=True, read_only=True)
    # Codes as plain text: their choice sets would collide with other apps' in the schema.
    result = serializers.CharField(read_only=True, help_text="granted, denied, or empty for "
                                                             "an officer's report")
    reason = serializers.CharField(read_only=True, help_text="hq EntryReason code")
    pass_refusal = serializers.CharField(read_only=True, help_text="Vigil's check of the pass")
    kind = serializers.CharField(read_only=True, help_text="pass_read, tailgating or "
                                                           "forced_entry")
    # A declared field named "source" (DRF's metaclass takes it off the class).
    source = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="import, scan or report")

    class Meta:
        model = EntryEvent
        fields = ["id", "premises", "gate", "occurred_at", "pass_id", "pass_number",
                  "direction", "result", "reason", "pass_refusal", "kind", "source",
                  "description", "external_id", "batch", "unauthorized_entry", "created_at"]


class ReportInput(serializers.Serializer):  # type: ignore[type-arg]
    premises = ScopedPrimaryKeyRelatedField(
        scope=lambda user: selectors.gate_premises(user=user, perm=Perm.RECORD_ENTRY))
    gate = ScopedPrimaryKeyRelatedField(scope=selectors.scan_gates, required=False,
                                        allow_null=True)
    kind = serializers.CharField(help_text="tailgating or forced_entry")
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField()


class EntryEventViewSet(ServiceViewSet):
    """Entry events in the reader's scope; POST reports tailgating or forced entry."""

    output_serializer = EntryEventOutput
    input_serializer = ReportInput
    selector = staticmethod(selectors.entry_event_list)
    filterset_fields = ["premises", "gate", "result", "reason", "kind", "source",
                        "unauthorized_entry"]
    audit_list_as = "hq.entry_event.list"

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.entry_event_list(
            user=self.request.user, since=_date(params.get("since")),
            until=_date(params.get("until")), tz=_zone(params.get("tz")))

    @extend_schema(parameters=DATE_PARAMETERS)
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(request=ReportInput, responses={201: EntryEventOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(ReportInput, request.data, user=request.user)
        event = services.entry_report(actor=request.user, **data)
        return self.output(event, status.HTTP_201_CREATED)


# --- Unauthorized entries ---------------------------------------------------------------------

class UnauthorizedEntryOutput(serializers.ModelSerializer[UnauthorizedEntry]):
    reference = serializers.CharField(read_only=True)
    rule = serializers.CharField(read_only=True, help_text="denied_attempts, tailgating, "
                                                           "forced_entry or invalid_pass")
    status = serializers.CharField(read_only=True, help_text="open or closed")
    events: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = UnauthorizedEntry
        fields = ["id", "reference", "premises", "rule", "gate", "pass_number", "occurred_at",
                  "last_at", "events_count", "events", "incident", "status", "review_note",
                  "reviewed_by", "reviewed_at", "version", "created_at", "updated_at"]


class ReviewInput(serializers.Serializer):  # type: ignore[type-arg]
    move = serializers.CharField(help_text="close or reopen")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


class UnauthorizedEntryViewSet(ServiceViewSet):
    """Unauthorized entries raised by the rules, each with its events and incident."""

    output_serializer = UnauthorizedEntryOutput
    filterset_fields = ["premises", "rule", "status", "gate"]

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.unauthorized_list(
            user=self.request.user, since=_date(params.get("since")),
            until=_date(params.get("until")), tz=_zone(params.get("tz"))
        ).prefetch_related("events")

    @extend_schema(parameters=DATE_PARAMETERS)
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(request=ReviewInput, responses={200: UnauthorizedEntryOutput},
                   operation_id="unauthorized_entries_review")
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        data = valid_input(ReviewInput, request.data)
        return self.output(services.unauthorized_entry_review(
            actor=request.user, entry=self.get_object(), **data))

    @extend_schema(request=None, responses={200: UnauthorizedEntryOutput},
                   operation_id="unauthorized_entries_record_incident")
    @action(detail=True, methods=["post"], url_path="record-incident")
    def record_incident(self, request: Request, pk: str) -> Response:
        return self.output(services.unauthorized_entry_record_incident(
            actor=request.user, entry=self.get_object()))


# --- Mappings ---------------------------------------------------------------------------------

class MappingOutput(serializers.ModelSerializer[ColumnMapping]):
    class Meta:
        model = ColumnMapping
        fields = ["id", "duty_station", "name", "description", "time_column", "time_format",
                  "time_zone", "gate_column", "pass_column", "result_column", "granted_values",
                  "denied_values", "reason_column", "reason_values", "event_id_column",
                  "direction_column", "in_values", "out_values", "version", "created_at",
                  "updated_at"]


class MappingInput(TimeZoneFields, serializers.ModelSerializer[ColumnMapping]):
    duty_station = ScopedPrimaryKeyRelatedField(
        scope=lambda user: selectors.gate_stations(user=user, perm=Perm.CONFIGURE_ACCESS))
    reason_values = serializers.DictField(child=serializers.CharField(), required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ColumnMapping
        fields = [f for f in MappingOutput.Meta.fields
                  if f not in {"id", "created_at", "updated_at"}]


def _save_mapping(*, actor: Any, data: dict[str, Any], mapping: ColumnMapping | None = None,
                  version: int | None = None) -> ColumnMapping:
    return services.mapping_save(actor=actor, data=data, mapping=mapping, version=version)


class MappingViewSet(WritableServiceViewSet):
    """Gate controllers' column mappings (changed by those who configure access control)."""

    output_serializer = MappingOutput
    input_serializer = MappingInput
    selector = staticmethod(selectors.mapping_list)
    filterset_fields = ["duty_station", "name"]
    create_service = staticmethod(_save_mapping)
    update_service = staticmethod(_save_mapping)
    record_name = "mapping"


# --- Imports ----------------------------------------------------------------------------------

class ImportOutput(serializers.ModelSerializer[EntryImport]):
    class Meta:
        model = EntryImport
        fields = ["id", "premises", "mapping", "file_name", "sha256", "imported_by", "rows",
                  "created", "duplicates", "skipped", "unauthorized", "errors", "created_at"]


class GateImportInput(serializers.Serializer):  # type: ignore[type-arg]
    premises = ScopedPrimaryKeyRelatedField(
        scope=lambda user: selectors.gate_premises(user=user, perm=Perm.IMPORT_ENTRIES))
    mapping = ScopedPrimaryKeyRelatedField(scope=selectors.mapping_list)
    file = serializers.FileField()
    skip_invalid = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)


class GateImportReportOutput(serializers.Serializer):  # type: ignore[type-arg]
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    skipped = serializers.IntegerField()
    unauthorized = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    errors: Any = serializers.SerializerMethodField()

    @extend_schema_field(FieldErrorOutput(many=True))
    def get_errors(self, obj: services.EntryImportReport) -> list[dict[str, object]]:
        return [e.as_dict() for e in obj.errors]


class EntryImportViewSet(ServiceViewSet):
    """Imports of controllers' exports; POST (multipart) imports one."""

    output_serializer = ImportOutput
    input_serializer = GateImportInput
    selector = staticmethod(selectors.import_list)
    filterset_fields = ["premises", "mapping"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": GateImportInput},
                   responses={201: GateImportReportOutput, 200: GateImportReportOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(GateImportInput, request.data, user=request.user)
        upload = data["file"]
        report = services.entries_import(
            actor=request.user, premises=data["premises"], mapping=data["mapping"],
            data=upload.read(), file_name=upload.name, skip_invalid=data["skip_invalid"],
            dry_run=data["dry_run"])
        return Response(GateImportReportOutput(report).data,
                        status=status.HTTP_200_OK if report.dry_run else status.HTTP_201_CREATED)


# --- Statistics -------------------------------------------------------------------------------

class StatisticsRow(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.DateField(allow_null=True, required=False)
    key = serializers.IntegerField(allow_null=True, required=False)
    label: Any = serializers.CharField(required=False)
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()
    reported = serializers.IntegerField()
    unauthorized = serializers.IntegerField()


@extend_schema_serializer(many=False)
class StatisticsOutput(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    by = serializers.CharField()
    totals = serializers.DictField(child=serializers.IntegerField())
    periods = StatisticsRow(many=True)
    groups = StatisticsRow(many=True)


class EntryStatisticsViewSet(ApiViewSet):
    """Entries granted, denied and reported, and unauthorized entries, by period and by
    premises or gate."""

    serializer_class = StatisticsOutput
    pagination_class = None

    @extend_schema(parameters=[
        *DATE_PARAMETERS,
        OpenApiParameter("period", OpenApiTypes.STR, enum=["day", "week", "month"]),
        OpenApiParameter("by", OpenApiTypes.STR, enum=["premises", "gate"]),
        OpenApiParameter("premises", OpenApiTypes.INT),
        OpenApiParameter("gate", OpenApiTypes.INT)], responses={200: StatisticsOutput})
    def list(self, request: Request) -> Response:
        params = request.query_params
        stats = selectors.statistics(
            user=request.user, period=params.get("period", "day"),
            by=params.get("by", "premises"),
            premises=params.get("premises") if (params.get("premises") or "").isdigit()
            else None,
            gate=params.get("gate") if (params.get("gate") or "").isdigit() else None,
            since=_date(params.get("since")), until=_date(params.get("until")),
            tz=_zone(params.get("tz")))
        return Response(StatisticsOutput(stats).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("hq/gate-scans", GateScanViewSet, "gate-scan"),
    ("hq/entry-events", EntryEventViewSet, "entry-event"),
    ("hq/unauthorized-entries", UnauthorizedEntryViewSet, "unauthorized-entry"),
    ("hq/entry-mappings", MappingViewSet, "entry-mapping"),
    ("hq/entry-imports", EntryImportViewSet, "entry-import"),
    ("hq/entry-statistics", EntryStatisticsViewSet, "entry-statistics"),
]
