"""Menu entries and home panels of HQ access control."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.hq import access_selectors as selectors

register_nav(
    NavItem(_("Access control"), "hq:access_premises_list", Perm.VIEW_ACCESS, order=80,
            section="hq"),
    NavItem(_("Passes"), "hq:access_pass_list", Perm.VIEW_ACCESS, order=81, section="hq"),
    NavItem(_("Pass holders"), "hq:access_holder_list", Perm.VIEW_ACCESS, order=82,
            section="hq"),
    NavItem(_("Visits"), "hq:access_visit_list", Perm.VIEW_ACCESS, order=83, section="hq"),
    NavItem(_("Meetings and events"), "hq:access_meeting_list", Perm.VIEW_ACCESS, order=84,
            section="hq"),
    NavItem(_("My visitors"), "hq:access_my_visitors", Perm.HOST_VISITOR, order=85,
            section="hq"),
)


def _access_queue(request: HttpRequest) -> dict[str, Any] | None:
    premises = list(selectors.access_premises_list(user=request.user)[:6])
    expiring = list(selectors.passes_expiring(user=request.user, days=7)[:8])
    expected = selectors.visits_today_count(user=request.user)
    if not premises and not expiring and not expected:
        return None
    return {"premises": premises, "expiring": expiring, "expected": expected}


def _my_visitors(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.my_visits(user=request.user, upcoming=True)[:5])
    return {"rows": rows} if rows else None


register_panel(
    Panel("hq.access", _("Access control"), "hq/access/partials/_panel_access.html",
          _access_queue, roles=frozenset({Role.HQ_SECURITY_OFFICER}), order=3),
    Panel("hq.my_visitors", _("My visitors"), "hq/access/partials/_panel_my_visitors.html",
          _my_visitors, roles=frozenset({Role.TRAVELLER}), order=4),
)
