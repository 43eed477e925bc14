"""Travel settings in the admin site: one row of thresholds, for global holders of
travel.configure; every change audited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from vigil.core import audit
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.travel import selectors, services
from vigil.travel.models import TravelSettings


@admin.register(TravelSettings)
class TravelSettingsAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_TRAVEL
    fields = ["manual_level", "refusal_level", "advisory_level", "lead_days",
              "approval_hours", "residence_days"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # one row, made by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        from django.shortcuts import redirect

        selectors.travel_settings()
        return redirect(reverse("admin:travel_travelsettings_change", args=[1]))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(TravelSettings.objects.get(pk=obj.pk))
        obj.version += 1
        super().save_model(request, obj, form, change)
        services.settings_saved(actor=request.user, settings=obj, before=before)
