"""REST API of safety claims: /api/v1/hq/claims/ — list and read (the claimant is named only
when one claim is read, an audited read), record and amend (HQ security officer), file one's
own claim (``/file/``), the moves of a claim (``/<id>/<move>/``), the statistics
(``/statistics/``) and the count received in a period (``/received/``, SP1.a.iii)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import Forbidden
from vigil.hq import safety_rules as rules
from vigil.hq import safety_selectors as selectors
from vigil.hq import safety_services as services
from vigil.hq.models import ClaimantKind, ClaimEvent, ClaimKind, ClaimStatus, SafetyClaim
from vigil.people import selectors as people


def _claim_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqClaimKindEnum", ClaimKind.choices, **kwargs)


def _claimant_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqClaimantKindEnum", ClaimantKind.choices, **kwargs)


def _claim_status(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqClaimStatusEnum", ClaimStatus.choices, **kwargs)


class HqClaimEventOutput(serializers.ModelSerializer[ClaimEvent]):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = _claim_status(read_only=True)

    class Meta:
        model = ClaimEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]


class HqClaimOutput(serializers.ModelSerializer[SafetyClaim]):
    reference = serializers.CharField(read_only=True)
    duty_station = serializers.IntegerField(source="premises.duty_station_id", read_only=True)
    incident_reference = serializers.SerializerMethodField()
    kind = _claim_kind(read_only=True)
    claimant_kind = _claimant_kind(read_only=True)
    status = _claim_status(read_only=True)

    class Meta:
        model = SafetyClaim
        fields = ["id", "reference", "premises", "duty_station", "kind", "claimant_kind",
                  "claimant", "occurred_at", "received_on", "description", "currency",
                  "amount_claimed", "amount_settled", "incident", "incident_reference",
                  "status", "decision_note", "decided_on", "version", "created_at",
                  "updated_at"]

    def get_incident_reference(self, claim: SafetyClaim) -> str:
        return claim.incident.reference if claim.incident is not None else ""


class HqClaimDetailOutput(HqClaimOutput):
    """One claim, with its claimant's name and contact (personal data) and its history."""

    claimant_name = serializers.SerializerMethodField()
    claimant_contact = serializers.SerializerMethodField()
    history = HqClaimEventOutput(source="events", many=True, read_only=True)

    class Meta(HqClaimOutput.Meta):
        fields = [*HqClaimOutput.Meta.fields, "claimant_name", "claimant_contact", "history"]

    def _details(self, claim: SafetyClaim) -> dict[str, Any]:
        cache: dict[int, dict[str, Any]] = self.context["claimants"]
        if claim.pk not in cache:
            cache[claim.pk] = selectors.claimant_details(user=self.context["request"].user,
                                                         claim=claim)
        return cache[claim.pk]

    def get_claimant_name(self, claim: SafetyClaim) -> str:
        return str(self._details(claim)["name"])

    def get_claimant_contact(self, claim: SafetyClaim) -> str:
        return str(self._details(claim)["contact"])


def _premises(*, user: Any) -> Any:
    return selectors.claim_premises(user=user)


def _any_hq_premises(*, user: Any) -> Any:
    return selectors.claim_premises(user=user, perm=Perm.FILE_CLAIM)


class HqClaimInput(serializers.ModelSerializer[SafetyClaim]):
    premises = ScopedPrimaryKeyRelatedField(scope=_premises)
    claimant = ScopedPrimaryKeyRelatedField(scope=people.person_list, required=False,
                                            allow_null=True, audit_refused=True)
    incident = ScopedPrimaryKeyRelatedField(scope=selectors.linkable_incidents,
                                            required=False, allow_null=True)
    version = serializers.IntegerField(required=False)
    kind = _claim_kind()
    claimant_kind = _claimant_kind(required=False)

    class Meta:
        model = SafetyClaim
        fields = ["premises", "kind", "claimant_kind", "claimant", "claimant_name",
                  "claimant_contact", "occurred_at", "received_on", "description", "currency",
                  "amount_claimed", "incident", "version"]


class HqClaimFileInput(serializers.ModelSerializer[SafetyClaim]):
    premises = ScopedPrimaryKeyRelatedField(scope=_any_hq_premises)
    kind = _claim_kind()

    class Meta:
        model = SafetyClaim
        fields = ["premises", "kind", "occurred_at", "description", "currency",
                  "amount_claimed", "claimant_contact"]


class HqClaimMoveInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    amount_settled = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                              allow_null=True, default=None)


class HqClaimPeriodInput(serializers.Serializer[None]):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The period ends before it starts."})
        return attrs


def _claims(*, user: Any) -> Any:
    return selectors.claim_list(user=user)


class HqClaimViewSet(WritableServiceViewSet):
    """Safety claims of the premises in the caller's scope, and the caller's own claims."""

    output_serializer = HqClaimOutput
    input_serializer = HqClaimInput
    selector = staticmethod(_claims)
    filterset_fields = ["status", "kind", "premises", "claimant_kind"]
    create_service = staticmethod(services.claim_record)
    update_service = staticmethod(services.claim_update)
    record_name = "claim"

    @extend_schema(responses={200: HqClaimDetailOutput})
    def retrieve(self, request: Request, pk: str) -> Response:
        claim = selectors.claim_get(user=request.user, pk=pk)
        return Response(HqClaimDetailOutput(claim, context={
            **self.get_serializer_context(), "claimants": {}}).data)

    @extend_schema(request=HqClaimFileInput, responses={201: HqClaimOutput})
    @action(detail=False, methods=["post"], url_path="file")
    def file(self, request: Request) -> Response:
        data = valid_input(HqClaimFileInput, request.data, user=request.user)
        return self.output(services.claim_file(actor=request.user, data=data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=HqClaimMoveInput, responses={200: HqClaimOutput},
                   operation_id="v1_hq_claims_move",
                   parameters=[OpenApiParameter("move", str, OpenApiParameter.PATH,
                                                enum=list(rules.CLAIM_TRANSITIONS),
                                                description="the step to take")])
    @action(detail=True, methods=["post"],
            url_path=rf"(?P<move>{'|'.join(rules.CLAIM_TRANSITIONS)})")
    def move(self, request: Request, pk: str, move: str) -> Response:
        data = valid_input(HqClaimMoveInput, request.data)
        return self.output(services.claim_transition(
            actor=request.user, claim=self.get_object(), action=move, version=data["version"],
            note=data["note"], amount_settled=data["amount_settled"]))

    @extend_schema(parameters=[OpenApiParameter("period", str, enum=list(rules.PERIODS)),
                               OpenApiParameter("since", OpenApiTypes.DATE),
                               OpenApiParameter("until", OpenApiTypes.DATE)],
                   responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def statistics(self, request: Request) -> Response:
        """Claims received per period and premises, and by outcome."""
        if not has_perm_anywhere(request.user, Perm.VIEW_CLAIMS):
            raise Forbidden()
        since = _date(request.query_params.get("since"))
        until = _date(request.query_params.get("until"))
        qs = selectors.claim_list(user=request.user, since=since, until=until)
        stats = selectors.claim_statistics(qs, period=request.query_params.get("period",
                                                                               "month"))
        return Response({
            "period": stats["period"], "total": stats["total"],
            "premises": [{"id": p["pk"], "name": p["name"], "duty_station": p["station"],
                          "count": p["count"]} for p in stats["premises"]],
            "periods": [{"start": r["start"], "label": r["label"], "count": r["count"],
                         "by_premises": dict(zip([p["pk"] for p in stats["premises"]],
                                                 r["cells"], strict=True))}
                        for r in stats["rows"]],
            "outcomes": {o["status"]: o["count"] for o in stats["outcomes"]}})

    @extend_schema(parameters=[HqClaimPeriodInput],
                   responses={200: inline_serializer("HqClaimsReceived", {
                       "start": serializers.DateField(), "end": serializers.DateField(),
                       "applicable": serializers.BooleanField(),
                       "total": serializers.IntegerField(),
                       "by_duty_station": serializers.ListField(child=serializers.DictField()),
                       "by_premises": serializers.ListField(child=serializers.DictField())})})
    @action(detail=False, methods=["get"])
    def received(self, request: Request) -> Response:
        """SP1.a.iii: the safety claims received in a period, in the caller's scope."""
        if not has_perm_anywhere(request.user, Perm.VIEW_CLAIMS):
            raise Forbidden()
        period = valid_input(HqClaimPeriodInput, request.query_params)
        return Response(selectors.claims_received(start=period["start"], end=period["end"],
                                                  user=request.user))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


ROUTES: list[tuple[str, Any, str]] = [("hq/claims", HqClaimViewSet, "hq-claim")]
