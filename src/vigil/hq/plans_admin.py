"""Emergency plans, drills and corrective actions in the admin site: read only, for global
holders of the right to view emergency plans (changes go through Vigil's own pages, which
keep the workflow, the history and the audit)."""

from __future__ import annotations

from django.contrib import admin

from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.hq.models import CorrectiveAction, Drill, EmergencyPlan, PlanEvent, PlanReview


class _ReadOnly(VigilAdminMixin):
    vigil_perm = Perm.VIEW_EMERGENCY_PLANS
    read_only = True


class PlanReviewInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = PlanReview
    extra = 0
    fields = readonly_fields = ("reviewed_on", "reviewed_by", "note")


class PlanEventInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = PlanEvent
    extra = 0
    fields = readonly_fields = ("at", "actor", "action", "note")


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "duty_station", "kind", "version_label", "status", "approved_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["duty_station"]
    search_fields = ["title", "version_label"]
    inlines = [PlanReviewInline, PlanEventInline]


class CorrectiveActionInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = CorrectiveAction
    extra = 0
    fields = readonly_fields = ("description", "owner", "due_on", "status", "closed_on",
                                "closing_note")


@admin.register(Drill)
class DrillAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["held_on", "duty_station", "kind", "participants", "duration_minutes"]
    list_filter = ["kind"]
    list_select_related = ["duty_station"]
    date_hierarchy = "held_on"
    inlines = [CorrectiveActionInline]
