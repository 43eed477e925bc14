"""Import of a gate controller's export: idempotent, bad rows named by row and column, a
malformed file refused whole, dry run, --skip-invalid, the command line, the page and API."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import ValidationFailed
from vigil.core.models import AuditEvent
from vigil.hq.gate_services import entries_import
from vigil.hq.models import EntryEvent, EntryImport, UnauthorizedEntry
from vigil.hq.tests.test_gate_fixtures import NOW, export, local, site  # noqa: F401
from vigil.incidents.models import Incident

H = dt.timedelta(hours=1)
T = NOW - 2 * H
DATA = Path(__file__).parent / "data"


def rows(*specs: tuple[str, int, str, str, str, str]) -> list[str]:
    """(event id, minutes after T, door, card, outcome, reason) as export lines."""
    return [f"{i},{local(T + dt.timedelta(minutes=m))},{door},{card},{out},{why},IN,x"
            for i, m, door, card, out, why in specs]


GOOD = rows(("1", 0, "L1", "NBO-000001", "GRANTED", ""),
            ("2", 1, "L1", "NBO-000009", "DENIED", "UNKNOWN"),
            ("3", 2, "G1", "NBO-000001", "OK", ""))


def run(site, data, **kw):  # noqa: F811
    return entries_import(actor=site.officer, premises=site.cast.gigiri, mapping=site.mapping,
                          data=data, file_name="export.csv", **kw)


def test_a_good_file_adds_its_events_with_one_audit_event(site):  # noqa: F811
    report = run(site, export(*GOOD))
    assert (report.rows, report.created, report.duplicates, report.skipped) == (3, 3, 0, 0)
    first = EntryEvent.objects.get(external_id="1")
    assert first.occurred_at == T
    assert first.gate == site.lobby
    assert first.pass_obj == site.valid
    assert first.result == "granted"
    assert first.direction == "in"
    assert first.source == "import"
    unknown = EntryEvent.objects.get(external_id="2")
    assert unknown.pass_obj is None
    assert unknown.pass_number == "NBO-000009"
    assert unknown.reason == "other"
    assert unknown.pass_refusal == "unknown_pass"
    assert AuditEvent.objects.filter(action="hq.entry_event.import").count() == 1
    assert EntryImport.objects.get().created == 3


def test_the_same_file_twice_adds_nothing_the_second_time(site):  # noqa: F811
    run(site, export(*GOOD))
    again = run(site, export(*GOOD))
    assert (again.created, again.duplicates) == (0, 3)
    assert EntryEvent.objects.count() == 3


def test_an_overlapping_file_adds_only_its_new_rows(site):  # noqa: F811
    run(site, export(*GOOD[:2]))
    report = run(site, export(*GOOD[1:]))
    assert (report.created, report.duplicates) == (1, 1)
    assert EntryEvent.objects.count() == 3


def test_without_event_ids_a_hash_of_the_row_keeps_the_import_idempotent(site):  # noqa: F811
    site.mapping.event_id_column = ""
    site.mapping.save()
    header = "Timestamp,Door,Card,Outcome,Reason,Dir"
    lines = [line.split(",", 1)[1].rsplit(",", 1)[0] for line in GOOD]
    assert run(site, export(*lines, header=header)).created == 3
    assert run(site, export(*lines, header=header)).created == 0
    assert EntryEvent.objects.first().external_id.startswith("sha256:")


@pytest.mark.parametrize(("line", "column", "words"), [
    ("9,31/02/2026 08:00:00,L1,NBO-000001,GRANTED,,IN,x", "Timestamp", "is not a time"),
    ("9,,L1,NBO-000001,GRANTED,,IN,x", "Timestamp", "missing"),
    (f"9,{local(T)},Z9,NBO-000001,GRANTED,,IN,x", "Door", "No gate “Z9”"),
    (f"9,{local(T)},L1,NBO-000001,MAYBE,,IN,x", "Outcome", "“MAYBE” is neither"),
    (f"9,{local(T)},L1,NBO-000001,GRANTED,,SIDEWAYS,x", "Dir", "neither in"),
    (f"9,{local(NOW + 2 * H)},L1,NBO-000001,GRANTED,,IN,x", "Timestamp", "in the future"),
], ids=["bad-time", "no-time", "unknown-gate", "unknown-result", "unknown-direction",
        "future"])
def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_written(
        site, line, column, words):  # noqa: F811
    with pytest.raises(ValidationFailed) as caught:
        run(site, export(GOOD[0], line))
    [error] = caught.value.errors
    assert (error.row, error.field) == (3, column)
    assert words in str(error.message)
    assert not EntryEvent.objects.exists()
    assert not EntryImport.objects.exists()


def test_a_row_of_the_wrong_width_is_a_fault_of_that_row(site):  # noqa: F811
    with pytest.raises(ValidationFailed) as caught:
        run(site, export(GOOD[0], "9,only,three"))
    assert caught.value.errors[0].row == 3


def test_skip_invalid_writes_the_good_rows_and_reports_the_bad(site):  # noqa: F811
    bad = f"9,{local(T)},Z9,NBO-000001,GRANTED,,IN,x"
    report = run(site, export(*GOOD, bad), skip_invalid=True)
    assert (report.created, report.skipped) == (3, 1)
    assert report.errors[0].row == 5
    assert EntryImport.objects.get().errors[0]["field"] == "Door"


def test_a_dry_run_reports_and_writes_nothing(site):  # noqa: F811
    report = run(site, export(*GOOD), dry_run=True)
    assert report.created == 3
    assert report.dry_run
    assert not EntryEvent.objects.exists()
    assert not EntryImport.objects.exists()


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    ("Zeit;Tür\n1;2\n".encode("latin-1") + b"\xe4\xfc", "UTF-8"),
    (b"Time,Gate,Number\n1,2,3\n", "lacks the columns"),
    (b"EventID;Timestamp;Door;Card;Outcome;Reason;Dir\n1;2;3;4;5;6;7\n", "lacks the columns"),
])
def test_a_malformed_file_is_refused_with_one_clear_error(site, data, words):  # noqa: F811
    with pytest.raises(ValidationFailed) as caught:
        run(site, data)
    assert len(caught.value.errors) == 1
    assert caught.value.errors[0].field == "file"
    assert words in str(caught.value.errors[0].message)


def test_a_file_over_the_upload_limit_is_refused(site, settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr("vigil.hq.gate_services.MAX_BYTES", 100)
    with pytest.raises(ValidationFailed, match="not valid"):
        run(site, export(*GOOD, *GOOD))


def test_the_import_raises_unauthorized_entries_with_incidents_once(site):  # noqa: F811
    burst = rows(("10", 0, "L1", "NBO-777", "DENIED", ""), ("11", 1, "L1", "NBO-777", "DENIED", ""),
                 ("12", 2, "L1", "NBO-777", "DENIED", ""),
                 ("13", 5, "G1", "NBO-000002", "GRANTED", ""))
    report = run(site, export(*burst))
    assert report.unauthorized == 2
    rules = sorted(UnauthorizedEntry.objects.values_list("rule", flat=True))
    assert rules == ["denied_attempts", "invalid_pass"]
    denial = UnauthorizedEntry.objects.get(rule="denied_attempts")
    assert denial.events_count == 3
    assert denial.incident.category.code == "unauthorized-entry"
    assert denial.incident.duty_station == site.cast.nairobi
    assert "Lobby 1" in denial.incident.title
    more = rows(("14", 4, "L1", "NBO-777", "DENIED", ""))
    assert run(site, export(*burst, *more)).unauthorized == 0
    denial.refresh_from_db()
    assert denial.events_count == 4
    assert UnauthorizedEntry.objects.count() == 2
    assert Incident.objects.count() == 2


def test_another_stations_mapping_or_premises_out_of_scope_is_refused(site, user_with):  # noqa: F811
    from vigil.core.errors import Forbidden

    other = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, site.cast.mombasa)
    with pytest.raises(Forbidden):
        entries_import(actor=other, premises=site.cast.gigiri, mapping=site.mapping,
                       data=export(*GOOD))
    site.mapping.duty_station = site.cast.mombasa
    site.mapping.save()
    with pytest.raises(ValidationFailed):
        run(site, export(*GOOD))


def test_the_command_imports_dry_runs_and_refuses_with_the_faults(site, tmp_path):  # noqa: F811
    site.officer.username = "hq.nbo"
    site.officer.save()
    path = tmp_path / "export.csv"
    path.write_bytes(export(*GOOD))
    out = StringIO()
    args = [str(path), "--premises", str(site.cast.gigiri.pk), "--mapping", "acme",
            "--as", "hq.nbo", "--verbosity", "0"]
    call_command("import_entries", *args, "--dry-run", stdout=out)
    assert "would be added" in out.getvalue()
    assert not EntryEvent.objects.exists()
    call_command("import_entries", *args, stdout=out)
    assert EntryEvent.objects.count() == 3
    path.write_bytes(export(f"9,{local(T)},Z9,NBO-1,GRANTED,,IN,x"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_entries", *args, stderr=err)
    assert "row 2, Door" in err.getvalue()
    with pytest.raises(CommandError, match="No column mapping"):
        call_command("import_entries", *args[:4], "nope", *args[5:])


def test_the_shipped_sample_export_imports_through_the_demo_mapping(site):  # noqa: F811
    from vigil.hq.gate_demo import SAMPLE_MAPPING, SAMPLE_READERS
    from vigil.hq.models import ColumnMapping, Gate

    for code, name in SAMPLE_READERS:
        Gate.objects.create(premises=site.cast.gigiri, zone=site.zone, code=code, name=name)
    mapping = ColumnMapping.objects.create(duty_station=site.cast.nairobi, **SAMPLE_MAPPING)
    data = (Path(__file__).parents[1] / "data" / "gate_export_sample.csv").read_bytes()
    report = entries_import(actor=site.officer, premises=site.cast.gigiri, mapping=mapping,
                            data=data)
    assert (report.rows, report.created, report.skipped) == (50, 50, 0)
    assert sorted(UnauthorizedEntry.objects.values_list("rule", flat=True)) == [
        "denied_attempts", "invalid_pass"]
    assert EntryEvent.objects.filter(reason="anti_passback").count() == 1


def test_the_upload_page_shows_every_fault_and_imports_a_good_file(site, client):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(site.officer)
    url = reverse("hq:gate_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("x.csv", export(f"9,{local(T)},Z9,NBO-1,GRANTED,,IN,x"))
    page = client.post(url, {"premises": site.cast.gigiri.pk, "mapping": site.mapping.pk,
                             "file": bad})
    assert page.status_code == 400
    assert "No gate “Z9”" in page.content.decode()
    good = SimpleUploadedFile("x.csv", export(*GOOD))
    done = client.post(url, {"premises": site.cast.gigiri.pk, "mapping": site.mapping.pk,
                             "file": good})
    assert done.status_code == 302
    assert EntryEvent.objects.count() == 3


def test_the_api_imports_and_reports(site, api):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api(site.officer).post("/api/v1/hq/entry-imports/", {
        "premises": site.cast.gigiri.pk, "mapping": site.mapping.pk,
        "file": SimpleUploadedFile("x.csv", export(*GOOD))}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    bad = api(site.officer).post("/api/v1/hq/entry-imports/", {
        "premises": site.cast.gigiri.pk, "mapping": site.mapping.pk,
        "file": SimpleUploadedFile("x.csv", b"")}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "file"


def test_the_upload_page_shows_a_dry_run_with_its_file_once(site, client):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(site.officer)
    page = client.post(reverse("hq:gate_import"), {
        "premises": site.cast.gigiri.pk, "mapping": site.mapping.pk, "dry_run": "on",
        "file": SimpleUploadedFile("lobby-export.csv", export(*GOOD))})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Checked (dry run): nothing saved" in body
    assert "lobby-export.csv" in body
    assert "UN Gigiri · Nairobi" in body
    assert "Nothing was saved (dry run)" not in body
    assert EntryEvent.objects.count() == 0
