"""API plumbing shared by every app: pagination, error bodies, and a viewset that calls
selectors for reads and services for writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vigil.core import audit
from vigil.core.errors import DomainError, ErrorCode, NotFound


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int):  # a row of a nested list: segments[0]
                out += _flatten(value, f"{prefix}[{key}]")
                continue
            name = "" if key in {"non_field_errors", "__all__"} else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, exceptions.ErrorDetail):
                out += _flatten(value, f"{prefix}[{index}]")
            else:
                out += _flatten(value, prefix)
        return out
    code = getattr(detail, "code", ErrorCode.INVALID)
    return [{"field": prefix, "code": str(code), "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answer has one shape: {"code", "message", "errors": [...]}."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        return Response(NotFound().as_dict(), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ValidationError):
        return Response({"code": ErrorCode.INVALID, "message": _("The input is not valid."),
                         "errors": _flatten(exc.detail)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {"code": getattr(detail, "code", exc.default_code),
                         "message": str(detail)}
    return response


def valid_input(serializer_class: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
    """The request's data checked by an input serializer; faults answer 400 with each field."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ServiceViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Reads through ``select``/``select_one`` (already scoped), writes through services.

    Subclasses name the output serializer, the input serializer, and the services.
    """

    output_serializer: ClassVar[type[serializers.Serializer]]  # type: ignore[type-arg]
    input_serializer: ClassVar[type[serializers.Serializer] | None] = None  # type: ignore[type-arg]
    lookup_value_regex = r"[0-9]+"

    # A selector: called with user=..., returns the rows that user may see.
    selector: ClassVar[Callable[..., QuerySet[Any]]]

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:  # type: ignore[type-arg]
        if self.action in {"create", "partial_update"} and self.input_serializer is not None:
            return self.input_serializer
        return self.output_serializer

    def output(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.output_serializer(obj, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    # Set for lists of a sensitive class: each page served is an audited read.
    audit_list_as: ClassVar[str] = ""

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if self.audit_list_as:
            audit.record_list_read(actor=request.user, action=self.audit_list_as,
                                   object_type=queryset.model._meta.label_lower,
                                   query=request.query_params.urlencode(), rows=len(page or []))
        serializer = self.output_serializer(page, many=True,
                                            context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())



class WritableServiceViewSet(ServiceViewSet):
    """Adds create (POST) and partial update (PATCH, with the version read) via services."""

    # Services: create(actor, data) and update(actor, obj, data, version).
    create_service: ClassVar[Callable[..., Model]]
    update_service: ClassVar[Callable[..., Model]]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = type(self).create_service(request.user, dict(serializer.validated_data))
        return self.output(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": [exceptions.ErrorDetail(
                _("Send the version you read, so that a concurrent change is not overwritten."),
                code=ErrorCode.REQUIRED)]})
        obj = type(self).update_service(request.user, obj, data, version)
        return self.output(obj)
