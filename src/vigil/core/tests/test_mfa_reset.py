"""An administrator resets someone else's second factor (/account/second-factor/reset/): only a
global administrator, never their own, with a reason; the devices go, the sessions end, the API
tokens are revoked, the person is told in their language, and they must enrol again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.utils.functional import Promise
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core import account, mfa, services
from vigil.core.authz import Role, ScopeKind
from vigil.core.i18n import Msg
from vigil.core.models import ApiToken, AuditEvent, Notification, UserSession
from vigil.core.tests.second_factor import give_authenticator, next_code

URL = "/account/second-factor/reset/"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin(cast, user_with):
    user = user_with(Role.ADMINISTRATOR, username="carlos")
    give_authenticator(user)
    return user


@pytest.fixture
def officer(cast, user_with):
    """A security officer who lost their phone: enrolled, with recovery codes, an API token
    and a browser still signed in somewhere."""
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="daniel")
    user.email = "daniel@un.example"
    user.save()
    give_authenticator(user)
    mfa._new_recovery_codes(user)
    return user


def _reset(client, username="daniel", reason="Lost phone; called back on his desk phone."):
    return client.post(URL, {"user": username, "reason": reason})


def _signed_in(user) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get("/").status_code == 200  # the session now has its record
    return other


# --- The reset --------------------------------------------------------------------------------

def test_the_page_shows_to_a_global_administrator(admin, client):
    client.force_login(admin)
    response = client.get(URL + "?user=daniel")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="reason"' in html
    assert 'value="daniel"' in html


def test_a_reset_removes_the_devices_ends_the_sessions_and_revokes_tokens(
        admin, officer, client, django_capture_on_commit_callbacks):
    elsewhere = _signed_in(officer)
    account.token_issue(actor=officer, user=officer, name="laptop")
    mail.outbox.clear()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client)
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    assert "The second factor of daniel was reset" in html
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert not StaticToken.objects.filter(device__user=officer).exists()
    assert not UserSession.objects.filter(user=officer).exists()
    assert not ApiToken.objects.in_force().filter(user=officer).exists()
    # The browser that was signed in is signed out: it may not even enrol a new phone in
    # the old session (whoever holds the lost phone may hold that browser too).
    gone = elsewhere.get("/account/second-factor/enrol/")
    assert gone.status_code == 302
    assert gone["Location"].startswith("/sign-in/")
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert elsewhere.get("/", follow=True).redirect_chain[-1][0].startswith("/sign-in/")
    # The admin's own session and devices are untouched.
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_the_reset_is_audited_with_its_reason(admin, officer, client):
    client.force_login(admin)
    _reset(client, reason="Phone stolen in Nairobi")
    event = AuditEvent.objects.get(action="core.mfa.reset")
    assert event.actor_id == admin.pk
    assert event.object_id == str(officer.pk)
    assert event.changes["reason"] == "Phone stolen in Nairobi"
    assert event.changes["authenticators"] == 1
    assert event.changes["recovery_codes"] == mfa.RECOVERY_CODE_COUNT
    assert event.changes["sessions_ended"] == 0
    assert AuditEvent.objects.filter(action="core.api_token.revoke").count() == 0


def test_the_person_is_told_by_email_and_in_vigil(admin, officer, client,
                                                  django_capture_on_commit_callbacks):
    mail.outbox.clear()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        _reset(client, reason="Phone stolen in Nairobi")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["daniel@un.example"]
    assert sent.subject == "Vigil: your second factor was reset"
    assert "Phone stolen in Nairobi" in sent.body
    assert "/account/second-factor/" in sent.body
    note = Notification.objects.get(user=officer)
    assert note.subject == sent.subject


def test_the_message_is_handed_over_untranslated(admin, officer, client, monkeypatch):
    """So that services.notify renders it in the recipient's language, not the admin's."""
    told = {}

    def notify(**kwargs):
        told.update(kwargs)
        return 1

    monkeypatch.setattr(services, "notify", notify)
    client.force_login(admin)
    _reset(client)
    assert told["users"] == [officer]
    assert isinstance(told["subject"], Promise)
    assert isinstance(told["body"], Msg)
    assert told["body"].params == {"reason": "Lost phone; called back on his desk phone."}


def test_after_a_reset_the_person_must_enrol_again(admin, officer, client):
    client.force_login(admin)
    _reset(client)
    person = Client()
    assert person.post("/sign-in/", {"username": "daniel", "password": PASSWORD}).status_code \
        == 302
    response = person.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/second-factor/enrol/")


# --- Refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "kind"), [
    (Role.ADMINISTRATOR, ScopeKind.COUNTRY),  # a country's administrator: not global
    (Role.SECURITY_OFFICER, ScopeKind.COUNTRY),
    (Role.HQ_SECURITY_OFFICER, ScopeKind.GLOBAL),
    (Role.PROTECTION_COORDINATOR, ScopeKind.GLOBAL),
    (Role.TRAVELLER, ScopeKind.GLOBAL),
])
def test_anyone_but_a_global_administrator_is_refused(cast, user_with, officer, client, role,
                                                      kind):
    actor = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
    client.force_login(actor)
    assert client.get(URL).status_code == 403
    assert _reset(client).status_code == 403
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert not AuditEvent.objects.filter(action="core.mfa.reset").exists()


def test_the_service_refuses_anyone_but_a_global_administrator(cast, user_with, officer):
    from vigil.core.errors import Forbidden

    kenya_admin = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        mfa.second_factor_reset(actor=kenya_admin, user=officer, reason="asked")
    assert TOTPDevice.objects.filter(user=officer).exists()


def test_signed_out_is_sent_to_sign_in(db, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_an_administrator_cannot_reset_their_own(admin, client):
    client.force_login(admin)
    response = _reset(client, username="carlos")
    assert response.status_code == 400
    assert "You cannot reset your own second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.filter(action="core.mfa.reset").exists()


def test_another_administrator_may(admin, user_with, client):
    second = user_with(Role.ADMINISTRATOR, username="second")
    client.force_login(second)
    assert _reset(client, username="carlos").status_code == 200
    assert not TOTPDevice.objects.filter(user=admin).exists()


@pytest.mark.parametrize(("data", "field_error"), [
    ({"user": "nobody", "reason": "asked"}, "No active user has this user name."),
    ({"user": "daniel", "reason": "   "}, "This field is required."),
    ({"user": "", "reason": "asked"}, "This field is required."),
])
def test_bad_input_is_refused_beside_the_field(admin, officer, client, data, field_error):
    client.force_login(admin)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert not AuditEvent.objects.filter(action="core.mfa.reset").exists()


def test_a_user_without_a_second_factor_has_nothing_to_reset(cast, admin, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    client.force_login(admin)
    response = _reset(client, username="amina")
    assert response.status_code == 400
    assert "amina has no second factor to reset" in response.content.decode()


def test_an_inactive_user_is_not_found(admin, officer, client):
    officer.is_active = False
    officer.save()
    client.force_login(admin)
    assert _reset(client).status_code == 400
    assert TOTPDevice.objects.filter(user=officer).exists()


@pytest.mark.real_second_factor
def test_an_administrator_must_have_given_their_own_second_factor(admin, officer, client):
    """The second-factor pages are open to an unverified session; this one is not."""
    client.force_login(admin)  # Django's own: password only
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/second-factor/verify/")
    assert _reset(client).status_code == 302
    assert TOTPDevice.objects.filter(user=officer).exists()
    verified = client.post(response["Location"], {"token": next_code(admin)})
    assert verified.status_code == 302
    assert verified["Location"] == URL
    assert _reset(client).status_code == 200


# --- Where it is reached ----------------------------------------------------------------------

def test_linked_from_the_overview_and_the_persons_page_for_an_administrator(
        cast, admin, user_with, client):
    omar = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, person=cast.omar,
                     username="omar")
    give_authenticator(omar)
    client.force_login(admin)
    assert URL in client.get("/account/second-factor/").content.decode()
    assert f"{URL}?user=omar" in client.get(
        f"/people/personnel/{cast.omar.pk}/").content.decode()


def test_not_linked_for_an_account_without_a_second_factor(cast, admin, user_with, client):
    user_with(Role.TRAVELLER, person=cast.omar, username="omar")
    client.force_login(admin)
    assert URL not in client.get(f"/people/personnel/{cast.omar.pk}/").content.decode()


def test_not_linked_for_anyone_else(cast, user_with, client):
    kenya_admin = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    user_with(Role.TRAVELLER, person=cast.omar, username="omar")
    client.force_login(kenya_admin)
    assert URL not in client.get("/account/second-factor/").content.decode()
    assert URL not in client.get(f"/people/personnel/{cast.omar.pk}/").content.decode()
