from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    WritableServiceViewSet,
    valid_input,
)
from vigil.core.authz import Perm, require
from vigil.people import privacy, selectors, services
from vigil.people.models import Dependant, Organization, Person
from vigil.places import selectors as places


class OrganizationOutput(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "code", "name", "kind", "parent", "is_active", "version"]


class OrganizationInput(serializers.ModelSerializer[Organization]):
    # DRF takes declared fields off the class, so this "parent" is no Field.parent.
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]
        required=False, allow_null=True, scope=selectors.organization_list)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "parent", "is_active", "version"]
        # The model's own validators (its pattern, which the schema states), without DRF's
        # uniqueness check: the service answers a taken code, naming the field.
        extra_kwargs = {"code": {"validators": list(
            Organization._meta.get_field("code").validators)}}


class OrganizationViewSet(WritableServiceViewSet):
    output_serializer = OrganizationOutput
    input_serializer = OrganizationInput
    selector = staticmethod(selectors.organization_list)
    filterset_fields = ["kind", "is_active"]
    search_fields = ["code", "name"]
    create_service = staticmethod(services.organization_create)
    update_service = staticmethod(services.organization_update)
    record_name = "organization"


class EmergencyContactData(serializers.Serializer[None]):
    name = serializers.CharField(max_length=150)
    relationship = serializers.CharField(max_length=60)
    phone = serializers.CharField(max_length=30)
    email = serializers.EmailField(required=False, allow_blank=True)


class PersonOutput(serializers.ModelSerializer[Person]):
    """Without personal data: lists and anyone who may see the person but not their contacts."""

    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    duty_station = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "index_number", "family_name", "given_name", "name_original",
                  "organization", "category", "duty_station", "status", "language", "version"]


class PersonDetailOutput(PersonOutput):
    personal_data = serializers.SerializerMethodField()

    class Meta(PersonOutput.Meta):
        fields = [*PersonOutput.Meta.fields, "personal_data"]

    def get_personal_data(self, person: Person) -> dict[str, Any] | None:
        """Present only for readers with the need to know; each such read is audited."""
        return selectors.person_personal_data(user=self.context["request"].user, person=person)


class PersonInput(serializers.ModelSerializer[Person]):
    organization = ScopedSlugRelatedField(slug_field="code", scope=selectors.organization_list)
    duty_station = ScopedSlugRelatedField(slug_field="code", scope=places.duty_station_list)
    emergency_contacts = EmergencyContactData(many=True, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Person
        fields = ["index_number", "family_name", "given_name", "name_original", "organization",
                  "category", "duty_station", "status", "residence_address",
                  "residence_latitude", "residence_longitude", "phones", "emails", "language",
                  "emergency_contacts", "version"]
        extra_kwargs = {"index_number": {"validators": []}}


class PersonFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__code",
                                             lookup_expr="iexact")
    duty_station = django_filters.CharFilter(field_name="duty_station__code",
                                             lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="duty_station__country__iso2",
                                        lookup_expr="iexact")

    class Meta:
        model = Person
        fields = ["organization", "duty_station", "country", "category", "status"]


class ErasureInput(serializers.Serializer[None]):
    """An erasure names the version of the staff record it was decided on."""

    version = serializers.IntegerField(error_messages={"required": gettext_lazy(
        "Send the version of the staff record you read, so that an erasure is not made over a "
        "change you have not seen.")})


class ErasureOutput(serializers.Serializer[None]):
    id = serializers.IntegerField()
    index_number = serializers.CharField()
    records = serializers.DictField(child=serializers.IntegerField(),
                                    help_text="Records changed, by model label.")


class ErasureHeld(serializers.Serializer[None]):
    code = serializers.CharField()
    message = serializers.CharField()
    holds = serializers.ListField(child=serializers.CharField())


class PersonViewSet(WritableServiceViewSet):
    output_serializer = PersonOutput
    input_serializer = PersonInput
    selector = staticmethod(selectors.person_list)
    filterset_class = PersonFilter
    search_fields = ["family_name", "given_name", "index_number"]
    ordering_fields = ["family_name", "index_number"]
    create_service = staticmethod(services.person_create)
    update_service = staticmethod(services.person_update)
    record_name = "person"
    aside = {"emergency_contacts": "emergency_contacts"}

    def retrieve(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        return Response(PersonDetailOutput(person, context=self.get_serializer_context()).data)

    def output(self, obj: Any, status_code: int = 200) -> Response:
        return Response(PersonDetailOutput(obj, context=self.get_serializer_context()).data,
                        status=status_code)

    # One person's data on request (vigil.people.privacy). The person is found in the
    # caller's scope (outside it: 404, as an unknown id), then checked for the permission.

    @extend_schema(responses={200: OpenApiResponse(
        description="Everything Vigil holds on the staff member (format "
                    "vigil-person-export, as `vigil privacy export`); audited.")})
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        """Everything Vigil holds on the staff member, as `vigil privacy export` writes it:
        for a holder of people.export_personal_data over them. Need-to-know records the caller
        may not read are left out, secrets always. Audited as a read of personal data."""
        person = self.get_object()
        require(request.user, Perm.EXPORT_PERSONAL_DATA, person)
        return Response(privacy.person_export(actor=request.user, person=person))

    @extend_schema(request=ErasureInput, responses={200: ErasureOutput, 409: ErasureHeld})
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: str) -> Response:
        """Erase the staff member's personal data: for a holder of people.change_person over
        them, naming the version of the record read. Refused (409, the holds named in
        ``holds``) while something still needs the person; cannot be undone. Answers the
        number of records changed by kind; audited."""
        person = self.get_object()
        require(request.user, Perm.CHANGE_PERSON, person)
        data = valid_input(ErasureInput, request.data)
        counts = privacy.person_erase(actor=request.user, person=person,
                                      version=data["version"])
        erased = selectors.person_get(user=request.user, pk=person.pk)
        return Response({"id": erased.pk, "index_number": erased.index_number,
                         "records": counts})


class DependantOutput(serializers.ModelSerializer[Dependant]):
    class Meta:
        model = Dependant
        fields = ["id", "person", "family_name", "given_name", "name_original", "relationship",
                  "date_of_birth", "lives_with_staff_member", "residence_address",
                  "residence_latitude", "residence_longitude", "status", "version"]


class DependantInput(serializers.ModelSerializer[Dependant]):
    person = ScopedPrimaryKeyRelatedField(scope=selectors.person_list, audit_refused=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Dependant
        fields = ["person", "family_name", "given_name", "name_original", "relationship",
                  "date_of_birth", "lives_with_staff_member", "residence_address",
                  "residence_latitude", "residence_longitude", "status", "version"]


class DependantViewSet(WritableServiceViewSet):
    """Dependants are personal data: every read through the API is audited."""

    output_serializer = DependantOutput
    input_serializer = DependantInput
    selector = staticmethod(selectors.dependant_list)
    filterset_fields = ["person", "relationship", "status"]
    search_fields = ["family_name", "given_name"]
    audit_list_as = "people.dependant.list"
    create_service = staticmethod(services.dependant_create)
    update_service = staticmethod(services.dependant_update)
    record_name = "dependant"

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(selectors.dependant_get(user=request.user, pk=pk))
