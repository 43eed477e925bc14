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
