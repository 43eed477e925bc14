from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.places.models import DutyStation, Premises, SecurityArea

if TYPE_CHECKING:
    from django.db.models import Model


class DutyStationFilters(ListFilters):
    q = search_field(_("Name or code"))
    country = country_field(max_length=3)
    kind = choice_filter(_("Type"), DutyStation.Kind.choices)


class DutyStationForm(VersionedForm):
    class Meta:
        model = DutyStation
        fields = ["code", "name", "country", "security_area", "kind", "latitude", "longitude",
                  "time_zone", "is_active"]
        help_texts = {
            "latitude": _("WGS84 decimal degrees, -90 to 90."),
            "longitude": _("WGS84 decimal degrees, -180 to 180."),
            "time_zone": _("IANA name, such as Africa/Nairobi."),
        }


class SecurityAreaFilters(ListFilters):
    q = search_field(_("Name or code"))
    country = country_field(max_length=3)


class SecurityAreaForm(VersionedForm):
    class Meta:
        model = SecurityArea
        fields = ["country", "code", "name", "description", "boundary"]
        widgets = {"boundary": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
                   "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "code": _("Capital letters, digits and hyphens; unique within the country."),
            "boundary": _("Optional. A GeoJSON (RFC 7946) Polygon or MultiPolygon geometry, "
                          "longitude first, WGS84."),
        }


class PremisesFilters(ListFilters):
    q = search_field(_("Name or address"))
    country = country_field()


class PremisesForm(VersionedForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations present"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Premises
        fields = ["duty_station", "name", "address", "latitude", "longitude", "staff_capacity",
                  "visitor_capacity", "public_access"]

    def __init__(self, *args: Any, stations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Organizations are people's, a layer above: named through the relation it declares.
        org_model = Premises._meta.get_field("organizations").related_model
        organizations = cast("forms.ModelMultipleChoiceField[Model]",
                             self.fields["organizations"])
        organizations.queryset = org_model._default_manager.filter(is_active=True)
        if stations is not None:
            cast("forms.ModelChoiceField[DutyStation]",
                 self.fields["duty_station"]).queryset = stations
        if self.instance.pk:
            self.fields["organizations"].initial = list(
                self.instance.organizations.values_list("pk", flat=True))
