"""REST API of stress support, with the pages' rules: /api/v1/wellbeing/...

- ``cases``: the cases the caller may read (assigned to them, or about them); every page and
  every case served is an audited read. ``cases/request`` (the person), ``cases/refer`` (a
  counsellor), and on one case ``contact``, ``sessions``, ``close``, ``decline``.
- ``waiting``: proposed cases in a counsellor's scope, without name or content; ``take``.
- ``counts``: counts only, suppressed, and indicator SP2.2.a.iii.
- ``briefings`` and ``counsellors`` (the roster; never a case)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    ApiViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.errors import Forbidden
from vigil.wellbeing import rules, selectors, services
from vigil.wellbeing.models import Briefing, Case, Contact, Counsellor, Session

# --- Output -----------------------------------------------------------------------------------


class CaseContactOutput(serializers.ModelSerializer[Contact]):
    mode = named_choices("WellbeingContactMode", Contact.Mode.choices, read_only=True)

    class Meta:
        model = Contact
        fields = ["at", "mode", "note"]


class CaseSessionOutput(serializers.ModelSerializer[Session]):
    mode = named_choices("WellbeingContactMode", Contact.Mode.choices, read_only=True)

    class Meta:
        model = Session
        fields = ["id", "at", "mode", "duration_minutes", "note"]


class CaseOutput(serializers.ModelSerializer[Case]):
    person: Any = serializers.SlugRelatedField(slug_field="index_number", read_only=True)
    person_name = serializers.SerializerMethodField()
    dependant_name = serializers.SerializerMethodField()
    incident: Any = serializers.SlugRelatedField(
        allow_null=True, slug_field="reference", read_only=True)
    counsellor: Any = serializers.StringRelatedField(
        allow_null=True, read_only=True)
    duty_station: Any = serializers.SlugRelatedField(allow_null=True, slug_field="code",
                                                     read_only=True)
    country: Any = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    organization: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    origin = named_choices("WellbeingCaseOrigin", Case.Origin.choices, read_only=True)
    status = named_choices("WellbeingCaseStatus", Case.Status.choices, read_only=True)
    first_contact = serializers.SerializerMethodField()
    hours_to_first_contact = serializers.SerializerMethodField()
    sessions = CaseSessionOutput(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "person", "person_name", "dependant_name", "incident",
                  "origin", "status", "counsellor", "duty_station", "country", "organization",
                  "proposed_at", "opened_at", "closed_at", "request_note",
                  "preferred_language", "closure_note", "declined_reason", "first_contact",
                  "hours_to_first_contact", "sessions", "version"]

    def get_person_name(self, obj: Case) -> str:
        return f"{obj.person.given_name} {obj.person.family_name}".strip()

    def get_dependant_name(self, obj: Case) -> str | None:
        if obj.dependant is None:
            return None
        return f"{obj.dependant.given_name} {obj.dependant.family_name}".strip()

    @extend_schema_field(CaseContactOutput(allow_null=True))
    def get_first_contact(self, obj: Case) -> dict[str, Any] | None:
        contact = Contact.objects.filter(case=obj).first()
        return dict(CaseContactOutput(contact).data) if contact else None

    def get_hours_to_first_contact(self, obj: Case) -> float | None:
        contact = Contact.objects.filter(case=obj).first()
        if contact is None or obj.incident is None:
            return None
        return rules.elapsed_hours(rules.elapsed(obj.incident.occurred_at, contact.at))


class WaitingOutput(serializers.ModelSerializer[Case]):
    """A proposal waiting for a counsellor: no name and no content."""

    origin = named_choices("WellbeingCaseOrigin", Case.Origin.choices, read_only=True)
    duty_station: Any = serializers.SlugRelatedField(allow_null=True, slug_field="code",
                                                     read_only=True)
    country: Any = serializers.SlugRelatedField(slug_field="iso2", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "origin", "duty_station", "country", "proposed_at",
                  "version"]


# --- Input ------------------------------------------------------------------------------------

class CaseRequestInput(serializers.Serializer):  # type: ignore[type-arg]
    request_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    preferred_language = serializers.CharField(required=False, allow_blank=True, max_length=60)


class ReferInput(CaseRequestInput):
    index_number = serializers.CharField(max_length=20)


class CaseContactInput(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    mode = named_choices("WellbeingContactMode", Contact.Mode.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseSessionInput(CaseContactInput):
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)


class CaseCloseInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    closure_note = serializers.CharField()


class DeclineInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class WellbeingVersionInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()


# --- Cases ------------------------------------------------------------------------------------

class CaseViewSet(ServiceViewSet):
    """Confidential: the caller's own cases only (as counsellor or as the person)."""

    output_serializer = CaseOutput
    selector = staticmethod(selectors.case_list)
    audit_list_as = "wellbeing.case.list"

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(selectors.case_get(user=request.user, pk=pk))

    def _case(self, request: Request, pk: str) -> Case:
        return selectors.case_get(user=request.user, pk=pk)

    @extend_schema(request=CaseRequestInput, responses={201: CaseOutput})
    @action(detail=False, methods=["post"], url_path="request")
    def request_support(self, request: Request) -> Response:
        data = valid_input(CaseRequestInput, request.data)
        return self.output(services.case_request(actor=request.user, data=data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=ReferInput, responses={201: CaseOutput})
    @action(detail=False, methods=["post"])
    def refer(self, request: Request) -> Response:
        data = valid_input(ReferInput, request.data)
        return self.output(services.case_refer(actor=request.user, data=data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=CaseContactInput, responses={201: CaseOutput})
    @action(detail=True, methods=["post"])
    def contact(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        services.contact_record(actor=request.user, case=case,
                                data=valid_input(CaseContactInput, request.data))
        return self.output(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseSessionInput, responses={201: CaseOutput})
    @action(detail=True, methods=["post"])
    def sessions(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        services.session_record(actor=request.user, case=case,
                                data=valid_input(CaseSessionInput, request.data))
        return self.output(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseCloseInput, responses={200: CaseOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(CaseCloseInput, request.data)
        return self.output(services.case_close(actor=request.user, case=case,
                                               closure_note=data["closure_note"],
                                               version=data["version"]))

    @extend_schema(request=DeclineInput, responses={200: CaseOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        case = self._case(request, pk)
        data = valid_input(DeclineInput, request.data)
        return self.output(services.case_decline(actor=request.user, case=case,
                                                 reason=data.get("reason", ""),
                                                 version=data["version"]))


class WaitingViewSet(ServiceViewSet):
    """Proposed cases in the counsellor's scope, waiting for one: no name, no content."""

    output_serializer = WaitingOutput
    selector = staticmethod(selectors.to_pick_up)

    @extend_schema(request=WellbeingVersionInput, responses={200: CaseOutput})
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        case = selectors.pick_up_get(user=request.user, pk=pk)
        data = valid_input(WellbeingVersionInput, request.data)
        done = services.case_take(actor=request.user, case=case, version=data["version"])
        selectors.case_get(user=request.user, pk=done.pk)  # the read that follows, audited
        return Response(CaseOutput(done, context=self.get_serializer_context()).data)


# --- Counts -----------------------------------------------------------------------------------

class CellOutput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="None when suppressed.")
    shown = serializers.CharField(help_text='The count, or "<minimum" when suppressed.')


class CountTableOutput(serializers.Serializer):  # type: ignore[type-arg]
    dimension = serializers.CharField()
    rows = CellOutput(many=True)
    total = CellOutput()


class ShareOutput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    affected = serializers.IntegerField(allow_null=True)
    supported = serializers.IntegerField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)
    shown = serializers.CharField()


class CountsIndicatorOutput(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    overall = ShareOutput()
    by_country = ShareOutput(many=True)


@extend_schema_serializer(many=False)
class CountsOutput(serializers.Serializer):  # type: ignore[type-arg]
    minimum_cell = serializers.IntegerField()
    tables = CountTableOutput(many=True)
    indicator = CountsIndicatorOutput()


def _cell(label: str, cell: rules.Cell) -> dict[str, Any]:
    return {"name": label, "count": cell.value, "shown": str(cell)}


def _share(label: str, share: rules.Proportion) -> dict[str, Any]:
    return {"name": label, "affected": share.denominator.value,
            "supported": share.numerator.value, "percent": share.percent, "shown": str(share)}


class CountsViewSet(ApiViewSet):
    """Counts only, suppressed below the minimum cell size: no case, no name."""

    @extend_schema(responses={200: CountsOutput}, parameters=[
        OpenApiParameter("year", {"type": "integer", "minimum": 1, "maximum": 9999},
                         required=False),
        OpenApiParameter("status", OpenApiTypes.STR, required=False)])
    def list(self, request: Request) -> Response:
        if not selectors.may_view_counts(request.user):
            raise Forbidden()
        raw = request.query_params.get("year", "")
        year = int(raw) if raw.isdigit() and 1 <= int(raw) <= 9999 else None
        state = request.query_params.get("status", "")
        tables = selectors.case_counts(user=request.user, year=year,
                                       status=state if state in Case.Status.values else "")
        indicator = selectors.pfa_indicator(user=request.user, year=year)
        return Response({
            "minimum_cell": selectors.minimum_cell(),
            "tables": [{"dimension": t.dimension,
                        "rows": [_cell(label, c) for label, c in t.rows],
                        "total": _cell("total", t.total)} for t in tables],
            "indicator": {"code": indicator["code"],
                          "overall": _share("all", indicator["overall"]),
                          "by_country": [_share(r.label, r.share)
                                         for r in indicator["by_country"]]}})


# --- Briefings and roster ---------------------------------------------------------------------

class BriefingOutput(serializers.ModelSerializer[Briefing]):
    duty_station: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    audience = named_choices("WellbeingAudience", Briefing.Audience.choices, read_only=True)
    facilitator: Any = serializers.StringRelatedField(allow_null=True, read_only=True)

    class Meta:
        model = Briefing
        fields = ["id", "duty_station", "held_on", "audience", "participants", "topic",
                  "facilitator", "version"]


class BriefingInput(serializers.ModelSerializer[Briefing]):
    duty_station: Any = ScopedPrimaryKeyRelatedField(scope=selectors.briefing_stations)
    audience = named_choices("WellbeingAudience", Briefing.Audience.choices)
    facilitator: Any = serializers.PrimaryKeyRelatedField(
        queryset=Counsellor.objects.filter(active=True), required=False, allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Briefing
        fields = ["duty_station", "held_on", "audience", "participants", "topic",
                  "facilitator", "version"]


class BriefingViewSet(WritableServiceViewSet):
    output_serializer = BriefingOutput
    input_serializer = BriefingInput
    selector = staticmethod(selectors.briefing_list)
    create_service = staticmethod(services.briefing_save)
    update_service = staticmethod(services.briefing_save)
    record_name = "briefing"


class CounsellorOutput(serializers.ModelSerializer[Counsellor]):
    user: Any = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duty_stations: Any = serializers.SlugRelatedField(slug_field="code", many=True,
                                                      read_only=True)

    class Meta:
        model = Counsellor
        fields = ["id", "user", "name", "affiliation", "organization_name", "languages",
                  "duty_stations", "training_status", "trained_on", "active", "version"]


class CounsellorInput(serializers.ModelSerializer[Counsellor]):
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Counsellor
        fields = ["user", "name", "affiliation", "organization_name", "languages",
                  "duty_stations", "training_status", "trained_on", "active", "version"]


class CounsellorViewSet(WritableServiceViewSet):
    """The roster, for its administrators (MANAGE_COUNSELLING)."""

    output_serializer = CounsellorOutput
    input_serializer = CounsellorInput
    selector = staticmethod(selectors.counsellor_list)
    create_service = staticmethod(services.counsellor_save)
    update_service = staticmethod(services.counsellor_save)
    record_name = "counsellor"
    aside = {"duty_stations": "duty_stations"}


ROUTES: list[tuple[str, Any, str]] = [
    ("wellbeing/cases", CaseViewSet, "wellbeing-case"),
    ("wellbeing/waiting", WaitingViewSet, "wellbeing-waiting"),
    ("wellbeing/counts", CountsViewSet, "wellbeing-counts"),
    ("wellbeing/briefings", BriefingViewSet, "wellbeing-briefing"),
    ("wellbeing/counsellors", CounsellorViewSet, "wellbeing-counsellor"),
]
