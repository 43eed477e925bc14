"""Forms of HQ access control. Times are typed in the premises' or duty station's own time
zone and stored in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.hq.access_rules import CONDITION_LABELS
from vigil.hq.models import (
    Delegation,
    Gate,
    HolderKind,
    Meeting,
    PassHolder,
    Zone,
)
from vigil.places.models import Premises

DOCUMENT_TYPES = [
    ("passport", _("Passport")),
    ("national_id", _("National identity card")),
    ("laissez_passer", _("UN laissez-passer")),
    ("driving_licence", _("Driving licence")),
    ("un_grounds_pass", _("UN grounds pass")),
    ("other", _("Other")),
]

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def in_zone(value: dt.datetime | None, tz_name: str) -> dt.datetime | None:
    """A time typed as the wall clock of ``tz_name`` (the form field made it aware in the
    site's zone: the wall clock is kept and the zone replaced), as an aware datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=None).replace(tzinfo=ZoneInfo(tz_name))


def local_input(value: dt.datetime, tz_name: str) -> str:
    return value.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%dT%H:%M")


def _station_choices(stations: Any, anything: Any) -> list[tuple[str, str]]:
    return [("", str(anything)), *[(str(s.pk), s.name) for s in stations]]


class ZoneForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Zone
        fields = ["code", "name", "restricted", "active"]
        help_texts = {"code": _("Short, as on signs and in the gate controller: "
                                "lobby, conf-wing, sec-floors."),
                      "restricted": _("Not opened to visitors unless security chooses so.")}


class GateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Gate
        fields = ["zone", "code", "name", "active"]
        help_texts = {"code": _("The name the gate controller gives this gate in its "
                                "exports.")}

    def __init__(self, *args: Any, premises: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["zone"])  # type: ignore[type-arg]
        field.queryset = Zone.objects.filter(premises=premises).order_by("code")


class PremisesFilters(ListFilters):
    q = search_field(_("Premises or duty station."))
    duty_station = forms.ChoiceField(label=_("Duty station"), required=False)

    def __init__(self, *args: Any, stations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duty_station"]).choices = _station_choices(
            stations, _("Any duty station"))


class HolderFilters(ListFilters):
    q = search_field(_("Name, affiliation or e-mail."))
    kind = choice_filter(_("Kind"), HolderKind.choices)
    duty_station = forms.ChoiceField(label=_("Duty station"), required=False)

    def __init__(self, *args: Any, stations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duty_station"]).choices = _station_choices(
            stations, _("Any duty station"))


class PassHolderForm(VersionedForm):
    staff_index = forms.CharField(label=_("Staff index number"), required=False, max_length=20,
                                  help_text=_("For a staff member: their index number, to "
                                              "link their staff record."))
    document_type = forms.ChoiceField(label=_("Identity document"), required=False,
                                      choices=[("", "—"), *DOCUMENT_TYPES])

    class Meta:
        model = PassHolder
        fields = ["duty_station", "kind", "family_name", "given_name", "organization",
                  "affiliation", "nationality", "email", "document_type", "document_number"]
        help_texts = {"affiliation": _("The delegation, company or media outlet, when not a "
                                       "UN organization.")}

    def __init__(self, *args: Any, stations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stations is not None:
            field = cast(forms.ModelChoiceField, self.fields["duty_station"])  # type: ignore[type-arg]
            field.queryset = stations
        if self.instance.pk and self.instance.person_id:
            self.fields["staff_index"].initial = self.instance.person.index_number


class PassFilters(ListFilters):
    q = search_field(_("Pass number, holder's name or affiliation."))
    condition = choice_filter(_("Status"), [(k.value, v) for k, v in CONDITION_LABELS.items()],
                              _("Any status"))
    kind = choice_filter(_("Type"), HolderKind.choices)
    duty_station = forms.ChoiceField(label=_("Duty station"), required=False)
    zone = forms.ChoiceField(label=_("Zone"), required=False)

    def __init__(self, *args: Any, stations: Any = (), zones: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duty_station"]).choices = _station_choices(
            stations, _("Any duty station"))
        cast(forms.ChoiceField, self.fields["zone"]).choices = [
            ("", str(_("Any zone"))), *[(str(z.pk), str(z)) for z in zones]]


class PassForm(forms.Form):
    """Issue or change a pass: its window (the duty station's local time) and zones."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=LOCAL_INPUT)
    valid_until = forms.DateTimeField(label=_("Valid until"), widget=LOCAL_INPUT,
                                      help_text=_("The pass stops opening gates at this time."))
    zones = forms.ModelMultipleChoiceField(label=_("Zones"), queryset=Zone.objects.none(),
                                           widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args: Any, zones: Any, tz_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name
        field = cast(forms.ModelMultipleChoiceField, self.fields["zones"])  # type: ignore[type-arg]
        field.queryset = zones
        self.fields["valid_from"].help_text = _("Local time: %s") % tz_name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("valid_from", "valid_until"):
            if data.get(name) is not None:
                data[name] = in_zone(data[name], self.tz_name)
        return data


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class VisitFilters(ListFilters):
    q = search_field(_("Visitor, host or purpose."))
    status = choice_filter(_("Status"), [
        ("expected", _("Expected")), ("arrived", _("Arrived")), ("departed", _("Departed")),
        ("cancelled", _("Cancelled")), ("no_show", _("No-show"))])
    premises = forms.ChoiceField(label=_("Premises"), required=False)
    day = forms.DateField(label=_("Day"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, premises: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["premises"]).choices = [
            ("", str(_("Any premises"))), *[(str(p.pk), str(p)) for p in premises]]

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args["day"] = args["day"] or None
        return args


class VisitForm(forms.Form):
    """Register a visitor. A host registers for themself; security names the host."""

    premises = forms.ModelChoiceField(label=_("Premises"), queryset=Premises.objects.none())
    host_index = forms.CharField(label=_("Host's staff index number"), max_length=20,
                                 required=False,
                                 help_text=_("Leave blank to host the visitor yourself."))
    family_name = forms.CharField(label=_("Visitor's family name"), max_length=100)
    given_name = forms.CharField(label=_("Visitor's given name"), max_length=100,
                                 required=False)
    affiliation = forms.CharField(label=_("Comes from"), max_length=200, required=False,
                                  help_text=_("Company, mission, organization."))
    email = forms.EmailField(label=_("Visitor's e-mail"), required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    expected_from = forms.DateTimeField(label=_("Expected from"), widget=LOCAL_INPUT,
                                        help_text=_("The premises' local time."))
    expected_until = forms.DateTimeField(label=_("Expected until"), widget=LOCAL_INPUT)
    issue_pass = forms.BooleanField(label=_("Issue a visitor pass with a QR code"),
                                    required=False, initial=True)
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones the pass opens"), queryset=Zone.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for the premises' zones open to visitors."))

    def __init__(self, *args: Any, premises: Any, manages: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["premises"]).queryset = premises  # type: ignore[type-arg]
        if manages:
            cast(forms.ModelMultipleChoiceField,  # type: ignore[type-arg]
                 self.fields["zones"]).queryset = Zone.objects.filter(
                premises__in=premises, active=True).select_related("premises")
        else:
            for name in ("host_index", "issue_pass", "zones"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        premises = data.get("premises")
        if premises is not None:
            for name in ("expected_from", "expected_until"):
                if data.get(name) is not None:
                    data[name] = in_zone(data[name], premises.duty_station.time_zone)
        return data


class VisitEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    expected_from = forms.DateTimeField(label=_("Expected from"), widget=LOCAL_INPUT)
    expected_until = forms.DateTimeField(label=_("Expected until"), widget=LOCAL_INPUT)

    def __init__(self, *args: Any, tz_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("expected_from", "expected_until"):
            if data.get(name) is not None:
                data[name] = in_zone(data[name], self.tz_name)
        return data


class DocumentCheckForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Identity document"), choices=DOCUMENT_TYPES)
    document_number = forms.CharField(label=_("Document number"), max_length=60)


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False, widget=DATE_INPUT)


class MeetingFilters(ListFilters):
    q = search_field()
    kind = choice_filter(_("Kind"), Meeting._meta.get_field("kind").choices)
    duty_station = forms.ChoiceField(label=_("Duty station"), required=False)

    def __init__(self, *args: Any, stations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duty_station"]).choices = _station_choices(
            stations, _("Any duty station"))


class MeetingForm(VersionedForm):
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones its passes open"), queryset=Zone.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Zones of the meeting's premises. Save the premises first to see its "
                    "zones."))

    class Meta:
        model = Meeting
        fields = ["name", "kind", "duty_station", "premises", "starts_on", "ends_on", "notes"]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def __init__(self, *args: Any, stations: Any = None, premises: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stations is not None:
            cast(forms.ModelChoiceField, self.fields["duty_station"]).queryset = stations  # type: ignore[type-arg]
        if premises is not None:
            cast(forms.ModelChoiceField, self.fields["premises"]).queryset = premises  # type: ignore[type-arg]
        zones = cast(forms.ModelMultipleChoiceField, self.fields["zones"])  # type: ignore[type-arg]
        if self.instance.pk:
            zones.queryset = Zone.objects.filter(premises_id=self.instance.premises_id,
                                                 active=True)
            zones.initial = list(self.instance.zones.values_list("pk", flat=True))
        elif premises is not None:
            zones.queryset = Zone.objects.filter(premises__in=premises, active=True)


class DelegationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Delegation
        fields = ["kind", "country", "name"]
        help_texts = {"name": _("Leave blank for a State: its country's name is used.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class AccreditationForm(forms.Form):
    """Accredit a delegate: one already recorded at the duty station, or a new one."""

    delegation = forms.ModelChoiceField(label=_("Delegation"),
                                        queryset=Delegation.objects.none())
    holder = forms.ModelChoiceField(label=_("Delegate already recorded"), required=False,
                                    queryset=PassHolder.objects.none())
    family_name = forms.CharField(label=_("Or a new delegate: family name"), max_length=100,
                                  required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    function = forms.CharField(label=_("Function"), max_length=120, required=False,
                               help_text=_("Head of delegation, delegate, adviser..."))

    def __init__(self, *args: Any, delegations: Any, delegates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["delegation"]).queryset = delegations  # type: ignore[type-arg]
        cast(forms.ModelChoiceField, self.fields["holder"]).queryset = delegates  # type: ignore[type-arg]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("holder") and not (data.get("family_name") or "").strip():
            self.add_error("holder", _("Choose a delegate or give a new delegate's name."))
        return data
