"""Forms of safety claims: the list's filters and statistics, the officer's record of a claim,
a staff member's own filing, and the moves of a claim."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, visible
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.hq.models import ClaimKind, ClaimStatus, SafetyClaim
from vigil.hq.safety_selectors import claim_premises, linkable_incidents
from vigil.incidents.models import Incident
from vigil.people.models import Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ClaimFilters(ListFilters):
    q = search_field(_("A reference (CLM-000123) or words in the description."))
    status = choice_filter(_("Status"), ClaimStatus.choices)
    premises = forms.ChoiceField(label=_("Premises"), required=False)
    kind = choice_filter(_("Kind"), ClaimKind.choices)
    since = forms.DateField(label=_("Received from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Received until"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = claim_premises(user=user, perm=Perm.VIEW_CLAIMS)
        cast(forms.ChoiceField, self.fields["premises"]).choices = [
            ("", _("Any premises")),
            *((str(p.pk), f"{p.duty_station.name} · {p.name}") for p in places)]

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        for name in ("since", "until"):
            args[name] = args[name] or None
        return args


class ClaimStatisticsForm(ClaimFilters):
    period = forms.ChoiceField(label=_("Count by"), required=False, choices=[
        ("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))])

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args.pop("period", None)
        return args

    def counted_by(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return str(data.get("period") or "month")


class IncidentNumberField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An incident by its reference (INC-000123) or its number (123)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip().upper().removeprefix("INC-")
        if text.isdigit():
            text = str(int(text))
        return super().to_python(text)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return f"INC-{value:06d}"
        return super().prepare_value(value)


def _local(when: Any, zone: str) -> Any:
    if isinstance(when, dt.datetime):
        return when.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))
    return when


class _OccurredAt:
    """The time of the event, given in the premises' local time."""

    cleaned_data: dict[str, Any]
    instance: SafetyClaim

    def _occurred_aware(self) -> None:
        premises = self.cleaned_data.get("premises")
        zone = premises.duty_station.time_zone if premises is not None else "UTC"
        self.cleaned_data["occurred_at"] = _local(self.cleaned_data.get("occurred_at"), zone)


class ClaimForm(_OccurredAt, VersionedForm):
    occurred_at = forms.DateTimeField(label=_("Occurred at (local time of the premises)"),
                                      widget=LOCAL, input_formats=LOCAL_FORMATS)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    claimant = forms.ModelChoiceField(
        label=_("Staff member (index number)"), required=False, to_field_name="index_number",
        queryset=Person.objects.none(), widget=forms.TextInput,
        help_text=_("For a staff member's claim."),
        error_messages={"invalid_choice": _("No staff member in your scope has this index "
                                            "number.")})
    incident = IncidentNumberField(
        label=_("Linked incident"), required=False, queryset=Incident.objects.none(),
        help_text=_("Its reference, e.g. INC-000123."),
        error_messages={"invalid_choice": _("Unknown, or outside your scope.")})

    class Meta:
        model = SafetyClaim
        fields = ["premises", "kind", "claimant_kind", "claimant", "claimant_name",
                  "claimant_contact", "occurred_at", "received_on", "description", "currency",
                  "amount_claimed", "incident"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["premises"]).queryset = \
            claim_premises(user=user)
        cast("forms.ModelChoiceField[Any]", self.fields["claimant"]).queryset = \
            visible(user, Perm.VIEW_PERSON, Person.objects.all())
        cast("forms.ModelChoiceField[Any]", self.fields["incident"]).queryset = \
            linkable_incidents(user=user)
        instance = self.instance
        if instance.pk and not self.is_bound:
            if instance.claimant is not None:
                self.initial["claimant"] = instance.claimant.index_number
            zone = ZoneInfo(instance.premises.duty_station.time_zone)
            self.initial["occurred_at"] = instance.occurred_at.astimezone(zone).replace(
                tzinfo=None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._occurred_aware()
        return data


class ClaimFileForm(_OccurredAt, forms.ModelForm):  # type: ignore[type-arg]
    """A staff member files their own claim."""

    occurred_at = forms.DateTimeField(label=_("When did it happen? (local time)"),
                                      widget=LOCAL, input_formats=LOCAL_FORMATS)

    class Meta:
        model = SafetyClaim
        fields = ["premises", "kind", "occurred_at", "description", "currency",
                  "amount_claimed", "claimant_contact"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        labels = {"description": _("What happened, and what was injured or damaged"),
                  "claimant_contact": _("How to reach you about this claim")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["premises"]).queryset = \
            claim_premises(user=user, perm=Perm.FILE_CLAIM)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._occurred_aware()
        return data


class ClaimMoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    amount_settled = forms.DecimalField(label=_("Amount settled"), required=False,
                                        max_digits=12, decimal_places=2, min_value=0)
