"""REST API of incidents: /api/v1/incidents/ (list, read, record, amend) and
/api/v1/incident-categories/ (the taxonomy)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
)
from vigil.incidents import selectors, services
from vigil.incidents.models import AffectedAsset, AffectedPerson, Incident, IncidentCategory
from vigil.people import selectors as people
from vigil.places import selectors as places
from vigil.places.api import TimeZoneFields


class CategoryOutput(serializers.ModelSerializer[IncidentCategory]):
    category = serializers.SlugRelatedField(
        allow_null=True, source="parent", slug_field="code", read_only=True)
    shown_as = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = IncidentCategory
        fields = ["id", "code", "name", "shown_as", "category", "active", "order"]


class AffectedPersonOutput(serializers.ModelSerializer[AffectedPerson]):
    class Meta:
        model = AffectedPerson
        fields = ["person", "dependant", "impact", "note"]


class AffectedAssetOutput(serializers.ModelSerializer[AffectedAsset]):
    class Meta:
        model = AffectedAsset
        fields = ["premises", "asset", "damage", "note"]


class IncidentOutput(serializers.ModelSerializer[Incident]):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subcategory = serializers.SlugRelatedField(allow_null=True, slug_field="code", read_only=True)
    country = serializers.SlugRelatedField(allow_null=True, slug_field="iso2", read_only=True)
    organization = serializers.SlugRelatedField(allow_null=True, slug_field="code", read_only=True)
    reference = serializers.CharField(read_only=True)
    affected_assets = AffectedAssetOutput(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "reference", "category", "subcategory", "title", "occurred_at",
                  "time_zone", "date_approximate", "country", "country_basis",
                  "country_distance_km", "security_area", "duty_station",
                  "place", "latitude", "longitude", "area_geometry", "description", "source",
                  "verification", "organization", "killed", "injured", "abducted", "missing",
                  "detained", "affected", "source_kind", "source_id", "source_details",
                  "affected_assets", "version", "created_at", "updated_at"]


def _categories(*, user: Any) -> Any:
    """The whole taxonomy, retired categories too: every signed-in user reads it."""
    return IncidentCategory.objects.select_related("parent").order_by("order")


class IncidentInput(TimeZoneFields, serializers.ModelSerializer[Incident]):
    category = ScopedSlugRelatedField(slug_field="code", scope=_categories)
    subcategory = ScopedSlugRelatedField(slug_field="code", required=False, allow_null=True,
                                         scope=_categories)
    country = ScopedSlugRelatedField(slug_field="iso2", required=False, allow_null=True,
                                     scope=places.country_list)
    security_area = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                 scope=places.security_area_list)
    duty_station = ScopedPrimaryKeyRelatedField(required=False, allow_null=True,
                                                scope=places.duty_station_list)
    organization = ScopedSlugRelatedField(slug_field="code", required=False, allow_null=True,
                                          scope=people.organization_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Incident
        fields = ["category", "subcategory", "title", "occurred_at", "time_zone",
                  "date_approximate", "country", "security_area", "duty_station", "place",
                  "latitude", "longitude", "description", "source", "verification",
                  "organization", "killed", "injured", "abducted", "missing", "detained",
                  "affected", "version"]


def _incidents(*, user: Any) -> Any:
    return selectors.incident_list(user=user).prefetch_related("affected_assets")


class IncidentViewSet(WritableServiceViewSet):
    """Incidents in the reader's scope. Named people affected are not listed here: they are
    personal data, shown on the incident's page to readers who may see each person."""

    output_serializer = IncidentOutput
    input_serializer = IncidentInput
    selector = staticmethod(_incidents)
    filterset_fields = ["verification", "source_kind", "category__code", "country__iso2"]
    create_service = staticmethod(services.incident_create)
    update_service = staticmethod(services.incident_update)
    record_name = "incident"


class IncidentCategoryViewSet(ServiceViewSet):
    """The incident taxonomy (every signed-in user reads it)."""

    output_serializer = CategoryOutput
    selector = staticmethod(_categories)
