"""The API answers as its schema says: schemathesis sends requests generated from the OpenAPI
schema to every operation, as a global administrator with an API token, and checks each answer
(no server error, a documented status code, a body and headers that match the schema, input the
schema calls valid accepted). The cases are positive ones (as_strategy's default): input the
schema calls invalid is not sent, so its refusal is not checked here.

A few examples per operation keep it to a few minutes; every operation is covered."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup

from vigil.core import account
from vigil.core.authz import Role

# Examples per operation: 3 in CI; VIGIL_SCHEMATHESIS_EXAMPLES=5 (or more) for a longer look.
EXAMPLES = int(os.environ.get("VIGIL_SCHEMATHESIS_EXAMPLES", "3"))
FUZZER = "schema-fuzzer"

# The run fails on a server error, an answer outside the schema (status, body, headers, content
# type), and schema-valid input refused (ST202: a rule the API applies that the schema does not
# state). A refusal is no finding when it rests on stored data (an id that is not there:
# STORED_DATA_CODES) or on a rule the description states in words (STATED_IN_WORDS); the few
# inputs whose format JSON Schema cannot spell out, schemathesis is taught to write
# (_teach_formats).
REJECTED_VALID_INPUT = "ST202"


@pytest.fixture
def fuzzer(cast: Any, user_with: Any, settings: Any) -> str:
    """A global administrator's token; the API's rate is raised for this user only. The
    account is a staff member's (as most are), so that a request about oneself (a travel
    request without a traveller named, a counselling request) has someone to be about."""
    settings.VIGIL_API_RATE_RAISED = {FUZZER: "100000/hour"}
    user = user_with(Role.ADMINISTRATOR, username=FUZZER, person=cast.amina)
    _, key = account.token_issue(actor=None, user=user, name="schemathesis")
    return key


# About three minutes: run once in CI (.ci/run), not in each `make test`.
@pytest.mark.skipif(not os.environ.get("VIGIL_SCHEMATHESIS"),
                    reason="the schemathesis run: VIGIL_SCHEMATHESIS=1 (once in .ci/run)")
def test_the_api_answers_as_its_schema_says(cast: Any, fuzzer: str) -> None:
    headers = {"Authorization": f"Token {fuzzer}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json",
                                            get_wsgi_application(), headers=headers)
    # The API refuses NUL characters in text (DRF's CharField); JSON Schema cannot say so.
    schema.config.generation.update(allow_x00=False)
    _teach_formats(schema)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    failures: dict[str, list[str]] = {}
    rejected: dict[str, list[str]] = {}
    pending: dict[str, list[str]] = {}
    sent: dict[str, int] = {}

    def examples(operation: Any) -> None:
        label = f"{operation.method.upper()} {operation.path}"

        @settings(max_examples=EXAMPLES, database=None, derandomize=True, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            sent[label] = sent.get(label, 0) + 1
            response = case.call(headers=headers)
            try:
                case.validate_response(response, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    if failure.code != REJECTED_VALID_INPUT:
                        failures.setdefault(label, []).append(_describe(failure, response))
                    elif label in PENDING:
                        pending.setdefault(label, []).append(_describe(failure, response))
                    elif not _rests_on_stored_data(response, label):
                        rejected.setdefault(label, []).append(_describe(failure, response))

        run()

    for operation in operations:
        examples(operation)

    for label, messages in sorted(rejected.items()):
        for message in sorted(set(messages)):
            print(f"refuses valid input: {label}: {message}")  # noqa: T201
    for label, messages in sorted(pending.items()):
        for message in sorted(set(messages)):
            print(f"pending ({PENDING[label]}): {label}: {message}")  # noqa: T201
    print(f"schemathesis: {len(operations)} operations, {sum(sent.values())} cases, "  # noqa: T201
          f"{len(failures)} operations with failures, "
          f"{len(rejected)} refusing some input the schema calls valid, "
          f"{len(pending)} pending")
    assert len(sent) == len(operations), "every operation is covered"
    assert not failures, "\n".join(f"{label}: {msg}" for label, msgs in failures.items()
                                    for msg in sorted(set(msgs)))
    assert not rejected, "input the schema calls valid, refused:\n" + "\n".join(
        f"{label}: {msg}" for label, msgs in sorted(rejected.items()) for msg in sorted(set(msgs)))


# --- What the schema names but JSON Schema cannot spell out -------------------------------------
#
# A few inputs follow a standard or a rule the schema names (a media type, a format, a sentence
# in the description) that JSON Schema's keywords cannot express. Schemathesis is taught to
# write them, as any client must: it then sends valid ones, and a refusal of one is a finding.

CAP_SAMPLES = Path(__file__).resolve().parents[2] / "crisis" / "tests" / "data" / "cap" / "valid"
INTERVALS_OPERATION = "/coordination/settings/update/"


def _periods() -> st.SearchStrategy[str]:
    """Format "period" (performance.api.PERIOD_PATTERN): a biennium, a year, a quarter, or two
    calendar days, the second not before the first."""
    years = st.integers(1000, 9998)
    days = st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31))
    return st.one_of(
        years.map(lambda y: y - y % 2).map(lambda y: f"{y}-{y + 1}"),
        years.map(str),
        st.tuples(years, st.integers(1, 4)).map(lambda yq: f"{yq[0]}-Q{yq[1]}"),
        st.tuples(days, days).map(sorted).map(lambda d: f"{d[0]}..{d[1]}"))


def _local_times() -> st.SearchStrategy[str]:
    """Format "local-date-time" (travel.api.LOCAL_DATE_TIME): a calendar day and a wall-clock
    time, without an offset."""
    return st.tuples(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)), st.times()).map(
        lambda moment: f"{moment[0].isoformat()}T{moment[1].isoformat(timespec='seconds')}")


def _polygons() -> st.SearchStrategy[str]:
    """Format "geojson-polygon" (the whereabouts' polygon): a GeoJSON Polygon written as JSON,
    its ring closed and a valid surface: a square."""
    corner = st.tuples(st.floats(-179, 178), st.floats(-89, 88), st.floats(0.01, 1))

    def square(c: tuple[float, float, float]) -> str:
        x, y, d = c
        ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
        return json.dumps({"type": "Polygon", "coordinates": [ring]})

    return corner.map(square)


def _cap_messages() -> st.SearchStrategy[bytes]:
    """application/cap+xml: a CAP 1.2 message (the OASIS standard), from the samples."""
    return st.sampled_from(sorted(p.read_bytes() for p in CAP_SAMPLES.glob("*")
                                  if p.suffix in {".cap", ".xml"}))


def _teach_formats(schema: Any) -> None:
    schemathesis.openapi.format("period", _periods())
    schemathesis.openapi.format("local-date-time", _local_times())
    schemathesis.openapi.format("geojson-polygon", _polygons())
    schemathesis.openapi.media_type("application/cap+xml", _cap_messages(),
                                    aliases=["application/xml"])

    def map_body(context: Any, body: Any) -> Any:
        """The days between SMT meetings never grow with the level (the description says
        so): the generated days, sorted from the most to the fewest."""
        operation = getattr(context, "operation", None)
        table = body.get("meeting_interval_days") if isinstance(body, dict) else None
        if (operation is None or not operation.path.endswith(INTERVALS_OPERATION)
                or not isinstance(table, dict)):
            return body
        levels = [str(level) for level in range(1, 7)]
        values = [table.get(level) for level in levels]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            table.update(zip(levels, sorted(values, reverse=True), strict=True))
        return body

    schema.hooks.register_hook_with_name(map_body, "map_body")


def _errors(response: Any) -> list[dict[str, Any]]:
    """The faults of an error answer (``{"errors": [{field, code, message}]}``), if any."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    return [e for e in body.get("errors") or [] if isinstance(e, dict)]


def _error_codes(response: Any) -> list[str]:
    return [str(e.get("code")) for e in _errors(response)]


# Refusals of schema-valid input whose fix lies outside the API modules this test's owner
# edits, named with where: printed, not failed, until fixed there. Keep this empty.
PENDING: dict[str, str] = {}


# A schema says which input is well formed, not which ids exist: a well-formed request naming
# an id that is not there is refused with these codes (a filter's with invalid_choice).
STORED_DATA_CODES = {"unknown_reference", "does_not_exist"}


# Rules an operation's description states in words, beside what JSON Schema says: a refusal
# naming only these fields (each with any code), and none other, is not a finding. Each rule
# rests on the world (a map, the clock, the records) or compares fields as JSON Schema cannot;
# each is tested by its app.
STATED_IN_WORDS: dict[str, dict[str, str]] = {
    "POST /api/v1/crises/": {
        "country": "without a country, the zone lies in a country's outline or within 50 km "
                   "of one (the map)",
        "polygon": "the polygon is a valid surface: no ring crosses itself (geometry)",
        "incident_at": "the incident is not later than now (the clock)",
        "window_end": "the window ends after it starts, at most 31 days later (two fields)",
        "center_latitude": "an incident named instead of the centre has a place (the records)",
    },
    "POST /api/v1/broadcasts/": {
        "audience": "someone on record matches the audience's filters (the records)",
    },
}


def _rests_on_stored_data(response: Any, label: str) -> bool:
    codes = set(_error_codes(response))
    allowed = STORED_DATA_CODES | ({"invalid_choice"} if label.startswith("GET ") else set())
    if bool(codes) and codes <= allowed:
        return True
    words = STATED_IN_WORDS.get(label, {})
    faults = _error_fields(response)
    return bool(words) and bool(faults) and all(
        code in STORED_DATA_CODES or field.split("[")[0].split(".")[0] in words
        for field, code in faults)


def _error_fields(response: Any) -> list[tuple[str, str]]:
    return [(str(e.get("field")), str(e.get("code"))) for e in _errors(response)]


def _describe(failure: Any, response: Any) -> str:
    if response.status_code >= 400:
        faults = _faults(response)
        body = "; ".join(faults) if faults else response.text[:300]
    else:
        body = failure.message[:600]
    return f"{failure.code} {failure.title} [{response.status_code}] {body}"


def _faults(response: Any) -> list[str]:
    """Each fault of an error answer as field:code (message)."""
    return [f"{e.get('field')}:{e.get('code')} ({str(e.get('message'))[:120]})"
            for e in _errors(response)]


def test_the_rate_is_raised_for_the_named_user_only(cast, user_with, api, settings, monkeypatch):
    from django.core.cache import cache

    from vigil.core.api import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/hour"})
    settings.VIGIL_API_RATE_RAISED = {FUZZER: "100/hour"}
    cache.clear()
    fuzzer, other = user_with(Role.ADMINISTRATOR, username=FUZZER), user_with(Role.ADMINISTRATOR)
    assert [api(fuzzer).get("/api/v1/countries/").status_code for _ in range(4)] == [200] * 4
    assert [api(other).get("/api/v1/countries/").status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()
