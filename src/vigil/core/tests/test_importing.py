"""The steps every CSV import shares (core.importing): who may run it, the records of the
file, all rows or none, and the write with its one audit event."""

from __future__ import annotations

import csv
import io

import pytest

from vigil.core.authz import Perm, Role, ScopeKind
from vigil.core.errors import ErrorCode, Forbidden, ValidationFailed
from vigil.core.importing import (
    ImportFailed,
    ImportReport,
    ImportScope,
    RowError,
    RowParser,
    collect_rows,
    import_rows,
    settle,
    write_imported,
)
from vigil.core.models import AuditEvent
from vigil.places.models import DutyStation


def _reader(text):
    return csv.reader(io.StringIO(text, newline=""))


def test_records_pass_over_blank_lines_and_fault_a_row_of_the_wrong_width():
    rows = collect_rows(_reader("a,b\n\n , \nc\nd, e \n"), ["x", "y"], first=2)
    assert rows.rows == [(2, {"x": "a", "y": "b"}), (6, {"x": "d", "y": "e"})]
    assert [(e.row, e.message) for e in rows.errors] == [
        (5, "The row has 1 cells; the header has 2.")]


def test_records_of_a_file_without_a_header_and_their_own_cells():
    rows = collect_rows(_reader("1,\\N\n2,x,y\n"), ["id", "name"], first=1,
                        cell=lambda v: "" if v == "\\N" else v,
                        wrong_width="%(found)d cells, not %(expected)d.")
    assert rows.rows == [(1, {"id": "1", "name": ""})]
    assert [(e.row, e.message) for e in rows.errors] == [(2, "3 cells, not 2.")]


def test_a_file_that_stops_being_csv_is_refused_naming_the_row():
    too_long = "x" * (csv.field_size_limit() + 1)
    with pytest.raises(ValidationFailed) as refused:
        collect_rows(_reader(f"a,b\n{too_long},b\n"), ["x", "y"], first=2)
    error = refused.value.errors[0]
    assert (error.field, error.code, error.row) == ("file", ErrorCode.BAD_FILE, 3)


def test_a_code_has_its_form_and_a_reference_names_a_row():
    import re

    p = RowParser(4, {"code": "ke-ksm", "country": "zz", "office": "ke"})
    assert p.code("code", re.compile(r"^[A-Z]{2}-[A-Z]{3}$"), "Bad code.") == "KE-KSM"
    assert p.reference("office", {"KE": "Kenya"}, "No “%(value)s”.") == "Kenya"
    assert p.reference("country", {"KE": "Kenya"}, "No “%(value)s”.") is None
    assert p.code("office", re.compile(r"^[A-Z]{3}$"), "Bad code.") == "KE"
    assert [(e.field, e.code, e.message) for e in p.errors] == [
        ("country", ErrorCode.UNKNOWN_REFERENCE, "No “zz”."), ("office", "invalid", "Bad code.")]


def test_numbers_are_read_within_their_range_and_a_whole_one_in_digits_only():
    p = RowParser(3, {"lat": "-1.5", "far": "95", "year": "2016", "month": "+3", "day": "",
                      "word": "n/a"})
    assert p.number_in("lat", -90, 90) == -1.5
    assert p.number_in("far", -90, 90) is None
    assert p.number_in("word", -90, 90) is None
    assert p.whole_in("year", 1900, 2030, required=True) == 2016
    assert p.whole_in("month", 1, 12) is None
    assert p.whole_in("day", 1, 31) is None  # blank and not required: no fault
    assert p.whole_in("day", 1, 31, required=True) is None
    assert [(e.field, e.code) for e in p.errors] == [
        ("far", ErrorCode.OUT_OF_RANGE), ("word", "invalid"), ("month", "invalid"),
        ("day", ErrorCode.REQUIRED)]


