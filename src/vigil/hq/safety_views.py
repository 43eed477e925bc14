"""Pages of safety claims: the list (and its export), the statistics, a claim with its history
and its moves, the officer's record of a claim, and a staff member's own filing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import NotFound
from vigil.core.views_support import EditPage, apply_service, list_page, perm_required, submit_form
from vigil.hq import safety_rules as rules
from vigil.hq import safety_selectors as selectors
from vigil.hq import safety_services as services
from vigil.hq.safety_forms import (
    ClaimFileForm,
    ClaimFilters,
    ClaimForm,
    ClaimMoveForm,
    ClaimStatisticsForm,
)

MOVE_BUTTONS = {"review": _lazy("Start the review"), "settle": _lazy("Settle"),
                "reject": _lazy("Reject"), "withdraw": _lazy("Withdraw"),
                "reopen": _lazy("Reopen")}


@perm_required(Perm.VIEW_CLAIMS, Perm.FILE_CLAIM)
def claim_list(request: HttpRequest) -> HttpResponseBase:
    filters = ClaimFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.claim_list(user=request.user, **filters.selector_args()),
        template="hq/safety/claim_list.html",
        table_template="hq/safety/partials/_claim_table.html",
        sorts={"received": "received_on", "premises": "premises__name", "status": "status",
               "claimed": "amount_claimed"},
        default_sort="-received", filters=filters,
        columns=[(_lazy("Reference"), lambda c: c.reference),
                 (_lazy("Received on"), lambda c: c.received_on),
                 (_lazy("Occurred at (UTC)"), lambda c: c.occurred_at),
                 (_lazy("Duty station"), lambda c: c.premises.duty_station.name),
                 (_lazy("Premises"), lambda c: c.premises.name),
                 (_lazy("Kind"), lambda c: c.get_kind_display()),
                 (_lazy("Claimant type"), lambda c: c.get_claimant_kind_display()),
                 (_lazy("Status"), lambda c: c.get_status_display()),
                 (_lazy("Currency"), lambda c: c.currency),
                 (_lazy("Amount claimed"), lambda c: c.amount_claimed),
                 (_lazy("Amount settled"), lambda c: c.amount_settled),
                 (_lazy("Decided on"), lambda c: c.decided_on),
                 (_lazy("Linked incident"), lambda c: c.incident.reference
                  if c.incident else "")],
        export_name="safety-claims",
        extra={"may_record": has_perm_anywhere(request.user, Perm.MANAGE_CLAIMS),
               "may_file": has_perm_anywhere(request.user, Perm.FILE_CLAIM),
               "may_count": has_perm_anywhere(request.user, Perm.VIEW_CLAIMS)})


@perm_required(Perm.VIEW_CLAIMS)
def claim_statistics(request: HttpRequest) -> HttpResponse:
    form = ClaimStatisticsForm(request.GET or None, user=request.user)
    qs = selectors.claim_list(user=request.user, **form.selector_args())
    stats = selectors.claim_statistics(qs, period=form.counted_by())
    peak = max([r["count"] for r in stats["rows"]] or [1])
    for index, row in enumerate(stats["rows"]):  # a bar chart, drawn on the server
        row["bar"] = round(100 * row["count"] / peak)
        row["x"], row["y"] = index * 10 + 1, 100 - row["bar"]
    return render(request, "hq/safety/claim_statistics.html", {
        "filters": form, "stats": stats, "chart_width": max(10 * len(stats["rows"]), 10),
        "query": request.GET.urlencode()})


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(user=request.user, pk=pk)
    moves = [{"action": action, "label": MOVE_BUTTONS[action],
              "needs_amount": action == "settle",
              "needs_note": action in {"reject", "reopen"}}
             for action in rules.allowed_actions(rules.CLAIM_TRANSITIONS, claim.status)
             if services.may_move(request.user, claim, action)]
    return render(request, "hq/safety/claim_detail.html", {
        "claim": claim, "claimant": selectors.claimant_details(user=request.user, claim=claim),
        "history": selectors.claim_history(claim=claim), "moves": moves,
        "may_edit": can(request.user, Perm.MANAGE_CLAIMS, claim)
        and claim.status in rules.EDITABLE_STATES,
        "move_form": ClaimMoveForm(initial={"version": claim.version}),
        "incident_visible": claim.incident_id is not None and selectors.linkable_incidents(
            user=request.user).filter(pk=claim.incident_id).exists()})


claim_edit = EditPage(
    form_class=ClaimForm, perm=Perm.MANAGE_CLAIMS, template="hq/safety/claim_form.html",
    context_name="claim", detail_url="hq:claim_detail",
    saved_message=_lazy("Claim %(name)s saved."), get=selectors.claim_get,
    create=services.claim_record, update=services.claim_update,
).view(form_kwargs=lambda request: {"user": request.user})


@perm_required(Perm.FILE_CLAIM)
@require_http_methods(["GET", "POST"])
def claim_file(request: HttpRequest) -> HttpResponse:
    form = ClaimFileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.FILE_FIELDS}
        saved = apply_service(form, lambda: services.claim_file(actor=request.user, data=data))
        if saved is not None:
            messages.success(request, _("Your claim %(ref)s is filed. The HQ security "
                                        "officer will review it.") % {"ref": saved.reference})
            return redirect("hq:claim_detail", pk=saved.pk)
    return render(request, "hq/safety/claim_file.html", {"form": form})


@login_required
@require_POST
def claim_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = selectors.claim_get(user=request.user, pk=pk)
    if action not in rules.CLAIM_TRANSITIONS:
        raise NotFound()

    def move(data: dict[str, Any]) -> Any:
        return services.claim_transition(actor=request.user, claim=claim, action=action,
                                         version=data["version"], note=data["note"] or "",
                                         amount_settled=data["amount_settled"])

    return submit_form(request, ClaimMoveForm(request.POST), move,
                       back=reverse("hq:claim_detail", args=[claim.pk]),
                       success=lambda c: _("Claim %(ref)s: %(status)s.") % {
                           "ref": c.reference, "status": c.get_status_display()})
