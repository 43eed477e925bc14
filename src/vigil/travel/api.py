"""Travel API: requests and their itineraries, clearance decisions, advisories, the security
directory, air operators, whereabouts and coverage. Reads through selectors, writes through
services; local times go in and come out with their time zones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ApiViewSet,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import Forbidden, NotFound
from vigil.people.models import Person
from vigil.places import selectors as places
from vigil.places.models import SecurityArea
from vigil.places.rules import boundary_problem
from vigil.travel import selectors, services
from vigil.travel.models import (
    Advisory,
    AirOperator,
    Clearance,
    SecurityContact,
    Segment,
    TravelRequest,
)


def _local(value: dt.datetime | None, zone: str) -> str | None:
    return value.astimezone(ZoneInfo(zone)).isoformat() if value else None


# --- Requests -------------------------------------------------------------------------------------

class SegmentOutput(serializers.ModelSerializer[Segment]):
    origin_station = serializers.SlugRelatedField(
        allow_null=True, slug_field="code", read_only=True)
    destination_station = serializers.SlugRelatedField(
        allow_null=True, slug_field="code", read_only=True)
    origin_country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    destination_country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    departs_local = serializers.SerializerMethodField()
    arrives_local = serializers.SerializerMethodField()
    operator = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = ["position", "origin_station", "origin_name", "origin_country", "origin_area",
                  "origin_latitude", "origin_longitude", "origin_tz", "destination_station",
                  "destination_name", "destination_country", "destination_area",
                  "destination_latitude", "destination_longitude", "destination_tz",
                  "departs_at", "arrives_at", "departs_local", "arrives_local", "mode",
                  "operator", "flight_number", "lodging_name", "lodging_address",
                  "lodging_latitude", "lodging_longitude", "stays_until"]

    def get_departs_local(self, segment: Segment) -> str | None:
        return _local(segment.departs_at, segment.origin_tz)

    def get_arrives_local(self, segment: Segment) -> str | None:
        return _local(segment.arrives_at, segment.destination_tz)

    def get_operator(self, segment: Segment) -> dict[str, Any] | None:
        operator = segment.operator
        if operator is None:
            return None
        return {"id": operator.pk, "name": operator.name, "iata": operator.iata,
                "suitability": operator.suitability}


class ClearanceOutput(serializers.ModelSerializer[Clearance]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    reasons = serializers.SerializerMethodField()
    request = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Clearance
        fields = ["id", "request", "position", "place", "country", "security_area",
                  "duty_station", "arrives_at", "level", "status", "reasons", "requested_at",
                  "due_at", "decided_by", "decided_as", "decided_at", "comment"]

    def get_reasons(self, clearance: Clearance) -> list[dict[str, Any]]:
        """Each reason: its stable code, its outcome, and its message in the reader's
        language (Accept-Language)."""
        return [{"code": r.code, "outcome": str(r.outcome), "params": r.params,
                 "message": r.message()} for r in clearance.reason_list]


class RequestOutput(serializers.ModelSerializer[TravelRequest]):
    reference = serializers.CharField(read_only=True)
    segments = SegmentOutput(many=True, read_only=True)
    clearances = ClearanceOutput(many=True, read_only=True)

    class Meta:
        model = TravelRequest
        fields = ["id", "reference", "traveller", "requested_by", "purpose", "kind",
                  "dependants", "contacts", "status", "starts_at", "ends_at", "submitted_at",
                  "decided_at", "cancel_reason", "segments", "clearances", "version"]


def _operators_usable(*, user: Any) -> Any:
    return selectors.operator_list()


# A wall-clock time without an offset (2027-03-01T08:30): format "local-date-time", ISO 8601
# with a calendar day; an offset or a Z is refused (the place's time zone applies).
LOCAL_DATE_TIME = {
    "type": "string", "format": "local-date-time",
    "pattern": r"^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
               r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?$"}


@extend_schema_field(LOCAL_DATE_TIME)
class LocalDateTimeField(serializers.DateTimeField):
    """A wall-clock time, read without an offset (SegmentInput refuses one)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=dt.UTC, **kwargs)


