"""Reads owned by core: grants described for people, and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import QuerySet

from vigil.core.authz import SCOPE_MODELS, Grant, Perm, ScopeKind, holds_globally
from vigil.core.models import AuditEvent, Notification, RoleGrant

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def grant_descriptions(grants: list[Grant]) -> list[dict[str, Any]]:
    """Each grant as (role label, scope label, scope object name), for showing to people."""
    by_kind: dict[ScopeKind, set[int]] = {}
    for g in grants:
        if g.scope_id is not None:
            by_kind.setdefault(g.scope_kind, set()).add(g.scope_id)
    names: dict[tuple[ScopeKind, int], str] = {}
    for kind, ids in by_kind.items():
        model = apps.get_model(SCOPE_MODELS[kind])
        for obj in model._default_manager.filter(pk__in=ids):
            names[(kind, obj.pk)] = str(obj)
    return [{"role": g.role.label, "scope": g.scope_kind.label,
             "target": names.get((g.scope_kind, g.scope_id), "") if g.scope_id else ""}
            for g in grants]


def audit_event_list(*, user: AnyUser, action: str = "", actor: str = "",
                     object_type: str = "", sensitive: bool | None = None
                     ) -> QuerySet[AuditEvent]:
    """The audit log is read whole, so only a global grant of VIEW_AUDIT opens it."""
    if not holds_globally(user, Perm.VIEW_AUDIT):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if sensitive is not None:
        qs = qs.filter(sensitive_read=sensitive)
    return qs


def notification_list(*, user: AnyUser) -> QuerySet[Notification]:
    """A person's own notifications; nobody else's, whatever their role."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_notification_count(*, user: AnyUser) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def grant_list(*, user: AnyUser) -> QuerySet[RoleGrant]:
    if not holds_globally(user, Perm.MANAGE_GRANTS):
        return RoleGrant.objects.none()
    return RoleGrant.objects.select_related("user", "granted_by")
