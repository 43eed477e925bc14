from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import (
    ListFilters,
    VersionedForm,
    VersionForm,
    choice_filter,
    country_field,
    search_field,
)
from vigil.core.levels import LEVEL_LABELS
from vigil.places.models import DutyStation, Premises, SecurityArea
from vigil.risk import rules
from vigil.risk.models import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    MOSS_CATEGORY_LABELS,
    THREAT_LABELS,
    Mission,
    MissionRecommendation,
    MossDocument,
    MossItem,
    ProgrammeActivity,
    RiskEntry,
    SecurityPlan,
    SecurityRiskAssessment,
)
from vigil.risk.proposals import propose, shown

LEVEL_CHOICES = [(n, f"{n} · {label}") for n, label in LEVEL_LABELS.items()]


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer in a form's choice of records only these (a form without the field is left be)."""
    field = form.fields.get(name)
    if isinstance(field, forms.ModelChoiceField):
        field.queryset = queryset


class LevelBoardFilters(ListFilters):
    q = search_field(_("Area name or code"))
    country = country_field(max_length=3)
    overdue_only = forms.BooleanField(label=_("Only overdue or without a level"),
                                      required=False)


class ThreatAssessmentForm(forms.Form):
    """The five threat categories, each rated for likelihood and impact with a justification,
    and the level proposed."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, review: Any = None, area: SecurityArea | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whose evidence proposes a likelihood beside each rating; the rating stays the
        # officer's.
        self.area = area
        previous = review.ratings if review is not None else {}
        for category in rules.THREAT_CATEGORIES:
            label = THREAT_LABELS[category]
            old = previous.get(category, {})
            self.fields[f"{category}_likelihood"] = forms.ChoiceField(
                label=_("%(category)s: likelihood") % {"category": label},
                choices=[("", "—"), *LIKELIHOOD_LABELS.items()],
                initial=old.get("likelihood"))
            self.fields[f"{category}_impact"] = forms.ChoiceField(
                label=_("%(category)s: impact") % {"category": label},
                choices=[("", "—"), *IMPACT_LABELS.items()], initial=old.get("impact"))
            self.fields[f"{category}_justification"] = forms.CharField(
                label=_("%(category)s: justification") % {"category": label},
                widget=forms.Textarea(attrs={"rows": 2}), initial=old.get("justification"))
        self.fields["proposed_level"] = forms.TypedChoiceField(
            label=_("Proposed security level"), choices=LEVEL_CHOICES, coerce=int,
            initial=review.proposed_level if review is not None else None,
            help_text=_("The assessment derives a level from the worst-rated category; "
                        "propose another only with a justification."))
        self.fields["justification"] = forms.CharField(
            label=_("Why this level"), required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            initial=review.justification if review is not None else "")
        if review is not None:
            self.fields["version"].initial = review.version

    def ratings(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {c: {"likelihood": data.get(f"{c}_likelihood", ""),
                    "impact": data.get(f"{c}_impact", ""),
                    "justification": data.get(f"{c}_justification", "")}
                for c in rules.THREAT_CATEGORIES}

    def categories(self) -> list[dict[str, Any]]:
        """The fields grouped by category, with the evidence's proposal for the area as it
        stands today, for the template (which asks once)."""
        found = propose(self.area)
        return [{"label": THREAT_LABELS[c], "likelihood": self[f"{c}_likelihood"],
                 "impact": self[f"{c}_impact"], "justification": self[f"{c}_justification"],
                 "proposal": shown(found.get(c))}
                for c in rules.THREAT_CATEGORIES]


class ApproveForm(VersionForm):
    next_review_due = forms.DateField(label=_("Next review due"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("Comments"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(VersionForm):
    comment = forms.CharField(label=_("What must change"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class StartReviewForm(VersionForm):
    """Taking a proposal up for review: the version is all it carries."""


class MatrixForm(VersionForm):
    """The 5x5 risk matrix, one choice per cell."""

    def __init__(self, *args: Any, matrix: dict[str, dict[str, str]],
                 thresholds: list[list[int]], **kwargs: Any) -> None:
        from vigil.risk.models import RISK_LEVEL_LABELS

        super().__init__(*args, **kwargs)
        self.fields["level_thresholds"] = forms.CharField(
            label=_("Security level thresholds"), widget=forms.Textarea(attrs={"rows": 6}),
            initial="\n".join(f"{score} = {level}" for score, level in thresholds),
            help_text=_("One line per level: the lowest threat score (likelihood rank x "
                        "impact rank, 1 to 25) of the worst category that gives it."))
        for likelihood in reversed(rules.LIKELIHOODS):
            for impact in rules.IMPACTS:
                self.fields[f"{likelihood}__{impact}"] = forms.ChoiceField(
                    label=f"{LIKELIHOOD_LABELS[likelihood]} / {IMPACT_LABELS[impact]}",
                    choices=list(RISK_LEVEL_LABELS.items()),
                    initial=matrix[likelihood][impact])

    def thresholds(self) -> list[list[int]] | None:
        """The level thresholds as typed: one "lowest score = level" per line."""
        text = self.cleaned_data.get("level_thresholds", "")
        pairs = []
        for line in text.splitlines():
            if not line.strip():
                continue
            score, _sep, level = line.partition("=")
            try:
                pairs.append([int(score), int(level)])
            except ValueError:
                self.add_error("level_thresholds", _(
                    "Write one “lowest score = level” per line, such as “10 = 4”."))
                return None
        return pairs

    def matrix(self) -> dict[str, dict[str, str]]:
        return {li: {im: self.cleaned_data[f"{li}__{im}"] for im in rules.IMPACTS}
                for li in rules.LIKELIHOODS}

    def rows(self) -> list[dict[str, Any]]:
        return [{"label": LIKELIHOOD_LABELS[li],
                 "cells": [self[f"{li}__{im}"] for im in rules.IMPACTS]}
                for li in reversed(rules.LIKELIHOODS)]


class SraFilters(ListFilters):
    q = search_field(_("Title"))
    country = country_field()
    status = choice_filter(_("Status"), SecurityRiskAssessment.Status.choices)
    past_review = forms.BooleanField(label=_("Only past their review date"), required=False)


class SraForm(VersionedForm):
    class Meta:
        model = SecurityRiskAssessment
        fields = ["country", "security_area", "title", "summary", "valid_from", "valid_until",
                  "review_due"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}),
                   "valid_until": forms.DateInput(attrs={"type": "date"}),
                   "review_due": forms.DateInput(attrs={"type": "date"}),
                   "summary": forms.Textarea(attrs={"rows": 3})}


class RiskEntryForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput)
    moss_categories = forms.MultipleChoiceField(
        label=_("MOSS categories of the measures"), required=False,
        choices=list(MOSS_CATEGORY_LABELS.items()), widget=forms.CheckboxSelectMultiple)
    # The security area whose evidence proposes a likelihood (``for_area``); none, none shown.
    area: ClassVar[SecurityArea | None] = None

    @classmethod
    def for_area(cls, area: SecurityArea | None) -> type[RiskEntryForm]:
        """The form of a risk of an assessment of ``area``, showing the evidence's proposals."""
        return type(cls.__name__, (cls,), {"area": area, "__module__": cls.__module__})

    def proposals(self) -> list[dict[str, Any]]:
        """The evidence's proposal for each threat category of the area, for the template.
        Once a category is chosen (as posted, or the row's), the others are ``hidden`` (the
        page's script shows the one of the category chosen next). Asked once per form."""
        if not hasattr(self, "_proposals"):
            found = {c: shown(p) for c, p in propose(self.area).items()}
            chosen = (self.data.get("threat_category") if self.is_bound
                      else self.initial.get("threat_category"))
            self._proposals = [
                {**p, "category": c, "category_label": THREAT_LABELS[c],
                 "hidden": chosen in found and c != chosen}
                for c in rules.THREAT_CATEGORIES if (p := found.get(c)) is not None]
        return self._proposals

    class Meta:
        model = RiskEntry
        fields = ["threat_category", "description", "at_risk", "likelihood", "impact",
                  "mitigation", "moss_categories", "residual_likelihood", "residual_impact",
                  "response"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "mitigation": forms.Textarea(attrs={"rows": 3})}


class ActivityForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ProgrammeActivity
        fields = ["organization", "name", "criticality"]


class SraActionForm(VersionForm):
    comment = forms.CharField(label=_("Comments"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class MossFilters(ListFilters):
    q = search_field(_("Title"))
    country = country_field()
    kind = choice_filter(_("Kind"), MossDocument.Kind.choices)


class MossDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MossDocument.Kind.choices)
    sra = forms.ModelChoiceField(label=_("Derived from the SRA"), required=False,
                                 queryset=SecurityRiskAssessment.objects.none(),
                                 help_text=_("Required for a country MOSS: an SRA approved "
                                             "by the designated official."))
    duty_station = forms.ModelChoiceField(
        label=_("Headquarters duty station"), required=False,
        queryset=DutyStation.objects.filter(kind="hq"),
        help_text=_("For H-MOSS; a country MOSS takes the SRA's country."))
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args: Any, sras: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sras is not None:
            limit_choices(self, "sra", sras)


class MossItemForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = MossItem
        fields = ["category", "standard", "requirement", "remarks", "applies_to"]
        widgets = {"standard": forms.Textarea(attrs={"rows": 2}),
                   "requirement": forms.Textarea(attrs={"rows": 2}),
                   "remarks": forms.Textarea(attrs={"rows": 2})}


class StartAssessmentForm(forms.Form):
    duty_station = forms.ModelChoiceField(label=_("Duty station"), required=False,
                                          queryset=DutyStation.objects.none())
    premises = forms.ModelChoiceField(label=_("or premises"), required=False,
                                      queryset=Premises.objects.none())
    residence_index = forms.CharField(label=_("or the residence of (index number)"),
                                      required=False, max_length=20)
    assessed_on = forms.DateField(label=_("Assessed on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stations: Any = None, premises: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stations is not None:
            limit_choices(self, "duty_station", stations)
        if premises is not None:
            limit_choices(self, "premises", premises)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("duty_station") or data.get("premises")
                or data.get("residence_index")):
            raise forms.ValidationError(_("Choose the place assessed."))
        return data


class PlanFilters(ListFilters):
    q = search_field(_("Title"))
    country = country_field()
    status = choice_filter(_("Status"), SecurityPlan.Status.choices)


class PlanForm(VersionedForm):
    class Meta:
        model = SecurityPlan
        fields = ["country", "duty_station", "title", "review_due"]
        widgets = {"review_due": forms.DateInput(attrs={"type": "date"})}


def plan_part_form(model: type[Any], fields: list[str]) -> type[forms.ModelForm[Any]]:
    """The form of one part of a plan (zones, tree, sites, routes, attachments)."""
    return forms.modelform_factory(model, fields=fields, widgets={
        name: forms.Textarea(attrs={"rows": 2})
        for name in ("description", "notes", "trigger") if name in fields})


class MissionFilters(ListFilters):
    q = search_field(_("Purpose"))
    country = country_field()
    status = choice_filter(_("Status"), Mission.Status.choices)


class MissionForm(VersionedForm):
    class Meta:
        model = Mission
        fields = ["country", "kind", "purpose", "team", "planned_start", "planned_end"]
        widgets = {"planned_start": forms.DateInput(attrs={"type": "date"}),
                   "planned_end": forms.DateInput(attrs={"type": "date"}),
                   "purpose": forms.Textarea(attrs={"rows": 3})}


class MissionCloseForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("completed", _("Completed")), ("cancelled", _("Cancelled"))])
    completed_on = forms.DateField(label=_("Completed on"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    report = forms.CharField(label=_("Report summary"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))


class RecommendationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MissionRecommendation
        fields = ["finding", "recommendation", "owner", "due"]
        widgets = {"due": forms.DateInput(attrs={"type": "date"}),
                   "finding": forms.Textarea(attrs={"rows": 2}),
                   "recommendation": forms.Textarea(attrs={"rows": 2})}


class CloseRecommendationForm(forms.Form):
    note = forms.CharField(label=_("How it was done"), widget=forms.Textarea(attrs={"rows": 2}))


class SurveyFilters(ListFilters):
    q = search_field(_("Premises or duty station"))
    country = country_field()
