"""The report's pages: who may open it, bad input, and the PDF and XLSX in English and
Chinese."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from reportlab.lib.rl_accel import asciiBase85Decode, escapePDF

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.performance import registry, rules
from vigil.performance.models import Target

URL = "/performance/report/"


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every indicator gives a fixed figure: 92 % (or 7) now, 85 % (or 9) in 2024-2025."""
    def compute(indicator: Any) -> Any:
        def run(query: Any) -> rules.Measure:
            now = query.period.start.year == 2026
            if indicator.unit is rules.Unit.COUNT:
                return rules.count(7 if now else 9)
            return rules.percent(92 if now else 85, 100)
        return run

    monkeypatch.setattr(registry, "INDICATORS", tuple(
        replace(i, compute=compute(i)) for i in registry.INDICATORS))


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager(user_with: Any) -> Any:
    return user_with(Role.PROGRAMME_MANAGER)


@pytest.mark.parametrize(("role", "kind"), [
    (Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL),
    (Role.DESIGNATED_OFFICIAL, ScopeKind.GLOBAL),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL),
])
def test_a_global_viewer_reads_the_report(figures: None, cast: Any, user_with: Any,
                                          role: Role, kind: ScopeKind) -> None:
    response = client_of(user_with(role, kind)).get(URL, {"period": "2026-2027"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Programme performance report, 2026-2027" in page
    assert page.count("<tbody>") == 10  # one per expected accomplishment
    assert "SP2.2.d" in page


@pytest.mark.parametrize(("role", "kind"), [
    (Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY),  # may view performance, but only for Kenya
    (Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY),
    (Role.TRAVELLER, ScopeKind.GLOBAL),
    (Role.SECURITY_OFFICER, ScopeKind.GLOBAL),
])
def test_anyone_without_a_global_view_is_refused(cast: Any, user_with: Any, role: Role,
                                                 kind: ScopeKind) -> None:
    user = user_with(role, kind, cast.scope(kind))
    assert client_of(user).get(URL).status_code == 403
    assert client_of(user).get(URL, {"format": "pdf"}).status_code == 403


def test_signed_out_goes_to_sign_in(db: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_current_biennium_is_the_default(figures: None, manager: Any) -> None:
    page = client_of(manager).get(URL).content.decode()
    assert "Programme performance report, 2026-2027" in page
    assert "Target met: 92.0 % against 90.0 %" not in page  # no target set yet


def test_the_comment_reads_the_target(figures: None, manager: Any) -> None:
    Target.objects.create(indicator="SP1.a.i", biennium_start=2026, baseline=Decimal(80),
                          target=Decimal(90))
    page = client_of(manager).get(URL, {"period": "2026-2027"}).content.decode()
    assert "Target met: 92.0 % against 90.0 %. Better than 2024-2025 (85.0 %)." in page


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"period": "2027-2028"}, "period", "A biennium starts in an even year"),
    ({"period": "2026"}, "period", "The report covers a biennium"),
    ({"period": "soon"}, "period", "Write a period as"),
    ({"format": "docx"}, "format", "Select a valid choice"),
    ({"lang": "xx"}, "lang", "Select a valid choice"),
])
def test_bad_input_names_its_field(manager: Any, query: dict[str, str], field: str,
                                   message: str) -> None:
    response = client_of(manager).get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors


def _pdf_text(data: bytes) -> bytes:
    """Every content stream of the PDF, decoded (ASCII85, then Flate)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\s*endstream", data, re.DOTALL):
        if stream.rstrip().endswith(b"~>"):
            stream = asciiBase85Decode(stream.strip().decode("latin-1"))
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            out.append(stream)
    return b"\n".join(out)


def test_the_pdf_opens_in_english_and_in_chinese(figures: None, manager: Any) -> None:
    client = client_of(manager)
    english = client.get(URL, {"period": "2026-2027", "format": "pdf", "lang": "en"})
    chinese = client.get(URL, {"period": "2026-2027", "format": "pdf", "lang": "zh-hans"})

    assert english.status_code == chinese.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    assert "vigil-performance-report-2026-2027-en.pdf" in english["Content-Disposition"]
    assert "2026-2027-zh-hans.pdf" in chinese["Content-Disposition"]
    for response in (english, chinese):
        assert response.content.startswith(b"%PDF")
        assert re.search(rb"/Type\s*/Page\b", response.content)
    assert b"Vera" in english.content
    assert b"STSong-Light" in chinese.content
    assert b"UniGB-UCS2-H" in chinese.content
    # The language's own name, in Chinese characters, drawn with the CJK font.
    text = _pdf_text(chinese.content)
    assert escapePDF("简体中文".encode("utf-16-be")).encode("latin-1") in text
    assert AuditEvent.objects.filter(action="core.export",
                                     object_type="performance.report").count() == 2


def test_the_xlsx_opens_in_english_and_in_chinese(figures: None, manager: Any) -> None:
    Target.objects.create(indicator="SP1.a.i", biennium_start=2026, baseline=Decimal(80),
                          target=Decimal("90.5"))
    client = client_of(manager)
    for lang in ("en", "zh-hans"):
        response = client.get(URL, {"period": "2026-2027", "format": "xlsx", "lang": lang})
        assert response.status_code == 200
        assert f"2026-2027-{lang}.xlsx" in response["Content-Disposition"]
        book = load_workbook(io.BytesIO(response.content))
        report, definitions = book.worksheets
        rows = list(report.iter_rows(min_row=6, values_only=True))
        assert len(rows) == 18
        assert [r[3] for r in rows] == list(registry.IDS)
        first = report["D6"].row
        assert report.cell(first, 7).value == pytest.approx(0.80)
        assert report.cell(first, 8).value == pytest.approx(0.905)
        assert report.cell(first, 8).number_format == "0.0%"
        assert report.cell(first, 9).value == pytest.approx(0.92)
        assert report.cell(first, 10).value == pytest.approx(0.85)
        count_row = next(r for r in report.iter_rows(min_row=6) if r[3].value == "SP1.a.ii")
        assert count_row[8].value == 7
        assert count_row[8].number_format == "#,##0"
        assert definitions["A2"].value == "SP1.a.i"
        assert definitions.max_row == 19
    english = load_workbook(io.BytesIO(client.get(
        URL, {"format": "xlsx", "lang": "en"}).content)).worksheets[0]
    assert english.title == "Report 2026-2027"
    assert english["A1"].value == "Programme performance report, 2026-2027"
