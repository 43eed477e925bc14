"""REST API of crisis management: /api/v1/crises/ (list, read, declare),
/api/v1/crises/{id}/headcount/ (the board's counts), /api/v1/headcount/ (entries: list,
set a status) and /api/v1/broadcasts/ (send, read)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    schema_also,
    valid_input,
    validated_whole,
)
from vigil.core.authz import Perm, visible
from vigil.crisis import selectors, services
from vigil.crisis.models import (
    AccountEntry,
    AccountStatus,
    Broadcast,
    Crisis,
    WebhookEndpoint,
)
from vigil.incidents import selectors as incidents
from vigil.places import selectors as places


class CrisisOutput(serializers.ModelSerializer[Crisis]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    reference = serializers.CharField(read_only=True)
    activation_delay_hours = serializers.FloatField(source="activation_delay", read_only=True)

    class Meta:
        model = Crisis
        fields = ["id", "reference", "title", "description", "status", "incident", "country",
                  "security_area", "incident_at", "activated_at", "activation_delay_hours",
                  "zone_kind", "center_latitude", "center_longitude", "radius_km", "polygon",
                  "areas", "window_start", "window_end", "closed_at", "closure_note",
                  "version"]


_POSITION = {"type": "array", "minItems": 2, "maxItems": 3,
             "items": {"type": "number", "minimum": -180, "maximum": 180}}
_RINGS = {"type": "array", "minItems": 1,
          "items": {"type": "array", "minItems": 4, "items": _POSITION}}
POLYGON_SCHEMA = {
    "type": "object", "required": ["type", "coordinates"],
    "description": "A GeoJSON Polygon or MultiPolygon (RFC 7946) in WGS84 longitude, "
                   "latitude: each ring closed (its last position its first) and the whole a "
                   "valid surface (no ring crossing itself).",
    "oneOf": [
        {"properties": {"type": {"type": "string", "enum": ["Polygon"]}, "coordinates": _RINGS}},
        {"properties": {"type": {"type": "string", "enum": ["MultiPolygon"]},
                        "coordinates": {"type": "array", "minItems": 1, "items": _RINGS}}}]}


@extend_schema_field(POLYGON_SCHEMA)
class PolygonField(serializers.JSONField):
    """The zone's outline; the zone's rules check it (places.rules.boundary_problem)."""


def _kind(kind: str) -> dict[str, str]:
    # A pattern, not an enum: drf-spectacular would name an enum of one value as a set of its
    # own, beside the zone kinds' set.
    return {"type": "string", "pattern": f"^{kind}$"}


# Each kind of zone takes its own fields. Beside them: without a country, the zone's centre
# must lie in a country's outline or within 50 km of one; the incident is not later than now;
# the window ends after it starts, at most 31 days later.
@schema_also(oneOf=[
    {"required": ["zone_kind", "radius_km"],
     # The centre, or an incident whose place it is.
     "anyOf": [{"required": ["center_latitude", "center_longitude"]},
               {"required": ["incident"], "properties": {"incident": {"type": "integer"}}}],
     "properties": {
         "zone_kind": _kind(Crisis.ZoneKind.CIRCLE),
         "center_latitude": {"type": "number", "minimum": -90, "maximum": 90},
         "center_longitude": {"type": "number", "minimum": -180, "maximum": 180},
         "radius_km": {"type": "number", "minimum": 0.1, "maximum": 2000}}},
    {"required": ["zone_kind", "polygon"],
     "properties": {"zone_kind": _kind(Crisis.ZoneKind.POLYGON)}},
    {"required": ["zone_kind", "areas"],
     "properties": {"zone_kind": _kind(Crisis.ZoneKind.AREAS),
                    "areas": {"type": "array", "minItems": 1}}}])
class CrisisInput(serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    incident = ScopedPrimaryKeyRelatedField(scope=incidents.incidents_seen, required=False,
                                            allow_null=True)
    country = ScopedSlugRelatedField(slug_field="iso2", scope=places.country_list,
                                     required=False)
    incident_at = serializers.DateTimeField(required=False)
    zone_kind = serializers.ChoiceField(choices=Crisis.ZoneKind.choices)
    center_latitude = serializers.FloatField(required=False)
    center_longitude = serializers.FloatField(required=False)
    radius_km = serializers.FloatField(required=False)
    polygon = PolygonField(required=False)
    areas = ScopedPrimaryKeyRelatedField(scope=places.security_area_list, many=True,
                                         required=False)
    window_start = serializers.DateTimeField(required=False)
    window_end = serializers.DateTimeField(required=False)


class EntryOutput(serializers.ModelSerializer[AccountEntry]):
    name = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    duty_station = serializers.SlugRelatedField(allow_null=True, slug_field="code", read_only=True)

    class Meta:
        model = AccountEntry
        fields = ["id", "crisis", "person", "dependant", "name", "organization",
                  "duty_station", "place", "basis", "status", "status_at", "via_checkin",
                  "note", "reported_latitude", "reported_longitude", "version"]

    def get_name(self, entry: AccountEntry) -> str:
        return str(entry.dependant or entry.person)


@validated_whole
class EntryInput(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=AccountStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField()


class BroadcastOutput(serializers.ModelSerializer[Broadcast]):
    reference = serializers.CharField(read_only=True)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = Broadcast
        fields = ["id", "reference", "kind", "crisis", "subject", "body", "audience", "email",
                  "with_checkin", "remind_after", "reminded_at", "created_at", "deliveries"]

    def get_deliveries(self, broadcast: Broadcast) -> dict[str, int]:
        counts: dict[str, int] = {}
        for value in broadcast.deliveries.values_list("status", flat=True):
            counts[value] = counts.get(value, 0) + 1
        resent = broadcast.resent  # sent again after a worker died (crisis.delivery)
        if resent:
            counts["resent"] = resent
        return counts


def _webhooks(*, user: Any) -> Any:
    """The active endpoints: configuration every broadcaster may choose from, as on the
    page."""
    return WebhookEndpoint.objects.filter(active=True)


_CODES = {"type": "array", "items": {"type": "string"}}
AUDIENCE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "description": "Who receives it. For a crisis: its headcount, narrowed by statuses, "
                   "entries (ids) and organizations (codes). Without a crisis: the staff of "
                   "the countries (ISO alpha-2) or duty stations (codes) named, narrowed by "
                   "organizations.",
    "properties": {
        "statuses": {"type": "array", "items": {"type": "string",
                                                "enum": list(AccountStatus.values)}},
        "entries": {"type": "array", "items": {"type": "integer"}},
        "organizations": _CODES, "duty_stations": _CODES, "countries": _CODES}}
_NAMED = {"type": "array", "items": {"type": "string"}, "minItems": 1}


@extend_schema_field(AUDIENCE_SCHEMA)
class AudienceField(serializers.JSONField):
    """The audience filters (services.AUDIENCE_KEYS); the service checks each."""


# Either a crisis (its headcount), or an audience naming countries or duty stations; and a
# channel: e-mail (unless false), or webhooks.
@schema_also(allOf=[
    {"anyOf": [
        {"required": ["crisis"], "properties": {"crisis": {"type": "integer"}}},
        {"required": ["audience"], "properties": {"audience": {"anyOf": [
            {"required": ["countries"], "properties": {"countries": _NAMED}},
            {"required": ["duty_stations"], "properties": {"duty_stations": _NAMED}}]}}}]},
    {"anyOf": [
        # (With "not": drf-spectacular would take an enum under "properties" for a set.)
        {"not": {"required": ["email"], "properties": {"email": {"enum": [False]}}}},
        {"required": ["webhooks"],
         "properties": {"webhooks": {"type": "array", "minItems": 1}}}]}])
class BroadcastInput(serializers.Serializer):  # type: ignore[type-arg]
    crisis = ScopedPrimaryKeyRelatedField(scope=selectors.crises_seen, required=False,
                                          allow_null=True)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()
    audience = AudienceField(required=False)
    email = serializers.BooleanField(default=True)
    webhooks = ScopedPrimaryKeyRelatedField(scope=_webhooks, many=True, required=False)
    with_checkin = serializers.BooleanField(default=True)
    remind_after = serializers.IntegerField(required=False, allow_null=True, min_value=5)


def _crises(*, user: Any) -> Any:
    return selectors.crisis_list(user=user).prefetch_related("areas")


class CrisisViewSet(ServiceViewSet):
    """Crises in the reader's scope; POST declares one (and takes its headcount)."""

    output_serializer = CrisisOutput
    input_serializer = CrisisInput
    selector = staticmethod(_crises)
    filterset_fields = ["status"]

    def create(self, request: Request) -> Response:
        data = valid_input(CrisisInput, request.data, user=request.user)
        incident = data.pop("incident", None)
        areas = data.pop("areas", [])
        crisis = services.crisis_declare(actor=request.user, data=data, areas=areas,
                                         incident=incident)
        return self.output(crisis, status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def headcount(self, request: Request, pk: str) -> Response:
        return Response(selectors.board(self.get_object(), user=request.user))

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def timeliness(self, request: Request) -> Response:
        """SP2.1.b.ii: crises activated within the configured hours of their incident."""
        return Response(selectors.activation_timeliness(user=request.user))


def _entries(*, user: Any) -> Any:
    return visible(user, Perm.ACCOUNT_FOR, AccountEntry.objects.select_related(
        "person", "dependant", "organization", "duty_station"))


class EntryViewSet(ServiceViewSet):
    """The headcount entries the reader may account for; PATCH sets a status."""

    output_serializer = EntryOutput
    input_serializer = EntryInput
    selector = staticmethod(_entries)
    filterset_fields = ["crisis", "status"]
    audit_list_as = "crisis.headcount.read"

    def partial_update(self, request: Request, pk: str) -> Response:
        entry = self.get_object()
        data = valid_input(EntryInput, request.data)
        return self.output(services.entry_update(
            actor=request.user, entry=entry, status=data["status"],
            note=data.get("note", ""), version=data["version"]))


def _broadcasts(*, user: Any) -> Any:
    return selectors.broadcasts_seen(user).order_by("-created_at", "-pk")


class BroadcastViewSet(ServiceViewSet):
    """Messages sent for the crises the reader sees, and the reader's own messages outside a
    crisis; POST sends one (to a crisis's headcount, or without a crisis to the staff of
    the countries or duty stations named in ``audience``)."""

    output_serializer = BroadcastOutput
    input_serializer = BroadcastInput
    selector = staticmethod(_broadcasts)

    def create(self, request: Request) -> Response:
        data = valid_input(BroadcastInput, request.data, user=request.user)
        crisis = data.pop("crisis", None)
        sent = services.broadcast_send(actor=request.user, crisis=crisis,
                                       subject=data["subject"], body=data["body"],
                                       audience=data.get("audience") or {},
                                       email=data["email"],
                                       webhooks=data.get("webhooks") or [],
                                       with_checkin=data["with_checkin"],
                                       remind_after=data.get("remind_after"))
        return self.output(sent, status.HTTP_201_CREATED)
