"""Pages of security assistance and assessment missions: the list with the coverage of
countries, planning and closing a mission, and following its recommendations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    list_page,
    perm_required,
)
from vigil.risk import selectors, services
from vigil.risk.forms import (
    CloseRecommendationForm,
    MissionCloseForm,
    MissionFilters,
    MissionForm,
    RecommendationForm,
)
from vigil.risk.models import Mission


@perm_required(Perm.VIEW_RISK)
def mission_list(request: HttpRequest) -> HttpResponseBase:
    filters = MissionFilters(request.GET)
    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    return list_page(
        request, queryset=selectors.mission_list(user=request.user, **filters.selector_args()),
        template="risk/mission_list.html", table_template="risk/partials/_mission_table.html",
        sorts={"start": "planned_start", "country": "country__name", "status": "status"},
        default_sort="-start", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.MANAGE_MISSIONS),
               "coverage": selectors.mission_coverage(user=request.user, since=since,
                                                      until=today),
               "open_recommendations": selectors.open_recommendations(user=request.user),
               "today": today})


MISSION_EDIT = EditPage(
    form_class=MissionForm, perm=Perm.MANAGE_MISSIONS, template="risk/mission_form.html",
    context_name="mission", detail_url="risk:mission_detail",
    saved_message=_lazy("Mission %(name)s saved."),
    create=lambda actor, data, form: services.mission_create(actor=actor, data=data),
    update=lambda actor, obj, data, version, form: services.mission_update(
        actor=actor, mission=obj, data=data, version=version),
    fixed=("country",))


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk) if pk else None
    return MISSION_EDIT.respond(request, mission)


@login_required
def mission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _mission_page(request, selectors.mission_get(user=request.user, pk=pk))


def _mission_page(request: HttpRequest, mission: Mission, **forms: Any) -> HttpResponse:
    user = request.user
    manage = can(user, Perm.MANAGE_MISSIONS, mission)
    return render(request, "risk/mission_detail.html", {
        "mission": mission, "recommendations": mission.recommendations.all(),
        "may_close": manage and mission.status == Mission.Status.PLANNED,
        "may_recommend": manage and mission.status == Mission.Status.COMPLETED,
        "may_follow_up": can(user, Perm.FOLLOW_UP_MISSIONS, mission),
        "close_form": forms.get("close_form") or MissionCloseForm(
            initial={"version": mission.version, "completed_on": timezone.localdate()}),
        "recommendation_form": forms.get("recommendation_form") or RecommendationForm(),
        "failed_close": forms.get("failed_close"), "today": timezone.localdate()},
        status=400 if forms else 200)


@login_required
@require_POST
def mission_close(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk)
    form = MissionCloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = apply_service(form, lambda: services.mission_close(
            actor=request.user, mission=mission, outcome=data["outcome"],
            completed_on=data.get("completed_on"), report=data.get("report", ""),
            version=data["version"]))
        if saved is not None:
            messages.success(request, _("Mission recorded as %(status)s.") % {
                "status": saved.get_status_display()})
            return redirect("risk:mission_detail", pk=mission.pk)
    return _mission_page(request, mission, close_form=form)


@login_required
@require_POST
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk)
    form = RecommendationForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.recommendation_save(
            actor=request.user, mission=mission,
            data=changed_data(form, RecommendationForm.Meta.fields)))
        if saved is not None:
            messages.success(request, _("Recommendation recorded."))
            return redirect("risk:mission_detail", pk=mission.pk)
    return _mission_page(request, mission, recommendation_form=form)


@login_required
@require_POST
def recommendation_close(request: HttpRequest, pk: int, rec_pk: int) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk)
    recommendation = get_object_or_404(mission.recommendations, pk=rec_pk)
    form = CloseRecommendationForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.recommendation_close(
            actor=request.user, recommendation=recommendation, note=form.cleaned_data["note"]))
        if saved is not None:
            messages.success(request, _("Recommendation closed."))
            return redirect("risk:mission_detail", pk=mission.pk)
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("risk:mission_detail", pk=mission.pk)
