"""REST API of HQ access control: zones, gates, pass holders, passes (issue, change, suspend,
reinstate, revoke), visits (register, check the identity document, arrive, depart, cancel,
no-show), meetings, delegations and accreditations (request, grant, withdraw) and the issue
of event passes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
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
    validated_whole,
)
from vigil.hq import access_selectors as selectors
from vigil.hq import access_services as services
from vigil.hq.access_rules import masked
from vigil.hq.models import (
    Accreditation,
    AccreditationStatus,
    Delegation,
    DelegationKind,
    Gate,
    HolderKind,
    Meeting,
    MeetingKind,
    Pass,
    PassHolder,
    PassStatus,
    Visit,
    VisitStatus,
    Zone,
)
from vigil.people import selectors as people
from vigil.places import selectors as places


def _holder_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HqHolderKindEnum", HolderKind.choices, **kwargs)


def _premises(*, user: Any) -> Any:
    return selectors.access_premises_list(user=user)


def _zones(*, user: Any) -> Any:
    return selectors.zone_list(user=user)


def _stations(*, user: Any) -> Any:
    return selectors.access_stations(user=user)


# --- Zones and gates --------------------------------------------------------------------------

class ZoneOutput(serializers.ModelSerializer[Zone]):
    class Meta:
        model = Zone
        fields = ["id", "premises", "code", "name", "restricted", "active"]


class ZoneInput(serializers.ModelSerializer[Zone]):
    premises = ScopedPrimaryKeyRelatedField(scope=_premises)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Zone
        fields = ["premises", "code", "name", "restricted", "active", "version"]


def _zone_create(*, actor: Any, data: dict[str, Any]) -> Zone:
    return services.zone_save(actor=actor, data=data)


def _zone_update(*, actor: Any, zone: Zone, data: dict[str, Any], version: int | None) -> Zone:
    return services.zone_save(actor=actor, zone=zone, data=data)


class ZoneViewSet(WritableServiceViewSet):
    """The zones of HQ premises in the reader's scope. PATCH sends any number as version."""

    output_serializer = ZoneOutput
    input_serializer = ZoneInput
    selector = staticmethod(_zones)
    filterset_fields = ["premises", "restricted", "active"]
    create_service = staticmethod(_zone_create)
    update_service = staticmethod(_zone_update)
    record_name = "zone"


class GateOutput(serializers.ModelSerializer[Gate]):
    class Meta:
        model = Gate
        fields = ["id", "premises", "zone", "code", "name", "active"]


class GateInput(serializers.ModelSerializer[Gate]):
    premises = ScopedPrimaryKeyRelatedField(scope=_premises)
    zone = ScopedPrimaryKeyRelatedField(scope=_zones)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Gate
        fields = ["premises", "zone", "code", "name", "active", "version"]


def _gate_create(*, actor: Any, data: dict[str, Any]) -> Gate:
    return services.gate_save(actor=actor, data=data)


def _gate_update(*, actor: Any, gate: Gate, data: dict[str, Any], version: int | None) -> Gate:
    return services.gate_save(actor=actor, gate=gate, data=data)


class GateViewSet(WritableServiceViewSet):
    """The gates of HQ premises in the reader's scope, each into one zone."""

    output_serializer = GateOutput
    input_serializer = GateInput
    selector = staticmethod(selectors.gate_list)
    filterset_fields = ["premises", "zone", "active"]
    create_service = staticmethod(_gate_create)
    update_service = staticmethod(_gate_update)
    record_name = "gate"


# --- Pass holders -----------------------------------------------------------------------------

class PassHolderOutput(serializers.ModelSerializer[PassHolder]):
    kind = _holder_kind(read_only=True)
    document_number = serializers.SerializerMethodField(
        help_text="Masked; GET …/document/ reads it in full (audited).")

    class Meta:
        model = PassHolder
        fields = ["id", "duty_station", "kind", "person", "family_name", "given_name",
                  "organization", "affiliation", "nationality", "email", "document_type",
                  "document_number", "version", "created_at", "updated_at"]

    def get_document_number(self, obj: PassHolder) -> str:
        return masked(obj.document_number)


