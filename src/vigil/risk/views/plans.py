"""Pages of security plans: the list, the structured parts of a draft and its attachments,
and the review from DO approval to DRO endorsement."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, require
from vigil.core.errors import NotFound
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    perm_required,
)
from vigil.risk import rules, selectors, services
from vigil.risk.forms import (
    PlanFilters,
    PlanForm,
    SraActionForm,
    limit_choices,
    plan_part_form,
)
from vigil.risk.models import SecurityPlan
from vigil.risk.views.documents import review_action, versioned_action

PART_LABELS = {"zones": _lazy("Zones and wardens"), "contacts": _lazy("Communication tree"),
               "sites": _lazy("Concentration points and safe havens"),
               "routes": _lazy("Relocation and evacuation routes"),
               "attachments": _lazy("Attachments")}


@perm_required(Perm.VIEW_RISK)
def plan_list(request: HttpRequest) -> HttpResponseBase:
    filters = PlanFilters(request.GET)
    return list_page(
        request, queryset=selectors.plan_list(user=request.user, **filters.selector_args()),
        template="risk/plan_list.html", table_template="risk/partials/_plan_table.html",
        sorts={"title": "title", "country": "country__name", "due": "review_due",
               "status": "status"},
        default_sort="country", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_PLAN),
               "today": timezone.localdate()})


plan_edit = EditPage(
    form_class=PlanForm, perm=Perm.EDIT_PLAN, template="risk/plan_form.html", context_name="plan",
    detail_url="risk:plan_detail", saved_message=_lazy("Security plan %(name)s saved."),
    get=selectors.plan_get, create=services.plan_create, update=services.plan_update,
    fixed=("country",)).view()


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, selectors.plan_get(user=request.user, pk=pk))


def _plan_page(request: HttpRequest, plan: SecurityPlan,
               action_form: SraActionForm | None = None) -> HttpResponse:
    user = request.user
    may = {action: services.review_may(services.PLAN_REVIEW, user, plan, action)
           for action in rules.PLAN_TRANSITIONS}
    parts = [{"key": key, "label": PART_LABELS[key], "rows": list(getattr(plan, key).all())}
             for key in services.PLAN_PARTS]
    return render(request, "risk/plan_detail.html", {
        "plan": plan, "parts": parts, "may": may, "today": timezone.localdate(),
        "may_edit": plan.status == SecurityPlan.Status.DRAFT
        and can(user, Perm.EDIT_PLAN, plan),
        "action_form": action_form or SraActionForm(initial={"version": plan.version})},
        status=400 if action_form is not None else 200)


plan_action = review_action(
    transitions=rules.PLAN_TRANSITIONS, get=selectors.plan_get,
    transition=services.plan_transition, name="plan",
    message=_lazy("Security plan %(action)s."), detail_url="risk:plan_detail",
    page=lambda request, plan, form, action: _plan_page(request, plan, action_form=form))


@login_required
@require_http_methods(["GET", "POST"])
def plan_part_edit(request: HttpRequest, pk: int, part: str,
                   row_pk: int | None = None) -> HttpResponse:
    if part not in services.PLAN_PARTS:
        raise NotFound()
    plan = selectors.plan_get(user=request.user, pk=pk)
    require(request.user, Perm.EDIT_PLAN, plan)
    model, fields = services.PLAN_PARTS[part]
    row = get_object_or_404(getattr(plan, part), pk=row_pk) if row_pk else None
    form_class = plan_part_form(model, sorted(fields))
    form = form_class(request.POST or None, request.FILES or None,
                      instance=fresh_copy(row) if row else None)
    limit_choices(form, "reports_to",
                  plan.contacts.exclude(pk=row.pk) if row else plan.contacts.all())
    version_form = SraActionForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid() and version_form.is_valid():
        data = changed_data(form, sorted(fields))
        saved = apply_service(form, lambda: services.plan_part_save(
            actor=request.user, plan=plan, part=part, data=data, row=row,
            version=version_form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Saved in the plan."))
            return redirect("risk:plan_detail", pk=plan.pk)
    return render(request, "risk/plan_part_form.html", {
        "form": form, "plan": plan, "part_label": PART_LABELS[part], "row": row,
        "version": plan.version, "multipart": part == "attachments"})


@login_required
@require_POST
def plan_part_remove(request: HttpRequest, pk: int, part: str, row_pk: int) -> HttpResponse:
    if part not in services.PLAN_PARTS:
        raise NotFound()
    plan = selectors.plan_get(user=request.user, pk=pk)
    row = get_object_or_404(getattr(plan, part), pk=row_pk)
    return versioned_action(
        request, plan, lambda data: services.plan_part_remove(
            actor=request.user, plan=plan, part=part, row=row, version=data["version"]),
        message=_("Removed from the plan."), detail_url="risk:plan_detail",
        refused=lambda form: _plan_page(request, plan, action_form=form))


@login_required
def plan_attachment(request: HttpRequest, pk: int, row_pk: int) -> FileResponse:
    """An attachment, to those who may see the plan; never served as a public file."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    attachment = get_object_or_404(plan.attachments, pk=row_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True,
                        filename=Path(attachment.file.name or "attachment").name)
