"""API plumbing shared by every app: pagination, error bodies, and a viewset that calls
selectors for reads and services for writes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, NoReturn, cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_patched_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, relations, serializers, status, throttling, viewsets
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


def valid_input(serializer_class: Any, data: Any, *, user: Any = None,
                **kwargs: Any) -> dict[str, Any]:
    """The request's data checked by an input serializer; faults answer 400 with each field.

    ``user`` is the caller: the scoped fields below resolve ids among the rows they may see."""
    if user is not None:
        kwargs["context"] = {**kwargs.get("context", {}), "user": user}
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Ids in writes --------------------------------------------------------------------------------
#
# A write that names another record by id (a traveller, a dependant, an incident, a crisis) finds
# it among the rows the caller may see, through the selector that narrows that model to the user.
# A row outside the caller's scope is then answered exactly as a row that does not exist: the
# same status and message, with no name in it, so that ids cannot be probed. Refused ids of
# personal data are audited, with the model and the id only.

Scope = Callable[..., QuerySet[Any]]

UNKNOWN_REFERENCE = gettext_lazy("Unknown, or outside your scope.")


def _caller(field: serializers.Field) -> Any:  # type: ignore[type-arg]
    context = field.context
    if "user" in context:
        return context["user"]
    request = context.get("request")
    if request is None:
        raise ImproperlyConfigured(
            f"{type(field).__name__} '{field.field_name}' resolves ids in the caller's scope: "
            "give the serializer the request in its context, or valid_input(..., user=).")
    return request.user


class ScopedManyRelatedField(serializers.ManyRelatedField):
    """A list of scoped ids: every id is checked, and each fault is named by its position
    (``dependants[1]``)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        found: list[Any] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(data):
            try:
                found.append(self.child_relation.to_internal_value(item))
            except exceptions.ValidationError as exc:
                errors[index] = exc.detail
        if errors:
            raise exceptions.ValidationError(cast(Any, errors))
        return found


