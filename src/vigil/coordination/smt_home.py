"""Menu entries of security management teams, and the home panels: the teams of the chief
security adviser, the designated official and the SMT members, with their late flags, each
linking to the team page; and the action points a person owns, whatever their role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.coordination import smt_selectors as selectors
from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(
    NavItem(_("Security management teams"), "coordination:smt_list", Perm.VIEW_COORDINATION,
            order=210, section="coordination"),
    NavItem(_("SMT action points"), "coordination:smt_action_list", Perm.VIEW_COORDINATION,
            order=211, section="coordination"),
    NavItem(_("Joint plans"), "coordination:smt_plan_list", Perm.VIEW_COORDINATION,
            order=212, section="coordination"),
    NavItem(_("SMT decisions register"), "coordination:smt_decision_list",
            Perm.VIEW_COORDINATION, order=213, section="coordination"),
    NavItem(_("SMT meeting intervals"), "coordination:smt_settings", Perm.VIEW_COORDINATION,
            order=214, section="coordination"),
)


def _teams(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.my_teams(user=request.user)
    return {"teams": rows} if rows else None


def _mine(request: HttpRequest) -> dict[str, Any] | None:
    actions = list(selectors.action_list(user=request.user, mine=True,
                                         status="open").order_by("due_on", "pk")[:8])
    return {"actions": actions, "today": timezone.localdate()} if actions else None


register_panel(
    Panel("coordination.smt_teams", _("Security management teams"),
          "coordination/smt/partials/_panel_teams.html", _teams,
          roles=frozenset({Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL, Role.SMT_MEMBER}),
          order=40),
    Panel("coordination.smt_mine", _("My SMT action points"),
          "coordination/smt/partials/_panel_mine.html", _mine, order=41),
)
