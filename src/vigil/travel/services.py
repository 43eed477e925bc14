"""Every write of travel: requests and their itineraries, clearance, approval, advisories,
the directory, area controls, air operators, and the presences that whereabouts reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, account, can, holds_globally, require, users_with_perm
from vigil.core.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.i18n import Msg
from vigil.core.services import notify, record_save
from vigil.core.validation import assign, check_version, save_new_version, validate
from vigil.people.models import Dependant, Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.risk.selectors import level_in_force
from vigil.training import selectors as training
from vigil.travel import geo, rules, selectors
from vigil.travel.models import (
    Advisory,
    AirOperator,
    AreaControl,
    Clearance,
    Delegation,
    Presence,
    SecurityContact,
    Segment,
    TravelRequest,
    TravelSettings,
)
from vigil.travel.selectors import advisories_in_force, travel_settings

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


@dataclass(frozen=True)
class CourseStanding:
    """What training answers about one course for a traveller and the travelling dependants
    over some days."""

    valid: bool
    latest_on: dt.date | None  # the traveller's latest completion, when not valid
    dependants_without: tuple[str, ...]  # the dependants it concerns who lack it


def course_standing(person: Person, dependants: Sequence[Dependant], code: str,
                    first_day: dt.date, last_day: dt.date) -> CourseStanding:
    """Ask training whether the traveller holds ``code`` valid on every day from
    ``first_day`` to ``last_day``, and which travelling dependants it concerns (applies to
    dependants, their age on the first day) and who of them lacks it. Dependants are named as
    the traveller knows them, nothing more."""
    valid = person.pk in training.valid_on([person.pk], code, first_day, last_day)
    latest = None if valid else training.latest_completion(person.pk, code)
    concerned = training.dependants_concerned([d.pk for d in dependants], code, first_day)
    holding = training.dependants_valid_on(concerned, code, first_day, last_day)
    return CourseStanding(
        valid=valid,
        # A completion dated after the trip starts does not count for it: as if none.
        latest_on=latest.completed_on if latest is not None
        and latest.completed_on <= first_day else None,
        dependants_without=tuple(str(d) for d in dependants
                                 if d.pk in concerned and d.pk not in holding))


def course_dates(person: Person, first_day: dt.date, last_day: dt.date,
                 dependants: Sequence[Dependant] = ()) -> rules.Traveller:
    """The traveller's BSAFE standing over the whole trip, as training answers it (SSAFE is
    read per stop that requires it: see ssafe_for_stop)."""
    bsafe = course_standing(person, dependants, "BSAFE", first_day, last_day)
    return rules.Traveller(bsafe_valid=bsafe.valid, bsafe_on=bsafe.latest_on,
                           dependants_without_bsafe=bsafe.dependants_without)


def ssafe_for_stop(traveller: rules.Traveller, person: Person,
                   dependants: Sequence[Dependant], first_day: dt.date,
                   last_day: dt.date) -> rules.Traveller:
    """The traveller's facts for a stop that requires SSAFE: SSAFE over the stop's days."""
    ssafe = course_standing(person, dependants, "SSAFE", first_day, last_day)
    return replace(traveller, ssafe_valid=ssafe.valid,
                   dependants_without_ssafe=ssafe.dependants_without)


# --- Who may file a request ---------------------------------------------------------------------

def may_request_for(actor: AnyUser, person: Person) -> bool:
    """The traveller, an assistant the traveller named, or an office in whose scope the
    traveller works (REQUEST_TRAVEL)."""
    probe = TravelRequest(traveller=person)
    if can(actor, Perm.REQUEST_TRAVEL, probe):
        return True
    return actor.is_authenticated and Delegation.objects.filter(
        person=person, assistant_id=actor.pk).exists()


def _require_filer(actor: AnyUser, request: TravelRequest) -> User:
    """The filer, as the account a request names; anyone else is refused."""
    filer = account(actor)
    if not may_request_for(filer, request.traveller):
        raise Forbidden()
    return filer


# --- Itinerary input -----------------------------------------------------------------------------

SEGMENT_FIELDS = {"origin_station", "origin_name", "origin_country", "origin_area",
                  "origin_latitude", "origin_longitude", "origin_tz",
                  "destination_station", "destination_name", "destination_country",
                  "destination_area", "destination_latitude", "destination_longitude",
                  "destination_tz", "departs_local", "arrives_local", "mode", "operator",
                  "flight_number", "lodging_name", "lodging_address", "lodging_latitude",
                  "lodging_longitude", "stays_until_local"}
REQUEST_FIELDS = {"purpose", "kind", "contacts"}


def _fill_end(segment: Segment, end: str, data: dict[str, Any], field: str,
              errors: list[FieldError]) -> None:
    """One end of a segment: a duty station gives everything; a named place needs its
    country and coordinates, and finds its area and time zone from them."""
    station: DutyStation | None = data.get(f"{end}_station")
    setattr(segment, f"{end}_station", station)
    if station is not None:
        segment.__dict__.update({
            f"{end}_name": data.get(f"{end}_name") or station.name,
            f"{end}_country_id": station.country_id,
            f"{end}_area_id": station.security_area_id,
            f"{end}_latitude": station.latitude, f"{end}_longitude": station.longitude,
            f"{end}_tz": data.get(f"{end}_tz") or station.time_zone})
        return
    country: Country | None = data.get(f"{end}_country")
    lat, lon = data.get(f"{end}_latitude"), data.get(f"{end}_longitude")
    name = (data.get(f"{end}_name") or "").strip()
    if not name:
        errors.append(FieldError(f"{field}.{end}_name", _("Name the place or choose a duty "
                                                          "station."), ErrorCode.REQUIRED))
    if country is None:
        errors.append(FieldError(f"{field}.{end}_country", _("Give the country of the place."),
                                 ErrorCode.REQUIRED))
    if lat is None or lon is None:
        errors.append(FieldError(f"{field}.{end}_latitude", _(
            "Give the coordinates of the place."), ErrorCode.REQUIRED))
    if country is None or lat is None or lon is None:
        return
    area: SecurityArea | None = data.get(f"{end}_area")
    if area is not None and area.country_id != country.pk:
        errors.append(FieldError(f"{field}.{end}_area", _(
            "This security area belongs to another country.")))
    if area is None:
        area = geo.area_at(country, lat, lon)
    zone = data.get(f"{end}_tz") or geo.zone_for(country.iso2, lat, lon)
    if not zone:
        errors.append(FieldError(f"{field}.{end}_tz", _("Give the time zone of the place."),
                                 ErrorCode.REQUIRED))
    segment.__dict__.update({
        f"{end}_name": name, f"{end}_country_id": country.pk,
        f"{end}_area_id": area.pk if area else None, f"{end}_latitude": lat,
        f"{end}_longitude": lon, f"{end}_tz": zone or ""})


def _utc(local: dt.datetime | None, zone: str, field: str,
         errors: list[FieldError]) -> dt.datetime | None:
    if local is None:
        return None
    if timezone.is_aware(local):
        return local.astimezone(dt.UTC)
    try:
        return rules.aware(local, ZoneInfo(zone)).astimezone(dt.UTC)
    except (ValueError, KeyError):
        errors.append(FieldError(field, _("%(time)s does not exist in %(zone)s: the clocks "
                                          "change then.") % {"time": local.isoformat(" "),
                                                             "zone": zone}))
        return None


def _build_segments(request: TravelRequest, items: Sequence[dict[str, Any]]
                    ) -> list[Segment]:
    """Segment objects from input rows, or every fault named by row and field."""
    errors: list[FieldError] = []
    segments: list[Segment] = []
    for index, data in enumerate(items):
        field = f"segments[{index}]"
        unknown = sorted(set(data) - SEGMENT_FIELDS)
        errors += [FieldError(f"{field}.{k}", _("This field cannot be set here."))
                   for k in unknown]
        segment = Segment(request=request, position=index + 1,
                          mode=data.get("mode") or Segment.Mode.AIR,
                          operator=data.get("operator"),
                          flight_number=(data.get("flight_number") or "").strip().upper(),
                          lodging_name=data.get("lodging_name") or "",
                          lodging_address=data.get("lodging_address") or "",
                          lodging_latitude=data.get("lodging_latitude"),
                          lodging_longitude=data.get("lodging_longitude"))
        _fill_end(segment, "origin", data, field, errors)
        _fill_end(segment, "destination", data, field, errors)
        if data.get("departs_local") is None:
            errors.append(FieldError(f"{field}.departs_local", _("Give the departure time."),
                                     ErrorCode.REQUIRED))
        if data.get("arrives_local") is None:
            errors.append(FieldError(f"{field}.arrives_local", _("Give the arrival time."),
                                     ErrorCode.REQUIRED))
        departs = _utc(data.get("departs_local"), segment.origin_tz, f"{field}.departs_local",
                       errors) if segment.origin_tz else None
        arrives = _utc(data.get("arrives_local"), segment.destination_tz,
                       f"{field}.arrives_local", errors) if segment.destination_tz else None
        stays = _utc(data.get("stays_until_local"), segment.destination_tz,
                     f"{field}.stays_until_local", errors) if segment.destination_tz else None
        if departs and arrives and arrives < departs:
            errors.append(FieldError(f"{field}.arrives_local", _(
                "The arrival (%(arrives)s UTC) is before the departure (%(departs)s UTC).")
                % {"arrives": arrives.strftime("%Y-%m-%d %H:%M"),
                   "departs": departs.strftime("%Y-%m-%d %H:%M")}))
        if segments and departs and segments[-1].arrives_at and \
                departs < segments[-1].arrives_at:
            errors.append(FieldError(f"{field}.departs_local", _(
                "This segment leaves before the previous one arrives.")))
        if (segment.lodging_latitude is None) != (segment.lodging_longitude is None):
            errors.append(FieldError(f"{field}.lodging_longitude", _(
                "Give both latitude and longitude, or neither.")))
        if departs is not None:
            segment.departs_at = departs
        if arrives is not None:
            segment.arrives_at = arrives
        segment.stays_until = stays
        if stays is not None and arrives is not None and stays <= arrives:
            errors.append(FieldError(f"{field}.stays_until_local", _(
                "The stay must end after the arrival.")))
        if departs and arrives:
            try:
                segment.full_clean(exclude=["request", "departs_at", "arrives_at"])
            except DjangoValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors += [FieldError(f"{field}.{name}", m) for m in messages]
        segments.append(segment)
    if errors:
        raise ValidationFailed(errors)
    return segments


def _check_complete(request: TravelRequest, segments: list[Segment], *,
                    is_new_trip: bool) -> None:
    """What a submitted itinerary must have, beyond a draft."""
    errors: list[FieldError] = []
    if not segments:
        errors.append(FieldError("segments", _("Give at least one segment."),
                                 ErrorCode.REQUIRED))
    for index, segment in enumerate(segments):
        if segment.mode == Segment.Mode.AIR and segment.operator is None:
            errors.append(FieldError(f"segments[{index}].operator", _(
                "Name the air operator: its suitability is part of the clearance."),
                ErrorCode.REQUIRED))
    if segments:
        last = segments[-1]
        if not rules.ends_at_home(last.destination_station_id,
                                  request.traveller.duty_station_id) and \
                last.stays_until is None:
            errors.append(FieldError(f"segments[{len(segments) - 1}].stays_until_local", _(
                "The trip does not end at %(station)s: say until when you stay at %(place)s, "
                "or add the way back.") % {"station": request.traveller.duty_station.name,
                                            "place": last.destination_name},
                ErrorCode.REQUIRED))
        if is_new_trip and segments[0].departs_at < timezone.now():
            errors.append(FieldError("segments[0].departs_local", _(
                "The first departure is in the past.")))
    if errors:
        raise ValidationFailed(errors)


def _check_dependants(person: Person, dependants: Sequence[Dependant]) -> None:
    # Named by position, never by name: the filer may not be one who may see the dependant.
    wrong = [i for i, d in enumerate(dependants) if d.person_id != person.pk
             or d.status != Dependant.Status.ACTIVE]
    if wrong:
        raise ValidationFailed([FieldError(f"dependants[{i}]", _(
            "Not an eligible dependant of the traveller.")) for i in wrong])


def _save_itinerary(request: TravelRequest, segments: list[Segment],
                    dependants: Sequence[Dependant]) -> None:
    request.segments.all().delete()
    for segment in segments:
        segment.request = request
    Segment.objects.bulk_create(segments)
    request.dependants.set(dependants)
    if segments:
        request.starts_at = segments[0].departs_at
        request.ends_at = max(segments[-1].stays_until or segments[-1].arrives_at,
                              segments[-1].arrives_at)
    else:
        request.starts_at = request.ends_at = None


def _itinerary_snapshot(request: TravelRequest) -> list[str]:
    return [f"{s.origin_name} {s.departs_at:%Y-%m-%d %H:%M}Z → {s.destination_name} "
            f"{s.arrives_at:%Y-%m-%d %H:%M}Z" for s in request.segments.all()]


# --- Requests ------------------------------------------------------------------------------------

@transaction.atomic
def request_create(*, actor: AnyUser, traveller: Person, data: dict[str, Any],
                   segments: Sequence[dict[str, Any]] = (),
                   dependants: Sequence[Dependant] = (), submit: bool = False) -> TravelRequest:
    """A new request, saved as a draft; ``submit`` also submits it at once."""
    request = TravelRequest(traveller=traveller)
    request.requested_by = _require_filer(actor, request)
    assign(request, data, REQUEST_FIELDS)
    validate(request, exclude=["requested_by", "dependants"])
    _check_dependants(traveller, dependants)
    built = _build_segments(request, segments)
    if submit:
        _check_complete(request, built, is_new_trip=True)
    request.save()
    _save_itinerary(request, built, dependants)
    request.save(update_fields=["starts_at", "ends_at"])
    audit.record(actor=actor, action="travel.request.create", obj=request,
                 changes={"traveller": [None, str(traveller)], "purpose": [None, request.purpose],
                          "itinerary": [None, _itinerary_snapshot(request)]})
    if submit:
        _evaluate_and_route(actor, request, action="submit")
    return request


@transaction.atomic
def request_update(*, actor: AnyUser, request: TravelRequest, data: dict[str, Any],
                   segments: Sequence[dict[str, Any]] | None, dependants: Sequence[Dependant]
                   | None, version: int | None) -> TravelRequest:
    """Edit a draft, or amend a submitted request: an amendment runs the rules again."""
    _require_filer(actor, request)
    action = "edit" if request.status == TravelRequest.Status.DRAFT else "amend"
    if not request.allows(action):
        raise TransitionRefused(_("A %(status)s request cannot be changed.")
                          % {"status": request.get_status_display().lower()})
    check_version(request, version)
    before = audit.snapshot(request)
    old_itinerary = _itinerary_snapshot(request)
    assign(request, data, REQUEST_FIELDS)
    validate(request, exclude=["requested_by", "dependants"])
    if dependants is not None:
        _check_dependants(request.traveller, dependants)
    built = _build_segments(request, segments) if segments is not None else \
        list(request.segments.all())
    if action == "amend":
        _check_complete(request, built, is_new_trip=False)
    _save_itinerary(request, built,
                    dependants if dependants is not None else list(request.dependants.all()))
    save_new_version(request, ["purpose", "kind", "contacts", "starts_at", "ends_at"])
    changes = audit.diff(before, audit.snapshot(request))
    new_itinerary = _itinerary_snapshot(request)
    if new_itinerary != old_itinerary:
        changes["itinerary"] = [old_itinerary, new_itinerary]
    audit.record(actor=actor, action=f"travel.request.{action}", obj=request, changes=changes)
    if action == "amend":
        _evaluate_and_route(actor, request, action="amend")
    return request


@transaction.atomic
def request_submit(*, actor: AnyUser, request: TravelRequest,
                   version: int | None) -> TravelRequest:
    _require_filer(actor, request)
    if not request.allows("submit"):
        raise TransitionRefused(_("Only a draft can be submitted."))
    check_version(request, version)
    _check_complete(request, list(request.segments.all()), is_new_trip=True)
    _evaluate_and_route(actor, request, action="submit")
    return request


@transaction.atomic
def request_cancel(*, actor: AnyUser, request: TravelRequest, reason: str,
                   version: int | None) -> TravelRequest:
    _require_filer(actor, request)
    if not request.allows("cancel"):
        raise TransitionRefused(_("This request cannot be cancelled."))
    check_version(request, version)
    if request.status != TravelRequest.Status.DRAFT and not reason.strip():
        raise ValidationFailed([FieldError("reason", _(
            "Say why the trip is cancelled: the officers who cleared it are told."),
            ErrorCode.REQUIRED)])
    previous = request.status
    # The officers of every stop, asked or not yet, are told, and whoever holds a stop that
    # no officer covers and was asked; found before pending stops go.
    officers = {u.pk: u for c in request.clearances.all()
                for u in users_with_perm(Perm.APPROVE_TRAVEL, c)}
    officers.update({u.pk: u for held in selectors.held_stops(list(request.clearances.filter(
        status=Clearance.Status.PENDING).select_related("request__traveller")))
        for u in held.holders})
    request.status, request.cancel_reason = TravelRequest.Status.CANCELLED, reason.strip()
    save_new_version(request, ["status", "cancel_reason"])
    request.clearances.filter(status=Clearance.Status.PENDING).delete()
    presence_rebuild(request)
    audit.record(actor=actor, action="travel.request.cancel", obj=request,
                 changes={"status": [previous, request.status], "reason": reason.strip()})
    if previous != TravelRequest.Status.DRAFT:
        notify(users=officers.values(), subject=Msg(gettext_lazy("Trip %(ref)s cancelled"),
                                                    ref=request.reference),
               body=reason.strip(), url=_detail_url(request))
    return request


def _detail_url(request: TravelRequest) -> str:
    return reverse("travel:request_detail", args=[request.pk])


# --- Clearance -----------------------------------------------------------------------------------

@dataclass
class StopResult:
    segment: Segment
    leaves_at: dt.datetime
    reasons: list[rules.Reason]
    level: int | None

    @property
    def outcome(self) -> rules.Outcome:
        return rules.outcome_of(self.reasons)


def evaluate(request: TravelRequest, *, now: dt.datetime | None = None) -> list[StopResult]:
    """Run the clearance rules on every stop of the itinerary (nothing is written)."""
    now = now or timezone.now()
    policy = travel_settings().policy()
    segments = list(request.segments.select_related("operator").order_by("position"))
    home = request.traveller.duty_station_id
    dependants = list(request.dependants.order_by("pk")) if request.pk else []
    traveller = rules.Traveller(bsafe_valid=True)
    common: list[rules.Reason] = []
    if segments:
        first_day = (request.starts_at or segments[0].departs_at).date()
        last_day = (request.ends_at or segments[-1].arrives_at).date()
        traveller = course_dates(request.traveller, first_day, last_day, dependants)
        common += rules.traveller_reasons(traveller, last_day)
        overlapping = TravelRequest.objects.filter(
            traveller=request.traveller, status=TravelRequest.Status.CLEARED,
            starts_at__lt=request.ends_at, ends_at__gt=request.starts_at).exclude(pk=request.pk)
        common += [rules.Reason("overlap", {"other": other.reference})
                   for other in overlapping.order_by("starts_at")]
    results = []
    stops = [i for i, s in enumerate(segments)
             if not rules.ends_at_home(s.destination_station_id, home)]
    if segments and not stops:
        stops = [0]  # a trip that only comes home still has its traveller checked
    for index, segment in enumerate(segments):
        if index not in stops:
            continue
        leaves = segments[index + 1].departs_at if index + 1 < len(segments) else \
            (segment.stays_until or segment.arrives_at)
        area_id = segment.destination_area_id
        control = AreaControl.objects.filter(security_area_id=area_id).first() \
            if area_id else None
        visitors = 0
        if control is not None and control.max_visitors is not None:
            visitors = Presence.objects.filter(
                security_area_id=area_id, cleared=True, starts_at__lt=leaves,
                ends_at__gt=segment.arrives_at, dependant__isnull=True).exclude(
                request=request).values("person_id").distinct().count()
        # The segment that arrives here, and a segment home from here, fly its operators.
        following = segments[index + 1] if index + 1 < len(segments) else None
        flown = [o for o in [segment.operator] + (
            [following.operator] if following is not None and index + 1 not in stops else [])
            if o is not None]
        stop = rules.Stop(
            place=segment.destination_name, arrives_at=segment.arrives_at, leaves_at=leaves,
            level=level_in_force(area_id),
            advisories=[(a.level, a.title) for a in advisories_in_force(
                segment.destination_country_id, area_id, segment.arrives_at.date())],
            control=control.as_rule() if control else rules.Control(), visitors=visitors,
            operator=str(segment.operator) if segment.operator else "",
            flown=[operator_flown(o) for o in flown])
        here = ssafe_for_stop(traveller, request.traveller, dependants,
                              segment.arrives_at.date(), leaves.date()) \
            if stop.control.ssafe_required else traveller
        reasons = common + rules.stop_reasons(stop, here, policy, now)
        results.append(StopResult(segment, leaves, reasons, stop.level))
    return results


def _stop_key(segment: Segment, leaves: dt.datetime) -> str:
    return (f"{segment.destination_country_id}:{segment.destination_area_id}:"
            f"{segment.destination_station_id}:{segment.destination_name}:"
            f"{segment.arrives_at:%Y%m%d%H%M}:{leaves:%Y%m%d%H%M}")


def _evaluate_and_route(actor: AnyUser, request: TravelRequest, *, action: str) -> None:
    """Run the rules, keep approvals of unchanged stops, set the request's state, tell the
    approvers of new pending stops, and rewrite the presences."""
    now = timezone.now()
    settings = travel_settings()
    previous = {c.fingerprint: c for c in request.clearances.filter(
        status=Clearance.Status.APPROVED)}
    request.clearances.all().delete()
    created: list[Clearance] = []
    for position, result in enumerate(evaluate(request, now=now), start=1):
        segment = result.segment
        fingerprint = rules.fingerprint(_stop_key(segment, result.leaves_at), result.reasons)
        outcome = result.outcome
        kept = previous.get(fingerprint) if outcome is rules.Outcome.APPROVAL else None
        clearance = Clearance(
            request=request, position=position, place=segment.destination_name,
            country_id=segment.destination_country_id,
            security_area_id=segment.destination_area_id,
            duty_station_id=segment.destination_station_id, arrives_at=segment.arrives_at,
            level=result.level, reasons=[r.as_dict() for r in result.reasons],
            fingerprint=fingerprint,
            requested_at=now, status=Clearance.Status(rules.stop_status(outcome)))
        if outcome is rules.Outcome.APPROVAL:
            clearance.due_at = now + dt.timedelta(hours=settings.approval_hours)
        else:  # the rules decided it, and the decision says so
            clearance.decided_as, clearance.decided_at = rules.DECIDED_BY_RULES, now
        if kept is not None:
            clearance.status = Clearance.Status.APPROVED
            clearance.decided_by_id, clearance.decided_at = kept.decided_by_id, kept.decided_at
            clearance.decided_as = kept.decided_as
            clearance.comment, clearance.requested_at = kept.comment, kept.requested_at
            clearance.due_at = kept.due_at
        created.append(clearance)
    Clearance.objects.bulk_create(created)
    previous_status = request.status
    request.status = _status_after_clearance(created)
    if request.submitted_at is None:
        request.submitted_at = now
    if request.status in {TravelRequest.Status.CLEARED, TravelRequest.Status.REFUSED}:
        request.decided_at = now
    save_new_version(request, ["status", "submitted_at", "decided_at"])
    presence_rebuild(request)
    audit.record(actor=actor, action=f"travel.request.{action}.outcome", obj=request,
                 changes={"status": [previous_status, request.status],
                          "stops": [{"place": c.place, "status": c.status,
                                     "reasons": [r["code"] for r in c.reasons]}
                                    for c in created]})
    for held in selectors.held_stops([c for c in created
                                      if c.status == Clearance.Status.PENDING]):
        _notify_approvers(request, held)


def _status_after_clearance(clearances: Sequence[Clearance]) -> TravelRequest.Status:
    return TravelRequest.Status(rules.request_status(c.status for c in clearances))


def approvers_of(clearance: Clearance) -> list[Any]:
    """Who holds the stop now: its security officers, or where none covers it the next level
    of the fallback (rules.HOLDERS)."""
    return selectors.holders_of(clearance, clearance.request.traveller.user_id)


def _notify_approvers(request: TravelRequest, held: selectors.HeldStop) -> None:
    clearance, holding = held.clearance, held.holding

    def reasons() -> str:  # in each approver's language
        return "\n".join(f"- {r.message()}" for r in clearance.reason_list)

    body = Msg(gettext_lazy("%(ref)s arrives %(when)s UTC. Why it needs your approval:\n"
                            "%(reasons)s"), ref=request.reference,
               when=clearance.arrives_at.strftime("%Y-%m-%d %H:%M"), reasons=reasons)
    if holding.fallback and holding.holder is not None:
        body = Msg(gettext_lazy("No security officer covers %(place)s, so the stop comes to "
                                "you (%(holder)s).\n\n%(request)s"),
                   place=clearance.place, holder=holding.holder.label, request=body)
    notify(users=held.holders,
           subject=Msg(gettext_lazy("Travel clearance requested: %(who)s to %(place)s"),
                       who=request.traveller, place=clearance.place),
           body=body, url=_detail_url(request))


def _awaiting(clearance: Clearance, request: TravelRequest) -> bool:
    return clearance.status == Clearance.Status.PENDING and \
        request.status == TravelRequest.Status.PENDING


def may_decide(user: AnyUser, clearance: Clearance, request: TravelRequest,
               holding: rules.Holding | None = None) -> bool:
    """Whether ``clearance_decide`` would accept this user's decision on this stop now.
    ``holding``: who holds the stop, when the caller has it already."""
    if not _awaiting(clearance, request) or request.traveller.user_id == user.pk:
        return False
    if holding is None:
        holding = selectors.holding_of(clearance, request.traveller.user_id)
    return user.pk in holding.users


@transaction.atomic
def clearance_decide(*, actor: AnyUser, clearance: Clearance, approve: bool,
                     comment: str) -> Clearance:
    """Whoever holds the stop approves or refuses it, with a comment: the security officer
    whose scope covers it, or where none does, the next level of the fallback
    (rules.HOLDERS). The decision records in which capacity it was made."""
    request = TravelRequest.objects.select_for_update().get(pk=clearance.request_id)
    clearance = Clearance.objects.select_for_update().get(pk=clearance.pk)
    if request.traveller.user_id is not None and request.traveller.user_id == actor.pk:
        raise Forbidden(_("You cannot clear your own travel."))
    holding = selectors.holding_of(clearance, request.traveller.user_id)
    decider = account(actor)
    if decider.pk not in holding.users or holding.holder is None:
        raise Forbidden()
    if not _awaiting(clearance, request):
        raise TransitionRefused(_("This stop is not awaiting approval."))
    if not approve and not comment.strip():
        raise ValidationFailed([FieldError("comment", _("Say why the stop is refused."),
                                           ErrorCode.REQUIRED)])
    now = timezone.now()
    clearance.status = Clearance.Status.APPROVED if approve else Clearance.Status.REFUSED
    clearance.decided_by, clearance.decided_at = decider, now
    clearance.decided_as = holding.holder.level
    clearance.comment = comment.strip()
    clearance.save(update_fields=["status", "decided_by", "decided_at", "decided_as",
                                  "comment"])
    previous = request.status
    request.status = _status_after_clearance(list(request.clearances.all()))
    if request.status != previous:
        request.decided_at = now
        save_new_version(request, ["status", "decided_at"])
        presence_rebuild(request)
    audit.record(actor=actor, action="travel.clearance.approve" if approve
                 else "travel.clearance.refuse", obj=request,
                 changes={"stop": clearance.place, "comment": clearance.comment,
                          "decided_as": clearance.decided_as,
                          "status": [previous, request.status]})
    traveller_user = request.traveller.user
    recipients = [u for u in (traveller_user, request.requested_by) if u is not None]
    if request.status != previous:
        subject = gettext_lazy("Trip %(ref)s cleared") \
            if request.status == TravelRequest.Status.CLEARED \
            else gettext_lazy("Trip %(ref)s refused")
        notify(users=recipients, subject=Msg(subject, ref=request.reference),
               body=f"{clearance.place}: {clearance.comment}", url=_detail_url(request))
    elif approve:
        notify(users=recipients, subject=Msg(gettext_lazy("%(place)s approved for trip %(ref)s"),
                                             place=clearance.place, ref=request.reference),
               body=clearance.comment, url=_detail_url(request))
    return clearance


# --- Presences -----------------------------------------------------------------------------------

def presence_rows(request: TravelRequest, segments: Sequence[Segment],
                  subjects: Sequence[tuple[int, int | None]], home_station: int | None,
                  cleared: bool) -> list[Presence]:
    legs = [rules.Leg(departs_at=s.departs_at, arrives_at=s.arrives_at,
                      origin=(s.origin_latitude, s.origin_longitude),
                      destination=(s.destination_latitude, s.destination_longitude),
                      lodging=s.lodging_point,
                      home=rules.ends_at_home(s.destination_station_id, home_station),
                      stays_until=s.stays_until) for s in segments]
    rows = []
    for piece in rules.pieces(legs):
        segment = segments[piece.leg]
        at_origin = piece.at_origin
        country = segment.origin_country_id if at_origin else segment.destination_country_id
        area = segment.origin_area_id if at_origin else segment.destination_area_id
        lat, lon = piece.point
        for start, end in rules.split_interval(piece.starts_at, piece.ends_at):
            rows += [Presence(request=request, segment=segment, person_id=person_id,
                              dependant_id=dependant_id, kind=piece.kind, cleared=cleared,
                              starts_at=start, ends_at=end, latitude=lat, longitude=lon,
                              cell=rules.cell(lat, lon), country_id=country,
                              security_area_id=area)
                     for person_id, dependant_id in subjects]
    return rows


def presence_rebuild(request: TravelRequest) -> int:
    """Rewrite where the request places its travellers: submitted requests only; cleared
    ones count for whereabouts, pending ones are kept for a crisis that wants them."""
    request.presences.all().delete()
    if request.status not in {TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED}:
        return 0
    segments = list(request.segments.order_by("position"))
    subjects = [(request.traveller_id, None),
                *((request.traveller_id, d) for d in
                  request.dependants.values_list("pk", flat=True))]
    rows = presence_rows(request, segments, subjects, request.traveller.duty_station_id,
                         request.status == TravelRequest.Status.CLEARED)
    Presence.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Delegations ---------------------------------------------------------------------------------

@transaction.atomic
def delegation_add(*, actor: AnyUser, person: Person, assistant: Any) -> Delegation:
    probe = Delegation(person=person, assistant=assistant)
    if not (person.user_id == actor.pk or can(actor, Perm.REQUEST_TRAVEL,
                                                TravelRequest(traveller=person))):
        raise Forbidden()
    if assistant.pk == person.user_id:
        raise ValidationFailed([FieldError("assistant", _("You need no assistant for "
                                                          "yourself."))])
    if Delegation.objects.filter(person=person, assistant=assistant).exists():
        raise ValidationFailed([FieldError("assistant", _("This assistant is already named."))])
    probe.save()
    audit.record(actor=actor, action="travel.delegation.add", obj=probe,
                 changes={"assistant": [None, assistant.get_username()]})
    return probe


@transaction.atomic
def delegation_remove(*, actor: AnyUser, delegation: Delegation) -> None:
    person = delegation.person
    if not (person.user_id == actor.pk or can(actor, Perm.REQUEST_TRAVEL,
                                                TravelRequest(traveller=person))):
        raise Forbidden()
    audit.record(actor=actor, action="travel.delegation.remove", obj=delegation,
                 changes={"assistant": [delegation.assistant.get_username(), None]})
    delegation.delete()


# --- Reference records: advisories, directory, area controls, air operators ----------------------

ADVISORY_FIELDS = {"country", "security_area", "level", "title", "text", "source", "source_url",
                   "external_id", "issued_on", "valid_until", "withdrawn"}
CONTACT_FIELDS = {"country", "security_area", "duty_station", "function", "name", "phones",
                  "email", "radio", "around_the_clock", "position"}
CONTROL_FIELDS = {"manual_clearance", "closed", "ssafe_required", "max_visitors",
                  "movement_limits"}


@transaction.atomic
def advisory_save(*, actor: AnyUser, advisory: Advisory | None = None, data: dict[str, Any],
                  version: int | None = None) -> Advisory:
    return record_save(actor=actor, obj=advisory or Advisory(), perm=Perm.EDIT_ADVISORY,
                       data=data, allowed=ADVISORY_FIELDS, action="travel.advisory",
                       version=version)


@transaction.atomic
def contact_save(*, actor: AnyUser, contact: SecurityContact | None = None,
                 data: dict[str, Any],
                 version: int | None = None) -> SecurityContact:
    return record_save(actor=actor, obj=contact or SecurityContact(),
                       perm=Perm.EDIT_DIRECTORY, data=data, allowed=CONTACT_FIELDS,
                       action="travel.contact", version=version)


@transaction.atomic
def contact_delete(*, actor: AnyUser, contact: SecurityContact) -> None:
    require(actor, Perm.EDIT_DIRECTORY, contact)
    audit.record(actor=actor, action="travel.contact.delete", obj=contact,
                 changes=audit.diff(audit.snapshot(contact), {}))
    contact.delete()


@transaction.atomic
def area_control_save(*, actor: AnyUser, area: SecurityArea, data: dict[str, Any],
                      version: int | None = None) -> AreaControl:
    setter = account(actor)
    control = AreaControl.objects.filter(security_area=area).first() or \
        AreaControl(security_area=area)
    control.set_by = setter
    result = record_save(actor=actor, obj=control, perm=Perm.SET_AREA_CONTROLS, data=data,
                         allowed=CONTROL_FIELDS, action="travel.area_control",
                         version=version)
    AreaControl.objects.filter(pk=result.pk).update(set_by=setter)
    return result


def operator_flown(operator: AirOperator) -> rules.Flown:
    """An operator's suitability in force, as the clearance rules read it."""
    return rules.Flown(operator=str(operator), suitability=operator.suitability,
                       valid_until=operator.suitability_valid_until,
                       conditions=operator.suitability_note)


