"""Writes of the accountability framework: recording, editing and ending appointments, and
configuring the role requirements of the gap board. Each in one transaction, checked against
the actor's scope and against who may appoint which function (accountability_rules), audited.

An appointment carries the access its function needs: recording it grants the function's role
over the appointment's place (core.services.role_grant_create, as a consequence of the
authorised appointment, so the grant's actor is Vigil itself), unless the appointee holds that
access already, which is then left alone. Ending the appointment revokes the grant it made, or,
for an end still to come, sets the grant to expire after the last day."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.coordination import accountability_rules as rules
from vigil.coordination.models import Appointment, PlaceLevel, RoleRequirement
from vigil.coordination.models.accountability import PLACE_SCOPE
from vigil.core import audit
from vigil.core.authz import (
    ROLE_PERMISSIONS,
    Perm,
    Role,
    ScopeKind,
    account,
    forget_grants,
    grants_of,
    holds_globally,
    require,
    resolve_path,
)
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.models import RoleGrant
from vigil.core.services import record_save, role_grant_create, role_grant_revoke
from vigil.core.validation import assign, check_version, save_new_version, validate

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CREATE_FIELDS = {"function", "user", "organization", "country", "security_area",
                 "duty_station", "zone", "starts_on", "ends_on", "reference"}
UPDATE_FIELDS = {"reference", "organization", "zone"}
REQUIREMENT_FIELDS = {"minimum", "from_security_level", "active"}


def appointing_roles(user: AnyUser, appointment: Appointment) -> set[Role]:
    """The roles through which the user may record appointments in this appointment's place:
    those that give MANAGE_APPOINTMENTS over a scope covering it."""
    found: set[Role] = set()
    for grant in grants_of(user):
        if Perm.MANAGE_APPOINTMENTS not in ROLE_PERMISSIONS[grant.role]:
            continue
        if grant.scope_kind is ScopeKind.GLOBAL:
            found.add(grant.role)
            continue
        path = PLACE_SCOPE.get(grant.scope_kind)
        if path is not None and resolve_path(appointment, path) == grant.scope_id:
            found.add(grant.role)
    return found


def may_manage(user: AnyUser, appointment: Appointment) -> bool:
    """May the user record, change or end this appointment? For pages; the services decide
    the same."""
    return rules.may_appoint(appointing_roles(user, appointment), appointment.function)


def may_fill(user: AnyUser, gap: rules.Gap) -> bool:
    """May the user record the appointment that fills this gap of the gap board?"""
    place = gap.place
    probe = Appointment(
        function=gap.function, country_id=place.country_id,
        security_area_id=place.pk if place.level == PlaceLevel.SECURITY_AREA else None,
        duty_station_id=place.pk if place.level == PlaceLevel.DUTY_STATION else None)
    return may_manage(user, probe)


def _require_may_appoint(actor: AnyUser, appointment: Appointment) -> None:
    require(actor, Perm.MANAGE_APPOINTMENTS, appointment)
    roles = appointing_roles(actor, appointment)
    if not rules.may_appoint(roles, appointment.function):
        raise Forbidden(rules.refusal(roles, appointment.function))


def _problems(appointment: Appointment) -> list[FieldError]:
    errors = [FieldError(field, message) for field, message in rules.place_problems(
        appointment.function, security_area_id=appointment.security_area_id,
        duty_station_id=appointment.duty_station_id, zone=appointment.zone or "")]
    country_id = appointment.country_id
    area, station = appointment.security_area, appointment.duty_station
    if area is not None and area.country_id != country_id:
        errors.append(FieldError("security_area", _("This security area is in another "
                                                    "country.")))
    if station is not None and station.country_id != country_id:
        errors.append(FieldError("duty_station", _("This duty station is in another "
                                                   "country.")))
    if station is not None and area is not None and station.security_area_id != area.pk:
        errors.append(FieldError("security_area", _(
            "The duty station lies in another security area: leave the area empty.")))
    if appointment.starts_on and appointment.ends_on and \
            appointment.ends_on < appointment.starts_on:
        errors.append(FieldError("ends_on", _("The appointment cannot end before it starts "
                                              "(%(date)s).")
                                 % {"date": appointment.starts_on.isoformat()}))
    if appointment.function in rules.SOLE_HOLDER and appointment.country_id and \
            appointment.starts_on:
        others = Appointment.objects.filter(function=appointment.function,
                                            country_id=country_id).exclude(pk=appointment.pk)
        clash = rules.overlap(
            rules.Period(appointment.pk, appointment.starts_on, appointment.ends_on),
            [rules.Period(o.pk, o.starts_on, o.ends_on) for o in others])
        if clash is not None:
            holder = others.select_related("user").get(pk=clash.pk or 0).user
            errors.append(FieldError("starts_on", _(
                "%(holder)s holds this function in this country from %(start)s until "
                "%(end)s: one person at a time. End that appointment first.") % {
                "holder": holder.get_full_name() or holder.get_username(),
                "start": clash.starts_on.isoformat(),
                "end": clash.ends_on.isoformat() if clash.ends_on else _("further notice")},
                code=ErrorCode.DUPLICATE))
    return errors


def _expiry(last_day: dt.date) -> dt.datetime:
    """The moment access ends for a function held until ``last_day`` inclusive."""
    return timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1),
                                                   dt.time.min))


def _grant(appointment: Appointment) -> dict[str, Any]:
    """Give the appointee the function's access, unless they hold it already."""
    role, kind, scope_id = rules.grant_for(
        appointment.function, country_id=appointment.country_id,
        security_area_id=appointment.security_area_id,
        duty_station_id=appointment.duty_station_id)
    existing = RoleGrant.objects.in_force().filter(user_id=appointment.user_id, role=role,
                                                   scope_kind=kind, scope_id=scope_id).first()
    if existing is not None:
        return {"grant": [None, f"existing #{existing.pk}"]}
    grant = role_grant_create(
        actor=None, user=appointment.user, role=role.value, scope_kind=kind.value,
        scope_id=scope_id,
        expires_at=_expiry(appointment.ends_on) if appointment.ends_on else None,
        note=_("Appointment #%(id)s: %(function)s") % {
            "id": appointment.pk, "function": appointment.get_function_display()})
    appointment.grant = grant
    appointment.save(update_fields=["grant"])
    return {"grant": [None, grant.pk]}


