"""Menu entries of entry events, and the HQ security officer's home panel: the premises in
scope with today's entries, denials and unauthorized entries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role, has_perm_anywhere
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.hq import gate_selectors as selectors
from vigil.hq.models import UnauthorizedEntry

register_nav(
    NavItem(_("Premises day view"), "hq:gate_premises_list", Perm.VIEW_ACCESS, order=84,
            section="hq"),
    NavItem(_("Gate scan"), "hq:gate_scan", Perm.RECORD_ENTRY, order=85, section="hq"),
    NavItem(_("Entry events"), "hq:gate_event_list", Perm.VIEW_ACCESS, order=86, section="hq"),
    NavItem(_("Unauthorized entries"), "hq:gate_unauthorized_list", Perm.VIEW_ACCESS,
            order=87, section="hq"),
    NavItem(_("Entry statistics"), "hq:gate_statistics", Perm.VIEW_ACCESS, order=88,
            section="hq"),
    NavItem(_("Import entry events"), "hq:gate_import", Perm.IMPORT_ENTRIES, order=89,
            section="hq"),
    NavItem(_("Controller mappings"), "hq:gate_mapping_list", Perm.VIEW_ACCESS, order=90,
            section="hq"),
    NavItem(_("Unauthorized-entry rules"), "hq:gate_rules_list", Perm.CONFIGURE_ACCESS,
            order=91, section="hq"),
)


def _today(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.premises_today(user=request.user)
    if not rows:
        return None
    open_count = selectors.unauthorized_list(
        user=request.user, status=UnauthorizedEntry.Status.OPEN).count()
    return {"rows": rows, "open": open_count,
            "may_scan": has_perm_anywhere(request.user, Perm.RECORD_ENTRY)}


register_panel(
    Panel("hq.gate.today", _("HQ premises today"), "hq/gate/partials/_panel_today.html",
          _today, roles=frozenset({Role.HQ_SECURITY_OFFICER}), order=3),
)
