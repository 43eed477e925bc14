"""Menu entries and home panels of stress support: the counsellor's queue (their open cases
and the proposals waiting in their scope) and, for anyone, their own support."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.wellbeing import selectors

register_nav(
    NavItem(_("Counselling cases"), "wellbeing:case_list", Perm.COUNSEL, order=120,
            section="support"),
    NavItem(_("Stress support counts"), "wellbeing:counts", Perm.VIEW_WELLBEING_COUNTS,
            order=121, section="support"),
    NavItem(_("Stress briefings"), "wellbeing:briefing_list", Perm.COUNSEL, order=122,
            section="support"),
    NavItem(_("Counsellors"), "wellbeing:counsellor_list", Perm.MANAGE_COUNSELLING, order=123,
            section="support"),
    NavItem(_("My support"), "wellbeing:my_cases", Perm.REQUEST_SUPPORT, order=124,
            section="support"),
)


def _queue(request: HttpRequest) -> dict[str, Any] | None:
    open_cases = list(selectors.counsellor_cases(user=request.user, status="open")[:10])
    waiting = selectors.to_pick_up(user=request.user).count()
    if open_cases:
        selectors.audit_list(user=request.user, query="", rows=len(open_cases), where="home")
    return {"cases": open_cases, "waiting": waiting}


def _mine(request: HttpRequest) -> dict[str, Any] | None:
    cases = [c for c in selectors.my_cases(user=request.user)
             if c.status in {"proposed", "open"}]
    if not cases:
        return None
    selectors.audit_list(user=request.user, query="", rows=len(cases), where="home-mine")
    return {"cases": cases}


register_panel(
    Panel("wellbeing.queue", _("Counselling"), "wellbeing/partials/_panel_queue.html", _queue,
          roles=frozenset({Role.COUNSELLOR}), order=40),
    Panel("wellbeing.mine", _("Support offered to you"), "wellbeing/partials/_panel_mine.html",
          _mine, order=41),
)
