"""The schema states the rules the API applies (issue 17, item 3: no input the schema calls
valid is refused). Each rule here was found by the schemathesis run (test_schema_fuzz.py):
the API refuses a breach naming the field, and the schema says the rule."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from vigil.core.api import NON_BLANK, URL_PATTERN, decimal_pattern
from vigil.core.authz import Role
from vigil.performance.api import PERIOD_PATTERN
from vigil.performance.rules import PeriodError, parse_period


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["components"]["schemas"][name]
    return found


def parameters(schema: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return {p["name"]: p for p in schema["paths"][path][method].get("parameters", [])}


def fault_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.fixture
def admin(api: Any, user_with: Any) -> Any:
    return api(user_with(Role.ADMINISTRATOR))


# --- Time zones ----------------------------------------------------------------------------------

def test_a_time_zone_is_one_of_the_iana_names(cast, admin, schema):
    body = {"code": "KE-KSM", "name": "Kisumu", "country": "KE", "latitude": -0.09,
            "longitude": 34.77, "time_zone": "EAT"}
    refused = admin.post("/api/v1/duty-stations/", body, format="json")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["time_zone"]
    taken = admin.post("/api/v1/duty-stations/", {**body, "time_zone": "Africa/Nairobi"},
                       format="json")
    assert taken.status_code == 201, taken.content

    zones = component(schema, "TimeZoneEnum")["enum"]
    assert "Africa/Nairobi" in zones
    assert "EAT" not in zones
    field = component(schema, "DutyStationInputRequest")["properties"]["time_zone"]
    assert field["allOf"][0]["$ref"].endswith("/TimeZoneEnum")
    incident = component(schema, "IncidentInputRequest")["properties"]["time_zone"]
    assert incident["allOf"][0]["$ref"].endswith("/TimeZoneEnum")
    # Blank allowed where the model allows it (an import mapping: the station's zone).
    mapping = component(schema, "MappingInputRequest")["properties"]["time_zone"]
    assert mapping["allOf"][0]["$ref"].endswith("/TimeZoneOrBlankEnum")
    assert "" in component(schema, "TimeZoneOrBlankEnum")["enum"]


def test_the_schema_served_lists_the_time_zones(cast, admin):
    served = admin.get("/api/schema/?format=json")
    assert served.status_code == 200
    tz = parameters(served.json(), "/api/v1/hq/entry-statistics/")["tz"]["schema"]
    assert "Africa/Nairobi" in tz["enum"]
    assert "Not/AZone" not in tz["enum"]
    assert admin.get("/api/v1/hq/entry-statistics/?tz=Not/AZone").json()["errors"][0][
        "field"] == "tz"


# --- PATCH: the version read, and bodies validated whole ----------------------------------------

def test_a_patch_requires_the_version_read(cast, admin, schema):
    station = admin.get("/api/v1/duty-stations/").json()["results"][0]
    refused = admin.patch(f"/api/v1/duty-stations/{station['id']}/", {"name": "Renamed"},
                          format="json")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["version"]
    assert component(schema, "PatchedDutyStationInputRequest")["required"] == ["version"]
    assert component(schema, "PatchedEvidenceSettingsInputRequest")["required"] == ["version"]
    # Validated whole by its view: every field it needs is required in the PATCH too.
    assert set(component(schema, "PatchedPassUpdateInputRequest")["required"]) == {
        "zones", "valid_from", "valid_until", "version"}


def test_settings_are_changed_with_the_version_read(cast, admin, schema):
    days = {"1": 90, "2": 60, "3": 30, "4": 14, "5": 7, "6": 7}
    refused = admin.put("/api/v1/coordination/settings/update/",
                        {"meeting_interval_days": days}, format="json")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["version"]
    smt = component(schema, "SmtSettingsInputRequest")
    assert smt["required"] == ["meeting_interval_days", "version"]
    table = smt["properties"]["meeting_interval_days"]
    assert table["required"] == ["1", "2", "3", "4", "5", "6"]
    assert (table["properties"]["3"]["minimum"], table["properties"]["3"]["maximum"]) == (1, 366)
    assert "never more at a level than at the level below" in table["description"]


# --- Fields the service needed but the schema called optional ------------------------------------

@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/coordination/incident-handling/", {"reported_on": "2026-01-05"}, "incident"),
    ("/api/v1/coordination/joint-plans/", {"title": "Plan", "kind": "other"}, "team"),
    ("/api/v1/travel-requests/", {"kind": "official"}, "purpose"),
])
def test_a_required_field_is_named(cast, admin, path, body, field):
    refused = admin.post(path, body, format="json")
    assert refused.status_code == 400
    assert field in fault_fields(refused)


def test_required_fields_in_the_schema(schema):
    assert "incident" in component(schema, "IncidentHandlingInputRequest")["required"]
    # The incident of a handling record cannot change: a change does not offer it.
    change = component(schema, "PatchedIncidentHandlingChangeInputRequest")
    assert "incident" not in change["properties"]
    assert "team" in component(schema, "SmtJointPlanInputRequest")["required"]
    assert "purpose" in component(schema, "RequestInputRequest")["required"]
    assert component(schema, "CounsellorInputRequest")["properties"]["duty_stations"][
        "minItems"] == 1


# --- Either-or -----------------------------------------------------------------------------------

def test_an_area_or_a_country_for_the_proposals(cast, admin, schema):
    refused = admin.get("/api/v1/evidence/proposals/")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["area"]
    place = parameters(schema, "/api/v1/evidence/proposals/")["place"]
    assert (place["style"], place["explode"], place["required"]) == ("form", True, True)
    assert [sorted(b["required"]) for b in place["schema"]["oneOf"]] == [["area"], ["country"]]


def test_a_slice_with_its_value_for_the_indicators(schema):
    where = parameters(schema, "/api/v1/indicators/")["where"]
    branches = where["schema"]["oneOf"]
    assert branches[0]["properties"] == {}  # none: the viewer's default slice
    assert sorted(branches[3]["required"]) == ["slice", "value"]
    assert "required" not in where


def test_a_broadcast_names_a_crisis_or_where_to_write(cast, user_with, api, schema):
    where, channel = component(schema, "BroadcastInputRequest")["allOf"]
    assert where["anyOf"][0]["required"] == ["crisis"]
    assert where["anyOf"][1]["properties"]["audience"]["anyOf"][0]["required"] == ["countries"]
    assert channel["anyOf"][1]["required"] == ["webhooks"]
    officer = api(user_with(Role.SECURITY_OFFICER))
    refused = officer.post("/api/v1/broadcasts/", {"subject": "Test", "body": "Hello"},
                           format="json")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["audience"]
    silent = officer.post("/api/v1/broadcasts/", {
        "subject": "Test", "body": "Hello", "email": False,
        "audience": {"countries": ["KE"]}}, format="json")
    assert silent.status_code == 400
    assert "channels" in fault_fields(silent)


def test_a_crisis_zone_takes_the_fields_of_its_kind(schema):
    kinds = component(schema, "CrisisInputRequest")["oneOf"]
    circle, polygon, areas = kinds
    assert circle["properties"]["center_latitude"]["maximum"] == 90
    assert circle["properties"]["radius_km"]["minimum"] == 0.1
    assert polygon["required"] == ["zone_kind", "polygon"]
    assert areas["properties"]["areas"]["minItems"] == 1


def test_an_advice_request_names_an_operator_or_a_route(schema):
    rule = component(schema, "AdviceInputRequest")["anyOf"]
    assert [r["required"] for r in rule] == [["operator"], ["origin", "destination"]]


# --- Query parameters ----------------------------------------------------------------------------

def test_whereabouts_near_needs_a_point(cast, admin, schema):
    near = parameters(schema, "/api/v1/whereabouts/near/")
    assert near["lat"]["required"] is True
    assert (near["lat"]["schema"]["minimum"], near["lat"]["schema"]["maximum"]) == (-90, 90)
    assert near["lon"]["schema"]["maximum"] == 180
    assert near["radius_km"]["schema"]["minimum"] == 0.1
    refused = admin.get("/api/v1/whereabouts/near/?lat=91&lon=0")
    assert refused.status_code == 400
    assert fault_fields(refused) == ["lat"]


def test_an_action_that_writes_takes_no_list_parameters(schema):
    names = parameters(schema, "/api/v1/hq/meetings/{id}/issue-passes/", "post")
    assert set(names) == {"id"}


def test_a_protection_choice_is_an_enum(schema):
    level = component(schema, "ProtectionPrincipalInputRequest")["properties"]["profile_level"]
    assert level["allOf"][0]["$ref"].endswith("/ProtectionProfileEnum")


@given(st.sampled_from(["2026-2027", "2026", "2026-Q3", "2026-q1", "2026-01-01..2026-06-30",
                        "1998-1999"]))
@settings(max_examples=10, database=None)
def test_the_period_pattern_takes_what_the_api_reads(text):
    assert re.search(PERIOD_PATTERN, text)
    parse_period(text)


@pytest.mark.parametrize("text", ["2027-2028", "2026-2028", "2026-Q5", "2026-01-01", "Q3"])
def test_the_period_pattern_refuses_what_the_api_refuses(text):
    assert not re.search(PERIOD_PATTERN, text)
    with pytest.raises(PeriodError):
        parse_period(text)


# --- Text, decimals, addresses -------------------------------------------------------------------

def test_text_that_may_not_be_blank_says_so(schema):
    title = component(schema, "SmtJointPlanInputRequest")["properties"]["title"]
    assert title["pattern"] == NON_BLANK
    assert not re.search(NON_BLANK, " \x1c\u3000")  # what strip() takes away
    note = component(schema, "SmtJointPlanInputRequest")["properties"]["notes"]
    assert "pattern" not in note  # blank allowed


@pytest.mark.parametrize(("whole", "places", "low", "high"), [
    (12, 2, None, None), (12, 2, Decimal(0), None), (3, 3, Decimal("0.001"), Decimal(100)),
    (11, 1, None, None)])
def test_a_decimal_written_as_its_pattern_is_taken(whole, places, low, high):
    field = serializers.DecimalField(max_digits=whole + places, decimal_places=places,
                                     min_value=low, max_value=high)
    pattern = decimal_pattern(whole, places, low, high)

    @given(st.from_regex(pattern, fullmatch=True))
    @settings(max_examples=200, database=None)
    def taken(text: str) -> None:
        field.run_validation(text)

    taken()
    for refused in ["", "-", ".", "1e3"]:
        assert not re.search(pattern, refused)
    if low is not None and low >= 0:
        assert not re.search(pattern, "-1")


def test_decimals_in_the_schema(schema):
    budget = component(schema, "CostshareBienniumInputRequest")["properties"]["budget"]
    assert budget["pattern"] == decimal_pattern(12, 2, Decimal(0))
    assert not re.search(budget["pattern"], "-5")


def test_an_address_in_the_url_pattern_is_valid_for_django():
    from django.core.validators import URLValidator

    validate = URLValidator()

    @given(st.from_regex(URL_PATTERN, fullmatch=True).filter(lambda text: len(text) <= 200))
    @settings(max_examples=200, database=None)
    def valid(text: str) -> None:
        validate(text)

    valid()
    assert not re.search(URL_PATTERN, "urn:isbn:0451450523")
