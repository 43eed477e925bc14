"""Forms of mission readiness: list filters, templates and their requirements, opening and
editing a checklist, a requirement of its own, and the status of a requirement."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.coordination import readiness_rules as rules
from vigil.coordination import readiness_selectors as selectors
from vigil.coordination.models import (
    ChecklistItem,
    ChecklistStatus,
    ItemStatus,
    OperationKind,
    ReadinessChecklist,
    RequirementCategory,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user_field(label: Any, help_text: Any, *, required: bool = False) -> Any:
    return forms.ModelChoiceField(
        label=label, queryset=selectors.active_users(), to_field_name="username",
        widget=forms.TextInput, required=required, help_text=help_text,
        error_messages={"invalid_choice": _("No active user has this username.")})


class ChecklistFilters(ListFilters):
    q = search_field(_("Words in the name or the notes."))
    operation_kind = choice_filter(_("Kind"), OperationKind.choices)
    status = choice_filter(_("Status"), ChecklistStatus.choices)
    state = choice_filter(_("State"), list(rules.STATE_LABELS.items()))
    country = country_field()


class TemplateFilters(ListFilters):
    q = search_field()
    operation_kind = choice_filter(_("For"), OperationKind.choices)
    active = choice_filter(_("In use"), [("yes", _("In use")), ("no", _("Not in use"))])


class TemplateForm(VersionedForm):
    class Meta:
        model = RequirementTemplate
        fields = ["name", "operation_kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TemplateItemForm(forms.ModelForm):  # type: ignore[type-arg]
    """A requirement of a template; ``version`` is the template's."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = TemplateItem
        fields = ["category", "text", "guidance", "owner_function", "due_offset_days",
                  "mandatory"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 3})}


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), required=False, max_length=200,
                           help_text=_("Empty: “Copy of” the template's name."))


class ChecklistOpenForm(forms.ModelForm):  # type: ignore[type-arg]
    lead = _user_field(_("Lead (username)"), _("Who leads the preparation. Empty: you."))
    operation_kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("As the template")),
                                                  *OperationKind.choices])

    class Meta:
        model = ReadinessChecklist
        fields = ["name", "template", "operation_kind", "country", "security_area",
                  "duty_station", "starts_on", "lead", "notes"]
        widgets = {"starts_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"template": _("Its requirements are copied into the checklist, each due "
                                    "its number of days from the start."),
                      "security_area": _("Optional: narrow the mission to an area."),
                      "duty_station": _("Optional: the duty station it is based at.")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("template", selectors.templates_to_open()),
                               ("country", selectors.countries_managed(user=user)),
                               ("security_area", selectors.areas_managed(user=user)),
                               ("duty_station", selectors.stations_managed(user=user))):
            cast("forms.ModelChoiceField[Any]", self.fields[name]).queryset = queryset

    def clean_lead(self) -> Any:
        return self.cleaned_data.get("lead") or None


class ChecklistEditForm(VersionedForm):
    lead = _user_field(_("Lead (username)"), _("Who leads the preparation."), required=True)

    class Meta:
        model = ReadinessChecklist
        fields = ["name", "operation_kind", "security_area", "duty_station", "starts_on", "lead",
                  "notes"]
        widgets = {"starts_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"starts_on": _("Moving the start moves the due date of every requirement "
                                     "not yet done by as many days.")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.instance.country_id
        cast("forms.ModelChoiceField[Any]", self.fields["security_area"]).queryset = \
            selectors.areas_managed(user=user).filter(country_id=country)
        cast("forms.ModelChoiceField[Any]", self.fields["duty_station"]).queryset = \
            selectors.stations_managed(user=user).filter(country_id=country)
        if self.instance.pk and not self.is_bound:
            self.initial["lead"] = self.instance.lead.get_username()


class ItemForm(VersionedForm):
    """A requirement of a checklist: added, or edited by a manager."""

    owner = _user_field(_("Owner (username)"), _("Who makes it happen. Empty: the lead."))

    class Meta:
        model = ChecklistItem
        fields = ["category", "text", "mandatory", "owner", "due_on"]
        widgets = {"due_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = RequirementCategory.choices  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.owner_id and not self.is_bound:
            self.initial["owner"] = self.instance.owner.get_username()

    def clean_owner(self) -> Any:
        return self.cleaned_data.get("owner") or None


class ItemStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DATE,
                              help_text=_("Empty: today, when done."))
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("What shows it is done, or why it does not "
                                           "apply."))


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
