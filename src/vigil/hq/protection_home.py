"""Menu entries and home panels of protective services: the coordinator's queue, and for the
people of a principal's office, their principal's coming cases. Each panel shown is an audited
read of the cases it names."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.hq import protection_selectors as selectors

register_nav(
    NavItem(_("Protection cases"), "hq:protection_case_list", Perm.VIEW_PROTECTION, order=86,
            section="hq"),
    NavItem(_("Principals"), "hq:protection_principal_list", Perm.VIEW_PROTECTION, order=87,
            section="hq"),
)


def _queue(request: HttpRequest) -> dict[str, Any] | None:
    found = selectors.queue(user=request.user)
    shown = {c.pk: c for rows in found.values() for c in rows}
    if shown:
        selectors.audit_case_list(user=request.user, cases=list(shown.values()), query="",
                                  where="home")
    return {**found, "days": selectors.HOME_DAYS}


def _office(request: HttpRequest) -> dict[str, Any] | None:
    cases = selectors.office_cases(user=request.user)
    if not cases:
        return None
    selectors.audit_case_list(user=request.user, cases=cases, query="", where="home-office")
    return {"cases": cases}


register_panel(
    Panel("hq.protection", _("Protection cases"), "hq/protection/partials/_panel_queue.html",
          _queue, roles=frozenset({Role.PROTECTION_COORDINATOR}), order=30),
    Panel("hq.protection_office", _("Your principal's protection cases"),
          "hq/protection/partials/_panel_office.html", _office, order=31),
)
