"""Reads of safety claims, narrowed to what the reader may see: the HQ security officer sees
the claims of the premises in their scope; a staff member sees the claims they filed
themselves (their own staff record is the claimant). A claim's page names its claimant, which
is personal data: each such read by anyone but the claimant is audited. Lists and exports do
not name claimants.

``claims_received`` answers the seed's indicator SP1.a.iii ("number of safety-related claims
received") for a period."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from vigil.core import audit
from vigil.core.authz import Perm, visible
from vigil.core.errors import NotFound
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.hq import safety_rules as rules
from vigil.hq.models import ClaimEvent, ClaimStatus, SafetyClaim
from vigil.incidents.models import Incident
from vigil.incidents.selectors import incidents_seen
from vigil.places.models import DutyStation, Premises

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# The duty stations whose premises claims are made on.
HQ_KINDS = (DutyStation.Kind.HEADQUARTERS, DutyStation.Kind.REGIONAL_COMMISSION)


def claims_seen(user: AnyUser) -> QuerySet[SafetyClaim]:
    """Claims of the premises in the reader's scope, and the reader's own claims."""
    base = SafetyClaim.objects.all()
    return visible(user, Perm.VIEW_CLAIMS, base) | visible(user, Perm.FILE_CLAIM, base)


def claim_list(*, user: AnyUser, search: str = "", status: str = "", premises: Any = None,
               kind: str = "", since: dt.date | None = None, until: dt.date | None = None,
               duty_station: Any = None) -> QuerySet[SafetyClaim]:
    qs = claims_seen(user).select_related("premises", "premises__duty_station", "incident")
    if search.upper().startswith("CLM-") and search[4:].isdigit():
        return qs.filter(pk=int(search[4:]))
    qs = searched(qs, search, "description__icontains")
    return narrowed(qs, status=status, premises_id=premises or None, kind=kind,
                    received_on__gte=since, received_on__lte=until,
                    premises__duty_station_id=duty_station or None)


def claim_get(*, user: AnyUser, pk: Any) -> SafetyClaim:
    """One claim, or NotFound (missing and not yours alike). Not audited: see
    ``claimant_details``."""
    claim = claims_seen(user).select_related(
        "premises", "premises__duty_station", "claimant", "claimant__organization",
        "incident", "decided_by", "filed_by").filter(pk=pk).first()
    if claim is None:
        raise NotFound()
    return claim


def is_own(*, user: AnyUser, claim: SafetyClaim) -> bool:
    return (user.is_authenticated and claim.claimant is not None
            and claim.claimant.user_id == user.pk)


def claimant_details(*, user: AnyUser, claim: SafetyClaim) -> dict[str, Any]:
    """The claimant's name and contact, for the claim's page: an audited read unless the
    reader is the claimant."""
    if not is_own(user=user, claim=claim):
        audit.record_read(actor=user, action="hq.claim.read_claimant", obj=claim)
    return {"name": claim.claimant_label, "contact": claim.claimant_contact,
            "index_number": claim.claimant.index_number if claim.claimant else "",
            "organization": claim.claimant.organization if claim.claimant else None}


def claim_history(*, claim: SafetyClaim) -> QuerySet[ClaimEvent]:
    return claim.events.select_related("actor")


def claims_to_review(*, user: AnyUser) -> QuerySet[SafetyClaim]:
    """The HQ security officer's queue: claims received or under review, oldest first."""
    return visible(user, Perm.MANAGE_CLAIMS, SafetyClaim.objects.select_related(
        "premises")).filter(status__in=rules.OPEN_STATES).order_by("received_on", "pk")


def claim_premises(*, user: AnyUser, perm: Perm = Perm.MANAGE_CLAIMS) -> QuerySet[Premises]:
    """The headquarters and regional commission premises a user records claims for."""
    qs = Premises.objects.filter(duty_station__kind__in=HQ_KINDS).select_related(
        "duty_station")
    if perm is Perm.FILE_CLAIM:
        return qs.filter(duty_station__is_active=True)  # anyone files on any HQ premises
    return visible(user, perm, qs)


def linkable_incidents(*, user: AnyUser) -> QuerySet[Incident]:
    """The incidents a claim may be linked to: those the user may see."""
    return incidents_seen(user).order_by("-occurred_at")


# --- Statistics -------------------------------------------------------------------------------

