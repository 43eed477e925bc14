"""The second factor: who must give it, verification (right, wrong, reused, recovery code,
throttled), enrolment, recovery codes, removal, and their audit events.

These tests use Django's own force_login (marker real_second_factor), so a session starts
unverified, as after the password page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core import mfa
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent, Notification
from vigil.core.tests.second_factor import give_authenticator, next_code

pytestmark = [pytest.mark.real_second_factor, pytest.mark.django_db]

OTHER_ROLES = sorted(set(Role) - mfa.PRIVILEGED_ROLES)
VERIFY = "/account/second-factor/verify/"
ENROL = "/account/second-factor/enrol/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_recovery_codes(user: Any, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name=mfa.RECOVERY_NAME, confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return device


def actions(user: Any) -> list[str]:
    return list(AuditEvent.objects.filter(actor_id=user.pk, action__startswith="second_factor")
                .order_by("seq").values_list("action", flat=True))


def test_the_privileged_roles_are_the_six_of_the_issue() -> None:
    assert {Role.DESIGNATED_OFFICIAL, Role.SECURITY_OFFICER, Role.HQ_SECURITY_OFFICER,
            Role.DRO_DESK_OFFICER, Role.PROTECTION_COORDINATOR, Role.COUNSELLOR,
            Role.ADMINISTRATOR} == mfa.PRIVILEGED_ROLES


@pytest.mark.parametrize("role", sorted(mfa.PRIVILEGED_ROLES))
def test_a_privileged_role_without_a_device_is_sent_to_enrol(user_with: Any, role: Role) -> None:
    user = user_with(role)
    response = signed_in(user).get("/travel/")
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Ftravel%2F"


@pytest.mark.parametrize("role", sorted(mfa.PRIVILEGED_ROLES))
def test_a_privileged_role_with_a_device_is_sent_to_verify(user_with: Any, role: Role) -> None:
    user = user_with(role)
    give_authenticator(user)
    client = signed_in(user)
    assert client.get("/")["Location"] == f"{VERIFY}?next=%2F"
    api = client.get("/api/v1/incidents/")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_not_forced_and_are_offered_enrolment(user_with: Any,
                                                              role: Role) -> None:
    user = user_with(role)
    response = signed_in(user).get("/")
    assert response.status_code == 200
    assert ENROL in response.content.decode()


def test_a_role_not_in_force_does_not_require_it(user_with: Any) -> None:
    user = user_with(Role.TRAVELLER)
    from vigil.core.models import RoleGrant
    RoleGrant.objects.create(user=user, role=Role.COUNSELLOR, scope_kind=ScopeKind.GLOBAL,
                             expires_at=timezone.now() - dt.timedelta(days=1))
    assert signed_in(user).get("/").status_code == 200


def test_an_enrolled_person_of_any_role_is_asked_for_the_code(user_with: Any) -> None:
    user = user_with(Role.TRAVELLER)
    give_authenticator(user)
    assert signed_in(user).get("/")["Location"] == f"{VERIFY}?next=%2F"


def test_open_pages_stay_open_before_verification(user_with: Any) -> None:
    client = signed_in(user_with(Role.ADMINISTRATOR))
    for path in ("/healthz", "/account/second-factor/", "/jsi18n/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/").status_code == 302  # signed out: to the sign-in page


def test_a_right_code_verifies_and_keeps_next(user_with: Any) -> None:
    user = user_with(Role.SECURITY_OFFICER)
    give_authenticator(user)
    client = signed_in(user)
    response = client.post(VERIFY, {"token": next_code(user), "next": "/travel/"})
    assert response.status_code == 302
    assert response["Location"] == "/travel/"
    assert client.get("/travel/").status_code == 200
    assert actions(user) == ["second_factor.verified"]


def test_next_elsewhere_goes_home(user_with: Any) -> None:
    user = user_with(Role.SECURITY_OFFICER)
    give_authenticator(user)
    response = signed_in(user).post(VERIFY, {"token": next_code(user),
                                             "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_and_audited(user_with: Any) -> None:
    user = user_with(Role.COUNSELLOR)
    device = give_authenticator(user)
    client = signed_in(user)
    right = next_code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)
    assert actions(user) == ["second_factor.failed"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_used_code_does_not_work_twice(user_with: Any) -> None:
    user = user_with(Role.COUNSELLOR)
    device = give_authenticator(user)
    code = next_code(user)
    assert signed_in(user).post(VERIFY, {"token": code}).status_code == 302
    device.refresh_from_db()
    # The same code again, from another session, once any throttle has passed.
    assert signed_in(user).post(VERIFY, {"token": code}).status_code == 400
    assert actions(user) == ["second_factor.verified", "second_factor.failed"]
    # ASVS 2.8.5: the reuse is logged as such, and the holder is told.
    failed = AuditEvent.objects.filter(action="second_factor.failed").get()
    assert failed.changes["reused"] is True
    told = Notification.objects.get(user=user)
    assert "used twice" in told.subject
    assert told.url == "/account/"


def test_a_wrong_code_that_was_never_used_tells_nobody(user_with: Any) -> None:
    user = user_with(Role.COUNSELLOR)
    give_authenticator(user)
    wrong = f"{(int(next_code(user)) + 1) % 1_000_000:06d}"
    assert signed_in(user).post(VERIFY, {"token": wrong}).status_code == 400
    assert "reused" not in AuditEvent.objects.get(action="second_factor.failed").changes
    assert not Notification.objects.filter(user=user).exists()


def test_a_recovery_code_works_once(user_with: Any) -> None:
    user = user_with(Role.PROTECTION_COORDINATOR)
    give_authenticator(user)
    with_recovery_codes(user, "abcd2345", "efgh6723")
    client = signed_in(user)
    assert client.post(VERIFY, {"token": "ABCD 2345"}).status_code == 302
    assert client.get("/").status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6723"]
    assert signed_in(user).post(VERIFY, {"token": "abcd2345"}).status_code == 400


def test_wrong_codes_are_throttled(user_with: Any) -> None:
    user = user_with(Role.DESIGNATED_OFFICIAL)
    give_authenticator(user)
    client = signed_in(user)
    right = next_code(user)
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    assert client.post(VERIFY, {"token": wrong}).status_code == 400
    # At once, even the right code waits: django-otp's throttle (1 s, then 2, 4 …).
    throttled = client.post(VERIFY, {"token": right})
    assert throttled.status_code == 429
    assert "Too many wrong codes" in throttled.content.decode()
    assert actions(user) == ["second_factor.failed", "second_factor.throttled"]
    # Once the delay has passed, the right code is taken.
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5))
    assert client.post(VERIFY, {"token": right}).status_code == 302


def test_enrolment_shows_qr_and_secret_confirms_and_shows_codes_once(user_with: Any) -> None:
    user = user_with(Role.DRO_DESK_OFFICER)
    client = signed_in(user)
    page = client.get(ENROL + "?next=/risk/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    assert mfa.secret_text(pending) in body
    assert mfa.provisioning_url(pending).startswith("otpauth://totp/Vigil%3Auser")
    # Reloading keeps the same secret (the app may have scanned it already).
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=user).key == pending.key

    right = next_code(user)
    wrong = client.post(ENROL, {"token": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.get(user=user).confirmed
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0,
                                                throttling_failure_timestamp=None)

    done = client.post(ENROL, {"token": next_code(user), "next": "/risk/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert sorted(StaticToken.objects.filter(device__user=user)
                  .values_list("token", flat=True)) == sorted(codes)
    assert client.get("/").status_code == 200  # verified by enrolling
    assert actions(user) == ["second_factor.enrolled"]
    assert client.get(ENROL).status_code == 302  # enrolled: once


def test_new_recovery_codes_end_the_old_ones(user_with: Any) -> None:
    user = user_with(Role.TRAVELLER)
    give_authenticator(user)
    with_recovery_codes(user, "oldcode2")
    client = signed_in(user)
    client.post(VERIFY, {"token": next_code(user)})
    response = client.post("/account/second-factor/recovery-codes/")
    codes = response.context["codes"]
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="oldcode2").exists()
    assert actions(user)[-1] == "second_factor.recovery_codes_regenerated"


def test_changing_the_factor_needs_a_verified_session(user_with: Any) -> None:
    user = user_with(Role.TRAVELLER)
    give_authenticator(user)
    client = signed_in(user)
    for path in ("/account/second-factor/remove/", "/account/second-factor/recovery-codes/"):
        assert client.post(path)["Location"].startswith(VERIFY), path
    assert TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", sorted(mfa.PRIVILEGED_ROLES))
def test_removal_is_refused_to_a_privileged_role(user_with: Any, role: Role) -> None:
    user = user_with(role)
    give_authenticator(user)
    client = signed_in(user)
    client.post(VERIFY, {"token": next_code(user)})
    assert client.get("/account/second-factor/remove/").status_code == 403
    assert client.post("/account/second-factor/remove/").status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists()
    assert "second_factor.removed" not in actions(user)


def test_removal_by_others_is_audited(user_with: Any) -> None:
    user = user_with(Role.WARDEN)
    give_authenticator(user)
    with_recovery_codes(user, "abcd2345")
    client = signed_in(user)
    client.post(VERIFY, {"token": next_code(user)})
    assert client.post("/account/second-factor/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert actions(user)[-1] == "second_factor.removed"
    assert ENROL in client.get("/").content.decode()  # offered again


def test_force_login_shortcut_of_the_other_tests_is_off_here(user_with: Any) -> None:
    user = user_with(Role.ADMINISTRATOR)
    assert signed_in(user).get("/").status_code == 302


def test_an_api_request_authenticated_by_drf_is_not_gated(user_with: Any, api: Any) -> None:
    # A token reaches the middleware as no session user (DRF authenticates it later); the
    # API client's forced authentication is the same path.
    user = user_with(Role.SECURITY_OFFICER)
    give_authenticator(user)
    assert api(user).get("/api/v1/incidents/").status_code == 200


def test_the_demo_second_factor_is_the_published_one(user_with: Any) -> None:
    from vigil.people.demo import DEMO_RECOVERY_CODES, DEMO_TOTP_SECRET, _second_factors

    user = user_with(Role.ADMINISTRATOR)
    _second_factors([user])
    device = TOTPDevice.objects.get(user=user)
    assert mfa.secret_text(device).replace(" ", "") == DEMO_TOTP_SECRET
    assert len(DEMO_RECOVERY_CODES) == 10
    client = signed_in(user)
    assert client.post(VERIFY, {"token": DEMO_RECOVERY_CODES[0]}).status_code == 302
    assert client.get("/").status_code == 200
