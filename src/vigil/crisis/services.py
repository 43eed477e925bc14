"""Writes of crisis management: declaring a crisis and taking its headcount, accounting for
people, the team and the running log, closing, and broadcasting. Each in one transaction,
checked against the actor's scope, and audited. Sending happens after commit, in
crisis.delivery, from the Delivery rows written here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.errors import ShapelyError
from shapely.geometry import shape

from vigil.core import audit
from vigil.core.authz import Perm, can, require, users_with_perm
from vigil.core.errors import FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.crisis import zone as zones
from vigil.crisis.models import (
    AccountEntry,
    AccountEvent,
    AccountStatus,
    Broadcast,
    Crisis,
    CrisisMember,
    CrisisSettings,
    Delivery,
    LogEntry,
    WebhookEndpoint,
)
from vigil.crisis.rules import ACCOUNTED, ALARMING
from vigil.people.models import Dependant, Person
from vigil.places import borders
from vigil.places.geo import area_at
from vigil.places.models import Country
from vigil.travel.models import TravelRequest
from vigil.travel.whereabouts import Basis, Whereabouts

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CRISIS_FIELDS = {"title", "description", "country", "security_area", "incident_at",
                 "zone_kind", "center_latitude", "center_longitude", "radius_km", "polygon",
                 "window_start", "window_end"}
EDITABLE_FIELDS = {"title", "description"}
DEFAULT_WINDOW_AFTER = dt.timedelta(hours=24)
BATCH = 2000


def crisis_settings() -> CrisisSettings:
    found, _created = CrisisSettings.objects.get_or_create(pk=1)
    return found


def zone_of(crisis: Crisis, areas: Sequence[Any] | None = None) -> zones.Zone:
    """The crisis's zone; ``areas`` for one not saved yet (its areas are not stored)."""
    center = (crisis.center_latitude, crisis.center_longitude) \
        if crisis.center_latitude is not None and crisis.center_longitude is not None else None
    if areas is None:
        areas = tuple(crisis.areas.all()) if crisis.pk else ()
    return zones.Zone(kind=crisis.zone_kind, center=center, radius_km=crisis.radius_km,
                      polygon=crisis.polygon, areas=tuple(areas))


def crisis_url(crisis: Crisis) -> str:
    from django.urls import reverse

    return reverse("crisis:crisis_detail", args=[crisis.pk])


def _log(crisis: Crisis, text: str, *, author: Any = None, kind: str = LogEntry.Kind.SYSTEM,
         at: dt.datetime | None = None) -> LogEntry:
    return LogEntry.objects.create(crisis=crisis, text=text, kind=kind,
                                   at=at or timezone.now(),
                                   author=author if author is not None
                                   and author.is_authenticated else None)


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "Vigil"


def _team_users(crisis: Crisis) -> list[Any]:
    members = [m.user for m in crisis.members.select_related("user")]
    return [*members, *users_with_perm(Perm.MANAGE_CRISIS, crisis)]


# --- Declaration ---------------------------------------------------------------------------------

@transaction.atomic
def crisis_declare(*, actor: AnyUser, data: dict[str, Any], areas: Sequence[Any] = (),
                   incident: Any = None, now: dt.datetime | None = None) -> Crisis:
    """Activate crisis management: record the crisis, its zone and window, make the actor
    its lead, and take the headcount of everyone presumed in the zone."""
    now = now or timezone.now()
    crisis = Crisis(declared_by=actor, activated_at=now, incident=incident)  # type: ignore[misc]
    assign(crisis, data, CRISIS_FIELDS)
    if incident is not None:
        crisis.incident_at = crisis.incident_at or incident.occurred_at
        crisis.country_id = crisis.country_id or incident.country_id
        crisis.security_area_id = crisis.security_area_id or incident.security_area_id
        if crisis.zone_kind == Crisis.ZoneKind.CIRCLE and crisis.center_latitude is None \
                and incident.latitude is not None:
            crisis.center_latitude, crisis.center_longitude = incident.latitude, \
                incident.longitude
    crisis.incident_at = crisis.incident_at or now
    crisis.window_start = crisis.window_start or crisis.incident_at
    crisis.window_end = crisis.window_end or max(now, crisis.window_start) + \
        DEFAULT_WINDOW_AFTER
    if crisis.country_id is None and areas:
        crisis.country_id = areas[0].country_id
    fell_back = _place(crisis)
    errors = zones.zone_problems(zone_of(crisis, areas))
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
    if crisis.zone_kind == Crisis.ZoneKind.AREAS:
        crisis.areas.set(areas)
    if fell_back is not None:
        _log(crisis, _("No country outline holds the zone: country taken as the nearest, "
                       "%(country)s, %(km)s km away.") % {"country": crisis.country,
                                                          "km": fell_back}, at=now)
    CrisisMember.objects.create(crisis=crisis, user=actor,  # type: ignore[misc]
                                role=CrisisMember.Role.LEAD)
    count = take_headcount(crisis)
    _log(crisis, _("Crisis declared by %(user)s; %(count)s people presumed in the zone.") % {
        "user": _name(actor), "count": count}, author=actor, at=now)
    audit.record(actor=actor, action="crisis.crisis.declare", obj=crisis,
                 changes={**audit.diff({}, audit.snapshot(crisis)),
                          "areas": [None, [str(a) for a in areas]], "headcount": [None, count]})
    recipients = [u for u in users_with_perm(Perm.MANAGE_CRISIS, crisis) if u.pk != actor.pk]
    notify(users=recipients, subject=Msg(gettext_lazy("Crisis declared: %(title)s"),
                                         title=crisis.title),
           body=crisis.description, url=crisis_url(crisis))
    return crisis


