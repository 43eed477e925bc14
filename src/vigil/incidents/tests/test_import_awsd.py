"""The import of Aid Worker Security Database exports: what each row becomes, that a second
import and an older export add only what is new, and every kind of bad row and file.

The fixtures under data/ are excerpts of the two real exports (see data/README.md); bad rows
and unmapped values are made by editing a copy."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden
from vigil.core.models import AuditEvent
from vigil.incidents.importers import (
    ATTACK_CONTEXT,
    CODES,
    MEANS_OF_ATTACK,
    AwsdImportFailed,
    awsd_import,
)
from vigil.incidents.models import Incident

DATA = Path(__file__).parent / "data"
CURRENT = DATA / "awsd_2024_excerpt.csv"
OLD = DATA / "awsd_2016_excerpt.csv"
# ../shared beside the project root.
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "incidents"
SHARED_CURRENT = SHARED / "awsd_security_incidents_1997-2024.csv"
SHARED_OLD = SHARED / "awsd_security_incidents_2016-10-03.csv"


def ids_of(path: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1"), newline="")))
    return [r[0] for r in rows[1:] if not r[0].startswith("#")]


CURRENT_IDS = ids_of(CURRENT)
OLD_IDS = ids_of(OLD)


def edited(tmp_path: Path, source: Path, changes: dict[str, dict[str, str]],
           extra_lines: str = "") -> Path:
    """A copy of ``source`` with cells changed (by AWSD id, then column), under the same file
    name. Read and written as Latin-1, which keeps every byte of the rows left alone."""
    rows = list(csv.reader(io.StringIO(source.read_bytes().decode("latin-1"), newline="")))
    header = rows[0]
    for row in rows:
        for column, value in changes.get(row[0], {}).items():
            row[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / source.name
    path.write_bytes((out.getvalue() + extra_lines).encode("latin-1"))
    return path


def awsd(source_id: str) -> Incident:
    return Incident.objects.select_related("category", "subcategory", "country").get(
        source_kind=Incident.Source.AWSD, source_id=source_id)


@pytest.fixture
def admin(user_with):
    return user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)


# --- What a good file becomes -----------------------------------------------------------------

def test_the_current_export_imports_every_row_with_one_audit_event(admin):
    events = AuditEvent.objects.count()
    report = awsd_import(actor=admin, path=CURRENT)
    assert (report.format, report.read, report.added) == ("awsd", 33, 33)
    assert (report.already_present, report.skipped_invalid, report.errors) == (0, 0, [])
    assert report.utf8 is True
    assert Incident.objects.filter(source_kind=Incident.Source.AWSD).count() == 33
    # The HXL row (#event+id...) is neither an incident nor a fault.
    assert sorted(Incident.objects.values_list("source_id", flat=True)) == sorted(CURRENT_IDS)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(action="incidents.import")
    assert event.actor_id == admin.pk
    assert (event.changes["read"], event.changes["added"]) == (33, 33)
    assert event.changes["by_category"] == report.by_category


def test_the_2016_export_imports_every_row(admin):
    report = awsd_import(actor=admin, path=OLD)
    assert (report.format, report.read, report.added, report.errors) == ("awsd-2016", 34, 34, [])
    assert Incident.objects.count() == 34


def test_counts_by_category(admin):
    report = awsd_import(actor=admin, path=CURRENT)
    assert report.by_category == {
        "abduction": 7, "violent-death": 7, "armed-conflict": 5, "terrorism": 5,
        "attack-on-vehicle": 3, "crime": 2, "attack-on-premises": 1, "civil-unrest": 1,
        "other-safety": 1, "sexual-assault": 1}
    assert sum(report.by_category.values()) == report.added
    assert report.by_subcategory["kidnapping"] == 4
    lines = report.lines()
    assert "Incidents added, by category:" in lines
    assert "  Abduction: 7" in lines
    assert "    Kidnapping: 4" in lines


@pytest.mark.parametrize(("source_id", "category", "subcategory"), [
    ("2", "attack-on-premises", "raid"),  # Shooting, Raid
    ("3", "abduction", "kidnapping"),  # Kidnapping, Unknown
    ("11", "abduction", "kidnapping"),  # Kidnap-killing before Ambush
    ("4947", "abduction", "detention"),  # Detention/arrest before Ambush
    ("9", "abduction", "detention"),  # Shooting, context Detention
    ("93", "abduction", "detention"),  # Bodily assault, context Detention
    ("298", "sexual-assault", None),  # Rape/sexual assault before Raid
    ("69", "terrorism", "suicide-attack"),  # Body-borne IED
    ("911", "terrorism", "complex-attack"),  # Complex attack before Raid
    ("182", "terrorism", "ied"),  # Roadside IED before Ambush
    ("244", "terrorism", "ied"),  # Vehicle-born IED
    ("262", "terrorism", None),  # Other Explosives, Individual attack
    ("269", "armed-conflict", "crossfire"),  # Other Explosives, Combat/Crossfire
    ("4457", "armed-conflict", "shelling"),  # Aerial bombardment
    ("63", "armed-conflict", "shelling"),  # Shelling
    ("202", "armed-conflict", "explosive-remnant"),  # Landmine before Ambush
    ("46", "attack-on-vehicle", "ambush"),  # Shooting, Ambush
    ("520", "attack-on-vehicle", "ambush"),  # Unknown, Ambush
    ("126", "civil-unrest", "riot"),  # Unknown, Mob violence
    ("5", "violent-death", "shooting"),  # Shooting, Individual attack, 1 killed
    ("154", "crime", "assault"),  # Shooting, Individual attack, nobody killed
    ("3666", "crime", "assault"),  # Bodily assault, nobody killed
    ("369", "violent-death", None),  # Bodily assault, 1 killed
    ("35", "violent-death", None),  # Unknown, Unknown, 1 killed
    ("94", "other-safety", None),  # Unknown, Unknown, nobody killed
])
def test_category_of_each_kind_of_row(admin, source_id, category, subcategory):
    awsd_import(actor=admin, path=CURRENT)
    incident = awsd(source_id)
    assert incident.category.code == category
    assert (incident.subcategory.code if incident.subcategory else None) == subcategory
    if incident.subcategory:
        assert incident.subcategory.parent_id == incident.category.pk


@pytest.mark.parametrize(("source_id", "codes", "category", "subcategory"), [
    ("480", ("VBIED-RC", "IA"), "terrorism", "ied"),
    ("357", ("VBIED-S", "Am"), "terrorism", "suicide-attack"),
    ("692", ("BBIED", "Am"), "terrorism", "suicide-attack"),
    ("1487", ("CX", "Am"), "terrorism", "complex-attack"),
    ("277", ("RIED", "Am"), "terrorism", "ied"),
    ("44", ("AB", "U"), "armed-conflict", "shelling"),
    ("7", ("U", "C"), "armed-conflict", "crossfire"),
    ("303", ("B", "U"), "terrorism", None),
    ("164", ("BA", "MV"), "civil-unrest", "riot"),
    ("34", ("KK", "IA"), "abduction", "kidnapping"),
    ("93", ("U", "D"), "abduction", "detention"),
    ("298", ("RSA", "R"), "sexual-assault", None),
    ("56", ("LM", "Am"), "armed-conflict", "explosive-remnant"),
    ("5", ("S", "IA"), "violent-death", "shooting"),
    ("65", ("U", "IA"), "violent-death", None),
])
def test_the_2016_codes_are_categorised_as_their_words(admin, source_id, codes, category,
                                                       subcategory):
    awsd_import(actor=admin, path=OLD)
    incident = awsd(source_id)
    assert (incident.source_details["codes"]["means_of_attack"].strip(),
            incident.source_details["codes"]["attack_context"]) == codes
    assert incident.category.code == category
    assert (incident.subcategory.code if incident.subcategory else None) == subcategory


def test_the_tables_are_data_for_both_formats():
    every_code = {code for column in CODES.values() for code in column}
    assert {"S", "K", "KK", "Am", "R", "U", "IA", "MV", "D", "C"} <= every_code
    # Each 2016 code of the two category columns translates into a word the tables know.
    assert set(CODES["Means of attack"].values()) <= set(MEANS_OF_ATTACK)
    assert set(CODES["Attack context"].values()) <= set(ATTACK_CONTEXT)


def test_a_row_in_full(admin):
    awsd_import(actor=admin, path=CURRENT)
    raid = awsd("2")
    assert raid.title == "Shooting, raid in Rwanda"
    assert raid.country.iso2 == "RW"
    assert raid.place == "Ruhengeri, Musanze, Northern"
    assert (raid.killed, raid.injured, raid.abducted, raid.detained) == (3, 1, 0, 0)
    assert raid.description.startswith("3 INGO international (Spanish) staff killed")
    assert raid.source == "Aid Worker Security Database"
    assert raid.verification == Incident.Verification.UNVERIFIED  # "Archived"
    assert raid.time_zone == "UTC"
    details = raid.source_details
    assert {k: details[k] for k in ("format", "means_of_attack", "attack_context", "location",
                                    "motive", "actor_type", "actor_name", "verified")} == {
        "format": "awsd", "means_of_attack": "Shooting", "attack_context": "Raid",
        "location": "Office/compound", "motive": "Unknown", "actor_type": "Unknown",
        "actor_name": "Unknown", "verified": "Archived"}
    assert details["organizations"] == {"un": 0, "ingo": 4, "icrc": 0, "nrcs_and_ifrc": 0,
                                        "nngo": 0, "other": 0}
    assert details["nationals"] == {"killed": 0, "wounded": 0, "kidnapped": 0, "detained": 0,
                                    "total": 0}
    assert details["internationals"] == {"killed": 3, "wounded": 1, "kidnapped": 0,
                                         "detained": 0, "total": 4}
    assert details["gender"] == {"male": 3, "female": 1, "unknown": 0}
    assert details["total_affected"] == 4


def test_verification_titles_and_detained_counts(admin):
    awsd_import(actor=admin, path=CURRENT)
    assert awsd("4457").verification == Incident.Verification.VERIFIED  # "Yes"
    assert awsd("911").verification == Incident.Verification.UNVERIFIED  # "Pending"
    assert awsd("520").verification == Incident.Verification.UNVERIFIED  # blank
    assert awsd("35").title == "Security incident"
    assert awsd("520").title == "Ambush in Iraq"
    assert awsd("4457").title == "Aerial bombardment, combat/crossfire in Sudan"
    assert awsd("418").detained == 3
    assert awsd("418").source_details["nationals"]["detained"] == 3


def test_a_missing_month_or_day_gives_the_first_day_marked_approximate(admin):
    report = awsd_import(actor=admin, path=CURRENT)
    year_only, month_only, exact = awsd("35"), awsd("3"), awsd("5")
    assert year_only.occurred_at == dt.datetime(1997, 1, 1, tzinfo=dt.UTC)
    assert year_only.date_approximate is True
    assert month_only.occurred_at == dt.datetime(1997, 2, 1, tzinfo=dt.UTC)
    assert month_only.date_approximate is True
    assert exact.occurred_at == dt.datetime(1997, 2, 14, tzinfo=dt.UTC)
    assert exact.date_approximate is False
    approximate = Incident.objects.filter(date_approximate=True).count()
    assert report.approximate_dates == approximate == 19


def test_countries_by_code_by_name_or_none(admin):
    report = awsd_import(actor=admin, path=CURRENT)
    assert awsd("3666").country.iso2 == "CO"  # by its Country Code
    assert awsd("16").country.iso2 == "RU"  # "Chechnya", no code: the table of names
    assert awsd("56").country.iso2 == "XK"
    assert awsd("35").country is None  # no country at all
    assert awsd("214").country is None  # "Kashmir": matches no country, reported
    assert awsd("214").source_details["country_name"] == "Kashmir"
    assert report.by_table == {"Chechnya": "RU"}
    assert report.unmapped == {"Country": {"Kashmir": 1}}
    assert report.without_country == 3
    assert ("“Kashmir” is not a country of the country table: 1 row imported without a "
            "country.") in report.lines()


def test_the_2016_export_names_countries_only_by_name(admin):
    report = awsd_import(actor=admin, path=OLD)
    assert awsd("298").country.iso2 == "CD"  # "DR Congo"
    assert awsd("1961").country.iso2 == "TR"  # "Turkey"
    assert report.by_table == {"Chechnya": "RU", "DR Congo": "CD", "Kosovo": "XK",
                               "Turkey": "TR"}
    assert report.unmapped == {"Country": {"Kashmir": 1}}


def test_text_in_utf8_and_in_latin1_in_the_same_file(admin):
    report = awsd_import(actor=admin, path=OLD)
    assert report.utf8 is False
    assert "Camotán" in awsd("2110").place  # UTF-8 bytes
    assert "Ümraniye" in awsd("1961").description  # a Latin-1 byte
    assert "Révolution" in awsd("1154").description
    assert "Mweso \u2013 Kalembe" in awsd("2159").place + awsd("2159").description


def test_text_damaged_before_the_export_is_imported_as_it_is_and_counted(admin):
    # This copy of the current export lost its non-ASCII letters before it reached Vigil.
    report = awsd_import(actor=admin, path=CURRENT)
    assert awsd("3666").place == "Bogot\ufffd\ufffd D.C., Bogot\ufffd\ufffd, Cundinamarca"
    assert report.damaged_text == 2
    assert ("2 rows hold “\ufffd” where letters were lost before the file reached Vigil: "
            "imported as they are.") in report.lines()


def test_coordinates_kept_when_readable_and_recovered_when_they_lost_their_decimal_point(admin):
    # More cases in test_awsd_coordinates.py.
    report = awsd_import(actor=admin, path=CURRENT)
    plain = awsd("46")
    assert (plain.latitude, plain.longitude) == (11.0, 31.0)
    assert "coordinates_as_given" not in plain.source_details
    grouped = awsd("2")  # "-149.984", "2.963.497": -1.49984, 29.63497 in the 2016 export
    assert (grouped.latitude, grouped.longitude) == (-1.49984, 29.63497)
    assert grouped.source_details["coordinates_as_given"] == ["-149.984", "2.963.497"]
    half = awsd("11")  # "2.25" is read as given, "4.116.667" as 41.16667: the pair goes together
    assert (half.latitude, half.longitude) == (2.25, 41.16667)
    lost = Incident.objects.filter(source_details__has_key="coordinates_as_given").count()
    assert report.coordinates_lost_point == lost == 26
    assert report.lost_point_example == "1.407.092.855"
    assert report.coordinates_recovered == 25
    assert report.coordinates_kept == {"no country": [22]}  # Kashmir
    assert (awsd("214").latitude, awsd("214").longitude) == (None, None)
    # The 2016 export has them right, and the same.
    Incident.objects.all().delete()
    awsd_import(actor=admin, path=OLD)
    assert (awsd("2").latitude, awsd("2").longitude) == (-1.49984, 29.63497)
    assert (awsd("11").latitude, awsd("11").longitude) == (2.25, 41.16667)


def test_values_the_tables_do_not_map_are_reported_and_fall_back(admin, tmp_path):
    path = edited(tmp_path, CURRENT, {"2": {"Means of attack": "Drone strike"},
                                      "3": {"Means of attack": "Drone strike"},
                                      "94": {"Attack context": "Siege"}})
    report = awsd_import(actor=admin, path=path)
    assert report.added == 33
    assert report.unmapped == {"Means of attack": {"Drone strike": 2},
                               "Attack context": {"Siege": 1}, "Country": {"Kashmir": 1}}
    assert awsd("2").category.code == "attack-on-premises"  # its context, Raid, still decides
    assert awsd("3").category.code == "other-safety"  # nothing else does, nobody killed
    assert awsd("94").category.code == "other-safety"
    assert awsd("3").source_details["means_of_attack"] == "Drone strike"
    assert ("Means of attack “Drone strike” is not in the mapping tables: 2 rows, where it is "
            "kept as given and decides no category.") in report.lines()


def test_an_unknown_2016_code_is_reported(admin, tmp_path):
    path = edited(tmp_path, OLD, {"2": {"Means of attack": "ZZ", "Location": "Q"}})
    report = awsd_import(actor=admin, path=path)
    assert report.unmapped["Means of attack"] == {"ZZ": 1}
    assert report.unmapped["Location"] == {"Q": 1}
    assert awsd("2").category.code == "attack-on-premises"  # R, a raid
    assert awsd("2").source_details["means_of_attack"] == "ZZ"


# --- Idempotence ------------------------------------------------------------------------------

def test_a_second_import_adds_nothing_and_changes_nothing(admin):
    awsd_import(actor=admin, path=CURRENT)
    before = {i.source_id: (i.version, i.updated_at) for i in Incident.objects.all()}
    events = AuditEvent.objects.count()
    report = awsd_import(actor=admin, path=CURRENT)
    assert (report.read, report.added, report.already_present) == (33, 0, 33)
    assert report.by_category == {}
    assert Incident.objects.count() == 33
    assert {i.source_id: (i.version, i.updated_at) for i in Incident.objects.all()} == before
    # Nothing changed, so nothing is audited.
    assert AuditEvent.objects.count() == events


def test_the_old_export_after_the_current_one_adds_only_the_new_ids(admin):
    awsd_import(actor=admin, path=CURRENT)
    kept = awsd("2")
    report = awsd_import(actor=admin, path=OLD)
    only_old = set(OLD_IDS) - set(CURRENT_IDS)
    assert {"1899", "1918", "2096", "7", "34"} <= only_old
    assert (report.added, report.already_present) == (len(only_old), 34 - len(only_old))
    assert report.already_present == 15
    assert Incident.objects.count() == 33 + len(only_old)
    # What the current export gave is left as it was.
    again = awsd("2")
    assert again.source_details == kept.source_details
    assert again.source_details["format"] == "awsd"
    assert awsd("1899").source_details["format"] == "awsd-2016"


def test_the_current_export_after_the_old_one_adds_only_the_new_ids(admin):
    awsd_import(actor=admin, path=OLD)
    report = awsd_import(actor=admin, path=CURRENT)
    assert (report.added, report.already_present) == (18, 15)
    assert awsd("2").source_details["format"] == "awsd-2016"
    assert awsd("4457").source_details["format"] == "awsd"


# --- Bad rows and bad files -------------------------------------------------------------------

# Row numbers are the file's: the header is row 1, the HXL row 2; id 2 is row 5, id 3 row 6,
# id 5 row 7, id 46 row 12.
@pytest.mark.parametrize(("changes", "row", "column", "message"), [
    ({"2": {"Incident ID": "2a"}}, 5, "Incident ID", "“2a” is not a whole number."),
    ({"2": {"Incident ID": ""}}, 5, "Incident ID", "This value is required."),
    ({"3": {"Incident ID": "2"}}, 6, "Incident ID", "“2” is already in row 5 of this file."),
    ({"2": {"Year": ""}}, 5, "Year", "This value is required."),
    ({"2": {"Month": "13"}}, 5, "Month", "13 is outside 1 to 12."),
    ({"5": {"Day": "30"}}, 7, "Day", "1997-02 has no day 30."),
    ({"5": {"Day": "0"}}, 7, "Day", "0 is outside 1 to 31."),
    ({"35": {"Day": "4"}}, 3, "Day", "A day without a month is not a date."),
    ({"46": {"Latitude": "95.5"}}, 12, "Latitude", "95.5 is outside -90 to 90."),
    ({"46": {"Longitude": "-181"}}, 12, "Longitude", "-181 is outside -180 to 180."),
    ({"46": {"Latitude": "eleven"}}, 12, "Latitude", "“eleven” is not a number."),
    ({"46": {"Longitude": ""}}, 12, "Longitude",
     "A latitude and a longitude go together; this one is missing."),
    ({"2": {"Total killed": "-1"}}, 5, "Total killed", "The number cannot be negative."),
    ({"2": {"UN": "two"}}, 5, "UN", "“two” is not a whole number."),
])
def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(admin, tmp_path, changes, row,
                                                                 column, message):
    events = AuditEvent.objects.count()
    path = edited(tmp_path, CURRENT, changes)
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    errors = failure.value.errors
    assert [(e.row, e.field, e.message) for e in errors] == [(row, column, message)]
    assert str(errors[0]) == f"row {row}, {column}: {message}"
    assert failure.value.message == ("awsd_2024_excerpt.csv: 1 row has faults; nothing was "
                                     "imported.")
    assert failure.value.awsd_report.read == 33
    assert Incident.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_year_in_the_future_is_a_bad_row(admin, tmp_path):
    path = edited(tmp_path, CURRENT, {"2": {"Year": "2999"}})
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    error = failure.value.errors[0]
    assert (error.row, error.field) == (5, "Year")
    assert error.message.startswith("2999 is outside 1900 to ")


def test_a_row_of_the_wrong_width_is_a_bad_row(admin, tmp_path):
    path = edited(tmp_path, CURRENT, {}, extra_lines="9999,2020,1\n")
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    assert [(e.row, e.message) for e in failure.value.errors] == [
        (36, "The row has 3 cells; the header has 44.")]


def test_a_coordinate_of_three_decimals_is_read_as_it_is_in_a_file_without_lost_points(
        admin, tmp_path):
    # The 2016 export has no digit-grouped coordinates: "-149.984" is a number, out of range.
    path = edited(tmp_path, OLD, {"2": {"Latitude": "-149.984"}})
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    assert [(e.row, e.field) for e in failure.value.errors] == [(3, "Latitude")]


def test_every_fault_of_every_row_is_reported_at_once(admin, tmp_path):
    path = edited(tmp_path, CURRENT, {"2": {"Month": "13", "Total wounded": "-2"},
                                      "46": {"Latitude": "95.5"}})
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    assert [(e.row, e.field) for e in failure.value.errors] == [
        (5, "Month"), (5, "Total wounded"), (12, "Latitude")]
    assert "2 rows have faults" in str(failure.value.message)


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(admin, tmp_path):
    path = edited(tmp_path, CURRENT, {"2": {"Month": "13"}, "3": {"Incident ID": "5"},
                                      "46": {"Latitude": "95.5"}})
    report = awsd_import(actor=admin, path=path, skip_invalid=True)
    assert (report.read, report.added, report.skipped_invalid) == (33, 30, 3)
    assert report.added + report.already_present + report.skipped_invalid == report.read
    assert [(e.row, e.field) for e in report.errors] == [
        (5, "Month"), (7, "Incident ID"), (12, "Latitude")]
    assert Incident.objects.count() == 30
    assert not Incident.objects.filter(source_id__in=["2", "3", "46"]).exists()
    # The first row with id 5 is the one kept: the later one is the duplicate.
    assert awsd("5").title == "Kidnapping in Tajikistan"


def test_a_dry_run_reports_everything_and_writes_nothing(admin):
    events = AuditEvent.objects.count()
    report = awsd_import(actor=admin, path=CURRENT, dry_run=True)
    assert (report.added, report.dry_run) == (33, True)
    assert report.by_category["abduction"] == 7
    assert "Dry run: nothing was saved." in report.lines()
    assert Incident.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("content", "message"), [
    ("name,country\nNairobi,KE\n",
     "other.csv is not an export of the Aid Worker Security Database: its header lacks "
     "“Incident ID”, “Year”"),
    ("", "other.csv is empty."),
])
def test_a_file_that_is_not_an_awsd_export_is_refused_naming_it(admin, tmp_path, content,
                                                               message):
    path = tmp_path / "other.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AwsdImportFailed) as failure:
        awsd_import(actor=admin, path=path)
    assert str(failure.value.message).startswith(message)
    assert failure.value.errors[0].field == "file"
    assert Incident.objects.count() == 0


def test_a_missing_file_is_refused_naming_it(admin, tmp_path):
    with pytest.raises(AwsdImportFailed, match=r"absent\.csv cannot be read"):
        awsd_import(actor=admin, path=tmp_path / "absent.csv")


# --- Permission -------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "kind"), [
    (Role.SECURITY_OFFICER, ScopeKind.GLOBAL),
    (Role.HQ_SECURITY_OFFICER, ScopeKind.GLOBAL),
    (Role.ADMINISTRATOR, ScopeKind.COUNTRY),  # the right role, not over everything
    (None, ScopeKind.GLOBAL),
])
def test_only_a_global_importer_may_import(cast, user_with, role, kind):
    user = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
    with pytest.raises(Forbidden):
        awsd_import(actor=user, path=CURRENT)
    assert Incident.objects.count() == 0


def test_progress_is_reported_row_by_row(admin):
    seen: list[int] = []
    totals: list[int] = []
    awsd_import(actor=admin, path=CURRENT, progress=seen.append, on_total=totals.append)
    assert (len(seen), totals) == (33, [33])


# --- The command ------------------------------------------------------------------------------

def test_the_command_imports_files_in_order_and_prints_the_report(admin):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_incidents", str(CURRENT), str(OLD), "--as", admin.username,
                 stdout=out, stderr=err, verbosity=0)
    text = out.getvalue()
    assert ("awsd_2024_excerpt.csv (awsd): 33 rows, 33 added, 0 already present, 0 skipped "
            "as invalid.") in text
    assert ("awsd_2016_excerpt.csv (awsd-2016): 34 rows, 19 added, 15 already present, 0 "
            "skipped as invalid.") in text
    assert "  Abduction: 7" in text
    assert "“Kashmir” is not a country of the country table" in text
    assert err.getvalue() == ""
    assert Incident.objects.count() == 52


def test_the_command_dry_run_and_skip_invalid(admin, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_incidents", str(CURRENT), "--as", admin.username, "--dry-run",
                 stdout=out, verbosity=0)
    assert "Dry run: nothing was saved." in out.getvalue()
    assert Incident.objects.count() == 0
    bad = edited(tmp_path, CURRENT, {"2": {"Month": "13"}})
    with pytest.raises(CommandError, match="1 row has faults; nothing was imported"):
        call_command("import_incidents", str(bad), "--as", admin.username, stdout=out,
                     stderr=err, verbosity=0)
    assert "row 5, Month: 13 is outside 1 to 12." in err.getvalue()
    assert Incident.objects.count() == 0
    call_command("import_incidents", str(bad), "--as", admin.username, "--skip-invalid",
                 stdout=out, stderr=err, verbosity=0)
    assert "skipped: row 5, Month" in err.getvalue()
    assert Incident.objects.count() == 32


def test_the_command_refuses_unknown_users_missing_files_and_non_importers(admin, user_with,
                                                                            tmp_path):
    with pytest.raises(CommandError, match="No user nobody"):
        call_command("import_incidents", str(CURRENT), "--as", "nobody", verbosity=0)
    with pytest.raises(CommandError, match="No file"):
        call_command("import_incidents", str(tmp_path / "absent.csv"), "--as", admin.username,
                     verbosity=0)
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL, None)
    with pytest.raises(CommandError, match="global grant"):
        call_command("import_incidents", str(CURRENT), "--as", officer.username, verbosity=0)


# --- The full exports -------------------------------------------------------------------------

def test_the_full_exports_account_for_every_row(admin):
    if not (SHARED_CURRENT.is_file() and SHARED_OLD.is_file()):
        pytest.skip(f"{SHARED} is absent: the full AWSD exports are not on this machine")
    for path, hxl in ((SHARED_CURRENT, 1), (SHARED_OLD, 0)):
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1"), newline="")))
        records = len(rows) - 1 - hxl
        started = time.perf_counter()
        report = awsd_import(actor=admin, path=path, skip_invalid=True)
        elapsed = time.perf_counter() - started
        assert report.read == records
        assert report.added + report.already_present + report.skipped_invalid == records
        assert sum(report.by_category.values()) == report.added
        # Every means of attack and attack context of both exports is in the tables.
        assert set(report.unmapped) <= {"Country"}
        again = awsd_import(actor=admin, path=path, skip_invalid=True)
        assert again.added == 0
        assert again.already_present == report.added + report.already_present
        print(f"\n{path.name}: {elapsed:.2f} s", *report.lines(),  # noqa: T201
              *(str(e) for e in report.errors), sep="\n")
    assert Incident.objects.filter(source_kind=Incident.Source.AWSD).count() == len(
        set(Incident.objects.values_list("source_id", flat=True)))
