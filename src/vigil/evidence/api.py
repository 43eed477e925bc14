"""The API of the likelihood proposals.

``GET /api/v1/evidence/proposals/?area=<id>`` (or ``?country=<ISO alpha-2>``): the proposal
of each threat category with the strongest incidents counted (those outside the caller's view
counted only, never named). An area or country outside the caller's scope answers 404, as
one that does not exist; a parameter written wrongly answers 400 naming it.

``GET /api/v1/evidence/settings/`` reads the method's parameters (any reader of risk);
``PATCH`` changes them (a global administrator of risk), with the version read.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import ApiViewSet, query_choice, validated_whole
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import ErrorCode, Forbidden
from vigil.evidence import proposals, rules, selectors, services
from vigil.evidence.models import EvidenceSettings
from vigil.risk import selectors as risk_selectors

EVIDENCE_LIMIT = 10


def _bad(field: str, message: str, code: str = ErrorCode.INVALID) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


class EvidenceItemOutput(serializers.Serializer):  # type: ignore[type-arg]
    incident = serializers.IntegerField(help_text="the incident's id")
    occurred_on = serializers.DateField()
    country = serializers.CharField(help_text="ISO alpha-2", allow_null=True)
    security_area = serializers.IntegerField(allow_null=True)
    neighbour = serializers.BooleanField(
        help_text="counted as a neighbour's (elsewhere in the country, or a neighbouring "
                  "country), not as the place's own")
    decay = serializers.FloatField()
    severity = serializers.FloatField()
    place_factor = serializers.FloatField()
    weight = serializers.FloatField()


class LikelihoodProposalOutput(serializers.Serializer):  # type: ignore[type-arg]
    category = serializers.CharField(help_text="the SRM threat category")
    likelihood = serializers.CharField(help_text=", ".join(rules.LIKELIHOODS))
    expected = serializers.FloatField(help_text="incidents expected in the next 12 months")
    chance = serializers.FloatField(help_text="of at least one incident in 12 months")
    confidence = serializers.FloatField(
        help_text="the chance that the true rate lies within the proposed step")
    confidence_label = serializers.CharField(help_text="high, medium or low")
    prior_rate = serializers.FloatField(help_text="incidents a year before the evidence")
    context_level = serializers.IntegerField(allow_null=True)
    security_level = serializers.IntegerField(allow_null=True)
    advisory_level = serializers.IntegerField(allow_null=True)
    incidents = serializers.IntegerField()
    weighted_count = serializers.FloatField()
    computed_on = serializers.DateField()
    method = serializers.CharField()
    url = serializers.CharField(help_text="the page of this proposal's evidence")
    evidence = EvidenceItemOutput(many=True, help_text="the strongest incidents the caller "
                                                       "may see")
    outside_view_count = serializers.IntegerField(
        help_text="incidents counted that the caller may not see")
    outside_view_weight = serializers.FloatField()


class LikelihoodProposalsOutput(serializers.Serializer):  # type: ignore[type-arg]
    security_area = serializers.IntegerField(allow_null=True)
    country = serializers.CharField()
    record_years = serializers.FloatField()
    proposals = LikelihoodProposalOutput(many=True)


class EvidenceSettingsOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    step_bounds = serializers.ListField(child=serializers.FloatField())
    level_prior = serializers.ListField(child=serializers.FloatField())

    class Meta:
        model = EvidenceSettings
        fields = ["half_life_years", "severity_weight", "neighbour_weight", "horizon_years",
                  "prior_years", "step_bounds", "level_prior", "chosen_by", "version",
                  "updated_at"]


@validated_whole
class EvidenceSettingsInput(serializers.Serializer):  # type: ignore[type-arg]
    half_life_years = serializers.FloatField(required=False)
    severity_weight = serializers.FloatField(required=False)
    neighbour_weight = serializers.FloatField(required=False)
    horizon_years = serializers.FloatField(required=False)
    prior_years = serializers.FloatField(required=False)
    step_bounds = serializers.ListField(child=serializers.FloatField(), required=False)
    level_prior = serializers.ListField(child=serializers.FloatField(), required=False)
    version = serializers.IntegerField()


def _place(request: Request) -> selectors.PlaceProposals:
    area = request.query_params.get("area", "").strip()
    country = request.query_params.get("country", "").strip()
    day = timezone.localdate()
    if area and country:
        raise _bad("country", "Give an area or a country, not both.")
    if area:
        if not area.isdigit():
            raise _bad("area", "Give the security area's id.")
        return selectors.area_proposals(risk_selectors.area_get(user=request.user, pk=int(area)),
                                        day)
    if country:
        if len(country) != 2 or not country.isalpha():
            raise _bad("country", "Give the country's ISO alpha-2 code.")
        return selectors.country_proposals(
            selectors.country_get(user=request.user, iso2=country), day)
    raise _bad("area", "Give an area (?area=<id>) or a country (?country=<ISO alpha-2>).",
               ErrorCode.REQUIRED)


def _proposals(request: Request, place: selectors.PlaceProposals) -> dict[str, Any]:
    tables = selectors.evidence_tables(request.user, place, EVIDENCE_LIMIT)
    found = []
    for category in rules.THREAT_CATEGORIES:
        table = tables[category]
        data = proposals.as_data(place, category)
        data["category"] = category
        data["evidence"] = [{
            "incident": e.incident_id, "occurred_on": e.occurred_on,
            "country": e.row["country__iso2"], "security_area": e.row["security_area_id"],
            "neighbour": e.neighbour, "decay": round(e.weighted.decay, 4),
            "severity": e.weighted.severity, "place_factor": e.weighted.place,
            "weight": round(e.weighted.weight, 4)} for e, _may in table.shown]
        data["outside_view_count"] = table.hidden_count
        data["outside_view_weight"] = round(table.hidden_weight, 4)
        found.append(data)
    return {"security_area": place.area.pk if place.area else None,
            "country": place.country.iso2, "record_years": round(place.record_years, 2),
            "proposals": found}


class EvidenceViewSet(ApiViewSet):
    """Likelihood proposals from the incident record, and the method's settings."""

    def _check(self, request: Request) -> None:
        if not has_perm_anywhere(request.user, Perm.VIEW_RISK):
            raise Forbidden()

    @extend_schema(parameters=[query_choice(
        "place",
        {"area": {"type": "integer", "minimum": 0, "description": "a security area's id"}},
        {"country": {"type": "string", "pattern": "^[A-Za-z]{2}$",
                     "description": "a country's ISO alpha-2 code (a proposal for the whole "
                                    "country)"}},
        description="?area=<id> or ?country=<ISO alpha-2>: one of the two")],
        responses=LikelihoodProposalsOutput)
    @action(detail=False, methods=["get"], url_path="proposals")
    def proposals(self, request: Request) -> Response:
        self._check(request)
        return Response(LikelihoodProposalsOutput(_proposals(request, _place(request))).data)

    @extend_schema(methods=["GET"], responses=EvidenceSettingsOutput)
    @extend_schema(methods=["PATCH"], request=EvidenceSettingsInput,
                   responses=EvidenceSettingsOutput)
    @action(detail=False, methods=["get", "patch"], url_path="settings")
    def method_settings(self, request: Request) -> Response:
        self._check(request)
        if request.method == "PATCH":
            serializer = EvidenceSettingsInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            version = data.pop("version")
            saved = services.settings_update(actor=request.user, data=data, version=version)
            return Response(EvidenceSettingsOutput(saved).data)
        return Response(EvidenceSettingsOutput(selectors.settings_row()).data)


ROUTES: list[tuple[str, type, str]] = [
    ("evidence", EvidenceViewSet, "evidence"),
]