class _Scoped(serializers.RelatedField):  # type: ignore[type-arg]
    """Resolves a related id through ``scope(user=caller)``: missing and forbidden alike."""

    lookup_field = "pk"
    default_error_messages = {"does_not_exist": UNKNOWN_REFERENCE}

    def __init__(self, *, scope: Scope, audit_refused: bool = False, **kwargs: Any) -> None:
        """``scope``: a selector taking ``user=`` and returning the rows that user may see.
        ``audit_refused``: the model is personal data, so an id that exists outside the scope
        is recorded as ``core.access.refused``."""
        self.scope = scope
        self.audit_refused = audit_refused
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> ScopedManyRelatedField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in relations.MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return ScopedManyRelatedField(**list_kwargs)

    def bind(self, field_name: str, parent: Any) -> None:
        """On a model serializer, the label and help of the model's field, as DRF gives the
        fields it builds itself (and so the API's schema)."""
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if model is not None and self.label is None:
            try:
                model_field = model._meta.get_field(self.source or field_name)
            except FieldDoesNotExist:
                model_field = None
            if model_field is not None:
                self.label = capfirst(str(model_field.verbose_name))
                self.help_text = self.help_text or model_field.help_text or None
        super().bind(field_name, parent)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(user=_caller(self))

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        if key == "does_not_exist":
            if self.audit_refused:
                self._audit_refusal(kwargs.get("pk_value", kwargs.get("value")))
            raise exceptions.ValidationError(UNKNOWN_REFERENCE, code=ErrorCode.UNKNOWN_REFERENCE)
        super().fail(key, **kwargs)

    def _audit_refusal(self, value: Any) -> None:
        model = self.get_queryset().model
        try:
            pk = model._default_manager.filter(**{self.lookup_field: value}).values_list(
                "pk", flat=True).first()
        except (TypeError, ValueError):
            return
        if pk is None:
            return  # nothing by that id: a mistake, not an attempt on someone's data
        # The child of a list field has no name of its own: the list's is the one sent.
        field = self.field_name or getattr(self.parent, "field_name", "")
        audit.record_refusal(actor=_caller(self), object_type=model._meta.label_lower,
                             object_id=str(pk), field=str(field))


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyRelatedField(_Scoped, serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """An id among the rows the caller may see (``scope``), else "Unknown, or outside your
    scope.", whether it is missing or forbidden."""


# Not empty: DRF reads "" in a related field as null (refused unless the field allows it).
@extend_schema_field({"type": "string", "minLength": 1})
class ScopedSlugRelatedField(_Scoped, serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A code (``slug_field``, such as a country's ``iso2``) among the rows the caller may
    see, answered like the field above."""

    def __init__(self, *, slug_field: str, **kwargs: Any) -> None:
        self.lookup_field = slug_field
        super().__init__(slug_field=slug_field, **kwargs)


_NAMED_CHOICES: dict[str, type[serializers.ChoiceField]] = {}


def named_choices(component: str, choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A choice field whose set is one named component of the API's schema. Field names such
    as ``kind`` and ``status`` are shared by many apps: unnamed, their sets would get hashed
    names; named, every serializer that reads or writes the same set shares one name."""
    if component not in _NAMED_CHOICES:
        @extend_schema_field({"type": "string", "enum": [value for value, _label in choices]},
                             component_name=component)
        class Named(serializers.ChoiceField):
            pass

        _NAMED_CHOICES[component] = Named
    return _NAMED_CHOICES[component](choices=choices, **kwargs)


def query_choice(name: str, *branches: dict[str, Any], description: str = "") -> OpenApiParameter:
    """Query parameters that go together, one set or another (``?area=`` or ``?country=``,
    not both, not neither), as OpenAPI says it: one object parameter, exploded into the query
    string (``style: form``), whose ``oneOf`` lists each set. ``name`` never appears in a URL.
    Each branch: ``{"name": schema}`` for the parameters it takes, all required; a branch
    ``{}`` says none at all is also valid."""
    return OpenApiParameter(name, {"type": "object", "oneOf": [
        {"type": "object", "properties": branch, "additionalProperties": False}
        | ({"required": sorted(branch)} if branch else {}) for branch in branches]},
        style="form", explode=True, required=not any(b == {} for b in branches),
        description=description)


def schema_also(**keywords: Any) -> Callable[[Any], Any]:
    """A class decorator for an input serializer: JSON Schema keywords (``anyOf``) added to
    its component, for a rule between its fields that no one field states ("a crisis, or an
    audience naming countries or duty stations")."""

    def decorate(target: Any) -> Any:
        class Rule(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
            target_class = target

            def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
                schema = auto_schema._map_basic_serializer(self.target, direction)
                return {**schema, **keywords}

        Rule.__name__ = f"{target.__name__}Rule"
        return target

    return decorate


def validated_whole(cls: Any) -> Any:
    """Marks an input serializer that a PATCH validates whole, not field by field: its
    required fields are required in that PATCH too, and the schema says so (ApiSchema)."""
    cls.validated_whole = True
    return cls


class FieldErrorOutput(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField(help_text=gettext_lazy(
        "The field at fault (segments[0].date for a row of a list); empty for the whole input."))
    code = serializers.CharField()
    message = serializers.CharField()
    row = serializers.IntegerField(required=False, help_text=gettext_lazy(
        "The row of an imported file, when the fault is in one."))


class ErrorOutput(serializers.Serializer):  # type: ignore[type-arg]
    """The one shape of every error answer (see exception_handler)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors: Any = FieldErrorOutput(many=True, required=False)


# The addresses Django's URLValidator takes, as most clients write them: http(s) or ftp(s), a
# host name with a top-level domain of letters, a port, a path. ("uri" alone also calls
# "urn:x" or "http://a" valid, which the validator refuses.)
URL_PATTERN = (r"^(?:https?|ftps?)://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
               r"[A-Za-z]{2,63}(?::[0-9]{1,5})?(?:[/?#]\S*)?$")

# Text that may not be blank once trimmed: a character Python's strip() keeps. (JSON Schema's
# \s is ECMAScript's, which leaves out the separators U+001C-U+001F and U+0085.)
NON_BLANK = r"[^\s\u001c-\u001f\u0085]"

# Plain text fields (not their subclasses with formats of their own: e-mail, URL, regex).
NON_BLANK_TEXT = {serializers.CharField}


def decimal_pattern(whole: int, places: int, low: Any = None, high: Any = None) -> str:
    """The decimals a DecimalField takes, written as text: at least one digit (drf-spectacular's
    own pattern also lets "", "-" and "." through), no sign when the least value is 0 or more,
    no zero when it is the smallest step (0.001), and no more than ``high`` when that is a power
    of ten (100). Other bounds are left to the field and its message."""
    fraction = rf"(?:\.\d{{0,{places}}})?" if places else ""
    sign = "-?" if low is None or low < 0 else ""
    step = Decimal(1).scaleb(-places)
    power = None if high is None else Decimal(high).log10()
    if power is not None and power == power.to_integral_value() and 0 <= power < whole:
        top = int(power)
        zeros = rf"(?:\.0{{0,{places}}})?" if places else ""
        magnitude = [rf"1{'0' * top}{zeros}"]
        whole = top
    else:
        magnitude = []
    if low is not None and low == step and places:
        magnitude += [rf"[1-9]\d{{0,{whole - 1}}}{fraction}"] if whole else []
        magnitude += [rf"0?\.{'0' * k}[1-9]\d{{0,{places - 1 - k}}}" for k in range(places)]
    else:
        magnitude += [rf"\d{{1,{whole}}}{fraction}"] if whole else []
        magnitude += [rf"0?\.\d{{1,{places}}}"] if places else []
    return rf"^{sign}(?:{'|'.join(magnitude)})$"


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers every operation can give beside its
    own: 401 without valid credentials, 403 refused, 429 over the rate; 400 when it takes input
    (a body or query parameters); 404 when a record it names, in its path or its input, is not
    there or not in the caller's scope, or a page of a list is past the end; 409 for a write
    refused by the record's state or version."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"]
        if self.method in {"POST", "PUT", "PATCH"} or self._takes_query():
            codes.append("400")
        codes.append("404")
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorOutput, code, direction=direction)
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        """A PATCH's body as the view reads it. drf-spectacular calls every field optional in a
        PATCH; here, the version read is required in each (a partial update refuses a change
        without it; a serializer whose view takes one says ``version_optional``), and a
        serializer the view validates whole (``validated_whole``) keeps all its required
        fields."""
        schema: dict[str, Any] = super()._map_basic_serializer(  # type: ignore[no-untyped-call]
            serializer, direction)
        if not is_patched_serializer(serializer, direction):
            return schema
        whole = getattr(serializer, "validated_whole", False)
        version = not getattr(serializer, "version_optional", False)
        required = [name for name, field in serializer.fields.items() if not field.read_only
                    and ((version and name == "version") or (whole and field.required))]
        if required:
            schema["required"] = required
        return schema

    def _map_serializer_field(self, field: Any, direction: Any,
                              bypass_extensions: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(  # type: ignore[no-untyped-call]
            field, direction, bypass_extensions)
        if (isinstance(field, serializers.DecimalField) and schema.get("type") == "string"
                and field.max_whole_digits is not None and not field.localize):
            schema["pattern"] = decimal_pattern(field.max_whole_digits,
                                                field.decimal_places or 0,
                                                field.min_value, field.max_value)
        if schema.get("type") == "array" and not getattr(field, "allow_empty", True):
            schema.setdefault("minItems", 1)  # a list that may not be empty
        if (direction == "request" and isinstance(field, serializers.FileField)
                and not field.allow_empty_file):
            schema.setdefault("minLength", 1)  # an empty file is refused
        if direction == "request" and isinstance(field, serializers.URLField):
            schema["pattern"] = URL_PATTERN
        if (direction == "request" and type(field) in NON_BLANK_TEXT and not field.allow_blank
                and field.trim_whitespace and not {"enum", "format", "pattern"} & set(schema)
                and not any(isinstance(v, RegexValidator) for v in field.validators)):
            schema["pattern"] = NON_BLANK
        return schema

    def map_parsers(self) -> list[str]:
        """JSON, the API's one format for input; an upload names multipart in its own
        extend_schema. (DRF's form parsers also read a browser's form, which carries no
        types, so the schema does not offer them to clients.)"""
        media_types: list[str] = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def get_filter_backends(self) -> list[Any]:
        """Filters, search and ordering are a list's, read with GET: an action that writes
        and answers a list (issue-passes) takes none."""
        return super().get_filter_backends() if self.method == "GET" else []

    def _get_pagination_parameters(self) -> list[Any]:
        if self.method != "GET":
            return []
        return super()._get_pagination_parameters()  # type: ignore[no-untyped-call,no-any-return]

    def _takes_query(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())


class UserRateThrottle(throttling.UserRateThrottle):
    """The API's rate per user, with one exception: a user named in VIGIL_API_RATE_RAISED
    (``{"username": "100000/hour"}``, the account a contract or load test runs as) gets the
    rate given there, and no one else does."""

    def allow_request(self, request: Any, view: Any) -> bool:
        user = request.user
        raised = getattr(settings, "VIGIL_API_RATE_RAISED", {})
        if user is not None and user.is_authenticated and user.get_username() in raised:
            self.rate = raised[user.get_username()]
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return bool(super().allow_request(request, view))


class AtomicWrites:
    """A write and the answer built from it are one transaction, committed as the view
    returns. Without it the service commits, and the answer then reads the record back: a
    database lost in between answers 503 for a record that was written, and a client that
    repeats the request writes it twice (the reliability check, docs/reliability.md, found
    one). Now a 503 means nothing was written. A refusal is still an answer inside the block,
    so what it records (a refused id's audit event) is kept."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]


class ServiceViewSet(AtomicWrites, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Reads through ``select``/``select_one`` (already scoped), writes through services.

    Subclasses name the output serializer, the input serializer, and the services.
    """

    output_serializer: ClassVar[type[serializers.Serializer]]  # type: ignore[type-arg]
    input_serializer: ClassVar[type[serializers.Serializer] | None] = None  # type: ignore[type-arg]
    lookup_value_regex = r"[0-9]+"
    schema = ApiSchema()
    throttle_classes = [UserRateThrottle]

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



class ApiViewSet(AtomicWrites, viewsets.ViewSet):
    """A viewset of actions that are not one model's list and detail (counts, searches,
    settings), documented with the same error answers."""

    schema = ApiSchema()
    throttle_classes = [UserRateThrottle]


class WritableServiceViewSet(ServiceViewSet):
    """Adds create (POST) and partial update (PATCH, with the version read) through the
    app's services, called by keyword: ``create_service(actor=, data=)`` and
    ``update_service(actor=, <record_name>=the record, data=, version=)`` (one save service
    may be both). The input fields named in ``aside`` go to both beside the record's data,
    under the service's own keyword (``{"organizations": "organization_ids"}``)."""

    create_service: ClassVar[Callable[..., Model]]
    update_service: ClassVar[Callable[..., Model]]
    record_name: ClassVar[str]
    aside: ClassVar[dict[str, str]] = {}

    def _input(self, request: Request, *, partial: bool) -> tuple[dict[str, Any], int | None,
                                                                   dict[str, Any]]:
        """The record's data, the version sent, and the fields that go aside."""
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        return data, version, {keyword: data.pop(field, None)
                               for field, keyword in self.aside.items()}

    def create(self, request: Request) -> Response:
        data, _version, aside = self._input(request, partial=False)
        obj = type(self).create_service(actor=request.user, data=data, **aside)
        return self.output(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data, version, aside = self._input(request, partial=True)
        if version is None:
            raise exceptions.ValidationError({"version": [exceptions.ErrorDetail(
                _("Send the version you read, so that a concurrent change is not overwritten."),
                code=ErrorCode.REQUIRED)]})
        obj = type(self).update_service(actor=request.user, **{self.record_name: obj},
                                        data=data, version=version, **aside)
        return self.output(obj)
