"""API tokens: named, several per user, hashed at rest, expiring, revoked on a password change
or by their owner, audited; `vigil api_token` issues them; DRF's old tokens carried over."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from vigil.core import account
from vigil.core.authz import Role
from vigil.core.models import ApiToken, AuditEvent

URL = "/api/v1/duty-stations/"


def _get(client: Client, key: str):
    return client.get(URL, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def amina(user_with):
    return user_with(Role.ADMINISTRATOR, username="amina")


def test_the_command_issues_a_named_expiring_token(cast, amina, client, capsys):
    call_command("api_token", "amina", "--name", "nightly export", "--days", "7")
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=amina)
    assert token.name == "nightly export"
    assert token.key_hash == ApiToken.hash_of(key)
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    assert abs(token.expires_at - timezone.now() - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    assert _get(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    event = AuditEvent.objects.get(action="core.api_token.issue")
    assert event.changes["name"] == "nightly export"
    assert key not in str(event.changes)


def test_a_user_may_hold_several_tokens(cast, amina, client):
    _a, first = account.token_issue(actor=amina, user=amina, name="one")
    _b, second = account.token_issue(actor=amina, user=amina, name="two")
    assert _get(client, first).status_code == 200
    assert _get(client, second).status_code == 200


def test_the_command_refuses_a_bad_lifetime_and_an_unknown_user(cast, amina):
    with pytest.raises(CommandError, match="1 to 366 days"):
        call_command("api_token", "amina", "--days", "0")
    with pytest.raises(CommandError, match="No active user"):
        call_command("api_token", "nobody")


def test_rotate_replaces_the_token_of_that_name(cast, amina, client, capsys):
    call_command("api_token", "amina", "--name", "ci")
    old = capsys.readouterr().out.strip()
    call_command("api_token", "amina", "--name", "ci", "--rotate")
    new = capsys.readouterr().out.strip()
    assert _get(client, old).status_code == 401
    assert _get(client, new).status_code == 200


def test_an_expired_token_is_refused(cast, amina, client):
    token, key = account.token_issue(actor=amina, user=amina, name="short", days=1)
    assert _get(client, key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _get(client, key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused_and_no_header_falls_back_to_the_session(cast, amina, client):
    assert _get(client, "f" * 40).status_code == 401
    assert client.get(URL).status_code in (401, 403)
    client.force_login(amina)
    assert client.get(URL).status_code == 200


def test_a_token_of_an_inactive_user_is_refused(cast, amina, client):
    _token, key = account.token_issue(actor=amina, user=amina, name="x")
    amina.is_active = False
    amina.save()
    assert _get(client, key).status_code == 401


def test_a_password_change_revokes_the_tokens_of_that_user_only(cast, amina, user_with, client):
    omar = user_with(Role.ADMINISTRATOR, username="omar")
    _mine, key = account.token_issue(actor=amina, user=amina, name="mine")
    _his, his_key = account.token_issue(actor=omar, user=omar, name="his")
    client.force_login(amina)
    new = "a long new passphrase 2026"
    client.post("/password/", {"old_password": "correct horse battery",
                               "new_password1": new, "new_password2": new})
    anonymous = Client()
    assert _get(anonymous, key).status_code == 401
    assert _get(anonymous, his_key).status_code == 200
    event = AuditEvent.objects.get(action="core.api_token.revoke")
    assert event.changes == {"reason": "password_changed"}


def test_api_answers_are_not_stored(cast, amina, client):
    _token, key = account.token_issue(actor=amina, user=amina, name="x")
    assert "no-store" in _get(client, key)["Cache-Control"]


# --- The account page -------------------------------------------------------------------------

def test_a_token_made_on_the_account_page_is_shown_once(cast, amina, client):
    client.force_login(amina)
    made = client.post("/account/tokens/", {"name": "laptop script", "days": "30"})
    assert made.status_code == 201
    token = ApiToken.objects.get(user=amina, name="laptop script")
    key = made.context["new_key"]
    assert token.key_hash == ApiToken.hash_of(key)
    assert key in made.content.decode()
    page = client.get("/account/").content.decode()
    assert "laptop script" in page
    assert key not in page
    assert token.prefix in page


def test_a_token_needs_a_name_and_a_sane_lifetime(cast, amina, client):
    client.force_login(amina)
    assert client.post("/account/tokens/", {"name": "", "days": "30"}).status_code == 400
    assert client.post("/account/tokens/", {"name": "x", "days": "9999"}).status_code == 400
    account.token_issue(actor=amina, user=amina, name="dup")
    twice = client.post("/account/tokens/", {"name": "dup", "days": "30"})
    assert twice.status_code == 400
    assert "already has this name" in twice.content.decode()
    assert ApiToken.objects.filter(user=amina).count() == 1


def test_the_owner_revokes_a_token(cast, amina, client):
    token, key = account.token_issue(actor=amina, user=amina, name="x")
    client.force_login(amina)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert _get(Client(), key).status_code == 401
    assert "revoked" in client.get("/account/").content.decode()


def test_nobody_revokes_or_sees_another_persons_token(cast, amina, user_with, client):
    token, key = account.token_issue(actor=amina, user=amina, name="amina's secret script")
    client.force_login(user_with(Role.ADMINISTRATOR))
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert "amina's secret script" not in client.get("/account/").content.decode()
    assert _get(Client(), key).status_code == 200


# --- DRF's tokens carried over ----------------------------------------------------------------

def test_drf_tokens_become_expiring_named_tokens_with_the_same_key(cast, amina, client):
    old = Token.objects.create(user=amina)
    migration = importlib.import_module("vigil.core.migrations.0007_sessions_and_api_tokens")
    migration.copy_drf_tokens(apps, None)
    assert not Token.objects.exists()
    token = ApiToken.objects.get(user=amina)
    assert token.key_hash == ApiToken.hash_of(old.key)
    assert token.expires_at < timezone.now() + dt.timedelta(days=91)
    assert _get(client, old.key).status_code == 200
