"""Forms of security management teams: filters, the team, a meeting (schedule and edit), the
record of a meeting held (attendance of each member, guests, decisions), action points and
their closing, joint plans and their moves, and the meeting intervals."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination.models import (
    ActionPoint,
    ActionStatus,
    AttendanceStatus,
    JointPlan,
    JointPlanKind,
    JointPlanStatus,
    Meeting,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core.authz import Perm, visible
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, country_field, search_field
from vigil.core.levels import LEVEL_LABELS
from vigil.people.models import Organization
from vigil.places.models import Country, SecurityArea
from vigil.risk.selectors import plan_list as security_plan_list

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_DECISIONS = 30


def _user_label(user: Any) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


class _UserChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _user_label(obj)


# --- Filters --------------------------------------------------------------------------------

class TeamFilters(ListFilters):
    q = search_field(_("Words in the team's name, country or area."))
    country = country_field()
    kind = choice_filter(_("Team of"), [("country", _("A country")), ("area", _("An area"))])
    active = choice_filter(_("Active"), [("yes", _("Active teams")), ("no", _("Closed teams"))],
                           _("Active and closed"))
    late = choice_filter(_("Meetings"), [("yes", _("Late only"))], _("Late or not"))

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        if not self.is_bound:
            args["active"] = "yes"
        return args


class ActionFilters(ListFilters):
    q = search_field(_("Words in the action."))
    status = choice_filter(_("Status"), ActionStatus.choices)
    late = choice_filter(_("Due date"), [("yes", _("Late only"))], _("Any due date"))


class PlanFilters(ListFilters):
    q = search_field(_("Words in the title or notes."))
    kind = choice_filter(_("Kind"), JointPlanKind.choices)
    status = choice_filter(_("Status"), JointPlanStatus.choices)


class DecisionFilters(ListFilters):
    q = search_field(_("Words in the decision."))


# --- Teams ----------------------------------------------------------------------------------

class TeamForm(VersionedForm):
    class Meta:
        model = SecurityManagementTeam
        fields = ["country", "security_area", "name", "established_on", "terms_of_reference"]
        widgets = {"established_on": DATE,
                   "terms_of_reference": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The places where the user may keep a team: countries and areas in their scope.
        areas = visible(user, Perm.MANAGE_SMT, SecurityArea.objects.all())
        countries = Country.objects.filter(
            Q(pk__in=visible(user, Perm.MANAGE_SMT, Country.objects.all()).values("pk"))
            | Q(pk__in=areas.values("country_id"))).order_by("name")
        cast("forms.ModelChoiceField[Any]", self.fields["country"]).queryset = countries
        cast("forms.ModelChoiceField[Any]", self.fields["security_area"]).queryset = \
            areas.select_related("country").order_by("country__name", "name")


class VersionOnly(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- Meetings -------------------------------------------------------------------------------

class MeetingForm(VersionedForm):
    chaired_by = _UserChoice(label=_("Chaired by"), queryset=get_user_model().objects.none(),
                             required=False)

    class Meta:
        model = Meeting
        fields = ["held_on", "kind", "location", "chaired_by", "agenda"]
        widgets = {"held_on": DATE, "agenda": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"agenda": _("One item a line.")}

    def __init__(self, *args: Any, team: SecurityManagementTeam, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(_UserChoice, self.fields["chaired_by"]).queryset = selectors.owner_candidates(team)


class MeetingRecordForm(forms.Form):
    """The meeting as held. The attendance rows and the decisions are read beside it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    location = forms.CharField(label=_("Place"), required=False, max_length=200)
    chaired_by = _UserChoice(label=_("Chaired by"), queryset=get_user_model().objects.none(),
                             required=False)
    agenda = forms.CharField(label=_("Agenda"), required=False,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("One item a line."))
    summary = forms.CharField(label=_("Summary"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))
    guests = forms.CharField(label=_("Guests"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Somebody who is not a member: one name a line."))
    minutes_approved_on = forms.DateField(label=_("Minutes approved on"), required=False,
                                          widget=DATE, help_text=_("Empty: not yet."))

    def __init__(self, *args: Any, meeting: Meeting, decisions: list[str], **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        cast(_UserChoice, self.fields["chaired_by"]).queryset = selectors.owner_candidates(
            meeting.team)
        rows = max(len(decisions) + 3, 5)
        for number in range(1, min(rows, MAX_DECISIONS) + 1):
            self.fields[f"decision_{number}"] = forms.CharField(
                label=_("Decision %(number)d") % {"number": number}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=decisions[number - 1] if number <= len(decisions) else "")

    def decision_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("decision_")]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.fields
                if not name.startswith("decision_") and name != "version"]

    def decisions(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.fields
                if name.startswith("decision_")]

    def guest_names(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("guests") or "").splitlines()
                if line.strip()]


