"""Writes to incidents: recording, amending, the people and assets affected. Each in one
transaction, checked against the recorder's scope, and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account_or_none, require
from vigil.core.errors import FieldError, ValidationFailed
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.incidents.models import (
    IMPACT_FIELDS,
    AffectedAsset,
    AffectedPerson,
    Incident,
)
from vigil.places import borders
from vigil.places.geo import area_at
from vigil.places.selectors import country_placed

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

INCIDENT_FIELDS = {"category", "subcategory", "title", "occurred_at", "time_zone",
                   "date_approximate", "country", "security_area", "duty_station", "place",
                   "latitude", "longitude", "area_geometry", "description", "source",
                   "verification", "organization", *IMPACT_FIELDS}
# Written by Vigil when it finds the country, never given.
PLACEMENT_FIELDS = {"country_basis", "country_distance_km"}
# An incident may be recorded a little ahead of the server's clock (a phone's clock), no more.
FUTURE_SLACK = dt.timedelta(minutes=15)


def _problems(incident: Incident) -> list[FieldError]:
    """The rules the model's own validation does not know, each on its field."""
    errors = []
    if incident.country_id is None and incident.duty_station_id is None:
        errors.append(FieldError("country", _(
            "No country outline holds the point, nor lies within %(km)s km of it: choose "
            "the country.") % {"km": round(borders.FALLBACK_KM)}
            if incident.latitude is not None and incident.longitude is not None else _(
            "Give the country, a duty station, or the point (latitude and longitude).")))
    if (incident.latitude is None) != (incident.longitude is None):
        errors.append(FieldError("longitude" if incident.longitude is None else "latitude",
                                 _("Give both the latitude and the longitude, or neither.")))
    if incident.category_id and incident.subcategory_id and incident.subcategory and \
            incident.subcategory.parent_id != incident.category_id:
        errors.append(FieldError("subcategory", _("“%(sub)s” is not a kind of %(cat)s.") % {
            "sub": incident.subcategory.label, "cat": incident.category.label}))
    if incident.category_id and incident.category.parent_id is not None:
        errors.append(FieldError("category", _("Choose a category, not a subcategory.")))
    if incident.occurred_at and incident.occurred_at > timezone.now() + FUTURE_SLACK:
        errors.append(FieldError("occurred_at", _("An incident cannot happen in the future.")))
    for field, key in (("security_area", "security_area"), ("duty_station", "duty_station")):
        place = getattr(incident, field)
        if place is not None and incident.country_id and place.country_id != incident.country_id:
            errors.append(FieldError(key, _("%(place)s is not in %(country)s.") % {
                "place": place, "country": incident.country}))
    return errors


def _validated(incident: Incident) -> None:
    """Every fault at once: Vigil's rules first (their words win on a field), then the
    model's."""
    errors = _problems(incident)
    named = {e.field for e in errors}
    try:
        validate(incident, exclude=["reported_by", *named])
    except ValidationFailed as exc:
        errors += [e for e in exc.errors if e.field not in named]
    if errors:
        raise ValidationFailed(errors)


def place_incident(incident: Incident) -> None:
    """Without a country given, fill it from the duty station, else from the country outline
    that holds the point (the nearest country within 50 km when none does, and the record
    says how far: vigil.places.borders); then the security area from the point. Duty
    stations never place a point. Records how the country was found."""
    station, country = incident.duty_station, incident.country
    if country is None and station is not None:
        incident.country_id = station.country_id
        incident.country_basis = Incident.CountryBasis.STATION
        incident.country_distance_km = None
        country = incident.country
    if country is None and incident.latitude is not None and incident.longitude is not None:
        found = country_placed(borders.country_at(incident.latitude, incident.longitude))
        if found is not None:
            incident.country, incident.country_distance_km = found
            incident.country_basis = Incident.CountryBasis.POINT
            country = incident.country
    if incident.security_area_id is None and country is not None and \
            incident.latitude is not None and incident.longitude is not None:
        incident.security_area = area_at(country, incident.latitude, incident.longitude)
    if incident.security_area_id is None and station is not None:
        incident.security_area_id = station.security_area_id


def _raise_totals(incident: Incident) -> list[str]:
    """Totals never fall below the named people of each impact."""
    named: dict[str, int] = {}
    for impact in incident.affected_people.values_list("impact", flat=True):
        named[impact] = named.get(impact, 0) + 1
    raised = []
    for impact, count in named.items():
        if getattr(incident, impact) < count:
            setattr(incident, impact, count)
            raised.append(impact)
    return raised


