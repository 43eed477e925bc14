"""The dashboard, indicator and targets pages, per role and scope, with their faults."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vigil.core.roles import Role, ScopeKind
from vigil.performance import registry, rules
from vigil.performance.models import Target

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_every_indicator_for_the_manager(client, manager):
    client.force_login(manager)
    page = client.get(reverse("performance:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert all(f'id="tile-{i}"' in html for i in registry.IDS)
    assert "2026-2027" in html


def test_no_data_reads_as_no_data_never_zero(client, manager):
    client.force_login(manager)
    html = client.get(reverse("performance:dashboard"), {"period": "2000-2001"}).content.decode()
    assert "no data" in html


def test_a_desk_officer_sees_their_country_and_not_the_whole_system(client, desk, cast):
    client.force_login(desk)
    page = client.get(reverse("performance:dashboard"))
    assert page.status_code == 200
    assert f'value="country:{cast.kenya.pk}" selected' in page.content.decode()
    refused = client.get(reverse("performance:dashboard"), {"where": "system"})
    assert refused.status_code == 400
    other = client.get(reverse("performance:dashboard"),
                       {"where": f"country:{cast.somalia.pk}"})
    missing = client.get(reverse("performance:dashboard"), {"where": "country:999999"})
    assert other.status_code == missing.status_code == 400
    assert "Unknown, or outside your scope." in other.content.decode()


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.SECURITY_OFFICER, Role.COUNSELLOR])
def test_roles_without_the_permission_are_refused(client, user_with, role, cast):
    client.force_login(user_with(role, ScopeKind.COUNTRY, cast.kenya))
    for url in (reverse("performance:dashboard"), reverse("performance:targets"),
                reverse("performance:indicator", args=["SP1.b"])):
        assert client.get(url).status_code == 403


def test_anonymous_goes_to_sign_in(client):
    assert client.get(reverse("performance:dashboard")).status_code == 302


@pytest.mark.parametrize(("query", "field"), [({"period": "2027-2028"}, "period"),
                                              ({"period": "soon"}, "period"),
                                              ({"period": "custom"}, "start"),
                                              ({"where": "planet:1"}, "where")])
def test_bad_filters_are_named(client, manager, query, field):
    client.force_login(manager)
    page = client.get(reverse("performance:dashboard"), query)
    assert page.status_code == 400
    assert field in page.context["form"].errors


def test_the_indicator_page_has_trend_map_and_records(client, manager, cast):
    client.force_login(manager)
    page = client.get(reverse("performance:indicator", args=["SP2.2.b"]),
                      {"period": "2026", "where": f"country:{cast.kenya.pk}"})
    assert page.status_code == 200
    html = page.content.decode()
    assert [row["period"].key for row in page.context["trend_rows"]] == [
        "2021", "2022", "2023", "2024", "2025", "2026"]
    assert "<title id=\"trend-title\">" in html or "nothing to draw" in html
    assert [row["code"] for row in page.context["countries"]] == ["KE", "SO"]
    assert "Records behind the figure" in html


def test_an_unknown_indicator_is_404(client, manager):
    client.force_login(manager)
    assert client.get("/performance/SP9.q/").status_code == 404


def test_the_manager_sets_a_target_on_the_targets_page(client, manager):
    client.force_login(manager)
    url = reverse("performance:targets") + "?biennium=2026"
    answer = client.post(url, {"indicator": "SP1.b", "biennium": "2026",
                               "SP1_b-baseline": "3", "SP1_b-target": "5", "SP1_b-note": ""})
    assert answer.status_code == 302
    assert Target.objects.get(indicator="SP1.b", biennium_start=2026).target == 5
    bad = client.post(url, {"indicator": "SP1.a.i", "biennium": "2026",
                            "SP1_a_i-target": "150"})
    assert bad.status_code == 400
    assert "above 100" in bad.content.decode()


def test_a_desk_officer_reads_targets_but_may_not_set_them(client, desk):
    client.force_login(desk)
    url = reverse("performance:targets")
    assert client.get(url).status_code == 200
    answer = client.post(url, {"indicator": "SP1.b", "biennium": "2026",
                               "SP1_b-target": "5"})
    assert answer.status_code == 403
    assert not Target.objects.exists()


def test_an_odd_biennium_is_refused_on_the_targets_page(client, manager):
    client.force_login(manager)
    page = client.get(reverse("performance:targets"), {"biennium": "2027"})
    assert page.status_code == 400
    assert "even year" in page.content.decode()


def test_the_home_panel_links_to_the_dashboard(client, manager):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert "Indicators to watch" in html
    assert reverse("performance:dashboard") in html


@pytest.mark.parametrize(("measure", "words"), [
    (rules.no_data(), "nothing to count"),
    (rules.no_data(rules.SLICE_NOT_APPLICABLE), "cannot be placed"),
    (rules.no_data(suppressed=True, minimum=5), "fewer than 5 people"),
    (rules.percent(1, 4), "")])
def test_the_reason_of_no_data_is_worded(measure, words):
    from vigil.performance.api import _value
    from vigil.performance.views import reason_text

    text = reason_text(measure)
    assert (words in text) if words else text == ""
    expected = {"nothing to count": "no_records", "cannot be placed": "slice_not_applicable",
                "fewer than 5 people": "suppressed", "": None}[words]
    assert _value(measure)["reason"] == expected
