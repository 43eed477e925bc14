"""Writes owned by core: role grants and user accounts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
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
)
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.models import RoleGrant

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AbstractUser


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
    obj = model._default_manager.filter(pk=scope_id).first()
    if obj is None:
        raise ValidationFailed([FieldError(field="scope_id", code=ErrorCode.UNKNOWN_REFERENCE,
                                           message=_("No %(kind)s with id %(id)s.")
                                           % {"kind": kind.label, "id": scope_id})])
    return obj


def _may_grant(actor: AbstractBaseUser, kind: ScopeKind, target: object | None) -> bool:
    """An administrator grants within their own scope: a country administrator can grant
    roles over that country, its areas, duty stations and premises, never globally."""
    if target is None:
        return holds_globally(actor, Perm.MANAGE_GRANTS)
    return isinstance(target, Model) and can(actor, Perm.MANAGE_GRANTS, target)


@transaction.atomic
def role_grant_create(*, actor: AbstractBaseUser, user: AbstractUser, role: str,
                      scope_kind: str, scope_id: int | None = None,
                      expires_at: dt.datetime | None = None, note: str = "") -> RoleGrant:
    try:
        role_v, kind = Role(role), ScopeKind(scope_kind)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field="role" if "Role" in str(exc) else "scope_kind",
                                           message=str(exc))]) from exc
    target = scope_object(kind, scope_id)
    if not _may_grant(actor, kind, target):
        raise Forbidden()
    if RoleGrant.objects.filter(user=user, role=role_v, scope_kind=kind,
                                scope_id=scope_id).exists():
        raise ValidationFailed([FieldError(field="role", code=ErrorCode.DUPLICATE, message=_(
            "This user already holds this role in this scope."))])
    grant = RoleGrant.objects.create(user=user, role=role_v, scope_kind=kind, scope_id=scope_id,
                                     expires_at=expires_at, note=note, granted_by=actor)
    if role_v in ADMIN_SITE_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_grants(user)
    audit.record(actor=actor, action="core.role_grant.create", obj=grant,
                 changes={"user": [None, user.get_username()], "role": [None, role_v.value],
                          "scope_kind": [None, kind.value], "scope_id": [None, scope_id]})
    return grant


@transaction.atomic
def role_grant_revoke(*, actor: AbstractBaseUser, grant: RoleGrant) -> None:
    target = scope_object(ScopeKind(grant.scope_kind), grant.scope_id)
    if not _may_grant(actor, ScopeKind(grant.scope_kind), target):
        raise Forbidden()
    audit.record(actor=actor, action="core.role_grant.revoke", obj=grant,
                 changes={"user": [grant.user.get_username(), None],
                          "role": [grant.role, None], "scope_kind": [grant.scope_kind, None],
                          "scope_id": [grant.scope_id, None]})
    grant.delete()
    forget_grants(grant.user)


@transaction.atomic
def user_create(*, actor: AbstractBaseUser | None, username: str, email: str = "",
                first_name: str = "", last_name: str = "", password: str | None = None
                ) -> AbstractUser:
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
    return user  # type: ignore[return-value]
