"""Menu entries and home panels of the places app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.places import selectors
from vigil.places.models import Premises

register_nav(
    NavItem(_("Duty stations"), "places:duty_station_list", Perm.VIEW_REFERENCE, order=10,
            section="places"),
    NavItem(_("Security areas"), "places:security_area_list", Perm.VIEW_REFERENCE, order=12,
            section="places"),
    NavItem(_("Premises"), "places:premises_list", Perm.VIEW_PREMISES, order=20,
            section="places"),
)


def _station_quality(request: HttpRequest) -> dict[str, Any] | None:
    """Duty stations in the officer's scope that lack what crisis work will need. The three
    counts in one query; a queue's first rows only when it has any."""
    editable = selectors.duty_stations_editable(user=request.user)
    no_area_q = Q(security_area__isnull=True, is_active=True)
    no_premises_q = Q(~Exists(Premises.objects.filter(duty_station_id=OuterRef("pk"))),
                      is_active=True)
    counts = editable.aggregate(total=Count("pk"), no_area=Count("pk", filter=no_area_q),
                                no_premises=Count("pk", filter=no_premises_q))
    if counts["total"] == 0:
        return None
    no_area = editable.filter(security_area__isnull=True, is_active=True)
    no_premises = editable.filter(premises__isnull=True, is_active=True)
    return {
        "total": counts["total"],
        "queues": [
            {"label": _("Active duty stations without a security area"),
             "count": counts["no_area"],
             "items": list(no_area.order_by("name")[:5]) if counts["no_area"] else []},
            {"label": _("Active duty stations with no premises recorded"),
             "count": counts["no_premises"],
             "items": list(no_premises.order_by("name")[:5]) if counts["no_premises"] else []},
        ],
    }


def _premises_summary(request: HttpRequest) -> dict[str, Any] | None:
    """The premises in scope: how many (open to the public among them, in the same query)
    and the largest."""
    premises = selectors.premises_list(user=request.user)
    counts = premises.aggregate(count=Count("pk"),
                                public=Count("pk", filter=Q(public_access=True)))
    if counts["count"] == 0:
        return None
    return {"count": counts["count"],
            "public": counts["public"],
            "items": list(premises.order_by("-staff_capacity")[:5])}


register_panel(
    Panel("places.station_quality", _("Duty station records to complete"),
          "places/partials/_panel_station_quality.html", _station_quality,
          roles=frozenset({Role.SECURITY_OFFICER, Role.ADMINISTRATOR}), order=30),
    Panel("places.premises", _("Premises in your scope"),
          "places/partials/_panel_premises.html", _premises_summary,
          roles=frozenset({Role.HQ_SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL,
                           Role.SECURITY_OFFICER, Role.DRO_DESK_OFFICER}), order=40),
)
