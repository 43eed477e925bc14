"""The API's token authentication: ``Authorization: Token <key>``, checked against Vigil's
named, expiring, hashed API tokens (vigil.core.models.ApiToken) instead of DRF's one
permanent token per user."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from vigil.core import account


class ApiTokenAuthentication(TokenAuthentication):
    """A token in force (not expired, not revoked) of an active user; its use is noted. A
    missing header falls through to the next class (the session); a wrong, expired or revoked
    token is answered 401 with ``WWW-Authenticate: Token``."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = account.token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
