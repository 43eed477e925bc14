"""Pages of mission readiness: the checklists of new missions and operations (list with their
readiness, page grouped by category, open, edit, moves, requirements of their own, status of a
requirement), each person's own requirements, and the requirement templates (list, page, edit,
copy, in use or not, their requirements)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.coordination import readiness_rules as rules
from vigil.coordination import readiness_selectors as selectors
from vigil.coordination import readiness_services as services
from vigil.coordination.models import ChecklistItem, ReadinessChecklist, RequirementTemplate
from vigil.coordination.readiness_forms import (
    ChecklistEditForm,
    ChecklistFilters,
    ChecklistOpenForm,
    ItemForm,
    ItemStatusForm,
    MoveForm,
    TemplateCopyForm,
    TemplateFilters,
    TemplateForm,
    TemplateItemForm,
)
from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally
from vigil.core.errors import Forbidden, NotFound
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    next_url,
    perm_required,
    submit_form,
)

MOVE_BUTTONS = {"start": _lazy("Mark as started"), "close": _lazy("Close"),
                "cancel": _lazy("Cancel the checklist")}


def _pct(value: int | None) -> Any:
    return value if value is not None else _("no data")


def _state_label(state: str | None) -> str:
    return str(rules.STATE_LABELS[state]) if state else ""


# --- Checklists -------------------------------------------------------------------------------

@perm_required(Perm.VIEW_COORDINATION)
def checklist_list(request: HttpRequest) -> HttpResponseBase:
    filters = ChecklistFilters(request.GET or None)
    today = selectors.today()
    return list_page(
        request, queryset=selectors.checklist_list(user=request.user, on=today,
                                                   **filters.selector_args()),
        template="coordination/readiness/checklist_list.html",
        table_template="coordination/readiness/partials/_checklist_table.html",
        sorts={"start": "starts_on", "name": "name", "country": "country__name",
               "status": "status", "readiness": "pct", "overdue": "n_overdue"},
        default_sort="start", filters=filters,
        columns=[(_lazy("Mission or operation"), lambda c: c.name),
                 (_lazy("Kind"), lambda c: c.get_operation_kind_display()),
                 (_lazy("Country"), lambda c: c.country.name),
                 (_lazy("Security area"), lambda c: c.security_area.name
                  if c.security_area else ""),
                 (_lazy("Duty station"), lambda c: c.duty_station.name
                  if c.duty_station else ""),
                 (_lazy("Starts on"), lambda c: c.starts_on),
                 (_lazy("Status"), lambda c: c.get_status_display()),
                 (_lazy("Readiness (%)"), lambda c: _pct(c.pct)),
                 (_lazy("Mandatory readiness (%)"), lambda c: _pct(c.mandatory_pct)),
                 (_lazy("Requirements overdue"), lambda c: c.n_overdue),
                 (_lazy("State"), lambda c: _state_label(c.state_key)),
                 (_lazy("Lead"), lambda c: c.lead.get_username())],
        export_name="readiness-checklists",
        extra={"may_open": has_perm_anywhere(request.user, Perm.MANAGE_READINESS),
               "today": today, "late_after": rules.LATE_AFTER_DAYS,
               "risk_items": rules.AT_RISK_OVERDUE_ITEMS})


def _open_page(request: HttpRequest, form: ChecklistOpenForm) -> HttpResponse:
    return render(request, "coordination/readiness/checklist_form.html", {"form": form})


@perm_required(Perm.MANAGE_READINESS)
@require_http_methods(["GET", "POST"])
def checklist_open(request: HttpRequest) -> HttpResponse:
    form = ChecklistOpenForm(request.POST or None, user=request.user,
                             initial={"template": request.GET.get("template")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        saved = apply_service(form, lambda: services.checklist_open(actor=request.user,
                                                                    data=data))
        if saved is not None:
            messages.success(request, _("Checklist %(name)s opened with %(n)d requirements.")
                             % {"name": saved, "n": saved.items.count()})
            return redirect("coordination:readiness_detail", pk=saved.pk)
    return _open_page(request, form)


@perm_required(Perm.VIEW_COORDINATION)
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.with_figures(selectors.checklist_get(user=request.user, pk=pk))
    may_manage = can(request.user, Perm.MANAGE_READINESS, checklist)
    live = checklist.status in rules.LIVE_STATES
    groups = selectors.grouped_items(checklist)
    for group in groups:
        for item in group["items"]:
            item.may_update = live and (may_manage or item.owner_id == request.user.pk)
    moves = [{"action": a, "label": MOVE_BUTTONS[a]}
             for a in rules.allowed_actions(rules.CHECKLIST_TRANSITIONS, checklist.status)
             if services.may_move(request.user, checklist, a)]
    return render(request, "coordination/readiness/checklist_detail.html", {
        "checklist": checklist, "groups": groups, "moves": moves, "today": selectors.today(),
        "may_manage": may_manage and live, "statuses": ChecklistItem._meta.get_field(
            "status").choices, "state_labels": rules.STATE_LABELS,
        "late_after": rules.LATE_AFTER_DAYS, "risk_items": rules.AT_RISK_OVERDUE_ITEMS})


@login_required
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.checklist_get(user=request.user, pk=pk)
    if not can(request.user, Perm.MANAGE_READINESS, checklist):
        raise Forbidden()
    form = ChecklistEditForm(request.POST or None, instance=fresh_copy(checklist),
                             initial={"version": checklist.version}, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(services.EDIT_FIELDS))
        saved = apply_service(form, lambda: services.checklist_update(
            actor=request.user, checklist=checklist, data=data,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Checklist %(name)s saved.") % {"name": saved})
            return redirect("coordination:readiness_detail", pk=saved.pk)
    return render(request, "coordination/readiness/checklist_edit.html",
                  {"form": form, "checklist": checklist})


@login_required
@require_POST
def checklist_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    checklist = selectors.checklist_get(user=request.user, pk=pk)
    if action not in rules.CHECKLIST_TRANSITIONS:
        raise NotFound()
    return submit_form(
        request, MoveForm(request.POST),
        lambda data: services.checklist_transition(actor=request.user, checklist=checklist,
                                                   action=action, version=data["version"]),
        back=reverse("coordination:readiness_detail", args=[checklist.pk]),
        success=lambda c: _("Checklist %(name)s: %(status)s.") % {
            "name": c, "status": c.get_status_display()})


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.checklist_get(user=request.user, pk=pk)
    if not can(request.user, Perm.MANAGE_READINESS, checklist):
        raise Forbidden()
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(services.ITEM_FIELDS))
        saved = apply_service(form, lambda: services.checklist_item_add(
            actor=request.user, checklist=checklist, data=data))
        if saved is not None:
            messages.success(request, _("Requirement added."))
            return redirect("coordination:readiness_detail", pk=checklist.pk)
    return render(request, "coordination/readiness/item_form.html",
                  {"form": form, "checklist": checklist, "item": None})


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    if not can(request.user, Perm.MANAGE_READINESS, item):
        raise Forbidden()
    form = ItemForm(request.POST or None, instance=fresh_copy(item),
                    initial={"version": item.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(services.ITEM_FIELDS))
        if data.get("owner") is None:
            data.pop("owner", None)
        saved = apply_service(form, lambda: services.checklist_item_update(
            actor=request.user, item=item, data=data, version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Requirement saved."))
            return redirect("coordination:readiness_detail", pk=item.checklist_id)
    return render(request, "coordination/readiness/item_form.html",
                  {"form": form, "checklist": item.checklist, "item": item})


@login_required
@require_POST
def item_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The inline status form of a requirement, from the checklist's page or My readiness
    items: its owner or a manager."""
    item = selectors.item_get(user=request.user, pk=pk)
    default = reverse("coordination:readiness_detail", args=[item.checklist_id]) \
        if can(request.user, Perm.VIEW_COORDINATION, item) else reverse(
        "coordination:readiness_mine")
    return submit_form(
        request, ItemStatusForm(request.POST),
        lambda data: services.checklist_item_update(
            actor=request.user, item=item, version=data["version"],
            data={"status": data["status"], "done_on": data["done_on"],
                  "evidence": data["evidence"] or ""}),
        back=next_url(request, default),
        success=lambda i: _("%(item)s: %(status)s.") % {"item": i,
                                                       "status": i.get_status_display()})


