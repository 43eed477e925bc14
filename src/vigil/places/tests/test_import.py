"""Duty station CSV import: all rows or none, and every fault names its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.places.models import DutyStation
from vigil.places.services import duty_stations_import

HEADER = "code,name,country,latitude,longitude,time_zone,kind,security_area\n"
GOOD = HEADER + ("KE-KSM,Kisumu,KE,-0.0917,34.768,Africa/Nairobi,field,\n"
                 "SO-HGA,Hargeisa,SO,9.56,44.065,Africa/Mogadishu,field,\n"
                 "KE-NBO,Nairobi (updated),KE,-1.286,36.817,Africa/Nairobi,hq,NBI\n")
FIXTURE = Path(__file__).parent / "fixtures" / "cities_small.csv"


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


def test_good_file_creates_and_updates_with_one_audit_event(cast, admin):
    report = duty_stations_import(actor=admin, data=GOOD.encode())
    assert (report.rows, report.created, report.updated) == (3, 2, 1)
    assert DutyStation.objects.get(code="SO-HGA").time_zone == "Africa/Mogadishu"
    nairobi = DutyStation.objects.get(code="KE-NBO")
    assert nairobi.name == "Nairobi (updated)"
    assert nairobi.version == 2
    assert AuditEvent.objects.filter(action="places.duty_station.import").count() == 1


BAD_ROWS = [
    ("KE-X1,Bad lat,KE,91,34,Africa/Nairobi,field,", "latitude"),
    ("KE-X1,Bad lon,KE,0,-181,Africa/Nairobi,field,", "longitude"),
    ("KE-X1,Not a number,KE,abc,34,Africa/Nairobi,field,", "latitude"),
    ("KE-X1,Bad zone,KE,0,34,Mars/Olympus,field,", "time_zone"),
    ("KE-X1,Bad country,XX,0,34,Africa/Nairobi,field,", "country"),
    ("KE-X1,Bad kind,KE,0,34,Africa/Nairobi,castle,", "kind"),
    ("ke x1,Bad code,KE,0,34,Africa/Nairobi,field,", "code"),
    (",No code,KE,0,34,Africa/Nairobi,field,", "code"),
    ("KE-X1,,KE,0,34,Africa/Nairobi,field,", "name"),
    ("KE-X1,Unknown area,KE,0,34,Africa/Nairobi,field,NOPE", "security_area"),
    ("KE-KSM,Duplicate of row 2,KE,0,34,Africa/Nairobi,field,", "code"),
    ("KE-X1,Too few cells,KE", ""),
]


@pytest.mark.parametrize(("row", "column"), BAD_ROWS)
def test_one_bad_row_imports_nothing_and_names_row_and_column(cast, admin, row, column):
    data = GOOD + row + "\n"
    before = DutyStation.objects.count()
    with pytest.raises(ValidationFailed) as failure:
        duty_stations_import(actor=admin, data=data.encode())
    errors = failure.value.errors
    assert any(e.row == 5 and e.field == column for e in errors), errors
    assert DutyStation.objects.count() == before
    assert DutyStation.objects.get(code="KE-NBO").name == "Nairobi"  # update not applied


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(cast, admin):
    data = GOOD + "KE-X1,Bad lat,KE,91,34,Africa/Nairobi,field,\n"
    report = duty_stations_import(actor=admin, data=data.encode(), skip_invalid=True)
    assert (report.created, report.updated, report.skipped) == (2, 1, 1)
    assert report.errors[0].row == 5
    assert report.errors[0].field == "latitude"


@pytest.mark.parametrize(("data", "field"), [
    (b"", "file"),
    (b"\xff\xfe\x00bad", "file"),
    (b"code,name\nKE-A,A\n", "country"),
    (HEADER.replace("kind", "colour").encode(), "colour"),
    (b"code,code,name,country,latitude,longitude,time_zone\n", "code"),
])
def test_bad_files_are_refused_with_the_fault_named(cast, admin, data, field):
    with pytest.raises(ValidationFailed) as failure:
        duty_stations_import(actor=admin, data=data)
    assert any(e.field == field for e in failure.value.errors)


def test_import_refused_without_permission(cast, user_with):
    with pytest.raises(Forbidden):
        duty_stations_import(actor=user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY,
                                             cast.kenya), data=GOOD.encode())


def test_country_administrator_may_not_import_stations_of_another_country(cast, user_with):
    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(ValidationFailed) as failure:
        duty_stations_import(actor=admin_ke, data=GOOD.encode())
    assert [(e.row, e.field) for e in failure.value.errors] == [(3, "country")]


def test_shipped_city_fixture_imports(cast, admin):
    import csv
    import io

    rows = list(csv.DictReader(FIXTURE.open(encoding="utf-8")))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "country", "latitude", "longitude", "time_zone"])
    for n, row in enumerate(rows):
        writer.writerow([f"{row['country']}-C{n:03d}", row["name"], row["country"],
                         row["latitude"], row["longitude"], row["time_zone"]])
    report = duty_stations_import(actor=admin, data=out.getvalue().encode())
    assert report.created == len(rows) == 60


def test_command_line_import_reports_faults(cast, admin, tmp_path, capsys):
    path = tmp_path / "stations.csv"
    path.write_text(GOOD + "KE-X1,Bad lat,KE,91,34,Africa/Nairobi,field,\n")
    with pytest.raises(CommandError):
        call_command("import_duty_stations", str(path), "--as", admin.username, verbosity=0)
    assert "row 5, latitude" in capsys.readouterr().err
    call_command("import_duty_stations", str(path), "--as", admin.username, "--skip-invalid",
                 verbosity=0)
    assert DutyStation.objects.filter(code="SO-HGA").exists()


def test_html_import_shows_row_and_column(cast, admin, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    upload = SimpleUploadedFile("s.csv", (GOOD + "KE-X1,Z,KE,91,34,Africa/Nairobi,,\n").encode())
    response = client.post("/places/duty-stations/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<td>5</td>" in page
    assert "<code>latitude</code>" in page


def test_scoped_administrator_cannot_pull_another_countrys_station_in(cast, user_with):
    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    data = HEADER + "SO-MGQ,Mogadishu,KE,-1,36,Africa/Nairobi,field,\n"
    with pytest.raises(ValidationFailed) as failure:
        duty_stations_import(actor=admin_ke, data=data.encode())
    assert [(e.row, e.field, e.code) for e in failure.value.errors] == [
        (2, "code", "forbidden")]
    assert DutyStation.objects.get(code="SO-MGQ").country == cast.somalia


def test_absent_optional_columns_keep_existing_values(cast, admin):
    data = ("code,name,country,latitude,longitude,time_zone\n"
            "KE-NBO,Nairobi,KE,-1.3,36.8,Africa/Nairobi\n")
    duty_stations_import(actor=admin, data=data.encode())
    nairobi = DutyStation.objects.get(code="KE-NBO")
    assert nairobi.kind == DutyStation.Kind.HEADQUARTERS
    assert nairobi.security_area == cast.nbi_area
    assert nairobi.latitude == -1.3


def test_moving_a_station_abroad_without_its_area_is_refused(cast, admin):
    data = ("code,name,country,latitude,longitude,time_zone\n"
            "KE-NBO,Nairobi,SO,-1.3,36.8,Africa/Nairobi\n")
    with pytest.raises(ValidationFailed) as failure:
        duty_stations_import(actor=admin, data=data.encode())
    assert [(e.row, e.field) for e in failure.value.errors] == [(2, "country")]


def test_skip_invalid_skips_a_row_of_the_wrong_width(cast, admin):
    report = duty_stations_import(actor=admin, data=(GOOD + "KE-X1,Short,KE\n").encode(),
                                  skip_invalid=True)
    assert (report.rows, report.created, report.skipped) == (4, 2, 1)
    assert report.errors[0].row == 5


def test_a_refused_duplicate_row_leaves_the_first_rows_values(cast, admin):
    data = ("code,name,country,latitude,longitude,time_zone,kind,active\n"
            "KE-NBO,Nairobi 1,KE,-1.3,36.8,Africa/Nairobi,hq,yes\n"
            "KE-NBO,Nairobi 2,KE,-1.3,36.8,Africa/Nairobi,field,no\n")
    report = duty_stations_import(actor=admin, data=data.encode(), skip_invalid=True)
    assert report.skipped == 1
    nairobi = DutyStation.objects.get(code="KE-NBO")
    assert (nairobi.name, nairobi.kind, nairobi.is_active) == ("Nairobi 1", "hq", True)


def test_import_reads_stay_constant_per_row(cast, admin, django_assert_max_num_queries):
    rows = "".join(f"KE-T{n:03d},Town {n},KE,-1,36,Africa/Nairobi,field,NBI\n"
                   for n in range(40))
    with django_assert_max_num_queries(20):
        duty_stations_import(actor=admin, data=(HEADER + rows).encode())
