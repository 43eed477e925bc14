"""The second factor: a TOTP authenticator app, with single-use recovery codes.

Who needs it: anyone holding a privileged role in force (PRIVILEGED_ROLES) or a superuser must
enrol and verify before any page; anyone else may enrol, and once enrolled is asked for a code
at every sign-in too. django-otp keeps the devices (TOTPDevice, StaticDevice) and marks a
session verified (``request.user.is_verified()``); this module decides who must be verified,
writes the devices through audited services, and gates the pages (SecondFactorMiddleware).

API tokens are not gated here: a request authenticated by token reaches this middleware as
anonymous (DRF authenticates it later), and tokens are issued only to verified sessions.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core import account, services
from vigil.core.account import session_rekeyed
from vigil.core.audit import record
from vigil.core.authz import Perm, Role, holds_globally, roles_of
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.models import UserSession

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser

# The roles whose holders must use a second factor: they see where people in danger are,
# confidential counselling and protection cases, or can change who sees what.
PRIVILEGED_ROLES = frozenset({
    Role.DESIGNATED_OFFICIAL,
    Role.SECURITY_OFFICER,
    Role.HQ_SECURITY_OFFICER,
    Role.DRO_DESK_OFFICER,
    Role.PROTECTION_COORDINATOR,
    Role.COUNSELLOR,
    Role.ADMINISTRATOR,
})

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def second_factor_required(user: Any) -> bool:
    """Whether this user may not work without a second factor: a privileged role in force,
    or a superuser."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or roles_of(user) & PRIVILEGED_ROLES)


