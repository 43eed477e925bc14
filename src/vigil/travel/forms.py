"""Forms of travel. The request form is built for a phone: one column, one segment a card,
duty stations and air operators typed with suggestions instead of long drop-downs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.people.models import Dependant, Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.travel.models import (
    Advisory,
    AirOperator,
    AreaControl,
    SecurityContact,
    Segment,
    TravelRequest,
)

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time without a zone: the zone is the place's, applied by the service."""

    widget = LOCAL

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", LOCAL_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        for fmt in LOCAL_FORMATS:
            try:
                return dt.datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007 - wall clock
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def station_label(station: DutyStation) -> str:
    return f"{station.code} · {station.name}"


def operator_label(operator: AirOperator) -> str:
    return f"{operator.iata or operator.icao} · {operator.name}"


class CodeField(forms.CharField):
    """A record typed as its code (the suggestion list shows "CODE · Name"), or by its name."""

    not_found: Any  # translatable, with %(code)s
    # Each kind of record says how it is found: by its code, else by the text typed.
    find: Callable[[str, str], Any]

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        code = text.split("·")[0].strip().upper()
        found = self.find(code, text)
        if found is None:
            raise forms.ValidationError(self.not_found, params={"code": code})
        return found


class StationField(CodeField):
    """A duty station, by its code or name."""

    not_found = _("No duty station has the code “%(code)s”.")

    def find(self, code: str, text: str) -> DutyStation | None:
        return DutyStation.objects.filter(code=code).first() or \
            DutyStation.objects.filter(name__iexact=text).first()


class OperatorField(CodeField):
    """An air operator, by its IATA or ICAO code (operating ones first) or its name."""

    not_found = _("No air operator has the code “%(code)s”.")

    def find(self, code: str, text: str) -> AirOperator | None:
        found = AirOperator.objects.filter(iata=code) if len(code) == 2 else \
            AirOperator.objects.filter(icao=code)
        return found.order_by("-is_active", "pk").first() or \
            AirOperator.objects.filter(name__iexact=text).first()