OPERATOR_FIELDS = {"aoc_state", "fleet_notes"}


def _operator_check(operator: AirOperator) -> list[FieldError]:
    if operator.suitability == AirOperator.Suitability.WITH_CONDITIONS and \
            not operator.suitability_note.strip():
        return [FieldError("suitability_note", _(
            "Name the conditions: a traveller is cleared with them."), ErrorCode.REQUIRED)]
    return []


@transaction.atomic
def operator_assess(*, actor: AnyUser, operator: AirOperator, suitability: str, note: str,
                    valid_until: dt.date | None = None, details: dict[str, Any] | None = None,
                    version: int | None = None) -> AirOperator:
    """Set the operator's suitability in force (the aviation module calls this with the
    outcome of each assessment recorded), with the registry ``details`` (certificate state,
    fleet notes) when the form gives them."""
    data = {**(details or {}), "suitability": suitability, "suitability_note": note.strip(),
            "suitability_valid_until": valid_until}
    return record_save(actor=actor, obj=operator, perm=Perm.ASSESS_AIR_OPERATOR, data=data,
                       allowed={"suitability", "suitability_note", "suitability_valid_until",
                                *OPERATOR_FIELDS},
                       action="travel.air_operator", version=version, check=_operator_check)


@transaction.atomic
def operator_suitability_lapse(*, operator: AirOperator, on: dt.date, suitability: str,
                               note: str, valid_until: dt.date | None) -> bool:
    """Vigil itself (no actor) writes the suitability in force once the one recorded has
    lapsed: the next in force, or not assessed. Idempotent: nothing is written, and False
    returned, unless the stored one has lapsed before ``on``."""
    current = AirOperator.objects.select_for_update().get(pk=operator.pk)
    lapsed = current.suitability_valid_until
    if lapsed is None or lapsed >= on:
        return False
    before = audit.snapshot(current)
    current.suitability, current.suitability_note = suitability, note
    current.suitability_valid_until = valid_until
    save_new_version(current, ["suitability", "suitability_note", "suitability_valid_until"])
    audit.record(actor=None, action="travel.air_operator.lapse", obj=current,
                 changes=audit.diff(before, audit.snapshot(current)))
    return True


