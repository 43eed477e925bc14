"""Menu entry of host-country cooperation, and the home panel of the chief security adviser
(security officer) and the designated official: the rating due this quarter, liaison
follow-ups due, and incidents against UN personnel without a recorded handling."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.coordination import host_selectors as selectors
from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel

register_nav(
    NavItem(_("Host-country cooperation"), "coordination:host_country_list",
            Perm.VIEW_COORDINATION, order=130, section="coordination"),
)

PANEL_ROWS = 8


def _panel(request: HttpRequest) -> dict[str, Any] | None:
    ratings = selectors.ratings_due(user=request.user)[:PANEL_ROWS]
    follow_ups = selectors.follow_ups_due(user=request.user)[:PANEL_ROWS]
    incidents = list(selectors.unhandled_incidents(user=request.user)[:PANEL_ROWS])
    if not ratings and not follow_ups and not incidents:
        return None
    return {"ratings": ratings, "follow_ups": follow_ups, "incidents": incidents,
            "today": timezone.localdate()}


register_panel(
    Panel("coordination.host", _("Host-country cooperation"),
          "coordination/host/partials/_panel.html", _panel,
          roles=frozenset({Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL}), order=60),
)
