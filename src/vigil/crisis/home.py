"""Menu entries and home panels of crisis management."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.crisis import selectors
from vigil.crisis.models import Crisis

register_nav(
    NavItem(_("Crises"), "crisis:crisis_list", Perm.VIEW_CRISIS, order=74, section="crisis"),
    NavItem(_("Declare a crisis"), "crisis:crisis_create", Perm.DECLARE_CRISIS, order=75,
            section="crisis"),
    NavItem(_("Messages"), "crisis:broadcast_list", Perm.MANAGE_CRISIS, order=76,
            section="crisis"),
    NavItem(_("Scheduled check-ins"), "crisis:checkin_list", Perm.CHECK_IN, order=76,
            section="crisis"),
    NavItem(_("CAP alerts received"), "crisis:cap_alert_list", Perm.IMPORT_CAP, order=77,
            section="crisis"),
    NavItem(_("Crisis settings"), "admin:crisis_crisissettings_changelist",
            Perm.CONFIGURE_CRISIS, order=97, global_only=True, section="admin"),
)


def _active(request: HttpRequest) -> dict[str, Any] | None:
    crises = list(selectors.crisis_list(user=request.user, status=Crisis.Status.ACTIVE)
                  .order_by("-activated_at")[:5])
    if not crises:
        return None
    return {"crises": crises}


def _my_checkins(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.own_checkins(user=request.user)[:3])
    return {"rows": rows} if rows else None


register_panel(
    Panel("crisis.active", _("Active crises"), "crisis/partials/_panel_active.html", _active,
          roles=frozenset({Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL, Role.WARDEN,
                           Role.DRO_DESK_OFFICER, Role.ADMINISTRATOR}), order=2),
    Panel("crisis.my_checkins", _("Check in"), "crisis/partials/_panel_checkins.html",
          _my_checkins, roles=frozenset({Role.TRAVELLER}), order=1),
)
