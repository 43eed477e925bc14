"""Menu entries and home panels of aviation advice."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.aviation import selectors
from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(
    NavItem(_("Air operators"), "aviation:operator_list", Perm.ASSESS_AIR_OPERATOR, order=120,
            section="support"),
    NavItem(_("Aviation advice inbox"), "aviation:advice_inbox", Perm.ANSWER_AVIATION_ADVICE,
            order=121, section="support"),
    NavItem(_("Aviation advice requests"), "aviation:advice_list",
            Perm.REQUEST_AVIATION_ADVICE, order=122, section="support"),
    NavItem(_("Ask for aviation advice"), "aviation:advice_create",
            Perm.REQUEST_AVIATION_ADVICE, order=123, section="support"),
    NavItem(_("Timely aviation advice (SP2.2.d)"), "aviation:figures",
            Perm.ANSWER_AVIATION_ADVICE, order=124, section="support"),
)


def _inbox(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.advice_inbox(user=request.user)[:5])
    if not rows:
        return None
    return {"rows": rows, "now": timezone.now(),
            "target": selectors.aviation_settings().advice_target_hours,
            "count": selectors.advice_inbox(user=request.user).count()}


def _due(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.operators_due(user=request.user)[:5])
    return {"rows": rows, "today": timezone.localdate()} if rows else None


register_panel(
    Panel("aviation.inbox", _("Aviation advice to give"), "aviation/partials/_panel_inbox.html",
          _inbox, roles=frozenset({Role.AVIATION_OFFICER}), order=1),
    Panel("aviation.due", _("Assessments to review"), "aviation/partials/_panel_due.html",
          _due, roles=frozenset({Role.AVIATION_OFFICER}), order=2),
)
