"""Configuration of risk management in the admin site: vulnerability questionnaires.
Global holders of risk.configure only; every change audited; a questionnaire that surveys
have used is read-only (copy it to change it), so old scores keep their meaning."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core import audit
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.risk import services
from vigil.risk.models import Question, Questionnaire, QuestionnaireSection


class ConfigAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_RISK

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if self._used(obj):
            raise PermissionDenied  # a questionnaire surveys used is copied, not changed
        before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        services.config_saved(actor=request.user, obj=obj, created=not change, before=before)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any,
                     change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            services.config_saved(actor=request.user, obj=obj, created=True, before={})
        for obj, fields in formset.changed_objects:
            services.config_saved(actor=request.user, obj=obj, created=False,
                                  before={"changed_fields": fields})
        for obj in formset.deleted_objects:
            audit.record(actor=request.user, action="risk.config.delete", obj=obj,
                         changes=audit.diff(audit.snapshot(obj), {}))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, action="risk.config.delete", obj=obj,
                     changes=audit.diff(audit.snapshot(obj), {}))
        super().delete_model(request, obj)

    def _used(self, obj: Any) -> bool:
        questionnaire = getattr(obj, "questionnaire", None) or getattr(
            getattr(obj, "section", None), "questionnaire", None) or obj
        return isinstance(questionnaire, Questionnaire) and questionnaire.surveys.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not (
            obj is not None and self._used(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class SectionInline(VigilAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_RISK
    model = QuestionnaireSection
    extra = 0


class QuestionInline(VigilAdminMixin, admin.StackedInline):  # type: ignore[type-arg]
    vigil_perm = Perm.CONFIGURE_RISK
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(ConfigAdmin):
    list_display = ["name", "is_active", "version"]
    inlines = [SectionInline]
    actions = ["copy_questionnaire"]

    @admin.action(description=_("Copy as a new questionnaire (to change one in use)"))
    def copy_questionnaire(self, request: HttpRequest, queryset: Any) -> None:
        for questionnaire in queryset:
            copy = services.questionnaire_copy(actor=request.user, questionnaire=questionnaire)
            messages.success(request, _("Copied to “%(name)s”.") % {"name": copy.name})


@admin.register(QuestionnaireSection)
class SectionAdmin(ConfigAdmin):
    list_display = ["title", "questionnaire", "position"]
    inlines = [QuestionInline]