def test_an_import_writes_only_records_in_the_actors_scope_where_they_are_and_go(cast,
                                                                                 user_with):
    scope = ImportScope(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya),
                        Perm.IMPORT_DUTY_STATIONS, "Not yours.")
    p = RowParser(2, {})
    nairobi = scope.take(p, "code", cast.nairobi, DutyStation)
    assert nairobi is not cast.nairobi  # the row's own copy
    assert nairobi.pk == cast.nairobi.pk
    new = scope.take(p, "code", None, lambda: DutyStation(code="SO-HGA"))
    assert new.pk is None
    with pytest.raises(RowError) as where_it_is:
        scope.take(p, "code", cast.mogadishu, DutyStation)
    assert where_it_is.value.errors[0].message == "Not yours."
    nairobi.country = cast.somalia
    with pytest.raises(RowError) as where_it_goes:
        scope.check(p, "country", nairobi)
    assert where_it_goes.value.errors[0].field == "country"


def test_only_a_holder_of_the_permission_reads_an_import(cast, user_with):
    counted = []
    data = "code,name\nKE-KSM,Kisumu\n"
    with pytest.raises(Forbidden):
        import_rows(data, actor=user_with(Role.TRAVELLER), perm=Perm.IMPORT_DUTY_STATIONS,
                    required=["code"], optional=["name"], on_total=counted.append)
    rows = import_rows(data, actor=user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY,
                                             cast.kenya),
                       perm=Perm.IMPORT_DUTY_STATIONS, required=["code"], optional=["name"],
                       on_total=counted.append)
    assert rows.rows == [(2, {"code": "KE-KSM", "name": "Kisumu"})]
    assert counted == [1]


def test_one_bad_row_refuses_all_unless_skipped_then_counted():
    faults = collect_rows(_reader("a\nb,c\nd,e\n"), ["x"], first=2).errors
    with pytest.raises(ImportFailed):
        settle(ImportReport(rows=3, errors=list(faults)), skip_invalid=False)
    report = ImportReport(rows=3, errors=list(faults))
    settle(report, skip_invalid=True)
    assert report.skipped == 2


def test_the_write_creates_updates_with_their_version_and_audits_once(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    new = DutyStation(code="KE-KSM", name="Kisumu", country=cast.kenya, latitude=-0.09,
                      longitude=34.77, time_zone="Africa/Nairobi")
    cast.nairobi.name = "Nairobi (updated)"
    report = ImportReport(rows=2)
    write_imported(DutyStation, [new, cast.nairobi], actor=admin, fields=["name"], batch_size=10,
                   report=report, action="places.duty_station.import")
    assert (report.created, report.updated) == (1, 1)
    assert DutyStation.objects.get(code="KE-KSM").version == 1
    nairobi = DutyStation.objects.get(code="KE-NBO")
    assert (nairobi.name, nairobi.version) == ("Nairobi (updated)", 2)
    event = AuditEvent.objects.get(action="places.duty_station.import")
    assert (event.object_type, event.changes["created"]) == ("places.dutystation", 1)


# --- The `vigil import_*` verbs (core.importing_cli) ----------------------------------------

def test_a_refusal_names_the_files_imported_before_it():
    from vigil.core.importing_cli import imported_before

    assert imported_before("Bad file.", []) == "Bad file."
    assert imported_before("Bad file.", ["a.csv", "b.csv"]) == (
        "Bad file. (Imported before it: a.csv, b.csv.)")


def test_an_import_verb_writes_the_rows_skipped_and_its_counts(cast, user_with, tmp_path,
                                                                capsys):
    from django.core.management import call_command

    user_with(Role.ADMINISTRATOR, username="importer")
    path = tmp_path / "stations.csv"
    path.write_text("code,name,country,latitude,longitude,time_zone\n"
                    "KE-KSM,Kisumu,KE,-0.09,34.77,Africa/Nairobi\n"
                    "KE-XX,Nowhere,KE,91,0,Africa/Nairobi\n")
    call_command("import_duty_stations", str(path), "--as", "importer", "--skip-invalid",
                 verbosity=0)
    out = capsys.readouterr()
    assert "2 rows: 1 created, 0 updated, 1 skipped." in out.out
    assert "skipped: row 3, latitude" in out.err
