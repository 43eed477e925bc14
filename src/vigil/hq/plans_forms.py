"""Forms of emergency plans and drills: filters, the plan and drill records, the moves of a
plan, its review, corrective actions and their closing, and the configured periods."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, visible
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.hq import plans_rules as rules
from vigil.hq.models import (
    ActionStatus,
    CorrectiveAction,
    Drill,
    DrillKind,
    EmergencyPlan,
    PlanKind,
    PlanStatus,
)
from vigil.hq.plans_selectors import hq_stations, testable_plans
from vigil.places.models import Premises

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _station_choices(user: Any) -> list[tuple[str, Any]]:
    return [("", _("Any duty station")),
            *((str(s.pk), s.name) for s in hq_stations(user=user))]


class _StationFilter(ListFilters):
    duty_station = forms.ChoiceField(label=_("Duty station"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duty_station"]).choices = _station_choices(user)


class PlanFilters(_StationFilter):
    q = search_field()
    kind = choice_filter(_("Kind"), PlanKind.choices)
    status = choice_filter(_("Status"), PlanStatus.choices)


class DrillFilters(_StationFilter):
    q = search_field(_("Words in the findings."))
    kind = choice_filter(_("Kind"), DrillKind.choices)
    since = forms.DateField(label=_("Held from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Held until"), required=False, widget=DATE)

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        for name in ("since", "until"):
            args[name] = args[name] or None
        return args


class ActionFilters(_StationFilter):
    status = choice_filter(_("Status"), ActionStatus.choices)
    overdue = choice_filter(_("Due date"), [("on", _("Overdue only"))], _("Any due date"))

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        args["overdue"] = args["overdue"] == "on"
        return args


class PlanForm(VersionedForm):
    owner = forms.ModelChoiceField(
        label=_("Owner (username)"), queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username", widget=forms.TextInput, required=False,
        help_text=_("Who keeps the plan up to date. Empty: you."),
        error_messages={"invalid_choice": _("No active user has this username.")})

    class Meta:
        model = EmergencyPlan
        fields = ["duty_station", "kind", "title", "version_label", "owner", "summary",
                  "document_reference", "review_due_set"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5}), "review_due_set": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["duty_station"]).queryset = \
            hq_stations(user=user, perm=Perm.MANAGE_EMERGENCY_PLANS)
        if self.instance.pk and not self.is_bound:
            self.initial["owner"] = self.instance.owner.get_username()

    def clean_owner(self) -> Any:
        return self.cleaned_data.get("owner") or None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class PlanMoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Note"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class PlanReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reviewed_on = forms.DateField(label=_("Reviewed on"), required=False, widget=DATE,
                                  help_text=_("Empty: today."))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DrillForm(VersionedForm):
    plans = forms.ModelMultipleChoiceField(
        label=_("Plans tested"), queryset=EmergencyPlan.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A drill that tests a plan counts as the test of its kind of plan."))

    class Meta:
        model = Drill
        fields = ["duty_station", "premises", "kind", "held_on", "participants",
                  "duration_minutes", "findings"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 5}), "held_on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = hq_stations(user=user, perm=Perm.MANAGE_EMERGENCY_PLANS)
        cast("forms.ModelChoiceField[Any]", self.fields["duty_station"]).queryset = \
            stations
        cast("forms.ModelChoiceField[Any]", self.fields["premises"]).queryset = \
            Premises.objects.filter(duty_station__in=stations).select_related(
                "duty_station")
        station = self.instance.duty_station if self.instance.duty_station_id else None
        plans = cast("forms.ModelMultipleChoiceField[Any]", self.fields["plans"])
        plans.queryset = testable_plans(station=station).filter(
            duty_station__in=stations)
        plans.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.duty_station.name} · {obj.get_kind_display()} · {obj.version_label} "
            f"({obj.get_status_display()})")
        if self.instance.pk and not self.is_bound:
            self.initial["plans"] = list(self.instance.plans.values_list("pk", flat=True))


class ActionForm(VersionedForm):
    class Meta:
        model = CorrectiveAction
        fields = ["description", "owner", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_on": DATE}


class ActionCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("How it was completed"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    closed_on = forms.DateField(label=_("Closed on"), required=False, widget=DATE,
                                help_text=_("Empty: today."))


class PlanSettingsForm(forms.Form):
    """For each kind: required, review period, test period."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, periods: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = rules.policy_from_data(periods)
        for kind in rules.KINDS:
            label = rules.KIND_LABELS[kind]
            self.fields[f"{kind}_required"] = forms.BooleanField(
                label=_("%(kind)s required") % {"kind": label}, required=False,
                initial=policy[kind].required)
            self.fields[f"{kind}_review_months"] = forms.IntegerField(
                label=_("%(kind)s: review period (months)") % {"kind": label},
                min_value=1, max_value=rules.MAX_MONTHS, initial=policy[kind].review_months)
            self.fields[f"{kind}_test_months"] = forms.IntegerField(
                label=_("%(kind)s: test period (months)") % {"kind": label},
                min_value=1, max_value=rules.MAX_MONTHS, initial=policy[kind].test_months)

    def periods(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {kind: {"required": bool(data.get(f"{kind}_required")),
                       "review_months": data.get(f"{kind}_review_months"),
                       "test_months": data.get(f"{kind}_test_months")}
                for kind in rules.KINDS}


__all__ = ["ActionCloseForm", "ActionFilters", "ActionForm", "DrillFilters", "DrillForm",
           "PlanFilters", "PlanForm", "PlanMoveForm", "PlanReviewForm", "PlanSettingsForm",
           "visible"]
