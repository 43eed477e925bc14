"""Crisis settings, webhooks and CAP feeds in the admin site, for global holders of
crisis.configure; every change audited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from vigil.core import audit
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.crisis.models import CapFeed, CrisisSettings, WebhookEndpoint


class _Audited(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_CRISIS
    action_name = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj)
        for secret in ("secret",):
            for side in (before, after):
                if secret in side:
                    side[secret] = "…"
        audit.record(actor=request.user, obj=obj, changes=audit.diff(before, after),
                     action=f"{self.action_name}.{'update' if change else 'create'}")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, obj=obj, action=f"{self.action_name}.delete")
        super().delete_model(request, obj)


@admin.register(CrisisSettings)
class CrisisSettingsAdmin(_Audited):
    action_name = "crisis.settings"
    fields = ["reminder_minutes", "link_hours", "checkin_level", "checkin_hours",
              "checkin_grace_minutes", "max_attempts", "retry_base_seconds", "lease_seconds",
              "timely_activation_hours"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        CrisisSettings.load()
        return redirect(reverse("admin:crisis_crisissettings_change", args=[1]))


@admin.register(WebhookEndpoint)
class WebhookAdmin(_Audited):
    action_name = "crisis.webhook"
    list_display = ["name", "url", "active"]
    fields = ["name", "url", "secret", "active"]


@admin.register(CapFeed)
class CapFeedAdmin(_Audited):
    action_name = "crisis.cap_feed"
    list_display = ["name", "url", "country", "active", "last_polled_at", "last_error"]
    fields = ["name", "url", "country", "active"]
