"""Forms of training: list filters, the course and session records, enrolment, attendance,
results, a completion recorded by hand, a revocation, and the code to check."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm
from vigil.core.forms import ListFilters, VersionedForm, choice_filter, search_field
from vigil.core.roles import ROLE_LABELS, Role
from vigil.people.models import Person
from vigil.places.models import DutyStation
from vigil.training import rules, selectors
from vigil.training.models import (
    CompletionSource,
    Course,
    CourseKind,
    Result,
    Session,
    SessionStatus,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _course_choices(user: Any) -> list[tuple[str, Any]]:
    return [("", _("Any course")),
            *((str(c.pk), f"{c.code} — {c.name}") for c in selectors.course_list(user=user))]


class CourseFilters(ListFilters):
    q = search_field()
    kind = choice_filter(_("Kind"), CourseKind.choices)
    active = choice_filter(_("Offered"), [("yes", _("Offered")), ("no", _("Withdrawn"))])


class SessionFilters(ListFilters):
    q = search_field(_("Course, venue or trainer."))
    course = forms.ChoiceField(label=_("Course"), required=False)
    status = choice_filter(_("Status"), SessionStatus.choices)
    when = choice_filter(_("When"), [("upcoming", _("Upcoming and running")),
                                     ("past", _("Past"))])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["course"]).choices = _course_choices(user)


class CompletionFilters(ListFilters):
    q = search_field(_("Family name, index number or certificate code."))
    course = forms.ChoiceField(label=_("Course"), required=False)
    source = choice_filter(_("Source"), CompletionSource.choices)
    state = choice_filter(_("Validity"), [(rules.VALID, _("Valid today")),
                                          (rules.EXPIRED, _("Expired")),
                                          (rules.REVOKED, _("Revoked"))])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["course"]).choices = _course_choices(user)


class CourseForm(VersionedForm):
    required_categories = forms.MultipleChoiceField(
        label=_("Required of these staff categories"), required=False,
        choices=Person.Category.choices, widget=forms.CheckboxSelectMultiple)
    required_roles = forms.MultipleChoiceField(
        label=_("Required of these roles"), required=False,
        choices=[(r.value, ROLE_LABELS[r]) for r in Role], widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Course
        fields = ["code", "name", "kind", "description", "validity_months",
                  "applies_to_dependants", "dependant_minimum_age", "required_for_all",
                  "required_categories", "required_roles", "required_duty_stations",
                  "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = cast(forms.ModelMultipleChoiceField, self.fields["required_duty_stations"])  # type: ignore[type-arg]
        stations.queryset = DutyStation.objects.filter(is_active=True).order_by("name")
        stations.help_text = _("Everyone at these duty stations must hold the course.")


class SessionForm(VersionedForm):
    class Meta:
        model = Session
        fields = ["course", "duty_station", "venue", "online", "starts_at", "ends_at",
                  "time_zone", "trainers", "capacity", "notes"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME,
                   "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"starts_at": _("In UTC."), "ends_at": _("In UTC."),
                      "time_zone": _("The zone times are shown in; blank: the duty "
                                     "station's.")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        course = cast(forms.ModelChoiceField, self.fields["course"])  # type: ignore[type-arg]
        course.queryset = selectors.course_list(user=user).filter(is_active=True)
        station = cast(forms.ModelChoiceField, self.fields["duty_station"])  # type: ignore[type-arg]
        station.queryset = selectors.stations_for_needs(user=user)
        self.fields["time_zone"].required = False


class EnrolForm(forms.Form):
    """Whom to enrol: a staff member, or one of their dependants ("person:12", "dep:4")."""

    who = forms.ChoiceField(label=_("Who"))

    def __init__(self, *args: Any, user: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = []
        people = selectors.enrollable_people(user=user)[:500]
        choices += [(f"person:{p.pk}", f"{p.full_name} ({p.index_number})") for p in people]
        if session.course.applies_to_dependants:
            for d in selectors.enrollable_dependants(user=user)[:500]:
                choices.append((f"dep:{d.pk}", _("%(name)s, dependant of %(staff)s") % {
                    "name": f"{d.family_name.upper()}, {d.given_name}",
                    "staff": d.person.full_name}))
        cast(forms.ChoiceField, self.fields["who"]).choices = choices
        self.has_choices = bool(choices)

    def holder(self, user: Any) -> tuple[Any, Any]:
        kind, _sep, pk = self.cleaned_data["who"].partition(":")
        if kind == "dep":
            dependant = selectors.enrollable_dependants(user=user).get(pk=pk)
            return dependant.person, dependant
        return selectors.enrollable_people(user=user).get(pk=pk), None


class VersionButton(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResultForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    score = forms.DecimalField(label=_("Score (%)"), required=False, min_value=0,
                               max_value=100, decimal_places=2)
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DATE,
                                   help_text=_("Blank: the session's last day."))


class CompletionForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Staff member"), queryset=Person.objects.none())
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    score = forms.DecimalField(label=_("Score (%)"), required=False, min_value=0,
                               max_value=100, decimal_places=2)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = (  # type: ignore[type-arg]
            selectors.enrollable_people(user=user, perm=Perm.MANAGE_TRAINING))
        cast(forms.ModelChoiceField, self.fields["course"]).queryset = (  # type: ignore[type-arg]
            selectors.course_list(user=user))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=20,
                           help_text=_("As printed on the certificate: three groups of "
                                       "four letters and digits, such as 3EF9-T535-897G."))


class NeedsForm(forms.Form):
    duty_station = forms.ModelChoiceField(label=_("Duty station"),
                                          queryset=DutyStation.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["duty_station"]).queryset = (  # type: ignore[type-arg]
            selectors.stations_for_needs(user=user))
