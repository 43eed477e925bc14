"""Pages of aviation advice: the operator registry with its suitability, an operator's
assessments, the assessment form, advice requests (the aviation officer's inbox, asking,
answering) and the SP2.2.d figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from vigil.aviation import rules, selectors, services
from vigil.aviation.forms import (
    AdviceFilters,
    AdviceForm,
    AnswerForm,
    AssessmentForm,
    CloseForm,
    InboxFilters,
    OperatorFilters,
    PeriodForm,
    RegistryForm,
    SettingsForm,
    assessment_initial,
)
from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally
from vigil.core.errors import Forbidden
from vigil.core.views_support import (
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    perm_required,
    submit_form,
)

OPERATOR_COLUMNS = [
    (_("Name"), lambda o: o.name), (_("IATA"), lambda o: o.iata),
    (_("ICAO"), lambda o: o.icao),
    (_("Country"), lambda o: o.country.iso2 if o.country else ""),
    (_("Suitability"), lambda o: o.get_suitability_display()),
    (_("Valid until"), lambda o: o.suitability_valid_until),
    (_("Air operator certificate"), lambda o: o.get_aoc_state_display()),
]
ADVICE_COLUMNS = [
    (_("Reference"), lambda a: a.reference), (_("Asked at (UTC)"), lambda a: a.asked_at),
    (_("Country"), lambda a: a.country.iso2), (_("Subject"), lambda a: a.subject),
    (_("Status"), lambda a: a.get_status_display()),
    (_("Answered at (UTC)"), lambda a: a.answered_at),
    (_("Response hours"), lambda a: round(rules.response_hours(a.asked_at, a.answered_at), 1)
     if a.answered_at else ""),
]


# --- Operators and assessments -------------------------------------------------------------------

@perm_required(Perm.VIEW_REFERENCE)
def operator_list(request: HttpRequest) -> HttpResponseBase:
    filters = OperatorFilters(request.GET)
    return list_page(
        request, queryset=selectors.operator_registry(user=request.user,
                                                      **filters.selector_args()),
        template="aviation/operator_list.html",
        table_template="aviation/partials/_operator_table.html",
        sorts={"name": "name", "country": "country__iso2", "suitability": "suitability",
               "valid_until": "suitability_valid_until"},
        default_sort="name", filters=filters, columns=OPERATOR_COLUMNS,
        export_name="air-operators",
        extra={"today": timezone.localdate(),
               "may_assess": has_perm_anywhere(request.user, Perm.ASSESS_AIR_OPERATOR)})


@perm_required(Perm.VIEW_REFERENCE)
def operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator_get(user=request.user, pk=pk)
    history = list(selectors.assessment_history(user=request.user, operator=operator))
    return render(request, "aviation/operator_detail.html", {
        "operator": operator, "history": history, "today": timezone.localdate(),
        "may_assess": can(request.user, Perm.ASSESS_AIR_OPERATOR, operator),
        "may_ask": has_perm_anywhere(request.user, Perm.REQUEST_AVIATION_ADVICE)})


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator_get(user=request.user, pk=pk)
    if not can(request.user, Perm.ASSESS_AIR_OPERATOR, operator):
        raise Forbidden()
    previous = selectors.assessment_history(user=request.user, operator=operator).first()
    form = AssessmentForm(request.POST or None, initial=assessment_initial(
        selectors.aviation_settings().validity_months, previous))
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.assessment_record(
            actor=request.user, operator=operator, data=dict(form.cleaned_data)))
        if saved is not None:
            messages.success(request, _("%(name)s assessed: %(outcome)s.") % {
                "name": operator.name, "outcome": saved.get_outcome_display()})
            return redirect("aviation:operator_detail", pk=operator.pk)
    return render(request, "aviation/assessment_form.html",
                  {"form": form, "operator": operator, "previous": previous},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def operator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator_get(user=request.user, pk=pk)
    if not can(request.user, Perm.ASSESS_AIR_OPERATOR, operator):
        raise Forbidden()
    form = RegistryForm(request.POST or None, instance=fresh_copy(operator),
                        initial={"version": operator.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.operator_facts_update(
            actor=request.user, operator=operator,
            data=changed_data(form, ["aoc_state", "fleet_notes"]),
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("%(name)s saved.") % {"name": operator.name})
            return redirect("aviation:operator_detail", pk=operator.pk)
    return render(request, "aviation/operator_form.html", {"form": form, "operator": operator},
                  status=400 if request.method == "POST" else 200)


# --- Advice requests ---------------------------------------------------------------------------

def _advice_page(request: HttpRequest, queryset: Any, filters: Any, *,
                 inbox: bool) -> HttpResponseBase:
    return list_page(
        request, queryset=queryset, template="aviation/advice_list.html",
        table_template="aviation/partials/_advice_table.html",
        sorts={"asked_at": "asked_at", "status": "status", "country": "country__iso2"},
        default_sort="asked_at" if inbox else "-asked_at", filters=filters,
        columns=ADVICE_COLUMNS, export_name="aviation-advice",
        extra={"inbox": inbox, "now": timezone.now(),
               "target": selectors.aviation_settings().advice_target_hours,
               "may_ask": has_perm_anywhere(request.user, Perm.REQUEST_AVIATION_ADVICE)})


@perm_required(Perm.REQUEST_AVIATION_ADVICE, Perm.ANSWER_AVIATION_ADVICE)
def advice_list(request: HttpRequest) -> HttpResponseBase:
    filters = AdviceFilters(request.GET)
    return _advice_page(request, selectors.advice_list(
        user=request.user, **filters.selector_args()), filters, inbox=False)


@perm_required(Perm.ANSWER_AVIATION_ADVICE)
def advice_inbox(request: HttpRequest) -> HttpResponseBase:
    filters = InboxFilters(request.GET)
    return _advice_page(request, selectors.advice_inbox(
        user=request.user, **filters.selector_args()), filters, inbox=True)


@perm_required(Perm.REQUEST_AVIATION_ADVICE)
@require_http_methods(["GET", "POST"])
def advice_create(request: HttpRequest) -> HttpResponse:
    countries = selectors.countries_to_ask_for(user=request.user)
    initial: dict[str, Any] = {}
    if request.GET.get("operator"):
        found = selectors.operator_registry(user=request.user).filter(
            pk=request.GET["operator"]).first()
        if found is not None:
            initial["operator"] = found.iata or found.icao or found.name
    if countries.count() == 1:
        initial["country"] = countries.first()
    form = AdviceForm(request.POST or None, initial=initial)
    form.fields["country"].queryset = countries  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.advice_ask(
            actor=request.user, data=dict(form.cleaned_data)))
        if saved is not None:
            messages.success(request, _("Advice request %(reference)s sent.")
                             % {"reference": saved.reference})
            return redirect("aviation:advice_detail", pk=saved.pk)
    return render(request, "aviation/advice_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@perm_required(Perm.REQUEST_AVIATION_ADVICE, Perm.ANSWER_AVIATION_ADVICE)
def advice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advice = selectors.advice_get(user=request.user, pk=pk)
    may_answer = can(request.user, Perm.ANSWER_AVIATION_ADVICE, advice)
    target = selectors.aviation_settings().advice_target_hours
    now = timezone.now()
    return render(request, "aviation/advice_detail.html", {
        "advice": advice, "target": target, "now": now,
        "hours": rules.response_hours(advice.asked_at, advice.answered_at or now),
        "overdue": rules.overdue(advice.asked_at, advice.answered_at, target, now),
        "may_answer": may_answer and advice.status == rules.ADVICE_NEW,
        "may_close": advice.status != rules.ADVICE_CLOSED and (
            may_answer or advice.requester_id == request.user.pk),
        "answer_form": AnswerForm(initial={"version": advice.version}),
        "close_form": CloseForm(initial={"version": advice.version})})


@login_required
@require_http_methods(["POST"])
def advice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    advice = selectors.advice_get(user=request.user, pk=pk)
    return submit_form(request, AnswerForm(request.POST), lambda data: services.advice_answer(
        actor=request.user, advice=advice, answer=data["answer"], version=data["version"]),
        success=_("Answer sent."), back=request.path.rsplit("answer/", 1)[0])


@login_required
@require_http_methods(["POST"])
def advice_close(request: HttpRequest, pk: int) -> HttpResponse:
    advice = selectors.advice_get(user=request.user, pk=pk)
    return submit_form(request, CloseForm(request.POST), lambda data: services.advice_close(
        actor=request.user, advice=advice, note=data.get("note") or "",
        version=data["version"]),
        success=_("Request closed."), back=request.path.rsplit("close/", 1)[0])


# --- SP2.2.d and settings ----------------------------------------------------------------------

@perm_required(Perm.ANSWER_AVIATION_ADVICE, Perm.CONFIGURE_AVIATION)
def figures(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    result = selectors.advice_figures(user=request.user, start=start, end=end)
    return render(request, "aviation/figures.html", {
        "form": form, "start": start, "end": end, "figures": result,
        "share": round(result.share_on_time * 100, 1) if result.share_on_time is not None
        else None,
        "may_configure": holds_globally(request.user, Perm.CONFIGURE_AVIATION)})


@perm_required(Perm.CONFIGURE_AVIATION)
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.aviation_settings()
    form = SettingsForm(request.POST or None, instance=fresh_copy(current),
                        initial={"version": current.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.settings_update(
            actor=request.user, data=changed_data(form, ["advice_target_hours",
                                                         "validity_months"]),
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Aviation settings saved."))
            return redirect("aviation:figures")
    return render(request, "aviation/settings_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