@transaction.atomic
def appointment_create(*, actor: AnyUser, data: dict[str, Any]) -> Appointment:
    """Record that a user holds a security function in a place from a day (and until a day,
    if known), with the access the function needs."""
    appointment = Appointment(appointed_by=account(actor))
    assign(appointment, data, CREATE_FIELDS)
    if appointment.function and appointment.country_id:
        _require_may_appoint(actor, appointment)
    else:
        require(actor, Perm.MANAGE_APPOINTMENTS, appointment)
    validate(appointment, extra=_problems(appointment) if appointment.function and
             appointment.country_id else None)
    appointment.save()
    changes = audit.diff({}, audit.snapshot(appointment))
    changes.update(_grant(appointment))
    audit.record(actor=actor, action="coordination.appointment.create", obj=appointment,
                 changes=changes)
    return appointment


@transaction.atomic
def appointment_update(*, actor: AnyUser, appointment: Appointment, data: dict[str, Any],
                       version: int | None) -> Appointment:
    """Change the letter's reference, the organization represented or a zone warden's zone.
    The function, person and place are the appointment itself: end it and record another."""
    _require_may_appoint(actor, appointment)
    return record_save(actor=actor, obj=appointment, perm=Perm.MANAGE_APPOINTMENTS, data=data,
                       allowed=UPDATE_FIELDS, action="coordination.appointment",
                       version=version, check=_problems)


@transaction.atomic
def appointment_end(*, actor: AnyUser, appointment: Appointment, ends_on: dt.date | None,
                    reason: str, version: int | None) -> Appointment:
    """The function is held until ``ends_on`` inclusive. The access the appointment gave ends
    with it: revoked now for a day already past, set to expire after a day still to come."""
    _require_may_appoint(actor, appointment)
    check_version(appointment, version)
    errors = [FieldError(f, m) for f, m in rules.ending_problems(
        starts_on=appointment.starts_on, ends_on=ends_on, already_ended=appointment.ends_on)]
    if not reason.strip():
        errors.append(FieldError("end_reason", _("Say why the appointment ends."),
                                 code=ErrorCode.REQUIRED))
    elif len(reason) > 200:
        errors.append(FieldError("end_reason", _("At most 200 characters.")))
    if errors:
        raise ValidationFailed(errors)
    assert ends_on is not None  # noqa: S101 - ending_problems refuses an empty day
    before = audit.snapshot(appointment)
    appointment.ends_on, appointment.end_reason = ends_on, reason.strip()
    grant = appointment.grant
    changes: dict[str, Any] = {}
    if grant is not None:
        if ends_on < timezone.localdate():
            role_grant_revoke(actor=None, grant=grant)
            appointment.grant = None
            changes["grant"] = [grant.pk, None]
        else:
            expires = _expiry(ends_on)
            changes["grant_expires_at"] = [audit.jsonable(grant.expires_at),
                                           audit.jsonable(expires)]
            grant.expires_at = expires
            grant.save(update_fields=["expires_at", "updated_at"])
            forget_grants(grant.user)
    save_new_version(appointment, ["ends_on", "end_reason", "grant"])
    changes.update(audit.diff(before, audit.snapshot(appointment)))
    changes.pop("version", None)
    audit.record(actor=actor, action="coordination.appointment.end", obj=appointment,
                 changes=changes)
    return appointment


@transaction.atomic
def requirement_update(*, actor: AnyUser, requirement: RoleRequirement,
                       data: dict[str, Any], version: int | None) -> RoleRequirement:
    """Change how many holders a function needs in each place of a level, from which
    security level, or whether it applies at all. Global configurers only."""
    if not holds_globally(actor, Perm.CONFIGURE_COORDINATION):
        raise Forbidden()
    return record_save(actor=actor, obj=requirement, perm=Perm.CONFIGURE_COORDINATION,
                       data=data, allowed=REQUIREMENT_FIELDS,
                       action="coordination.role_requirement", version=version)


def may_configure(user: AnyUser) -> bool:
    return holds_globally(user, Perm.CONFIGURE_COORDINATION)


def may_record_somewhere(user: AnyUser) -> frozenset[str]:
    """The functions the user may record in some place: for the form's choices."""
    return rules.appointable(g.role for g in grants_of(user)
                             if Perm.MANAGE_APPOINTMENTS in ROLE_PERMISSIONS[g.role])

