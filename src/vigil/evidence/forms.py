"""Forms of the evidence pages: the index's filter and the settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from vigil.evidence.models import EvidenceSettings

LIST_HELP = {
    "step_bounds": _("Four chances between 0 and 1, rising, separated by commas: where "
                     "'unlikely', 'moderately likely', 'likely' and 'very likely' begin."),
    "level_prior": _("Six rates, one per security level 1 to 6, not falling, separated by "
                     "commas."),
}
NUMBER_HELP = {
    "half_life_years": _("An incident this many years old counts half as much as one today."),
    "severity_weight": _("0 counts every incident alike; 1 counts one that killed or "
                         "abducted someone twice."),
    "neighbour_weight": _("Between 0 and 1: what an incident elsewhere in the country or in a "
                          "neighbouring country counts, against one in the area itself."),
    "horizon_years": _("Incidents older than this are not read."),
    "prior_years": _("How many years of record the security level and advisory are worth."),
}


class EvidenceFilters(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, countries: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["country"]
        field.choices = [("", _("All countries")),
                         *((c.iso2, c.local_name) for c in countries)]

    def country_code(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("country") or "")
        return ""


def _label(name: str) -> Any:
    return capfirst(getattr(EvidenceSettings._meta.get_field(name), "verbose_name", name))


class SettingsForm(forms.Form):
    """The parameters, read as the service reads them: the ranges are the rules' own."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    half_life_years = forms.FloatField(label=_label("half_life_years"),
                                       help_text=NUMBER_HELP["half_life_years"])
    severity_weight = forms.FloatField(label=_label("severity_weight"),
                                       help_text=NUMBER_HELP["severity_weight"])
    neighbour_weight = forms.FloatField(label=_label("neighbour_weight"),
                                        help_text=NUMBER_HELP["neighbour_weight"])
    horizon_years = forms.FloatField(label=_label("horizon_years"),
                                     help_text=NUMBER_HELP["horizon_years"])
    prior_years = forms.FloatField(label=_label("prior_years"),
                                   help_text=NUMBER_HELP["prior_years"])
    step_bounds = forms.CharField(label=_label("step_bounds"), help_text=LIST_HELP["step_bounds"])
    level_prior = forms.CharField(label=_label("level_prior"), help_text=LIST_HELP["level_prior"])

    @classmethod
    def initial_of(cls, row: EvidenceSettings) -> dict[str, Any]:
        return {"version": row.version, "half_life_years": row.half_life_years,
                "severity_weight": row.severity_weight,
                "neighbour_weight": row.neighbour_weight, "horizon_years": row.horizon_years,
                "prior_years": row.prior_years,
                "step_bounds": ", ".join(f"{b:g}" for b in row.step_bounds),
                "level_prior": ", ".join(f"{p:g}" for p in row.level_prior)}

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
