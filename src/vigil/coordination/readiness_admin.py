"""Mission readiness in the admin site: read only, for global readers of coordination
(templates and checklists change through Vigil's own pages, which keep the rules, the
versions and the audit)."""

from __future__ import annotations

from django.contrib import admin

from vigil.coordination.models import (
    ChecklistItem,
    ReadinessChecklist,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm


class _ReadOnly(VigilAdminMixin):
    vigil_perm = Perm.VIEW_COORDINATION
    read_only = True


class TemplateItemInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = TemplateItem
    extra = 0
    fields = readonly_fields = ("order", "category", "text", "owner_function",
                                "due_offset_days", "mandatory")


@admin.register(RequirementTemplate)
class RequirementTemplateAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "operation_kind", "active"]
    list_filter = ["operation_kind", "active"]
    search_fields = ["name"]
    inlines = [TemplateItemInline]


class ChecklistItemInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = ChecklistItem
    extra = 0
    fields = readonly_fields = ("category", "text", "mandatory", "owner", "due_on", "status",
                                "done_on")


@admin.register(ReadinessChecklist)
class ReadinessChecklistAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "operation_kind", "country", "starts_on", "status"]
    list_filter = ["operation_kind", "status"]
    list_select_related = ["country"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    inlines = [ChecklistItemInline]
