"""Reads of places, already narrowed to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from vigil.core.authz import Perm, get_visible, visible
from vigil.places.models import Country, DutyStation, Premises, SecurityArea

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def country_list(*, user: AnyUser) -> QuerySet[Country]:
    return visible(user, Perm.VIEW_REFERENCE, Country.objects.all())


def country_by_code(*, user: AnyUser, code: str) -> Country:
    code = code.upper()
    field = "iso2" if len(code) == 2 else "iso3"
    return get_visible(user, Perm.VIEW_REFERENCE, Country.objects.all(), **{field: code})


def security_area_list(*, user: AnyUser, search: str = "",
                       country: str = "") -> QuerySet[SecurityArea]:
    qs = visible(user, Perm.VIEW_REFERENCE, SecurityArea.objects.select_related("country")
                 .annotate(station_count=Count("duty_stations")))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if country:
        qs = qs.filter(Q(country__iso2=country.upper()) | Q(country__iso3=country.upper()))
    return qs


def security_area_get(*, user: AnyUser, pk: Any) -> SecurityArea:
    return get_visible(user, Perm.VIEW_REFERENCE,
                       SecurityArea.objects.select_related("country"), pk=pk)


def duty_station_list(*, user: AnyUser, search: str = "", country: str = "", kind: str = "",
                      security_area: Any = None,
                      active: bool | None = None) -> QuerySet[DutyStation]:
    qs = visible(user, Perm.VIEW_REFERENCE,
                 DutyStation.objects.select_related("country", "security_area"))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if country:
        qs = qs.filter(Q(country__iso2=country.upper()) | Q(country__iso3=country.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if security_area:
        qs = qs.filter(security_area_id=security_area)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def duty_station_get(*, user: AnyUser, pk: Any) -> DutyStation:
    return get_visible(user, Perm.VIEW_REFERENCE,
                       DutyStation.objects.select_related("country", "security_area"), pk=pk)


def duty_stations_editable(*, user: AnyUser) -> QuerySet[DutyStation]:
    return visible(user, Perm.CHANGE_DUTY_STATION, DutyStation.objects.all())


def premises_list(*, user: AnyUser, search: str = "", country: str = "",
                  duty_station: Any = None) -> QuerySet[Premises]:
    qs = visible(user, Perm.VIEW_PREMISES,
                 Premises.objects.select_related("duty_station", "duty_station__country"))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(address__icontains=search))
    if country:
        qs = qs.filter(duty_station__country__iso2=country.upper())
    if duty_station:
        qs = qs.filter(duty_station_id=duty_station)
    return qs


def premises_get(*, user: AnyUser, pk: Any) -> Premises:
    return get_visible(user, Perm.VIEW_PREMISES,
                       Premises.objects.select_related("duty_station", "duty_station__country")
                       .prefetch_related("organizations"), pk=pk)


def duty_station_features(*, stations: QuerySet[DutyStation]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: longitude first) of visible duty stations."""
    rows = stations.values_list("pk", "code", "name", "kind", "country__iso2",
                                "latitude", "longitude")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": pk,
             "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
             "properties": {"code": code, "name": name, "kind": kind, "country": iso2}}
            for pk, code, name, kind, iso2, lat, lon in rows
        ],
    }