class SegmentInput(serializers.Serializer[None]):
    origin_station = ScopedSlugRelatedField(slug_field="code", required=False,
                                            scope=places.duty_station_list)
    origin_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    origin_country = ScopedSlugRelatedField(slug_field="iso2", required=False,
                                            scope=places.country_list)
    origin_area = ScopedPrimaryKeyRelatedField(required=False, scope=places.security_area_list)
    origin_latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    origin_longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    origin_tz = serializers.CharField(required=False, allow_blank=True)
    destination_station = ScopedSlugRelatedField(slug_field="code", required=False,
                                                 scope=places.duty_station_list)
    destination_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    destination_country = ScopedSlugRelatedField(slug_field="iso2", required=False,
                                                 scope=places.country_list)
    destination_area = ScopedPrimaryKeyRelatedField(required=False,
                                                    scope=places.security_area_list)
    destination_latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    destination_longitude = serializers.FloatField(required=False, min_value=-180,
                                                   max_value=180)
    destination_tz = serializers.CharField(required=False, allow_blank=True)
    departs_local = LocalDateTimeField(
        help_text="Wall-clock time at the origin, without an offset (2027-03-01T08:30).")
    arrives_local = LocalDateTimeField(
        help_text="Wall-clock time at the destination, without an offset.")
    mode = serializers.ChoiceField(choices=Segment.Mode.choices, required=False)
    operator = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                            scope=_operators_usable)
    flight_number = serializers.CharField(required=False, allow_blank=True, max_length=10)
    lodging_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    lodging_address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    lodging_latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90,
                                              max_value=90)
    lodging_longitude = serializers.FloatField(required=False, allow_null=True,
                                               min_value=-180, max_value=180)
    stays_until_local = LocalDateTimeField(required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> Any:
        """Local times: an offset in the input is refused rather than silently moved."""
        values = super().to_internal_value(data)
        for key in ("departs_local", "arrives_local", "stays_until_local"):
            if values.get(key) is not None:
                raw = str(data.get(key, ""))
                if raw.endswith("Z") or "+" in raw[10:] or raw[10:].count("-") > 0:
                    raise serializers.ValidationError({key: [_(
                        "Give the local wall-clock time without an offset; the place's time "
                        "zone applies.")]})
                values[key] = values[key].replace(tzinfo=None)
        return values


class RequestInput(serializers.Serializer[None]):
    traveller = ScopedPrimaryKeyRelatedField(scope=selectors.travellers_for,
                                             audit_refused=True, required=False)
    purpose = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=TravelRequest.Kind.choices, required=False)
    contacts = serializers.ListField(child=serializers.DictField(), required=False)
    dependants = ScopedPrimaryKeyRelatedField(many=True, required=False,
                                              scope=selectors.travelling_dependants,
                                              audit_refused=True)
    segments = SegmentInput(many=True, required=False)
    submit = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False)


class TravelVersionInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ClearanceDecisionInput(serializers.Serializer[None]):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def _with_itinerary(queryset: Any) -> Any:
    """Requests with what RequestOutput shows, in a fixed number of queries: segments with
    their stations, countries and operator, clearances with their country, dependants."""
    return queryset.prefetch_related(
        Prefetch("segments", queryset=Segment.objects.select_related(
            "origin_station", "destination_station", "origin_country", "destination_country",
            "operator")),
        Prefetch("clearances", queryset=Clearance.objects.select_related("country")),
        "dependants")


def _written(travel: TravelRequest) -> TravelRequest:
    """A request a service just wrote, read again as RequestOutput shows it (four queries,
    not one per segment and clearance)."""
    written: TravelRequest = _with_itinerary(TravelRequest.objects.filter(pk=travel.pk)).get()
    return written


def _request_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("purpose", "kind", "contacts") if k in data}


