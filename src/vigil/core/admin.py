"""The Django admin, for global administrators. It asks Vigil's own authorization (not Django's
model permissions), and writes through the core services, so that every change is checked and
audited like any other."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from vigil.core import services
from vigil.core.authz import Perm, holds_globally
from vigil.core.models import AuditEvent, RoleGrant


class VigilAdminMixin:
    """Every admin permission is one Vigil permission, held globally."""

    vigil_perm: Perm = Perm.MANAGE_GRANTS
    read_only = False

    def _allowed(self, request: HttpRequest) -> bool:
        return holds_globally(request.user, self.vigil_perm)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request) and not self.read_only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and not self.read_only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and not self.read_only


@admin.register(RoleGrant)
class RoleGrantAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role", "scope_kind", "scope_id", "expires_at", "granted_by"]
    list_filter = ["role", "scope_kind"]
    search_fields = ["user__username"]
    fields = ["user", "role", "scope_kind", "scope_id", "expires_at", "note"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a grant is revoked and granted anew, never edited

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        saved = services.role_grant_create(
            actor=request.user, user=obj.user, role=obj.role, scope_kind=obj.scope_kind,
            scope_id=obj.scope_id, expires_at=obj.expires_at, note=obj.note)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        services.role_grant_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for grant in queryset:
            services.role_grant_revoke(actor=request.user, grant=grant)


@admin.register(AuditEvent)
class AuditEventAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.VIEW_AUDIT
    read_only = True
    list_display = ["seq", "at", "actor_label", "action", "object_repr", "sensitive_read"]
    list_filter = ["sensitive_read"]
    search_fields = ["action", "actor_label", "object_repr"]


class VigilUserAdmin(VigilAdminMixin, UserAdmin):  # type: ignore[type-arg]
    """Sign-ins. Roles are granted under "role grants"; Django's groups and model permissions
    are not used by Vigil, so they are not offered here."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    list_filter = ["is_active", "is_staff"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.user_save(actor=request.user, user=obj,
                           changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        # People are deactivated, never deleted: the audit log and records point at them.
        obj.is_active = False
        services.user_save(actor=request.user, user=obj, changed=["is_active"])

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(get_user_model())
admin.site.unregister(Group)
# API tokens are issued and rotated with `vigil api_token`, which audits it; never shown here.
admin.site.unregister(TokenProxy)
admin.site.register(get_user_model(), VigilUserAdmin)