def has_second_factor(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def authenticator_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def secret_text(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it typed in: base32, in groups of
    four."""
    encoded = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(encoded[i:i + 4] for i in range(0, len(encoded), 4))


def provisioning_url(device: TOTPDevice) -> str:
    """The otpauth:// address an authenticator app reads from the QR code, named "Vigil"
    (or OTP_TOTP_ISSUER) so that the app's entry says what it is for."""
    issuer = (getattr(settings, "OTP_TOTP_ISSUER", None) or "Vigil").replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = urlencode({"secret": base64.b32encode(device.bin_key).decode().rstrip("="),
                        "issuer": issuer, "algorithm": "SHA1", "digits": device.digits,
                        "period": device.step})
    return f"otpauth://totp/{label}?{params}"


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning address as an inline SVG QR code: no image request, nothing
    external."""
    return str(segno.make(provisioning_url(device), error="m").svg_inline(
        scale=5, border=2, dark="#111", light="#fff"))


def _code(token: str) -> str:
    return "".join(token.split()).lower()


def _is_authenticator_code(code: str) -> bool:
    # Recovery codes are eight letters and digits, so six digits are the app's code.
    return len(code) == 6 and code.isdigit()


# --- Writes ---------------------------------------------------------------------------------

@transaction.atomic
def authenticator_start(*, actor: User) -> TOTPDevice:
    """An unconfirmed authenticator with a fresh secret, for the enrolment page; one at a time.
    Refused while the user has a confirmed one (remove it first)."""
    if authenticator_of(actor) is not None:
        raise Forbidden(_("You already have an authenticator app. Remove it first to enrol "
                          "another."))
    pending = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=actor, name=AUTHENTICATOR_NAME, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def authenticator_confirm(*, actor: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows; returns the new recovery codes
    (shown once, stored by django-otp)."""
    if device.user_id != actor.pk or device.confirmed:
        raise Forbidden(_("This enrolment is not yours or is finished."))
    if not device.verify_token(_code(token)):
        raise ValidationFailed([FieldError("token", _(
            "That code is not right. Check the phone's clock, and type the code the app "
            "shows now."), code="wrong_code")])
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    record(actor=actor, action="second_factor.enrolled", obj=actor,
           changes={"device": device.name, "recovery_codes": len(codes)})
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if authenticator_of(actor) is None:
        raise Forbidden(_("Enrol an authenticator app first."))
    codes = _new_recovery_codes(actor)
    record(actor=actor, action="second_factor.recovery_codes_regenerated", obj=actor,
           changes={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def second_factor_remove(*, actor: User) -> None:
    """Remove the authenticator and the recovery codes: refused while a role requires them."""
    if second_factor_required(actor):
        raise Forbidden(_("Your role requires a second factor, so it cannot be removed. To "
                          "move it to a new phone, ask your administrator to reset it, or "
                          "enrol again after they have."))
    TOTPDevice.objects.filter(user=actor).delete()
    StaticDevice.objects.filter(user=actor).delete()
    record(actor=actor, action="second_factor.removed", obj=actor)


# --- An administrator's reset ---------------------------------------------------------------
#
# A privileged user who has lost both their phone and their recovery codes cannot sign in:
# their role requires the second factor. A global administrator (core.manage_grants over the
# whole system, the permission that administers users) resets it: the authenticator and the
# recovery codes go, every session of the user ends and their API tokens are revoked (a token
# would work on without a second factor), and the user is told by e-mail in their language.
# At their next sign-in Vigil asks them to enrol again. Nobody resets their own: a second
# administrator must, so that one stolen session cannot strip its own account's factor.


def may_reset_second_factors(user: AnyUser) -> bool:
    return holds_globally(user, Perm.MANAGE_GRANTS)


@transaction.atomic
def second_factor_reset(*, actor: AnyUser, user: Any, reason: str) -> dict[str, Any]:
    """Remove ``user``'s authenticator and recovery codes, end their sessions, revoke their
    API tokens and tell them; audited as ``core.mfa.reset`` with the reason. Returns what was
    removed and ended."""
    if not may_reset_second_factors(actor):
        raise Forbidden()
    reason = reason.strip()
    errors = []
    if user.pk == actor.pk:
        errors.append(FieldError("user", str(gettext(
            "You cannot reset your own second factor: ask another administrator."
        )), code=ErrorCode.FORBIDDEN))
    elif not TOTPDevice.objects.filter(user=user).exists() and \
            not StaticDevice.objects.filter(user=user).exists():
        errors.append(FieldError("user", str(gettext(
            "%(user)s has no second factor to reset.") % {"user": user.get_username()})))
    if not reason:
        errors.append(FieldError("reason", str(gettext("Say why: the audit log keeps it.")),
                                 code=ErrorCode.REQUIRED))
    if errors:
        raise ValidationFailed(errors)
    authenticators = TOTPDevice.objects.filter(user=user).count()
    codes = StaticToken.objects.filter(device__user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # Each session's record goes: the browser holding it is signed out at its next request
    # (SessionActivityMiddleware). A session without a record has lost its verified device,
    # so it is sent to enrol as well.
    sessions, _by_model = UserSession.objects.filter(user=user).delete()
    tokens = account.tokens_revoke_all(actor=actor, user=user, reason="second_factor_reset")
    result = {"user": user.get_username(), "reason": reason[:500],
              "authenticators": authenticators, "recovery_codes": codes,
              "sessions_ended": sessions, "tokens_revoked": tokens}
    record(actor=actor, action="core.mfa.reset", obj=user, changes=result)
    services.notify(
        users=[user],
        subject=gettext_lazy("Vigil: your second factor was reset"),
        body=Msg(gettext_lazy(
                   "An administrator reset the second factor of your Vigil account. Your "
                   "authenticator app and your recovery codes no longer work for Vigil, and "
                   "you were signed out everywhere. At your next sign-in, Vigil asks you to "
                   "set up your authenticator app again.\n\nReason given: %(reason)s\n\nIf "
                   "you did not ask for this, tell your security focal point now."),
                 reason=reason),
        url=reverse("second_factor:overview"))
    return result


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    locked_until: dt.datetime | None = None


def second_factor_verify(*, user: User, token: str) -> Verification:
    """Check a code from the authenticator app (six digits) or a recovery code (used up).

    django-otp throttles each device: after a wrong code the next try must wait 1, 2, 4 …
    seconds. A wrong code, and a try while throttled, is audited; the throttle's count and the
    audit event are committed even though the sign-in goes no further."""
    code = _code(token)
    with transaction.atomic():
        devices: list[TOTPDevice | StaticDevice]
        if _is_authenticator_code(code):
            devices = list(TOTPDevice.objects.select_for_update()
                           .filter(user=user, confirmed=True))
        else:
            devices = list(StaticDevice.objects.select_for_update()
                           .filter(user=user, confirmed=True))
        for device in devices:
            allowed, detail = device.verify_is_allowed()
            if not allowed:
                record(actor=user, action="second_factor.throttled", obj=user,
                       changes={"device": device.name,
                                "failures": (detail or {}).get("failure_count", 0)})
                return Verification(None, (detail or {}).get("locked_until"))
            if code and device.verify_token(code):
                record(actor=user, action="second_factor.verified", obj=user,
                       changes={"device": device.name})
                return Verification(device)
        reused = _is_authenticator_code(code) and any(
            _already_used(device, code) for device in devices
            if isinstance(device, TOTPDevice))
        record(actor=user, action="second_factor.failed", obj=user,
               changes={"kind": "authenticator" if _is_authenticator_code(code)
                                else "recovery_code"} | ({"reused": True} if reused else {}))
        if reused:
            # ASVS 2.8.5: the holder is told, since the code may have been seen by someone
            # who also knows their password.
            services.notify(users=[user], subject=REUSED_SUBJECT, body=REUSED_BODY,
                            url=reverse("account:sessions"))
        return Verification(None)


REUSED_SUBJECT = gettext_lazy("Vigil: a code of your authenticator app was used twice")
REUSED_BODY = gettext_lazy(
    "Someone signing in to your Vigil account typed a code from your authenticator app that "
    "had already been used. Vigil refused it. If it was you, typing a code twice, there is "
    "nothing to do. If not, someone knows your password and saw your code: change your "
    "password now, end your other sessions on your account page, and tell your security "
    "focal point.")


def _already_used(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the one this device last accepted (django-otp refuses a code at or
    before the time step of the last one accepted, ``last_t``)."""
    if device.last_t < 0:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + device.last_t * device.step
    return bool(totp.token() == int(code))


def verified_login(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Mark this session verified by ``device`` (django-otp keeps it in the session); a new
    session key, as at sign-in, so a session fixed before verification is not carried on."""
    old_key = request.session.session_key
    request.session.cycle_key()
    session_rekeyed(old_key=old_key, request=request)
    otp_login(request, device)


# --- The gate -------------------------------------------------------------------------------

class SecondFactorMiddleware:
    """Sends a signed-in user who must give a second factor, and has not in this session, to
    the verification page (or to enrolment, without a device) before any other page. API
    requests of such a session get 403 in JSON. Sign-out, the second-factor pages, static
    files, the language switch and the health checks stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("second_factor:overview"),
                reverse("core:logout"), reverse("core:language"),
                settings.STATIC_URL or "/static/", "/i18n/", reverse("javascript-catalog"),
                reverse("healthz"), reverse("readyz"),
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not user.is_verified()
                and not request.path_info.startswith(self.open_prefixes())):
            enrolled = has_second_factor(user)
            if enrolled or second_factor_required(user):
                return self.refuse(request, enrolled=enrolled)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, *, enrolled: bool) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Verify your second factor in the browser first."),
                                 "code": "second_factor_required"}, status=403)
        target = reverse("second_factor:verify" if enrolled else "second_factor:enrol")
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
