"""REST API of host-country cooperation, under /api/v1/coordination/: host-agreements and
host-support (read, create, edit, ``/<id>/end/``), liaison-meetings, incident-handling (one
per incident against UN personnel) and engagement-ratings (read, create, edit), and
host-countries (read: the per-country analysis)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.coordination import host_rules as rules
from vigil.coordination import host_selectors as selectors
from vigil.coordination import host_services as services
from vigil.coordination.models import (
    AgreementKind,
    EngagementRating,
    EngagementScore,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    InvestigationStatus,
    LiaisonMeeting,
    ProsecutionStatus,
    SupportKind,
)
from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm
from vigil.places.models import Country, DutyStation

MANAGE = Perm.MANAGE_HOST_COUNTRY


def _countries(*, user: Any) -> Any:
    return selectors.host_countries(user=user, perm=MANAGE)


def _stations(*, user: Any) -> Any:
    return DutyStation.objects.filter(country__in=_countries(user=user), is_active=True)


def _agreements(*, user: Any) -> Any:
    return HostAgreement.objects.filter(country__in=_countries(user=user))


def _agreement_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HostAgreementKindEnum", AgreementKind.choices, **kwargs)


def _support_kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HostSupportKindEnum", SupportKind.choices, **kwargs)


def _investigation(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HostInvestigationEnum", InvestigationStatus.choices, **kwargs)


def _prosecution(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("HostProsecutionEnum", ProsecutionStatus.choices, **kwargs)


class HostEndInput(serializers.Serializer[None]):
    version = serializers.IntegerField()
    on = serializers.DateField(required=False, allow_null=True, default=None)


# --- Agreements -------------------------------------------------------------------------------

class HostAgreementOutput(serializers.ModelSerializer[HostAgreement]):
    kind = _agreement_kind(read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = HostAgreement
        fields = ["id", "country", "kind", "title", "reference", "signed_on", "in_force_from",
                  "in_force_until", "in_force", "security_provisions", "version",
                  "created_at", "updated_at"]

    def get_in_force(self, row: HostAgreement) -> bool:
        return rules.in_force(row.in_force_from, row.in_force_until, timezone.localdate())


class HostAgreementInput(serializers.ModelSerializer[HostAgreement]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    kind = _agreement_kind()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = HostAgreement
        fields = ["country", "kind", "title", "reference", "signed_on", "in_force_from",
                  "in_force_until", "security_provisions", "version"]


class HostAgreementViewSet(WritableServiceViewSet):
    """Agreements with host governments (host country, SOFA/SOMA, security MoU...) in the
    caller's scope; ``in_force`` is today."""

    output_serializer = HostAgreementOutput
    input_serializer = HostAgreementInput
    selector = staticmethod(selectors.agreement_list)
    filterset_fields = ["country", "kind"]
    create_service = staticmethod(services.agreement_create)
    update_service = staticmethod(services.agreement_update)
    record_name = "agreement"

    @extend_schema(request=HostEndInput, responses={200: HostAgreementOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """The agreement stops being in force after ``on`` (today by default)."""
        data = valid_input(HostEndInput, request.data)
        return self.output(services.agreement_end(actor=request.user,
                                                  agreement=self.get_object(),
                                                  version=data["version"], on=data["on"]))


# --- Support ----------------------------------------------------------------------------------

class HostSupportOutput(serializers.ModelSerializer[HostSupport]):
    kind = _support_kind(read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = HostSupport
        fields = ["id", "country", "duty_station", "agreement", "kind", "provider",
                  "description", "strength", "starts_on", "ends_on", "active", "reliable",
                  "version", "created_at", "updated_at"]

    def get_active(self, row: HostSupport) -> bool:
        return rules.in_force(row.starts_on, row.ends_on, timezone.localdate())


class HostSupportInput(serializers.ModelSerializer[HostSupport]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations, required=False,
                                                allow_null=True)
    agreement = ScopedPrimaryKeyRelatedField(scope=_agreements, required=False,
                                             allow_null=True)
    kind = _support_kind()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = HostSupport
        fields = ["country", "duty_station", "agreement", "kind", "provider", "description",
                  "strength", "starts_on", "ends_on", "reliable", "version"]


class HostSupportViewSet(WritableServiceViewSet):
    """Security support the host government provides (police escorts, guards, liaison
    officers...); ``reliable`` false flags support not delivered as agreed."""

    output_serializer = HostSupportOutput
    input_serializer = HostSupportInput
    selector = staticmethod(selectors.support_list)
    filterset_fields = ["country", "kind", "reliable"]
    create_service = staticmethod(services.support_create)
    update_service = staticmethod(services.support_update)
    record_name = "support"

    @extend_schema(request=HostEndInput, responses={200: HostSupportOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """The support stops after ``on`` (today by default)."""
        data = valid_input(HostEndInput, request.data)
        return self.output(services.support_end(actor=request.user, support=self.get_object(),
                                                version=data["version"], on=data["on"]))


# --- Liaison meetings -------------------------------------------------------------------------

class LiaisonMeetingOutput(serializers.ModelSerializer[LiaisonMeeting]):
    recorded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)

    class Meta:
        model = LiaisonMeeting
        fields = ["id", "country", "held_on", "host_authority", "host_participants",
                  "un_participants", "topics", "outcome", "follow_up", "follow_up_due",
                  "recorded_by", "version", "created_at", "updated_at"]


class LiaisonMeetingInput(serializers.ModelSerializer[LiaisonMeeting]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = LiaisonMeeting
        fields = ["country", "held_on", "host_authority", "host_participants",
                  "un_participants", "topics", "outcome", "follow_up", "follow_up_due",
                  "version"]


class LiaisonMeetingViewSet(WritableServiceViewSet):
    """Liaison meetings with the host's authorities."""

    output_serializer = LiaisonMeetingOutput
    input_serializer = LiaisonMeetingInput
    selector = staticmethod(selectors.meeting_list)
    filterset_fields = ["country"]
    create_service = staticmethod(services.meeting_record)
    update_service = staticmethod(services.meeting_update)
    record_name = "meeting"


# --- Incident handling ------------------------------------------------------------------------

class IncidentHandlingOutput(serializers.ModelSerializer[IncidentHandling]):
    investigation = _investigation(read_only=True)
    prosecution = _prosecution(read_only=True)

    class Meta:
        model = IncidentHandling
        fields = ["id", "incident", "country", "reported_on", "investigation", "authority",
                  "arrests", "prosecution", "notes", "version", "created_at", "updated_at"]


class IncidentHandlingChangeInput(serializers.ModelSerializer[IncidentHandling]):
    """A change: everything but the incident, which cannot change."""

    investigation = _investigation(required=False)
    prosecution = _prosecution(required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = IncidentHandling
        fields = ["reported_on", "investigation", "authority", "arrests", "prosecution",
                  "notes", "version"]


class IncidentHandlingInput(IncidentHandlingChangeInput):
    """A new record names its incident."""

    incident = ScopedPrimaryKeyRelatedField(scope=selectors.incident_candidates)

    class Meta(IncidentHandlingChangeInput.Meta):
        fields = ["incident", *IncidentHandlingChangeInput.Meta.fields]


class IncidentHandlingViewSet(WritableServiceViewSet):
    """How the host's authorities handled incidents against UN personnel (incidents in which
    named UN personnel or dependants were affected): one record per incident. Create names
    the ``incident``; it cannot change afterwards."""

    output_serializer = IncidentHandlingOutput
    input_serializer = IncidentHandlingInput
    selector = staticmethod(selectors.handling_list)
    filterset_fields = ["country", "investigation", "prosecution", "incident"]
    update_service = staticmethod(services.handling_update)
    record_name = "handling"

    def get_serializer_class(self) -> Any:
        if self.action == "partial_update":
            return IncidentHandlingChangeInput
        return super().get_serializer_class()

    def create(self, request: Request) -> Response:
        data, _version, _aside = self._input(request, partial=False)
        incident = data.pop("incident")
        row = services.handling_record(actor=request.user, incident_id=incident.pk,
                                       data=data)
        return self.output(row, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        if "incident" in request.data:
            raise serializers.ValidationError({"incident": [serializers.ErrorDetail(
                _("The incident of a handling record cannot change."), code="invalid")]})
        return super().partial_update(request, pk)


# --- Engagement ratings -----------------------------------------------------------------------

class EngagementRatingOutput(serializers.ModelSerializer[EngagementRating]):
    rated_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        allow_null=True, slug_field="username", read_only=True)

    class Meta:
        model = EngagementRating
        fields = ["id", "country", "period_start", "period_end", "score", "justification",
                  "rated_by", "version", "created_at", "updated_at"]


class EngagementRatingInput(serializers.ModelSerializer[EngagementRating]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    score = serializers.ChoiceField(choices=EngagementScore.choices)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = EngagementRating
        fields = ["country", "period_start", "period_end", "score", "justification",
                  "version"]


class EngagementRatingViewSet(WritableServiceViewSet):
    """Periodic ratings of the host government's engagement, 1 (none) to 5 (full), each
    with its justification; periods of one country do not overlap."""

    output_serializer = EngagementRatingOutput
    input_serializer = EngagementRatingInput
    selector = staticmethod(selectors.rating_list)
    filterset_fields = ["country", "score"]
    create_service = staticmethod(services.rating_record)
    update_service = staticmethod(services.rating_update)
    record_name = "rating"


# --- The per-country analysis -----------------------------------------------------------------

def _share(share: rules.Share) -> dict[str, Any]:
    return {"count": share.count, "of": share.of, "percent": share.percent}


class HostCountryOutput(serializers.ModelSerializer[Country]):
    name = serializers.CharField(source="local_name", read_only=True)
    latest_score = serializers.IntegerField(read_only=True, allow_null=True)
    previous_score = serializers.IntegerField(read_only=True, allow_null=True)
    trend = serializers.CharField(source="trend_code", read_only=True)
    agreements_in_force = serializers.IntegerField(read_only=True)
    support_active = serializers.IntegerField(read_only=True)
    support_not_delivered = serializers.IntegerField(read_only=True)
    last_meeting = serializers.DateField(read_only=True, allow_null=True)
    incidents_12m = serializers.IntegerField(read_only=True)
    investigated_12m = serializers.IntegerField(read_only=True)
    arrests_12m = serializers.IntegerField(read_only=True)
    prosecuted_12m = serializers.IntegerField(read_only=True)
    unhandled_12m = serializers.IntegerField(read_only=True)

    class Meta:
        model = Country
        fields = ["id", "iso2", "name", "latest_score", "previous_score", "trend",
                  "agreements_in_force", "support_active", "support_not_delivered",
                  "last_meeting", "incidents_12m", "investigated_12m", "arrests_12m",
                  "prosecuted_12m", "unhandled_12m"]


SHARE = inline_serializer("HostShare", {
    "count": serializers.IntegerField(), "of": serializers.IntegerField(),
    "percent": serializers.FloatField(allow_null=True)})
ANALYSIS = inline_serializer("HostCountryAnalysis", {
    "incidents": serializers.IntegerField(), "recorded": SHARE, "reported": SHARE,
    "investigated": SHARE, "with_arrests": SHARE, "prosecuted": SHARE, "convicted": SHARE})


class HostCountryViewSet(ServiceViewSet):
    """The per-country analysis: each country in the caller's scope with its latest rating
    and trend, agreements in force, active support, last liaison meeting, and the incidents
    against UN personnel of the last 12 months with how they were handled. The detail adds
    the analysis of the last 12 months and of all time (``percent`` null: no data) and the
    slope of the last four ratings."""

    output_serializer = HostCountryOutput
    selector = staticmethod(selectors.country_list)

    @extend_schema(responses={200: inline_serializer("HostCountryDetail", {
        "country": HostCountryOutput(), "slope": serializers.FloatField(allow_null=True),
        "last_12_months": ANALYSIS, "all_time": ANALYSIS})})
    def retrieve(self, request: Request, pk: str) -> Response:
        country = self.get_object()
        scores = list(EngagementRating.objects.filter(country=country).order_by(
            "period_start").values_list("score", flat=True))
        return Response({
            "country": HostCountryOutput(country).data, "slope": rules.slope(scores),
            "last_12_months": self._analysis(request, country, selectors.window_start()),
            "all_time": self._analysis(request, country, None)})

    @staticmethod
    def _analysis(request: Request, country: Country, since: Any) -> dict[str, Any]:
        summary = selectors.country_analysis(user=request.user, country=country, since=since)
        return {"incidents": summary.incidents, **{
            name: _share(getattr(summary, name)) for name in
            ("recorded", "reported", "investigated", "with_arrests", "prosecuted",
             "convicted")}}


ROUTES: list[tuple[str, Any, str]] = [
    ("coordination/host-agreements", HostAgreementViewSet, "coordination-host-agreement"),
    ("coordination/host-support", HostSupportViewSet, "coordination-host-support"),
    ("coordination/liaison-meetings", LiaisonMeetingViewSet, "coordination-liaison-meeting"),
    ("coordination/incident-handling", IncidentHandlingViewSet,
     "coordination-incident-handling"),
    ("coordination/engagement-ratings", EngagementRatingViewSet,
     "coordination-engagement-rating"),
    ("coordination/host-countries", HostCountryViewSet, "coordination-host-country"),
]