def _centre(crisis: Crisis) -> tuple[float, float] | None:
    if crisis.center_latitude is not None and crisis.center_longitude is not None:
        return crisis.center_latitude, crisis.center_longitude
    if crisis.polygon:
        try:
            point = shape(crisis.polygon).representative_point()
        except (ValueError, TypeError, AttributeError, KeyError):
            return None
        return point.y, point.x
    return None


def _place(crisis: Crisis) -> float | None:
    """Without a country given, the crisis belongs to the country whose outline holds the
    centre of a circle, or most of a polygon (vigil.places.borders; never the nearest duty
    station); its security area is the one whose boundary holds the centre. Returns the
    distance to the country taken when no outline held the zone and the nearest country
    (within 50 km) was taken, else None."""
    centre = _centre(crisis)
    if centre is None:
        return None
    lat, lon = centre
    fell_back = None
    if crisis.country_id is None:
        placed = borders.country_at(lat, lon)
        if crisis.zone_kind == Crisis.ZoneKind.POLYGON and crisis.polygon:
            try:
                placed = borders.country_of_shape(shape(crisis.polygon))
            except (ValueError, TypeError, AttributeError, KeyError, ShapelyError):
                pass  # the zone's own check names the fault
        country = Country.objects.filter(iso2=placed.iso2).first() if placed else None
        if placed is not None and country is not None:
            crisis.country = country
            fell_back = placed.distance_km if placed.fell_back else None
    if crisis.security_area_id is None and crisis.country_id is not None:
        crisis.security_area = area_at(crisis.country, lat, lon)
    return fell_back


def _place_of(w: Whereabouts, people: dict[int, Person]) -> str:
    if w.basis in (Basis.DUTY_STATION, Basis.RESIDENCE):
        # A residence is named by its duty station: the board does not show addresses.
        return str(people[w.person_id].duty_station)
    return TravelRequest.reference_of(w.request_id) if w.request_id else ""


def _entries_for(crisis: Crisis, found: Iterable[Whereabouts]) -> list[AccountEntry]:
    found = list(found)
    people = Person.objects.select_related("duty_station").in_bulk(
        {w.person_id for w in found})
    rows = []
    for w in found:
        person = people.get(w.person_id)
        if person is None:
            continue
        lat, lon = w.point
        rows.append(AccountEntry(crisis=crisis, person_id=w.person_id,
                                 dependant_id=w.dependant_id,
                                 organization_id=person.organization_id,
                                 duty_station_id=person.duty_station_id,
                                 place=_place_of(w, people)[:200], basis=w.basis,
                                 latitude=lat, longitude=lon))
    return rows


def take_headcount(crisis: Crisis) -> int:
    """Add an entry for everyone presumed in the zone during the window who has none yet.
    Returns how many were added. Entries already there keep their status."""
    found = zones.presumed_in(zone_of(crisis), crisis.window_start, crisis.window_end)
    have = set(crisis.entries.values_list("person_id", "dependant_id"))
    new = [w for w in found if w.key not in have]
    rows = _entries_for(crisis, new)
    for start in range(0, len(rows), BATCH):
        AccountEntry.objects.bulk_create(rows[start:start + BATCH])
    return len(rows)


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
    require(actor, Perm.MANAGE_CRISIS, crisis)
    check_version(crisis, version)
    before = audit.snapshot(crisis)
    assign(crisis, data, EDITABLE_FIELDS)
    validate(crisis, exclude=["declared_by", "areas"])
    save_new_version(crisis, sorted(EDITABLE_FIELDS))
    audit.record(actor=actor, action="crisis.crisis.update", obj=crisis,
                 changes=audit.diff(before, audit.snapshot(crisis)))
    return crisis


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
    crisis.closed_by = actor  # type: ignore[assignment]
    crisis.closure_note = note.strip()
    save_new_version(crisis, ["status", "closed_at", "closed_by", "closure_note"])
    unaccounted = crisis.entries.exclude(status__in=ACCOUNTED).count()
    _log(crisis, _("Crisis closed by %(user)s; %(n)s people not accounted for.") % {
        "user": _name(actor), "n": unaccounted}, author=actor)
    audit.record(actor=actor, action="crisis.crisis.close", obj=crisis,
                 changes={"status": [Crisis.Status.ACTIVE, Crisis.Status.CLOSED],
                          "closure_note": [None, crisis.closure_note],
                          "unaccounted": [None, unaccounted]})
    return crisis


