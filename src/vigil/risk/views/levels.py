"""Pages of security levels: the board and map of areas with their level in force, an area's
history, the proposal from a threat assessment, and the reviewer's decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, require
from vigil.core.errors import NotFound
from vigil.core.views_support import (
    apply_service,
    geojson,
    list_page,
    map_page,
    perm_required,
    submit_form,
)
from vigil.risk import proposals, rules, selectors, services
from vigil.risk.forms import (
    ApproveForm,
    LevelBoardFilters,
    ReturnForm,
    StartReviewForm,
    ThreatAssessmentForm,
)
from vigil.risk.models import IMPACT_LABELS, LIKELIHOOD_LABELS, THREAT_LABELS, SecurityLevelReview


@perm_required(Perm.VIEW_RISK)
def level_board(request: HttpRequest) -> HttpResponseBase:
    """Every area in scope with its level, the reviews that are due, and the queue of
    proposals waiting for the reader's decision."""
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    since = timezone.localdate() - dt.timedelta(days=365)
    return list_page(
        request, queryset=areas, template="risk/level_board.html",
        table_template="risk/partials/_level_table.html",
        sorts={"due": "next_review_due", "level": "current_level", "name": "name",
               "country": "country__name"},
        default_sort="due", filters=filters,
        extra={"awaiting": selectors.awaiting_review(user=request.user),
               "timeliness": selectors.review_timeliness(user=request.user, since=since),
               "today": timezone.localdate()})


@perm_required(Perm.VIEW_RISK)
def level_map(request: HttpRequest) -> HttpResponse:
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    return map_page(request, "risk/level_map.html", filters=filters,
                    areas=areas.order_by("country__name", "name")[:500])


@perm_required(Perm.VIEW_RISK)
def level_geojson(request: HttpRequest) -> JsonResponse:
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    return geojson(selectors.level_features(areas=areas))


@login_required
def area_levels(request: HttpRequest, area_pk: int) -> HttpResponse:
    """One area: its level in force, the proposal in progress, and the history."""
    area = selectors.area_get(user=request.user, pk=area_pk)
    reviews = selectors.level_reviews(user=request.user, area=area.pk)
    return render(request, "risk/area_levels.html", {
        "area": area, "reviews": reviews,
        "current": selectors.review_in_force(area_id=area.pk),
        "open": reviews.filter(status__in=rules.OPEN_LEVEL_STATES).first(),
        "may_propose": can(request.user, Perm.PROPOSE_SECURITY_LEVEL,
                           SecurityLevelReview(security_area=area)),
        "today": timezone.localdate()})


@login_required
@require_http_methods(["GET", "POST"])
def level_propose(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = selectors.area_get(user=request.user, pk=area_pk)
    require(request.user, Perm.PROPOSE_SECURITY_LEVEL, SecurityLevelReview(security_area=area))
    form = ThreatAssessmentForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        review = apply_service(form, lambda: services.security_level_propose(
            actor=request.user, area=area, ratings=form.ratings(),
            proposed_level=form.cleaned_data["proposed_level"],
            justification=form.cleaned_data["justification"]))
        if review is not None:
            messages.success(request, _("Level %(level)d proposed; the DRO desk officers were "
                                        "told.") % {"level": review.proposed_level})
            return redirect("risk:level_detail", pk=review.pk)
    return render(request, "risk/level_form.html", {"form": form, "area": area,
                                                    "review": None})


@login_required
@require_http_methods(["GET", "POST"])
def level_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.level_review_get(user=request.user, pk=pk)
    require(request.user, Perm.PROPOSE_SECURITY_LEVEL, review)
    form = ThreatAssessmentForm(request.POST or None, review=review,
                                area=review.security_area)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.security_level_resubmit(
            actor=request.user, review=review, ratings=form.ratings(),
            proposed_level=form.cleaned_data["proposed_level"],
            justification=form.cleaned_data["justification"],
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Proposal resubmitted."))
            return redirect("risk:level_detail", pk=saved.pk)
    return render(request, "risk/level_form.html", {"form": form,
                                                    "area": review.security_area,
                                                    "review": review})


@login_required
def level_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.level_review_get(user=request.user, pk=pk)
    return _detail(request, review)


def _detail(request: HttpRequest, review: SecurityLevelReview, **forms: object) -> HttpResponse:
    may_decide = (can(request.user, Perm.REVIEW_SECURITY_LEVEL, review)
                  and review.proposed_by_id != request.user.pk)
    actions = rules.allowed_actions(rules.LEVEL_TRANSITIONS, review.status)
    initial = {"version": review.version}
    context = {
        "review": review,
        "ratings": [{"category": THREAT_LABELS[c],
                     "likelihood": LIKELIHOOD_LABELS.get(r["likelihood"], r["likelihood"]),
                     "impact": IMPACT_LABELS.get(r["impact"], r["impact"]),
                     "score": rules.threat_score(r["likelihood"], r["impact"]),
                     "justification": r["justification"],
                     "proposal": proposals.shown(r.get("proposal"), r["likelihood"])}
                    for c, r in review.ratings.items()],
        "may_decide": may_decide and bool({"approve", "return"} & set(actions)),
        "may_start": may_decide and "start_review" in actions,
        "may_resubmit": "resubmit" in actions and can(request.user,
                                                      Perm.PROPOSE_SECURITY_LEVEL, review),
        "may_withdraw": "withdraw" in actions and review.proposed_by_id == request.user.pk,
        "approve_form": forms.get("approve_form") or ApproveForm(initial=initial),
        "return_form": forms.get("return_form") or ReturnForm(initial=initial),
        "start_form": forms.get("start_form") or StartReviewForm(initial=initial),
    }
    return render(request, "risk/level_detail.html", context,
                  status=400 if forms else 200)


# action -> (form, service call, message, the detail page's slot for a refused form)
DECISIONS: dict[str, tuple[Any, Callable[[Any, SecurityLevelReview, dict[str, Any]],
                                         SecurityLevelReview], Any, str]] = {
    "approve": (ApproveForm, lambda actor, review, data: services.security_level_approve(
        actor=actor, review=review, next_review_due=data["next_review_due"],
        comment=data["comment"], version=data["version"]),
        _lazy("Level approved."), "approve_form"),
    "return": (ReturnForm, lambda actor, review, data: services.security_level_return(
        actor=actor, review=review, comment=data["comment"], version=data["version"]),
        _lazy("Proposal returned with your comments."), "return_form"),
    "start_review": (StartReviewForm, lambda actor, review, data:
                     services.security_level_start_review(actor=actor, review=review,
                                                          version=data["version"]),
                     _lazy("You are reviewing this proposal."), "start_form"),
    "withdraw": (StartReviewForm, lambda actor, review, data:
                 services.security_level_withdraw(actor=actor, review=review,
                                                  version=data["version"]),
                 _lazy("Proposal withdrawn."), "start_form"),
}


@login_required
@require_POST
def level_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Start the review of, approve or return a proposal."""
    if action not in DECISIONS:
        raise NotFound()
    review = selectors.level_review_get(user=request.user, pk=pk)
    form_class, call, message, slot = DECISIONS[action]
    return submit_form(
        request, form_class(request.POST), lambda data: call(request.user, review, data),
        success=message, back=reverse("risk:level_detail", args=[review.pk]),
        refused=lambda form: _detail(request, review, **{slot: form}))
