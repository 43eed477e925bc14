"""Imports of US State Department advisories and OpenFlights air operators: what they create,
that a second run changes nothing, how country names are matched, and every kind of bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pycountry
import pytest
from django.core.management import CommandError, call_command

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.places.models import Country
from vigil.travel.importers import (
    AIRLINES_FILE,
    COUNTRY_NAME_TABLE,
    CountryNames,
    advisories_import,
    air_operators_import,
    name_key,
)
from vigil.travel.models import Advisory, AirOperator

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "advisories" / "good"
BAD = FIXTURES / "advisories" / "bad"
AIRLINES_SAMPLE = FIXTURES / "airlines_sample.dat"
ALL_ADVISORIES = Path("/work/shared/data/advisories")


def good_files() -> list[Path]:
    return sorted(GOOD.glob("*.json"))


def edited(tmp_path: Path, source: Path, name: str = "", **changes: object) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / (name or source.name)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def admin(user_with):
    return user_with(Role.ADMINISTRATOR)


# --- Advisories -------------------------------------------------------------------------------

def test_good_files_create_advisories_each_audited(admin):
    report = advisories_import(actor=admin, paths=good_files())
    assert (report.files, report.created, report.updated, report.unchanged, report.failed) == (
        5, 5, 0, 0, 0)
    assert report.errors == []
    kenya = Advisory.objects.get(source=Advisory.Source.US_STATE, external_id="kenya")
    assert kenya.country.iso2 == "KE"
    assert kenya.level == 2
    assert kenya.title == "Kenya - Level 2: Exercise Increased Caution"
    assert kenya.text == json.loads((GOOD / "kenya.json").read_text())["content_md"].strip()
    assert kenya.source_url == (
        "https://travel.state.gov/content/tsg_aem/us/en/home/international-travel/"
        "travel-advisories/destination.ken.html")
    assert kenya.issued_on == dt.date(2026, 7, 28)
    assert AuditEvent.objects.filter(action="travel.advisory.import.create").count() == 5
    assert AuditEvent.objects.filter(action="travel.advisory.import").count() == 1
    created = AuditEvent.objects.get(action="travel.advisory.import.create",
                                     object_id=str(kenya.pk))
    assert created.changes["level"] == [None, 2]
    assert created.actor_id == admin.pk


def test_second_import_of_the_same_files_changes_nothing_and_audits_nothing(admin):
    advisories_import(actor=admin, paths=good_files())
    rows, events = Advisory.objects.count(), AuditEvent.objects.count()
    report = advisories_import(actor=admin, paths=good_files())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert Advisory.objects.count() == rows
    assert AuditEvent.objects.count() == events
    assert set(Advisory.objects.values_list("version", flat=True)) == {1}


def test_a_changed_level_updates_the_advisory_in_place(admin, tmp_path):
    advisories_import(actor=admin, paths=good_files())
    kenya = Advisory.objects.get(external_id="kenya")
    changed = edited(tmp_path, GOOD / "kenya.json", level=3, date="Wed, 29 Jul 2026")
    report = advisories_import(actor=admin, paths=[changed])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    kenya.refresh_from_db()
    assert (kenya.level, kenya.issued_on, kenya.version) == (3, dt.date(2026, 7, 29), 2)
    assert Advisory.objects.filter(external_id="kenya").count() == 1
    event = AuditEvent.objects.get(action="travel.advisory.import.update")
    assert event.changes == {"issued_on": ["2026-07-28", "2026-07-29"], "level": [2, 3]}


def test_an_import_leaves_fields_it_does_not_own_alone(admin, tmp_path):
    advisories_import(actor=admin, paths=good_files())
    Advisory.objects.filter(external_id="kenya").update(withdrawn=True)
    advisories_import(actor=admin, paths=[edited(tmp_path, GOOD / "kenya.json", level=3)])
    assert Advisory.objects.get(external_id="kenya").withdrawn is True


def test_the_report_names_the_names_that_needed_the_table(admin):
    report = advisories_import(actor=admin, paths=good_files())
    assert report.by_table == {"Burma": "MM"}
    assert report.unmapped == {}
    countries = dict(Advisory.objects.values_list("external_id", "country__iso2"))
    assert countries == {"burma": "MM", "cote_d_ivoire": "CI", "curaao": "CW", "kenya": "KE",
                         "somalia": "SO"}
    assert "“Burma” → MM, from the table of names." in report.lines()


def test_an_unknown_country_is_reported_and_its_file_not_imported(admin):
    report = advisories_import(actor=admin, paths=[BAD / "unknown_country.json",
                                                   GOOD / "kenya.json"])
    assert (report.created, report.failed) == (1, 1)
    assert report.unmapped == {"Atlantis": ["unknown_country.json"]}
    assert [(e.file, e.key, e.code) for e in report.errors] == [
        ("unknown_country.json", "country", "unknown_reference")]
    assert not Advisory.objects.filter(external_id="atlantis").exists()
    assert any("Atlantis" in line and "unknown_country.json" in line for line in report.lines())


def test_kosovo_is_imported_only_where_the_country_table_holds_xk(admin, tmp_path):
    kosovo = edited(tmp_path, GOOD / "kenya.json", "kosovo.json", country="Kosovo",
                    filename_base="kosovo",
                    full_title="Kosovo - Level 2: Exercise Increased Caution")
    Country.objects.filter(iso2="XK").delete()  # a table without the user-assigned code
    report = advisories_import(actor=admin, paths=[kosovo])
    assert (report.unmapped, report.absent) == ({"Kosovo": ["kosovo.json"]}, {"Kosovo": "XK"})
    assert report.errors[0].message == (
        "“Kosovo” is XK, which the country table does not hold; the file was not imported.")
    assert ("“Kosovo” is XK, which the country table does not hold; not imported: "
            "kosovo.json.") in report.lines()
    Country.objects.create(iso2="XK", iso3="XKX", numeric="", name="Kosovo")
    report = advisories_import(actor=admin, paths=[kosovo])
    assert (report.created, report.by_table) == (1, {"Kosovo": "XK"})
    assert Advisory.objects.get(external_id="kosovo").country.iso2 == "XK"


MALFORMED = [
    ("not_json.json", {""}),
    ("not_an_object.json", {""}),
    ("missing_level.json", {"level"}),
    ("level_7.json", {"level"}),
    ("bad_date.json", {"date"}),
    ("wrong_types.json", {"level", "content_md"}),
]


@pytest.mark.parametrize(("name", "keys"), MALFORMED)
def test_a_malformed_file_is_named_with_its_keys_and_imports_nothing(admin, name, keys):
    report = advisories_import(actor=admin, paths=[BAD / name, GOOD / "kenya.json"])
    assert {(e.file, e.key) for e in report.errors} == {(name, k) for k in keys}
    assert (report.created, report.failed) == (1, 1)
    assert list(Advisory.objects.values_list("external_id", flat=True)) == ["kenya"]
    assert all(str(e).startswith(name) for e in report.errors)


def test_fault_messages_say_what_is_wrong(admin):
    report = advisories_import(actor=admin, paths=sorted(BAD.glob("*.json")))
    messages = {(e.file, e.key): e.message for e in report.errors}
    assert report.failed == 7
    assert messages[("level_7.json", "level")] == (
        "7 is not an advisory level; levels go from 1 to 4.")
    assert messages[("missing_level.json", "level")] == "The key is missing."
    assert messages[("wrong_types.json", "level")] == (
        "Expected a whole number from 1 to 4, found \"2\".")
    assert messages[("bad_date.json", "date")] == (
        "“28/07/2026” is not a date such as “Fri, 20 Feb 2026”.")
    assert messages[("not_json.json", "")].startswith("The file is not valid JSON")
    assert Advisory.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("date", ["Mon, 28 Jul 2026", "28 Jul 2026 ", "Tue, 31 Feb 2026",
                                  "Tue, 28 Jly 2026"])
def test_impossible_dates_are_refused(admin, tmp_path, date):
    report = advisories_import(actor=admin,
                               paths=[edited(tmp_path, GOOD / "kenya.json", date=date)])
    if date == "28 Jul 2026 ":  # no weekday, stray space: still the 28th of July
        assert report.created == 1
        return
    assert [(e.key, report.created) for e in report.errors] == [("date", 0)]


def test_two_files_with_one_id_import_the_first_only(admin, tmp_path):
    twin = edited(tmp_path, GOOD / "somalia.json", filename_base="kenya")
    report = advisories_import(actor=admin, paths=[GOOD / "kenya.json", twin])
    assert [(e.file, e.key, e.code) for e in report.errors] == [
        ("somalia.json", "filename_base", "duplicate")]
    assert Advisory.objects.get(external_id="kenya").country.iso2 == "KE"


def test_dry_run_reports_but_saves_nothing(admin):
    report = advisories_import(actor=admin, paths=good_files(), dry_run=True)
    assert report.created == 5
    assert "Dry run: nothing was saved." in report.lines()
    assert Advisory.objects.count() == 0
    assert AuditEvent.objects.count() == 0


REFUSED = [
    (Role.SECURITY_OFFICER, ScopeKind.COUNTRY),
    (Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY),
    (Role.ADMINISTRATOR, ScopeKind.COUNTRY),
    (Role.TRAVELLER, ScopeKind.GLOBAL),
    (Role.AVIATION_OFFICER, ScopeKind.GLOBAL),
    (None, ScopeKind.GLOBAL),
]


@pytest.mark.parametrize(("role", "kind"), REFUSED)
def test_advisory_import_is_refused_without_a_global_grant(cast, user_with, role, kind):
    user = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
    with pytest.raises(Forbidden):
        advisories_import(actor=user, paths=[GOOD / "kenya.json"])
    assert Advisory.objects.count() == 0


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SECURITY_OFFICER,
                                  Role.DRO_DESK_OFFICER])
def test_advisory_import_is_allowed_with_a_global_grant(user_with, role):
    report = advisories_import(actor=user_with(role), paths=[GOOD / "kenya.json"])
    assert report.created == 1


def test_command_prints_the_report(admin, capsys):
    call_command("import_advisories", str(GOOD), "--as", admin.username)
    out = capsys.readouterr().out
    assert "5 files: 5 created, 0 updated, 0 unchanged, 0 not imported." in out
    assert "“Burma” → MM" in out
    assert Advisory.objects.count() == 5


def test_command_names_bad_files_and_fails_after_importing_the_good(admin, capsys):
    with pytest.raises(CommandError, match="7 of 12 files were not imported"):
        call_command("import_advisories", str(GOOD), str(BAD), "--as", admin.username)
    captured = capsys.readouterr()
    assert "level_7.json, key “level”" in captured.err
    assert "“Atlantis” is not a country" in captured.out
    assert Advisory.objects.count() == 5


def test_command_dry_run_saves_nothing(admin, capsys):
    call_command("import_advisories", str(GOOD / "kenya.json"), "--as", admin.username,
                 "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert Advisory.objects.count() == 0


def test_command_refuses_an_unknown_user_and_a_missing_path(admin, tmp_path):
    with pytest.raises(CommandError, match="No user"):
        call_command("import_advisories", str(GOOD), "--as", "nobody")
    with pytest.raises(CommandError, match="No file or directory"):
        call_command("import_advisories", str(tmp_path / "nope"), "--as", admin.username)
    with pytest.raises(CommandError, match=r"No \.json files"):
        call_command("import_advisories", str(tmp_path), "--as", admin.username)


def test_all_state_department_advisories_import(admin):
    if not ALL_ADVISORIES.is_dir():
        pytest.skip(f"{ALL_ADVISORIES} is absent: the full archive is not on this machine")
    paths = sorted(ALL_ADVISORIES.glob("*.json"))
    assert len(paths) == 220
    # Every file imports (Kosovo as XK, which places adds to ISO's list); again, nothing new.
    report = advisories_import(actor=admin, paths=paths)
    assert (report.created, report.failed) == (220, 0)
    assert report.unmapped == {}
    report = advisories_import(actor=admin, paths=paths)
    assert (report.created, report.updated, report.unchanged, report.failed) == (0, 0, 220, 0)
    assert Advisory.objects.filter(source=Advisory.Source.US_STATE).count() == 220
    assert set(report.by_table) <= set(COUNTRY_NAME_TABLE)
    countries = dict(Advisory.objects.values_list("external_id", "country__iso2"))
    assert {k: countries[k] for k in (
        "burma", "burma_myanmar", "see_individual_summaries", "mexico_travel_advisory",
        "bonaire", "saba", "sint_eustatius", "sint_maarten", "curaao", "kosovo", "antarctica",
        "the_kyrgyz_republic", "timor", "cte_divoire", "so_tom_and_prncipe",
        "mainland_china_hong_kong__macau", "macau", "kingdom_of_denmark")} == {
        "burma": "MM", "burma_myanmar": "MM", "see_individual_summaries": "IL",
        "mexico_travel_advisory": "MX", "bonaire": "BQ", "saba": "BQ", "sint_eustatius": "BQ",
        "sint_maarten": "SX", "curaao": "CW", "kosovo": "XK", "antarctica": "AQ",
        "the_kyrgyz_republic": "KG", "timor": "TL", "cte_divoire": "CI",
        "so_tom_and_prncipe": "ST", "mainland_china_hong_kong__macau": "CN", "macau": "MO",
        "kingdom_of_denmark": "DK"}


# --- Country names ----------------------------------------------------------------------------

def test_names_compare_without_case_accents_punctuation_or_a_leading_the():
    assert name_key("Côte d\u2019Ivoire") == name_key("Cote d Ivoire") == name_key("COTE D'IVOIRE")
    assert name_key("The Gambia") == name_key("Gambia")
    assert name_key("Curaçao") == name_key("Curacao")


def test_every_table_entry_is_an_iso_code_and_is_needed(db):
    names = CountryNames()
    for name, code in COUNTRY_NAME_TABLE.items():
        assert code == "XK" or pycountry.countries.get(alpha_2=code) is not None, name
        if code == "XK":
            continue  # kept so that a country table without XK says why Kosovo is missing
        assert name_key(name) not in names.exact, f"{name} matches exactly without the table"


@pytest.mark.parametrize(("name", "code", "how"), [
    ("Kenya", "KE", "exact"),
    ("Türkiye", "TR", "exact"),
    ("Turkiye", "TR", "exact"),
    ("Federated States of Micronesia", "FM", "exact"),
    ("Micronesia", "FM", "approximate"),
    ("Russia", "RU", "approximate"),
    ("Brunei", "BN", "approximate"),
    ("Bonaire", "BQ", "approximate"),
    ("Congo, Democratic Republic of the", "CD", "table"),
    ("Turkey", "TR", "table"),
    ("Kosovo", "XK", "table"),
    ("Niger", "NE", "exact"),
    ("Guinea", "GN", "exact"),
])
def test_country_names_are_matched(db, name, code, how):
    found = CountryNames().match(name)
    assert found is not None
    assert (found.country.iso2, found.how) == (code, how)


@pytest.mark.parametrize("name", ["Alaska", "Virgin Islands", "Korea", "S", "", "Atlantis",
                                  "Netherlands Antilles"])
def test_subdivisions_ambiguous_and_unknown_names_are_not_matched(db, name):
    # Alaska is a US state; pycountry's fuzzy search alone would answer "US" (and "RS" for
    # Kosovo, "NL" for Sint Maarten).
    assert CountryNames().match(name) is None


# --- Air operators ----------------------------------------------------------------------------

def test_a_bad_row_imports_nothing_and_names_its_row_and_column(admin):
    with pytest.raises(ValidationFailed) as failure:
        air_operators_import(actor=admin, path=AIRLINES_SAMPLE)
    assert [(e.row, e.field) for e in failure.value.errors] == [(20, "active")]
    assert AirOperator.objects.count() == 0


def test_sample_imports_with_codes_countries_and_unmapped_names(admin):
    report = air_operators_import(actor=admin, path=AIRLINES_SAMPLE, skip_invalid=True)
    assert (report.rows, report.created, report.skipped) == (19, 18, 1)
    assert not AirOperator.objects.filter(source_id__in=["-1", "99999"]).exists()
    kq = AirOperator.objects.get(source_id="3126")
    assert (kq.name, kq.iata, kq.icao, kq.callsign, kq.country.iso2, kq.is_active) == (
        "Kenya Airways", "KQ", "KQA", "KENYA", "KE", True)
    assert kq.suitability == AirOperator.Suitability.NOT_ASSESSED
    private = AirOperator.objects.get(source_id="1")  # "-" and "N/A" are not codes
    assert (private.iata, private.icao, private.country) == ("", "", None)
    assert AirOperator.objects.get(source_id="2").iata == ""
    congo = AirOperator.objects.get(source_id="11806")
    assert (congo.name, congo.icao, congo.country.iso2) == (
        "Compagnie Africaine d'Aviation", "", "CD")
    assert AirOperator.objects.get(source_id="279").country is None
    assert report.unmapped == {"ALASKA": 1, "Netherlands Antilles": 1}
    assert report.by_table == {"Congo (Kinshasa)": "CD", "Ivory Coast": "CI", "Turkey": "TR"}
    assert report.approximate == {"Brunei": "BN", "Russia": "RU"}
    assert AuditEvent.objects.filter(action="travel.air_operator.import").count() == 1


def test_crlf_line_endings_read_the_same(admin, tmp_path):
    crlf = tmp_path / "airlines.dat"
    crlf.write_bytes(AIRLINES_SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    report = air_operators_import(actor=admin, path=crlf, skip_invalid=True)
    assert (report.created, [(e.row, e.field) for e in report.errors]) == (18, [(20, "active")])
    assert AirOperator.objects.get(source_id="3126").is_active is True


def test_second_operator_import_changes_nothing_and_audits_nothing(admin):
    air_operators_import(actor=admin, path=AIRLINES_SAMPLE, skip_invalid=True)
    events = AuditEvent.objects.count()
    report = air_operators_import(actor=admin, path=AIRLINES_SAMPLE, skip_invalid=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 18)
    assert AirOperator.objects.count() == 18
    assert AuditEvent.objects.count() == events


def test_an_update_keeps_the_aviation_officers_suitability(admin, tmp_path):
    air_operators_import(actor=admin, path=AIRLINES_SAMPLE, skip_invalid=True)
    AirOperator.objects.filter(source_id="3126").update(
        suitability=AirOperator.Suitability.UNSUITABLE, suitability_note="Audit pending")
    changed = tmp_path / "airlines.dat"
    changed.write_text(AIRLINES_SAMPLE.read_text(encoding="utf-8").replace(
        '"Kenya Airways",\\N,"KQ","KQA","KENYA","Kenya","Y"',
        '"Kenya Airways",\\N,"KQ","KQA","KENYA","Kenya","N"'), encoding="utf-8")
    report = air_operators_import(actor=admin, path=changed, skip_invalid=True)
    assert (report.updated, report.unchanged) == (1, 17)
    kq = AirOperator.objects.get(source_id="3126")
    assert (kq.is_active, kq.version) == (False, 2)
    assert (kq.suitability, kq.suitability_note) == ("unsuitable", "Audit pending")
    event = AuditEvent.objects.filter(action="travel.air_operator.import").latest("seq")
    assert event.changes["changes"] == {"3126": {"is_active": [True, False]}}


GOOD_ROW = '90001,"Test Air",\\N,"T1","TST","TESTER","Kenya","Y"'
BAD_OPERATOR_ROWS = [
    ('abc,"Test Air",\\N,"T1","TST","TESTER","Kenya","Y"', "id"),
    ('90002,"",\\N,"T1","TST","TESTER","Kenya","Y"', "name"),
    ('90002,\\N,\\N,"T1","TST","TESTER","Kenya","Y"', "name"),
    ('90002,"' + "A" * 151 + '",\\N,"T1","TST","TESTER","Kenya","Y"', "name"),
    ('90002,"Test Air",\\N,"T1","TST","' + "C" * 61 + '","Kenya","Y"', "callsign"),
    ('90002,"Test Air",\\N,"T1","TST","TESTER","Kenya","X"', "active"),
    ('90002,"Test Air",\\N,"T1","TST","TESTER","Kenya",\\N', "active"),
    ('90002,"Test Air",\\N,"T1","TST","TESTER","Kenya"', ""),
    ('90001,"Twin Air",\\N,"T2","TWN","TWIN","Kenya","Y"', "id"),
]


@pytest.mark.parametrize(("row", "column"), BAD_OPERATOR_ROWS)
def test_each_kind_of_bad_operator_row_is_named(admin, tmp_path, row, column):
    path = tmp_path / "airlines.dat"
    path.write_text(f"{GOOD_ROW}\n{row}\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as failure:
        air_operators_import(actor=admin, path=path)
    assert [(e.row, e.field) for e in failure.value.errors] == [(2, column)]
    assert AirOperator.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused(admin, tmp_path):
    path = tmp_path / "airlines.dat"
    path.write_bytes(b'1,"Caf\xe9 Air",\\N,"","","","France","Y"\n')
    with pytest.raises(ValidationFailed) as failure:
        air_operators_import(actor=admin, path=path)
    assert failure.value.errors[0].field == "file"


@pytest.mark.parametrize(("role", "kind"), [
    (Role.AVIATION_OFFICER, ScopeKind.COUNTRY),
    (Role.SECURITY_OFFICER, ScopeKind.GLOBAL),
    (Role.ADMINISTRATOR, ScopeKind.COUNTRY),
    (None, ScopeKind.GLOBAL),
])
def test_operator_import_is_refused_without_a_global_assessor_grant(cast, user_with, role,
                                                                     kind):
    user = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
    with pytest.raises(Forbidden):
        air_operators_import(actor=user, path=AIRLINES_SAMPLE, skip_invalid=True)
    assert AirOperator.objects.count() == 0


def test_a_global_aviation_officer_may_import_operators(user_with):
    report = air_operators_import(actor=user_with(Role.AVIATION_OFFICER), path=AIRLINES_SAMPLE,
                                  skip_invalid=True)
    assert report.created == 18


def test_operator_command_reports_rows_and_faults(admin, capsys):
    with pytest.raises(CommandError):
        call_command("import_air_operators", str(AIRLINES_SAMPLE), "--as", admin.username,
                     verbosity=0)
    assert "row 20, active" in capsys.readouterr().err
    call_command("import_air_operators", str(AIRLINES_SAMPLE), "--as", admin.username,
                 "--skip-invalid", verbosity=0)
    captured = capsys.readouterr()
    assert "19 rows: 18 created, 0 updated, 0 unchanged, 1 skipped." in captured.out
    assert "“Netherlands Antilles” is not a country" in captured.out
    assert "skipped: row 20, active" in captured.err


def test_shipped_airlines_dat_imports_whole_through_the_default_command(
        admin, capsys, django_assert_max_num_queries):
    # Bulk writes: one insert per batch (SQLite takes ~80 rows a statement), not per row.
    with django_assert_max_num_queries(150):
        call_command("import_air_operators", "--as", admin.username, verbosity=0)
    assert "6161 rows: 6161 created" in capsys.readouterr().out
    assert AirOperator.objects.count() == 6161
    assert AirOperator.objects.get(iata="KQ", is_active=True).country.iso2 == "KE"
    # Most operators get a country; what stays without one is noise in the source column.
    assert AirOperator.objects.filter(country__isnull=True).count() < 200
    report = air_operators_import(actor=admin, path=AIRLINES_FILE)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 6161)
