"""Django's and axes' signals about accounts, the one hook that every way of signing in passes
through (Vigil's sign-in page and the admin site's): an account takes the browser's language
at its first sign-in, so that its e-mails are written in it before its owner ever chooses;
sign-ins, failures and lockouts are audited; each session is recorded for the account page;
a password change ends the account's API tokens and tells its owner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from vigil.core import account, audit, context, services


def language_from_browser(sender: Any, request: HttpRequest | None, user: Any,
                          **kwargs: Any) -> None:
    # A browser that states no language (no cookie, no Accept-Language) leaves the choice
    # open: the site's default applies until the person chooses.
    if request is None or not (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
                               or request.META.get("HTTP_ACCEPT_LANGUAGE")):
        return
    services.user_language_default(user=user,
                                   language=translation.get_language_from_request(request))


# --- Sign-ins, sign-outs, failures and lockouts: audited; sessions recorded ------------------

def _ip(request: HttpRequest | None) -> str | None:
    return account.client_ip(request) if request is not None else None


def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        account.session_started(user=user, request=request)
    audit.record(actor=user, action="core.user.sign_in", obj=user,
                 changes={"ip_address": _ip(request)})


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        account.session_forget(session_key=request.session.session_key)


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                   **kwargs: Any) -> None:
    # The username typed is kept (it may name no account); the password never is.
    audit.record(actor=None, action="core.user.sign_in_failed", object_type="auth.user",
                 object_repr=str(credentials.get("username", ""))[:150],
                 changes={"username": str(credentials.get("username", ""))[:150],
                          "ip_address": _ip(request)})


def locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
               ip_address: str | None = None, **kwargs: Any) -> None:
    audit.record(actor=None, action="core.user.locked_out", object_type="auth.user",
                 object_repr=str(username or "")[:150],
                 changes={"username": str(username or "")[:150], "ip_address": ip_address})


def password_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A password set on an existing account, by any path (Django marks the user until its
    save is done): its tokens and other sessions end, and its owner is told."""
    if created or getattr(instance, "_password", None) is None:
        return
    current = context.request.get()
    keep = getattr(getattr(current, "session", None), "session_key", None)
    account.password_changed(user=instance, keep_session_key=keep)
