"""The two steps every list selector shares: narrow by the filters given, and search."""

from __future__ import annotations

from vigil.core.selectors import narrowed, searched
from vigil.places.models import DutyStation


def _codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_a_filter_left_blank_narrows_nothing(cast):
    stations = DutyStation.objects.all()
    assert _codes(narrowed(stations, country__iso2="", kind=None)) == [
        "KE-MBA", "KE-NBO", "SO-MGQ"]


def test_each_filter_given_narrows_and_false_is_a_value(cast):
    stations = DutyStation.objects.all()
    assert _codes(narrowed(stations, country__iso2="KE", kind="")) == ["KE-MBA", "KE-NBO"]
    assert _codes(narrowed(stations, country__iso2="KE", kind="hq")) == ["KE-NBO"]
    DutyStation.objects.filter(code="KE-MBA").update(is_active=False)
    assert _codes(narrowed(stations, is_active=False)) == ["KE-MBA"]


def test_a_search_matches_any_of_its_lookups_and_no_text_matches_all(cast):
    stations = DutyStation.objects.all()
    assert _codes(searched(stations, "", "name__icontains")) == ["KE-MBA", "KE-NBO", "SO-MGQ"]
    assert _codes(searched(stations, "moga", "name__icontains", "code__icontains")) == [
        "SO-MGQ"]
    assert _codes(searched(stations, "ke-", "name__icontains", "code__icontains")) == [
        "KE-MBA", "KE-NBO"]
