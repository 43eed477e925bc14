"""Writes of crisis management: declaring a crisis and taking its headcount, accounting for
people, the team and the running log, closing, and broadcasting. Each in one transaction,
checked against the actor's scope, and audited. Sending happens after commit, in
crisis.delivery, from the Delivery rows written here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, account_or_none, can, require, users_with_perm
from vigil.core.errors import FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.crisis import headcount
from vigil.crisis import zone as zones
from vigil.crisis.models import (
    AccountEntry,
    AccountStatus,
    Broadcast,
    Crisis,
    CrisisMember,
    Delivery,
    LogEntry,
    ScheduledCheckIn,
    WebhookEndpoint,
)
from vigil.crisis.rules import ACCOUNTED
from vigil.crisis.selectors import answering_entries
from vigil.incidents.models import Incident
from vigil.people.models import Dependant, Person
from vigil.places import borders
from vigil.places.geo import area_at
from vigil.places.models import SecurityArea
from vigil.places.selectors import country_placed

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CRISIS_FIELDS = {"title", "description", "country", "security_area", "incident_at",
                 "zone_kind", "center_latitude", "center_longitude", "radius_km", "polygon",
                 "window_start", "window_end"}
EDITABLE_FIELDS = {"title", "description"}
DEFAULT_WINDOW_AFTER = dt.timedelta(hours=24)
BATCH = 2000


def crisis_url(crisis: Crisis) -> str:
    from django.urls import reverse

    return reverse("crisis:crisis_detail", args=[crisis.pk])


def _log(crisis: Crisis, text: str, *, author: AnyUser | None = None,
         kind: str = LogEntry.Kind.SYSTEM, at: dt.datetime | None = None) -> LogEntry:
    return LogEntry.objects.create(crisis=crisis, text=text, kind=kind,
                                   at=at or timezone.now(), author=account_or_none(author))


def _name(user: User | None) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "Vigil"


# --- Declaration ---------------------------------------------------------------------------------

@transaction.atomic
def crisis_declare(*, actor: AnyUser, data: dict[str, Any], areas: Sequence[SecurityArea] = (),
                   incident: Incident | None = None, now: dt.datetime | None = None) -> Crisis:
    """Activate crisis management: record the crisis, its zone and window, make the actor
    its lead, and take the headcount of everyone presumed in the zone."""
    now = now or timezone.now()
    lead = account(actor)
    crisis = Crisis(declared_by=lead, activated_at=now, incident=incident)
    assign(crisis, data, CRISIS_FIELDS)
    if incident is not None:
        crisis.incident_at = crisis.incident_at or incident.occurred_at
        if not crisis.country_id and incident.country_id is not None:
            crisis.country_id = incident.country_id
        crisis.security_area_id = crisis.security_area_id or incident.security_area_id
        if zones.kind_of(crisis.zone_kind).centred and crisis.center_latitude is None \
                and incident.latitude is not None:
            crisis.center_latitude, crisis.center_longitude = incident.latitude, \
                incident.longitude
    crisis.incident_at = crisis.incident_at or now
    crisis.window_start = crisis.window_start or crisis.incident_at
    crisis.window_end = crisis.window_end or max(now, crisis.window_start) + \
        DEFAULT_WINDOW_AFTER
    if crisis.country_id is None and areas:
        crisis.country_id = areas[0].country_id
    zone = zones.zone_of(crisis, areas)
    fell_back = _place(crisis, zone)
    errors = zone.problems()
    if crisis.incident_at > now:
        errors.append(FieldError("incident_at", _(
            "The incident cannot be later than the activation (now).")))
    if crisis.window_end <= crisis.window_start:
        errors.append(FieldError("window_end", _("The window must end after it starts.")))
    if crisis.window_end - crisis.window_start > dt.timedelta(days=31):
        errors.append(FieldError("window_end", _("A window is at most 31 days long.")))
    for area in areas:
        if not can(actor, Perm.DECLARE_CRISIS, Crisis(country_id=area.country_id,
                                                        security_area_id=area.pk)):
            errors.append(FieldError("areas", _("%(area)s is outside your scope.") % {
                "area": area}))
    if crisis.country_id is None:
        errors.append(FieldError("country", _(
            "No country outline holds the zone, nor lies within %(km)s km of it: choose the "
            "country.") % {"km": round(borders.FALLBACK_KM)}))
    if errors:
        raise ValidationFailed(errors)
    require(actor, Perm.DECLARE_CRISIS, crisis)
    validate(crisis, exclude=["declared_by", "areas"])
    crisis.save()
    if zone.areas:
        crisis.areas.set(zone.areas)
    if fell_back is not None:
        _log(crisis, _("No country outline holds the zone: country taken as the nearest, "
                       "%(country)s, %(km)s km away.") % {"country": crisis.country,
                                                          "km": fell_back}, at=now)
    CrisisMember.objects.create(crisis=crisis, user=lead, role=CrisisMember.Role.LEAD)
    count = take_headcount(crisis)
    _log(crisis, _("Crisis declared by %(user)s; %(count)s people presumed in the zone.") % {
        "user": _name(lead), "count": count}, author=actor, at=now)
    audit.record(actor=actor, action="crisis.crisis.declare", obj=crisis,
                 changes={**audit.diff({}, audit.snapshot(crisis)),
                          "areas": [None, [str(a) for a in areas]], "headcount": [None, count]})
    recipients = [u for u in users_with_perm(Perm.MANAGE_CRISIS, crisis) if u.pk != actor.pk]
    notify(users=recipients, subject=Msg(gettext_lazy("Crisis declared: %(title)s"),
                                         title=crisis.title),
           body=crisis.description, url=crisis_url(crisis))
    return crisis


def _place(crisis: Crisis, zone: zones.Zone) -> float | None:
    """Without a country given, the crisis belongs to the country whose outline holds the
    zone (vigil.places.borders; never the nearest duty station): the centre of a circle, most
    of a polygon. Its security area is the one whose boundary holds the zone's centre. Returns
    the distance to the country taken when no outline held the zone and the nearest country
    (within 50 km) was taken, else None."""
    centre = zone.centre()
    if centre is None:
        return None
    fell_back = None
    found = country_placed(zone.placement()) if crisis.country_id is None else None
    if found is not None:
        crisis.country, fell_back = found
    if crisis.security_area_id is None and crisis.country_id is not None:
        crisis.security_area = area_at(crisis.country, *centre)
    return fell_back


def take_headcount(crisis: Crisis) -> int:
    """Add an entry for everyone presumed in the zone during the window who has none yet.
    Returns how many were added. Entries already there keep their status."""
    found = zones.presumed_in(zones.zone_of(crisis), crisis.window_start, crisis.window_end)
    have = set(crisis.entries.values_list("person_id", "dependant_id"))
    return headcount.entries_write(crisis.pk, [w for w in found if w.key not in have])


@transaction.atomic
def headcount_refresh(*, actor: AnyUser, crisis: Crisis) -> int:
    """Read the zone again (trips cleared since, people moved): add those now presumed in it."""
    require(actor, Perm.MANAGE_CRISIS, crisis)
    _require_active(crisis)
    added = take_headcount(crisis)
    _log(crisis, _("Headcount read again: %(count)s people added.") % {"count": added},
         author=actor)
    audit.record(actor=actor, action="crisis.headcount.refresh", obj=crisis,
                 changes={"added": [None, added]})
    return added


def _require_active(crisis: Crisis) -> None:
    if crisis.status != Crisis.Status.ACTIVE:
        raise TransitionRefused(_("This crisis is closed."))


@transaction.atomic
def crisis_update(*, actor: AnyUser, crisis: Crisis, data: dict[str, Any],
                  version: int | None) -> Crisis:
    """Edit the crisis's title and description."""
    return record_save(actor=actor, obj=crisis, perm=Perm.MANAGE_CRISIS, data=data,
                       allowed=EDITABLE_FIELDS, action="crisis.crisis", version=version)


