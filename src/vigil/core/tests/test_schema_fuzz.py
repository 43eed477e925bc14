"""The API answers as its schema says: schemathesis sends requests generated from the OpenAPI
schema to every operation, as a global administrator with an API token, and checks each answer
(no server error, a documented status code, a body and headers that match the schema, input the
schema calls valid accepted and input it calls invalid refused).

A few examples per operation keep it to a few minutes; every operation is covered."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.failures import FailureGroup

from vigil.core import account
from vigil.core.authz import Role

EXAMPLES = 3
FUZZER = "schema-fuzzer"

# The run fails on a server error, an answer outside the schema (status, body, headers, content
# type) or schema-invalid input accepted. Input the schema calls valid but the API refuses
# (ST202: a rule the schema does not state, such as a time zone's name or a choice between two
# fields) is printed with the figures, not failed: which operations show it depends on the
# examples drawn, so it is followed in the run's output rather than fixed in a list here.
REJECTED_VALID_INPUT = "ST202"


@pytest.fixture
def fuzzer(user_with: Any, settings: Any) -> str:
    """A global administrator's token; the API's rate is raised for this user only."""
    settings.VIGIL_API_RATE_RAISED = {FUZZER: "100000/hour"}
    user = user_with(Role.ADMINISTRATOR, username=FUZZER)
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
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    failures: dict[str, list[str]] = {}
    rejected: dict[str, list[str]] = {}
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
                    elif not _rests_on_stored_data(response, label):
                        rejected.setdefault(label, []).append(_describe(failure, response))

        run()

    for operation in operations:
        examples(operation)

    for label, messages in sorted(rejected.items()):
        print(f"refuses valid input: {label}: {messages[0]}")  # noqa: T201
    print(f"schemathesis: {len(operations)} operations, {sum(sent.values())} cases, "  # noqa: T201
          f"{len(failures)} operations with failures, "
          f"{len(rejected)} refusing some input the schema calls valid")
    assert len(sent) == len(operations), "every operation is covered"
    assert not failures, "\n".join(f"{label}: {msg}" for label, msgs in failures.items()
                                    for msg in sorted(set(msgs)))


def _error_codes(response: Any) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    return [str(e.get("code")) for e in body.get("errors") or [] if isinstance(e, dict)]


# A schema says which input is well formed, not which ids exist: a well-formed request naming
# an id that is not there is refused with these codes (a filter's with invalid_choice).
STORED_DATA_CODES = {"unknown_reference", "does_not_exist"}


def _rests_on_stored_data(response: Any, label: str) -> bool:
    codes = set(_error_codes(response))
    allowed = STORED_DATA_CODES | ({"invalid_choice"} if label.startswith("GET ") else set())
    return bool(codes) and codes <= allowed


def _describe(failure: Any, response: Any) -> str:
    body = response.text[:300] if response.status_code >= 400 else failure.message[:600]
    return f"{failure.code} {failure.title} [{response.status_code}] {body}"


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
