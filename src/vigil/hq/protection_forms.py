"""Forms of protective services: principals, cases, destinations, the needs assessment, its
advance tasks, the decision and the list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.errors import ValidationFailed
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.hq import protection_selectors as selectors
from vigil.hq.models import (
    AdvanceTask,
    NeedsAssessment,
    Principal,
    ProtectionCase,
    ProtectionDestination,
)
from vigil.people.models import Organization
from vigil.people.selectors import staff_member_by_index
from vigil.places.models import Country, DutyStation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonByIndexField(forms.CharField):
    """A staff member the user may see, typed as their index number."""

    user: Any = None

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            person, _dependant = staff_member_by_index(user=self.user, index_number=text)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.for_field("person")) from exc
        return person


class PrincipalForm(VersionedForm):
    person = PersonByIndexField(
        label=_("Staff record (index number)"), required=False,
        help_text=_("Links the principal's TRIP travel requests to their cases."))
    office_usernames = forms.CharField(
        label=_("Designated office"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Usernames of the people in the principal's office, one per line. They "
                    "read the principal's cases; they do not change them."))

    class Meta:
        model = Principal
        fields = ["name", "title", "organization", "duty_station", "person", "profile_level",
                  "profile_notes", "active"]
        widgets = {"profile_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].user = user  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            is_active=True).order_by("code")
        self.fields["duty_station"].queryset = DutyStation.objects.filter(  # type: ignore[attr-defined]
            is_active=True).select_related("country").order_by("name")
        if self.instance.pk:
            self.initial["person"] = self.instance.person.index_number \
                if self.instance.person else ""
            self.initial["office_usernames"] = "\n".join(
                self.instance.office.order_by("username").values_list("username", flat=True))

    def office(self) -> list[str]:
        return [line.strip() for line in
                self.cleaned_data.get("office_usernames", "").replace(",", "\n").splitlines()
                if line.strip()]


class PrincipalFilters(ListFilters):
    q = search_field()
    active = choice_filter(_("Active"), [("yes", _("Yes")), ("no", _("No"))])


class CaseForm(VersionedForm):
    class Meta:
        model = ProtectionCase
        fields = ["principal", "purpose", "starts_on", "ends_on", "trip_request", "event_level",
                  "event_public", "event_media", "crowd_size", "event_notes"]
        widgets = {"starts_on": DATE, "ends_on": DATE,
                   "event_notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "trip_request": _("With a TRIP request and no destination yet, the destinations "
                              "and dates are copied from its itinerary."),
            "event_notes": _("Venue, programme, host arrangements, anything the assessment "
                             "should weigh."),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        principals = selectors.principals_to_manage(user=user)
        if self.instance.pk:
            principals = principals | Principal.objects.filter(pk=self.instance.principal_id)
        self.fields["principal"].queryset = principals.order_by("name")  # type: ignore[attr-defined]
        self.fields["trip_request"].queryset = selectors.trip_request_choices(  # type: ignore[attr-defined]
            user=user, principals=principals)


class CaseFilters(ListFilters):
    q = search_field()
    status = choice_filter(_("Status"), ProtectionCase.Status.choices)
    principal = forms.TypedChoiceField(label=_("Principal"), required=False, coerce=int,
                                       empty_value=None)
    since = forms.DateField(label=_("Trips ending from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Trips starting until"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["principal"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")), *selectors.principals_seen(user).order_by("name")
            .values_list("pk", "name")]

    def selector_args(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"search": data.get("q") or "", "status": data.get("status") or "",
                "principal": data.get("principal"), "since": data.get("since"),
                "until": data.get("until")}


class DestinationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProtectionDestination
        fields = ["country", "duty_station", "city", "arrives_on", "departs_on"]
        widgets = {"arrives_on": DATE, "departs_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["duty_station"].queryset = DutyStation.objects.filter(  # type: ignore[attr-defined]
            is_active=True).order_by("name")


class AssessmentForm(VersionedForm):
    class Meta:
        model = NeedsAssessment
        fields = ["principal_level", "event_level", "threat_summary", "override_kind",
                  "override_officers", "override_advance_team", "override_armoured_vehicle",
                  "override_reason"]
        widgets = {"threat_summary": forms.Textarea(attrs={"rows": 4}),
                   "override_reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "override_kind": _("Leave empty to follow the recommendation."),
            "override_officers": _("For a close protection team: how many officers."),
            "override_reason": _("Why the protection detail decided on differs from the "
                                 "recommendation."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Optional on its own, needed with an override: the label says when.
        self.fields["override_reason"].required_when = _(  # type: ignore[attr-defined]
            "required when you override the recommendation")

    OVERRIDE_FIELDS = ("override_kind", "override_officers", "override_advance_team",
                       "override_armoured_vehicle", "override_reason")

    def assessed_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if f.name not in self.OVERRIDE_FIELDS]

    def override_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if f.name in self.OVERRIDE_FIELDS]

    def overriding(self) -> bool:
        """Whether the override part of the form is in use: a detail chosen (as saved, or as
        posted), or a fault in it to show."""
        if any(self[name].errors for name in self.OVERRIDE_FIELDS):
            return True
        kind = self.data.get(self.add_prefix("override_kind")) if self.is_bound \
            else self.instance.override_kind
        return bool(kind)


class TaskForm(forms.ModelForm):  # type: ignore[type-arg]
    """One advance task's row: its fields sit in the table's cells, tied by their ``form``
    attribute to the row's form (a form cannot wrap a table row)."""

    class Meta:
        model = AdvanceTask
        fields = ["status", "due_on", "note"]
        widgets = {"due_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["form"] = self.form_id

    @property
    def form_id(self) -> str:
        return f"task-{self.instance.pk}"


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=ProtectionCase.Decision.choices)
    note = forms.CharField(label=_("Decision note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Say which changes, or why the protection is "
                                       "declined."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required_when = _(  # type: ignore[attr-defined]
            "required when approving with changes or declining")


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for cancelling"),
                             widget=forms.Textarea(attrs={"rows": 2}))


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