@login_required
def my_items(request: HttpRequest) -> HttpResponse:
    """The requirements the signed-in person owns, on checklists still worked on."""
    finished = request.GET.get("all") == "1"
    items = list(selectors.my_items(user=request.user, include_finished=finished)[:200])
    today = selectors.today()
    for item in items:
        item.overdue = rules.is_overdue(item.status, item.due_on, today)  # type: ignore[attr-defined]
        item.may_view_checklist = can(request.user, Perm.VIEW_COORDINATION, item)  # type: ignore[attr-defined]
    return render(request, "coordination/readiness/my_items.html", {
        "items": items, "today": today, "finished": finished,
        "statuses": ChecklistItem._meta.get_field("status").choices})


# --- Templates --------------------------------------------------------------------------------

def _may_read_templates(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise NotFound()
    if not selectors.may_read_templates(request.user):
        raise Forbidden()


@login_required
def template_list(request: HttpRequest) -> HttpResponseBase:
    _may_read_templates(request)
    filters = TemplateFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.template_list(user=request.user,
                                                  **filters.selector_args()),
        template="coordination/readiness/template_list.html",
        table_template="coordination/readiness/partials/_template_table.html",
        sorts={"name": "name", "kind": "operation_kind", "items": "item_count"},
        default_sort="kind", filters=filters,
        extra={"may_configure": holds_globally(request.user, Perm.CONFIGURE_COORDINATION)})


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _may_read_templates(request)
    template = selectors.template_get(user=request.user, pk=pk)
    items = list(selectors.template_items(template=template))
    for item in items:
        item.days_before = -item.due_offset_days  # type: ignore[attr-defined]
    return render(request, "coordination/readiness/template_detail.html", {
        "template": template, "items": items,
        "may_configure": holds_globally(request.user, Perm.CONFIGURE_COORDINATION),
        "may_open": template.active and has_perm_anywhere(request.user,
                                                          Perm.MANAGE_READINESS),
        "copy_form": TemplateCopyForm(), "checklists": template.checklists.count()})


