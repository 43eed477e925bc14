"""Menu entries of the accountability framework, and the home panels: the gap board of the
chief security adviser, the designated official and the DRO desk, and the appointee's own
security functions with their overdue duties."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.coordination import accountability_rules as rules
from vigil.coordination import accountability_selectors as selectors
from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(
    NavItem(_("Accountability"), "coordination:accountability_index", Perm.VIEW_COORDINATION,
            order=150, section="coordination"),
    NavItem(_("Who holds what"), "coordination:appointment_list", Perm.VIEW_COORDINATION,
            order=151, section="coordination"),
    NavItem(_("Gap board"), "coordination:gap_board", Perm.VIEW_COORDINATION, order=152,
            section="coordination"),
    NavItem(_("My security functions"), "coordination:my_functions", Perm.VIEW_COORDINATION,
            order=153, section="coordination"),
    NavItem(_("Role requirements"), "coordination:requirement_list",
            Perm.CONFIGURE_COORDINATION, order=159, section="coordination"),
)


def _gaps(request: HttpRequest) -> dict[str, Any] | None:
    found = selectors.gaps(user=request.user)
    return {"gaps": found[:8], "total": len(found)} if found else None


def _mine(request: HttpRequest) -> dict[str, Any] | None:
    functions = selectors.my_functions(user=request.user)
    return {"functions": functions, "today": timezone.localdate()} if functions else None


register_panel(
    Panel("coordination.gaps", _("Role gaps"), "coordination/accountability/partials/"
          "_panel_gaps.html", _gaps, roles=frozenset({
              Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL, Role.DRO_DESK_OFFICER}),
          order=45),
    Panel("coordination.my_functions", _("My security functions"),
          "coordination/accountability/partials/_panel_mine.html", _mine,
          roles=frozenset(rules.FUNCTION_ROLE.values()), order=44),
)
