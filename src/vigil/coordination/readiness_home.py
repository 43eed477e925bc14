"""Menu entries of mission readiness, and the home panels: the checklists in scope starting
within 60 days with their readiness (managers and readers of coordination), and each person's
own requirements still to do (whoever owns one)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.coordination import readiness_selectors as selectors
from vigil.core.authz import Perm, has_perm_anywhere
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(
    NavItem(_("Mission readiness"), "coordination:readiness_list", Perm.VIEW_COORDINATION,
            order=140, section="coordination"),
    NavItem(_("My readiness items"), "coordination:readiness_mine", Perm.VIEW_COORDINATION,
            order=141, section="coordination"),
    NavItem(_("Readiness templates"), "coordination:readiness_template_list",
            Perm.VIEW_COORDINATION, order=142, section="coordination"),
)


def _upcoming(request: HttpRequest) -> dict[str, Any] | None:
    if not has_perm_anywhere(request.user, Perm.VIEW_COORDINATION):
        return None
    checklists = selectors.upcoming(user=request.user)
    return {"checklists": checklists} if checklists else None


def _mine(request: HttpRequest) -> dict[str, Any] | None:
    items = list(selectors.my_items(user=request.user)[:8])
    return {"items": items, "today": selectors.today()} if items else None


register_panel(
    Panel("coordination.readiness_upcoming", _("Missions starting within 60 days"),
          "coordination/readiness/partials/_panel_upcoming.html", _upcoming, order=60),
    Panel("coordination.readiness_mine", _("My readiness items"),
          "coordination/readiness/partials/_panel_mine.html", _mine, order=61),
)
