"""The HXL exports: they parse with libhxl (from local text only) with the expected hashtags,
carry the right figures, keep to the reader's scope and refuse bad input naming the field."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

import hxl
import pytest
from django.test import Client

from vigil.core.authz import Role, ScopeKind
from vigil.core.slices import SliceKind
from vigil.incidents.models import Incident, IncidentCategory
from vigil.performance import registry, rules
from vigil.performance.models import Target

INDICATORS = "/performance/hxl/indicators.csv"
INCIDENTS = "/performance/hxl/incidents.csv"


@pytest.fixture
def two_indicators(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two indicators only (cheap): a share computed per country, and a count that cannot be
    placed in a country."""
    def share(query: Any) -> rules.Measure:
        if query.slice.kind is SliceKind.COUNTRY:
            return rules.percent(1, 4)
        return rules.percent(3, 4)

    first, second = registry.INDICATORS[0], registry.INDICATORS[1]
    monkeypatch.setattr(registry, "INDICATORS", (
        replace(first, compute=share),
        replace(second, compute=lambda query: rules.count(5),
                slices=frozenset({SliceKind.SYSTEM})),
    ))


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def parsed(content: bytes) -> Any:
    return hxl.data(list(csv.reader(io.StringIO(content.decode("utf-8")))))


def test_indicator_values_parse_with_their_hashtags(two_indicators: None, cast: Any,
                                                    user_with: Any) -> None:
    Target.objects.create(indicator="SP1.a.i", biennium_start=2026, baseline=Decimal(60),
                          target=Decimal(70))
    response = client_of(user_with(Role.PROGRAMME_MANAGER)).get(
        INDICATORS, {"period": "2026-2027"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "vigil-indicators-2026-2027-all.hxl.csv" in response["Content-Disposition"]
    data = parsed(response.content)
    for tag in ("#indicator+code", "#indicator+name", "#meta+unit", "#date+start", "#date+end",
                "#country+code", "#country+name", "#region+name", "#indicator+num+value",
                "#indicator+num+target", "#indicator+num+baseline", "#meta+reason"):
        assert tag in data.display_tags
    rows = [tuple(r.get(tag) or "" for tag in (
        "#indicator+code", "#country+code", "#indicator+num+value", "#indicator+num+target",
        "#status+target", "#meta+reason")) for r in data]
    # The whole system, then Kenya and Somalia (the countries with duty stations), by name.
    assert rows == [
        ("SP1.a.i", "", "75.0", "70.0", "yes", ""),
        ("SP1.a.i", "KEN", "25.0", "70.0", "no", ""),
        ("SP1.a.i", "SOM", "25.0", "70.0", "no", ""),
        ("SP1.a.ii", "", "5", "", "", ""),
        ("SP1.a.ii", "KEN", "", "", "", "slice_not_applicable"),
        ("SP1.a.ii", "SOM", "", "", "", "slice_not_applicable"),
    ]
    first = next(iter(parsed(response.content)))
    assert first.get("#date+start") == "2026-01-01"
    assert first.get("#date+end") == "2027-12-31"
    assert first.get("#meta+unit") == "percent"


def test_a_country_viewer_gets_only_its_country(two_indicators: None, cast: Any,
                                                user_with: Any) -> None:
    desk = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    response = client_of(desk).get(INDICATORS, {"period": "2026"})

    assert response.status_code == 200
    assert {r.get("#country+code") for r in parsed(response.content)} == {"KEN"}


def test_one_slice_asked_for(two_indicators: None, cast: Any, user_with: Any) -> None:
    client = client_of(user_with(Role.PROGRAMME_MANAGER))
    response = client.get(INDICATORS, {"period": "2026-Q1", "slice": "country", "value": "SO"})

    assert response.status_code == 200
    rows = list(parsed(response.content))
    assert [r.get("#country+name") for r in rows] == ["Somalia", "Somalia"]
    assert rows[0].get("#date+end") == "2026-03-31"
    as_dashboard = client.get(INDICATORS, {"period": "2026", "where": f"country:{cast.kenya.pk}"})
    assert {r.get("#country+name") for r in parsed(as_dashboard.content)} == {"Kenya"}


def test_a_slice_out_of_scope_answers_like_a_missing_one(two_indicators: None, cast: Any,
                                                         user_with: Any) -> None:
    client = client_of(user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(INDICATORS, {"slice": "country", "value": "SO"}).status_code == 404
    assert client.get(INDICATORS, {"slice": "country", "value": "ZZ"}).status_code == 404
    assert client.get(INDICATORS, {"slice": "system"}).status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ({"period": "2027-2028"}, "period"),
    ({"period": "2026-Q5"}, "period"),
    ({"slice": "planet", "value": "1"}, "slice"),
    ({"slice": "country"}, "value"),
    ({"slice": "region", "value": "atlantis"}, "value"),
])
def test_bad_input_names_its_field(db: Any, user_with: Any, query: dict[str, str],
                                   field: str) -> None:
    response = client_of(user_with(Role.PROGRAMME_MANAGER)).get(INDICATORS, query)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}: ")