@transaction.atomic
def incident_create(*, actor: AnyUser, data: dict[str, Any]) -> Incident:
    incident = Incident(reported_by=account_or_none(actor))
    assign(incident, data, INCIDENT_FIELDS)
    place_incident(incident)
    _validated(incident)  # faults first: they say what to fix; the scope check says no
    require(actor, Perm.RECORD_INCIDENT, incident)
    incident.save()
    audit.record(actor=actor, action="incidents.incident.create", obj=incident,
                 changes=audit.diff({}, audit.snapshot(incident)))
    return incident


@transaction.atomic
def incident_update(*, actor: AnyUser, incident: Incident, data: dict[str, Any],
                    version: int | None) -> Incident:
    require(actor, Perm.RECORD_INCIDENT, incident)
    check_version(incident, version)
    before = audit.snapshot(incident)
    moved = {"latitude", "longitude", "country"} & {k for k, v in data.items()
                                                    if v != getattr(incident, k, None)}
    old_area, old_country = incident.security_area, incident.country_id
    assign(incident, data, INCIDENT_FIELDS)
    if incident.country_id != old_country:
        incident.country_basis, incident.country_distance_km = "", None  # chosen, not found
    elif moved and incident.country_basis == Incident.CountryBasis.POINT:
        incident.country = None  # found from the point: found again from the new one
    if moved and incident.security_area == old_area:
        incident.security_area = None  # found again from the new point, unless one was chosen
    place_incident(incident)
    _validated(incident)
    require(actor, Perm.RECORD_INCIDENT, incident)
    _raise_totals(incident)
    save_new_version(incident, sorted(INCIDENT_FIELDS | PLACEMENT_FIELDS))
    audit.record(actor=actor, action="incidents.incident.update", obj=incident,
                 changes=audit.diff(before, audit.snapshot(incident)))
    return incident


def _touch(incident: Incident, raised: list[str]) -> None:
    incident.version += 1
    incident.save(update_fields=["version", "updated_at", *raised])


@transaction.atomic
def affected_person_add(*, actor: AnyUser, incident: Incident, person: Any,
                        dependant: Any = None, impact: str, note: str = "") -> AffectedPerson:
    require(actor, Perm.RECORD_INCIDENT, incident)
    if dependant is not None and dependant.person_id != person.pk:
        # No name: the dependant may be someone the actor may not see.
        raise ValidationFailed([FieldError("dependant", _(
            "Not a dependant of this staff member."))])
    exists = incident.affected_people.filter(person=person, dependant=dependant).exists()
    if exists:
        raise ValidationFailed([FieldError("person", _(
            "%(name)s is already listed on this incident.") % {"name": dependant or person})])
    row = AffectedPerson(incident=incident, person=person, dependant=dependant, impact=impact,
                         note=note.strip())
    validate(row)
    row.save()
    _touch(incident, _raise_totals(incident))
    audit.record(actor=actor, action="incidents.person.add", obj=incident,
                 changes={"person": [None, str(dependant or person)], "impact": [None, impact]})
    return row


@transaction.atomic
def affected_person_remove(*, actor: AnyUser, row: AffectedPerson) -> None:
    _remove(actor, row, "incidents.person.remove", lambda: {
        "person": [str(row.dependant or row.person), None], "impact": [row.impact, None]})


def _remove(actor: AnyUser, row: AffectedPerson | AffectedAsset, action: str,
            changes: Callable[[], dict[str, Any]]) -> None:
    """Take a person or an asset off an incident the actor may record: the incident's
    version counts up, and one event says what was taken off."""
    incident = row.incident
    require(actor, Perm.RECORD_INCIDENT, incident)
    audit.record(actor=actor, action=action, obj=incident, changes=changes())
    row.delete()
    _touch(incident, [])


@transaction.atomic
def affected_asset_add(*, actor: AnyUser, incident: Incident, data: dict[str, Any]
                       ) -> AffectedAsset:
    require(actor, Perm.RECORD_INCIDENT, incident)
    row = AffectedAsset(incident=incident)
    assign(row, data, {"premises", "asset", "damage", "note"})
    if row.premises_id is None and not row.asset.strip():
        raise ValidationFailed([FieldError("asset", _("Name the premises or the asset."))])
    if row.premises is not None and \
            row.premises.duty_station.country_id != incident.country_id:
        raise ValidationFailed([FieldError("premises", _(
            "%(premises)s is not in the incident's country.") % {"premises": row.premises})])
    validate(row)
    row.save()
    _touch(incident, [])
    audit.record(actor=actor, action="incidents.asset.add", obj=incident,
                 changes={"asset": [None, str(row)], "damage": [None, row.damage]})
    return row


@transaction.atomic
def affected_asset_remove(*, actor: AnyUser, row: AffectedAsset) -> None:
    _remove(actor, row, "incidents.asset.remove", lambda: {"asset": [str(row), None]})
