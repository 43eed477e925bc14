"""Forms of host-country cooperation: the filters of the country list, and one form per
record (agreement, support, liaison meeting, incident handling, engagement rating), each
offering only the countries and duty stations where the user manages host-country
cooperation."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.coordination import host_rules as rules
from vigil.coordination import host_selectors as selectors
from vigil.coordination.models import (
    EngagementRating,
    EngagementScore,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    LiaisonMeeting,
)
from vigil.core.authz import Perm
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.places.models import DutyStation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MANAGE = Perm.MANAGE_HOST_COUNTRY


class CountryFilters(ListFilters):
    q = search_field(_("A country's name or ISO code."))
    score = choice_filter(_("Latest rating"), [(str(v), f"{v} · {label}")
                                                for v, label in EngagementScore.choices])
    trend = choice_filter(_("Trend"), [(t.value, label)
                                       for t, label in rules.TREND_LABELS.items()])


class _CountryForm(VersionedForm):
    """A record of one country: the country chosen among those the user manages."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = selectors.host_countries(user=user, perm=MANAGE)
        field = cast("forms.ModelChoiceField[Any]", self.fields["country"])
        field.queryset = countries
        self._countries = countries


class AgreementForm(_CountryForm):
    class Meta:
        model = HostAgreement
        fields = ["country", "kind", "title", "reference", "signed_on", "in_force_from",
                  "in_force_until", "security_provisions"]
        widgets = {"signed_on": DATE, "in_force_from": DATE, "in_force_until": DATE,
                   "security_provisions": forms.Textarea(attrs={"rows": 4})}


class SupportForm(_CountryForm):
    class Meta:
        model = HostSupport
        fields = ["country", "duty_station", "agreement", "kind", "provider", "description",
                  "strength", "starts_on", "ends_on", "reliable"]
        widgets = {"starts_on": DATE, "ends_on": DATE,
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["duty_station"]).queryset = \
            DutyStation.objects.filter(country__in=self._countries, is_active=True).order_by(
                "name")
        cast("forms.ModelChoiceField[Any]", self.fields["agreement"]).queryset = \
            HostAgreement.objects.filter(country__in=self._countries).select_related(
                "country")


class MeetingForm(_CountryForm):
    class Meta:
        model = LiaisonMeeting
        fields = ["country", "held_on", "host_authority", "host_participants",
                  "un_participants", "topics", "outcome", "follow_up", "follow_up_due"]
        widgets = {"held_on": DATE, "follow_up_due": DATE,
                   **{name: forms.Textarea(attrs={"rows": 3})
                      for name in ("host_participants", "un_participants", "topics",
                                   "outcome", "follow_up")}}


class HandlingForm(VersionedForm):
    class Meta:
        model = IncidentHandling
        fields = ["reported_on", "investigation", "authority", "arrests", "prosecution",
                  "notes"]
        widgets = {"reported_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class RatingForm(_CountryForm):
    class Meta:
        model = EngagementRating
        fields = ["country", "period_start", "period_end", "score", "justification"]
        widgets = {"period_start": DATE, "period_end": DATE,
                   "justification": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"justification": _("What the host government did or did not do over "
                                         "the period: agreements honoured, support "
                                         "delivered, liaison, response to incidents.")}


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Last day"), required=False, widget=DATE,
                         help_text=_("Empty: today."))
