"""Template tags of aviation advice: a time in UTC named as such, and a request's response
time against the target as a badge with its words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from vigil.aviation import rules

register = template.Library()


@register.simple_tag
def utc(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return format_html("{} UTC", moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"))


@register.simple_tag
def response(advice: Any, now: dt.datetime, target: int) -> str:
    """"answered in 5.0 h · on time", "open 3.0 h", "open 60.0 h · overdue"."""
    if advice.answered_at is not None:
        hours = rules.response_hours(advice.asked_at, advice.answered_at)
        on_time = hours <= target
        return format_html('<span class="badge {}">{}</span>', "ok" if on_time else "bad",
                           (_("answered in %(hours).1f h · on time") if on_time else
                            _("answered in %(hours).1f h · late")) % {"hours": hours})
    if advice.status == rules.ADVICE_CLOSED:
        return format_html('<span class="badge neutral">{}</span>',
                           _("closed without an answer"))
    hours = rules.response_hours(advice.asked_at, now)
    if hours > target:
        return format_html('<span class="badge bad">{}</span>',
                           _("open %(hours).1f h · overdue") % {"hours": hours})
    return format_html('<span class="badge warn">{}</span>',
                       _("open %(hours).1f h") % {"hours": hours})