class RequestForm(forms.Form):
    traveller = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Traveller"))
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    kind = forms.ChoiceField(label=_("Type of travel"), choices=TravelRequest.Kind.choices,
                             widget=forms.RadioSelect, initial=TravelRequest.Kind.OFFICIAL)
    dependants = forms.ModelMultipleChoiceField(
        queryset=Dependant.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Dependants travelling"))
    contacts = forms.CharField(
        label=_("Contacts during the trip"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name; phone; e-mail. Such as: Hotel Serena; +254 20 2822000;"
                    " reception@serena.example"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        traveller = cast("forms.ModelChoiceField[Person]", self.fields["traveller"])
        traveller.queryset = Person.objects.filter(pk__in=[p.pk for p in people])
        traveller.empty_label = None
        dependants = cast("forms.ModelMultipleChoiceField[Dependant]", self.fields["dependants"])
        dependants.queryset = Dependant.objects.filter(person__in=people,
                                                       status=Dependant.Status.ACTIVE)

    def clean_contacts(self) -> list[dict[str, str]]:
        contacts = []
        for number, line in enumerate(self.cleaned_data["contacts"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            name, phone, email = ([*parts, "", "", ""])[:3]
            if not name or not (phone or email):
                raise forms.ValidationError(_(
                    "Line %(n)s: give a name and a phone or an e-mail address, separated by "
                    "semicolons."), params={"n": number})
            contacts.append({"name": name, "phone": phone, "email": email})
        return contacts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        traveller = data.get("traveller")
        wrong = [d for d in data.get("dependants") or [] if traveller
                 and d.person_id != traveller.pk]
        if wrong:
            self.add_error("dependants", _("Choose dependants of the traveller."))
        return data


class SegmentForm(forms.Form):
    origin_station = StationField(label=_("From (duty station)"), required=False)
    origin_name = forms.CharField(label=_("or place"), required=False, max_length=150)
    origin_country = forms.ModelChoiceField(queryset=Country.objects.all(), required=False,
                                            label=_("Country"), to_field_name="iso2")
    origin_latitude = forms.FloatField(label=_("Latitude"), required=False)
    origin_longitude = forms.FloatField(label=_("Longitude"), required=False)
    departs_local = LocalDateTimeField(label=_("Departure (local time)"))
    destination_station = StationField(label=_("To (duty station)"), required=False)
    destination_name = forms.CharField(label=_("or place"), required=False, max_length=150)
    destination_country = forms.ModelChoiceField(queryset=Country.objects.all(),
                                                 required=False, label=_("Country"),
                                                 to_field_name="iso2")
    destination_latitude = forms.FloatField(label=_("Latitude"), required=False)
    destination_longitude = forms.FloatField(label=_("Longitude"), required=False)
    arrives_local = LocalDateTimeField(label=_("Arrival (local time)"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Segment.Mode.choices,
                             initial=Segment.Mode.AIR)
    operator = OperatorField(label=_("Air operator"), required=False,
                             help_text=_("Its IATA code, such as KQ."))
    flight_number = forms.CharField(label=_("Flight number"), required=False, max_length=10)
    lodging_name = forms.CharField(label=_("Accommodation"), required=False, max_length=150)
    lodging_address = forms.CharField(label=_("Accommodation address"), required=False,
                                      max_length=300)
    lodging_latitude = forms.FloatField(label=_("Accommodation latitude"), required=False)
    lodging_longitude = forms.FloatField(label=_("Accommodation longitude"), required=False)
    stays_until_local = LocalDateTimeField(
        label=_("Staying until (local time)"), required=False,
        help_text=_("Only for a last stop that is not your duty station."))

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "DELETE"}
        return {k: v for k, v in data.items() if v not in (None, "")}

    @staticmethod
    def initial_from(segment: Segment) -> dict[str, Any]:
        def local(value: dt.datetime | None, zone: str) -> str:
            return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if value else ""

        data: dict[str, Any] = {}
        for end in ("origin", "destination"):
            station = getattr(segment, f"{end}_station")
            if station is not None:
                data[f"{end}_station"] = station_label(station)
            else:
                country = getattr(segment, f"{end}_country")
                data.update({f"{end}_name": getattr(segment, f"{end}_name"),
                             f"{end}_country": country.iso2 if country else "",
                             f"{end}_latitude": getattr(segment, f"{end}_latitude"),
                             f"{end}_longitude": getattr(segment, f"{end}_longitude")})
        data.update({
            "departs_local": local(segment.departs_at, segment.origin_tz),
            "arrives_local": local(segment.arrives_at, segment.destination_tz),
            "stays_until_local": local(segment.stays_until, segment.destination_tz),
            "mode": segment.mode, "operator": operator_label(segment.operator)
            if segment.operator else "", "flight_number": segment.flight_number,
            "lodging_name": segment.lodging_name, "lodging_address": segment.lodging_address,
            "lodging_latitude": segment.lodging_latitude,
            "lodging_longitude": segment.lodging_longitude})
        return data


SegmentFormSet = forms.formset_factory(SegmentForm, extra=0, can_delete=True, min_num=1,
                                       validate_min=True, max_num=20)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.RadioSelect, label=_("Decision"))
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required to refuse; the traveller reads it."))


class DelegationForm(forms.Form):
    username = forms.CharField(label=_("Assistant's user name"), max_length=150)

    def clean_username(self) -> Any:
        user = get_user_model().objects.filter(
            username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user has this name."))
        return user


class RequestFilters(ListFilters):
    q = search_field()
    status = choice_filter(_("Status"), TravelRequest.Status.choices, _("Any status"))
    kind = choice_filter(_("Type"), TravelRequest.Kind.choices, _("Any type"))
    country = country_field(_("Destination country (ISO code)"), 3)


class AdvisoryFilters(ListFilters):
    q = search_field()
    country = country_field(_("Country (ISO code)"), 3)
    level = choice_filter(_("Level"), Advisory._meta.get_field("level").choices, _("Any level"))
    source = choice_filter(_("Source"), Advisory.Source.choices, _("Any source"))
    in_force = forms.BooleanField(label=_("In force only"), required=False)

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args["in_force"] = bool(args["in_force"])
        return args


class OperatorFilters(ListFilters):
    q = search_field()
    suitability = choice_filter(_("Suitability"), AirOperator.Suitability.choices)
    country = country_field(_("Country (ISO code)"), 2)
    active = choice_filter(_("Operating"), [("yes", _("Operating")),
                                            ("no", _("Not operating"))])


class AdvisoryForm(VersionedForm):
    source_url = forms.URLField(label=_("source address"), required=False, max_length=400,
                                assume_scheme="https")

    class Meta:
        model = Advisory
        fields = ["country", "security_area", "level", "title", "text", "source", "source_url",
                  "issued_on", "valid_until", "withdrawn"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}),
                   "valid_until": forms.DateInput(attrs={"type": "date"}),
                   "text": forms.Textarea(attrs={"rows": 8})}


class ContactForm(VersionedForm):
    phones = forms.CharField(label=_("Phones"), required=False,
                             help_text=_("Separate several numbers with commas."))

    class Meta:
        model = SecurityContact
        fields = ["country", "security_area", "duty_station", "function", "name", "phones",
                  "email", "radio", "around_the_clock", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["phones"] = ", ".join(self.instance.phones)

    def clean_phones(self) -> list[str]:
        return [p.strip() for p in self.cleaned_data["phones"].split(",") if p.strip()]


class AreaControlForm(VersionedForm):
    class Meta:
        model = AreaControl
        fields = ["manual_clearance", "closed", "ssafe_required", "max_visitors",
                  "movement_limits"]


class WhereaboutsForm(forms.Form):
    area = forms.ModelChoiceField(queryset=None, required=False,
                                  label=_("Security area"))
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90,
                                max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180,
                                 max_value=180)
    radius_km = forms.FloatField(label=_("Radius (km)"), required=False, min_value=0.1,
                                 max_value=2000, initial=25)
    at = LocalDateTimeField(label=_("At (UTC)"), required=False)

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[SecurityArea]", self.fields["area"]).queryset = areas

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        point = data.get("latitude") is not None and data.get("longitude") is not None
        if not data.get("area") and not point:
            raise forms.ValidationError(_("Choose a security area, or give a point and a "
                                          "radius."))
        if point and not data.get("radius_km"):
            data["radius_km"] = 25.0
        return data
