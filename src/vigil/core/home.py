"""Core's menu entries and home panels: the administrator's queue and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core import selectors
from vigil.core.authz import Perm, Role, holds_globally
from vigil.core.models import RoleGrant
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(NavItem(_("Users and roles"), "admin:index", Perm.MANAGE_GRANTS, order=89,
                     global_only=True, section="admin"))
register_nav(NavItem(_("Audit log"), "core:audit_log", Perm.VIEW_AUDIT, order=90,
                     global_only=True, section="admin"))


def _admin_queue(request: HttpRequest) -> dict[str, Any] | None:
    if not holds_globally(request.user, Perm.MANAGE_GRANTS):
        return None
    users = get_user_model().objects.filter(is_active=True)
    holding = RoleGrant.objects.in_force().values("user_id")
    without_role = users.exclude(pk__in=holding).order_by("username")
    return {
        "without_role": list(without_role[:5]),
        "without_role_count": without_role.count(),
        "recent": list(selectors.audit_event_list(user=request.user)[:8]),
        "sensitive_reads": selectors.audit_event_list(user=request.user, sensitive=True).count(),
    }


register_panel(Panel("core.admin", _("Administration"), "core/partials/_panel_admin.html",
                     _admin_queue, roles=frozenset({Role.ADMINISTRATOR}), order=5))
