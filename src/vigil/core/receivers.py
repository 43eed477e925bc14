"""Django's sign-in signal, the one hook that every way of signing in passes through (Vigil's
sign-in page and the admin site's): an account takes the browser's language at its first
sign-in, so that its e-mails are written in it before its owner ever chooses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from vigil.core import services


def language_from_browser(sender: Any, request: HttpRequest | None, user: Any,
                          **kwargs: Any) -> None:
    # A browser that states no language (no cookie, no Accept-Language) leaves the choice
    # open: the site's default applies until the person chooses.
    if request is None or not (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
                               or request.META.get("HTTP_ACCEPT_LANGUAGE")):
        return
    services.user_language_default(user=user,
                                   language=translation.get_language_from_request(request))
