from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.people import rules
from vigil.people.models import Dependant, Organization, Person


class ListField(forms.Field):
    """Several values in one box, one per line (or separated by semicolons)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = "" if value in self.empty_values else str(value)
        return rules.split_list(text.replace("\n", ";"))


class OrganizationFilters(ListFilters):
    q = search_field(_("Code or name"))
    kind = choice_filter(_("Type"), Organization.Kind.choices)


class OrganizationForm(VersionedForm):
    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "parent", "is_active"]


class PersonFilters(ListFilters):
    q = search_field(_("Name or index number"))
    country = country_field()
    category = choice_filter(_("Category"), Person.Category.choices)
    status = choice_filter(_("Status"), Person.Status.choices)


class _ReachedAt(VersionedForm):
    """How a staff member is reached: phones and e-mail addresses, one per line."""

    phones = ListField(label=_("Phones"), required=False,
                       help_text=_("One per line, in international format: +254 20 7621234."))
    emails = ListField(label=_("E-mail addresses"), required=False, help_text=_("One per line."))


class PersonForm(_ReachedAt):
    class Meta:
        model = Person
        fields = ["index_number", "family_name", "given_name", "name_original", "organization",
                  "category", "duty_station", "status", "residence_address",
                  "residence_latitude", "residence_longitude", "phones", "emails", "language"]
        widgets = {"residence_address": forms.Textarea(attrs={"rows": 2})}


class ContactForm(_ReachedAt):
    """What a staff member keeps up to date about themself."""

    class Meta:
        model = Person
        fields = ["phones", "emails", "residence_address", "residence_latitude",
                  "residence_longitude"]
        widgets = {"residence_address": forms.Textarea(attrs={"rows": 2})}


class EmergencyContactForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=150)
    relationship = forms.CharField(label=_("Relationship"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    email = forms.EmailField(label=_("E-mail address"), required=False)


EmergencyContactFormSet = forms.formset_factory(EmergencyContactForm, extra=1, max_num=5,
                                                can_delete=True)


class DependantFilters(ListFilters):
    q = search_field()
    relationship = choice_filter(_("Relationship"), Dependant.Relationship.choices)


class DependantForm(VersionedForm):
    class Meta:
        model = Dependant
        fields = ["family_name", "given_name", "name_original", "relationship",
                  "date_of_birth", "lives_with_staff_member", "residence_address",
                  "residence_latitude", "residence_longitude", "status"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}),
                   "residence_address": forms.Textarea(attrs={"rows": 2})}


def _spelling(text: str) -> str:
    """A name as typed to confirm: case, commas and spacing do not matter."""
    return " ".join(text.replace(",", " ").split()).casefold()


class ErasureForm(forms.Form):
    """The confirmation of an erasure: the person's name typed out, and the version of the
    record read (so that an erasure is not made over a change nobody saw)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Type the person's name to confirm"), max_length=300,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "spellcheck": "false"}))

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["name"].help_text = _("As shown above: %(name)s") % {
            "name": person.full_name}

    def clean_name(self) -> str:
        typed = str(self.cleaned_data["name"])
        if _spelling(typed) != _spelling(self.person.full_name):
            raise forms.ValidationError(
                _("This is not the name of the person to erase: type %(name)s.")
                % {"name": self.person.full_name}, code="mismatch")
        return typed
