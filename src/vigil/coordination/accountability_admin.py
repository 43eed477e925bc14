"""The admin site's read-only pages of appointments and role requirements: every change goes
through Vigil's own pages, whose services grant and end the access and write the audit."""

from django.contrib import admin

from vigil.coordination.models import Appointment, RoleRequirement
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm


@admin.register(Appointment)
class AppointmentAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.VIEW_COORDINATION
    read_only = True
    list_display = ["function", "user", "country", "starts_on", "ends_on"]
    list_filter = ["function"]


@admin.register(RoleRequirement)
class RoleRequirementAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.VIEW_COORDINATION
    read_only = True
    list_display = ["function", "level", "minimum", "from_security_level", "active"]
