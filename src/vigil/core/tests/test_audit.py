"""The audit log: one event per write, sensitive reads audited, and a chain that catches edits."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from vigil.core import audit
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden
from vigil.core.models import AuditEvent
from vigil.places import services as place_services


def test_service_write_records_one_event_with_before_and_after(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    before = AuditEvent.objects.count()
    place_services.duty_station_update(actor=admin, station=cast.mombasa,
                                       data={"name": "Mombasa Port"}, version=1)
    events = list(AuditEvent.objects.filter(seq__gt=before))
    assert len(events) == 1
    event = events[0]
    assert event.action == "places.duty_station.update"
    assert event.actor == admin
    assert event.changes["name"] == ["Mombasa", "Mombasa Port"]
    assert event.changes["version"] == [1, 2]
    assert event.object_id == str(cast.mombasa.pk)


def test_refused_write_leaves_no_event(cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    before = AuditEvent.objects.count()
    with pytest.raises(Forbidden, match="may not"):
        place_services.duty_station_update(actor=officer, station=cast.mombasa,
                                           data={"name": "X"}, version=1)
    assert AuditEvent.objects.count() == before


def test_reading_personal_data_is_audited(cast, user_with, client):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(officer)
    client.get(f"/people/personnel/{cast.amina.pk}/")
    event = AuditEvent.objects.filter(action="people.person.read_personal_data").get()
    assert event.sensitive_read
    assert event.actor == officer
    assert event.object_id == str(cast.amina.pk)


def test_person_page_without_need_to_know_shows_no_contacts_and_logs_no_read(
        cast, user_with, client):
    client.force_login(user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya))
    page = client.get(f"/people/personnel/{cast.amina.pk}/").content.decode()
    assert "+254 20 7621234" not in page
    assert not AuditEvent.objects.filter(sensitive_read=True).exists()


def test_chain_verifies_and_events_are_append_only(cast, user_with):
    _three_renames(cast, user_with(Role.ADMINISTRATOR))
    checked, broken = audit.verify()
    assert broken is None
    assert checked == AuditEvent.objects.count() >= 3
    event = AuditEvent.objects.order_by("seq").last()
    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")


def _three_renames(cast, admin) -> None:
    for name in ("A", "B", "C"):
        place_services.duty_station_update(actor=admin, station=cast.mombasa,
                                           data={"name": name}, version=cast.mombasa.version)


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_catches_a_row_edited_in_the_database(cast, user_with):
    _three_renames(cast, user_with(Role.ADMINISTRATOR))
    victim = AuditEvent.objects.order_by("seq")[1]
    _raw("UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["mallory", victim.pk])
    _checked, broken = audit.verify()
    assert broken is not None
    assert broken.seq == victim.seq
    assert "hash" in broken.reason
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1


def test_verify_catches_a_row_deleted_from_the_middle(cast, user_with):
    _three_renames(cast, user_with(Role.ADMINISTRATOR))
    victim = AuditEvent.objects.order_by("seq")[1]
    _raw("DELETE FROM core_auditevent WHERE id = %s", [victim.pk])
    _checked, broken = audit.verify()
    assert broken is not None
    assert broken.seq == victim.seq
    assert "missing" in broken.reason


def test_verify_catches_deleted_tail(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    place_services.duty_station_update(actor=admin, station=cast.mombasa, data={"name": "A"},
                                       version=1)
    last = AuditEvent.objects.order_by("seq").last()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    _checked, broken = audit.verify()
    assert broken is not None
    assert "deleted" in broken.reason


def test_verify_command_reports_intact_chain(cast, user_with, capsys):
    admin = user_with(Role.ADMINISTRATOR)
    place_services.duty_station_update(actor=admin, station=cast.mombasa, data={"name": "A"},
                                       version=1)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


def test_audit_log_page_is_for_global_administrators_only(cast, user_with, client):
    client.force_login(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    assert client.get("/audit/").status_code == 403
    client.force_login(user_with(Role.ADMINISTRATOR))
    assert client.get("/audit/").status_code == 200
