"""The incident taxonomy in the admin site, for global holders of crisis.configure; every
change audited. Codes stay once made (importers and indicators name them), and a category is
retired (not in use), never deleted, so that old incidents keep theirs."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vigil.core import audit
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.incidents.models import IncidentCategory


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_CRISIS
    list_display = ["code", "name", "parent", "active", "order"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "parent", "active", "order"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(IncidentCategory.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        action = "incidents.category.update" if change else "incidents.category.create"
        audit.record(actor=request.user, action=action, obj=obj,
                     changes=audit.diff(before, audit.snapshot(obj)))