@transaction.atomic
def crisis_close(*, actor: AnyUser, crisis: Crisis, note: str, version: int | None) -> Crisis:
    require(actor, Perm.MANAGE_CRISIS, crisis)
    check_version(crisis, version)
    _require_active(crisis)
    if not note.strip():
        raise ValidationFailed([FieldError("closure_note", _(
            "Say why the crisis is closed and what remains to do."))])
    crisis.status = Crisis.Status.CLOSED
    crisis.closed_at = timezone.now()
    closer = account(actor)
    crisis.closed_by = closer
    crisis.closure_note = note.strip()
    save_new_version(crisis, ["status", "closed_at", "closed_by", "closure_note"])
    unaccounted = crisis.entries.exclude(status__in=ACCOUNTED).count()
    _log(crisis, _("Crisis closed by %(user)s; %(n)s people not accounted for.") % {
        "user": _name(closer), "n": unaccounted}, author=actor)
    audit.record(actor=actor, action="crisis.crisis.close", obj=crisis,
                 changes={"status": [Crisis.Status.ACTIVE, Crisis.Status.CLOSED],
                          "closure_note": [None, crisis.closure_note],
                          "unaccounted": [None, unaccounted]})
    return crisis


# --- Team and log --------------------------------------------------------------------------------

@transaction.atomic
def member_add(*, actor: AnyUser, crisis: Crisis, user: User, role: str,
               duty: str = "") -> CrisisMember:
    require(actor, Perm.MANAGE_CRISIS, crisis)
    _require_active(crisis)
    if crisis.members.filter(user=user).exists():
        raise ValidationFailed([FieldError("user", _("%(user)s is already on the team.") % {
            "user": user})])
    if not can(user, Perm.VIEW_CRISIS, crisis):
        raise ValidationFailed([FieldError("user", _(
            "%(user)s holds no role that shows this crisis; grant one first.") % {
                "user": user})])
    member = CrisisMember(crisis=crisis, user=user, role=role, duty=duty.strip())
    validate(member)
    member.save()
    _log(crisis, _("%(user)s joined the team as %(role)s.") % {
        "user": _name(user), "role": member.get_role_display()}, author=actor)
    audit.record(actor=actor, action="crisis.member.add", obj=crisis,
                 changes={"member": [None, str(user)], "role": [None, role]})
    notify(users=[user], subject=Msg(gettext_lazy("You are on the crisis team: %(title)s"),
                                     title=crisis.title), url=crisis_url(crisis))
    return member


