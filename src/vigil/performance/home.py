"""Programme performance in the menu, and the home panel of those who follow it: the
indicators furthest from their target or getting worse, this biennium, for the viewer's
default slice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.core.roles import ROLE_PERMISSIONS, Role
from vigil.performance import rules, services
from vigil.performance import selectors as sel
from vigil.performance.forms import where_key
from vigil.performance.views import present

PANEL_SIZE = 5

register_nav(
    NavItem(_("Indicators"), "performance:dashboard", Perm.VIEW_PERFORMANCE, order=120,
            section="performance"),
    NavItem(_("Targets"), "performance:targets", Perm.VIEW_PERFORMANCE, order=121,
            section="performance"),
)


def shortfall(tile: sel.Tile) -> Decimal | None:
    """How far the actual falls short of the target, as a share of the target (0 when met);
    None without an actual or a target."""
    actual, target = tile.actual.value, tile.target
    if actual is None or target is None:
        return None
    gap = Decimal(target) - Decimal(actual) if tile.indicator.direction is rules.Direction.UP \
        else Decimal(actual) - Decimal(target)
    return max(gap, Decimal(0)) / max(Decimal(target), Decimal(1))


def watch_list(tiles: list[sel.Tile], size: int = PANEL_SIZE) -> list[sel.Tile]:
    """The tiles to look at first: short of target (furthest first), then getting worse."""
    short = [(shortfall(t), t) for t in tiles]
    behind = sorted(((gap, t) for gap, t in short if gap), key=lambda pair: -pair[0])
    chosen = [t for _gap, t in behind]
    chosen += [t for t in tiles if t not in chosen
               and t.versus_previous is rules.Travel.WORSE]
    return chosen[:size]


def _panel(request: HttpRequest) -> dict[str, Any] | None:
    where = sel.default_slice(request.user)
    if where is None:
        return None
    period = rules.biennium_of(timezone.localdate())
    query = urlencode({"period": period.key, "where": where_key(where)})
    # The figures kept (performance.figures), never computed here: computing every indicator
    # reads the world (seconds at scale); the worker is asked for them instead.
    found = services.figures_for_panel(period, where)
    rows = [present(t, query) for t in watch_list(found.tiles)] if found is not None else []
    return {"rows": rows, "period": period, "where_label": sel.slice_label(where),
            "computing": found is None, "as_of": found.as_of if found is not None else None,
            "stale": found is not None and found.stale,
            "dashboard_url": f"{reverse('performance:dashboard')}?{query}"}


register_panel(Panel(
    "performance.watch", _("Indicators to watch"), "performance/partials/_panel_watch.html",
    _panel, roles=frozenset(role for role in Role
                            if Perm.VIEW_PERFORMANCE in ROLE_PERMISSIONS.get(role, {})),
    order=60))
