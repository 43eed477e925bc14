"""Menu entries and home panels of travel."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role, has_perm_anywhere
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.travel import rules, selectors
from vigil.travel.models import TravelRequest

register_nav(
    NavItem(_("My trips"), "travel:my_trips", Perm.VIEW_TRAVEL, order=60, section="travel"),
    NavItem(_("Approval queue"), "travel:approval_queue", Perm.APPROVE_TRAVEL, order=61,
            section="travel"),
    NavItem(_("Travel requests"), "travel:request_list", Perm.VIEW_WHEREABOUTS, order=62,
            section="travel"),
    NavItem(_("Who is where"), "travel:whereabouts", Perm.VIEW_WHEREABOUTS, order=63,
            section="travel"),
    NavItem(_("Whereabouts coverage"), "travel:coverage", Perm.VIEW_COVERAGE, order=64,
            section="travel"),
    NavItem(_("Travel advisories"), "travel:advisory_list", Perm.VIEW_REFERENCE, order=65,
            section="travel"),
    NavItem(_("Security directory"), "travel:directory", Perm.VIEW_REFERENCE, order=66,
            section="travel"),
    NavItem(_("Travel controls"), "travel:area_controls", Perm.SET_AREA_CONTROLS, order=67,
            section="travel"),
    NavItem(_("Air operators"), "travel:operator_list", Perm.ASSESS_AIR_OPERATOR, order=68,
            section="travel"),
    NavItem(_("Travel settings"), "admin:travel_travelsettings_changelist",
            Perm.CONFIGURE_TRAVEL,
            order=96, global_only=True, section="admin"),
)


def _my_trips(request: HttpRequest) -> dict[str, Any] | None:
    now = timezone.now()
    trips = list(selectors.request_list(user=request.user, mine=True).filter(
        ends_at__gte=now).exclude(status=TravelRequest.Status.CANCELLED)
        # NULLS FIRST (no trip ending after now lacks a start): an order no index gives, so
        # that the database reads the user's few requests and sorts them, rather than walk
        # the index of every request's start until five of the user's turn up.
        .order_by(F("starts_at").asc(nulls_first=True), "pk")[:5])
    drafts = selectors.request_list(user=request.user, mine=True).filter(
        status=TravelRequest.Status.DRAFT).count()
    return {"trips": trips, "drafts": drafts}


def _approvals(request: HttpRequest) -> dict[str, Any] | None:
    queue = selectors.approval_queue(user=request.user)
    if not queue and not has_perm_anywhere(request.user, Perm.APPROVE_TRAVEL):
        return None  # a fallback holder's queue shows when something waits in it
    now = timezone.now()
    return {"queue": queue[:6], "count": len(queue),
            "overdue": sum(1 for c in queue if c.due_at and c.due_at < now), "now": now,
            "may_see_whereabouts": has_perm_anywhere(request.user, Perm.VIEW_WHEREABOUTS)}


def _uncovered(request: HttpRequest) -> dict[str, Any] | None:
    if not selectors.may_see_uncovered(request.user):
        return None
    stops = selectors.uncovered_stops(user=request.user)
    return {"stops": stops[:6], "count": len(stops),
            "mine": sum(1 for held in stops if request.user.pk in held.holding.users),
            "may_queue": selectors.may_hold_stops(request.user)}


# Who holds a stop that no security officer covers (rules.HOLDERS after the first).
FALLBACK_ROLES = frozenset(Role(h.role) for h in rules.HOLDERS[1:])


register_panel(
    Panel("travel.mine", _("My trips"), "travel/partials/_panel_my_trips.html", _my_trips,
          roles=frozenset({Role.TRAVELLER}), order=40),
    Panel("travel.approvals", _("Travel awaiting your clearance"),
          "travel/partials/_panel_approvals.html", _approvals,
          roles=frozenset({Role(rules.HOLDERS[0].role)}) | FALLBACK_ROLES, order=8),
    Panel("travel.uncovered", _("Stops no security officer covers"),
          "travel/partials/_panel_uncovered.html", _uncovered, roles=FALLBACK_ROLES,
          order=9),
)
