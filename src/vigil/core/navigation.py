"""What each app puts in the header menu and on the home page, by role.

Apps register from their ``home.py`` (imported once at start-up); core imports no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role, has_perm_anywhere, holds_globally, roles_of


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    perm: Perm
    order: int = 100
    # Pages that read the whole system (the audit log) need the permission held globally.
    global_only: bool = False
    # Items of one section share a menu in the header: places, people, risk, admin.
    section: str = ""


SECTION_LABELS = {"places": _("Places"), "people": _("People"), "risk": _("Risk"),
                  "travel": _("Travel"), "crisis": _("Incidents and crises"),
                  "hq": _("HQ security"),
                  "support": _("Field support"),
                  "coordination": _("Coordination"),
                  "performance": _("Performance"),
                  "admin": _("Administration")}


@dataclass(frozen=True)
class Panel:
    """A block of a role's home page: usually a work queue, first what needs doing."""

    key: str
    title: Any
    template: str
    build: Callable[[HttpRequest], dict[str, Any] | None]
    roles: frozenset[Role] = field(default_factory=frozenset)  # empty: every signed-in user
    order: int = 100


_NAV: list[NavItem] = []
_PANELS: list[Panel] = []


def register_nav(*items: NavItem) -> None:
    _NAV.extend(items)
    _NAV.sort(key=lambda i: i.order)


def register_panel(*panels: Panel) -> None:
    _PANELS.extend(panels)
    _PANELS.sort(key=lambda p: p.order)


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    exact = any(item.url_name == current for item in _NAV)
    items = []
    for item in _NAV:
        held = holds_globally if item.global_only else has_perm_anywhere
        if held(user, item.perm):
            # A detail or edit page lights up the list it belongs to.
            same_family = current.rsplit("_", 1)[0] == item.url_name.rsplit("_", 1)[0]
            active = item.url_name == current if exact else (
                same_family and item.url_name.endswith("_list"))
            items.append({"label": item.label, "url": reverse(item.url_name),
                          "active": active, "section": item.section})
    return items


def sections_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The header menu: a section with one item is a link, with more a drop-down."""
    sections: dict[str, dict[str, Any]] = {}
    for item in items_for(request):
        key = item["section"] or item["url"]
        section = sections.setdefault(key, {"label": SECTION_LABELS.get(item["section"],
                                                                        item["label"]),
                                            "items": [], "active": False})
        section["items"].append(item)
        section["active"] = section["active"] or item["active"]
    return list(sections.values())


def panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The home panels of the user's roles, each built; a panel may decline (None)."""
    roles = roles_of(request.user)
    shown = []
    for panel in _PANELS:
        if panel.roles and not (panel.roles & roles):
            continue
        context = panel.build(request)
        if context is not None:
            shown.append({"key": panel.key, "title": panel.title, "template": panel.template,
                          **context})
    return shown
