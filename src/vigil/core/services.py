"""Writes owned by core: role grants and user accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import (
    ADMIN_SITE_ROLES,
    SCOPE_MODELS,
    Perm,
    Role,
    ScopeKind,
    can,
    forget_grants,
    holds_globally,
    require,
)
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.i18n import Text, is_spoken, render
from vigil.core.models import Notification, RoleGrant, UserPreference
from vigil.core.selectors import languages_of
from vigil.core.validation import assign, check_version, save_new_version, validate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vigil.core.authz import AnyUser


def scope_object(kind: ScopeKind, scope_id: int | None) -> object | None:
    """The object a grant's scope points at, or None for global. Unknown id: a fault."""
    if kind is ScopeKind.GLOBAL:
        if scope_id is not None:
            raise ValidationFailed([FieldError(field="scope_id", message=_(
                "A global grant has no scope id."))])
        return None
    if scope_id is None:
        raise ValidationFailed([FieldError(field="scope_id", code=ErrorCode.REQUIRED,
                                           message=_("Choose the scope's object."))])
    model = apps.get_model(SCOPE_MODELS[kind])
    obj: object | None = model._default_manager.filter(pk=scope_id).first()
    if obj is None:
        raise ValidationFailed([FieldError(field="scope_id", code=ErrorCode.UNKNOWN_REFERENCE,
                                           message=_("No %(kind)s with id %(id)s.")
                                           % {"kind": kind.label, "id": scope_id})])
    return obj


def _may_grant(actor: AnyUser | None, kind: ScopeKind, target: object | None) -> bool:
    """An administrator grants within their own scope: a country administrator can grant
    roles over that country, its areas, duty stations and premises, never globally.
    ``actor`` None is the operator at the server's shell (`vigil grant`), who may do anything."""
    if actor is None:
        return True
    if target is None:
        return holds_globally(actor, Perm.MANAGE_GRANTS)
    return isinstance(target, Model) and can(actor, Perm.MANAGE_GRANTS, target)


def _parse_grant(role: str, scope_kind: str) -> tuple[Role, ScopeKind]:
    errors = []
    if role not in {r.value for r in Role}:
        errors.append(FieldError(field="role", message=_("Unknown role “%(value)s”.")
                                 % {"value": role}))
    if scope_kind not in {k.value for k in ScopeKind}:
        errors.append(FieldError(field="scope_kind", message=_("Unknown scope “%(value)s”.")
                                 % {"value": scope_kind}))
    if errors:
        raise ValidationFailed(errors)
    return Role(role), ScopeKind(scope_kind)


def _sync_staff_flag(user: User) -> None:
    """The admin site is for global holders of an admin-site role in force (a scoped
    administrator works in Vigil's own pages), and nobody else."""
    should = user.is_superuser or RoleGrant.objects.in_force().filter(
        user=user, role__in=[r.value for r in ADMIN_SITE_ROLES],
        scope_kind=ScopeKind.GLOBAL).exists()
    if user.is_staff != should:
        user.is_staff = should
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_grant_create(*, actor: AnyUser | None, user: User, role: str,
                      scope_kind: str, scope_id: int | None = None,
                      expires_at: dt.datetime | None = None, note: str = "") -> RoleGrant:
    """Grant a role over a scope. Granting again a grant that has expired renews it."""
    role_v, kind = _parse_grant(role, scope_kind)
    target = scope_object(kind, scope_id)
    if not _may_grant(actor, kind, target):
        raise Forbidden()
    grant = RoleGrant.objects.filter(user=user, role=role_v, scope_kind=kind,
                                     scope_id=scope_id).first()
    if grant is not None and RoleGrant.objects.in_force().filter(pk=grant.pk).exists():
        raise ValidationFailed([FieldError(field="role", code=ErrorCode.DUPLICATE, message=_(
            "This user already holds this role in this scope."))])
    before = {} if grant is None else {"expires_at": audit.jsonable(grant.expires_at)}
    if grant is None:
        grant = RoleGrant(user=user, role=role_v, scope_kind=kind, scope_id=scope_id)
    grant.expires_at, grant.note, grant.granted_by = expires_at, note, actor  # type: ignore[assignment]
    grant.save()
    _sync_staff_flag(user)
    forget_grants(user)
    audit.record(actor=actor, action="core.role_grant.create", obj=grant, changes={
        "user": [None, user.get_username()], "role": [None, role_v.value],
        "scope_kind": [None, kind.value], "scope_id": [None, scope_id],
        "expires_at": [before.get("expires_at"), audit.jsonable(expires_at)]})
    return grant


