"""`vigil backup` and `vigil restore`: an exact round trip, and refusals that change nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core import audit, backup
from vigil.core.models import AuditEvent
from vigil.people.models import Person


def _rewrite(path: Path, change: Any) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    change(document)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(document, handle)


@pytest.fixture
def saved(cast: Any, tmp_path: Path) -> tuple[Path, backup.Summary]:
    audit.record(actor=None, action="test.event", obj=cast.amina, changes={"x": 1})
    path = tmp_path / "vigil.json.gz"
    return path, backup.backup_write(path)


def test_backup_flush_restore_backup_gives_the_same_content(saved, cast, tmp_path):
    path, first = saved
    backup.backup_restore(path, flush=True)
    again = backup.backup_write(tmp_path / "again.json.gz")
    assert again.digest == first.digest
    assert again.rows == first.rows
    assert Person.objects.get(pk=cast.amina.pk).family_name == cast.amina.family_name
    assert audit.verify() == (first.audit_events, None)


def test_restore_refuses_a_database_that_is_not_empty(saved):
    path, _summary = saved
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup_restore(path)


def test_restore_into_a_database_only_migrated_needs_no_flush(saved):
    path, first = saved
    backup.database_flush()
    backup.backup_restore(path)
    assert backup.content_digest(backup.dump_rows()) == first.digest


def test_restore_refuses_content_that_does_not_match_its_digest(saved, cast):
    path, _summary = saved

    def rename(document: dict[str, Any]) -> None:
        row = next(r for r in document["rows"]
                   if r["model"] == "people.person" and r["pk"] == cast.amina.pk)
        row["fields"]["family_name"] = "TAMPERED"
    _rewrite(path, rename)
    with pytest.raises(backup.BackupError, match="digest"):
        backup.backup_restore(path, flush=True)
    assert Person.objects.get(pk=cast.amina.pk).family_name != "TAMPERED"


def test_restore_refuses_an_edited_audit_event_even_with_a_new_digest(saved, cast):
    path, _summary = saved

    def forge(document: dict[str, Any]) -> None:
        row = next(r for r in document["rows"] if r["model"] == "core.auditevent"
                   and r["fields"]["action"] == "test.event")
        row["fields"]["object_repr"] = "someone else"
        document["digest"] = backup.content_digest(document["rows"])
    _rewrite(path, forge)
    events = AuditEvent.objects.count()
    with pytest.raises(backup.BackupError, match="audit chain is broken"):
        backup.backup_restore(path, flush=True)
    # Rolled back: the database is the one before the attempt.
    assert AuditEvent.objects.count() == events
    assert Person.objects.filter(pk=cast.amina.pk).exists()


def test_restore_refuses_a_chain_cut_short(saved):
    path, _summary = saved

    def cut(document: dict[str, Any]) -> None:
        last = max(r["fields"]["seq"] for r in document["rows"] if r["model"] == "core.auditevent")
        document["rows"] = [r for r in document["rows"] if not (
            r["model"] == "core.auditevent" and r["fields"]["seq"] == last)]
        for row in document["rows"]:
            if row["model"] == "core.audithead":
                row["fields"]["seq"] = last - 1
        document["digest"] = backup.content_digest(document["rows"])
    _rewrite(path, cut)
    with pytest.raises(backup.BackupError, match="audit chain"):
        backup.backup_restore(path, flush=True)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    path = tmp_path / "other.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(backup.BackupError, match="not a Vigil backup"):
        backup.backup_restore(path)


def test_the_commands_round_trip_and_report(saved, tmp_path, capsys):
    out = tmp_path / "cmd.json.gz"
    call_command("backup", str(out))
    assert AuditEvent.objects.filter(action="core.backup.written").count() == 1
    call_command("restore", str(out), "--flush")
    printed = capsys.readouterr().out
    assert "Audit chain intact" in printed
    _rewrite(out, lambda d: d.update(digest="0" * 64))
    with pytest.raises(CommandError, match="Not restored"):
        call_command("restore", str(out), "--flush")
