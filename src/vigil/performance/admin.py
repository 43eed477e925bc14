"""Targets and indicator settings in the admin site, read only: a programme manager sets them
on the targets page and the indicator pages, through the services (their checks, versions and
audit), so the admin site only shows them."""

from __future__ import annotations

from django.contrib import admin

from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.performance.models import IndicatorSetting, Target


class _ReadOnly(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.VIEW_PERFORMANCE
    read_only = True


@admin.register(Target)
class TargetAdmin(_ReadOnly):
    list_display = ["indicator", "biennium_start", "baseline", "target", "set_by", "updated_at"]
    list_filter = ["biennium_start"]
    search_fields = ["indicator", "note"]


@admin.register(IndicatorSetting)
class IndicatorSettingAdmin(_ReadOnly):
    list_display = ["indicator", "key", "value", "set_by", "updated_at"]
    search_fields = ["indicator", "key"]
