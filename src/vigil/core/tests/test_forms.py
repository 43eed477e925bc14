"""The fields and forms every app's pages share (core.forms)."""

from __future__ import annotations

from vigil.core import forms as shared
from vigil.places.models import Premises


class Filters(shared.ListFilters):
    q = shared.search_field("Name")
    country = shared.country_field(max_length=3)
    kind = shared.choice_filter("Kind", [("a", "A")])
    state = shared.choice_filter("State", [("x", "X")], "Any state")


class PremisesForm(shared.VersionedForm):
    class Meta:
        model = Premises
        fields = ["name"]


def test_a_filter_bar_offers_any_first_and_hands_its_search_to_the_selector():
    filters = Filters({"q": "nai", "country": "KEN", "kind": "a"})
    assert filters.fields["kind"].choices == [("", "Any"), ("a", "A")]
    assert filters.fields["state"].choices == [("", "Any state"), ("x", "X")]
    assert filters.selector_args() == {"search": "nai", "country": "KEN", "kind": "a",
                                       "state": ""}
    assert not Filters({"country": "KENYA"}).is_valid()  # an ISO code, three letters at most


def test_a_records_form_carries_its_version_and_a_button_must(db):
    form = PremisesForm({"name": "Annex", "version": "4"})
    assert form.is_valid()
    assert form.cleaned_data["version"] == 4
    assert form.fields["version"].widget.is_hidden
    assert PremisesForm({"name": "Annex"}).is_valid()  # a new record has none
    assert not shared.VersionForm({}).is_valid()


def test_a_group_of_radio_buttons_is_a_fieldset_named_by_its_legend_never_an_empty_label():
    """A label's "for" names one input: a group (radio buttons, as "Type of travel" and
    "Affected zone" are) is a fieldset with a legend; its help and the error summary's link
    point at the group's own id."""
    from django import forms
    from django.template.loader import render_to_string

    class Trip(forms.Form):
        kind = forms.ChoiceField(label="Type of travel", widget=forms.RadioSelect,
                                 choices=[("official", "Official"), ("personal", "Personal")],
                                 help_text="Official or personal.")
        note = forms.CharField(label="Note", required=False)

    html = render_to_string("core/partials/_form.html", {"form": Trip(data={})})
    assert 'for=""' not in html
    assert "<legend>Type of travel</legend>" in html
    assert 'id="id_kind_help"' in html
    assert 'href="#id_kind"' in html  # the error summary: the group is required
    assert 'id="id_kind"' in html  # Django's radio group carries that id
    assert '<label for="id_note">Note' in html
