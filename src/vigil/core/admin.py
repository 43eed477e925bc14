"""The Django admin for administrators. Role grants are written through the core services,
so they are checked and audited like every other write."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vigil.core import services
from vigil.core.models import AuditEvent, RoleGrant


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role", "scope_kind", "scope_id", "expires_at", "granted_by"]
    list_filter = ["role", "scope_kind"]
    search_fields = ["user__username"]
    fields = ["user", "role", "scope_kind", "scope_id", "expires_at", "note"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a grant is revoked and granted anew, never edited

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        saved = services.role_grant_create(
            actor=request.user, user=obj.user, role=obj.role, scope_kind=obj.scope_kind,  # type: ignore[arg-type]
            scope_id=obj.scope_id, expires_at=obj.expires_at, note=obj.note)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        services.role_grant_revoke(actor=request.user, grant=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for grant in queryset:
            services.role_grant_revoke(actor=request.user, grant=grant)  # type: ignore[arg-type]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["seq", "at", "actor_label", "action", "object_repr", "sensitive_read"]
    list_filter = ["sensitive_read"]
    search_fields = ["action", "actor_label", "object_repr"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