class PassHolderInput(serializers.ModelSerializer[PassHolder]):
    kind = _holder_kind()
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations)
    person = ScopedPrimaryKeyRelatedField(scope=people.person_list, required=False,
                                          allow_null=True, audit_refused=True)
    organization = ScopedPrimaryKeyRelatedField(scope=people.organization_list, required=False,
                                                allow_null=True)
    nationality = ScopedPrimaryKeyRelatedField(scope=places.country_list, required=False,
                                               allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = PassHolder
        fields = ["duty_station", "kind", "person", "family_name", "given_name",
                  "organization", "affiliation", "nationality", "email", "document_type",
                  "document_number", "version"]


class DocumentOutput(serializers.Serializer[Any]):
    type = serializers.CharField()
    number = serializers.CharField()
    masked = serializers.CharField()


def _holder_create(*, actor: Any, data: dict[str, Any]) -> PassHolder:
    return services.pass_holder_save(actor=actor, data=data)


class PassHolderViewSet(WritableServiceViewSet):
    """People who hold passes at HQ duty stations. Identity document numbers are masked."""

    output_serializer = PassHolderOutput
    input_serializer = PassHolderInput
    selector = staticmethod(selectors.pass_holder_list)
    filterset_fields = ["kind", "duty_station"]
    create_service = staticmethod(_holder_create)
    update_service = staticmethod(services.pass_holder_save)
    record_name = "holder"

    @extend_schema(responses={200: DocumentOutput})
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: str) -> Response:
        """The identity document in full, for those who issue passes or receive visitors at
        the holder's duty station (each read audited); masked for everyone else."""
        return Response(selectors.pass_holder_document(user=request.user,
                                                       holder=self.get_object()))


# --- Passes -----------------------------------------------------------------------------------

class PassOutput(serializers.ModelSerializer[Pass]):
    kind = _holder_kind(read_only=True)
    status = named_choices("HqPassStatusEnum", PassStatus.choices, read_only=True)
    condition = serializers.CharField(source="condition.value", read_only=True)
    moves = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Pass
        fields = ["id", "number", "holder", "duty_station", "kind", "zones", "valid_from",
                  "valid_until", "status", "condition", "status_reason", "status_changed_at",
                  "moves", "version", "created_at"]


class PassIssueInput(serializers.Serializer[Any]):
    holder = ScopedPrimaryKeyRelatedField(scope=selectors.pass_holder_list)
    zones = ScopedPrimaryKeyRelatedField(scope=_zones, many=True)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


@validated_whole
class PassUpdateInput(serializers.Serializer[Any]):
    zones = ScopedPrimaryKeyRelatedField(scope=_zones, many=True)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    version = serializers.IntegerField()


class ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class PassViewSet(ServiceViewSet):
    """Passes in the reader's scope. ``condition`` is what the pass is now (valid, not yet
    valid, expired, suspended, revoked); ``moves`` the lifecycle actions its status allows."""

    output_serializer = PassOutput
    input_serializer = PassIssueInput
    selector = staticmethod(selectors.pass_list)
    filterset_fields = ["status", "kind", "duty_station", "holder", "number"]

    @extend_schema(request=PassIssueInput, responses={201: PassOutput})
    def create(self, request: Request) -> Response:
        """Issue a pass to a staff member, contractor or media holder."""
        data = valid_input(PassIssueInput, request.data, user=request.user)
        return self.output(services.pass_issue(actor=request.user, **data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=PassUpdateInput, responses={200: PassOutput})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = valid_input(PassUpdateInput, request.data, user=request.user)
        return self.output(services.pass_update(actor=request.user, pass_=self.get_object(),
                                                **data))

    @extend_schema(request=ReasonInput, responses={200: PassOutput})
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        data = valid_input(ReasonInput, request.data)
        return self.output(services.pass_suspend(actor=request.user, pass_=self.get_object(),
                                                 reason=data["reason"],
                                                 version=data.get("version")))

    @extend_schema(request=ReasonInput, responses={200: PassOutput})
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str) -> Response:
        data = valid_input(ReasonInput, request.data)
        return self.output(services.pass_reinstate(actor=request.user, pass_=self.get_object(),
                                                   version=data.get("version")))

    @extend_schema(request=ReasonInput, responses={200: PassOutput})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        data = valid_input(ReasonInput, request.data)
        return self.output(services.pass_revoke(actor=request.user, pass_=self.get_object(),
                                                reason=data["reason"],
                                                version=data.get("version")))


# --- Visits -----------------------------------------------------------------------------------

class VisitOutput(serializers.ModelSerializer[Visit]):
    status = named_choices("HqVisitStatusEnum", VisitStatus.choices, read_only=True)
    visitor_name = serializers.CharField(source="visitor.__str__", read_only=True)
    pass_number = serializers.CharField(allow_null=True, source="pass_issued.number",
                                        read_only=True, default=None)
    moves = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "premises", "host", "visitor", "visitor_name", "purpose",
                  "expected_from", "expected_until", "status", "status_reason", "moves",
                  "document_checked_at", "arrived_at", "arrival_gate", "departed_at",
                  "pass_issued", "pass_number", "pre_registered", "version", "created_at"]


def _hosts(*, user: Any) -> Any:
    return selectors.host_choices(user=user)