@transaction.atomic
def member_remove(*, actor: AnyUser, member: CrisisMember) -> None:
    crisis = member.crisis
    require(actor, Perm.MANAGE_CRISIS, crisis)
    _require_active(crisis)
    if member.role == CrisisMember.Role.LEAD and \
            crisis.members.filter(role=CrisisMember.Role.LEAD).count() == 1:
        raise TransitionRefused(_("A crisis keeps a lead: name another lead first."))
    _log(crisis, _("%(user)s left the team.") % {"user": _name(member.user)}, author=actor)
    audit.record(actor=actor, action="crisis.member.remove", obj=crisis,
                 changes={"member": [str(member.user), None]})
    member.delete()


def _log_writer(user: AnyUser, crisis: Crisis) -> bool:
    """The crisis's managers, and the members of its team."""
    member = account_or_none(user)
    return can(user, Perm.MANAGE_CRISIS, crisis) or (
        member is not None and crisis.members.filter(user=member).exists())


def may_write_log(user: AnyUser, crisis: Crisis) -> bool:
    return crisis.status == Crisis.Status.ACTIVE and _log_writer(user, crisis)


@transaction.atomic
def log_add(*, actor: AnyUser, crisis: Crisis, text: str, kind: str = LogEntry.Kind.NOTE,
            at: dt.datetime | None = None) -> LogEntry:
    if not _log_writer(actor, crisis):
        raise Forbidden()
    _require_active(crisis)
    if not text.strip():
        raise ValidationFailed([FieldError("text", _("Write the entry."))])
    if kind not in {LogEntry.Kind.NOTE, LogEntry.Kind.DECISION}:
        raise ValidationFailed([FieldError("kind", _("Choose a note or a decision."))])
    now = timezone.now()
    if at is not None and at > now + dt.timedelta(minutes=5):
        raise ValidationFailed([FieldError("at", _("A log entry cannot be in the future."))])
    entry = _log(crisis, text.strip(), author=actor, kind=kind, at=at or now)
    audit.record(actor=actor, action="crisis.log.add", obj=crisis,
                 changes={"log": [None, entry.text[:200]], "kind": [None, kind]})
    return entry


# --- Accountability ------------------------------------------------------------------------------

