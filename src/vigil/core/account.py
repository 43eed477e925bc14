"""A person's sessions and API tokens: what the account page lists, and the audited writes
that start and end them. Session keys and token keys are never stored, only their SHA-256."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit, services
from vigil.core.errors import FieldError, ValidationFailed
from vigil.core.models import ApiToken, ApiTokenQuerySet, UserSession

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

# How often the last-seen time of a session or token is written: at most once a minute, so
# that a busy page or API client does not write on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_MAX_DAYS = 366


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, as the server saw it (a proxy's own is what
    REMOTE_ADDR holds unless the proxy rewrites it)."""
    return request.META.get("REMOTE_ADDR") or None


def digest(value: str) -> str:
    """The SHA-256 of a secret or personal value, to key or find it without keeping it."""
    return UserSession.hash_of(value)


# --- Sessions ---------------------------------------------------------------------------------

def session_list(*, user: Any) -> QuerySet[UserSession]:
    """The user's own sessions, the most recently used first."""
    return UserSession.objects.filter(user=user)


# The session holds the id of its record, so that a record deleted from the account page ends
# the session, and a record survives a change of session key (the second factor's sign-in
# and a password change cycle it) by following the key.
RECORD = "vigil_session_record"


def session_started(*, user: Any, request: HttpRequest) -> UserSession | None:
    """Keep a record of the session a sign-in just made (its key changed at sign-in)."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    if not key:
        return None
    now = timezone.now()
    record, _created = UserSession.objects.update_or_create(
        key_hash=UserSession.hash_of(key),
        defaults={"user": user, "created_at": now, "last_seen_at": now,
                  "ip_address": client_ip(request),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]})
    request.session[RECORD] = record.pk
    request.session["vigil_seen"] = now.timestamp()
    return record


def session_still_open(*, request: HttpRequest) -> bool:
    """Whether the signed-in session may go on, its last use noted (at most once a minute).
    A session whose record was deleted was ended from the account page: it may not. A
    session from before records were kept gets one now."""
    key = request.session.session_key
    if not key:
        return True
    key_hash = UserSession.hash_of(key)
    now = timezone.now()
    record = UserSession.objects.filter(key_hash=key_hash).only("pk", "last_seen_at").first()
    if record is None:
        record_id = request.session.get(RECORD)
        if record_id is None:
            session_started(user=request.user, request=request)
            return True
        # The key changed since the record was made: the record follows it, if it is still
        # there (and is this user's).
        moved = UserSession.objects.filter(pk=record_id, user_id=request.user.pk or 0).update(
            key_hash=key_hash, last_seen_at=now, ip_address=client_ip(request))
        return moved == 1
    if record.last_seen_at < now - TOUCH_EVERY:
        UserSession.objects.filter(pk=record.pk).update(last_seen_at=now,
                                                        ip_address=client_ip(request))
    return True


def session_rekeyed(*, old_key: str | None, request: HttpRequest) -> None:
    """The session's key changed (a password change keeps its own session under a new key):
    its record follows."""
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(key_hash=UserSession.hash_of(old_key)).update(
            key_hash=UserSession.hash_of(new_key))


def session_is_current(record: UserSession, request: HttpRequest) -> bool:
    key = request.session.session_key
    return bool(key) and record.key_hash == UserSession.hash_of(key or "")


def session_end(*, actor: AnyUser, record: UserSession) -> None:
    """End a session from the account page. Its record goes; the browser that holds it is
    signed out at its next request (SessionActivityMiddleware)."""
    with transaction.atomic():
        audit.record(actor=actor, action="core.session.end", obj=record.user,
                     changes={"session": record.pk, "ip_address": record.ip_address,
                              "signed_in": record.created_at})
        record.delete()


def session_forget(*, session_key: str | None) -> None:
    """A sign-out: the session is gone, and so is its record."""
    if session_key:
        UserSession.objects.filter(key_hash=UserSession.hash_of(session_key)).delete()


def session_idle_expired(*, request: HttpRequest) -> bool:
    """Whether the signed-in session was unused longer than the idle limit; otherwise its
    last use is noted in the session (at most once a minute, since each note re-saves it)."""
    last = request.session.get("vigil_seen")
    now = timezone.now().timestamp()
    limit = settings.VIGIL_SESSION_IDLE_MINUTES * 60
    if last is not None and limit > 0 and now - float(last) > limit:
        return True
    if last is None or now - float(last) >= TOUCH_EVERY.total_seconds():
        request.session["vigil_seen"] = now
    return False


# --- API tokens -------------------------------------------------------------------------------

def token_list(*, user: Any) -> ApiTokenQuerySet:
    """The user's own tokens, in force and ended, the newest first."""
    return ApiToken.objects.filter(user=user)


def token_issue(*, actor: AnyUser | None, user: Any, name: str,
                days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a named token; returns it and its key, which is shown this once."""
    name = name.strip()
    days = settings.VIGIL_API_TOKEN_DAYS if days is None else days
    errors = []
    if not name:
        errors.append(FieldError(field="name", message=_("Give the token a name."),
                                 code="required"))
    elif ApiToken.objects.in_force().filter(user=user, name=name).exists():
        errors.append(FieldError(field="name", message=_(
            "A token in force already has this name."), code="unique"))
    if not 1 <= days <= TOKEN_MAX_DAYS:
        errors.append(FieldError(field="days", message=_(
            "A token lasts from 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS},
            code="out_of_range"))
    if errors:
        raise ValidationFailed(errors)
    key = secrets.token_hex(20)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100],
                                        key_hash=ApiToken.hash_of(key), prefix=key[:8],
                                        created_at=now,
                                        expires_at=now + dt.timedelta(days=days))
        audit.record(actor=actor, action="core.api_token.issue", obj=token,
                     changes={"user": user.get_username(), "name": token.name,
                              "expires_at": token.expires_at})
    return token, key


def token_revoke(*, actor: AnyUser | None, token: ApiToken, reason: str = "revoked") -> None:
    with transaction.atomic():
        if token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="core.api_token.revoke", obj=token,
                     changes={"reason": reason})


def tokens_revoke_all(*, actor: AnyUser | None, user: Any, reason: str) -> int:
    """Revoke every token in force of ``user`` (a password change, for one)."""
    count = 0
    for token in ApiToken.objects.in_force().filter(user=user):
        token_revoke(actor=actor, token=token, reason=reason)
        count += 1
    return count


def token_authenticate(key: str) -> ApiToken | None:
    """The token in force with this key, its use noted (at most once a minute)."""
    token = (ApiToken.objects.in_force().select_related("user")
             .filter(key_hash=ApiToken.hash_of(key)).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Password changes -------------------------------------------------------------------------

def password_changed(*, user: Any, keep_session_key: str | None = None) -> None:
    """A password was set on an existing account (changed, reset by link, or by an
    administrator): its API tokens end, the records of its other sessions go (Django signs
    those sessions out, as the password they were opened with is gone), and its owner is told
    in Vigil and by e-mail."""
    tokens_revoke_all(actor=None, user=user, reason="password_changed")
    others = UserSession.objects.filter(user=user)
    if keep_session_key:
        others = others.exclude(key_hash=UserSession.hash_of(keep_session_key))
    others.delete()
    services.notify(
        users=[user],
        subject=gettext_lazy("Vigil: your password was changed"),
        body=gettext_lazy(
            "The password of your Vigil account was just changed, and your API tokens were "
            "revoked. If you did this, there is nothing more to do. If you did not, reset "
            "your password now from the sign-in page and tell your security focal point."),
        url="/account/")


def user_by_username(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()