@transaction.atomic
def role_grant_revoke(*, actor: AnyUser | None, grant: RoleGrant) -> None:
    target = scope_object(ScopeKind(grant.scope_kind), grant.scope_id)
    if not _may_grant(actor, ScopeKind(grant.scope_kind), target):
        raise Forbidden()
    audit.record(actor=actor, action="core.role_grant.revoke", obj=grant,
                 changes={"user": [grant.user.get_username(), None],
                          "role": [grant.role, None], "scope_kind": [grant.scope_kind, None],
                          "scope_id": [grant.scope_id, None]})
    user = grant.user
    grant.delete()
    _sync_staff_flag(user)
    forget_grants(user)


@transaction.atomic
def user_save(*, actor: AnyUser, user: User, changed: list[str]) -> User:
    """Save a sign-in edited in the admin site: global administrators only, audited (a new
    password is recorded as changed, never its hash)."""
    if not holds_globally(actor, Perm.MANAGE_GRANTS):
        raise Forbidden()
    created = user.pk is None
    user.save()
    if not created:
        _sync_staff_flag(user)
    fields = {name: ["…", "(changed)"] if "password" in name else
              [None, audit.jsonable(getattr(user, name, None))] for name in sorted(changed)}
    audit.record(actor=actor, action="core.user.create" if created else "core.user.update",
                 obj=user, changes=fields)
    return user


@transaction.atomic
def user_password_set(*, actor: AnyUser | None, user: User, password: str) -> User:
    """Set a password: the person themself (a change, or a reset by e-mailed link), a global
    administrator, or the system. Checked against the password rules; audited without any
    trace of the password."""
    if (actor is not None and actor.pk != user.pk
            and not holds_globally(actor, Perm.MANAGE_GRANTS)):
        raise Forbidden()
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed([FieldError(field="new_password1", message=m)
                                for m in exc.messages]) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor or user, action="core.user.password_set", obj=user,
                 changes={"password": ["…", "(changed)"]})
    return user


