"""Forms of the accountability framework: the filters of the lists, recording an appointment,
editing and ending one, and a role requirement."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vigil.coordination import accountability_selectors as selectors
from vigil.coordination.models import Appointment, Function, RoleRequirement
from vigil.core.authz import Perm, visible
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.core.levels import LEVEL_LABELS
from vigil.people.models import Organization
from vigil.places.models import Country, DutyStation, SecurityArea

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _country_choices(user: Any) -> list[tuple[str, Any]]:
    return [("", _("Any country")),
            *((str(c.pk), c.name) for c in selectors.countries_seen(user=user))]


class _CountryFilter(ListFilters):
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _country_choices(user)


class AppointmentFilters(_CountryFilter):
    q = search_field(_("Name, username, organization code, zone or letter reference."))
    function = choice_filter(_("Function"), Function.choices)
    include_ended = forms.BooleanField(label=_("Include ended appointments"), required=False)

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args["include_ended"] = bool(args["include_ended"])
        return args


class GapFilters(_CountryFilter):
    function = choice_filter(_("Function"), Function.choices)


class AppointeeField(forms.CharField):
    """The appointee by username: a select of every account would not load at scale."""

    default_error_messages = {"unknown": _("No active account with this username.")}

    def to_python(self, value: Any) -> Any:
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        user = get_user_model().objects.filter(username__iexact=text, is_active=True).first()
        if user is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return user

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            user = get_user_model().objects.filter(pk=value).first()
            return user.get_username() if user else value
        return getattr(value, "username", value)


class AppointmentForm(VersionedForm):
    """Record an appointment: who, which function, where, from (and until) when."""

    user = AppointeeField(label=_("Appointee (username)"), help_text=_(
        "The Vigil account of the person appointed. The access the function needs is granted "
        "to it."))

    class Meta:
        model = Appointment
        fields = ["function", "user", "organization", "country", "security_area",
                  "duty_station", "zone", "starts_on", "ends_on", "reference"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        help_texts = {"security_area": _("Only for a deputy designated official or SMT member "
                                         "of an area."),
                      "duty_station": _("For field security officers, wardens and zone "
                                        "wardens.")}

    def __init__(self, *args: Any, user: Any, functions: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        cast(forms.ChoiceField, fields["function"]).choices = [
            ("", "---------"), *((v, label) for v, label in Function.choices if v in functions)]
        cast(Any, fields["country"]).queryset = visible(
            user, Perm.MANAGE_APPOINTMENTS, Country.objects.order_by("name"))
        cast(Any, fields["security_area"]).queryset = visible(
            user, Perm.MANAGE_APPOINTMENTS, SecurityArea.objects.select_related(
                "country").order_by("country__name", "name"))
        cast(Any, fields["duty_station"]).queryset = visible(
            user, Perm.MANAGE_APPOINTMENTS, DutyStation.objects.filter(
                is_active=True).order_by("country__name", "name"))
        cast(Any, fields["organization"]).queryset = \
            Organization.objects.order_by("code")


class AppointmentEditForm(VersionedForm):
    """The letter's reference, the organization represented, and a zone warden's zone."""

    class Meta:
        model = Appointment
        fields = ["reference", "organization", "zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["organization"]).queryset = \
            Organization.objects.order_by("code")
        if self.instance.function != Function.ZONE_WARDEN:
            del self.fields["zone"]
        else:
            self.fields["zone"].required = True


class AppointmentEndForm(forms.Form):
    ends_on = forms.DateField(label=_("Last day held"), widget=DATE)
    end_reason = forms.CharField(label=_("Reason for ending"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RequirementForm(VersionedForm):
    """How many holders a function needs in each place of a level, and from which security
    level; or not at all."""

    class Meta:
        model = RoleRequirement
        fields = ["minimum", "from_security_level", "active"]
        widgets = {"from_security_level": forms.Select(choices=[
            (level, format_lazy("{} · {}", level, label))
            for level, label in LEVEL_LABELS.items()])}
