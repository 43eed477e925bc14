"""Host-country cooperation in the admin site: read only, for global holders of the right to
view coordination (changes go through Vigil's own pages and API, which validate, version and
audit them)."""

from __future__ import annotations

from django.contrib import admin

from vigil.coordination.models import (
    EngagementRating,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    LiaisonMeeting,
)
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm


class _ReadOnly(VigilAdminMixin):
    vigil_perm = Perm.VIEW_COORDINATION
    read_only = True


@admin.register(HostAgreement)
class HostAgreementAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "country", "kind", "in_force_from", "in_force_until"]
    list_filter = ["kind"]
    list_select_related = ["country"]
    search_fields = ["title", "reference"]


@admin.register(HostSupport)
class HostSupportAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["country", "kind", "provider", "duty_station", "starts_on", "ends_on",
                    "reliable"]
    list_filter = ["kind", "reliable"]
    list_select_related = ["country", "duty_station"]


@admin.register(LiaisonMeeting)
class LiaisonMeetingAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["held_on", "country", "host_authority", "follow_up_due"]
    list_select_related = ["country"]
    date_hierarchy = "held_on"
    search_fields = ["host_authority", "topics"]


@admin.register(IncidentHandling)
class IncidentHandlingAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["incident", "country", "investigation", "arrests", "prosecution"]
    list_filter = ["investigation", "prosecution"]
    list_select_related = ["incident", "country"]


@admin.register(EngagementRating)
class EngagementRatingAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["country", "period_start", "period_end", "score"]
    list_filter = ["score"]
    list_select_related = ["country"]
