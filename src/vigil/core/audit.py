"""The audit log: one append-only, hash-chained event for every write and every sensitive read.

Each event's hash covers its own content and the previous event's hash, so editing or deleting
a row breaks the chain from that row on; ``verify`` finds the first break.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from vigil.core import context
from vigil.core.bulk import insert_rows
from vigil.core.models import AuditEvent, AuditHead

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """A value as it will read back from a JSON column, so hashes survive the round trip."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time | uuid.UUID):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj``, by field name, ready for ``diff``."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if names is not None and field.name not in names:
            continue
        if field.name in {"created_at", "updated_at"}:
            continue
        data[field.name] = jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def _digest(fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "sensitive_read": event.sensitive_read,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    sensitive_read: bool = False,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction: if the write rolls back, so does
    its audit event, and an event is never written for a change that did not happen."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    user = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            # Whole microseconds in UTC survive every backend's round trip unchanged.
            at=timezone.now().astimezone(dt.UTC),
            actor_id=user.pk if user is not None else None,
            actor_label=user.get_username() if user is not None else "system",
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            changes=jsonable(changes or {}),
            sensitive_read=sensitive_read,
            request_id=context.request_id.get(),
            prev_hash=head.hash,
        )
        event.hash = _digest(_hashed_fields(event))
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


EVENT_COLUMNS = ("seq", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
                 "object_repr", "changes", "sensitive_read", "request_id", "prev_hash", "hash")


def record_many(*, actor: AbstractBaseUser | AnonymousUser | None, action: str,
                entries: Sequence[tuple[models.Model, dict[str, Any]]]) -> int:
    """Append one event per (object, changes), as ``record`` would one after the other, in
    one step of the chain: the head locked once, the events hashed as ``record`` hashes
    them and inserted together (``insert_rows``). For a service that writes many records in
    one transaction; same rules as ``record``. Returns the number of events."""
    if not entries:
        return 0
    user = actor if actor is not None and actor.is_authenticated else None
    at = timezone.now().astimezone(dt.UTC)
    actor_id = user.pk if user is not None else None
    label = user.get_username() if user is not None else "system"
    request_id = context.request_id.get()
    stamp = at.isoformat()
    rows = []
    # No savepoint: a failure here fails the caller's whole transaction, as it must.
    with transaction.atomic(savepoint=False):
        head = AuditHead.objects.select_for_update().get(pk=1)
        seq, prev = head.seq, head.hash
        for obj, changes in entries:
            seq += 1
            fields = {"seq": seq, "at": stamp, "actor": actor_id, "actor_label": label,
                      "action": action, "object_type": obj._meta.label_lower,
                      "object_id": str(obj.pk), "object_repr": str(obj)[:200],
                      "changes": jsonable(changes or {}), "sensitive_read": False,
                      "request_id": request_id, "prev_hash": prev}
            digest = _digest(fields)
            rows.append((seq, at, actor_id, label, action, fields["object_type"],
                         fields["object_id"], fields["object_repr"],
                         json.dumps(fields["changes"], ensure_ascii=False), False, request_id,
                         prev, digest))
            prev = digest
        insert_rows(AuditEvent, EVENT_COLUMNS, rows)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return len(rows)


def record_read(*, actor: AbstractBaseUser | AnonymousUser, action: str,
                obj: models.Model) -> AuditEvent:
    """Audit a read of a sensitive class (personal data, protection, counselling)."""
    return record(actor=actor, action=action, obj=obj, sensitive_read=True)


def record_list_read(*, actor: AbstractBaseUser | AnonymousUser, action: str, object_type: str,
                     query: str, rows: int) -> AuditEvent:
    """Audit one page of a list of a sensitive class (HTML or API): what was asked, how many."""
    return record(actor=actor, action=action, object_type=object_type,
                  changes={"query": query, "rows": rows}, sensitive_read=True)


def record_refusal(*, actor: AbstractBaseUser | AnonymousUser, object_type: str, object_id: str,
                   field: str) -> AuditEvent:
    """Audit a write that named a record of personal data outside the actor's scope. The
    caller was told "unknown"; the log keeps which record it was, by model and id, with no
    name, and the input field that named it."""
    return record(actor=actor, action="core.access.refused", object_type=object_type,
                  object_id=object_id, changes={"field": field})


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def _events_in_order(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify() -> tuple[int, Break | None]:
    """Walks the chain. Returns (events checked, first break or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            return checked, Break(expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return checked, Break(event.seq, "its previous-hash does not match the event before")
        if _digest(_hashed_fields(event)) != event.hash:
            return checked, Break(event.seq, "its content does not match its hash")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.get(pk=1)
    if head.seq != checked:
        return checked, Break(checked + 1, f"the chain head says {head.seq} events, found "
                                           f"{checked}: the last events were deleted")
    return checked, None