@transaction.atomic
def user_create(*, actor: AnyUser | None, username: str, email: str = "",
                first_name: str = "", last_name: str = "", password: str | None = None
                ) -> User:
    """Create a sign-in. ``actor`` None is the system itself (demo, first administrator)."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationFailed([FieldError(field="username", code=ErrorCode.DUPLICATE,
                                           message=_("This username is taken."))])
    user = user_model(username=username, email=email, first_name=first_name,
                      last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="core.user.create", obj=user,
                 changes={"username": [None, username], "email": [None, email]})
    return user


M = TypeVar("M", bound=Model)


def record_save(*, actor: AnyUser, obj: M, perm: Perm, data: dict[str, Any],
                allowed: set[str], action: str, version: int | None = None,
                check: Callable[[M], list[FieldError]] | None = None,
                then: Callable[[M], dict[str, Any]] | None = None) -> M:
    """Create or update one plain record, the one way every app does it: the permission on
    the record as it was and as it will be (so nobody moves a record out of their scope or
    into it), the version an edit was made against, the model's own validation (with the
    faults ``check`` finds by the service's own rules, all reported at once), the save
    (compare-and-set for a versioned record) and one audit event, ``<action>.create`` or
    ``<action>.update``, with what changed. ``then`` writes what hangs off the saved record
    (links to other records) and returns its changes for the same event. The caller's service
    holds the transaction."""
    creating = obj.pk is None
    if not creating:
        require(actor, perm, obj)
        check_version(obj, version)
    before = {} if creating else audit.snapshot(obj)
    assign(obj, data, allowed)
    require(actor, perm, obj)
    validate(obj, extra=check(obj) if check is not None else None)
    if creating or not hasattr(obj, "version"):
        obj.save()
    else:
        save_new_version(obj, sorted(allowed & {f.name for f in obj._meta.concrete_fields}))
    changes = audit.diff(before, audit.snapshot(obj))
    if then is not None:
        changes.update(then(obj))
    audit.record(actor=actor, action=f"{action}.{'create' if creating else 'update'}", obj=obj,
                 changes=changes)
    return obj


# --- Notifications ----------------------------------------------------------------------------

def notify(*, users: Iterable[User], subject: Text, body: Text = "", url: str = "") -> int:
    """Tell each user, in Vigil and by e-mail, in the language that user reads (their
    account's choice, else their staff record's, else the site's). Hand over the subject and
    body untranslated, a lazy string or a ``Msg``: each is rendered once per language among
    the recipients. A plain ``str`` is text somebody typed, and goes to everyone as it is.
    The e-mail is sent after the transaction that caused it commits, so a rolled-back change
    never mails anyone."""
    from vigil.core.tasks import send_notification_email

    recipients = {u.pk: u for u in users if u.is_active}
    languages = languages_of(recipients)
    rendered: dict[str, tuple[str, str]] = {}
    for user in recipients.values():
        language = languages[user.pk]
        if language not in rendered:
            rendered[language] = (render(subject, language)[:200], render(body, language))
        note_subject, note_body = rendered[language]
        note = Notification.objects.create(user=user, subject=note_subject, body=note_body,
                                           url=url)
        if user.email:
            transaction.on_commit(partial(send_notification_email.delay, note.pk))
    return len(recipients)


def notification_email(*, notification_id: int) -> bool:
    """Send one notification's e-mail once. Returns whether it was sent now. The subject and
    body were written in the recipient's language when the notification was made."""
    with transaction.atomic():
        note = (Notification.objects.select_for_update().select_related("user")
                .filter(pk=notification_id, emailed_at__isnull=True).first())
        if note is None:
            return False
        link = f"\n\n{settings.VIGIL_BASE_URL}{note.url}" if note.url else ""
        send_mail(note.subject, f"{note.body}{link}", None, [note.user.email])
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


# --- Preferences ------------------------------------------------------------------------------

def _language_checked(language: str) -> str:
    if not is_spoken(language):
        raise ValidationFailed([FieldError(field="language",
                                           message=_("Unknown language “%(value)s”.")
                                           % {"value": language})])
    return language


@transaction.atomic
def user_language_set(*, actor: AnyUser, user: User, language: str) -> UserPreference:
    """A person chooses the language of their own pages, e-mails and notifications."""
    if actor.pk != user.pk:
        raise Forbidden()
    _language_checked(language)
    preference, _created = UserPreference.objects.select_for_update().get_or_create(user=user)
    if preference.language != language:
        audit.record(actor=actor, action="core.user.language_set", obj=user,
                     changes={"language": [preference.language or None, language]})
        preference.language = language
        preference.save(update_fields=["language", "updated_at"])
    return preference


@transaction.atomic
def user_language_default(*, user: User, language: str) -> bool:
    """At sign-in, take the browser's language as the account's, unless one is chosen
    already. Returns whether it was taken."""
    _language_checked(language)
    preference, _created = UserPreference.objects.select_for_update().get_or_create(user=user)
    if preference.language:
        return False
    preference.language = language
    preference.save(update_fields=["language", "updated_at"])
    audit.record(actor=user, action="core.user.language_set", obj=user,
                 changes={"language": [None, language], "from": "browser"})
    return True


def notification_mark_read(*, actor: AnyUser, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read: the ones named, or all."""
    if not actor.is_authenticated:
        return 0
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
