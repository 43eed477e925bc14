"""REST API of mission readiness:

- /api/v1/coordination/readiness-templates/ — read (every reader of coordination); create,
  edit, ``/<id>/copy/``, ``/<id>/in-use/``, ``/<id>/items/`` (add) and
  ``/<id>/items/<item>/`` (edit, remove) for global configurers;
- /api/v1/coordination/readiness-checklists/ — list and read with the readiness figures;
  open from a template (POST), edit (PATCH), ``/<id>/<start|close|cancel>/``,
  ``/<id>/items/`` (add a requirement of its own);
- /api/v1/coordination/readiness-items/ — the requirements of the checklists in scope and the
  caller's own; PATCH status, done date and evidence (owner or manager), owner, due date and
  text (manager)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.coordination import readiness_rules as rules
from vigil.coordination import readiness_selectors as selectors
from vigil.coordination import readiness_services as services
from vigil.coordination.models import (
    ChecklistItem,
    ChecklistStatus,
    Function,
    ItemStatus,
    OperationKind,
    ReadinessChecklist,
    RequirementCategory,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core.api import (
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.errors import NotFound


def _kind(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("CoordinationOperationKindEnum", OperationKind.choices, **kwargs)


def _category(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("CoordinationRequirementCategoryEnum", RequirementCategory.choices,
                         **kwargs)


def _function(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("CoordinationReadinessFunctionEnum",
                         [("", "none"), *Function.choices], **kwargs)


def _item_status(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("CoordinationReadinessItemStatusEnum", ItemStatus.choices, **kwargs)


def _checklist_status(**kwargs: Any) -> serializers.ChoiceField:
    return named_choices("CoordinationChecklistStatusEnum", ChecklistStatus.choices, **kwargs)


def _users(*, user: Any) -> Any:
    return get_user_model().objects.filter(is_active=True)


def _username() -> Any:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


# --- Templates --------------------------------------------------------------------------------

# The route's own pattern, [0-9]+ (a "-1" matches no route at all).
ITEM_ID = OpenApiParameter("item_id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH)

class ReadinessTemplateItemOutput(serializers.ModelSerializer[TemplateItem]):
    category = _category(read_only=True)
    owner_function = _function(read_only=True)

    class Meta:
        model = TemplateItem
        fields = ["id", "order", "category", "text", "guidance", "owner_function",
                  "due_offset_days", "mandatory"]


class ReadinessTemplateOutput(serializers.ModelSerializer[RequirementTemplate]):
    operation_kind = _kind(read_only=True)
    items = ReadinessTemplateItemOutput(many=True, read_only=True)

    class Meta:
        model = RequirementTemplate
        fields = ["id", "name", "operation_kind", "description", "active", "items", "version",
                  "created_at", "updated_at"]


class ReadinessTemplateInput(serializers.ModelSerializer[RequirementTemplate]):
    operation_kind = _kind()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = RequirementTemplate
        fields = ["name", "operation_kind", "description", "version"]


class ReadinessTemplateItemInput(serializers.ModelSerializer[TemplateItem]):
    """A requirement of a template; ``version`` is the template's."""

    category = _category()
    owner_function = _function(required=False)
    version = serializers.IntegerField()

    class Meta:
        model = TemplateItem
        fields = ["category", "text", "guidance", "owner_function", "due_offset_days",
                  "mandatory", "version"]


class ReadinessTemplateCopyInput(serializers.Serializer[None]):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ReadinessTemplateActiveInput(serializers.Serializer[None]):
    active = serializers.BooleanField()
    version = serializers.IntegerField()


class ReadinessVersionInput(serializers.Serializer[None]):
    version = serializers.IntegerField()


def _templates(*, user: Any) -> Any:
    return selectors.template_list(user=user).prefetch_related("items")


