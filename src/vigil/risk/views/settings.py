"""The risk matrix and the level thresholds, for global administrators to change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import Forbidden
from vigil.core.views_support import apply_service
from vigil.risk import selectors, services
from vigil.risk.forms import MatrixForm
from vigil.risk.models import IMPACT_LABELS, RISK_LEVEL_LABELS


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
