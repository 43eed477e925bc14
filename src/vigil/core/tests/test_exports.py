"""Exports cannot run formulas (OWASP CSV injection), in CSV and XLSX alike."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from vigil.core.authz import Role
from vigil.core.views_support import _cell

PAYLOAD = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [PAYLOAD, "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_written_as_text(text: str) -> None:
    assert _cell(text) == "'" + text
    assert _cell([text, "b"]) == "'" + text + "; b"


@pytest.mark.parametrize(("value", "expected"), [
    ("Nairobi", "Nairobi"), ("a=b", "a=b"), (-5, -5), (2.5, 2.5), (None, ""), (True, "True"),
    ("", ""),
])
def test_other_values_are_written_as_they_are(value: object, expected: object) -> None:
    assert _cell(value) == expected


@pytest.fixture
def exporter(cast, user_with, client):
    cast.amina.family_name = PAYLOAD
    cast.amina.given_name = "@HYPERLINK(\"http://x\")"
    cast.amina.save(update_fields=["family_name", "given_name"])
    client.force_login(user_with(Role.ADMINISTRATOR))
    return client


def test_csv_export_writes_a_formula_as_text(exporter) -> None:
    response = exporter.get("/people/personnel/?format=csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text))}
    assert rows["10000001"][1] == "'" + PAYLOAD
    assert rows["10000001"][2] == "'@HYPERLINK(\"http://x\")"
    assert rows["10000002"][1] == "Hassan"


def test_xlsx_export_writes_a_formula_as_text(exporter) -> None:
    response = exporter.get("/people/personnel/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    family = cells["10000001"][1]
    assert family.data_type == "s"  # a string, not a formula ("f")
    assert family.value == "'" + PAYLOAD
    assert cells["10000002"][1].value == "Hassan"


def test_control_characters_are_dropped_from_every_exported_cell() -> None:
    """OpenFlights and Natural Earth names sometimes hold control characters, which XML (and
    so XLSX) cannot hold; tab and line breaks stay."""
    assert _cell("Air\x02 Tanzania\x1f") == "Air Tanzania"
    assert _cell("two\tcolumns\nlines") == "two\tcolumns\nlines"
    assert _cell(["a\x00", "b"]) == "a; b"
