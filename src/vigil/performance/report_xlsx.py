"""The programme performance report as a workbook (openpyxl), in the active language: a first
sheet with the plan's structure and the figures as numbers (shares as per cent cells, counts
as whole numbers), a second with each indicator's definition."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from vigil.core.views_support import _cell
from vigil.performance import rules
from vigil.performance.report import SOURCE, Line, Report

PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
HEAD_FILL = PatternFill("solid", fgColor="0B5A8E")
HEAD_FONT = Font(bold=True, color="FFFFFF")
# Characters a sheet's title may not hold.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _title(text: str) -> str:
    return SHEET_FORBIDDEN.sub(" ", text)[:31]


def _number(value: Decimal | int | None, unit: rules.Unit) -> tuple[float | int | None, str]:
    """A figure as a spreadsheet number, with its cell format: a share as a fraction shown in
    per cent (92.5 → 0.925, "92.5%"), a count as a whole number."""
    if value is None:
        return None, ""
    if unit is rules.Unit.COUNT:
        return int(value), COUNT_FORMAT
    return float(Decimal(value) / 100), PERCENT_FORMAT


def _head(sheet: Worksheet, row: int, headers: list[str]) -> None:
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column, value=header)
        cell.fill = HEAD_FILL
        cell.font = HEAD_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _report_sheet(sheet: Worksheet, report: Report) -> None:
    period = report.period.label
    sheet.cell(row=1, column=1, value=_("Programme performance report, %(period)s") % {
        "period": period}).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=_cell(str(SOURCE)))
    sheet.cell(row=3, column=1, value=_("The whole system. Made on %(day)s.") % {
        "day": report.made_on.isoformat()})
    headers = [_("Subprogramme"), _("Component"), _("Expected accomplishment"),
               _("Indicator"), _("Indicator of achievement"), _("Unit"), _("Baseline"),
               _("Target"), _("Actual %(period)s") % {"period": period},
               _("Actual %(period)s") % {"period": report.previous.label}, _("Status"),
               _("Direction of travel"), _("Comment")]
    _head(sheet, 5, headers)
    row = 6
    for part in report.parts:
        for accomplishment in part.accomplishments:
            for line in accomplishment.lines:
                _line(sheet, row, line, part.title, part.component_title, accomplishment.text)
                row += 1
    for letter, width in zip("ABCDEFGHIJKLM", (26, 26, 40, 10, 60, 12, 11, 11, 13, 13, 15, 15,
                                                60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "E6"


def _line(sheet: Worksheet, row: int, line: Line, subprogramme: str, component: str,
          accomplishment: str) -> None:
    unit = line.indicator.unit
    texts = [subprogramme, component, accomplishment, line.indicator.id,
             str(line.indicator.text), str(rules.UNIT_LABELS[unit])]
    for column, text in enumerate(texts, start=1):
        sheet.cell(row=row, column=column, value=_cell(text)).alignment = Alignment(
            wrap_text=True, vertical="top")
    for column, value in enumerate((line.baseline, line.target, line.actual.value,
                                    line.previous.value), start=7):
        number, number_format = _number(value, unit)
        cell = sheet.cell(row=row, column=column, value=number)
        if number_format:
            cell.number_format = number_format
    for column, text in enumerate((line.status_label, line.travel_label, line.comment),
                                  start=11):
        sheet.cell(row=row, column=column, value=_cell(text)).alignment = Alignment(
            wrap_text=True, vertical="top")


def _definitions_sheet(sheet: Worksheet, report: Report) -> None:
    _head(sheet, 1, [_("Indicator"), _("Indicator of achievement"), _("Unit"),
                     _("Desired direction"), _("Where the records are kept"), _("Settings")])
    for row, line in enumerate(report.lines, start=2):
        indicator = line.indicator
        settings = "; ".join(f"{s.label}: {s.default} {s.unit}".strip()
                             for s in indicator.settings)
        for column, text in enumerate((indicator.id, str(indicator.text),
                                       str(rules.UNIT_LABELS[indicator.unit]),
                                       str(rules.DIRECTION_LABELS[indicator.direction]),
                                       str(indicator.source), settings), start=1):
            sheet.cell(row=row, column=column, value=_cell(text)).alignment = Alignment(
                wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (10, 70, 14, 18, 50, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"


def report_xlsx(report: Report) -> bytes:
    book = Workbook()
    first = book.worksheets[0]
    first.title = _title(_("Report %(period)s") % {"period": report.period.label})
    _report_sheet(first, report)
    _definitions_sheet(book.create_sheet(_title(_("Definitions"))), report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