class TravelRequestViewSet(ServiceViewSet):
    """Travel requests the user may see: their own, those in their scope, and those that stop
    in their scope. POST creates (with ``submit`` true it is submitted at once)."""

    output_serializer = RequestOutput
    input_serializer = RequestInput
    selector = staticmethod(selectors.request_list)
    filterset_fields = ["status", "kind"]

    def get_queryset(self) -> Any:
        return _with_itinerary(super().get_queryset())

    @extend_schema(request=RequestInput, responses={201: RequestOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(RequestInput, request.data, user=request.user)
        traveller = data.get("traveller") or Person.objects.filter(
            user_id=request.user.pk or 0).first()
        if traveller is None:
            raise serializers.ValidationError({"traveller": [_("Name the traveller.")]})
        travel = services.request_create(
            actor=request.user, traveller=traveller, data=_request_fields(data),
            segments=data.get("segments", []), dependants=data.get("dependants", []),
            submit=data["submit"])
        return self.output(_written(travel), status.HTTP_201_CREATED)

    @extend_schema(request=RequestInput, responses={200: RequestOutput})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Edit a draft or amend a submitted request (the rules run again)."""
        travel = self.get_object()
        data = valid_input(RequestInput, request.data, partial=True, user=request.user)
        if "version" not in data:
            raise serializers.ValidationError({"version": [_(
                "Send the version you read, so that a concurrent change is not overwritten.")]})
        travel = services.request_update(
            actor=request.user, request=travel, data=_request_fields(data),
            segments=data.get("segments"), dependants=data.get("dependants"),
            version=data["version"])
        if data.get("submit") and travel.allows("submit"):
            travel = services.request_submit(actor=request.user, request=travel,
                                             version=travel.version)
        return self.output(travel)

    @extend_schema(request=TravelVersionInput, responses={200: RequestOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        data = valid_input(TravelVersionInput, request.data)
        return self.output(services.request_submit(actor=request.user,
                                                   request=self.get_object(),
                                                   version=data["version"]))

    @extend_schema(request=TravelVersionInput, responses={200: RequestOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = valid_input(TravelVersionInput, request.data)
        return self.output(services.request_cancel(actor=request.user,
                                                   request=self.get_object(),
                                                   reason=data["reason"],
                                                   version=data["version"]))


def _queue(*, user: Any) -> Any:
    return Clearance.objects.filter(pk__in=[c.pk for c in selectors.approval_queue(user=user)])


class ClearanceViewSet(ServiceViewSet):
    """The approval queue: stops awaiting this officer's decision, oldest first."""

    output_serializer = ClearanceOutput
    selector = staticmethod(_queue)

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("requested_at", "pk")

    @extend_schema(request=ClearanceDecisionInput, responses={200: ClearanceOutput})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        data = valid_input(ClearanceDecisionInput, request.data)
        return self.output(services.clearance_decide(
            actor=request.user, clearance=self.get_object(),
            approve=data["decision"] == "approve", comment=data["comment"]))


# --- Advisories, directory, operators -------------------------------------------------------------

class AdvisoryOutput(serializers.ModelSerializer[Advisory]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    level_label = serializers.CharField(read_only=True)

    class Meta:
        model = Advisory
        fields = ["id", "country", "security_area", "level", "level_label", "title", "text",
                  "source", "source_url", "external_id", "issued_on", "valid_until",
                  "withdrawn", "version"]


class AdvisoryInput(serializers.ModelSerializer[Advisory]):
    country = ScopedSlugRelatedField(slug_field="iso2", scope=places.country_list)
    security_area = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                 scope=places.security_area_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Advisory
        fields = ["country", "security_area", "level", "title", "text", "source", "source_url",
                  "issued_on", "valid_until", "withdrawn", "version"]


def _advisories(*, user: Any) -> Any:
    return selectors.advisory_list()


class AdvisoryViewSet(WritableServiceViewSet):
    """Travel advisories: every signed-in user reads them; officers issue them in scope."""

    output_serializer = AdvisoryOutput
    input_serializer = AdvisoryInput
    selector = staticmethod(_advisories)
    filterset_fields = ["level", "source", "withdrawn"]
    create_service = update_service = staticmethod(services.advisory_save)
    record_name = "advisory"


class SecurityContactOutput(serializers.ModelSerializer[SecurityContact]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)

    class Meta:
        model = SecurityContact
        fields = ["id", "country", "security_area", "duty_station", "function", "name",
                  "phones", "email", "radio", "around_the_clock", "position", "version"]


class SecurityContactInput(serializers.ModelSerializer[SecurityContact]):
    country = ScopedSlugRelatedField(slug_field="iso2", scope=places.country_list)
    security_area = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                 scope=places.security_area_list)
    duty_station = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                scope=places.duty_station_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = SecurityContact
        fields = ["country", "security_area", "duty_station", "function", "name", "phones",
                  "email", "radio", "around_the_clock", "position", "version"]


def _contacts(*, user: Any) -> Any:
    return SecurityContact.objects.select_related("country").order_by("country__name",
                                                                       "position")


class SecurityContactViewSet(WritableServiceViewSet):
    """The security directory."""

    output_serializer = SecurityContactOutput
    input_serializer = SecurityContactInput
    selector = staticmethod(_contacts)
    filterset_fields = ["country", "duty_station", "security_area"]
    create_service = update_service = staticmethod(services.contact_save)
    record_name = "contact"


class OperatorOutput(serializers.ModelSerializer[AirOperator]):
    country = serializers.SlugRelatedField(allow_null=True, slug_field="iso2", read_only=True)

    class Meta:
        model = AirOperator
        fields = ["id", "name", "iata", "icao", "callsign", "country", "is_active",
                  "suitability", "suitability_note", "suitability_valid_until", "aoc_state",
                  "fleet_notes", "version"]


def _operators(*, user: Any) -> Any:
    return selectors.operator_list()


class AirOperatorViewSet(ServiceViewSet):
    """The registry, read only: suitability is recorded as an assessment under
    /api/v1/aviation/ (its outcome is written here)."""

    output_serializer = OperatorOutput
    selector = staticmethod(_operators)
    filterset_fields = ["suitability", "iata", "icao", "is_active"]


# --- Whereabouts ----------------------------------------------------------------------------------

class WhereaboutsOutput(serializers.Serializer[Any]):  # rows of selectors.Row, many at once
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.full_name")
    dependant = serializers.IntegerField(source="dependant.pk", allow_null=True, default=None)
    dependant_name = serializers.SerializerMethodField()
    organization = serializers.CharField(source="person.organization.code")
    basis = serializers.CharField(source="place.basis")
    points = serializers.ListField(source="place.points", child=serializers.ListField())
    trip = serializers.IntegerField(source="trip.pk", allow_null=True, default=None)
    where = serializers.CharField()

    def get_dependant_name(self, row: selectors.Row) -> str | None:
        return row.name if row.dependant else None


def _at(request: Request) -> dt.datetime:
    raw = request.query_params.get("at")
    if not raw:
        return timezone.now()
    value = serializers.DateTimeField(default_timezone=dt.UTC).to_internal_value(raw)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _number(request: Request, name: str, low: float, high: float,
            default: float | None = None) -> float:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        if default is not None:
            return default
        raise serializers.ValidationError({name: [_("This parameter is required.")]})
    try:
        value = float(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("A number is required.")]}) from None
    if not low <= value <= high:
        raise serializers.ValidationError({name: [_("Give a number from %(low)s to %(high)s.")
                                                  % {"low": low, "high": high}]})
    return value


