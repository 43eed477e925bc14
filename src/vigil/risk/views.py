from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally
from vigil.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from vigil.core.views_support import EditPage, apply_service, changed_data, fresh_copy, list_page
from vigil.people import selectors as people_selectors
from vigil.places.models import DutyStation, Premises
from vigil.risk import rules, selectors, services
from vigil.risk.forms import (
    ActivityForm,
    ApproveForm,
    CloseRecommendationForm,
    LevelBoardFilters,
    MatrixForm,
    MissionCloseForm,
    MissionFilters,
    MissionForm,
    MossDocumentForm,
    MossFilters,
    MossItemForm,
    PlanFilters,
    PlanForm,
    RecommendationForm,
    ReturnForm,
    RiskEntryForm,
    SraActionForm,
    SraFilters,
    SraForm,
    StartAssessmentForm,
    StartReviewForm,
    SurveyFilters,
    ThreatAssessmentForm,
    plan_part_form,
)
from vigil.risk.models import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    RISK_LEVEL_LABELS,
    THREAT_LABELS,
    ComplianceAssessment,
    ComplianceResult,
    Mission,
    MossDocument,
    PremisesSurvey,
    SecurityLevelReview,
    SecurityPlan,
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
                      thresholds=current.level_thresholds,
                      initial={"version": current.version})
    if request.method == "POST" and form.is_valid():
        thresholds = form.thresholds()
        if thresholds is not None:
            saved = apply_service(form, lambda: services.risk_settings_update(
                actor=request.user, matrix=form.matrix(), level_thresholds=thresholds,
                version=form.cleaned_data["version"]))
            if saved is not None:
                messages.success(request, _("Risk settings saved."))
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
        "endorse": "endorse" in allowed and can(user, Perm.ENDORSE_SRA, sra)
        and sra.approved_by_id != user.pk,
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
        "may_derive_moss": has_perm_anywhere(user, Perm.EDIT_MOSS)
        and sra.status in {"approved", "endorsed"},
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


# --- MOSS -------------------------------------------------------------------------------------

@login_required
def moss_list(request: HttpRequest) -> HttpResponseBase:
    _require_view(request)
    filters = MossFilters(request.GET)
    return list_page(
        request, queryset=selectors.moss_documents(user=request.user,
                                                   **filters.selector_args()),
        template="risk/moss_list.html", table_template="risk/partials/_moss_table.html",
        sorts={"title": "title", "country": "country__name", "status": "status"},
        default_sort="country", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_MOSS)})


