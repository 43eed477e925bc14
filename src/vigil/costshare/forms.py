"""Forms of cost-sharing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import ImportForm, VersionedForm
from vigil.costshare.models import Biennium, Census


class BienniumForm(VersionedForm):
    class Meta:
        model = Biennium
        fields = ["start_year", "budget", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        """The service says when a biennium exists already."""


class ThresholdForm(forms.Form):
    below_percent = forms.DecimalField(label=_("Share below (%)"), max_digits=6,
                                       decimal_places=3, required=False)
    flat_amount = forms.DecimalField(label=_("Flat amount (US$)"), max_digits=14,
                                     decimal_places=2, required=False)


ThresholdFormSet = forms.formset_factory(ThresholdForm, extra=2, max_num=10)


class CensusImportForm(ImportForm):
    census_date = forms.DateField(label=_("Census date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("The day the headcount was taken."))

    field_order = ["census_date", "file", "skip_invalid"]


class ComputeForm(forms.Form):
    census = forms.ModelChoiceField(queryset=Census.objects.none(), label=_("Final census"),
                                    empty_label=None)

    def __init__(self, *args: Any, censuses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["census"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = censuses


class CompareForm(forms.Form):
    first = forms.ModelChoiceField(queryset=Biennium.objects.none(), label=_("Earlier biennium"))
    second = forms.ModelChoiceField(queryset=Biennium.objects.none(), label=_("Later biennium"))

    def __init__(self, *args: Any, bienniums: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
            field.queryset = bienniums