@transaction.atomic
def entry_update(*, actor: AnyUser, entry: AccountEntry, status: str, note: str = "",
                 version: int | None = None) -> AccountEntry:
    require(actor, Perm.ACCOUNT_FOR, entry)
    _require_active(entry.crisis)
    check_version(entry, version)
    if status not in AccountStatus.values:
        raise ValidationFailed([FieldError("status", _("Choose a status from the list."))])
    before = entry.status
    headcount.status_write([entry], status, at=timezone.now(), by=account_or_none(actor),
                           note=note.strip())
    audit.record(actor=actor, action="crisis.entry.update", obj=entry,
                 changes={"status": [before, status], "note": [None, note.strip() or None]})
    headcount.alarm(entry, status, note)
    return entry


@transaction.atomic
def entry_add(*, actor: AnyUser, crisis: Crisis, person: Person,
              dependant: Dependant | None = None, status: str = AccountStatus.UNKNOWN,
              place: str = "", note: str = "") -> AccountEntry:
    """Add someone found later: not presumed in the zone, yet there."""
    entry = AccountEntry(crisis=crisis, person=person, dependant=dependant,
                         organization_id=person.organization_id,
                         duty_station_id=person.duty_station_id, place=place.strip()[:200],
                         basis=AccountEntry.Basis.ADDED)
    require(actor, Perm.ACCOUNT_FOR, entry)  # before anything says who is on the headcount
    _require_active(crisis)
    if dependant is not None and dependant.person_id != person.pk:
        # No name: the dependant may be someone the actor may not see.
        raise ValidationFailed([FieldError("dependant", _(
            "Not a dependant of this staff member."))])
    if crisis.entries.filter(person=person, dependant=dependant).exists():
        raise ValidationFailed([FieldError("person", _(
            "%(name)s is already on the headcount.") % {"name": dependant or person})])
    if status not in AccountStatus.values:
        raise ValidationFailed([FieldError("status", _("Choose a status from the list."))])
    entry.save()
    headcount.status_write([entry], status, at=timezone.now(), by=account_or_none(actor),
                           note=note.strip())
    audit.record(actor=actor, action="crisis.entry.add", obj=entry,
                 changes={"person": [None, str(dependant or person)], "status": [None, status]})
    headcount.alarm(entry, status, note)
    return entry


# --- Broadcasts ----------------------------------------------------------------------------------

AUDIENCE_KEYS = {"statuses", "organizations", "duty_stations", "countries", "entries"}


def audience_people(crisis: Crisis | None, audience: dict[str, Any]) -> QuerySet[Person]:
    """The staff members a broadcast goes to. For a crisis: the people on its headcount
    (a dependant's message goes to the staff member), narrowed by status and organization.
    Without a crisis: staff members by country, duty station and organization."""
    people = Person.objects.exclude(status=Person.Status.SEPARATED)
    if crisis is not None:
        entries = crisis.entries.all()
        if audience.get("statuses"):
            entries = entries.filter(status__in=audience["statuses"])
        if audience.get("entries"):
            entries = entries.filter(pk__in=audience["entries"])
        people = people.filter(pk__in=entries.values("person_id"))
    elif not (audience.get("countries") or audience.get("duty_stations")):
        return people.none()
    if audience.get("organizations"):
        people = people.filter(organization__code__in=audience["organizations"])
    if audience.get("duty_stations"):
        people = people.filter(duty_station__code__in=audience["duty_stations"])
    if audience.get("countries"):
        people = people.filter(duty_station__country__iso2__in=audience["countries"])
    return people


def _audience_problems(crisis: Crisis | None, audience: dict[str, Any]) -> list[FieldError]:
    errors = []
    unknown = set(audience) - AUDIENCE_KEYS
    if unknown:
        errors.append(FieldError("audience", _("Unknown filter: %(names)s.") % {
            "names": ", ".join(sorted(unknown))}))
    bad = set(audience.get("statuses") or []) - set(AccountStatus.values)
    if bad:
        errors.append(FieldError("audience.statuses", _("Unknown status: %(names)s.") % {
            "names": ", ".join(sorted(bad))}))
    if crisis is None and not (audience.get("countries") or audience.get("duty_stations")):
        errors.append(FieldError("audience", _(
            "Outside a crisis, name the countries or duty stations to write to.")))
    return errors


