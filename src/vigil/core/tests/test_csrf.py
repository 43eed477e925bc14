"""ASVS V4.2.2: a signed-in POST without the CSRF token is refused, on a page (Django's
middleware) and on the API with session authentication (DRF's SessionAuthentication); an API
client with ``Authorization: Token ...`` needs none, since a browser never sends that header
on its own. The clients here check CSRF as a browser's would (``enforce_csrf_checks``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from vigil.core import account
from vigil.core.authz import Role
from vigil.places.models import DutyStation

PAGE = "/account/tokens/"  # a signed-in page's form: issue an API token
API = "/api/v1/duty-stations/"
STATION = {"code": "KE-CSRF", "name": "Kisumu office", "country": "KE", "latitude": -0.1,
           "longitude": 34.75, "time_zone": "Africa/Nairobi"}


def csrf_token(client: Client, page: str = "/account/") -> str:
    """The token a browser holds after a signed-in page: the CSRF cookie's value."""
    assert client.get(page).status_code == 200
    return str(client.cookies[settings.CSRF_COOKIE_NAME].value)


@pytest.fixture
def browser(cast: Any, user_with: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with(Role.ADMINISTRATOR, username="amina"))
    return client


def test_a_page_post_without_the_token_is_refused(browser: Client) -> None:
    response = browser.post(PAGE, {"name": "forged", "days": 7})
    assert response.status_code == 403
    assert not account.token_list(user=response.wsgi_request.user).exists()


def test_a_page_post_with_a_wrong_token_is_refused(browser: Client) -> None:
    csrf_token(browser)
    response = browser.post(PAGE, {"name": "forged", "days": 7,
                                   "csrfmiddlewaretoken": "x" * 32})
    assert response.status_code == 403


def test_a_page_post_with_the_token_is_accepted(browser: Client) -> None:
    token = csrf_token(browser)
    response = browser.post(PAGE, {"name": "nightly export", "days": 7,
                                   "csrfmiddlewaretoken": token})
    assert response.status_code == 201
    assert account.token_list(user=response.wsgi_request.user).get().name == "nightly export"


def test_a_session_api_post_without_the_token_is_refused(browser: Client) -> None:
    response = browser.post(API, json.dumps(STATION), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not DutyStation.objects.filter(code="KE-CSRF").exists()


def test_a_session_api_post_with_the_token_is_accepted(browser: Client) -> None:
    token = csrf_token(browser)
    response = browser.post(API, json.dumps(STATION), content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert DutyStation.objects.filter(code="KE-CSRF").exists()


def test_a_token_api_post_needs_no_csrf_token(cast: Any, user_with: Any) -> None:
    admin = user_with(Role.ADMINISTRATOR, username="script")
    _token, key = account.token_issue(actor=admin, user=admin, name="ci")
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie
    response = client.post(API, json.dumps(STATION), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 201, response.content
    assert DutyStation.objects.filter(code="KE-CSRF").exists()
