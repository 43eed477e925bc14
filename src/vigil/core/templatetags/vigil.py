from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.levels import LEVEL_LABELS, LEVEL_TONES

register = template.Library()

# One badge style per status value, used everywhere.
BADGE_TONES = {
    "active": "ok", "eligible": "ok", "on_leave": "warn", "separated": "neutral",
    "inactive": "neutral", "hq": "info", "rc": "info", "field": "neutral",
    # Travel requests, clearances and air operators.
    "draft": "neutral", "pending": "warn", "cleared": "ok", "approved": "ok", "refused": "bad",
    "rule_refused": "bad", "cancelled": "neutral", "suitable": "ok", "unsuitable": "bad",
    "not_assessed": "neutral",
    # Incidents and crisis headcount.
    "unverified": "warn", "verified": "ok", "disputed": "warn", "false": "neutral",
    "closed": "neutral", "unknown": "neutral", "contacted": "info", "safe": "ok",
    "needs_help": "bad", "injured": "bad", "missing": "bad", "deceased": "bad",
    "relocated": "info", "evacuated": "info", "sent": "ok", "sending": "warn",
    "failed": "bad", "skipped": "neutral",
    # Headquarters security: passes, visits, accreditations, entries, claims, plans, protection.
    "suspended": "warn", "revoked": "bad", "expired": "neutral", "not_yet_valid": "info",
    "valid": "ok", "expected": "info", "arrived": "ok", "departed": "neutral",
    "no_show": "warn", "requested": "warn", "accredited": "ok", "withdrawn": "neutral",
    "granted": "ok", "denied": "bad", "open": "warn", "received": "warn",
    "under_review": "info", "settled": "ok", "rejected": "bad", "submitted": "warn",
    "superseded": "neutral", "under_assessment": "info", "assessed": "warn", "decided": "ok",
    "approved_with_changes": "ok", "declined": "bad", "to_plan": "warn", "planned": "info",
    "done": "ok", "not_needed": "neutral",
    # Training.
    "enrolled": "info", "waitlisted": "warn", "attended": "ok", "passed": "ok",
    # Aviation.
    "with_conditions": "info", "new": "warn", "answered": "ok",
}

ADVISORY_TONES = {1: "ok", 2: "info", 3: "warn", 4: "bad"}


@register.simple_tag
def advisory_badge(advisory: Any) -> str:
    """An advisory level 1-4 with its words, one style everywhere."""
    return format_html('<span class="badge {}">{} · {}</span>',
                       ADVISORY_TONES.get(advisory.level, "neutral"), advisory.level,
                       advisory.level_label)


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


@register.simple_tag
def level_badge(level: int | None) -> str:
    """A security level 1-6 as its badge: one style everywhere, the number and the word."""
    if not level:
        return format_html('<span class="badge neutral">{}</span>', _("no level"))
    return format_html('<span class="badge lvl lvl-{} {}">{} · {}</span>', level,
                       LEVEL_TONES[level], level, LEVEL_LABELS[level])


@register.simple_tag
def due_badge(due: Any, today: Any) -> str:
    """A review date beside how far it is: overdue in red, due within 30 days in amber."""
    if due is None:
        return format_html('<span class="badge warn">{}</span>', _("no review date"))
    days = (due - today).days
    if days < 0:
        return format_html('<span class="badge bad">{} · {}</span>', due.isoformat(),
                           ngettext("overdue by %(n)d day", "overdue by %(n)d days", -days)
                           % {"n": -days})
    tone = "warn" if days <= 30 else "ok"
    return format_html('<span class="badge {}">{} · {}</span>', tone, due.isoformat(),
                       ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days})


@register.filter
def yesno_word(value: bool) -> str:
    return _("Yes") if value else _("No")