def test_the_indicators_export_needs_the_right_to_view_performance(cast: Any,
                                                                   user_with: Any) -> None:
    assert client_of(user_with(Role.TRAVELLER)).get(INDICATORS).status_code == 403
    assert client_of(user_with(Role.SECURITY_OFFICER)).get(INDICATORS).status_code == 403


def incident(cast: Any, code: str, country: Any, day: dt.date, **impact: int) -> Incident:
    return Incident.objects.create(
        category=IncidentCategory.objects.get(code=code), country=country, title="Event",
        occurred_at=dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC), **impact)


@pytest.fixture
def incidents(cast: Any) -> None:
    incident(cast, "crime", cast.kenya, dt.date(2026, 1, 1), killed=1, injured=2)
    incident(cast, "crime", cast.kenya, dt.date(2027, 12, 31), injured=1, abducted=1)
    incident(cast, "crime", cast.somalia, dt.date(2026, 5, 5), killed=3)
    incident(cast, "crime", cast.kenya, dt.date(2025, 12, 31), killed=9)  # before the period
    incident(cast, "crime", cast.kenya, dt.date(2028, 1, 1), killed=9)  # after it


def test_incident_statistics_parse_with_their_hashtags(incidents: None, cast: Any,
                                                       user_with: Any) -> None:
    response = client_of(user_with(Role.PROGRAMME_MANAGER)).get(
        INCIDENTS, {"period": "2026-2027"})

    assert response.status_code == 200
    data = parsed(response.content)
    for tag in ("#country+code", "#country+name", "#date+start", "#date+end",
                "#event+category+code", "#event+num", "#affected+killed", "#affected+injured",
                "#affected+kidnapped"):
        assert tag in data.display_tags
    rows = {r.get("#country+code"): (r.get("#event+category+code"), r.get("#event+num"),
                                     r.get("#affected+killed"), r.get("#affected+injured"),
                                     r.get("#affected+kidnapped")) for r in data}
    assert rows == {"KEN": ("crime", "2", "1", "3", "1"), "SOM": ("crime", "1", "3", "0", "0")}


def test_incident_statistics_keep_to_the_readers_scope(incidents: None, cast: Any,
                                                       user_with: Any) -> None:
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    response = client_of(officer).get(INCIDENTS, {"period": "2026-2027"})

    assert response.status_code == 200
    assert [r.get("#country+code") for r in parsed(response.content)] == ["SOM"]


def test_incident_statistics_need_the_right_to_view_incidents(db: Any, user_with: Any) -> None:
    assert client_of(user_with(Role.TRAVELLER)).get(INCIDENTS).status_code == 403
    response = client_of(user_with(Role.PROGRAMME_MANAGER)).get(INCIDENTS, {"period": "x"})
    assert response.status_code == 400


def test_a_text_cell_cannot_run_as_a_formula(cast: Any, user_with: Any) -> None:
    IncidentCategory.objects.filter(code="crime").update(name="=HYPERLINK(1)")
    incident(cast, "crime", cast.kenya, dt.date(2026, 3, 3))
    response = client_of(user_with(Role.PROGRAMME_MANAGER)).get(INCIDENTS,
                                                                 {"period": "2026-2027"})
    assert "'=HYPERLINK(1)" in response.content.decode()
