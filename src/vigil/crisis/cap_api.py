"""REST API of CAP alerts received: /api/v1/cap-alerts/. POST takes a CAP 1.2 message (or an
EDXL-DE envelope of them) as the request body and records it through the service the upload
page calls, with the same answers; GET lists and reads the alerts whose incident the caller
may see."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import ErrorOutput, ServiceViewSet
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.errors import FieldError, Forbidden, ValidationFailed
from vigil.crisis import cap, selectors
from vigil.crisis.cap_services import CapImportResult, cap_import
from vigil.crisis.models import CapAlert, CapFeed


class CapXmlParser(BaseParser):
    """The body as bytes, not parsed: the message is untrusted XML, and only the safe reader
    of vigil.crisis.cap parses it. One byte past the limit is read, so that the reader
    refuses the message as too large instead of taking a truncated one."""

    media_type = cap.CAP_CONTENT_TYPE

    def parse(self, stream: Any, media_type: str | None = None,  # type: ignore[override]
              parser_context: Any = None) -> bytes:  # bytes, not a mapping: see above
        if stream is None:
            return b""
        data: bytes = stream.read(cap.MAX_BYTES + 1)
        return data


class XmlParser(CapXmlParser):
    media_type = "application/xml"


MEDIA_TYPES = [CapXmlParser.media_type, XmlParser.media_type]


class MayImportOrRead(permissions.BasePermission):
    """As the pages: POST is for those who may receive CAP alerts (the upload page), and is
    refused before the body is read; the list is narrowed by its selector."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            return False
        if view.action == "create" and not has_perm_anywhere(request.user, Perm.IMPORT_CAP):
            raise Forbidden()
        return True


class CapAlertOutput(serializers.ModelSerializer[CapAlert]):
    feed: serializers.SlugRelatedField[CapFeed] = serializers.SlugRelatedField(
        allow_null=True, slug_field="name", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)

    class Meta:
        model = CapAlert
        fields = ["id", "sender", "identifier", "sent", "status", "msg_type", "scope", "event",
                  "headline", "urgency", "severity", "certainty", "expires",
                  "area_description", "geometry", "circles", "feed", "incident",
                  "incident_reference", "created_at"]


class CapAlertDetailOutput(CapAlertOutput):
    class Meta(CapAlertOutput.Meta):
        fields = [*CapAlertOutput.Meta.fields, "xml"]


class CapImportItemOutput(serializers.Serializer[dict[str, Any]]):
    created = serializers.BooleanField(
        help_text="True when recorded now; false when the alert (same sender and "
                  "identifier) was already received.")
    message = serializers.CharField(help_text="The sentence the upload page shows.")
    id = serializers.IntegerField(help_text="The CAP alert received.")
    sender = serializers.CharField()
    identifier = serializers.CharField()
    sent = serializers.DateTimeField()
    incident = serializers.IntegerField(help_text="The hazard incident the alert became.")
    incident_reference = serializers.CharField()


class CapImportOutput(CapImportItemOutput):
    others = CapImportItemOutput(
        many=True, help_text="The other alerts of an EDXL-DE envelope, in its order.")


def _answer(item: CapImportResult) -> dict[str, Any]:
    return {"created": item.created, "message": item.message, "id": item.alert.pk,
            "sender": item.alert.sender, "identifier": item.alert.identifier,
            "sent": item.alert.sent, "incident": item.incident.pk,
            "incident_reference": item.incident.reference}


def _body(request: Request) -> bytes:
    """The raw message, or 415 naming the media types accepted."""
    try:
        data = request.data
    except exceptions.UnsupportedMediaType:
        given = request.content_type.split(";")[0].strip()
        raise exceptions.UnsupportedMediaType(given, detail=_(
            "Send the CAP message itself as the request body, with Content-Type "
            "application/cap+xml or application/xml (this request has %(given)s).")
            % {"given": f"“{given}”" if given else _("none")}) from None
    return data if isinstance(data, bytes) else b""


CREATE_DESCRIPTION = (
    "Record a CAP 1.2 alert, or each alert of an EDXL-DE 1.0 envelope, sent as the request "
    "body (at most 5 MB), as the upload page does. 201: recorded as a hazard incident. 200: "
    "already received (the same sender and identifier), nothing added. 400: refused, with "
    "the fault named (DOCTYPE, not well-formed, not CAP 1.2, or the schema's line and "
    "element); nothing is recorded. Needs `crisis.import_cap` (security officers, "
    "administrators).")


class CapAlertViewSet(ServiceViewSet):
    """The CAP alerts received whose incident the caller may see, newest sent first; POST
    records one from its XML."""

    output_serializer = CapAlertOutput
    selector = staticmethod(selectors.cap_alerts_seen)
    parser_classes = [CapXmlParser, XmlParser]
    permission_classes = [MayImportOrRead]
    filterset_fields = ["status", "msg_type", "severity", "urgency", "certainty", "sender"]
    ordering_fields = ["sent", "created_at", "expires"]

    def get_serializer_class(self) -> type[serializers.ModelSerializer[CapAlert]]:
        return CapAlertDetailOutput if self.action == "retrieve" else CapAlertOutput

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CapAlertDetailOutput(self.get_object()).data)

    @extend_schema(
        description=CREATE_DESCRIPTION,
        request=dict.fromkeys(MEDIA_TYPES, OpenApiTypes.BINARY),
        responses={
            201: OpenApiResponse(CapImportOutput, description="Recorded."),
            200: OpenApiResponse(CapImportOutput, description="Already received."),
            400: OpenApiResponse(ErrorOutput, description="Refused: the fault is named.",
                                 examples=[OpenApiExample("Schema fault", value={
                                     "code": "invalid",
                                     "message": "This is not a valid CAP 1.2 message: line "
                                                "17: Element 'senderName': This element is "
                                                "not expected. …",
                                     "errors": [{"field": "body", "code": "bad_file",
                                                 "message": "This is not a valid CAP 1.2 "
                                                            "message: line 17: …"}]})]),
            403: OpenApiResponse(ErrorOutput, description="No right to receive CAP alerts."),
            415: OpenApiResponse(ErrorOutput, description="Not application/cap+xml or "
                                                          "application/xml."),
        })
    def create(self, request: Request) -> Response:
        data = _body(request)
        try:
            result = cap_import(actor=request.user, data=data)
        except ValidationFailed as exc:
            # The upload page names its form field; here the message is the request body.
            raise ValidationFailed([FieldError("body", e.message, code=e.code, row=e.row)
                                    if e.field == "file" else e for e in exc.errors],
                                   exc.message) from None
        answer = CapImportOutput({**_answer(result),
                                  "others": [_answer(o) for o in result.others]}).data
        if not any(item.created for item in result.every):
            return Response(answer, status=status.HTTP_200_OK)
        return Response(answer, status=status.HTTP_201_CREATED, headers={
            "Location": reverse("cap-alert-detail", args=[result.alert.pk])})
