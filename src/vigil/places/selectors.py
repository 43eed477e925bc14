"""Reads of places, already narrowed to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from vigil.core.authz import Perm, get_visible, visible
from vigil.core.selectors import narrowed, searched
from vigil.places.models import Country, DutyStation, Premises, SecurityArea

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.places.borders import Placement


def country_list(*, user: AnyUser) -> QuerySet[Country]:
    return visible(user, Perm.VIEW_REFERENCE, Country.objects.all())


def country_placed(placed: Placement | None) -> tuple[Country, float | None] | None:
    """The country a placement by outline names (vigil.places.borders), and how many km away
    it lies when no outline held the place and the nearest country was taken (else None)."""
    country = Country.objects.filter(iso2=placed.iso2).first() if placed is not None else None
    if placed is None or country is None:
        return None
    return country, placed.distance_km if placed.fell_back else None


def country_by_code(*, user: AnyUser, code: str) -> Country:
    code = code.upper()
    field = "iso2" if len(code) == 2 else "iso3"
    return get_visible(user, Perm.VIEW_REFERENCE, Country.objects.all(), **{field: code})


def security_area_list(*, user: AnyUser, search: str = "",
                       country: str = "") -> QuerySet[SecurityArea]:
    qs = visible(user, Perm.VIEW_REFERENCE, SecurityArea.objects.select_related("country")
                 .annotate(station_count=Count("duty_stations")))
    qs = searched(qs, search, "name__icontains", "code__icontains")
    return searched(qs, country.upper(), "country__iso2", "country__iso3")


def security_area_get(*, user: AnyUser, pk: Any) -> SecurityArea:
    return get_visible(user, Perm.VIEW_REFERENCE,
                       SecurityArea.objects.select_related("country"), pk=pk)


def duty_station_list(*, user: AnyUser, search: str = "", country: str = "", kind: str = "",
                      security_area: Any = None,
                      active: bool | None = None) -> QuerySet[DutyStation]:
    qs = visible(user, Perm.VIEW_REFERENCE,
                 DutyStation.objects.select_related("country", "security_area"))
    qs = searched(qs, search, "name__icontains", "code__icontains")
    qs = searched(qs, country.upper(), "country__iso2", "country__iso3")
    return narrowed(qs, kind=kind, security_area_id=security_area or None, is_active=active)


def duty_station_get(*, user: AnyUser, pk: Any) -> DutyStation:
    return get_visible(user, Perm.VIEW_REFERENCE,
                       DutyStation.objects.select_related("country", "security_area"), pk=pk)


def duty_stations_editable(*, user: AnyUser) -> QuerySet[DutyStation]:
    return visible(user, Perm.CHANGE_DUTY_STATION, DutyStation.objects.all())


def premises_list(*, user: AnyUser, search: str = "", country: str = "",
                  duty_station: Any = None) -> QuerySet[Premises]:
    qs = visible(user, Perm.VIEW_PREMISES,
                 Premises.objects.select_related("duty_station", "duty_station__country"))
    return narrowed(searched(qs, search, "name__icontains", "address__icontains"),
                    duty_station__country__iso2=country.upper(),
                    duty_station_id=duty_station or None)


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