@transaction.atomic
def operator_update(*, actor: AnyUser, operator: AirOperator, data: dict[str, Any],
                    version: int | None = None) -> AirOperator:
    """The registry facts an aviation officer keeps: the state of the air operator
    certificate and fleet notes (names and codes come from the import)."""
    return record_save(actor=actor, obj=operator, perm=Perm.ASSESS_AIR_OPERATOR, data=data,
                       allowed=OPERATOR_FIELDS, action="travel.air_operator", version=version)


@transaction.atomic
def settings_saved(*, actor: AnyUser, settings: TravelSettings, before: dict[str, Any]) -> None:
    """The admin site saved the travel settings: audit the change."""
    if not holds_globally(actor, Perm.CONFIGURE_TRAVEL):
        raise Forbidden()
    audit.record(actor=actor, action="travel.settings.update", obj=settings,
                 changes=audit.diff(before, audit.snapshot(settings)))


# --- Residence confirmation ----------------------------------------------------------------------

@transaction.atomic
def residence_confirm(*, actor: AnyUser, person: Person, version: int | None) -> Person:
    """The staff member (or an office with the right) says the residence on file is current:
    it then counts for whereabouts coverage."""
    require(actor, Perm.CHANGE_CONTACT_DATA, person)
    check_version(person, version)
    if person.residence_latitude is None:
        raise ValidationFailed([FieldError("residence_latitude", _(
            "Give the residence coordinates first: a residence without them cannot be "
            "found in a crisis."), ErrorCode.REQUIRED)])
    before = person.residence_confirmed_on
    person.residence_confirmed_on = timezone.localdate()
    save_new_version(person, ["residence_confirmed_on"])
    audit.record(actor=actor, action="travel.residence.confirm", obj=person,
                 changes={"residence_confirmed_on": [str(before) if before else None,
                                                     str(person.residence_confirmed_on)]})
    return person
