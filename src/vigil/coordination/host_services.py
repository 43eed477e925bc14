"""Writes of host-country cooperation: agreements and the security support the host provides
(created, edited, ended), liaison meetings, how the host's authorities handled an incident
against UN personnel (one record per incident), and the periodic engagement ratings. Each in
one transaction, checked against the actor's scope (MANAGE_HOST_COUNTRY over the country),
validated with every fault named by its field, saved against the version read, and audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.coordination import host_rules as rules
from vigil.coordination import host_selectors as selectors
from vigil.coordination.models import (
    EngagementRating,
    HostAgreement,
    HostSupport,
    IncidentHandling,
    LiaisonMeeting,
)
from vigil.core import audit
from vigil.core.authz import Perm, account, require
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

PERM = Perm.MANAGE_HOST_COUNTRY
AGREEMENT_FIELDS = {"country", "kind", "title", "reference", "signed_on", "in_force_from",
                    "in_force_until", "security_provisions"}
SUPPORT_FIELDS = {"country", "duty_station", "agreement", "kind", "provider", "description",
                  "strength", "starts_on", "ends_on", "reliable"}
MEETING_FIELDS = {"country", "held_on", "host_authority", "host_participants",
                  "un_participants", "topics", "outcome", "follow_up", "follow_up_due"}
HANDLING_FIELDS = {"reported_on", "investigation", "arrests", "prosecution", "authority",
                   "notes"}
RATING_FIELDS = {"country", "period_start", "period_end", "score", "justification"}


M = TypeVar("M", bound=Model)


def _save(*, obj: M, **kwargs: Any) -> M:
    """core.services.record_save, with one fault said once: a period that ends before it
    starts breaks a check constraint of the model too, which reports it unnamed; the fault
    named by its field is kept alone."""
    try:
        return record_save(obj=obj, **kwargs)
    except ValidationFailed as exc:
        ends = {"in_force_until", "ends_on", "period_end"}
        if any(e.field in ends for e in exc.errors):
            exc.errors = [e for e in exc.errors if e.field]
        raise


def _today() -> dt.date:
    return timezone.localdate()


def _ends_after(start: dt.date | None, end: dt.date | None, field: str) -> list[FieldError]:
    if start is not None and end is not None and end < start:
        return [FieldError(field, _("It cannot end before it starts (%(date)s).")
                           % {"date": start.isoformat()})]
    return []


def _not_future(day: dt.date | None, field: str, message: str) -> list[FieldError]:
    return [FieldError(field, message)] if day is not None and day > _today() else []


# --- Agreements -------------------------------------------------------------------------------

def _agreement_problems(row: HostAgreement) -> list[FieldError]:
    return [*_ends_after(row.in_force_from, row.in_force_until, "in_force_until"),
            *_not_future(row.signed_on, "signed_on",
                         _("An agreement cannot be signed in the future."))]


@transaction.atomic
def agreement_create(*, actor: AnyUser, data: dict[str, Any]) -> HostAgreement:
    return _save(actor=actor, obj=HostAgreement(), perm=PERM, data=data,
                       allowed=AGREEMENT_FIELDS, action="coordination.host_agreement",
                       check=_agreement_problems)


@transaction.atomic
def agreement_update(*, actor: AnyUser, agreement: HostAgreement, data: dict[str, Any],
                     version: int | None) -> HostAgreement:
    return _save(actor=actor, obj=agreement, perm=PERM, data=data,
                       allowed=AGREEMENT_FIELDS, action="coordination.host_agreement",
                       version=version, check=_agreement_problems)


def _end(actor: AnyUser, row: Any, *, start_field: str, end_field: str, on: dt.date | None,
         version: int | None, action: str) -> Any:
    require(actor, PERM, row)
    check_version(row, version)
    day = on or _today()
    current = getattr(row, end_field)
    if current is not None and current < _today():
        raise TransitionRefused(_("It ended already, on %(date)s.")
                                % {"date": current.isoformat()})
    errors = _ends_after(getattr(row, start_field), day, end_field)
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(row)
    setattr(row, end_field, day)
    save_new_version(row, [end_field])
    audit.record(actor=actor, action=action, obj=row,
                 changes=audit.diff(before, audit.snapshot(row)))
    return row


@transaction.atomic
def agreement_end(*, actor: AnyUser, agreement: HostAgreement, version: int | None,
                  on: dt.date | None = None) -> HostAgreement:
    """The agreement stops being in force after ``on`` (today by default)."""
    ended: HostAgreement = _end(actor, agreement, start_field="in_force_from",
                                end_field="in_force_until", on=on, version=version,
                                action="coordination.host_agreement.end")
    return ended


# --- Support ----------------------------------------------------------------------------------

def _support_problems(row: HostSupport) -> list[FieldError]:
    errors = _ends_after(row.starts_on, row.ends_on, "ends_on")
    station, agreement = row.duty_station, row.agreement
    if station is not None and row.country_id is not None and \
            station.country_id != row.country_id:
        errors.append(FieldError("duty_station", _("%(station)s is not in %(country)s.")
                                 % {"station": row.duty_station, "country": row.country}))
    if agreement is not None and row.country_id is not None and \
            agreement.country_id != row.country_id:
        errors.append(FieldError("agreement", _("%(agreement)s is an agreement of another "
                                                "country.") % {"agreement": row.agreement}))
    return errors


@transaction.atomic
def support_create(*, actor: AnyUser, data: dict[str, Any]) -> HostSupport:
    return _save(actor=actor, obj=HostSupport(), perm=PERM, data=data,
                       allowed=SUPPORT_FIELDS, action="coordination.host_support",
                       check=_support_problems)


@transaction.atomic
def support_update(*, actor: AnyUser, support: HostSupport, data: dict[str, Any],
                   version: int | None) -> HostSupport:
    return _save(actor=actor, obj=support, perm=PERM, data=data,
                       allowed=SUPPORT_FIELDS, action="coordination.host_support",
                       version=version, check=_support_problems)


@transaction.atomic
def support_end(*, actor: AnyUser, support: HostSupport, version: int | None,
                on: dt.date | None = None) -> HostSupport:
    """The support stops after ``on`` (today by default)."""
    ended: HostSupport = _end(actor, support, start_field="starts_on", end_field="ends_on",
                              on=on, version=version, action="coordination.host_support.end")
    return ended


# --- Liaison meetings -------------------------------------------------------------------------

def _meeting_problems(row: LiaisonMeeting) -> list[FieldError]:
    errors = _not_future(row.held_on, "held_on", _("Record a meeting once it has been held."))
    if row.follow_up_due is not None:
        if row.held_on is not None and row.follow_up_due < row.held_on:
            errors.append(FieldError("follow_up_due", _(
                "A follow-up cannot be due before the meeting (%(date)s).")
                % {"date": row.held_on.isoformat()}))
        if not row.follow_up.strip():
            errors.append(FieldError("follow_up", _("Say what is to be followed up by the "
                                                    "date given."), code=ErrorCode.REQUIRED))
    return errors


@transaction.atomic
def meeting_record(*, actor: AnyUser, data: dict[str, Any]) -> LiaisonMeeting:
    return _save(actor=actor, obj=LiaisonMeeting(recorded_by=account(actor)), perm=PERM,
                       data=data, allowed=MEETING_FIELDS,
                       action="coordination.liaison_meeting", check=_meeting_problems)


@transaction.atomic
def meeting_update(*, actor: AnyUser, meeting: LiaisonMeeting, data: dict[str, Any],
                   version: int | None) -> LiaisonMeeting:
    return _save(actor=actor, obj=meeting, perm=PERM, data=data,
                       allowed=MEETING_FIELDS, action="coordination.liaison_meeting",
                       version=version, check=_meeting_problems)


# --- Incident handling ------------------------------------------------------------------------

def _handling_problems(row: IncidentHandling) -> list[FieldError]:
    incident = row.incident
    try:
        zone = ZoneInfo(incident.time_zone or "UTC")
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    day = incident.occurred_at.astimezone(zone).date()
    facts = rules.Handling(investigation=row.investigation, prosecution=row.prosecution,
                           arrests=row.arrests if row.arrests is not None else 0,
                           reported_on=row.reported_on)
    return [FieldError(f, m) for f, m in rules.handling_problems(facts, incident_day=day,
                                                                 today=_today())]


@transaction.atomic
def handling_record(*, actor: AnyUser, incident_id: Any, data: dict[str, Any]
                    ) -> IncidentHandling:
    """How the host's authorities handled an incident against UN personnel: one record per
    incident, for an incident the actor may see, in a country where they manage host-country
    cooperation."""
    incident = selectors.incident_candidate_get(user=actor, pk=incident_id)
    if incident.country_id is None:
        raise ValidationFailed([FieldError("incident", _(
            "The incident has no country: place it first."))])
    if IncidentHandling.objects.select_for_update().filter(incident=incident).exists():
        raise ValidationFailed([FieldError("incident", _(
            "The handling of this incident is recorded already: update that record."),
            code=ErrorCode.DUPLICATE)])
    row = IncidentHandling(incident=incident, country_id=incident.country_id)
    return _save(actor=actor, obj=row, perm=PERM, data=data, allowed=HANDLING_FIELDS,
                       action="coordination.incident_handling", check=_handling_problems)


@transaction.atomic
def handling_update(*, actor: AnyUser, handling: IncidentHandling, data: dict[str, Any],
                    version: int | None) -> IncidentHandling:
    return _save(actor=actor, obj=handling, perm=PERM, data=data,
                       allowed=HANDLING_FIELDS, action="coordination.incident_handling",
                       version=version, check=_handling_problems)


# --- Engagement ratings -----------------------------------------------------------------------

def _rating_problems(row: EngagementRating) -> list[FieldError]:
    errors = _ends_after(row.period_start, row.period_end, "period_end")
    errors += _not_future(row.period_start, "period_start",
                          _("A period that has not started cannot be rated."))
    if not (row.justification or "").strip():
        errors.append(FieldError("justification", _("Say why the engagement is rated so."),
                                 code=ErrorCode.REQUIRED))
    if not errors and row.country_id is not None and row.period_start and row.period_end:
        clash = rules.overlapping(rules.Period(row.period_start, row.period_end, row.pk),
                                  selectors.rating_periods(country=row.country_id))
        if clash is not None:
            errors.append(FieldError("period_start", _(
                "This period overlaps the rating of %(period)s.") % {"period": clash},
                code=ErrorCode.DUPLICATE))
    return errors


@transaction.atomic
def rating_record(*, actor: AnyUser, data: dict[str, Any]) -> EngagementRating:
    """A rating of the host government's engagement over one period, with its reasons."""
    return _save(actor=actor, obj=EngagementRating(rated_by=account(actor)), perm=PERM,
                       data=data, allowed=RATING_FIELDS,
                       action="coordination.engagement_rating", check=_rating_problems)


@transaction.atomic
def rating_update(*, actor: AnyUser, rating: EngagementRating, data: dict[str, Any],
                  version: int | None) -> EngagementRating:
    return _save(actor=actor, obj=rating, perm=PERM, data=data, allowed=RATING_FIELDS,
                       action="coordination.engagement_rating", version=version,
                       check=_rating_problems)
