"""Pages of emergency plans and drills: the board of stations with their status, a station's
page, plans (list, page, edit, moves, review, new version), drills (list, page, edit) with
their corrective actions, the actions list, and the configured periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally, require
from vigil.core.errors import NotFound
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    flash_errors,
    fresh_copy,
    list_page,
    perm_required,
    submit_form,
)
from vigil.hq import plans_rules as rules
from vigil.hq import plans_selectors as selectors
from vigil.hq import plans_services as services
from vigil.hq.models import ActionStatus
from vigil.hq.plans_forms import (
    ActionCloseForm,
    ActionFilters,
    ActionForm,
    DrillFilters,
    DrillForm,
    PlanFilters,
    PlanForm,
    PlanMoveForm,
    PlanReviewForm,
    PlanSettingsForm,
)

MOVE_BUTTONS = {"submit": _lazy("Submit for approval"), "approve": _lazy("Approve"),
                "return": _lazy("Return to draft")}


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@perm_required(Perm.VIEW_EMERGENCY_PLANS)
def plan_board(request: HttpRequest) -> HttpResponse:
    on = _day(request.GET.get("on"))
    rows = selectors.board(user=request.user, on=on)
    return render(request, "hq/plans/board.html", {
        "rows": rows, "on": on, "compliant": sum(1 for r in rows if r["status"].compliant),
        "policy": selectors.policy(), "kind_labels": rules.KIND_LABELS,
        "may_manage": has_perm_anywhere(request.user, Perm.MANAGE_EMERGENCY_PLANS)})


@perm_required(Perm.VIEW_EMERGENCY_PLANS)
def plan_station(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_get(user=request.user, pk=pk)
    on = _day(request.GET.get("on"))
    return render(request, "hq/plans/station.html", {
        "station": station, "on": on, "today": timezone.localdate(),
        "status": selectors.station_status(station=station, on=on),
        "kind_labels": rules.KIND_LABELS,
        "plans": selectors.plan_list(user=request.user, duty_station=station.pk)[:50],
        "drills": selectors.drill_list(user=request.user, duty_station=station.pk)[:20],
        "actions": selectors.action_list(user=request.user, duty_station=station.pk,
                                         status=ActionStatus.OPEN)[:50],
        "may_manage": can(request.user, Perm.MANAGE_EMERGENCY_PLANS, station)})


@perm_required(Perm.VIEW_EMERGENCY_PLANS)
def plan_list(request: HttpRequest) -> HttpResponseBase:
    filters = PlanFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.plan_list(user=request.user, **filters.selector_args()),
        template="hq/plans/plan_list.html", table_template="hq/plans/partials/_plan_table.html",
        sorts={"station": "duty_station__name", "kind": "kind", "status": "status",
               "approved": "approved_on"},
        default_sort="station", filters=filters,
        columns=[(_lazy("Duty station"), lambda p: p.duty_station.name),
                 (_lazy("Kind"), lambda p: p.get_kind_display()),
                 (_lazy("Title"), lambda p: p.title),
                 (_lazy("Plan version"), lambda p: p.version_label),
                 (_lazy("Status"), lambda p: p.get_status_display()),
                 (_lazy("Owner"), lambda p: p.owner.get_username()),
                 (_lazy("Approved on"), lambda p: p.approved_on),
                 (_lazy("Superseded on"), lambda p: p.superseded_on),
                 (_lazy("Document reference"), lambda p: p.document_reference)],
        export_name="emergency-plans",
        extra={"may_manage": has_perm_anywhere(request.user, Perm.MANAGE_EMERGENCY_PLANS)})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    moves = [{"action": a, "label": MOVE_BUTTONS[a]}
             for a in rules.allowed_actions(rules.PLAN_TRANSITIONS, plan.status)
             if services.may_move(request.user, plan, a)]
    may_manage = can(request.user, Perm.MANAGE_EMERGENCY_PLANS, plan)
    return render(request, "hq/plans/plan_detail.html", {
        "plan": plan, "moves": moves, "today": timezone.localdate(),
        "review_due": selectors.plan_review_due(plan),
        "may_edit": may_manage and plan.status in rules.EDITABLE_STATES | {"approved"},
        "may_review": may_manage and plan.status == "approved",
        "may_revise": may_manage and plan.status in {"approved", "superseded"},
        "approver_is_editor": plan.status == "submitted"
        and can(request.user, Perm.APPROVE_EMERGENCY_PLAN, plan)
        and plan.last_edited_by_id == request.user.pk,
        "move_form": PlanMoveForm(initial={"version": plan.version}),
        "review_form": PlanReviewForm(initial={"version": plan.version}),
        "reviews": selectors.plan_reviews(plan=plan), "history": selectors.plan_history(
            plan=plan), "drills": plan.drills.order_by("-held_on")[:20]})


plan_edit = EditPage(
    form_class=PlanForm, perm=Perm.MANAGE_EMERGENCY_PLANS, template="hq/plans/plan_form.html",
    context_name="plan", detail_url="hq:plan_detail",
    saved_message=_lazy("Plan %(name)s saved."), get=selectors.plan_get,
    create=services.plan_create, update=services.plan_update,
).view(form_kwargs=lambda request: {"user": request.user})


def _plan_back(plan: Any) -> str:
    return reverse("hq:plan_detail", args=[plan.pk])


@login_required
@require_POST
def plan_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    if action not in rules.PLAN_TRANSITIONS:
        raise NotFound()
    return submit_form(
        request, PlanMoveForm(request.POST),
        lambda data: services.plan_transition(actor=request.user, plan=plan, action=action,
                                              version=data["version"],
                                              comment=data["comment"] or ""),
        back=_plan_back(plan), success=lambda p: _("Plan %(plan)s: %(status)s.") % {
            "plan": p, "status": p.get_status_display()})


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    return submit_form(
        request, PlanReviewForm(request.POST),
        lambda data: services.plan_review(actor=request.user, plan=plan,
                                          version=data["version"],
                                          reviewed_on=data["reviewed_on"],
                                          note=data["note"] or ""),
        back=_plan_back(plan), success=_("Review recorded: the review period starts again."))


@login_required
@require_POST
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = PlanMoveForm(request.POST)
    draft = apply_service(form, lambda: services.plan_revise(actor=request.user, plan=plan))
    if draft is None:
        flash_errors(request, form)
        return redirect(_plan_back(plan))
    messages.success(request, _("A new version is drafted: edit it, then submit it."))
    return redirect("hq:plan_edit", pk=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_settings(request: HttpRequest) -> HttpResponse:
    """The periods in force, for every reader of plans; changed by a global manager."""
    if not has_perm_anywhere(request.user, Perm.VIEW_EMERGENCY_PLANS) and \
            not holds_globally(request.user, Perm.MANAGE_EMERGENCY_PLANS):
        raise NotFound()
    current = selectors.plan_settings()
    may_change = holds_globally(request.user, Perm.MANAGE_EMERGENCY_PLANS)
    form = PlanSettingsForm(request.POST or None if may_change else None,
                            periods=current.periods, initial={"version": current.version})
    if request.method == "POST" and may_change and form.is_valid():
        saved = apply_service(form, lambda: services.plan_settings_update(
            actor=request.user, periods=form.periods(), version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Emergency plan settings saved."))
            return redirect("hq:plan_settings")
    return render(request, "hq/plans/settings.html", {
        "form": form, "current": current, "may_change": may_change,
        "policy": selectors.policy(), "kind_labels": rules.KIND_LABELS})


# --- Drills -----------------------------------------------------------------------------------

@perm_required(Perm.VIEW_EMERGENCY_PLANS)
def drill_list(request: HttpRequest) -> HttpResponseBase:
    filters = DrillFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.drill_list(user=request.user, **filters.selector_args()),
        template="hq/plans/drill_list.html",
        table_template="hq/plans/partials/_drill_table.html",
        sorts={"held": "held_on", "station": "duty_station__name", "kind": "kind",
               "participants": "participants"},
        default_sort="-held", filters=filters,
        columns=[(_lazy("Held on"), lambda d: d.held_on),
                 (_lazy("Duty station"), lambda d: d.duty_station.name),
                 (_lazy("Premises"), lambda d: d.premises.name if d.premises else ""),
                 (_lazy("Kind"), lambda d: d.get_kind_display()),
                 (_lazy("Participants"), lambda d: d.participants),
                 (_lazy("Duration (minutes)"), lambda d: d.duration_minutes),
                 (_lazy("Open corrective actions"), lambda d: d.open_actions),
                 (_lazy("Findings"), lambda d: d.findings)],
        export_name="drills",
        extra={"may_manage": has_perm_anywhere(request.user, Perm.MANAGE_EMERGENCY_PLANS)})


@login_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = selectors.drill_get(user=request.user, pk=pk)
    actions = list(selectors.drill_actions(drill=drill))
    today = timezone.localdate()
    return render(request, "hq/plans/drill_detail.html", {
        "drill": drill, "actions": actions, "today": today,
        "may_manage": can(request.user, Perm.MANAGE_EMERGENCY_PLANS, drill),
        "action_form": ActionForm(), "close_form": ActionCloseForm()})


drill_edit = EditPage(
    form_class=DrillForm, perm=Perm.MANAGE_EMERGENCY_PLANS, template="hq/plans/drill_form.html",
    context_name="drill", detail_url="hq:drill_detail",
    saved_message=_lazy("Drill %(name)s saved."), get=selectors.drill_get,
    create=services.drill_create, update=services.drill_update,
    from_form=lambda form: {"plans": list(form.cleaned_data.get("plans") or [])},
).view(form_kwargs=lambda request: {"user": request.user})


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    drill = selectors.drill_get(user=request.user, pk=pk)
    return submit_form(
        request, ActionForm(request.POST),
        lambda data: services.corrective_action_add(
            actor=request.user, drill=drill,
            data={k: v for k, v in data.items() if k != "version"}),
        back=reverse("hq:drill_detail", args=[drill.pk]),
        success=_("Corrective action added."))


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open corrective action: its description, owner and due date. The drill's
    page posts here; a refusal shows this page with each fault beside its field."""
    row = selectors.action_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_EMERGENCY_PLANS, row)
    back = reverse("hq:drill_detail", args=[row.drill_id])
    if row.status != ActionStatus.OPEN:
        messages.error(request, _("A closed action cannot be changed."))
        return redirect(back)
    form = ActionForm(request.POST or None, instance=fresh_copy(row),
                      initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.corrective_action_update(
            actor=request.user, action=row, version=form.cleaned_data.get("version"),
            data=changed_data(form, list(services.ACTION_FIELDS))))
        if saved is not None:
            messages.success(request, _("Corrective action saved."))
            return redirect(back)
    return render(request, "hq/plans/action_form.html", {
        "form": form, "action": row, "drill": row.drill, "back": back})


