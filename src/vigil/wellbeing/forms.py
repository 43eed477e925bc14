"""Forms of critical-incident stress support. They hold no rules: services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Role
from vigil.core.forms import ListFilters, VersionedForm
from vigil.core.models import RoleGrant
from vigil.wellbeing.models import Briefing, Case, Contact, Counsellor

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CaseFilters(ListFilters):
    q = forms.CharField(label=_("Search"), required=False,
                        help_text=_("Reference, family name or index number"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *Case.Status.choices])


class RequestForm(forms.Form):
    request_note = forms.CharField(
        label=_("What would help you?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Only the counsellor who takes your request reads it."))
    preferred_language = forms.CharField(label=_("Preferred language"), required=False,
                                         max_length=60)


class ReferForm(forms.Form):
    index_number = forms.CharField(label=_("Index number of the staff member"), max_length=20)
    request_note = forms.CharField(label=_("Referral"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("Who referred, and why."))
    preferred_language = forms.CharField(label=_("Preferred language"), required=False,
                                         max_length=60)


class ContactForm(forms.Form):
    at = forms.DateTimeField(label=_("Time of contact"), widget=DATETIME)
    mode = forms.ChoiceField(label=_("Mode"), choices=Contact.Mode.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))


class SessionForm(ContactForm):
    at = forms.DateTimeField(label=_("Time of session"), widget=DATETIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5,
                                          max_value=480, initial=50)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    closure_note = forms.CharField(label=_("Closure note"), widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("How the support ended; seen by the person too."))


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class BriefingFilters(ListFilters):
    q = forms.CharField(label=_("Search"), required=False)
    audience = forms.ChoiceField(label=_("Audience"), required=False,
                                 choices=[("", _("Any")), *Briefing.Audience.choices])
    country = forms.CharField(label=_("Country (ISO code)"), required=False, max_length=2)


class BriefingForm(VersionedForm):
    class Meta:
        model = Briefing
        fields = ["duty_station", "held_on", "audience", "participants", "topic", "facilitator"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, stations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stations is not None:
            self.fields["duty_station"].queryset = stations  # type: ignore[attr-defined]
        self.fields["facilitator"].queryset = Counsellor.objects.filter(  # type: ignore[attr-defined]
            active=True)


class CounsellorFilters(ListFilters):
    q = forms.CharField(label=_("Search"), required=False)
    active = forms.ChoiceField(label=_("On the roster"), required=False,
                               choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No"))])


class CounsellorForm(VersionedForm):
    class Meta:
        model = Counsellor
        fields = ["user", "name", "affiliation", "organization_name", "languages",
                  "duty_stations", "training_status", "trained_on", "active"]
        widgets = {"trained_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only accounts that hold the counsellor role may be put on the roster.
        holders = RoleGrant.objects.filter(role=Role.COUNSELLOR).values("user")
        self.fields["user"].queryset = get_user_model().objects.filter(  # type: ignore[attr-defined]
            pk__in=holders).order_by("username")


class CountsFilters(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *Case.Status.choices])

    def __init__(self, *args: Any, years: list[int] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, y) for y in years]]  # type: ignore[attr-defined]
