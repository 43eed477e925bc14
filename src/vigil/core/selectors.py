"""Reads owned by core: grants described for people, and the audit log; and the two steps
every list selector shares, narrowing by the filters given and searching."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet

from vigil.core.authz import SCOPE_MODELS, Grant, Perm, ScopeKind, holds_globally
from vigil.core.i18n import language_or_default
from vigil.core.models import AuditEvent, Notification, RoleGrant, UserPreference
from vigil.core.slices import Slice, SlicePaths

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

M = TypeVar("M", bound=Model)


def narrowed(qs: QuerySet[M], **lookups: Any) -> QuerySet[M]:
    """``qs`` filtered by each lookup given a value. A filter left blank ("" or None, as a
    list page's empty field) narrows nothing; ``False`` and ``0`` are values."""
    given = {lookup: value for lookup, value in lookups.items()
             if value is not None and value != ""}
    return qs.filter(**given) if given else qs


def searched(qs: QuerySet[M], text: str, *lookups: str) -> QuerySet[M]:
    """The rows that any of ``lookups`` (``"name__icontains"``, ``"code__iexact"``...)
    matches with ``text``; every row when there is no text."""
    if not text:
        return qs
    return qs.filter(reduce(operator.or_, (Q(**{lookup: text}) for lookup in lookups)))


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
    return narrowed(AuditEvent.objects.all(), action__startswith=action,
                    actor_label__iexact=actor, object_type=object_type,
                    sensitive_read=sensitive)


# How a user reaches a slice: through the staff record linked to the account.
USER_PATHS = SlicePaths(country="person__duty_station__country",
                        duty_station="person__duty_station", organization="person__organization")


def role_holders_activity(*, roles: Iterable[str], action_prefixes: Iterable[str],
                          first: dt.date, last: dt.date, within: Slice | None = None
                          ) -> tuple[QuerySet[Any], set[int]] | None:
    """The accounts that held one of ``roles`` at some time from ``first`` to ``last`` (UTC
    days, both included: granted by the end of ``last``, not expired before ``first``
    began), inside ``within`` (through their staff record); and the ids of those among them
    who have an audit event in those days whose action starts with one of
    ``action_prefixes``. None when the slice cannot hold accounts."""
    where = (within or Slice.system()).q(USER_PATHS)
    if where is None:
        return None
    begin = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    grants = RoleGrant.objects.filter(role__in=list(roles), created_at__lt=stop).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=begin))
    holders = get_user_model().objects.filter(where, pk__in=grants.values("user_id"))
    prefixes = [p for p in action_prefixes if p]
    if not prefixes:
        return holders, set()
    used = AuditEvent.objects.filter(
        reduce(operator.or_, (Q(action__startswith=p) for p in prefixes)),
        at__gte=begin, at__lt=stop, actor__in=holders.values("pk"))
    return holders, set(used.order_by().values_list("actor_id", flat=True).distinct())


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


def languages_of(user_ids: Iterable[int], *, default: str | None = None) -> dict[int, str]:
    """The language each user's messages are written in, in one query: the account's choice,
    else the language on their staff record (people.Person, through its ``person`` link to
    the account), else ``default``, else the site's language."""
    rows = get_user_model().objects.filter(pk__in=list(user_ids)).values_list(
        "pk", "preference__language", "person__language")
    return {pk: language_or_default(chosen, staff, default=default)
            for pk, chosen, staff in rows}


def language_chosen(user: AnyUser) -> str:
    """The language the user chose for their account, or "" when they have chosen none."""
    if not user.is_authenticated:
        return ""
    preference = UserPreference.objects.filter(user_id=user.pk).first()
    return preference.language if preference is not None else ""
