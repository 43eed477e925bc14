"""Sessions (ASVS V2/V3): the idle limit, the account page of one's sessions, sign-ins,
failures and lockouts audited, the lockout per username across addresses, no-store on
signed-in pages, password resets throttled with one-hour links, a mail on every password
change, and the production cookie and HSTS settings."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from vigil.core.authz import Role
from vigil.core.models import AuditEvent, Notification, UserSession

PASSWORD = "correct horse battery"
NEW = "a long new passphrase 2026"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1",
             agent: str = "Firefox/140"):
    return client.post("/sign-in/", {"username": username, "password": password},
                       REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


# --- Idle and absolute limits -----------------------------------------------------------------

def _idle_for(client: Client, minutes: float) -> None:
    session = client.session
    session["vigil_seen"] = (timezone.now() - dt.timedelta(minutes=minutes)).timestamp()
    session.save()


def test_a_session_idle_past_the_limit_is_signed_out(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get("/").status_code == 200
    _idle_for(client, 31)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 302  # stays signed out


def test_a_session_used_within_the_limit_goes_on(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    _idle_for(client, 29)
    assert client.get("/").status_code == 200
    # Its use was noted: the clock starts again.
    assert timezone.now().timestamp() - client.session["vigil_seen"] < 60


def test_the_idle_limit_is_configurable(cast, user_with, client, settings):
    settings.VIGIL_SESSION_IDLE_MINUTES = 5
    client.force_login(user_with(Role.TRAVELLER))
    _idle_for(client, 6)
    assert client.get("/").status_code == 302


def test_the_absolute_limit_is_the_session_cookie_age(cast, user_with, client, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    user_with(Role.TRAVELLER, username="amina")
    response = _sign_in(client, "amina")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE


# --- Sign-ins recorded and audited ------------------------------------------------------------

def test_a_sign_in_is_recorded_and_audited(cast, user_with, client, settings):
    user = user_with(Role.TRAVELLER, username="amina")
    assert _sign_in(client, "amina").status_code == 302
    record = UserSession.objects.get(user=user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert record.key_hash == UserSession.hash_of(key)
    assert key not in record.key_hash
    assert (record.ip_address, record.user_agent) == ("10.0.0.1", "Firefox/140")
    event = AuditEvent.objects.get(action="core.user.sign_in")
    assert event.actor_id == user.pk
    assert event.changes == {"ip_address": "10.0.0.1"}


def test_a_failed_sign_in_is_audited_without_the_password(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    _sign_in(client, "amina", "not my password")
    event = AuditEvent.objects.get(action="core.user.sign_in_failed")
    assert event.changes == {"username": "amina", "ip_address": "10.0.0.1"}
    assert "not my password" not in str(event.changes)
    assert not AuditEvent.objects.filter(action="core.user.sign_in").exists()


def test_signing_out_forgets_the_session(cast, user_with, client):
    user = user_with(Role.TRAVELLER, username="amina")
    _sign_in(client, "amina")
    assert UserSession.objects.filter(user=user).count() == 1
    client.post("/sign-out/")
    assert not UserSession.objects.filter(user=user).exists()


# --- Lockout per username across addresses ----------------------------------------------------

def test_failures_from_many_addresses_lock_the_username(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    for n in range(5):
        _sign_in(client, "amina", "nope", ip=f"10.0.1.{n}")
    locked = _sign_in(client, "amina", ip="10.0.2.99")
    assert locked.status_code == 429
    events = AuditEvent.objects.filter(action="core.user.locked_out")
    assert events.exists()
    assert {e.changes["username"] for e in events} == {"amina"}


def test_fewer_failures_across_addresses_do_not_lock(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    for n in range(4):
        _sign_in(client, "amina", "nope", ip=f"10.0.1.{n}")
    assert _sign_in(client, "amina", ip="10.0.2.99").status_code == 302
    assert not AuditEvent.objects.filter(action="core.user.locked_out").exists()


def test_one_username_locked_leaves_another_free(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    user_with(Role.TRAVELLER, username="omar")
    for n in range(5):
        _sign_in(client, "amina", "nope", ip=f"10.0.1.{n}")
    assert _sign_in(client, "omar", ip="10.0.1.1").status_code == 302


# --- The account page -------------------------------------------------------------------------

def test_the_account_page_lists_only_ones_own_sessions(cast, user_with, client):
    amina = user_with(Role.TRAVELLER, username="amina")
    omar = user_with(Role.TRAVELLER, username="omar")
    _sign_in(Client(), "omar", agent="OmarBrowser/1")
    _sign_in(Client(), "amina", ip="10.9.9.9", agent="PhoneBrowser/2")
    _sign_in(client, "amina")
    page = client.get("/account/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "PhoneBrowser/2" in body
    assert "10.9.9.9" in body
    assert "this session" in body
    assert "OmarBrowser/1" not in body
    assert UserSession.objects.filter(user=amina).count() == 2
    assert UserSession.objects.filter(user=omar).count() == 1


def test_the_account_page_needs_a_signed_in_user(db, client):
    assert client.get("/account/")["Location"].startswith("/sign-in/")


def test_ending_another_session_signs_that_browser_out(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    phone = Client()
    _sign_in(phone, "amina", agent="PhoneBrowser/2")
    _sign_in(client, "amina")
    assert phone.get("/").status_code == 200
    record = UserSession.objects.get(user_agent="PhoneBrowser/2")
    response = client.post(f"/account/sessions/{record.pk}/end/")
    assert response.status_code == 302
    ended = phone.get("/")
    assert ended.status_code == 302
    assert ended["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 200  # this one goes on
    event = AuditEvent.objects.get(action="core.session.end")
    assert event.changes["session"] == record.pk


def test_end_all_other_sessions_keeps_this_one(cast, user_with, client):
    user = user_with(Role.TRAVELLER, username="amina")
    others = [Client(), Client()]
    for other in others:
        _sign_in(other, "amina")
    _sign_in(client, "amina")
    client.post("/account/sessions/end-others/")
    assert UserSession.objects.filter(user=user).count() == 1
    assert all(other.get("/").status_code == 302 for other in others)
    assert client.get("/").status_code == 200


def test_nobody_ends_another_persons_session(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    _sign_in(client, "amina")
    record = UserSession.objects.get(user__username="amina")
    boss = Client()
    boss.force_login(user_with(Role.ADMINISTRATOR))
    assert boss.post(f"/account/sessions/{record.pk}/end/").status_code == 404
    assert UserSession.objects.filter(pk=record.pk).exists()
    assert client.get("/").status_code == 200


def test_ending_ones_current_session_signs_out(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    _sign_in(client, "amina")
    record = UserSession.objects.get(user__username="amina")
    response = client.post(f"/account/sessions/{record.pk}/end/")
    assert response["Location"] == "/sign-in/"
    assert client.get("/").status_code == 302


def test_ending_a_session_is_a_post(cast, user_with, client):
    user = user_with(Role.TRAVELLER)
    client.force_login(user)
    record = UserSession.objects.get(user=user)
    assert client.get(f"/account/sessions/{record.pk}/end/").status_code == 405


# --- Cache-Control ----------------------------------------------------------------------------

def test_signed_in_pages_are_not_stored(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    for url in ["/", "/account/", "/notifications/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_public_pages_may_be_cached(db, client):
    response = client.get("/password-reset/sent/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Password reset: throttled, one-hour links ------------------------------------------------

@pytest.fixture
def amina(user_with):
    user = user_with(Role.TRAVELLER, username="amina")
    user.email = "amina@un.example"
    user.save()
    mail.outbox.clear()
    return user


def test_resets_per_address_are_limited_without_saying_so(cast, amina, client):
    for n in range(5):
        response = client.post("/password-reset/", {"email": "Amina@un.example"},
                               REMOTE_ADDR=f"10.0.3.{n}")
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == 3
    event = AuditEvent.objects.filter(action="core.password_reset.throttled").first()
    assert event.changes["by"] == "email"


def test_resets_per_ip_are_limited(cast, amina, client):
    for n in range(10):
        assert client.post("/password-reset/", {"email": f"x{n}@un.example"},
                           REMOTE_ADDR="10.0.4.1").status_code == 302
    refused = client.post("/password-reset/", {"email": "amina@un.example"},
                          REMOTE_ADDR="10.0.4.1")
    assert refused.status_code == 429
    assert "Too many password resets" in refused.content.decode()
    assert mail.outbox == []
    # Another network is not affected.
    assert client.post("/password-reset/", {"email": "amina@un.example"},
                       REMOTE_ADDR="10.0.4.2").status_code == 302
    assert len(mail.outbox) == 1


def test_a_reset_link_lasts_one_hour(cast, amina, monkeypatch, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    token = default_token_generator.make_token(amina)
    now = dt.datetime.now()  # noqa: DTZ005 - the generator's own clock is naive
    monkeypatch.setattr(default_token_generator, "_now",
                        lambda: now + dt.timedelta(minutes=59))
    assert default_token_generator.check_token(amina, token)
    monkeypatch.setattr(default_token_generator, "_now",
                        lambda: now + dt.timedelta(minutes=61))
    assert not default_token_generator.check_token(amina, token)


# --- A mail on every password change ----------------------------------------------------------

def test_a_changed_password_is_mailed_to_its_owner(cast, amina, client,
                                                  django_capture_on_commit_callbacks):
    _sign_in(client, "amina")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password/", {"old_password": PASSWORD,
                                              "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amina@un.example"]
    assert "password was changed" in mail.outbox[0].subject
    assert NEW not in mail.outbox[0].body
    assert Notification.objects.filter(user=amina, url="/account/").exists()
    # This session goes on under its new key, and its record follows it.
    assert client.get("/account/").status_code == 200
    assert UserSession.objects.filter(user=amina).count() == 1


def test_a_password_reset_by_link_is_mailed_too(cast, amina, client,
                                                django_capture_on_commit_callbacks):
    client.post("/password-reset/", {"email": "amina@un.example"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    mail.outbox.clear()
    form = client.get(link.split("testserver")[1], follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert [m.to for m in mail.outbox] == [["amina@un.example"]]


def test_a_password_change_signs_other_sessions_out(cast, amina, client):
    phone = Client()
    _sign_in(phone, "amina", agent="PhoneBrowser/2")
    _sign_in(client, "amina")
    client.post("/password/", {"old_password": PASSWORD, "new_password1": NEW,
                               "new_password2": NEW})
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200
    assert list(UserSession.objects.filter(user=amina).values_list("user_agent", flat=True)) \
        == ["Firefox/140"]


def test_no_mail_without_a_password_change(cast, amina, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        amina.first_name = "Amina"
        amina.save()
    assert mail.outbox == []
    assert not Notification.objects.filter(user=amina).exists()


# --- Audit log reads --------------------------------------------------------------------------

def test_reading_the_audit_log_is_audited(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    client.force_login(admin)
    assert client.get("/audit/?action=core.user").status_code == 200
    event = AuditEvent.objects.get(action="core.audit.read")
    assert event.actor_id == admin.pk
    assert event.sensitive_read
    assert event.changes["query"] == "action=core.user"


def test_a_refused_read_of_the_audit_log_writes_no_read(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get("/audit/").status_code == 403
    assert not AuditEvent.objects.filter(action="core.audit.read").exists()


# --- Production settings ----------------------------------------------------------------------

def _settings_under(env: dict[str, str]) -> dict[str, str]:
    code = ("from vigil.config import settings as s; "
            "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.PASSWORD_RESET_TIMEOUT)")
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DEBUG", "VIGIL_SECURE", "VIGIL_HSTS"))}
    out = subprocess.run([sys.executable, "-c", code],  # noqa: S603 - fixed code
                         env={**clean, **env}, check=True, capture_output=True,
                         text=True).stdout.split()
    names = ["session", "csrf", "secure", "hsts", "subdomains", "reset"]
    return dict(zip(names, out, strict=True))


def test_production_has_host_cookies_and_hsts():
    production = _settings_under({"DEBUG": "false"})
    assert production["session"] == "__Host-sessionid"
    assert production["csrf"] == "__Host-csrftoken"
    assert production["secure"] == "True"
    assert int(production["hsts"]) >= 31536000
    assert production["subdomains"] == "True"
    assert production["reset"] == "3600"


def test_development_keeps_plain_cookies_and_no_hsts():
    development = _settings_under({"DEBUG": "true"})
    assert development["session"] == "sessionid"
    assert development["secure"] == "False"
    assert development["hsts"] == "0"


VIGIL = Path(sys.executable).parent / "vigil"


def test_check_deploy_is_clean_with_the_documented_production_values(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "VIGIL_"))}
    env.update({"DEBUG": "false", "SECRET_KEY": "k" * 20 + "production-secret-key-1234567890abc",
                "ALLOWED_HOSTS": "vigil.example.org", "VIGIL_SSL_REDIRECT": "true",
                "VIGIL_HSTS_PRELOAD": "true", "VIGIL_VAR_DIR": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}"})
    result = subprocess.run([VIGIL, "check", "--deploy",  # noqa: S603 - our own command
                             "--tag", "security", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    # And it does warn when HTTPS is left to chance.
    env["VIGIL_SSL_REDIRECT"] = "false"
    result = subprocess.run([VIGIL, "check", "--deploy",  # noqa: S603 - our own command
                             "--tag", "security", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "W008" in result.stderr + result.stdout


def test_a_session_keeps_its_record_when_its_key_changes(cast, user_with, rf):
    """The second factor's sign-in and a password change give the session a new key."""
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from vigil.core import account

    user = user_with(Role.TRAVELLER)
    request = rf.get("/", REMOTE_ADDR="10.0.0.7")
    request.session = SessionStore()
    request.user = AnonymousUser()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record = UserSession.objects.get(user=user)
    request.session.cycle_key()
    assert account.session_still_open(request=request)
    record.refresh_from_db()
    assert record.key_hash == UserSession.hash_of(request.session.session_key)
    # Ended from the account page, then its key changes: it stays ended.
    record.delete()
    request.session.cycle_key()
    assert not account.session_still_open(request=request)


def test_a_sign_in_that_needs_a_second_factor_goes_straight_to_it(cast, user_with, client):
    user_with(Role.ADMINISTRATOR, username="boss")
    user_with(Role.TRAVELLER, username="amina")
    boss = _sign_in(client, "boss")
    assert boss["Location"] == "/account/second-factor/enrol/?next=%2F"
    assert _sign_in(Client(), "amina")["Location"] == "/"