template_edit = EditPage(
    form_class=TemplateForm, perm=Perm.CONFIGURE_COORDINATION,
    template="coordination/readiness/template_form.html", context_name="template",
    detail_url="coordination:readiness_template_detail",
    saved_message=_lazy("Template %(name)s saved."), get=selectors.template_get,
    create=services.template_create, update=services.template_update,
).view(may_create=lambda user: holds_globally(user, Perm.CONFIGURE_COORDINATION))


def _template_for_config(request: HttpRequest, pk: int) -> RequirementTemplate:
    template = selectors.template_get(user=request.user, pk=pk)
    if not holds_globally(request.user, Perm.CONFIGURE_COORDINATION):
        raise Forbidden()
    return template


def _template_back(template: RequirementTemplate) -> str:
    return reverse("coordination:readiness_template_detail", args=[template.pk])


@login_required
@require_POST
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_for_config(request, pk)
    form = TemplateCopyForm(request.POST)
    copy = apply_service(form, lambda: services.template_copy(
        actor=request.user, template=template,
        name=(form.cleaned_data.get("name") or "") if form.is_valid() else ""))
    if copy is None:
        return redirect(_template_back(template))
    messages.success(request, _("Template copied: adapt the copy."))
    return redirect("coordination:readiness_template_detail", pk=copy.pk)


@login_required
@require_POST
def template_active(request: HttpRequest, pk: int, active: str) -> HttpResponse:
    template = _template_for_config(request, pk)
    return submit_form(
        request, MoveForm(request.POST),
        lambda data: services.template_set_active(
            actor=request.user, template=template, active=active == "on",
            version=data["version"]),
        back=_template_back(template),
        success=_("Template put back in use.") if active == "on"
        else _("Template taken out of use: no new checklist is opened from it."))


@login_required
@require_http_methods(["GET", "POST"])
def template_item_edit(request: HttpRequest, pk: int, item_pk: int | None = None
                       ) -> HttpResponse:
    template = _template_for_config(request, pk)
    item = get_object_or_404(template.items, pk=item_pk) if item_pk else None
    form = TemplateItemForm(request.POST or None,
                            instance=fresh_copy(item) if item is not None else None,
                            initial={"version": template.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(services.TEMPLATE_ITEM_FIELDS))
        version = form.cleaned_data["version"]
        saved = apply_service(form, lambda: services.template_item_update(
            actor=request.user, template=template, item=item, data=data, version=version)
            if item is not None else services.template_item_add(
            actor=request.user, template=template, data=data, version=version))
        if saved is not None:
            messages.success(request, _("Requirement saved."))
            return redirect(_template_back(template))
    return render(request, "coordination/readiness/template_item_form.html",
                  {"form": form, "template": template, "item": item})


@login_required
@require_POST
def template_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    template = _template_for_config(request, pk)
    item = get_object_or_404(template.items, pk=item_pk)
    return submit_form(
        request, MoveForm(request.POST),
        lambda data: services.template_item_remove(actor=request.user, template=template,
                                                   item=item, version=data["version"]) or True,
        back=_template_back(template), success=_("Requirement removed from the template."))


@login_required
@require_POST
def template_item_move(request: HttpRequest, pk: int, item_pk: int, direction: str
                       ) -> HttpResponse:
    template = _template_for_config(request, pk)
    item = get_object_or_404(template.items, pk=item_pk)
    return submit_form(
        request, MoveForm(request.POST),
        lambda data: services.template_item_move(actor=request.user, template=template,
                                                 item=item, direction=direction,
                                                 version=data["version"]),
        back=_template_back(template), success=_("Order saved."))


__all__ = ["ReadinessChecklist"]