@login_required
@require_http_methods(["GET", "POST"])
def moss_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_anywhere(request.user, Perm.EDIT_MOSS):
        raise Forbidden()
    sras = selectors.approved_sras_for_moss(user=request.user)
    initial = {}
    if request.GET.get("sra", "").isdigit():
        sra = sras.filter(pk=int(request.GET["sra"])).first()
        if sra is not None:
            initial = {"sra": sra.pk, "kind": "country",
                       "title": _("MOSS %(country)s") % {"country": sra.country.local_name}}
    form = MossDocumentForm(request.POST or None, sras=sras, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = data.get("duty_station")
        country = data["sra"].country if data.get("sra") else (
            station.country if station else None)
        if country is None:
            form.add_error("sra" if data["kind"] == "country" else "duty_station",
                           _("Choose the SRA (country MOSS) or the headquarters duty "
                             "station (H-MOSS)."))
        else:
            document = apply_service(form, lambda: services.moss_document_create(
                actor=request.user, country=country, title=data["title"], kind=data["kind"],
                sra=data.get("sra"), duty_station=station))
            if document is not None:
                messages.success(request, _("MOSS document started with the standard items; "
                                            "adapt them to the country."))
                return redirect("risk:moss_detail", pk=document.pk)
    return render(request, "risk/moss_form.html", {"form": form})


@login_required
def moss_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    return _moss_page(request, document)


def _moss_page(request: HttpRequest, document: MossDocument,
               start_form: StartAssessmentForm | None = None) -> HttpResponse:
    user = request.user
    stations = DutyStation.objects.filter(country=document.country, is_active=True)
    premises = Premises.objects.filter(duty_station__country=document.country)
    return render(request, "risk/moss_detail.html", {
        "document": document, "items": document.items.all(),
        "assessments": selectors.moss_assessments(user=user, document=document.pk),
        "may_edit": document.status == "draft" and can(user, Perm.EDIT_MOSS, document),
        "may_approve": document.status == "draft" and can(user, Perm.APPROVE_MOSS, document),
        "may_assess": document.status == "approved" and has_perm_anywhere(
            user, Perm.ASSESS_MOSS),
        "start_form": start_form or StartAssessmentForm(
            stations=stations, premises=premises,
            initial={"assessed_on": timezone.localdate()}),
        "version_form": SraActionForm(initial={"version": document.version}),
    }, status=400 if start_form is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def moss_item_edit(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    if not can(request.user, Perm.EDIT_MOSS, document):
        raise Forbidden()
    item = get_object_or_404(document.items, pk=item_pk) if item_pk else None
    form = MossItemForm(request.POST or None, instance=fresh_copy(item) if item else None,
                        initial={"version": document.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(MossItemForm.Meta.fields))
        saved = apply_service(form, lambda: services.moss_item_save(
            actor=request.user, document=document, data=data, item=item,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("MOSS item saved."))
            return redirect("risk:moss_detail", pk=document.pk)
    return render(request, "risk/moss_item_form.html", {"form": form, "document": document,
                                                        "item": item})


@login_required
@require_POST
def moss_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    item = get_object_or_404(document.items, pk=item_pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.moss_item_remove(
            actor=request.user, document=document, item=item,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("MOSS item removed."))
            return redirect("risk:moss_detail", pk=document.pk)
    messages.error(request, "; ".join(str(e) for e in form.non_field_errors()))
    return redirect("risk:moss_detail", pk=document.pk)


@login_required
@require_POST
def moss_approve(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.moss_document_approve(
            actor=request.user, document=document, version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("MOSS approved."))
            return redirect("risk:moss_detail", pk=document.pk)
    messages.error(request, "; ".join(str(e) for e in form.non_field_errors()))
    return redirect("risk:moss_detail", pk=document.pk)


@login_required
@require_POST
def moss_assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    form = StartAssessmentForm(
        request.POST, stations=DutyStation.objects.filter(country=document.country),
        premises=Premises.objects.filter(duty_station__country=document.country))
    if form.is_valid():
        data = form.cleaned_data
        person = None
        if data.get("residence_index"):
            person = people_selectors.person_list(user=request.user).filter(
                index_number=data["residence_index"].upper()).first()
            if person is None:
                form.add_error("residence_index", _("No staff member with this index "
                                                    "number in your scope."))
        if not form.errors:
            assessment = apply_service(form, lambda: services.compliance_assessment_start(
                actor=request.user, document=document, duty_station=data.get("duty_station"),
                premises=data.get("premises"), residence_of=person,
                assessed_on=data["assessed_on"]))
            if assessment is not None:
                return redirect("risk:moss_assessment", pk=assessment.pk)
    return _moss_page(request, document, start_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def moss_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate each item; save as you go, and make it final when every item is rated."""
    assessment = selectors.moss_assessment_get(user=request.user, pk=pk)
    results = list(assessment.results.select_related("item"))
    errors: dict[str, str] = {}
    summary: list[str] = []
    if request.method == "POST":
        if not can(request.user, Perm.ASSESS_MOSS, assessment):
            raise Forbidden()
        given = {r.item_id: {
            "state": request.POST.get(f"item-{r.item_id}-state", ""),
            "evidence": request.POST.get(f"item-{r.item_id}-evidence", ""),
            "corrective_action": request.POST.get(f"item-{r.item_id}-corrective_action", ""),
            "action_owner": request.POST.get(f"item-{r.item_id}-action_owner", ""),
            "action_due": parse_date(request.POST.get(f"item-{r.item_id}-action_due", "")
                                     or "") or None,
        } for r in results}
        try:
            services.compliance_assessment_record(
                actor=request.user, assessment=assessment, results=given,
                version=int(request.POST.get("version") or 0) or None,
                final="final" in request.POST)
        except ValidationFailed as exc:
            errors = {e.field: str(e.message) for e in exc.errors}
            summary = [str(e.message) for e in exc.errors if not e.field.startswith("item-")]
            for r in results:  # show what was typed, not what is stored
                for key, value in given[r.item_id].items():
                    setattr(r, key, value)
        except DomainError as exc:
            if exc.status == 404:
                raise
            summary = [str(exc.message)]
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("risk:moss_assessment", pk=assessment.pk)
    rows = [{"result": r, "errors": {k.rsplit("-", 1)[1]: v for k, v in errors.items()
                                     if k.startswith(f"item-{r.item_id}-")}}
            for r in results]
    trend = selectors.compliance_trend(user=request.user, assessment=assessment)
    return render(request, "risk/moss_assessment.html", {
        "assessment": assessment, "rows": rows, "summary": summary,
        "error_count": len(errors), "trend": trend, "chart": trend_chart(trend),
        "states": ComplianceResult.State.choices,
        "may_record": assessment.status == "draft"
        and can(request.user, Perm.ASSESS_MOSS, assessment)},
        status=400 if errors or summary else 200)


def trend_chart(trend: list[ComplianceAssessment]) -> dict[str, Any] | None:
    """Points of a compliance-over-time line, for a small SVG drawn by the template."""
    if len(trend) < 2:
        return None
    width, height, pad = 560, 180, 30
    first, last = trend[0].assessed_on, trend[-1].assessed_on
    span = max((last - first).days, 1)
    points = []
    for a in trend:
        x = pad + (width - 2 * pad) * (a.assessed_on - first).days / span
        y = height - pad - (height - 2 * pad) * (a.compliance or 0) / 100
        points.append({"x": round(x, 1), "y": round(y, 1), "date": a.assessed_on,
                       "value": round(a.compliance or 0)})
    return {"width": width, "height": height, "pad": pad, "points": points,
            "path": " ".join(f"{p['x']},{p['y']}" for p in points)}


# --- Security plans ---------------------------------------------------------------------------

PART_LABELS = {"zones": _lazy("Zones and wardens"), "contacts": _lazy("Communication tree"),
               "sites": _lazy("Concentration points and safe havens"),
               "routes": _lazy("Relocation and evacuation routes"),
               "attachments": _lazy("Attachments")}


@login_required
def plan_list(request: HttpRequest) -> HttpResponseBase:
    _require_view(request)
    filters = PlanFilters(request.GET)
    return list_page(
        request, queryset=selectors.plan_list(user=request.user, **filters.selector_args()),
        template="risk/plan_list.html", table_template="risk/partials/_plan_table.html",
        sorts={"title": "title", "country": "country__name", "due": "review_due",
               "status": "status"},
        default_sort="country", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_PLAN),
               "today": timezone.localdate()})


PLAN_EDIT = EditPage(
    form_class=PlanForm, perm=Perm.EDIT_PLAN, template="risk/plan_form.html",
    context_name="plan", detail_url="risk:plan_detail",
    saved_message=_lazy("Security plan %(name)s saved."),
    create=lambda actor, data, form: services.plan_create(actor=actor, data=data),
    update=lambda actor, obj, data, version, form: services.plan_update(
        actor=actor, plan=obj, data=data, version=version),
    fixed=("country",))


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk) if pk else None
    return PLAN_EDIT.respond(request, plan)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, selectors.plan_get(user=request.user, pk=pk))


def _plan_page(request: HttpRequest, plan: SecurityPlan,
               action_form: SraActionForm | None = None) -> HttpResponse:
    user = request.user
    allowed = rules.allowed_actions(rules.PLAN_TRANSITIONS, plan.status)
    may = {action: action in allowed and can(user, services.PLAN_ACTION_PERMS[action], plan)
           for action in rules.PLAN_TRANSITIONS}
    parts = [{"key": key, "label": PART_LABELS[key], "rows": list(getattr(plan, key).all())}
             for key in services.PLAN_PARTS]
    return render(request, "risk/plan_detail.html", {
        "plan": plan, "parts": parts, "may": may, "today": timezone.localdate(),
        "may_edit": plan.status == "draft" and can(user, Perm.EDIT_PLAN, plan),
        "action_form": action_form or SraActionForm(initial={"version": plan.version})},
        status=400 if action_form is not None else 200)


@login_required
@require_POST
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in rules.PLAN_TRANSITIONS:
        raise NotFound()
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.plan_transition(
            actor=request.user, plan=plan, action=action, version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"]))
        if saved is not None:
            messages.success(request, _("Security plan %(action)s.") % {
                "action": services.SRA_ACTION_LABELS[action]})
            return redirect("risk:plan_detail", pk=plan.pk)
    return _plan_page(request, plan, action_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def plan_part_edit(request: HttpRequest, pk: int, part: str,
                   row_pk: int | None = None) -> HttpResponse:
    if part not in services.PLAN_PARTS:
        raise NotFound()
    plan = selectors.plan_get(user=request.user, pk=pk)
    if not can(request.user, Perm.EDIT_PLAN, plan):
        raise Forbidden()
    model, fields = services.PLAN_PARTS[part]
    row = get_object_or_404(getattr(plan, part), pk=row_pk) if row_pk else None
    form_class = plan_part_form(model, sorted(fields))
    form = form_class(request.POST or None, request.FILES or None,
                      instance=fresh_copy(row) if row else None)
    if "reports_to" in form.fields:
        others = plan.contacts.exclude(pk=row.pk) if row else plan.contacts.all()
        form.fields["reports_to"].queryset = others  # type: ignore[attr-defined]
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
    form = SraActionForm(request.POST)
    if form.is_valid():
        saved = apply_service(form, lambda: services.plan_part_remove(
            actor=request.user, plan=plan, part=part, row=row,
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Removed from the plan."))
            return redirect("risk:plan_detail", pk=plan.pk)
    return _plan_page(request, plan, action_form=form)


@login_required
def plan_attachment(request: HttpRequest, pk: int, row_pk: int) -> FileResponse:
    """An attachment, to those who may see the plan; never served as a public file."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    attachment = get_object_or_404(plan.attachments, pk=row_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True,
                        filename=Path(attachment.file.name or "attachment").name)


# --- Missions ---------------------------------------------------------------------------------

@login_required
def mission_list(request: HttpRequest) -> HttpResponseBase:
    _require_view(request)
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
        "may_close": manage and mission.status == "planned",
        "may_recommend": manage and mission.status == "completed",
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


# --- Premises vulnerability surveys -----------------------------------------------------------

@login_required
def survey_list(request: HttpRequest) -> HttpResponseBase:
    _require_view(request)
    filters = SurveyFilters(request.GET)
    return list_page(
        request, queryset=selectors.surveyed_premises(user=request.user,
                                                      **filters.selector_args()),
        template="risk/survey_list.html", table_template="risk/partials/_survey_table.html",
        sorts={"name": "name", "score": "last_score", "date": "last_surveyed"},
        default_sort="score", filters=filters)


@login_required
@require_http_methods(["GET", "POST"])
def premises_surveys(request: HttpRequest, pk: int) -> HttpResponse:
    """A premises' surveys and their trend; and the questionnaire to answer a new one."""
    premises = selectors.premises_for_survey(user=request.user, pk=pk)
    questionnaire = selectors.active_questionnaire()
    may_survey = questionnaire is not None and can(
        request.user, Perm.SURVEY_PREMISES, PremisesSurvey(premises=premises))
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST":
        if not may_survey or questionnaire is None:
            raise Forbidden()
        chosen = {key: str(request.POST.get(key, "")) for key in request.POST
                  if key.startswith("q-")}
        answers = {int(k[2:]): v for k, v in chosen.items() if k[2:].isdigit()}
        try:
            survey = services.premises_survey_record(
                actor=request.user, premises=premises, questionnaire=questionnaire,
                answers=answers,
                surveyed_on=parse_date(request.POST.get("surveyed_on", "")) or None)
        except ValidationFailed as exc:
            errors = {e.field: str(e.message) for e in exc.errors}
        else:
            messages.success(request, _("Survey recorded: score %(score)s.") % {
                "score": survey.score})
            return redirect("risk:premises_surveys", pk=premises.pk)
    surveys = selectors.surveys_of(user=request.user, premises=premises)
    sections: list[dict[str, Any]] = [{"title": section.title, "questions": [
        {"question": q, "error": errors.get(f"q-{q.pk}", ""),
         "chosen": chosen.get(f"q-{q.pk}", "")} for q in section.questions.all()]}
        for section in (questionnaire.sections.prefetch_related("questions")
                        if questionnaire else [])]
    latest = surveys[0] if surveys else None
    # The latest survey's vulnerabilities, read from the questionnaire it used.
    questions = {q.pk: q for section in (latest.questionnaire.sections.prefetch_related(
        "questions") if latest else []) for q in section.questions.all()}
    return render(request, "risk/premises_surveys.html", {
        "premises": premises, "questionnaire": questionnaire, "may_survey": may_survey,
        "surveys": surveys, "latest": latest, "errors": errors, "sections": sections,
        "vulnerable": [questions[i] for i in (latest.vulnerabilities if latest else [])
                       if i in questions],
        "chart": score_chart(list(reversed(surveys))), "today": timezone.localdate()},
        status=400 if errors else 200)


def score_chart(surveys: list[PremisesSurvey]) -> dict[str, Any] | None:
    """The survey scores over time, as points of the same small SVG as compliance."""
    if len(surveys) < 2:
        return None
    first, last = surveys[0].surveyed_on, surveys[-1].surveyed_on
    span = max((last - first).days, 1)
    points = [{"x": round(30 + 500 * (s.surveyed_on - first).days / span, 1),
               "y": round(150 - 120 * s.score / 100, 1), "date": s.surveyed_on,
               "value": round(s.score)} for s in surveys]
    return {"width": 560, "height": 180, "pad": 30, "points": points,
            "path": " ".join(f"{p['x']},{p['y']}" for p in points)}
