"""Every write to places: one function per use case, atomic, permission-checked, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pycountry
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm
from vigil.core.errors import ErrorCode, FieldError, ValidationFailed
from vigil.core.importing import ImportReport, ImportScope, RowParser, import_records, import_rows
from vigil.core.services import record_save
from vigil.places import rules
from vigil.places.models import Country, DutyStation, Premises, SecurityArea

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

DUTY_STATION_FIELDS = {"code", "name", "country", "security_area", "latitude", "longitude",
                       "time_zone", "kind", "is_active"}
SECURITY_AREA_FIELDS = {"country", "code", "name", "boundary", "description"}
PREMISES_FIELDS = {"duty_station", "name", "address", "latitude", "longitude", "staff_capacity",
                   "visitor_capacity", "public_access"}


@transaction.atomic
def countries_sync(*, actor: AnyUser | None = None) -> int:
    """Bring the country table in line with ISO 3166-1 as pycountry ships it."""
    existing = {c.iso2: c for c in Country.objects.all()}
    created = 0
    entries = [(e.alpha_2, {"iso3": e.alpha_3, "numeric": e.numeric, "name": e.name,
                            "official_name": getattr(e, "official_name", "")})
               for e in pycountry.countries]
    entries += [(code, dict(values)) for code, values in rules.EXTRA_TERRITORIES.items()]
    for iso2, values in entries:
        country = existing.get(iso2)
        if country is None:
            Country.objects.create(iso2=iso2, **values)
            created += 1
        elif any(getattr(country, k) != v for k, v in values.items()):
            Country.objects.filter(pk=country.pk).update(**values)
    audit.record(actor=actor, action="places.country.sync", object_type="places.country",
                 changes={"created": created, "total": Country.objects.count()})
    return created


# --- Security areas ---------------------------------------------------------------------------

@transaction.atomic
def security_area_create(*, actor: AnyUser, data: dict[str, Any]) -> SecurityArea:
    return record_save(actor=actor, obj=SecurityArea(), perm=Perm.CHANGE_DUTY_STATION,
                       data=data, allowed=SECURITY_AREA_FIELDS, action="places.security_area")


@transaction.atomic
def security_area_update(*, actor: AnyUser, area: SecurityArea, data: dict[str, Any],
                         version: int | None) -> SecurityArea:
    return record_save(actor=actor, obj=area, perm=Perm.CHANGE_DUTY_STATION, data=data,
                       allowed=SECURITY_AREA_FIELDS - {"country", "code"},
                       action="places.security_area", version=version)


# --- Duty stations ----------------------------------------------------------------------------

@transaction.atomic
def duty_station_create(*, actor: AnyUser, data: dict[str, Any]) -> DutyStation:
    code = data.get("code")
    if isinstance(code, str):
        data = {**data, "code": code.upper()}
    return record_save(actor=actor, obj=DutyStation(), perm=Perm.CHANGE_DUTY_STATION,
                       data=data, allowed=DUTY_STATION_FIELDS, action="places.duty_station")


@transaction.atomic
def duty_station_update(*, actor: AnyUser, station: DutyStation, data: dict[str, Any],
                        version: int | None) -> DutyStation:
    """Moving a station to another country must be allowed in the new scope too (the
    permission is asked on the station as it was and as it will be)."""
    return record_save(actor=actor, obj=station, perm=Perm.CHANGE_DUTY_STATION, data=data,
                       allowed=DUTY_STATION_FIELDS - {"code"}, action="places.duty_station",
                       version=version)


DUTY_STATION_COLUMNS_REQUIRED = ("code", "name", "country", "latitude", "longitude",
                                 "time_zone")
DUTY_STATION_COLUMNS_OPTIONAL = ("kind", "security_area", "active")


def _country_index() -> dict[str, Country]:
    index: dict[str, Country] = {}
    for country in Country.objects.all():
        index[country.iso2] = country
        index[country.iso3] = country
    return index


def duty_stations_import(*, actor: AnyUser, data: bytes | str,
                         skip_invalid: bool = False,
                         progress: Callable[[int], None] | None = None,
                         on_total: Callable[[int], None] | None = None) -> ImportReport:
    """Create or update duty stations from CSV, matched by code. All rows or none."""
    csv_rows = import_rows(data, actor=actor, perm=Perm.IMPORT_DUTY_STATIONS,
                           required=DUTY_STATION_COLUMNS_REQUIRED,
                           optional=DUTY_STATION_COLUMNS_OPTIONAL, on_total=on_total)
    countries = _country_index()
    areas = {(a.country_id, a.code): a for a in SecurityArea.objects.all()}
    existing = {s.code: s for s in DutyStation.objects.select_related("security_area")}
    kinds = [k.value for k in DutyStation.Kind]
    scope = ImportScope(actor, Perm.IMPORT_DUTY_STATIONS,
                        _("You may not manage duty stations in this country."))

    def parse(number: int, row: dict[str, str]) -> DutyStation:
        p = RowParser(number, row)
        code = p.code("code", rules.DUTY_STATION_CODE,
                      _("2 to 12 capital letters, digits or hyphens."))
        station = scope.take(p, "code", existing.get(code), lambda: DutyStation(code=code))
        name = p.text("name", required=True, max_length=120)
        country = p.reference("country", countries,
                              _("“%(value)s” is not an ISO 3166-1 country code."))
        lat = p.number_in("latitude", -90, 90)
        lon = p.number_in("longitude", -180, 180)
        tz = p.text("time_zone", required=True)
        if tz and not rules.is_time_zone(tz):
            p.fail("time_zone", _("“%(value)s” is not an IANA time zone, such as "
                                  "Africa/Nairobi.") % {"value": tz})
        # Optional columns absent from the file leave an existing station's value alone.
        if csv_rows.has("kind"):
            station.kind = p.choice("kind", kinds, default=DutyStation.Kind.FIELD)
        if csv_rows.has("active"):
            station.is_active = p.boolean("active", default=True)
        if csv_rows.has("security_area"):
            station.security_area = None
            if row["security_area"] and country is not None:
                station.security_area = areas.get((country.pk, row["security_area"].upper()))
                if station.security_area is None:
                    p.fail("security_area", _("No security area “%(value)s” in %(country)s.")
                           % {"value": row["security_area"], "country": country.name},
                           ErrorCode.UNKNOWN_REFERENCE)
        elif (country is not None and station.security_area is not None
              and station.security_area.country_id != country.pk):
            p.fail("country", _("The station's security area belongs to another country; "
                                "give the security_area column too."))
        p.done()
        station.name, station.country = name, country  # type: ignore[assignment]
        station.latitude, station.longitude = lat, lon  # type: ignore[assignment]
        station.time_zone = tz
        scope.check(p, "country", station)
        return station

    return import_records(DutyStation, csv_rows, parse, key=lambda s: s.code,
                          key_column="code", actor=actor, batch_size=1000,
                          fields=["name", "country", "security_area", "latitude", "longitude",
                                  "time_zone", "kind", "is_active"],
                          action="places.duty_station.import", skip_invalid=skip_invalid,
                          progress=progress)


# --- Premises ---------------------------------------------------------------------------------

def _set_organizations(premises: Premises, organization_ids: list[int] | None) -> list[int]:
    """Organizations present; the relation is declared by people.Organization."""
    if organization_ids is None:
        return sorted(premises.organizations.values_list("pk", flat=True))
    model = Premises._meta.get_field("organizations").related_model
    found = set(model._default_manager.filter(pk__in=organization_ids)
                .values_list("pk", flat=True))
    missing = sorted(set(organization_ids) - found)
    if missing:
        raise ValidationFailed([FieldError(field="organizations", code=ErrorCode.UNKNOWN_REFERENCE,
                                           message=_("Unknown organization ids: %(ids)s.")
                                           % {"ids": missing})])
    premises.organizations.set(sorted(found))
    return sorted(found)


def _organizations_then(organization_ids: list[int] | None, *, creating: bool
                        ) -> Callable[[Premises], dict[str, Any]]:
    """The organizations present, written after the premises are saved, and their change for
    the audit: a new record always names them, an edit only when they change."""

    def then(premises: Premises) -> dict[str, Any]:
        before = [] if creating else sorted(premises.organizations.values_list("pk", flat=True))
        after = _set_organizations(premises, organization_ids)
        return {"organizations": [before, after]} if creating or after != before else {}

    return then


@transaction.atomic
def premises_create(*, actor: AnyUser, data: dict[str, Any],
                    organization_ids: list[int] | None = None) -> Premises:
    return record_save(actor=actor, obj=Premises(), perm=Perm.CHANGE_PREMISES, data=data,
                       allowed=PREMISES_FIELDS, action="places.premises",
                       then=_organizations_then(organization_ids or [], creating=True))


@transaction.atomic
def premises_update(*, actor: AnyUser, premises: Premises, data: dict[str, Any],
                    version: int | None, organization_ids: list[int] | None = None) -> Premises:
    return record_save(actor=actor, obj=premises, perm=Perm.CHANGE_PREMISES, data=data,
                       allowed=PREMISES_FIELDS, action="places.premises", version=version,
                       then=_organizations_then(organization_ids, creating=False))
