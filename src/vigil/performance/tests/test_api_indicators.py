"""The indicators API: 18 indicators with ids, units, directions; no data is null with a
reason; parameters' faults named; scope; targets written by the global manager only."""

from __future__ import annotations

import pytest

from vigil.core.roles import Role, ScopeKind
from vigil.performance import registry
from vigil.performance.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(user_with):
    return user_with(Role.PROGRAMME_MANAGER)


def test_the_list_has_the_18_indicators_in_the_seed_order(api, manager):
    answer = api(manager).get("/api/v1/indicators/")
    assert answer.status_code == 200
    rows = answer.json()
    assert [r["id"] for r in rows] == list(registry.IDS)
    assert len(rows) == 18
    for row, indicator in zip(rows, registry.INDICATORS, strict=True):
        assert (row["unit"], row["direction"]) == (indicator.unit.value,
                                                  indicator.direction.value)


def test_no_data_is_null_with_a_reason(api, manager):
    rows = api(manager).get("/api/v1/indicators/", {"period": "2000-2001"}).json()
    empty = [r for r in rows if r["value"]["no_data"]]
    assert empty
    assert all(r["value"]["value"] is None and r["value"]["reason"] for r in empty)


@pytest.mark.parametrize(("query", "field"), [({"period": "2027-2028"}, "period"),
                                              ({"slice": "planet"}, "slice"),
                                              ({"slice": "country"}, "value"),
                                              ({"slice": "country", "value": "ZZ"}, "value")])
def test_bad_parameters_answer_400_naming_them(api, manager, query, field):
    answer = api(manager).get("/api/v1/indicators/", query)
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_a_desk_officer_gets_their_country_and_not_others(api, user_with, cast):
    desk = api(user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    mine = desk.get("/api/v1/indicators/")
    assert mine.status_code == 200
    assert mine.json()[0]["slice"] == "country"
    assert desk.get("/api/v1/indicators/", {"slice": "system"}).status_code == 403
    other = desk.get("/api/v1/indicators/", {"slice": "country", "value": "SO"})
    missing = desk.get("/api/v1/indicators/", {"slice": "country", "value": "ZZ"})
    assert other.status_code == missing.status_code == 400
    assert other.json() == missing.json()


def test_a_traveller_is_refused(api, user_with):
    answer = api(user_with(Role.TRAVELLER)).get("/api/v1/indicators/")
    assert answer.status_code == 403
    assert api(user_with(Role.TRAVELLER)).get("/api/v1/indicator-targets/").status_code == 403


def test_the_detail_has_series_records_and_settings(api, manager):
    answer = api(manager).get("/api/v1/indicators/SP2.2.b/", {"period": "2026"})
    assert answer.status_code == 200
    data = answer.json()
    assert [p["period"] for p in data["series"]][-1] == "2026"
    assert len(data["series"]) == 6
    assert "settings" in data
    assert "records" in data
    assert api(manager).get("/api/v1/indicators/SP9.x/").status_code == 404


def test_targets_are_created_and_updated_by_the_manager(api, manager):
    client = api(manager)
    created = client.post("/api/v1/indicator-targets/", {"indicator": "SP1.b",
                                                         "biennium_start": 2026,
                                                         "target": "5"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    changed = client.patch(f"/api/v1/indicator-targets/{pk}/", {"target": "6", "version": 1},
                           format="json")
    assert changed.status_code == 200
    assert changed.json()["target"] == "6.0"
    stale = client.patch(f"/api/v1/indicator-targets/{pk}/", {"target": "7", "version": 1},
                         format="json")
    assert stale.status_code == 409
    odd = client.post("/api/v1/indicator-targets/", {"indicator": "SP1.b",
                                                     "biennium_start": 2027}, format="json")
    assert odd.status_code == 400
    assert [e["field"] for e in odd.json()["errors"]] == ["biennium_start"]
    listed = client.get("/api/v1/indicator-targets/", {"biennium": 2026}).json()
    assert listed["count"] == 1


def test_a_desk_officer_reads_targets_but_may_not_write(api, user_with, cast):
    Target.objects.create(indicator="SP1.b", biennium_start=2026, target=5)
    desk = api(user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert desk.get("/api/v1/indicator-targets/").json()["count"] == 1
    refused = desk.post("/api/v1/indicator-targets/", {"indicator": "SP1.b",
                                                       "biennium_start": 2026, "target": 1},
                        format="json")
    assert refused.status_code == 403
