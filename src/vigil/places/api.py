from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
)
from vigil.places import rules, selectors, services
from vigil.places.models import (
    Country,
    DutyStation,
    Premises,
    SecurityArea,
    validate_time_zone,
)

# Every IANA time zone's name, the one set the API accepts (rules.is_time_zone): the schema
# lists it, so that a client knows "Africa/Nairobi" is taken and "EAT" is not.
TIME_ZONE_SCHEMA: dict[str, Any] = {"type": "string", "enum": sorted(rules.iana_time_zones())}


@extend_schema_field(TIME_ZONE_SCHEMA, component_name="TimeZoneEnum")
class TimeZoneField(serializers.CharField):
    """An IANA time zone's name (Africa/Nairobi); any other text is refused with the field's
    name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        if validate_time_zone not in self.validators:
            self.validators.append(validate_time_zone)


@extend_schema_field({**TIME_ZONE_SCHEMA, "enum": ["", *TIME_ZONE_SCHEMA["enum"]]},
                     component_name="TimeZoneOrBlankEnum")
class TimeZoneOrBlankField(TimeZoneField):
    """A time zone's name, or "" (for a default the record names)."""


class TimeZoneFields:
    """For a model serializer: each model field checked by validate_time_zone is read by
    TimeZoneField, keeping the model's label, default and length."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, Any]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if validate_time_zone in getattr(model_field, "validators", ()):
            field_class = TimeZoneOrBlankField if kwargs.get("allow_blank") else TimeZoneField
        return field_class, kwargs


class CountryOutput(serializers.ModelSerializer[Country]):
    local_name = serializers.CharField(read_only=True)

    class Meta:
        model = Country
        fields = ["id", "iso2", "iso3", "numeric", "name", "local_name", "official_name"]


class CountryFilter(django_filters.FilterSet):
    class Meta:
        model = Country
        fields = {"iso2": ["exact"], "iso3": ["exact"]}


class CountryViewSet(ServiceViewSet):
    output_serializer = CountryOutput
    selector = staticmethod(selectors.country_list)
    filterset_class = CountryFilter
    search_fields = ["name", "iso2", "iso3"]
    ordering_fields = ["name", "iso2"]


class SecurityAreaOutput(serializers.ModelSerializer[SecurityArea]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)

    class Meta:
        model = SecurityArea
        fields = ["id", "country", "code", "name", "description", "boundary", "version"]


class SecurityAreaInput(serializers.ModelSerializer[SecurityArea]):
    country = ScopedSlugRelatedField(slug_field="iso2", scope=selectors.country_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = SecurityArea
        fields = ["country", "code", "name", "description", "boundary", "version"]
        validators: list[Any] = []


class SecurityAreaViewSet(WritableServiceViewSet):
    output_serializer = SecurityAreaOutput
    input_serializer = SecurityAreaInput
    selector = staticmethod(selectors.security_area_list)
    filterset_fields = ["country__iso2"]
    search_fields = ["name", "code"]
    create_service = staticmethod(services.security_area_create)
    update_service = staticmethod(services.security_area_update)
    record_name = "area"


class DutyStationOutput(serializers.ModelSerializer[DutyStation]):
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)

    class Meta:
        model = DutyStation
        fields = ["id", "code", "name", "country", "security_area", "latitude", "longitude",
                  "time_zone", "kind", "is_active", "version"]


class DutyStationInput(TimeZoneFields, serializers.ModelSerializer[DutyStation]):
    country = ScopedSlugRelatedField(slug_field="iso2", scope=selectors.country_list)
    security_area = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                 scope=selectors.security_area_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = DutyStation
        fields = ["code", "name", "country", "security_area", "latitude", "longitude",
                  "time_zone", "kind", "is_active", "version"]
        validators: list[Any] = []
        extra_kwargs = {"code": {"validators": []}}


class DutyStationFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(field_name="country__iso2", lookup_expr="iexact")

    class Meta:
        model = DutyStation
        fields = ["country", "kind", "security_area", "is_active"]


class DutyStationViewSet(WritableServiceViewSet):
    output_serializer = DutyStationOutput
    input_serializer = DutyStationInput
    selector = staticmethod(selectors.duty_station_list)
    filterset_class = DutyStationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "country__name"]
    create_service = staticmethod(services.duty_station_create)
    update_service = staticmethod(services.duty_station_update)
    record_name = "station"

    @extend_schema(responses={200: {"type": "object"}},
                   description="Visible duty stations as a GeoJSON FeatureCollection.")
    @action(detail=False, url_path="geojson")
    def geojson(self, request: Request) -> Response:
        stations = self.filter_queryset(self.get_queryset())
        return Response(selectors.duty_station_features(stations=stations))


class PremisesOutput(serializers.ModelSerializer[Premises]):
    organizations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Premises
        fields = ["id", "duty_station", "name", "address", "latitude", "longitude",
                  "staff_capacity", "visitor_capacity", "public_access", "organizations",
                  "version"]


class PremisesInput(serializers.ModelSerializer[Premises]):
    duty_station = ScopedPrimaryKeyRelatedField(scope=selectors.duty_station_list)
    # Ids, checked by the service (places cannot read people's organizations through a
    # selector); every signed-in user sees every organization, so none is hidden.
    organizations = serializers.ListField(child=serializers.IntegerField(), required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Premises
        fields = ["duty_station", "name", "address", "latitude", "longitude", "staff_capacity",
                  "visitor_capacity", "public_access", "organizations", "version"]


class PremisesViewSet(WritableServiceViewSet):
    output_serializer = PremisesOutput
    input_serializer = PremisesInput
    selector = staticmethod(selectors.premises_list)
    filterset_fields = ["duty_station", "public_access"]
    search_fields = ["name", "address"]
    create_service = staticmethod(services.premises_create)
    update_service = staticmethod(services.premises_update)
    record_name = "premises"
    aside = {"organizations": "organization_ids"}