@login_required
@require_POST
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.action_get(user=request.user, pk=pk)
    return submit_form(
        request, ActionCloseForm(request.POST),
        lambda data: services.corrective_action_close(
            actor=request.user, action=row, version=data["version"], note=data["note"] or "",
            closed_on=data["closed_on"]),
        back=reverse("hq:drill_detail", args=[row.drill_id]),
        success=_("Corrective action closed."))


@perm_required(Perm.VIEW_EMERGENCY_PLANS)
def action_list(request: HttpRequest) -> HttpResponseBase:
    filters = ActionFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.action_list(user=request.user, **filters.selector_args()),
        template="hq/plans/action_list.html",
        table_template="hq/plans/partials/_action_table.html",
        sorts={"due": "due_on", "station": "drill__duty_station__name", "status": "status"},
        default_sort="due", filters=filters,
        columns=[(_lazy("Due on"), lambda a: a.due_on),
                 (_lazy("Duty station"), lambda a: a.drill.duty_station.name),
                 (_lazy("Drill"), lambda a: str(a.drill)),
                 (_lazy("Action"), lambda a: a.description),
                 (_lazy("Owner"), lambda a: a.owner),
                 (_lazy("Status"), lambda a: a.get_status_display()),
                 (_lazy("Closed on"), lambda a: a.closed_on),
                 (_lazy("How it was closed"), lambda a: a.closing_note)],
        export_name="corrective-actions", extra={"today": timezone.localdate()})
