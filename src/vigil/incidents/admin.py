"""The incident taxonomy in the admin site, for global holders of crisis.configure; every
change audited. Codes stay once made (importers and indicators name them), and a category is
retired (not in use), never deleted, so that old incidents keep theirs."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.admin import VigilAdminMixin
from vigil.core.authz import Perm
from vigil.incidents.models import IncidentCategory

_ = gettext_lazy


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    """Two levels only: a category, or a subcategory of a category. A category that has
    subcategories or incidents stays a category."""

    class Meta:
        model = IncidentCategory
        fields = ["code", "name", "parent", "active", "order"]

    def clean_parent(self) -> Any:
        parent = self.cleaned_data.get("parent")
        if parent is None:
            return parent
        if parent.parent_id is not None:
            raise forms.ValidationError(_("A subcategory belongs to a category, not to "
                                          "another subcategory."))
        instance = self.instance
        if instance.pk and (instance.children.exists() or instance.incidents.exists()):
            raise forms.ValidationError(_("This category has subcategories or incidents: it "
                                          "stays a category."))
        if instance.pk and instance.pk == parent.pk:
            raise forms.ValidationError(_("A category cannot be its own parent."))
        return parent


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(VigilAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = CategoryForm
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
