"""The admin site's read-only pages of security management teams: the records are kept by
Vigil's own pages and services (audited), so the admin site only shows them."""

from __future__ import annotations

from django.contrib import admin

from vigil.coordination.models import (
    ActionPoint,
    JointPlan,
    Meeting,
    SecurityManagementTeam,
)
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm


class _ReadOnly(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_COORDINATION
    read_only = True


@admin.register(SecurityManagementTeam)
class SecurityManagementTeamAdmin(_ReadOnly):
    list_display = ["name", "country", "security_area", "established_on", "active"]
    list_filter = ["active"]
    search_fields = ["name", "country__name"]


@admin.register(Meeting)
class MeetingAdmin(_ReadOnly):
    list_display = ["team", "held_on", "kind", "status"]
    list_filter = ["status", "kind"]
    date_hierarchy = "held_on"


@admin.register(ActionPoint)
class ActionPointAdmin(_ReadOnly):
    list_display = ["text", "team", "owner", "due_on", "status"]
    list_filter = ["status"]


@admin.register(JointPlan)
class JointPlanAdmin(_ReadOnly):
    list_display = ["title", "team", "kind", "status"]
    list_filter = ["status", "kind"]
