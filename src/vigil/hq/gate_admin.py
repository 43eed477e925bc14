"""Entry events in the admin site, read-mostly: events and unauthorized entries are written
by Vigil's services (with their audit events), not here."""

from __future__ import annotations

from django.contrib import admin

from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.hq.models import (
    ColumnMapping,
    EntryEvent,
    EntryImport,
    EntryRuleSettings,
    UnauthorizedEntry,
)


class _ReadOnly(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Entry events and their settings, read only: writes go through the services."""

    vigil_perm = Perm.VIEW_ACCESS
    read_only = True


@admin.register(EntryEvent)
class EntryEventAdmin(_ReadOnly):
    list_display = ["occurred_at", "premises", "gate", "pass_number", "result", "reason",
                    "kind", "source"]
    list_filter = ["result", "kind", "source", "reason"]
    search_fields = ["pass_number", "external_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["premises", "gate"]


@admin.register(UnauthorizedEntry)
class UnauthorizedEntryAdmin(_ReadOnly):
    list_display = ["__str__", "occurred_at", "premises", "rule", "status", "incident"]
    list_filter = ["rule", "status"]
    list_select_related = ["premises", "incident"]


@admin.register(EntryImport)
class EntryImportAdmin(_ReadOnly):
    list_display = ["created_at", "premises", "mapping", "file_name", "rows", "created",
                    "duplicates", "skipped"]
    list_select_related = ["premises", "mapping"]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(_ReadOnly):
    list_display = ["name", "duty_station", "description"]


@admin.register(EntryRuleSettings)
class EntryRuleSettingsAdmin(_ReadOnly):
    list_display = ["duty_station", "denied_threshold", "denied_window_minutes"]
