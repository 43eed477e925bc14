"""Safety claims in the admin site: read only, for global holders of the right to view claims
(changes go through Vigil's own pages, which keep the history and the audit)."""

from __future__ import annotations

from django.contrib import admin

from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.hq.models import ClaimEvent, SafetyClaim


class ClaimEventInline(VigilAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ClaimEvent
    vigil_perm = Perm.VIEW_CLAIMS
    read_only = True
    extra = 0
    fields = readonly_fields = ("at", "actor", "action", "from_status", "to_status", "note")


@admin.register(SafetyClaim)
class SafetyClaimAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.VIEW_CLAIMS
    read_only = True
    list_display = ["reference", "received_on", "premises", "kind", "claimant_kind", "status",
                    "amount_claimed", "amount_settled", "currency"]
    list_filter = ["status", "kind", "claimant_kind"]
    list_select_related = ["premises"]
    date_hierarchy = "received_on"
    inlines = [ClaimEventInline]