class ReadinessTemplateViewSet(WritableServiceViewSet):
    """Templates of security requirements for new missions and operations, with their
    requirements in order. Read by every reader of coordination; written by global
    configurers."""

    output_serializer = ReadinessTemplateOutput
    input_serializer = ReadinessTemplateInput
    selector = staticmethod(_templates)
    filterset_fields = ["operation_kind", "active"]
    create_service = staticmethod(services.template_create)
    update_service = staticmethod(services.template_update)
    record_name = "template"

    def _fresh(self, template: RequirementTemplate) -> Response:
        return self.output(selectors.template_get(user=self.request.user, pk=template.pk))

    @extend_schema(request=ReadinessTemplateCopyInput, responses={201: ReadinessTemplateOutput})
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str) -> Response:
        data = valid_input(ReadinessTemplateCopyInput, request.data)
        copy = services.template_copy(actor=request.user, template=self.get_object(),
                                      name=data["name"])
        return self.output(selectors.template_get(user=request.user, pk=copy.pk),
                           status.HTTP_201_CREATED)

    @extend_schema(request=ReadinessTemplateActiveInput, responses={200: ReadinessTemplateOutput})
    @action(detail=True, methods=["post"], url_path="in-use")
    def in_use(self, request: Request, pk: str) -> Response:
        """Take the template out of use, or put it back."""
        data = valid_input(ReadinessTemplateActiveInput, request.data)
        return self._fresh(services.template_set_active(
            actor=request.user, template=self.get_object(), active=data["active"],
            version=data["version"]))

    @extend_schema(request=ReadinessTemplateItemInput, responses={201: ReadinessTemplateOutput})
    @action(detail=True, methods=["post"], url_path="items")
    def add_item(self, request: Request, pk: str) -> Response:
        data = valid_input(ReadinessTemplateItemInput, request.data)
        version = data.pop("version")
        template = self.get_object()
        services.template_item_add(actor=request.user, template=template, data=data,
                                   version=version)
        response = self._fresh(template)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(methods=["PATCH"], request=ReadinessTemplateItemInput,
                   responses={200: ReadinessTemplateOutput},
                   operation_id="v1_coordination_readiness_templates_item_update",
                   parameters=[ITEM_ID])
    @extend_schema(methods=["DELETE"], request=ReadinessVersionInput,
                   responses={200: ReadinessTemplateOutput},
                   operation_id="v1_coordination_readiness_templates_item_remove",
                   parameters=[ITEM_ID])
    @action(detail=True, methods=["patch", "delete"], url_path=r"items/(?P<item_id>[0-9]+)")
    def item(self, request: Request, pk: str, item_id: str) -> Response:
        """Edit a requirement of the template (PATCH), or remove it (DELETE, with the
        template's version)."""
        template = self.get_object()
        row = template.items.filter(pk=item_id).first()
        if row is None:
            raise NotFound()
        if request.method == "DELETE":
            data = valid_input(ReadinessVersionInput, request.data)
            services.template_item_remove(actor=request.user, template=template, item=row,
                                          version=data["version"])
        else:
            data = valid_input(ReadinessTemplateItemInput, request.data, partial=True)
            version = data.pop("version", None)
            if version is None:
                raise serializers.ValidationError({"version": ["Send the template's version."]})
            services.template_item_update(actor=request.user, template=template, item=row,
                                          data=data, version=version)
        return self._fresh(template)


# --- Checklists -------------------------------------------------------------------------------

class ReadinessFiguresOutput(serializers.Serializer[None]):
    readiness_percent = serializers.IntegerField(allow_null=True, source="percent",
                                                 help_text="done ÷ applicable; null: no data")
    mandatory_readiness_percent = serializers.IntegerField(allow_null=True,
                                                           source="mandatory_percent")
    total = serializers.IntegerField()
    applicable = serializers.IntegerField()
    done = serializers.IntegerField()
    mandatory_applicable = serializers.IntegerField()
    mandatory_done = serializers.IntegerField()
    overdue = serializers.IntegerField()
    mandatory_overdue = serializers.IntegerField()