def claim_statistics(qs: QuerySet[SafetyClaim], *, period: str = "month") -> dict[str, Any]:
    """Claims received per period (month, quarter or year) and premises, and by outcome: one
    read of (received on, premises, status) counts."""
    period = period if period in rules.PERIODS else "month"
    cells = qs.order_by().values("received_on", "premises_id", "premises__name",
                                 "premises__duty_station__name", "status").annotate(
        n=Count("pk"))
    periods: Counter[dt.date] = Counter()
    premises: dict[int, dict[str, Any]] = {}
    matrix: dict[dt.date, Counter[int]] = {}
    outcomes: Counter[str] = Counter()
    total = 0
    for cell in cells:
        start = rules.period_start(cell["received_on"], period)
        n = cell["n"]
        total += n
        periods[start] += n
        place = premises.setdefault(cell["premises_id"], {
            "pk": cell["premises_id"], "name": cell["premises__name"],
            "station": cell["premises__duty_station__name"], "count": 0})
        place["count"] += n
        matrix.setdefault(start, Counter())[cell["premises_id"]] += n
        outcomes[cell["status"]] += n
    columns = sorted(premises.values(), key=lambda p: (-p["count"], p["name"]))
    rows = [{"start": start, "label": rules.period_label(start, period),
             "count": periods[start],
             "cells": [matrix[start][p["pk"]] for p in columns]} for start in sorted(periods)]
    return {"period": period, "total": total, "rows": rows, "premises": columns,
            "outcomes": [{"status": s.value, "label": s.label, "count": outcomes[s.value]}
                         for s in ClaimStatus]}


# How a claim reaches its country and duty station (through its premises) and its
# organization (the staff member's who claims: a visitor's claim has none).
CLAIM_PATHS = SlicePaths(country="premises__duty_station__country",
                         duty_station="premises__duty_station",
                         organization="claimant__organization")


def claims_received(*, start: dt.date, end: dt.date, user: AnyUser | None = None,
                    within: Slice | None = None) -> dict[str, Any]:
    """SP1.a.iii for a period: the safety claims received from ``start`` to ``end`` (both
    included, by the day received), in all, per duty station and per premises. With ``user``,
    only the claims that user may see; without, every claim (the indicator's own
    computation: counts only, no claimant). A withdrawn claim was received all the same, so
    it counts. ``within`` keeps the claims of one region, country, duty station or
    organization (the staff claimant's; a visitor's claim is in no organization);
    ``applicable`` is False, with nothing counted, when the slice cannot place claims."""
    condition = (within or Slice.system()).q(CLAIM_PATHS)
    if condition is None:
        return {"start": start, "end": end, "applicable": False, "total": 0,
                "by_duty_station": [], "by_premises": []}
    qs = SafetyClaim.objects.all() if user is None else claims_seen(user)
    qs = qs.filter(condition, received_on__gte=start, received_on__lte=end).order_by()
    by_premises = list(qs.values("premises_id", "premises__name",
                                 "premises__duty_station_id",
                                 "premises__duty_station__name").annotate(count=Count("pk"))
                       .order_by("premises__duty_station__name", "premises__name"))
    stations: dict[int, dict[str, Any]] = {}
    for row in by_premises:
        station = stations.setdefault(row["premises__duty_station_id"], {
            "duty_station": row["premises__duty_station_id"],
            "name": row["premises__duty_station__name"], "count": 0})
        station["count"] += row["count"]
    return {"start": start, "end": end, "applicable": True,
            "total": sum(r["count"] for r in by_premises),
            "by_duty_station": list(stations.values()),
            "by_premises": [{"premises": r["premises_id"], "name": r["premises__name"],
                             "duty_station": r["premises__duty_station_id"],
                             "count": r["count"]} for r in by_premises]}


def claims_received_list(*, start: dt.date, end: dt.date, within: Slice | None = None
                         ) -> QuerySet[SafetyClaim] | None:
    """The claims ``claims_received`` counts (a system read, for a reader's narrowing), or
    None when the slice cannot place claims."""
    condition = (within or Slice.system()).q(CLAIM_PATHS)
    if condition is None:
        return None
    return SafetyClaim.objects.filter(condition, received_on__gte=start, received_on__lte=end)


def own_claims(*, user: AnyUser) -> QuerySet[SafetyClaim]:
    """The claims a staff member filed or that name them as claimant, newest first."""
    if not user.is_authenticated:
        return SafetyClaim.objects.none()
    return SafetyClaim.objects.filter(claimant__user_id=user.pk).select_related(
        "premises").order_by("-received_on", "-pk")
