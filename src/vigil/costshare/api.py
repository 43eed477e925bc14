"""REST API of cost-sharing: /api/v1/costshare/bienniums/ (budget, thresholds, apportionment,
approval, statements, comparison) and /api/v1/costshare/censuses/ (taken from the registry or
imported, made final). Budget officers write; programme managers read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.errors import FieldError, ValidationFailed
from vigil.costshare import selectors, services
from vigil.costshare.models import (
    Apportionment,
    ApportionmentLine,
    Biennium,
    Census,
    CensusLine,
    ShareThreshold,
)


class CostshareThresholdOutput(serializers.ModelSerializer[ShareThreshold]):
    class Meta:
        model = ShareThreshold
        fields = ["below_percent", "flat_amount"]


class CostshareBienniumOutput(serializers.ModelSerializer[Biennium]):
    name = serializers.CharField(source="label", read_only=True)
    thresholds = CostshareThresholdOutput(many=True, read_only=True)

    class Meta:
        model = Biennium
        fields = ["id", "name", "start_year", "budget", "note", "thresholds", "version",
                  "created_at", "updated_at"]


class CostshareBienniumInput(serializers.ModelSerializer[Biennium]):
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Biennium
        fields = ["start_year", "budget", "note", "version"]
        # The service says when a year is taken, in the project's own words.
        extra_kwargs = {"start_year": {"validators": []}}


class CostshareThresholdsInput(serializers.Serializer[Any]):
    thresholds = CostshareThresholdOutput(many=True)


class CostshareApportionmentLineOutput(serializers.ModelSerializer[ApportionmentLine]):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    basis = named_choices("CostshareBasisEnum", ApportionmentLine.Basis.choices, read_only=True)

    class Meta:
        model = ApportionmentLine
        fields = ["organization", "organization_name", "headcount", "share_percent", "basis",
                  "threshold_percent", "amount"]


class CostshareApportionmentOutput(serializers.ModelSerializer[Apportionment]):
    lines = CostshareApportionmentLineOutput(many=True, read_only=True)
    status = named_choices("CostshareApportionmentStatusEnum", Apportionment.Status.choices,
                           read_only=True)

    class Meta:
        model = Apportionment
        fields = ["id", "biennium", "census", "status", "budget", "thresholds",
                  "total_headcount", "computed_at", "approved_at", "lines", "version"]


def _census_choices(*, user: Any) -> Any:
    return selectors.census_list(user=user)


class CostshareComputeInput(serializers.Serializer[Any]):
    census = ScopedPrimaryKeyRelatedField(scope=_census_choices)


class CostshareVersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()


class CostshareStatementCountryOutput(serializers.Serializer[Any]):
    country = serializers.CharField()
    headcount = serializers.IntegerField()


class CostshareStatementOutput(serializers.Serializer[Any]):
    biennium = serializers.CharField(source="biennium.label")
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")
    status = named_choices("CostshareApportionmentStatusEnum", Apportionment.Status.choices,
                           source="apportionment.status")
    budget = serializers.DecimalField(source="apportionment.budget", max_digits=14,
                                      decimal_places=2)
    total_headcount = serializers.IntegerField()
    headcount = serializers.IntegerField(source="line.headcount")
    share_percent = serializers.DecimalField(source="line.share_percent", max_digits=8,
                                             decimal_places=4)
    basis = named_choices("CostshareBasisEnum", ApportionmentLine.Basis.choices,
                          source="line.basis")
    threshold_percent = serializers.DecimalField(source="line.threshold_percent",
                                                 max_digits=6, decimal_places=3,
                                                 allow_null=True)
    amount = serializers.DecimalField(source="line.amount", max_digits=14, decimal_places=2)
    previous_amount = serializers.DecimalField(source="previous.amount", max_digits=14,
                                               decimal_places=2, allow_null=True,
                                               default=None)
    countries = CostshareStatementCountryOutput(many=True)


class CostshareComparisonRowOutput(serializers.Serializer[Any]):
    organization = serializers.CharField()
    name = serializers.CharField()
    headcount_a = serializers.IntegerField(allow_null=True)
    headcount_b = serializers.IntegerField(allow_null=True)
    share_a = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    share_b = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    amount_a = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount_b = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    change_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class BienniumViewSet(WritableServiceViewSet):
    """Bienniums with their budget and threshold table, and the apportionment of each."""

    output_serializer = CostshareBienniumOutput
    input_serializer = CostshareBienniumInput
    selector = staticmethod(selectors.biennium_list)
    create_service = staticmethod(services.biennium_save)
    update_service = staticmethod(services.biennium_save)
    record_name = "biennium"

    def create(self, request: Request) -> Response:
        data = valid_input(CostshareBienniumInput, request.data)
        data.pop("version", None)
        obj = services.biennium_save(actor=request.user, biennium=None, data=data)
        return self.output(obj, status.HTTP_201_CREATED)

    @extend_schema(request=CostshareThresholdsInput, responses={200: CostshareBienniumOutput})
    @action(detail=True, methods=["post"])
    def thresholds(self, request: Request, pk: str) -> Response:
        data = valid_input(CostshareThresholdsInput, request.data)
        biennium = self.get_object()
        services.thresholds_set(actor=request.user, biennium=biennium, rows=[
            (t["below_percent"], t["flat_amount"]) for t in data["thresholds"]])
        return self.output(selectors.biennium_get(user=request.user, pk=biennium.pk))

    @extend_schema(responses={200: CostshareApportionmentOutput})
    @action(detail=True, methods=["get"])
    def apportionment(self, request: Request, pk: str) -> Response:
        found = self._apportionment(request)
        return Response(CostshareApportionmentOutput(found).data)

    def _apportionment(self, request: Request) -> Apportionment:
        from vigil.core.errors import NotFound

        found = selectors.apportionment_of(user=request.user, biennium=self.get_object())
        if found is None:
            raise NotFound()
        return found

    @extend_schema(request=CostshareComputeInput, responses={200: CostshareApportionmentOutput})
    @action(detail=True, methods=["post"])
    def apportion(self, request: Request, pk: str) -> Response:
        data = valid_input(CostshareComputeInput, request.data, user=request.user)
        biennium = self.get_object()
        services.apportionment_compute(actor=request.user, biennium=biennium,
                                       census=data["census"])
        return Response(CostshareApportionmentOutput(self._apportionment(request)).data)

    @extend_schema(request=CostshareVersionInput, responses={200: CostshareApportionmentOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = valid_input(CostshareVersionInput, request.data)
        services.apportionment_approve(actor=request.user,
                                       apportionment=self._apportionment(request),
                                       version=data["version"])
        return Response(CostshareApportionmentOutput(self._apportionment(request)).data)

    @extend_schema(responses={200: CostshareStatementOutput})
    @action(detail=True, methods=["get"], url_path=r"statements/(?P<organization>[A-Za-z0-9-]+)")
    def statement(self, request: Request, pk: str, organization: str) -> Response:
        found = selectors.statement_of(user=request.user, biennium=self.get_object(),
                                       organization_code=organization)
        return Response(CostshareStatementOutput(found).data)

    @extend_schema(parameters=[OpenApiParameter("with", {"type": "integer", "minimum": 0},
                                                required=True, description=(
        "The id of the earlier biennium to compare with."))],
        responses={200: CostshareComparisonRowOutput(many=True)})
    @action(detail=True, methods=["get"])
    def compare(self, request: Request, pk: str) -> Response:
        other = request.query_params.get("with", "")
        if not other.isdigit():
            raise ValidationFailed([FieldError("with", gettext("Give the id of a biennium."))])
        first = selectors.biennium_get(user=request.user, pk=other)
        rows = selectors.comparison(user=request.user, first=first, second=self.get_object())
        return Response(CostshareComparisonRowOutput(rows, many=True).data)


class CostshareCensusLineOutput(serializers.ModelSerializer[CensusLine]):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True)

    class Meta:
        model = CensusLine
        fields = ["organization", "country", "headcount"]


class CostshareCensusOutput(serializers.ModelSerializer[Census]):
    lines = CostshareCensusLineOutput(many=True, read_only=True)
    status = named_choices("CostshareCensusStatusEnum", Census.Status.choices, read_only=True)

    class Meta:
        model = Census
        fields = ["id", "biennium", "census_date", "source", "status", "note", "finalized_at",
                  "lines", "version", "created_at"]

    def get_fields(self) -> dict[str, Any]:
        # "source" is also a Field attribute: declared in the class body, it would shadow it.
        fields = super().get_fields()
        fields["source"] = named_choices("CostshareCensusSourceEnum", Census.Source.choices,
                                         read_only=True)
        return fields


def _bienniums(*, user: Any) -> Any:
    return selectors.biennium_list(user=user)


class CostshareTakeInput(serializers.Serializer[Any]):
    biennium = ScopedPrimaryKeyRelatedField(scope=_bienniums)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CostshareImportInput(serializers.Serializer[Any]):
    biennium = ScopedPrimaryKeyRelatedField(scope=_bienniums)
    census_date = serializers.DateField(required=False, allow_null=True, default=None)
    census = ScopedPrimaryKeyRelatedField(scope=_census_choices, required=False,
                                          allow_null=True, default=None)
    csv = serializers.CharField(help_text="CSV text: organization,country,headcount",
                                trim_whitespace=False)
    skip_invalid = serializers.BooleanField(required=False, default=False)


class CostshareImportReportOutput(serializers.Serializer[Any]):
    census = CostshareCensusOutput()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()


class CostshareMoveInput(serializers.Serializer[Any]):
    status = named_choices("CostshareCensusStatusEnum", Census.Status.choices)
    version = serializers.IntegerField()


def _censuses(*, user: Any) -> Any:
    return selectors.census_list(user=user).prefetch_related("lines__organization",
                                                             "lines__country")


class CensusViewSet(ServiceViewSet):
    """Censuses of field personnel by organization and country."""

    output_serializer = CostshareCensusOutput
    selector = staticmethod(_censuses)
    filterset_fields = ["biennium", "status", "source"]

    @extend_schema(request=CostshareTakeInput, responses={201: CostshareCensusOutput})
    @action(detail=False, methods=["post"])
    def take(self, request: Request) -> Response:
        data = valid_input(CostshareTakeInput, request.data, user=request.user)
        census = services.census_take(actor=request.user, biennium=data["biennium"],
                                      note=data["note"])
        return self.output(self.get_queryset().get(pk=census.pk), status.HTTP_201_CREATED)

    @extend_schema(request=CostshareImportInput, responses={200: CostshareImportReportOutput})
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request: Request) -> Response:
        data = valid_input(CostshareImportInput, request.data, user=request.user)
        census, report = services.census_import(
            actor=request.user, biennium=data["biennium"], census=data["census"],
            census_date=data["census_date"], data=data["csv"],
            skip_invalid=data["skip_invalid"])
        fresh = self.get_queryset().get(pk=census.pk)
        return Response({**report.as_dict(), "census": CostshareCensusOutput(fresh).data})

    @extend_schema(request=CostshareMoveInput, responses={200: CostshareCensusOutput})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        data = valid_input(CostshareMoveInput, request.data)
        census = services.census_move(actor=request.user, census=self.get_object(),
                                      status=data["status"], version=data["version"])
        return self.output(self.get_queryset().get(pk=census.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.census_delete(actor=request.user, census=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


ROUTES: list[tuple[str, Any, str]] = [
    ("costshare/bienniums", BienniumViewSet, "costshare-biennium"),
    ("costshare/censuses", CensusViewSet, "costshare-census"),
]