class ReadinessChecklistOutput(serializers.ModelSerializer[ReadinessChecklist]):
    operation_kind = _kind(read_only=True)
    status = _checklist_status(read_only=True)
    lead = _username()
    country: Any = serializers.SlugRelatedField(slug_field="iso2", read_only=True)
    figures = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()

    class Meta:
        model = ReadinessChecklist
        fields = ["id", "name", "operation_kind", "country", "security_area", "duty_station",
                  "template", "starts_on", "status", "lead", "notes", "figures", "state",
                  "categories", "version", "created_at", "updated_at"]

    def _with(self, checklist: ReadinessChecklist) -> Any:
        return selectors.with_figures(checklist)

    @extend_schema_field(ReadinessFiguresOutput)
    def get_figures(self, checklist: ReadinessChecklist) -> dict[str, Any]:
        return dict(ReadinessFiguresOutput(self._with(checklist).figures).data)

    @extend_schema_field({"type": "string", "nullable": True,
                          "enum": [*rules.STATE_LABELS, None]})
    def get_state(self, checklist: ReadinessChecklist) -> str | None:
        """ready (on track), at_risk or late; null for a checklist closed or cancelled."""
        state: str | None = self._with(checklist).state
        return state

    @extend_schema_field({"type": "object", "additionalProperties": {
        "type": "integer", "nullable": True}})
    def get_categories(self, checklist: ReadinessChecklist) -> dict[str, int | None]:
        """Readiness per category, in percent (null: no data)."""
        return {c: r.percent for c, r in rules.by_category(
            selectors.item_facts(checklist)).items()}


def _countries(*, user: Any) -> Any:
    return selectors.countries_managed(user=user)


def _areas(*, user: Any) -> Any:
    return selectors.areas_managed(user=user)


def _stations(*, user: Any) -> Any:
    return selectors.stations_managed(user=user)


def _open_templates(*, user: Any) -> Any:
    return selectors.templates_to_open()


