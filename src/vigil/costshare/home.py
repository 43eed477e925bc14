"""Menu entries and the budget officer's home panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.costshare import selectors

register_nav(
    NavItem(_("Cost-sharing"), "costshare:biennium_list", Perm.VIEW_COSTSHARE, order=140,
            section="support"),
    NavItem(_("Compare bienniums"), "costshare:compare", Perm.VIEW_COSTSHARE, order=141,
            section="support"),
)


def _queue(request: HttpRequest) -> dict[str, Any] | None:
    work = selectors.costshare_queue(user=request.user)
    return work if work["items"] else None


register_panel(Panel(key="costshare", title=_("Cost-sharing"),
                     template="costshare/partials/_panel.html", build=_queue,
                     roles=frozenset({Role.BUDGET_OFFICER, Role.PROGRAMME_MANAGER}), order=60))
