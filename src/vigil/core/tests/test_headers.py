"""ASVS V14.4: the security headers of a signed-in page and of an API answer (session and
token): nosniff, no framing, a Content-Security-Policy without inline script, a referrer
policy, and no caching of what a signed-in person sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from vigil.core import account
from vigil.core.authz import Role


def csp(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_secure(response: Any) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    policy = csp(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert not any("'unsafe-inline'" in s or "'unsafe-eval'" in s
                   for s in policy["script-src"] + policy["default-src"])
    assert policy["default-src"] == ["'self'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def amina(cast: Any, user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR, username="amina")


@pytest.mark.parametrize("url", ["/", "/account/", "/api/v1/duty-stations/"])
def test_signed_in_answers_carry_the_security_headers(amina: Any, client: Client,
                                                      url: str) -> None:
    client.force_login(amina)
    response = client.get(url)
    assert response.status_code == 200
    assert_secure(response)


def test_a_token_api_answer_carries_the_security_headers(amina: Any, client: Client) -> None:
    _token, key = account.token_issue(actor=amina, user=amina, name="ci")
    response = client.get("/api/v1/duty-stations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert_secure(response)


def test_a_public_page_has_the_headers_but_may_be_cached(db: Any, client: Client) -> None:
    response = client.get("/password-reset/sent/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert csp(response)["frame-ancestors"] == ["'none'"]
    assert "no-store" not in response.get("Cache-Control", "")
