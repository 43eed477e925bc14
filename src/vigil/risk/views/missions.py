"""Pages of security assistance and assessment missions: the list with the coverage of
countries, planning and closing a mission, and following its recommendations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.views_support import (
    EditPage,
    changed_data,
    list_page,
    perm_required,
    submit_form,
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


mission_edit = EditPage(
    form_class=MissionForm, perm=Perm.MANAGE_MISSIONS, template="risk/mission_form.html",
    context_name="mission", detail_url="risk:mission_detail",
    saved_message=_lazy("Mission %(name)s saved."), get=selectors.mission_get,
    create=services.mission_create, update=services.mission_update, fixed=("country",)).view()


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
    return submit_form(
        request, MissionCloseForm(request.POST), lambda data: services.mission_close(
            actor=request.user, mission=mission, outcome=data["outcome"],
            completed_on=data.get("completed_on"), report=data.get("report", ""),
            version=data["version"]),
        success=lambda saved: _("Mission recorded as %(status)s.") % {
            "status": saved.get_status_display()},
        back=_back(mission), refused=lambda form: _mission_page(request, mission,
                                                                close_form=form))


@login_required
@require_POST
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk)
    form = RecommendationForm(request.POST)
    return submit_form(
        request, form, lambda data: services.recommendation_save(
            actor=request.user, mission=mission,
            data=changed_data(form, RecommendationForm.Meta.fields)),
        success=_("Recommendation recorded."), back=_back(mission),
        refused=lambda form: _mission_page(request, mission, recommendation_form=form))


def _back(mission: Mission) -> str:
    return reverse("risk:mission_detail", args=[mission.pk])


@login_required
@require_POST
def recommendation_close(request: HttpRequest, pk: int, rec_pk: int) -> HttpResponse:
    mission = selectors.mission_get(user=request.user, pk=pk)
    recommendation = get_object_or_404(mission.recommendations, pk=rec_pk)
    return submit_form(
        request, CloseRecommendationForm(request.POST), lambda data: services.recommendation_close(
            actor=request.user, recommendation=recommendation, note=data["note"]),
        back=_back(mission), success=_("Recommendation closed."))