AT = OpenApiParameter("at", OpenApiTypes.DATETIME,
                      description="Moment (ISO 8601, UTC if no offset); now if absent.")


class WhereaboutsViewSet(ApiViewSet):
    """Who is presumed where. Personal data: each call is an audited read, and answers are
    limited to places in the caller's whereabouts scope."""

    def _answer(self, rows: list[selectors.Row], at: dt.datetime) -> Response:
        return Response({"at": at.isoformat(), "count": len(rows),
                         "results": WhereaboutsOutput(rows, many=True).data})

    @extend_schema(parameters=[
        OpenApiParameter("lat", {"type": "number", "minimum": -90, "maximum": 90},
                         required=True),
        OpenApiParameter("lon", {"type": "number", "minimum": -180, "maximum": 180},
                         required=True),
        OpenApiParameter("radius_km", {"type": "number", "minimum": 0.1, "maximum": 2000},
                         description="25 when absent"), AT],
                   responses={200: WhereaboutsOutput(many=True)})
    @action(detail=False, methods=["get"])
    def near(self, request: Request) -> Response:
        at = _at(request)
        rows = selectors.who_is_near(user=request.user, lat=_number(request, "lat", -90, 90),
                                     lon=_number(request, "lon", -180, 180),
                                     radius_km=_number(request, "radius_km", 0.1, 2000, 25.0),
                                     at=at)
        return self._answer(rows, at)

    @extend_schema(parameters=[OpenApiParameter("area", int), OpenApiParameter(
        "polygon", {"type": "string", "format": "geojson-polygon"},
        description="A GeoJSON Polygon or MultiPolygon written as JSON (format "
                    "geojson-polygon: RFC 7946, each ring closed, a valid surface), instead "
                    "of an area."),
        AT], responses={200: WhereaboutsOutput(many=True)})
    @action(detail=False, methods=["get"], url_path="in")
    def inside(self, request: Request) -> Response:
        at = _at(request)
        if request.query_params.get("polygon"):
            try:
                geometry = json.loads(request.query_params["polygon"])
            except ValueError:
                geometry = None
            problem = boundary_problem(geometry)
            if problem:
                raise serializers.ValidationError({"polygon": [problem]})
            return self._answer(selectors.who_is_in_polygon(user=request.user,
                                                            geometry=geometry, at=at), at)
        area = SecurityArea.objects.filter(pk=request.query_params.get("area") or 0).first() \
            if str(request.query_params.get("area", "")).isdigit() else None
        if area is None:
            raise NotFound()
        return self._answer(selectors.who_is_in(user=request.user, area=area, at=at), at)

    @extend_schema(parameters=[OpenApiParameter("person", int), AT],
                   responses={200: WhereaboutsOutput})
    @action(detail=False, methods=["get"])
    def where(self, request: Request) -> Response:
        at = _at(request)
        raw = str(request.query_params.get("person", ""))
        person = Person.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if person is None:
            raise NotFound()
        row = selectors.where(user=request.user, person=person, at=at)
        return Response(WhereaboutsOutput(row).data)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def coverage(self, request: Request) -> Response:
        """Indicator SP2.2.c.i over the caller's scope, by duty station and organization."""
        if not has_perm_anywhere(request.user, Perm.VIEW_COVERAGE):
            raise Forbidden()
        data = selectors.coverage(user=request.user)
        keys = ("total", "known", "percent", "staff", "staff_known", "dependants",
                "dependants_known", "by_station", "by_organization")
        return Response({k: data[k] for k in keys} | {"residence_confirmed_since":
                                                      data["cutoff"].isoformat()})
