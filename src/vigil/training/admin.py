"""Training in the admin site: read-mostly, for administrators."""

from __future__ import annotations

from django.contrib import admin

from vigil.training.models import Completion, Course, Enrolment, Session


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "kind", "validity_months", "applies_to_dependants",
                    "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]

@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["course", "duty_station", "starts_at", "capacity", "status"]
    list_filter = ["status", "course"]
    raw_id_fields = ["duty_station"]

@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["session", "person", "dependant", "status", "result"]
    list_filter = ["status"]
    raw_id_fields = ["session", "person", "dependant", "enrolled_by"]

    def has_add_permission(self, request: object) -> bool:
        return False

@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["course", "person", "dependant", "completed_on", "expires_on", "source",
                    "certificate_code", "revoked"]
    list_filter = ["course", "source", "revoked"]
    search_fields = ["certificate_code", "person__index_number", "platform_id"]
    raw_id_fields = ["person", "dependant", "session", "enrolment", "recorded_by"]
    readonly_fields = ["certificate_code"]

    def has_add_permission(self, request: object) -> bool:
        return False
