from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.incidents.models import AffectedAsset, Impact, Incident, IncidentCategory
from vigil.incidents.selectors import GROUPINGS, categories
from vigil.places.rules import iana_time_zones

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from vigil.places.models import Premises


def _category_choices() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("", str(_("Any category")))]
    for cat in categories():
        out.append((cat.code, f"· {cat.label}" if cat.parent_id else cat.label))
    return out


class IncidentFilters(ListFilters):
    q = search_field()
    category = forms.ChoiceField(label=_("Category"), required=False)
    country = country_field(_("Country (ISO code)"), 2)
    organization = forms.CharField(label=_("Organization (code)"), required=False,
                                   max_length=20)
    verification = choice_filter(_("Verification"), Incident.Verification.choices)
    source = choice_filter(_("Recorded from"), Incident.Source.choices, _("Any source"))
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = _category_choices()

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        for name in ("since", "until"):
            args[name] = args[name] or None
        return args


class StatisticsForm(IncidentFilters):
    by = forms.ChoiceField(label=_("Group by"), required=False, choices=[
        ("category", _("Category")), ("country", _("Country")), ("area", _("Security area")),
        ("organization", _("Organization"))])
    period = forms.ChoiceField(label=_("Period"), required=False, choices=[
        ("year", _("Year")), ("month", _("Month"))])

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args.pop("by", None)
        args.pop("period", None)
        return args

    def grouping(self) -> tuple[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        by = data.get("by") or "category"
        return (by if by in GROUPINGS else "category",
                "month" if data.get("period") == "month" else "year")


class IncidentForm(VersionedForm):
    occurred_at = forms.DateTimeField(
        label=_("Occurred at (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    time_zone = forms.ChoiceField(label=_("Time zone"), initial="UTC")

    class Meta:
        model = Incident
        fields = ["category", "subcategory", "title", "occurred_at", "time_zone", "country",
                  "security_area", "duty_station", "place", "latitude", "longitude",
                  "organization", "description", "source", "verification", "killed",
                  "injured", "abducted", "missing", "detained", "affected"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            # Places of the recorder's scope only; the service checks the scope anyway.
            from vigil.core.authz import Perm, visible
            from vigil.places.models import DutyStation, SecurityArea

            cast("forms.ModelChoiceField[DutyStation]", self.fields["duty_station"]).queryset = \
                visible(user, Perm.RECORD_INCIDENT, DutyStation.objects.select_related("country"))
            cast("forms.ModelChoiceField[SecurityArea]", self.fields["security_area"]).queryset = \
                visible(user, Perm.RECORD_INCIDENT, SecurityArea.objects.select_related("country"))
            person = getattr(user, "person", None)
            station = getattr(person, "duty_station", None)
            if not self.is_bound and not self.instance.pk and station is not None:
                self.initial.setdefault("time_zone", station.time_zone or "UTC")
                self.initial.setdefault("country", station.country_id)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (z, z) for z in sorted(iana_time_zones())]
        categories = IncidentCategory.objects.filter(active=True)
        cast("forms.ModelChoiceField[IncidentCategory]", self.fields["category"]).queryset = \
            categories.filter(parent__isnull=True)
        cast("forms.ModelChoiceField[IncidentCategory]", self.fields["subcategory"]).queryset = \
            categories.filter(parent__isnull=False).select_related("parent")
        instance = self.instance
        if instance.pk and instance.occurred_at and not self.is_bound:
            local = instance.occurred_at.astimezone(ZoneInfo(instance.time_zone))
            self.initial["occurred_at"] = local.replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        when, zone = data.get("occurred_at"), data.get("time_zone")
        if isinstance(when, dt.datetime) and zone:
            local = when.replace(tzinfo=None)
            aware = local.replace(tzinfo=ZoneInfo(zone))
            if aware.astimezone(dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local:
                self.add_error("occurred_at", _(
                    "%(time)s does not exist in %(zone)s: the clocks skipped it.") % {
                        "time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone})
            data["occurred_at"] = aware
        return data


class AffectedPersonForm(forms.Form):
    person = forms.CharField(label=_("Staff member (index number)"), max_length=20)
    dependant = forms.IntegerField(label=_("Dependant (number, if a dependant)"),
                                   required=False, widget=forms.NumberInput(attrs={"min": 1}))
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices,
                               initial=Impact.AFFECTED)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class AffectedAssetForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AffectedAsset
        fields = ["premises", "asset", "damage", "note"]

    def __init__(self, *args: Any, premises: QuerySet[Premises], **kwargs: Any) -> None:
        """``premises``: those the incident may name."""
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Premises]", self.fields["premises"]).queryset = premises
