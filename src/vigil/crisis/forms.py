from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ListFilters, choice_filter, country_field, search_field
from vigil.crisis.models import AccountStatus, Crisis, CrisisMember, LogEntry, WebhookEndpoint
from vigil.crisis.zone import kind_of
from vigil.places.geo import find_place
from vigil.places.models import Country, SecurityArea

UTC_INPUT = {"type": "datetime-local"}
UTC_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _utc_field(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, input_formats=UTC_FORMATS,
                               widget=forms.DateTimeInput(attrs=UTC_INPUT,
                                                          format="%Y-%m-%dT%H:%M"))


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=None).replace(tzinfo=dt.UTC) if value else None


class CrisisFilters(ListFilters):
    q = search_field()
    status = choice_filter(_("Status"), Crisis.Status.choices)
    country = country_field(_("Country (ISO code)"), 2)


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Situation"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    # Each country by its name in the active language (Country.__str__).
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all(),
                                     required=False, to_field_name="iso2",
                                     help_text=_("Found from the place or the areas if left "
                                                 "empty."))
    incident_at = _utc_field(_("Incident time (UTC)"))
    incident_at.help_text = _("Leave empty for now, or for the time of the incident declared "
                              "from. Activation is now: the difference is the timeliness "
                              "indicator SP2.1.b.ii.")
    zone_kind = forms.ChoiceField(label=_("Affected zone"), choices=Crisis.ZoneKind.choices,
                                  initial=Crisis.ZoneKind.CIRCLE, widget=forms.RadioSelect)
    place = forms.CharField(label=_("Around a city or duty station"), required=False,
                            max_length=120, help_text=_(
                                "A duty station code or name, or a city as “Name, CC”. Or give "
                                "the coordinates below."))
    center_latitude = forms.FloatField(label=_("Centre latitude"), required=False,
                                       min_value=-90, max_value=90)
    center_longitude = forms.FloatField(label=_("Centre longitude"), required=False,
                                        min_value=-180, max_value=180)
    radius_km = forms.FloatField(label=_("Radius (km)"), required=False, min_value=0.1,
                                 max_value=2000, initial=25)
    polygon = forms.CharField(label=_("Polygon (GeoJSON)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
                              help_text=_("A GeoJSON Polygon or MultiPolygon, longitude first."))
    areas = forms.ModelMultipleChoiceField(label=_("Security areas"), required=False,
                                           queryset=SecurityArea.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    window_start = _utc_field(_("People present from (UTC)"))
    window_end = _utc_field(_("People present until (UTC)"))
    window_end.help_text = _("Everyone presumed in the zone at some moment of this window is "
                             "on the headcount. Empty: from the incident time until 24 hours "
                             "from now.")

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is not None:
            field = cast("forms.ModelMultipleChoiceField[SecurityArea]", self.fields["areas"])
            field.queryset = areas

    def clean_polygon(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("polygon", "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not JSON: %(error)s") % {
                "error": exc}) from None
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give a GeoJSON Polygon or MultiPolygon."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("incident_at", "window_start", "window_end"):
            data[name] = _utc(data.get(name))
        if kind_of(data.get("zone_kind") or "").centred and data.get("place") and \
                data.get("center_latitude") is None:
            found = find_place(data["place"])
            if found is None:
                self.add_error("place", _("No duty station or city has this name."))
            else:
                _name, data["center_latitude"], data["center_longitude"], iso2 = found
                if not data.get("country"):
                    data["country"] = Country.objects.filter(iso2=iso2).first()
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {k: data.get(k) for k in ("title", "description", "incident_at", "zone_kind",
                                         "window_start", "window_end")}
        out["description"] = out["description"] or ""
        out["country"] = data.get("country")
        # Only the fields that draw the kind of zone chosen: the others may be left filled in.
        out.update({name: data.get(name) for name in kind_of(data.get("zone_kind") or "").fields})
        return {k: v for k, v in out.items() if v is not None}


class EntryFilters(ListFilters):
    q = search_field()
    status = choice_filter(_("Status"), [("unaccounted", _("Not accounted for")),
                                         *AccountStatus.choices])
    organization = forms.CharField(label=_("Organization (code)"), required=False,
                                   max_length=20)
    place = forms.CharField(label=_("Duty station (code)"), required=False, max_length=20)


class EntryStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AccountStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EntryAddForm(forms.Form):
    person = forms.CharField(label=_("Staff member (index number)"), max_length=20)
    dependant = forms.IntegerField(label=_("Dependant (number, if a dependant)"),
                                   required=False)
    status = forms.ChoiceField(label=_("Status"), choices=AccountStatus.choices,
                               initial=AccountStatus.SAFE)
    place = forms.CharField(label=_("Where found"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class LogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        (LogEntry.Kind.NOTE, LogEntry.Kind.NOTE.label),
        (LogEntry.Kind.DECISION, LogEntry.Kind.DECISION.label)])
    text = forms.CharField(label=_("Entry"), widget=forms.Textarea(attrs={"rows": 2}))


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=CrisisMember.Role.choices,
                             initial=CrisisMember.Role.MEMBER)
    duty = forms.CharField(label=_("Duty"), required=False, max_length=200)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closure note"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class BroadcastForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    statuses = forms.MultipleChoiceField(
        label=_("Only people whose status is"), required=False, choices=AccountStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to write to everyone on the headcount."))
    organizations = forms.CharField(label=_("Only these organizations (codes)"),
                                    required=False, max_length=200,
                                    help_text=_("Separate codes with commas."))
    email = forms.BooleanField(label=_("Send by e-mail"), required=False, initial=True)
    webhooks = forms.ModelMultipleChoiceField(
        label=_("Send through"), required=False,
        queryset=WebhookEndpoint.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple)
    with_checkin = forms.BooleanField(label=_("Ask each person to check in"), required=False,
                                      initial=True)
    remind_after = forms.IntegerField(label=_("Remind those who have not answered after "
                                              "(minutes)"), required=False, min_value=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _without_empty_channels(self)

    def audience(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        if data.get("statuses"):
            out["statuses"] = list(data["statuses"])
        orgs = [c.strip().upper() for c in (data.get("organizations") or "").split(",")
                if c.strip()]
        if orgs:
            out["organizations"] = orgs
        return out


def _without_empty_channels(form: forms.Form) -> None:
    """"Send through" offers the active webhook endpoints; with none, the field is left out
    (an empty group of check boxes says nothing), and the form sends through none."""
    if not form.fields["webhooks"].queryset.exists():  # type: ignore[attr-defined]
        del form.fields["webhooks"]


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


class GeneralBroadcastForm(forms.Form):
    """A message outside a crisis, to the staff of some countries or duty stations."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    countries = forms.CharField(label=_("Staff of these countries (ISO codes)"),
                                required=False, max_length=300,
                                help_text=_("Separate codes with commas, such as KE, SO."))
    duty_stations = forms.CharField(label=_("Staff of these duty stations (codes)"),
                                    required=False, max_length=300)
    organizations = forms.CharField(label=_("Only these organizations (codes)"),
                                    required=False, max_length=200)
    email = forms.BooleanField(label=_("Send by e-mail"), required=False, initial=True)
    webhooks = forms.ModelMultipleChoiceField(
        label=_("Send through"), required=False,
        queryset=WebhookEndpoint.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _without_empty_channels(self)

    def audience(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {name: _codes(data.get(name, "")) for name in
               ("countries", "duty_stations", "organizations")}
        return {k: v for k, v in out.items() if v}


class CheckinForm(forms.Form):
    status = forms.ChoiceField(choices=[(AccountStatus.SAFE, _("I am safe")),
                                        (AccountStatus.NEEDS_HELP, _("I need help"))])
    note = forms.CharField(label=_("Anything to add? (optional)"), required=False,
                           max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    household = forms.TypedMultipleChoiceField(
        label=_("My answer is also for"), required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90,
                                max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180,
                                 max_value=180)

    def __init__(self, *args: Any, household: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(e.pk, str(e.dependant)) for e in household]
        cast(forms.TypedMultipleChoiceField, self.fields["household"]).choices = choices
        self.fields["household"].initial = [pk for pk, _name in choices]
        if not choices:
            del self.fields["household"]
