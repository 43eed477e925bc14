"""The Django admin, for global administrators. It asks Vigil's own authorization (not Django's
model permissions), and writes through the core services, so that every change is checked and
audited like any other."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from vigil.core import context, services
from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import ValidationFailed
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


class RoleGrantForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "scope_kind", "scope_id", "expires_at", "note"]

    def clean(self) -> dict[str, Any]:
        # Said here too, beside the form, so the input is kept; the service decides anyway.
        data = super().clean() or {}
        if data.get("user") and RoleGrant.objects.in_force().filter(
                user=data["user"], role=data.get("role"), scope_kind=data.get("scope_kind"),
                scope_id=data.get("scope_id")).exists():
            raise forms.ValidationError(_("This user already holds this role in this scope."))
        return data

    def _get_validation_exclusions(self) -> set[str]:
        # Leaving "user" out of the model's own checks skips the two uniqueness constraints
        # (both name it): the service decides, refusing a grant in force and renewing an
        # expired one. The scope check constraint does not name "user" and still runs.
        return {*super()._get_validation_exclusions(), "user"}


@admin.register(RoleGrant)
class RoleGrantAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = RoleGrantForm
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

    def add_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().add_view(request, *args, **kwargs)
        except ValidationFailed as exc:
            for error in exc.errors:
                messages.error(request, str(error))
            return redirect(request.get_full_path())

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


class AdminPasswordForm(auth_forms.AdminPasswordChangeForm):  # type: ignore[type-arg]
    """An administrator sets someone's password: through the audited service. Django's admin
    builds this form without the request, so the actor comes from the request context.
    Vigil has no password-less sign-in, so the "disable password" choice is not offered."""

    usable_password = None

    def save(self, commit: bool = True) -> Any:
        return services.user_password_set(actor=context.request_user(), user=self.user,
                                          password=self.cleaned_data["password1"])


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

    change_password_form = AdminPasswordForm

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are deactivated (the "active" box), never deleted: records point at them.
        return False


admin.site.unregister(get_user_model())
admin.site.unregister(Group)
# API tokens are issued and rotated with `vigil api_token`, which audits it; never shown here.
admin.site.unregister(TokenProxy)
admin.site.register(get_user_model(), VigilUserAdmin)
