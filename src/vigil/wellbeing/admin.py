"""The roster in the admin site, read-mostly. Cases, contacts and sessions are not registered,
on purpose: only the assigned counsellor and the person concerned may read a case, and the
admin site can keep neither rule nor the audit of each read."""

from __future__ import annotations

from django.contrib import admin

from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.wellbeing.models import Briefing, Counsellor


class _ReadOnly(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read only: writes go through the services (their checks and their audit)."""

    vigil_perm = Perm.MANAGE_COUNSELLING
    read_only = True


@admin.register(Counsellor)
class CounsellorAdmin(_ReadOnly):
    list_display = ("name", "organization_name", "affiliation", "training_status", "active")
    list_filter = ("affiliation", "training_status", "active")
    search_fields = ("name", "organization_name")
    readonly_fields = ("version",)


@admin.register(Briefing)
class BriefingAdmin(_ReadOnly):
    list_display = ("held_on", "duty_station", "audience", "participants", "topic")
    list_filter = ("audience",)
    readonly_fields = ("version",)
