"""Menu entries of safety claims, and the HQ security officer's queue of claims to review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.hq import safety_selectors as selectors

register_nav(
    NavItem(_("Safety claims"), "hq:claim_list", Perm.VIEW_CLAIMS, order=86, section="hq"),
    NavItem(_("Claim statistics"), "hq:claim_statistics", Perm.VIEW_CLAIMS, order=87,
            section="hq"),
    NavItem(_("Record a claim"), "hq:claim_create", Perm.MANAGE_CLAIMS, order=88,
            section="hq"),
)


def _to_review(request: HttpRequest) -> dict[str, Any] | None:
    queue = selectors.claims_to_review(user=request.user)
    count = queue.count()
    if not count:
        return None
    return {"count": count, "claims": list(queue[:8]),
            "more": reverse("hq:claim_list") + "?status=received"}


register_panel(Panel("hq.claims_to_review", _("Safety claims to review"),
                     "hq/safety/partials/_panel_claims.html", _to_review,
                     roles=frozenset({Role.HQ_SECURITY_OFFICER}), order=30))


def _own(request: HttpRequest) -> dict[str, Any] | None:
    claims = list(selectors.own_claims(user=request.user)[:5])
    return {"claims": claims} if claims else None


register_nav(NavItem(_("File a safety claim"), "hq:claim_file", Perm.FILE_CLAIM, order=89,
                     section="hq"))
register_panel(Panel("hq.my_claims", _("My safety claims"), "hq/safety/partials/_panel_own.html",
                     _own, roles=frozenset({Role.TRAVELLER}), order=40))