# --- Team and log --------------------------------------------------------------------------------

@transaction.atomic
def member_add(*, actor: AnyUser, crisis: Crisis, user: Any, role: str,
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
    return can(user, Perm.MANAGE_CRISIS, crisis) or crisis.members.filter(
        user_id=user.pk).exists()  # type: ignore[misc]


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

def _set_status(entry: AccountEntry, status: str, *, by: Any, note: str, via_checkin: bool,
                at: dt.datetime, lat: float | None = None, lon: float | None = None) -> None:
    entry.status = status
    entry.status_at = at
    entry.status_by = by
    entry.via_checkin = via_checkin
    if note:
        entry.note = note[:500]
    fields = ["status", "status_at", "status_by", "via_checkin", "note"]
    if lat is not None and lon is not None:
        entry.reported_latitude, entry.reported_longitude = lat, lon
        fields += ["reported_latitude", "reported_longitude"]
    save_new_version(entry, fields)
    AccountEvent.objects.create(entry=entry, at=at, status=status, by=by,
                                via_checkin=via_checkin, note=note[:500])


def _alarm(entry: AccountEntry, status: str, note: str) -> None:
    if status not in ALARMING:
        return
    crisis = entry.crisis
    notify(users=_team_users(crisis), subject=Msg(
        gettext_lazy("%(status)s: %(name)s (%(crisis)s)"), status=AccountStatus(status).label,
        name=entry.dependant or entry.person, crisis=crisis.reference),
        body=note, url=crisis_url(crisis) + "board/")


@transaction.atomic
def entry_update(*, actor: AnyUser, entry: AccountEntry, status: str, note: str = "",
                 version: int | None = None) -> AccountEntry:
    require(actor, Perm.ACCOUNT_FOR, entry)
    _require_active(entry.crisis)
    check_version(entry, version)
    if status not in AccountStatus.values:
        raise ValidationFailed([FieldError("status", _("Choose a status from the list."))])
    before = entry.status
    _set_status(entry, status, by=actor, note=note.strip(), via_checkin=False,
                at=timezone.now())
    audit.record(actor=actor, action="crisis.entry.update", obj=entry,
                 changes={"status": [before, status], "note": [None, note.strip() or None]})
    _alarm(entry, status, note)
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
    _set_status(entry, status, by=actor, note=note.strip(), via_checkin=False,
                at=timezone.now())
    audit.record(actor=actor, action="crisis.entry.add", obj=entry,
                 changes={"person": [None, str(dependant or person)], "status": [None, status]})
    _alarm(entry, status, note)
    return entry


def checkin_status(entry: AccountEntry, *, answer: str, note: str, lat: float | None,
                   lon: float | None, alarm: bool = True) -> None:
    """The person answered their check-in link: their status changes at once. Called by
    crisis.checkin inside its transaction; ``alarm`` False for the household of a staff
    member whose own answer already told the team."""
    _set_status(entry, answer, by=None, note=note, via_checkin=True, at=timezone.now(),
                lat=lat, lon=lon)
    audit.record(actor=None, action="crisis.entry.checkin", obj=entry,
                 changes={"status": [None, answer], "note": [None, note or None]})
    if alarm:
        _alarm(entry, answer, note)


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
                   checkins: dict[int, Any] | None = None) -> Broadcast:
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
        created_by=actor if actor is not None and actor.is_authenticated  # type: ignore[misc]
        else None,
        remind_after=remind_after)
    broadcast.webhooks.set(webhooks)
    entry_of: dict[int, int] = {}
    if crisis is not None:
        # A staff member's own entry carries the answer; failing that, a dependant's.
        for pk, person_id, dependant_id in crisis.entries.filter(
                person__in=recipients).values_list("pk", "person_id", "dependant_id"):
            if dependant_id is None:
                entry_of[person_id] = pk
            else:
                entry_of.setdefault(person_id, pk)
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
