"""Forms of aviation advice: the registry filters, the assessment, the registry's facts, the
advice request and its answer, the SP2.2.d period and the settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.aviation.models import AdviceRequest, Assessment, AviationSettings
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.travel.forms import OperatorField
from vigil.travel.models import AirOperator

DATE = forms.DateInput(attrs={"type": "date"})
SUITABILITY_CHOICES = [
    ("suitable", _("Suitable")), ("with_conditions", _("Suitable with conditions")),
    ("unsuitable", _("Not suitable")), ("not_assessed", _("Not assessed"))]
AOC_CHOICES = [("unknown", _("Not known")), ("valid", _("Valid")),
               ("suspended", _("Suspended")), ("revoked", _("Revoked"))]


class OperatorFilters(ListFilters):
    q = search_field(_("Name, IATA or ICAO code"))
    suitability = choice_filter(_("Suitability"), SUITABILITY_CHOICES)
    aoc_state = choice_filter(_("Air operator certificate"), AOC_CHOICES)
    country = country_field(_("Country (ISO code)"))
    active = choice_filter(_("Operating"), [("yes", _("Operating")),
                                            ("no", _("Not operating"))])
    expiring = choice_filter(_("Review"), [("yes", _("Lapsed or lapsing within 30 days"))])


class AssessmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Assessment
        fields = ["outcome", "assessed_on", "valid_until", "icao_ei_score", "state_audit_note",
                  "iosa_registered", "iosa_expires", "bars_registered", "bars_expires",
                  "incident_history", "conditions", "note"]
        widgets = {"assessed_on": DATE, "valid_until": DATE, "iosa_expires": DATE,
                   "bars_expires": DATE, "state_audit_note": forms.Textarea(attrs={"rows": 3}),
                   "incident_history": forms.Textarea(attrs={"rows": 3}),
                   "conditions": forms.Textarea(attrs={"rows": 2}),
                   "note": forms.Textarea(attrs={"rows": 3})}


def assessment_initial(months: int, previous: Assessment | None) -> dict[str, Any]:
    """A new assessment starts from today, stands for the configured months, and carries the
    basis of the one before (which the assessor reviews)."""
    today = timezone.localdate()
    end = today + dt.timedelta(days=round(months * 365.25 / 12))
    initial: dict[str, Any] = {"assessed_on": today, "valid_until": end}
    if previous is not None:
        for name in ("icao_ei_score", "state_audit_note", "iosa_registered", "iosa_expires",
                     "bars_registered", "bars_expires", "incident_history", "conditions"):
            initial[name] = getattr(previous, name)
    return initial


class RegistryForm(VersionedForm):
    class Meta:
        model = AirOperator
        fields = ["aoc_state", "fleet_notes"]


class AdviceForm(forms.ModelForm):  # type: ignore[type-arg]
    operator = OperatorField(label=_("Air operator"), required=False,
                             help_text=_("Its IATA or ICAO code, or its name. Or give the "
                                         "route below."))

    class Meta:
        model = AdviceRequest
        fields = ["country", "operator", "origin", "destination", "question"]
        widgets = {"question": forms.Textarea(attrs={"rows": 5})}


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Why it is closed"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Needed when closing a request without an answer."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AdviceFilters(ListFilters):
    q = search_field(_("Question, operator or place"))
    status = choice_filter(_("Status"), AdviceRequest.Status.choices)
    country = country_field(_("Country (ISO code)"))


class InboxFilters(ListFilters):
    q = search_field(_("Question, operator or place"))
    country = country_field(_("Country (ISO code)"))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def period(self) -> tuple[dt.date, dt.date]:
        """The period asked for; by default the last 365 days. Reversed dates are swapped."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=364)
        return (start, end) if start <= end else (end, start)


class SettingsForm(VersionedForm):
    class Meta:
        model = AviationSettings
        fields = ["advice_target_hours", "validity_months"]
