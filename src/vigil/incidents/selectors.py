"""Reads of incidents, narrowed to what the reader may see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncYear

from vigil.core.authz import Perm, can, get_visible, visible
from vigil.core.selectors import narrowed, searched
from vigil.incidents.models import IMPACT_FIELDS, AffectedPerson, Incident, IncidentCategory

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

MAP_LIMIT = 5000


def incidents_seen(user: AnyUser) -> QuerySet[Incident]:
    return visible(user, Perm.VIEW_INCIDENT, Incident.objects.all())


def with_personnel_affected(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The incidents of ``qs`` against UN personnel: those in which a named staff member or
    eligible dependant was affected (the reported totals also count people outside the UN)."""
    return qs.filter(Exists(AffectedPerson.objects.filter(incident=OuterRef("pk"))))


def incident_list(*, user: AnyUser, search: str = "", category: str = "", country: str = "",
                  organization: str = "", verification: str = "", source: str = "",
                  since: dt.date | None = None, until: dt.date | None = None,
                  area: Any = None) -> QuerySet[Incident]:
    qs = incidents_seen(user).select_related("category", "subcategory", "country",
                                             "security_area", "organization")
    qs = searched(qs, search, "title__icontains", "place__icontains", "description__icontains",
                  "source_id")
    qs = searched(qs, category, "category__code", "subcategory__code")
    return narrowed(qs, country__iso2=country.upper(), security_area_id=area or None,
                    organization__code=organization.upper(), verification=verification,
                    source_kind=source, occurred_at__date__gte=since,
                    occurred_at__date__lte=until)


def incident_get(*, user: AnyUser, pk: Any) -> Incident:
    return get_visible(user, Perm.VIEW_INCIDENT, Incident.objects.select_related(
        "category", "subcategory", "country", "security_area", "duty_station", "organization",
        "reported_by"), pk=pk)


def affected_people(*, user: AnyUser, incident: Incident) -> list[dict[str, Any]]:
    """The people affected, named only to readers who may see each person."""
    rows = []
    for row in AffectedPerson.objects.filter(incident=incident).select_related(
            "person__organization", "dependant"):
        named = can(user, Perm.VIEW_PERSON, row.person)
        rows.append({"row": row, "named": named,
                     "name": str(row.dependant or row.person) if named else None})
    return rows


def categories() -> QuerySet[IncidentCategory]:
    return IncidentCategory.objects.filter(active=True).select_related("parent")


def map_features(qs: QuerySet[Incident]) -> dict[str, Any]:
    """GeoJSON points of the incidents that have coordinates, newest first, capped."""
    features = []
    for pk, lat, lon, title, code, occurred, killed in qs.filter(
            latitude__isnull=False).order_by("-occurred_at").values_list(
            "pk", "latitude", "longitude", "title", "category__code",
            "occurred_at", "killed")[:MAP_LIMIT]:
        features.append({"type": "Feature", "id": pk,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"name": title, "kind": "field",
                                        "code": f"{Incident.reference_of(pk)} · "
                                                f"{occurred.date().isoformat()}",
                                        "category": code, "killed": killed}})
    return {"type": "FeatureCollection", "features": features}


GROUPINGS = {
    "category": ("category__code", "category__name"),
    "country": ("country__iso2", "country__name"),
    "area": ("security_area_id", "security_area__name"),
    "organization": ("organization__code", "organization__name"),
}


def statistics(qs: QuerySet[Incident], *, by: str = "category", period: str = "year"
               ) -> dict[str, Any]:
    """Counts of incidents and of people by impact, per period and per group: one GROUP BY
    (period, group) read once, the totals, the groups and the periods added up from it."""
    from vigil.incidents.taxonomy import label as category_label

    trunc = TruncMonth("occurred_at") if period == "month" else TruncYear("occurred_at")
    key, label = GROUPINGS.get(by, GROUPINGS["category"])
    figures = ["incidents", *IMPACT_FIELDS]
    cells = qs.order_by().annotate(period=trunc).values("period", key, label).annotate(
        incidents=Count("pk"), **{name: Sum(name) for name in IMPACT_FIELDS})
    totals = dict.fromkeys(figures, 0)
    groups: dict[Any, dict[str, Any]] = {}
    periods: dict[Any, dict[str, Any]] = {}
    matrix: dict[Any, dict[Any, int]] = {}
    for cell in cells:
        group = groups.setdefault(cell[key], {"key": cell[key], "label": cell[label],
                                              **dict.fromkeys(figures, 0)})
        when = periods.setdefault(cell["period"], {"period": cell["period"],
                                                   **dict.fromkeys(figures, 0)})
        for name in figures:
            value = cell[name] or 0
            totals[name] += value
            group[name] += value
            when[name] += value
        matrix.setdefault(cell["period"], {})[cell[key]] = cell["incidents"]
    ordered = sorted(groups.values(), key=lambda g: (-g["incidents"], str(g["label"] or "")))
    if by == "category":
        for group in ordered:
            group["label"] = category_label(group["key"] or "", group["label"] or "")
    return {"totals": totals, "groups": ordered,
            "periods": [periods[p] for p in sorted(periods)], "matrix": matrix,
            "by": by, "period": period}