class AttendanceForm(forms.Form):
    """One member's attendance."""

    appointment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Attendance"), choices=AttendanceStatus.choices)
    represented_by = forms.CharField(label=_("Represented by"), required=False, max_length=200)


AttendanceFormSet = forms.formset_factory(AttendanceForm, extra=0)


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why it is cancelled"), required=False, max_length=2000)


# --- Action points --------------------------------------------------------------------------

class ActionForm(VersionedForm):
    owner = _UserChoice(label=_("Owner"), queryset=get_user_model().objects.none(),
                        help_text=_("A member of the team, or somebody with access to its "
                                    "records."))

    class Meta:
        model = ActionPoint
        fields = ["text", "owner", "due_on", "decision"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "due_on": DATE}

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(_UserChoice, self.fields["owner"]).queryset = selectors.owner_candidates(
            meeting.team)
        decision = cast("forms.ModelChoiceField[Any]", self.fields["decision"])
        decision.queryset = meeting.decisions.order_by("number")
        decision.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.number}. {obj.text[:80]}")


class ActionCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("done", _("Done")), ("drop", _("Dropped"))])
    note = forms.CharField(label=_("How it was done, or why it was dropped"), required=False,
                           max_length=2000)


class ActionReopenForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why it is reopened"), required=False, max_length=2000)


# --- Joint plans ----------------------------------------------------------------------------

class JointPlanForm(VersionedForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations planning together"), queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("At least two."))
    lead = _UserChoice(label=_("Lead"), queryset=get_user_model().objects.none(),
                       required=False)

    class Meta:
        model = JointPlan
        fields = ["title", "kind", "organizations", "lead", "review_due", "security_plan",
                  "notes"]
        widgets = {"review_due": DATE, "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, team: SecurityManagementTeam, user: Any, **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["organizations"]).queryset = \
            Organization.objects.order_by("code")
        cast(_UserChoice, self.fields["lead"]).queryset = selectors.owner_candidates(team)
        cast("forms.ModelChoiceField[Any]", self.fields["security_plan"]).queryset = \
            security_plan_list(user=user).filter(country_id=team.country_id)
        if self.instance.pk and not self.is_bound:
            self.initial["organizations"] = list(
                self.instance.organizations.values_list("pk", flat=True))


class JointPlanMoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agreed_on = forms.DateField(label=_("Agreed on"), required=False, widget=DATE)
    agreed_at = forms.ModelChoiceField(label=_("Agreed at meeting"), required=False,
                                       queryset=Meeting.objects.none())

    def __init__(self, *args: Any, plan: JointPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["agreed_at"]).queryset = \
            Meeting.objects.filter(team_id=plan.team_id, status=MeetingStatus.HELD).order_by(
                "-held_on")


# --- Settings -------------------------------------------------------------------------------

class SettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, intervals: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in rules.LEVELS:
            self.fields[f"level_{level}"] = forms.IntegerField(
                label=_("Level %(level)d (%(label)s): days between meetings") % {
                    "level": level, "label": LEVEL_LABELS[level]},
                initial=intervals[str(level)])

    def intervals(self) -> dict[str, Any]:
        return {str(level): self.cleaned_data.get(f"level_{level}") for level in rules.LEVELS}
