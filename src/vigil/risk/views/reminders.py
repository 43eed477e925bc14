"""The reviews falling due, on one page for the DRO desk (the reminders are services)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from vigil.core.authz import Perm
from vigil.core.views_support import perm_required
from vigil.risk import selectors


@perm_required(Perm.VIEW_RISK)
def reviews_due(request: HttpRequest) -> HttpResponse:
    """One page for the DRO desk: areas whose level review is overdue (or that have no level)
    and SRAs past their review date."""
    return render(request, "risk/reviews_due.html", {
        "areas": selectors.areas_with_levels(user=request.user, overdue_only=True)
        .order_by(selectors.BY_DUE_DATE),
        "sras": selectors.sra_list(user=request.user, past_review=True).order_by("review_due"),
        "today": timezone.localdate()})
