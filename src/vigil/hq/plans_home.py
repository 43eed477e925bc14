"""Menu entries of emergency plans and drills, and the home queues: plans due for review and
open corrective actions (HQ security officer), plans awaiting approval (designated official)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.hq import plans_selectors as selectors

register_nav(
    NavItem(_("Emergency plans: status"), "hq:plan_board", Perm.VIEW_EMERGENCY_PLANS, order=90,
            section="hq"),
    NavItem(_("Emergency plans"), "hq:plan_list", Perm.VIEW_EMERGENCY_PLANS, order=91,
            section="hq"),
    NavItem(_("Drills and exercises"), "hq:drill_list", Perm.VIEW_EMERGENCY_PLANS, order=92,
            section="hq"),
    NavItem(_("Corrective actions"), "hq:drill_action_list", Perm.VIEW_EMERGENCY_PLANS,
            order=93, section="hq"),
)


def _officer(request: HttpRequest) -> dict[str, Any] | None:
    due = selectors.plans_due_for_review(user=request.user)[:8]
    actions = list(selectors.open_actions(user=request.user)[:8])
    if not due and not actions:
        return None
    return {"due": due, "actions": actions, "today": timezone.localdate()}


def _approver(request: HttpRequest) -> dict[str, Any] | None:
    plans = list(selectors.plans_awaiting_approval(user=request.user)[:8])
    return {"plans": plans} if plans else None


register_panel(
    Panel("hq.plans_due", _("Emergency plans and corrective actions"),
          "hq/plans/partials/_panel_officer.html", _officer,
          roles=frozenset({Role.HQ_SECURITY_OFFICER}), order=31),
    Panel("hq.plans_to_approve", _("Emergency plans to approve"),
          "hq/plans/partials/_panel_approver.html", _approver,
          roles=frozenset({Role.DESIGNATED_OFFICIAL}), order=31),
)
