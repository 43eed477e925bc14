"""Pages of security risk assessments: the list, the register and activities of a draft, the
review from submission to endorsement, versions side by side, and the board of programme
criticality."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
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
from vigil.risk.forms import ActivityForm, RiskEntryForm, SraActionForm, SraFilters, SraForm
from vigil.risk.models import RISK_LEVEL_LABELS, SecurityRiskAssessment


@perm_required(Perm.VIEW_RISK)
def sra_list(request: HttpRequest) -> HttpResponseBase:
    filters = SraFilters(request.GET)
    return list_page(
        request, queryset=selectors.sra_list(user=request.user, **filters.selector_args()),
        template="risk/sra_list.html", table_template="risk/partials/_sra_table.html",
        sorts={"title": "title", "country": "country__name", "due": "review_due",
               "status": "status"},
        default_sort="due", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_SRA),
               "today": timezone.localdate()})


SRA_EDIT = EditPage(
    form_class=SraForm, perm=Perm.EDIT_SRA, template="risk/sra_form.html",
    context_name="sra", detail_url="risk:sra_detail",
    saved_message=_lazy("Assessment %(name)s saved."),
    create=lambda actor, data, form: services.sra_create(actor=actor, data=data),
    update=lambda actor, obj, data, version, form: services.sra_update(
        actor=actor, sra=obj, data=data, version=version),
    fixed=("country",))


@login_required
@require_http_methods(["GET", "POST"])
def sra_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk) if pk else None
    return SRA_EDIT.respond(request, sra)


@login_required
def sra_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    return _sra_page(request, sra)


def _sra_page(request: HttpRequest, sra: SecurityRiskAssessment,
              action_form: SraActionForm | None = None, failed: str = "") -> HttpResponse:
    rows = selectors.register(sra=sra)
    user = request.user
    may = {action: services.review_may(services.SRA_REVIEW, user, sra, action)
           for action in rules.SRA_TRANSITIONS}
    versions = list(sra.versions.select_related("created_by")[:30])
    return render(request, "risk/sra_detail.html", {
        "sra": sra, "rows": rows, "activities": selectors.activities(sra=sra, rows=rows),
        "may": may, "may_edit": sra.status == SecurityRiskAssessment.Status.DRAFT
        and can(user, Perm.EDIT_SRA, sra),
        "action_form": action_form or SraActionForm(initial={"version": sra.version}),
        "failed": failed, "versions": versions, "today": timezone.localdate(),
        "may_derive_moss": has_perm_anywhere(user, Perm.EDIT_MOSS)
        and sra.status in rules.APPROVED_STATES,
        "levels": RISK_LEVEL_LABELS}, status=400 if failed else 200)


@login_required
@require_POST
def sra_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in rules.SRA_TRANSITIONS:
        raise NotFound()
    sra = selectors.sra_get(user=request.user, pk=pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.sra_transition(
            actor=request.user, sra=sra, action=action, version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"]))
        if saved is not None:
            messages.success(request, _("Assessment %(action)s.") % {
                "action": services.REVIEW_ACTION_LABELS[action]})
            return redirect("risk:sra_detail", pk=sra.pk)
    return _sra_page(request, sra, action_form=form, failed=action)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int, entry_pk: int | None = None) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    require(request.user, Perm.EDIT_SRA, sra)
    entry = get_object_or_404(sra.entries, pk=entry_pk) if entry_pk else None
    form = RiskEntryForm(request.POST or None, instance=fresh_copy(entry) if entry else None,
                         initial={"version": sra.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(RiskEntryForm.Meta.fields))
        saved = apply_service(form, lambda: services.risk_entry_save(
            actor=request.user, sra=sra, data=data, entry=entry,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Risk saved in the register."))
            return redirect("risk:sra_detail", pk=sra.pk)
    return render(request, "risk/entry_form.html", {"form": form, "sra": sra, "entry": entry})


@login_required
@require_POST
def entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    entry = get_object_or_404(sra.entries, pk=entry_pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.risk_entry_remove(
            actor=request.user, sra=sra, entry=entry, version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Risk removed from the register."))
            return redirect("risk:sra_detail", pk=sra.pk)
    return _sra_page(request, sra, action_form=form, failed="remove")


@login_required
@require_POST
def activity_remove(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    activity = get_object_or_404(sra.activities, pk=activity_pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.activity_remove(
            actor=request.user, sra=sra, activity=activity,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Programme activity removed."))
            return redirect("risk:sra_detail", pk=sra.pk)
    return _sra_page(request, sra, action_form=form, failed="remove")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int, activity_pk: int | None = None) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    require(request.user, Perm.EDIT_SRA, sra)
    activity = get_object_or_404(sra.activities, pk=activity_pk) if activity_pk else None
    form = ActivityForm(request.POST or None,
                        instance=fresh_copy(activity) if activity else None,
                        initial={"version": sra.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, ActivityForm.Meta.fields)
        saved = apply_service(form, lambda: services.activity_save(
            actor=request.user, sra=sra, data=data, activity=activity,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Programme activity saved."))
            return redirect("risk:sra_detail", pk=sra.pk)
    return render(request, "risk/activity_form.html", {"form": form, "sra": sra,
                                                       "activity": activity})


@login_required
def sra_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions of an assessment side by side."""
    sra = selectors.sra_get(user=request.user, pk=pk)
    pair = selectors.version_pair(sra=sra, older=request.GET.get("a"),
                                  newer=request.GET.get("b"))
    if pair is None:
        raise NotFound()
    older, newer, diff = pair
    return render(request, "risk/sra_diff.html", {"sra": sra, "older": older, "newer": newer,
                                                  "diff": diff})


@perm_required(Perm.VIEW_RISK)
def criticality_board(request: HttpRequest) -> HttpResponse:
    return render(request, "risk/criticality_board.html", {
        "board": selectors.flagged_activities(user=request.user),
        "levels": RISK_LEVEL_LABELS})
