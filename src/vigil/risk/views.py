from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally
from vigil.core.errors import Forbidden, NotFound
from vigil.core.views_support import EditPage, apply_service, changed_data, fresh_copy, list_page
from vigil.risk import rules, selectors, services
from vigil.risk.forms import (
    ActivityForm,
    ApproveForm,
    LevelBoardFilters,
    MatrixForm,
    ReturnForm,
    RiskEntryForm,
    SraActionForm,
    SraFilters,
    SraForm,
    StartReviewForm,
    ThreatAssessmentForm,
)
from vigil.risk.models import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    RISK_LEVEL_LABELS,
    THREAT_LABELS,
    SecurityLevelReview,
    SecurityRiskAssessment,
)

# Areas without any level first, then the longest overdue.
BY_DUE_DATE = F("next_review_due").asc(nulls_first=True)


def _require_view(request: HttpRequest) -> None:
    if not has_perm_anywhere(request.user, Perm.VIEW_RISK):
        raise Forbidden()


@login_required
def level_board(request: HttpRequest) -> HttpResponseBase:
    """Every area in scope with its level, the reviews that are due, and the queue of
    proposals waiting for the reader's decision."""
    _require_view(request)
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    since = timezone.localdate().replace(year=timezone.localdate().year - 1)
    return list_page(
        request, queryset=areas, template="risk/level_board.html",
        table_template="risk/partials/_level_table.html",
        sorts={"due": "next_review_due", "level": "current_level", "name": "name",
               "country": "country__name"},
        default_sort="due", filters=filters,
        extra={"awaiting": selectors.awaiting_review(user=request.user),
               "timeliness": selectors.review_timeliness(user=request.user, since=since),
               "today": timezone.localdate()})


@login_required
def level_map(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    return render(request, "risk/level_map.html", {
        "filters": filters, "areas": areas.order_by("country__name", "name")[:500],
        "query": request.GET.urlencode(), "tile_url": settings.VIGIL_MAP_TILE_URL,
        "tile_attribution": settings.VIGIL_MAP_TILE_ATTRIBUTION})


@login_required
def level_geojson(request: HttpRequest) -> JsonResponse:
    _require_view(request)
    filters = LevelBoardFilters(request.GET)
    areas = selectors.areas_with_levels(user=request.user, **filters.selector_args())
    return JsonResponse(selectors.level_features(areas=areas),
                        content_type="application/geo+json")


@login_required
def area_levels(request: HttpRequest, area_pk: int) -> HttpResponse:
    """One area: its level in force, the proposal in progress, and the history."""
    area = selectors.area_get(user=request.user, pk=area_pk)
    reviews = selectors.level_reviews(user=request.user, area=area.pk)
    current = reviews.filter(status=SecurityLevelReview.Status.APPROVED).order_by(
        "-decided_at").first()
    return render(request, "risk/area_levels.html", {
        "area": area, "reviews": reviews, "current": current,
        "open": reviews.filter(status__in=rules.OPEN_LEVEL_STATES).first(),
        "may_propose": can(request.user, Perm.PROPOSE_SECURITY_LEVEL,
                           SecurityLevelReview(security_area=area)),
        "today": timezone.localdate()})


@login_required
@require_http_methods(["GET", "POST"])
def level_propose(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = selectors.area_get(user=request.user, pk=area_pk)
    if not can(request.user, Perm.PROPOSE_SECURITY_LEVEL, SecurityLevelReview(security_area=area)):
        raise Forbidden()
    form = ThreatAssessmentForm(request.POST or None)
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
    if not can(request.user, Perm.PROPOSE_SECURITY_LEVEL, review):
        raise Forbidden()
    form = ThreatAssessmentForm(request.POST or None, review=review)
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
                     "justification": r["justification"]}
                    for c, r in review.ratings.items()],
        "may_decide": may_decide and bool({"approve", "return"} & set(actions)),
        "may_start": may_decide and "start_review" in actions,
        "may_resubmit": "resubmit" in actions and can(request.user,
                                                      Perm.PROPOSE_SECURITY_LEVEL, review),
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
}


@login_required
@require_POST
def level_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Start the review of, approve or return a proposal."""
    if action not in DECISIONS:
        raise NotFound()
    review = selectors.level_review_get(user=request.user, pk=pk)
    form_class, call, message, slot = DECISIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: call(request.user, review, form.cleaned_data))
        if saved is not None:
            messages.success(request, str(message))
            return redirect("risk:level_detail", pk=review.pk)
    return _detail(request, review, **{slot: form})


@login_required
@require_http_methods(["GET", "POST"])
def risk_settings(request: HttpRequest) -> HttpResponse:
    """The risk matrix, for global administrators to change."""
    if not holds_globally(request.user, Perm.CONFIGURE_RISK):
        raise Forbidden()
    current = selectors.risk_settings()
    form = MatrixForm(request.POST or None, matrix=current.matrix,
                      initial={"version": current.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.risk_settings_update(
            actor=request.user, matrix=form.matrix(), version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Risk matrix saved."))
            return redirect("risk:settings")
    return render(request, "risk/settings.html", {
        "form": form, "current": current, "impacts": list(IMPACT_LABELS.values()),
        "levels": RISK_LEVEL_LABELS})


# --- Security risk assessments ----------------------------------------------------------------

@login_required
def sra_list(request: HttpRequest) -> HttpResponseBase:
    _require_view(request)
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
    allowed = rules.allowed_actions(rules.SRA_TRANSITIONS, sra.status)
    may = {
        "submit": "submit" in allowed and can(user, Perm.EDIT_SRA, sra),
        "approve": "approve" in allowed and can(user, Perm.APPROVE_SRA, sra),
        "endorse": "endorse" in allowed and can(user, Perm.ENDORSE_SRA, sra),
    }
    may["return"] = "return" in allowed and (
        (sra.status == "submitted" and may["approve"])
        or (sra.status == "approved" and can(user, Perm.ENDORSE_SRA, sra)))
    versions = list(sra.versions.select_related("created_by")[:30])
    return render(request, "risk/sra_detail.html", {
        "sra": sra, "rows": rows, "activities": selectors.activities(sra=sra, rows=rows),
        "may": may, "may_edit": sra.status == "draft" and can(user, Perm.EDIT_SRA, sra),
        "action_form": action_form or SraActionForm(initial={"version": sra.version}),
        "failed": failed, "versions": versions, "today": timezone.localdate(),
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
                "action": services.SRA_ACTION_LABELS[action]})
            return redirect("risk:sra_detail", pk=sra.pk)
    return _sra_page(request, sra, action_form=form, failed=action)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int, entry_pk: int | None = None) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    if not can(request.user, Perm.EDIT_SRA, sra):
        raise Forbidden()
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
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int, activity_pk: int | None = None) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    if not can(request.user, Perm.EDIT_SRA, sra):
        raise Forbidden()
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


@login_required
def criticality_board(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    return render(request, "risk/criticality_board.html", {
        "board": selectors.flagged_activities(user=request.user),
        "levels": RISK_LEVEL_LABELS})


@login_required
def reviews_due(request: HttpRequest) -> HttpResponse:
    """One page for the DRO desk: areas whose level review is overdue (or that have no level)
    and SRAs past their review date."""
    _require_view(request)
    return render(request, "risk/reviews_due.html", {
        "areas": selectors.areas_with_levels(user=request.user, overdue_only=True)
        .order_by(BY_DUE_DATE),
        "sras": selectors.sra_list(user=request.user, past_review=True).order_by("review_due"),
        "today": timezone.localdate()})