def _visit_premises(*, user: Any) -> Any:
    return selectors.visit_premises_choices(user=user)


class VisitorInput(serializers.Serializer[Any]):
    family_name = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    affiliation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class VisitInput(serializers.Serializer[Any]):
    premises = ScopedPrimaryKeyRelatedField(scope=_visit_premises)
    host = ScopedPrimaryKeyRelatedField(scope=_hosts, required=False, allow_null=True,
                                        help_text="Defaults to the caller's own staff record.")
    purpose = serializers.CharField(max_length=300)
    expected_from = serializers.DateTimeField()
    expected_until = serializers.DateTimeField()
    visitor = VisitorInput()
    issue_pass = serializers.BooleanField(required=False, allow_null=True, default=None)
    zones = ScopedPrimaryKeyRelatedField(scope=_zones, many=True, required=False)


class DocumentCheckInput(serializers.Serializer[Any]):
    document_type = serializers.CharField(max_length=40)
    document_number = serializers.CharField(max_length=60)


class ArriveInput(serializers.Serializer[Any]):
    at = serializers.DateTimeField(required=False)
    gate = ScopedPrimaryKeyRelatedField(scope=selectors.gate_list, required=False,
                                        allow_null=True)


class VisitViewSet(ServiceViewSet):
    """Visits in the reader's scope, and the visitors the caller hosts."""

    output_serializer = VisitOutput
    input_serializer = VisitInput
    selector = staticmethod(selectors.visit_list)
    filterset_fields = ["status", "premises", "host"]

    @extend_schema(request=VisitInput, responses={201: VisitOutput})
    def create(self, request: Request) -> Response:
        """Register a visitor. Registered by the host themself, the visitor gets a pass."""
        data = valid_input(VisitInput, request.data, user=request.user)
        host = data.pop("host", None) or people.person_of_user(user=request.user)
        if host is None:
            raise serializers.ValidationError({"host": ["Name the host."]})
        zones = data.pop("zones", None)
        visit = services.visit_register(actor=request.user, host=host, zones=zones or None,
                                        **data)
        return self.output(visit, status.HTTP_201_CREATED)

    @extend_schema(request=DocumentCheckInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"], url_path="check-document")
    def check_document(self, request: Request, pk: str) -> Response:
        data = valid_input(DocumentCheckInput, request.data)
        return self.output(services.visit_check_document(actor=request.user,
                                                         visit=self.get_object(), **data))

    @extend_schema(request=ArriveInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"])
    def arrive(self, request: Request, pk: str) -> Response:
        data = valid_input(ArriveInput, request.data, user=request.user)
        return self.output(services.visit_arrive(
            actor=request.user, visit=self.get_object(), at=data.get("at") or timezone.now(),
            gate=data.get("gate")))

    @extend_schema(request=None, responses={200: VisitOutput})
    @action(detail=True, methods=["post"])
    def depart(self, request: Request, pk: str) -> Response:
        return self.output(services.visit_depart(actor=request.user, visit=self.get_object()))

    @extend_schema(request=ReasonInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = valid_input(ReasonInput, request.data)
        return self.output(services.visit_cancel(actor=request.user, visit=self.get_object(),
                                                 reason=data["reason"]))

    @extend_schema(request=None, responses={200: VisitOutput})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk: str) -> Response:
        return self.output(services.visit_no_show(actor=request.user, visit=self.get_object()))


# --- Meetings ---------------------------------------------------------------------------------

class MeetingOutput(serializers.ModelSerializer[Meeting]):
    kind = named_choices("HqMeetingKindEnum", MeetingKind.choices, read_only=True)
    class Meta:
        model = Meeting
        fields = ["id", "name", "kind", "duty_station", "premises", "zones", "starts_on",
                  "ends_on", "notes", "version", "created_at"]


class MeetingInput(serializers.ModelSerializer[Meeting]):
    kind = named_choices("HqMeetingKindEnum", MeetingKind.choices)
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations)
    premises = ScopedPrimaryKeyRelatedField(scope=_premises)
    zones = ScopedPrimaryKeyRelatedField(scope=_zones, many=True, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Meeting
        fields = ["name", "kind", "duty_station", "premises", "zones", "starts_on", "ends_on",
                  "notes", "version"]


class MeetingViewSet(WritableServiceViewSet):
    """Meetings and events at HQ duty stations; the zones their passes open."""

    output_serializer = MeetingOutput
    input_serializer = MeetingInput
    selector = staticmethod(selectors.meeting_list)
    filterset_fields = ["kind", "duty_station"]
    create_service = staticmethod(services.meeting_save)
    update_service = staticmethod(services.meeting_save)
    record_name = "meeting"
    aside = {"zones": "zones"}

    @extend_schema(request=None, responses={200: PassOutput(many=True)})
    @action(detail=True, methods=["post"], url_path="issue-passes")
    def issue_passes(self, request: Request, pk: str) -> Response:
        """Issue an event pass to every accredited delegate who has none."""
        issued = services.meeting_issue_passes(actor=request.user, meeting=self.get_object())
        return Response(PassOutput(issued, many=True).data)


class DelegationOutput(serializers.ModelSerializer[Delegation]):
    kind = named_choices("HqDelegationKindEnum", DelegationKind.choices, read_only=True)
    class Meta:
        model = Delegation
        fields = ["id", "meeting", "kind", "country", "name"]


def _meetings(*, user: Any) -> Any:
    return selectors.meeting_list(user=user)


class DelegationInput(serializers.ModelSerializer[Delegation]):
    kind = named_choices("HqDelegationKindEnum", DelegationKind.choices)
    meeting = ScopedPrimaryKeyRelatedField(scope=_meetings)
    country = ScopedPrimaryKeyRelatedField(scope=places.country_list, required=False,
                                           allow_null=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Delegation
        fields = ["meeting", "kind", "country", "name", "version"]


def _delegations(*, user: Any) -> Any:
    return Delegation.objects.filter(meeting__in=selectors.meeting_list(user=user).values("pk"))


def _delegation_create(*, actor: Any, data: dict[str, Any]) -> Delegation:
    return services.delegation_save(actor=actor, data=data)


def _delegation_update(*, actor: Any, delegation: Delegation, data: dict[str, Any],
                       version: int | None) -> Delegation:
    return services.delegation_save(actor=actor, delegation=delegation, data=data)


class DelegationViewSet(WritableServiceViewSet):
    """Delegations accredited to meetings in the reader's scope."""

    output_serializer = DelegationOutput
    input_serializer = DelegationInput
    selector = staticmethod(_delegations)
    filterset_fields = ["meeting", "kind"]
    create_service = staticmethod(_delegation_create)
    update_service = staticmethod(_delegation_update)
    record_name = "delegation"


class AccreditationOutput(serializers.ModelSerializer[Accreditation]):
    status = named_choices("HqAccreditationStatusEnum", AccreditationStatus.choices, read_only=True)
    class Meta:
        model = Accreditation
        fields = ["id", "delegation", "holder", "function", "status", "status_reason",
                  "status_changed_at", "pass_issued", "version"]


class NewDelegateInput(serializers.Serializer[Any]):
    family_name = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class AccreditationInput(serializers.Serializer[Any]):
    delegation = ScopedPrimaryKeyRelatedField(scope=_delegations)
    holder = ScopedPrimaryKeyRelatedField(scope=selectors.pass_holder_list, required=False,
                                          allow_null=True)
    new_delegate = NewDelegateInput(required=False)
    function = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                     default="")


class WithdrawInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300)
    revoke_pass = serializers.BooleanField(default=False)
    version = serializers.IntegerField(required=False)


class AccreditationViewSet(ServiceViewSet):
    """Delegates accredited to meetings: request, grant, withdraw (which suspends or revokes
    the event pass)."""

    output_serializer = AccreditationOutput
    input_serializer = AccreditationInput
    selector = staticmethod(selectors.accreditation_list)
    filterset_fields = ["status", "delegation"]

    @extend_schema(request=AccreditationInput, responses={201: AccreditationOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(AccreditationInput, request.data, user=request.user)
        return self.output(services.accreditation_request(actor=request.user, **data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=ReasonInput, responses={200: AccreditationOutput})
    @action(detail=True, methods=["post"])
    def grant(self, request: Request, pk: str) -> Response:
        data = valid_input(ReasonInput, request.data)
        return self.output(services.accreditation_grant(
            actor=request.user, accreditation=self.get_object(), version=data.get("version")))

    @extend_schema(request=WithdrawInput, responses={200: AccreditationOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = valid_input(WithdrawInput, request.data)
        return self.output(services.accreditation_withdraw(
            actor=request.user, accreditation=self.get_object(), **data))


ROUTES: list[tuple[str, Any, str]] = [
    ("hq/zones", ZoneViewSet, "hq-zone"),
    ("hq/gates", GateViewSet, "hq-gate"),
    ("hq/pass-holders", PassHolderViewSet, "hq-pass-holder"),
    ("hq/passes", PassViewSet, "hq-pass"),
    ("hq/visits", VisitViewSet, "hq-visit"),
    ("hq/meetings", MeetingViewSet, "hq-meeting"),
    ("hq/delegations", DelegationViewSet, "hq-delegation"),
    ("hq/accreditations", AccreditationViewSet, "hq-accreditation"),
]
