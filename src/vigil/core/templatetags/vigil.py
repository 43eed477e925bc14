from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

# One badge style per status value, used everywhere.
BADGE_TONES = {
    "active": "ok", "eligible": "ok", "on_leave": "warn", "separated": "neutral",
    "inactive": "neutral", "hq": "info", "rc": "info", "field": "neutral",
}


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> str:
    """A column heading that sorts the list by ``key``, toggling direction, as a link."""
    current = context.get("sort", "")
    query = context.get("sort_query", "")
    descending = current == key
    target = f"-{key}" if descending else key
    arrow, state = "", "none"
    if current.lstrip("-") == key:
        arrow = " ▼" if current.startswith("-") else " ▲"
        state = "descending" if current.startswith("-") else "ascending"
    href = f"?{query}&sort={target}" if query else f"?sort={target}"
    return format_html('<th scope="col" aria-sort="{}"><a href="{}">{}{}</a></th>',
                       state, href, label, arrow)


@register.simple_tag
def badge(value: str, label: Any) -> str:
    tone = BADGE_TONES.get(str(value), "neutral")
    return format_html('<span class="badge {}">{}</span>', tone, label)


@register.filter
def yesno_word(value: bool) -> str:
    return _("Yes") if value else _("No")
