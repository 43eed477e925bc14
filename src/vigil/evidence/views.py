"""Pages of the evidence-based likelihood proposals: the areas in the viewer's scope with
the proposal per threat category, one area's (or country's) proposals with their evidence
beside the officers' ratings, and the method's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import Forbidden
from vigil.core.views_support import PAGE_SIZE, apply_service, perm_required
from vigil.evidence import rules, selectors, services
from vigil.evidence.forms import EvidenceFilters, SettingsForm
from vigil.risk import selectors as risk_selectors
from vigil.risk.models import LIKELIHOOD_LABELS, THREAT_LABELS

CONFIDENCE_LABELS = {"high": _lazy("high confidence"), "medium": _lazy("medium confidence"),
                     "low": _lazy("low confidence")}
# One badge tone per step: the word and the step's number always inside.
LIKELIHOOD_TONES = dict(zip(rules.LIKELIHOODS, ("ok", "ok", "info", "warn", "bad"),
                            strict=True))
EVIDENCE_ROWS = 10


def step_view(likelihood: str) -> dict[str, Any]:
    return {"key": likelihood, "number": rules.LIKELIHOODS.index(likelihood) + 1,
            "label": LIKELIHOOD_LABELS[likelihood], "tone": LIKELIHOOD_TONES[likelihood]}


def proposal_view(proposal: rules.Proposal) -> dict[str, Any]:
    return {"step": step_view(proposal.likelihood), "expected": proposal.expected,
            "chance": round(proposal.chance * 100), "confidence": round(proposal.confidence * 100),
            "confidence_label": CONFIDENCE_LABELS[proposal.confidence_label],
            "prior_rate": proposal.prior_rate, "weighted_count": proposal.weighted_count,
            "incidents": proposal.incidents}


# --- The index --------------------------------------------------------------------------------

@perm_required(Perm.VIEW_RISK)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    countries = list(selectors.countries_in_scope(user=request.user))
    filters = EvidenceFilters(request.GET or None, countries=countries)
    areas = selectors.areas_in_scope(user=request.user, country=filters.country_code())
    page = Paginator(areas, PAGE_SIZE).get_page(request.GET.get("page"))
    day = timezone.localdate()
    rows = [{"area": row.area, "context": row.context,
             "cells": [{"category": c, **proposal_view(row.proposals[c]),
                        "url": reverse("evidence:area", args=[row.area.pk]) + f"#{c}"}
                       for c in rules.THREAT_CATEGORIES]}
            for row in selectors.area_rows(list(page.object_list), day)]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "rows": rows, "filters": filters, "query": query.urlencode(),
               "categories": [THREAT_LABELS[c] for c in rules.THREAT_CATEGORIES], "day": day,
               "table_template": "evidence/partials/_area_table.html"}
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, "evidence/partials/_area_table.html", context)
    return render(request, "evidence/index.html", context)


# --- One place --------------------------------------------------------------------------------

def _evidence_row(evidence: selectors.Evidence, may_open: bool) -> dict[str, Any]:
    row = evidence.row
    weighted = evidence.weighted
    kind = row["subcategory__name"] or row["category__name"]
    where = ", ".join(p for p in (row["place"] or row["security_area__name"] or "",
                                  row["country__name"] or "") if p)
    return {"id": evidence.incident_id, "may_open": may_open, "date": evidence.occurred_on,
            "approximate": row["date_approximate"], "where": where, "kind": kind,
            "neighbour": evidence.neighbour, "decay": weighted.decay,
            "severity": weighted.severity, "place_factor": weighted.place,
            "weight": weighted.weight}


def _sections(request: HttpRequest, place: selectors.PlaceProposals,
              ratings: list[selectors.Rating]) -> list[dict[str, Any]]:
    tables = selectors.evidence_tables(request.user, place, EVIDENCE_ROWS)
    sections = []
    for category in rules.THREAT_CATEGORIES:
        proposal = place.proposals[category]
        table = tables[category]
        rated = [{"rating": r, "step": step_view(r.likelihood),
                  "apart": rules.steps_apart(r.likelihood, proposal.likelihood),
                  "steps": abs(rules.steps_apart(r.likelihood, proposal.likelihood))}
                 for r in ratings if r.category == category]
        sections.append({
            "key": category, "label": THREAT_LABELS[category], **proposal_view(proposal),
            "rows": [_evidence_row(e, may) for e, may in table.shown],
            "hidden_count": table.hidden_count, "hidden_weight": table.hidden_weight,
            "beyond_count": table.beyond_count, "beyond_weight": table.beyond_weight,
            "ratings": rated})
    return sections


def _place_page(request: HttpRequest, place: selectors.PlaceProposals,
                ratings: list[selectors.Rating]) -> HttpResponse:
    params = place.settings.params
    return render(request, "evidence/area.html", {
        "place": place, "area": place.area, "country": place.country,
        "sections": _sections(request, place, ratings), "params": params,
        "context_level": place.context.level,
        "advisory_as_level": rules.ADVISORY_AS_LEVEL.get(place.context.advisory_level or 0),
        "prior_rate": rules.prior_rate(place.context.level, params),
        "record_years": place.record_years,
        "summary": [{"label": THREAT_LABELS[c], "key": c,
                     **proposal_view(place.proposals[c])} for c in rules.THREAT_CATEGORIES]})


@perm_required(Perm.VIEW_RISK)
@require_GET
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = risk_selectors.area_get(user=request.user, pk=pk)
    place = selectors.area_proposals(area, timezone.localdate())
    return _place_page(request, place, selectors.ratings_of(user=request.user, area=area))


@perm_required(Perm.VIEW_RISK)
@require_GET
def country_detail(request: HttpRequest, iso2: str) -> HttpResponse:
    country = selectors.country_get(user=request.user, iso2=iso2)
    return _place_page(request, selectors.country_proposals(country, timezone.localdate()), [])


# --- Settings ---------------------------------------------------------------------------------

@perm_required(Perm.VIEW_RISK)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """Everyone who reads risk sees the parameters; a global administrator of risk sets them
    (the service checks that right again)."""
    row = selectors.settings_row()
    may_edit = holds_globally(request.user, Perm.CONFIGURE_RISK)
    if request.method == "POST" and not may_edit:
        raise Forbidden()
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_of(row))
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.settings_update(
            actor=request.user, data=form.data_for_service(),
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Evidence settings saved (version %(v)d).")
                             % {"v": saved.version})
            return redirect("evidence:settings")
    params = row.params
    return render(request, "evidence/settings.html", {
        "row": row, "form": form, "may_edit": may_edit, "params": params,
        "steps": [{"step": step_view(s), "from": round(lo * 100),
                   "to": round(hi * 100) if hi else 100}
                  for s, lo, hi in zip(rules.LIKELIHOODS, (0.0, *params.step_bounds),
                                       (*params.step_bounds, 0.0), strict=True)],
        "priors": list(enumerate(params.level_prior, start=1))})