class ReadinessChecklistInput(serializers.ModelSerializer[ReadinessChecklist]):
    """Open (POST: ``template``, ``country`` and ``starts_on`` required) or edit (PATCH, with
    the version read; the template and the country stay)."""

    template = ScopedPrimaryKeyRelatedField(scope=_open_templates)
    country: Any = ScopedSlugRelatedField(slug_field="iso2", scope=_countries,
                                          help_text="ISO alpha-2 code")
    security_area = ScopedPrimaryKeyRelatedField(scope=_areas, required=False, allow_null=True)
    duty_station = ScopedPrimaryKeyRelatedField(scope=_stations, required=False,
                                                allow_null=True)
    lead = ScopedPrimaryKeyRelatedField(scope=_users, required=False)
    operation_kind = _kind(required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ReadinessChecklist
        fields = ["name", "template", "operation_kind", "country", "security_area",
                  "duty_station", "starts_on", "lead", "notes", "version"]


class ReadinessItemOutput(serializers.ModelSerializer[ChecklistItem]):
    category = _category(read_only=True)
    status = _item_status(read_only=True)
    owner = _username()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = ["id", "checklist", "category", "text", "mandatory", "owner", "due_on",
                  "status", "done_on", "evidence", "overdue", "version", "updated_at"]

    def get_overdue(self, item: ChecklistItem) -> bool:
        return rules.is_overdue(item.status, item.due_on, selectors.today())


class ReadinessItemInput(serializers.ModelSerializer[ChecklistItem]):
    """A requirement's status, done date and evidence (its owner or a manager); its text,
    category, mandatory flag, owner and due date (a manager)."""

    category = _category(required=False)
    status = _item_status(required=False)
    owner = ScopedPrimaryKeyRelatedField(scope=_users, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ChecklistItem
        fields = ["category", "text", "mandatory", "owner", "due_on", "status", "done_on",
                  "evidence", "version"]


class ReadinessItemAddInput(serializers.ModelSerializer[ChecklistItem]):
    category = _category()
    owner = ScopedPrimaryKeyRelatedField(scope=_users, required=False)

    class Meta:
        model = ChecklistItem
        fields = ["category", "text", "mandatory", "owner", "due_on"]


class ReadinessChecklistViewSet(WritableServiceViewSet):
    """Checklists of new missions and operations in the caller's scope, each with its
    readiness figures, state and readiness per category. ``?state=ready|at_risk|late``
    narrows by state."""

    output_serializer = ReadinessChecklistOutput
    input_serializer = ReadinessChecklistInput
    selector = staticmethod(selectors.checklist_list)
    filterset_fields = ["operation_kind", "status", "country", "template"]
    create_service = staticmethod(services.checklist_open)
    update_service = staticmethod(services.checklist_update)
    record_name = "checklist"

    def get_queryset(self) -> Any:
        state = self.request.query_params.get("state", "")
        return selectors.checklist_list(user=self.request.user, state=state).prefetch_related(
            "items")

    def _fresh(self, checklist: ReadinessChecklist, code: int = status.HTTP_200_OK) -> Response:
        return self.output(selectors.checklist_list(user=self.request.user).get(
            pk=checklist.pk), code)

    def create(self, request: Request) -> Response:
        data, _version, _aside = self._input(request, partial=False)
        return self._fresh(services.checklist_open(actor=request.user, data=data),
                           status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        checklist = self.get_object()
        data, version, _aside = self._input(request, partial=True)
        if version is None:
            raise serializers.ValidationError({"version": ["Send the version you read."]})
        fixed = sorted(set(data) - services.EDIT_FIELDS)
        if fixed:
            raise serializers.ValidationError({k: ["This field cannot be changed."]
                                               for k in fixed})
        return self._fresh(services.checklist_update(actor=request.user, checklist=checklist,
                                                     data=data, version=version))

    @extend_schema(request=ReadinessVersionInput, responses={200: ReadinessChecklistOutput},
                   operation_id="v1_coordination_readiness_checklists_move",
                   parameters=[OpenApiParameter("move", str, OpenApiParameter.PATH,
                                                enum=list(rules.CHECKLIST_TRANSITIONS),
                                                description="the step to take")])
    @action(detail=True, methods=["post"],
            url_path=rf"(?P<move>{'|'.join(rules.CHECKLIST_TRANSITIONS)})")
    def move(self, request: Request, pk: str, move: str) -> Response:
        data = valid_input(ReadinessVersionInput, request.data)
        return self._fresh(services.checklist_transition(
            actor=request.user, checklist=self.get_object(), action=move,
            version=data["version"]))

    @extend_schema(request=ReadinessItemAddInput, responses={201: ReadinessItemOutput})
    @action(detail=True, methods=["post"], url_path="items")
    def add_item(self, request: Request, pk: str) -> Response:
        """A requirement of this mission's own; its owner is the lead unless named."""
        data = valid_input(ReadinessItemAddInput, request.data, user=request.user)
        item = services.checklist_item_add(actor=request.user, checklist=self.get_object(),
                                           data=data)
        return Response(ReadinessItemOutput(item).data, status=status.HTTP_201_CREATED)


class ReadinessItemViewSet(ServiceViewSet):
    """Requirements of the checklists in the caller's scope, and the caller's own.
    ``?overdue=true`` lists those open past their due date; ``?mine=true`` the caller's."""

    output_serializer = ReadinessItemOutput
    input_serializer = ReadinessItemInput
    selector = staticmethod(selectors.item_list)
    filterset_fields = ["checklist", "status", "category", "mandatory"]

    def get_queryset(self) -> Any:
        params = self.request.query_params
        qs = selectors.item_list(user=self.request.user,
                                 overdue=params.get("overdue", "") in {"1", "true", "on"})
        if params.get("mine", "") in {"1", "true", "on"}:
            qs = qs.filter(owner_id=self.request.user.pk)
        return qs.order_by("due_on", "pk")

    @extend_schema(request=ReadinessItemInput, responses={200: ReadinessItemOutput})
    def partial_update(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = valid_input(ReadinessItemInput, request.data, partial=True, user=request.user)
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": ["Send the version you read."]})
        return self.output(services.checklist_item_update(actor=request.user, item=item,
                                                          data=data, version=version))


ROUTES: list[tuple[str, Any, str]] = [
    ("coordination/readiness-templates", ReadinessTemplateViewSet,
     "coordination-readiness-template"),
    ("coordination/readiness-checklists", ReadinessChecklistViewSet,
     "coordination-readiness-checklist"),
    ("coordination/readiness-items", ReadinessItemViewSet, "coordination-readiness-item"),
]
