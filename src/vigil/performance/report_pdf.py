"""The programme performance report as a PDF (reportlab): A4 landscape, the plan's structure as
tables, in the active language.

Fonts come with reportlab, nothing is downloaded: Bitstream Vera (embedded) for the languages
written in Latin letters, and the Adobe CID font STSong-Light for Chinese and Russian (its
GB 2312 set holds Cyrillic too; a PDF reader supplies the glyphs)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape  # nosec B406 - escapes text, parses nothing

from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.performance.report import SOURCE, Report, Status, mandates

CJK_FONT = "STSong-Light"
# Languages whose letters Vera lacks; STSong-Light covers Chinese and Cyrillic.
CJK_LANGUAGES = ("zh", "ru")
STATUS_COLOURS = {Status.MET: colors.HexColor("#e3f1e5"), Status.NOT_MET: colors.HexColor(
    "#fbe5e1"), Status.NO_TARGET: colors.HexColor("#eef1f4"), Status.NO_DATA: colors.white}
HEAD = colors.HexColor("#0b5a8e")


def _fonts(language: str) -> tuple[str, str, bool]:
    """The regular and bold font for ``language``, and whether lines break between any two
    characters (Chinese)."""
    if language.split("-")[0] in CJK_LANGUAGES:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT, CJK_FONT, language.startswith("zh")
    registered = pdfmetrics.getRegisteredFontNames()
    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, file))
    return "Vera", "VeraBd", False


def _styles(regular: str, bold: str, cjk: bool) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if cjk else None
    base = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, alignment=TA_LEFT,
                          wordWrap=wrap)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10,
                                 alignment=TA_RIGHT),
        # A part's heading and objective stay on the page of the table they open.
        "objective": ParagraphStyle("objective", parent=base, fontSize=8, leading=10, spaceAfter=6,
                                    keepWithNext=1),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=8, leading=10,
                               textColor=colors.white),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=18, leading=22,
                                textColor=HEAD, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=13, leading=16,
                             textColor=HEAD, spaceBefore=10, spaceAfter=2, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=11, leading=14,
                             spaceAfter=2, keepWithNext=1),
        "accomplishment": ParagraphStyle("accomplishment", parent=base, fontName=bold,
                                         fontSize=8.5, leading=11),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def report_pdf(report: Report) -> bytes:
    """The report in the active language."""
    language = get_language() or "en"
    regular, bold, cjk = _fonts(language)
    styles = _styles(regular, bold, cjk)
    period = report.period.label
    title = _("Programme performance report, %(period)s") % {"period": period}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=14 * mm, rightMargin=14 * mm,
        topMargin=14 * mm, bottomMargin=16 * mm, title=title, author="Vigil",
        subject=str(SOURCE), lang=language)
    story: list[object] = [
        _p(title, styles["title"]),
        _p(_("Programme 28: Safety and security. The whole system. Made on %(day)s. "
             "Language: %(language)s.") % {
            "day": report.made_on.isoformat(),
            "language": get_language_info(language)["name_local"]}, styles["body"]),
        Spacer(1, 3 * mm),
        _p(_("Each actual is computed from Vigil's records for the biennium %(period)s and "
             "compared with its target and with the biennium %(previous)s. The structure "
             "and the indicators of achievement are those of the programme plan: "
             "%(source)s.") % {"period": period, "previous": report.previous.label,
                               "source": SOURCE}, styles["body"]),
        Spacer(1, 2 * mm),
        # " | " rather than a middle dot, which the Chinese font lacks.
        _p(" | ".join(f"{label}: {number}" for _s, label, number in report.counts),
           styles["body"]),
    ]
    headers = [_("Indicator of achievement"), _("Baseline"), _("Target"),
               _("Actual %(period)s") % {"period": period},
               _("Actual %(period)s") % {"period": report.previous.label},
               _("Status"), _("Comment")]
    widths = [84 * mm, 19 * mm, 19 * mm, 24 * mm, 24 * mm, 22 * mm, 77 * mm]
    for part in report.parts:
        story.append(_p(part.title, styles["h2"]))
        if part.component_title:
            story.append(_p(part.component_title, styles["h3"]))
        if part.objective:
            story.append(_p(_("Objective of the Organization: %(objective)s") % {
                "objective": part.objective}, styles["objective"]))
        rows: list[list[object]] = [[_p(h, styles["head"]) for h in headers]]
        table_style: list[tuple[object, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
            ("ALIGN", (1, 1), (4, -1), "RIGHT"),
        ]
        for accomplishment in part.accomplishments:
            rows.append([_p(accomplishment.text, styles["accomplishment"])] + [""] * 6)
            index = len(rows) - 1
            table_style += [("SPAN", (0, index), (-1, index)),
                            ("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f4f6f8"))]
            for line in accomplishment.lines:
                rows.append([
                    _p(f"{line.indicator.id} {line.indicator.text}", styles["cell"]),
                    _p(line.shown(line.baseline), styles["number"]),
                    _p(line.shown(line.target), styles["number"]),
                    _p(line.shown(line.actual.value), styles["number"]),
                    _p(line.shown(line.previous.value), styles["number"]),
                    _p(line.status_label, styles["cell"]),
                    _p(line.comment, styles["cell"]),
                ])
                table_style.append(("BACKGROUND", (5, len(rows) - 1), (5, len(rows) - 1),
                                    STATUS_COLOURS[line.status]))
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle(table_style))
        story.append(table)
    cited = mandates()
    story.append(KeepTogether([
        _p(_("Legislative mandates"), styles["h2"]),
        _p(_("General Assembly resolutions and decisions"), styles["h3"]),
        *[_p(f"{number}  {text}", styles["small"]) for number, text in
          cited["general_assembly"]],
        Spacer(1, 2 * mm),
        _p(_("Security Council resolutions"), styles["h3"]),
        *[_p(f"{number}  {text}", styles["small"]) for number, text in
          cited["security_council"]],
    ]))

    footer = _("%(title)s | page %(page)s")

    def number_pages(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(14 * mm, 8 * mm, footer % {"title": title, "page": doc.page})
        canvas.restoreState()

    document.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()