def _require_broadcaster(actor: AnyUser, crisis: Crisis | None,
                         people: QuerySet[Person]) -> None:
    if crisis is not None:
        require(actor, Perm.MANAGE_CRISIS, crisis)
        _require_active(crisis)
        return
    # Outside a crisis: a message to people of the actor's scope only, judged by where each
    # recipient's duty station is (its country and security area).
    for country_id, area_id in set(people.values_list("duty_station__country_id",
                                                      "duty_station__security_area_id")):
        if not can(actor, Perm.MANAGE_CRISIS, Crisis(country_id=country_id,
                                                     security_area_id=area_id)):
            raise Forbidden()


@transaction.atomic
def broadcast_send(*, actor: AnyUser | None, subject: str, body: str,
                   crisis: Crisis | None = None, audience: dict[str, Any] | None = None,
                   email: bool = True, webhooks: Sequence[WebhookEndpoint] = (),
                   with_checkin: bool = True, remind_after: int | None = None,
                   kind: str = Broadcast.Kind.BROADCAST, reminder_of: Broadcast | None = None,
                   people: QuerySet[Person] | None = None,
                   checkins: dict[int, ScheduledCheckIn] | None = None) -> Broadcast:
    """Write the broadcast and one Delivery per recipient and channel, then (after commit)
    hand them to the fan-out task. ``actor`` None: sent by Vigil itself (reminders,
    scheduled check-ins), whose callers decided the audience."""
    audience = audience or {}
    errors = _audience_problems(crisis, audience) if people is None else []
    if not subject.strip():
        errors.append(FieldError("subject", _("Write a subject.")))
    if not body.strip():
        errors.append(FieldError("body", _("Write the message.")))
    if not email and not webhooks:
        errors.append(FieldError("channels", _("Choose at least one channel.")))
    if remind_after is not None and remind_after < 5:
        errors.append(FieldError("remind_after", _("Remind after 5 minutes or more.")))
    if errors:
        raise ValidationFailed(errors)
    recipients = people if people is not None else audience_people(crisis, audience)
    if actor is not None:
        _require_broadcaster(actor, crisis, recipients)
        if not recipients.exists():
            raise ValidationFailed([FieldError("audience", _("No one matches these filters."))])
    broadcast = Broadcast.objects.create(
        kind=kind, crisis=crisis, reminder_of=reminder_of, subject=subject.strip()[:200],
        body=body.strip(), audience=audience, email=email, with_checkin=with_checkin,
        created_by=account_or_none(actor),
        remind_after=remind_after)
    broadcast.webhooks.set(webhooks)
    entry_of = answering_entries(crisis_id=crisis.pk, people=recipients) \
        if crisis is not None else {}
    rows = []
    for pk, emails in recipients.order_by("pk").values_list("pk", "emails"):
        address = (emails or [""])[0]
        common = {"broadcast": broadcast, "person_id": pk, "entry_id": entry_of.get(pk),
                  "checkin": (checkins or {}).get(pk)}
        if email:
            rows.append(Delivery(channel=Delivery.Channel.EMAIL, address=address,
                                 status=Delivery.Status.PENDING if address
                                 else Delivery.Status.SKIPPED, **common))
        for endpoint in webhooks:
            rows.append(Delivery(channel=Delivery.Channel.WEBHOOK, endpoint=endpoint,
                                 address=endpoint.name, **common))
    for start in range(0, len(rows), BATCH):
        Delivery.objects.bulk_create(rows[start:start + BATCH])
    count = len({r.person_id for r in rows})
    if crisis is not None:
        _log(crisis, _("%(kind)s “%(subject)s” sent to %(n)s people.") % {
            "kind": broadcast.get_kind_display(), "subject": broadcast.subject, "n": count},
            author=actor)
    audit.record(actor=actor, action=f"crisis.broadcast.{kind}", obj=broadcast,
                 changes={"subject": [None, broadcast.subject], "recipients": [None, count],
                          "deliveries": [None, len(rows)], "audience": [None, audience]})
    from vigil.crisis.tasks import deliver_broadcast

    transaction.on_commit(partial(deliver_broadcast.delay, broadcast.pk))
    return broadcast
