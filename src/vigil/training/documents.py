"""Documents training hands out: a completion's certificate as PDF (fpdf2), and the sessions
as an iCalendar feed (RFC 5545, the icalendar package)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from icalendar import Calendar, Event

from vigil.training.models import Completion, Session, SessionStatus


def _latin(text: str) -> str:
    """The PDF's core font reads Latin-1: other characters are replaced, never dropped."""
    return text.encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(completion: Completion, *, verify_url: str) -> bytes:
    """One A4 landscape page: the holder, the course, the dates, and the code with the
    address where anyone may check it."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(_latin(f"{completion.course.code} {completion.certificate_code}"))
    pdf.set_author("Vigil")
    pdf.add_page()
    pdf.set_draw_color(0, 94, 140)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("Helvetica", "B", 28)
    pdf.set_text_color(0, 70, 110)
    pdf.set_y(32)
    pdf.cell(0, 14, _latin(_("Certificate of completion")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20, 20, 20)
    pdf.set_font("Helvetica", "", 14)
    pdf.ln(8)
    pdf.cell(0, 8, _latin(_("This certifies that")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 14, _latin(completion.holder_name), align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 8, _latin(_("completed the course")), align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 11, _latin(f"{completion.course.name} ({completion.course.code})"),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.ln(4)
    pdf.cell(0, 8, _latin(_("on %(day)s") % {"day": completion.completed_on.isoformat()}),
             align="C", new_x="LMARGIN", new_y="NEXT")
    validity = (_("Valid until the day before %(day)s.") % {
        "day": completion.expires_on.isoformat()} if completion.expires_on
        else _("This course does not expire."))
    pdf.cell(0, 8, _latin(validity), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(160)
    pdf.set_font("Courier", "B", 16)
    pdf.cell(0, 9, completion.certificate_code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, _latin(_("Check this certificate at %(url)s") % {"url": verify_url}),
             align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def sessions_calendar(sessions: Iterable[Session], *, host: str,
                      url_of: dict[int, str]) -> bytes:
    """The sessions as VEVENTs, times in UTC; a cancelled session stays in the feed marked
    CANCELLED, so calendars that imported it drop it."""
    calendar = Calendar()
    calendar.add("prodid", "-//Vigil//Security training//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Security training sessions"))
    stamp = timezone.now().astimezone(dt.UTC)
    for session in sessions:
        event = Event()
        event.add("uid", f"training-session-{session.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("summary", f"{session.course.code}: {session.course.name}")
        event.add("location", session.place_label)
        description = [_("Places: %(count)d") % {"count": session.capacity}]
        if session.trainers:
            description.append(_("Trainers: %(names)s") % {"names": session.trainers})
        event.add("description", "\n".join(description))
        event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED
                  else "CONFIRMED")
        event.add("sequence", session.version)
        if session.pk in url_of:
            event.add("url", url_of[session.pk])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
