"""Backups: the whole database as one portable, gzipped JSON file, and its restore.

A backup holds every row of every installed app as Django serializes it (``dumpdata``, in the
order that lets each row's references load before it), with foreign keys to content types and
permissions written by natural key, because ``migrate`` recreates those with ids of its own.
Primary keys are kept: the audit log's hash chain covers the ids of the actors it names.

The file carries the SHA-256 digest of its content and the audit chain's head (its last
sequence number and hash). A restore refuses a file whose content does not match its digest,
loads it in one transaction, walks the restored audit chain, and rolls everything back unless
the chain is intact and ends at the head the file names. Backing up the restored database
gives the same digest: the round trip is exact.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.models import AuditEvent, AuditHead

FORMAT = "vigil-backup"
VERSION = 1
# Rebuilt by `migrate` on the target; rows elsewhere name them by natural key.
EXCLUDED = ("auth.permission",)  # and the contenttypes app


class BackupError(Exception):
    """A backup file that cannot be restored, with the reason in plain words."""


@dataclass(frozen=True)
class Summary:
    rows: int
    digest: str
    audit_events: int
    audit_head: str


def content_digest(rows: list[dict[str, Any]]) -> str:
    """The SHA-256 of the rows in canonical JSON: equal for equal content, whatever the
    file's formatting."""
    payload = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds: ``dumpdata`` cuts them to
    milliseconds, which would change the audit events' times and so break their hashes."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


def _models() -> list[type[Model]]:
    """Every model a backup holds, in an order that loads references before their rows."""
    by_app: dict[Any, list[type[Model]] | None] = {}
    for config in apps.get_app_configs():
        if config.label == "contenttypes" or config.models_module is None:
            continue
        by_app[config] = [model for model in config.get_models()
                          if model._meta.label_lower not in EXCLUDED
                          and not model._meta.proxy and model._meta.managed]
    return serializers.sort_dependencies(by_app.items(), allow_cycles=True)


def dump_rows() -> list[dict[str, Any]]:
    """Every row of the database, as ``dumpdata --natural-foreign`` gives it, times whole."""
    rows: list[dict[str, Any]] = []
    for model in _models():
        queryset = model._base_manager.using(DEFAULT_DB_ALIAS).order_by(model._meta.pk.name)
        data = serializers.serialize("python", queryset.iterator(chunk_size=2000),
                                     use_natural_foreign_keys=True)
        rows.extend(json.loads(json.dumps(data, cls=_Encoder, ensure_ascii=False)))
    return rows


def backup_write(path: Path) -> Summary:
    """Writes the backup of the whole database to ``path`` (gzipped JSON)."""
    with transaction.atomic():
        # One snapshot: the rows and the audit head read in one transaction.
        rows = dump_rows()
        head = AuditHead.objects.filter(pk=1).first()
    summary = Summary(rows=len(rows), digest=content_digest(rows),
                      audit_events=head.seq if head else 0,
                      audit_head=head.hash if head else audit.GENESIS)
    document = {"format": FORMAT, "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "digest": summary.digest,
                "audit": {"events": summary.audit_events, "head": summary.audit_head},
                "rows": rows}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, separators=(",", ":"))
    return summary


def backup_read(path: Path) -> dict[str, Any]:
    """The backup document in ``path``, its format and content digest checked."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(_("The file is not a Vigil backup (%(error)s).")
                          % {"error": exc}) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(_("The file is not a Vigil backup."))
    if document.get("version") != VERSION:
        raise BackupError(_("The backup's format version %(version)s is not supported.")
                          % {"version": document.get("version")})
    rows = document.get("rows")
    if not isinstance(rows, list) or content_digest(rows) != document.get("digest"):
        raise BackupError(_("The backup's content does not match its digest: the file was "
                            "changed or damaged after it was written."))
    return document


def database_in_use() -> bool:
    """Has this database been used: an account made, an event recorded? A database only
    migrated holds the rows its migrations seed (countries, the incident taxonomy), which the
    backup holds too: that one is not in use."""
    return AuditEvent.objects.exists() or get_user_model().objects.exists()


def _verify_chain(document: dict[str, Any]) -> int:
    checked, broken = audit.verify()
    if broken is not None:
        raise BackupError(_("The backup's audit chain is broken at event #%(seq)s: %(reason)s.")
                          % {"seq": broken.seq, "reason": broken.reason})
    expected = document.get("audit") or {}
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq != expected.get("events") or head.hash != expected.get("head"):
        raise BackupError(_("The backup's audit chain does not end at the head the file "
                            "names: events were removed or added."))
    return checked


def database_flush() -> None:
    """Deletes every row. PostgreSQL truncates no table with foreign-key checks still
    deferred in this transaction, so they are run first, and deferred again for the load."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def backup_restore(path: Path, *, flush: bool = False) -> Summary:
    """Restores ``path`` into this database, which must not be in use yet (or ``flush``: its
    rows are deleted first, as they are anyway). All or nothing: a file that fails a check
    leaves the database as it was."""
    document = backup_read(path)
    rows: list[dict[str, Any]] = document["rows"]
    with transaction.atomic():
        if database_in_use() and not flush:
            raise BackupError(_("The database is not empty. Restore into a new, migrated "
                                "database, or give --flush to empty this one first."))
        # The backup holds every row, the migrations' seeds included.
        database_flush()
        with tempfile.TemporaryDirectory() as folder:
            fixture = Path(folder) / "backup.json"
            fixture.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            call_command("loaddata", str(fixture), verbosity=0)
        checked = _verify_chain(document)
    return Summary(rows=len(rows), digest=document["digest"], audit_events=checked,
                   audit_head=document["audit"]["head"])
