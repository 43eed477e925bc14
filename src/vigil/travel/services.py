"""Every write of travel: requests and their itineraries, clearance, approval, advisories,
the directory, area controls, air operators, and the presences that whereabouts reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit, bulk
from vigil.core.authz import (
    Perm,
    account,
    can,
    holds_globally,
    require,
    users_with_perm,
    visible,
)
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
from vigil.risk.selectors import reviews_in_force
from vigil.training import rules as training_rules
from vigil.training.models import Completion, Course
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
from vigil.travel.selectors import travel_settings

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


@dataclass(frozen=True)
class CourseStanding:
    """What training answers about one course for a traveller and the travelling dependants
    over some days."""

    valid: bool
    latest_on: dt.date | None  # the traveller's latest completion, when not valid
    dependants_without: tuple[str, ...]  # the dependants it concerns who lack it


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
SEGMENT_LINKS = ("origin_station", "origin_country", "origin_area", "destination_station",
                 "destination_country", "destination_area", "operator")


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
                # The stations, countries, areas and operator are rows just read (the
                # caller's scoped choices, geo.area_at): not looked up again. The coordinate
                # constraints are the fields' own validators (the same ranges), which
                # clean_fields runs: not asked of the database again.
                segment.full_clean(exclude=["request", "departs_at", "arrives_at",
                                            *SEGMENT_LINKS], validate_constraints=False)
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
        if segment.mode == Segment.Mode.AIR and segment.operator_id is None:
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


def _span(request: TravelRequest, segments: Sequence[Segment]) -> None:
    """The request's start and end, from its itinerary."""
    if segments:
        request.starts_at = segments[0].departs_at
        request.ends_at = max(segments[-1].stays_until or segments[-1].arrives_at,
                              segments[-1].arrives_at)
    else:
        request.starts_at = request.ends_at = None


def _save_itinerary(request: TravelRequest, segments: list[Segment],
                    dependants: Sequence[Dependant], *, new: bool = False) -> None:
    """Write the itinerary and the travelling dependants; ``new``: the request was just
    inserted and has neither yet (nothing to delete or compare)."""
    if not new:
        request.segments.all().delete()
    for segment in segments:
        segment.request = request
    Segment.objects.bulk_create(segments)
    if not new:
        request.dependants.set(dependants)
    elif dependants:
        request.dependants.add(*dependants)
    _span(request, segments)


def _itinerary_snapshot(request: TravelRequest,
                        segments: Sequence[Segment] | None = None) -> list[str]:
    """The itinerary as the audit log keeps it; ``segments``: the stored ones, in order, when
    the caller has them."""
    return [f"{s.origin_name} {s.departs_at:%Y-%m-%d %H:%M}Z → {s.destination_name} "
            f"{s.arrives_at:%Y-%m-%d %H:%M}Z"
            for s in (request.segments.all() if segments is None else segments)]


# --- Requests ------------------------------------------------------------------------------------

@transaction.atomic
def request_create(*, actor: AnyUser, traveller: Person, data: dict[str, Any],
                   segments: Sequence[dict[str, Any]] = (),
                   dependants: Sequence[Dependant] = (), submit: bool = False) -> TravelRequest:
    """A new request, saved as a draft; ``submit`` also submits it at once."""
    request = TravelRequest(traveller=traveller)
    request.requested_by = _require_filer(actor, request)
    assign(request, data, REQUEST_FIELDS)
    # The traveller is a row the caller read (a scoped choice): not looked up again.
    validate(request, exclude=["requested_by", "dependants", "traveller"])
    _check_dependants(traveller, dependants)
    built = _build_segments(request, segments)
    if submit:
        _check_complete(request, built, is_new_trip=True)
    _span(request, built)
    request.save()
    _save_itinerary(request, built, dependants, new=True)
    audit.record_many(actor=actor, action="travel.request.create", entries=[(request, {
        "traveller": [None, str(traveller)], "purpose": [None, request.purpose],
        "itinerary": [None, _itinerary_snapshot(request, built)]})])
    if submit:
        _evaluate_and_route(actor, request, action="submit", segments=built,
                            dependants=list({d.pk: d for d in dependants}.values()))
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
    segments = list(request.segments.select_related("operator").order_by("position"))
    _check_complete(request, segments, is_new_trip=True)
    _evaluate_and_route(actor, request, action="submit", segments=segments)
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


def _itineraries(ids: Sequence[int]) -> dict[int, list[Segment]]:
    """The segments of these requests in order, each with its air operator: the operators
    read once each (a batch flies few of them), not joined to every segment."""
    found: dict[int, list[Segment]] = {pk: [] for pk in ids}
    segments = list(Segment.objects.filter(request_id__in=ids).order_by("request_id",
                                                                        "position"))
    operators = AirOperator.objects.in_bulk({s.operator_id for s in segments
                                             if s.operator_id is not None})
    for segment in segments:
        if segment.operator_id is not None:
            segment.operator = operators[segment.operator_id]
        found[segment.request_id].append(segment)
    return found


class ClearanceFacts:
    """Everything the clearance rules read from the database for some requests, loaded in a
    fixed number of queries whatever their number: the travel settings, the itineraries and
    travelling dependants, the security levels in force, area controls and advisories of the
    places they stop at, the BSAFE and SSAFE completions of the travellers and dependants, the
    other cleared trips of the travellers, and the cleared visitors of the areas that limit
    them. ``evaluate`` reads only these, so that one request and a batch are cleared by the
    same code. A batch keeps them current as it clears (``cleared``): a request cleared earlier
    in the batch counts for the overlap and visitor rules of the ones after it, as it would if
    each were submitted in turn."""

    COURSES = ("BSAFE", "SSAFE")

    def __init__(self, requests: Sequence[TravelRequest],
                 settings: TravelSettings | None = None,
                 segments: dict[int, list[Segment]] | None = None,
                 dependants: dict[int, list[Dependant]] | None = None) -> None:
        """``segments``: the requests' segments in order, when the caller has them (with
        their operators); ``dependants``: their travelling dependants, when the caller has
        them (every request's)."""
        self.settings = settings or travel_settings()
        self.policy = self.settings.policy()
        ids = [r.pk for r in requests if r.pk is not None]
        self.segments: dict[int, list[Segment]] = {pk: [] for pk in ids}
        if segments is not None:
            self.segments.update(segments)
        else:
            self.segments.update(_itineraries(ids))
        self.dependants: dict[int, list[Dependant]] = {pk: [] for pk in ids}
        if dependants is not None:  # in the order they are read in
            self.dependants.update({pk: sorted(found, key=lambda d: d.pk)
                                    for pk, found in dependants.items()})
        else:
            through = TravelRequest.dependants.through
            for link in through.objects.filter(travelrequest_id__in=ids).select_related(
                    "dependant").order_by("dependant_id"):
                self.dependants[link.travelrequest_id].append(link.dependant)
        stops = [s for pk in ids for s in self.segments[pk]]
        areas = {s.destination_area_id for s in stops if s.destination_area_id}
        self.levels: dict[int, int] = dict(reviews_in_force().filter(
            security_area_id__in=areas).values_list("security_area_id", "proposed_level"))
        self.controls = {c.security_area_id: c for c in AreaControl.objects.filter(
            security_area_id__in=areas)}
        self.advisories: dict[int, list[Advisory]] = {}
        countries = {s.destination_country_id for s in stops}
        if stops:
            days = [s.arrives_at.date() for s in stops]
            for advisory in Advisory.objects.filter(
                    selectors.advisory_in_force_between(min(days), max(days)),
                    country_id__in=countries).order_by("-level", "-issued_on"):
                self.advisories.setdefault(advisory.country_id, []).append(advisory)
        people = {r.traveller_id for r in requests}
        kin = {d.pk for pk in ids for d in self.dependants[pk]}
        self.courses = {c.code: c for c in Course.objects.filter(code__in=self.COURSES)} \
            if kin else {}  # only dependants' ages ask the course
        self.completions: dict[tuple[str, str, int], list[Any]] = {}
        if people or kin:
            for row in Completion.objects.filter(
                    Q(person_id__in=people, dependant__isnull=True) | Q(dependant_id__in=kin),
                    course__code__in=self.COURSES).values(
                    "person_id", "dependant_id", "course__code", "completed_on",
                    "expires_on", "revoked"):
                who = ("dependant", row["dependant_id"]) if row["dependant_id"] else \
                    ("person", row["person_id"])
                self.completions.setdefault((row["course__code"], *who), []).append(row)
        # Other cleared trips of the travellers, and cleared visitors of limited areas, over
        # the span of the requests.
        spans = [(r.starts_at, r.ends_at) for r in requests if r.starts_at and r.ends_at]
        self.trips: dict[int, dict[int, tuple[dt.datetime, dt.datetime]]] = {}
        self.visits: dict[int, dict[int, list[tuple[int, dt.datetime, dt.datetime]]]] = {}
        if spans:
            first, last = min(s for s, _e in spans), max(e for _s, e in spans)
            for pk, person, starts, ends in TravelRequest.objects.filter(
                    traveller_id__in=people, status=TravelRequest.Status.CLEARED,
                    starts_at__lt=last, ends_at__gt=first).values_list(
                    "pk", "traveller_id", "starts_at", "ends_at"):
                if starts is not None and ends is not None:
                    self.trips.setdefault(person, {})[pk] = (starts, ends)
            limited = [a for a, c in self.controls.items() if c.max_visitors is not None]
            self.visits = {area: {} for area in limited}
            if limited:
                for area, request, person, starts, ends in Presence.objects.filter(
                        security_area_id__in=limited, cleared=True, dependant__isnull=True,
                        starts_at__lt=last, ends_at__gt=first).values_list(
                        "security_area_id", "request_id", "person_id", "starts_at", "ends_at"):
                    self.visits.setdefault(area, {}).setdefault(request, []).append(
                        (person, starts, ends))

    # The facts, as the rules read them.

    def advisories_in_force(self, country: int, area: int | None,
                            on: dt.date) -> list[Advisory]:
        return [a for a in self.advisories.get(country, [])
                if (a.security_area_id is None or a.security_area_id == area)
                and selectors.advisory_applies(a, on)]

    def standing(self, person: Person, dependants: Sequence[Dependant], code: str,
                 first_day: dt.date, last_day: dt.date) -> CourseStanding:
        """course_standing's answer from the loaded completions."""
        own = self.completions.get((code, "person", person.pk), [])
        valid = any(training_rules.valid_throughout(
            c["completed_on"], c["expires_on"], first_day, last_day, revoked=c["revoked"])
            for c in own)
        latest = max((c["completed_on"] for c in own if not c["revoked"]), default=None)
        course = self.courses.get(code)
        concerned = {d.pk for d in dependants if course is not None
                     and training_rules.dependant_concerned(
                         applies_to_dependants=course.applies_to_dependants,
                         minimum_age=course.dependant_minimum_age, born=d.date_of_birth,
                         day=first_day)}
        holding = {pk for pk in concerned if any(training_rules.valid_throughout(
            c["completed_on"], c["expires_on"], first_day, last_day, revoked=c["revoked"])
            for c in self.completions.get((code, "dependant", pk), []))}
        return CourseStanding(
            valid=valid,
            latest_on=latest if not valid and latest is not None and latest <= first_day
            else None,
            dependants_without=tuple(str(d) for d in dependants
                                     if d.pk in concerned and d.pk not in holding))

    def overlapping(self, request: TravelRequest) -> list[str]:
        """The references of the traveller's other cleared trips that overlap this one."""
        if request.starts_at is None or request.ends_at is None:
            return []
        found = sorted((starts, pk) for pk, (starts, ends) in
                       self.trips.get(request.traveller_id, {}).items()
                       if pk != request.pk and starts < request.ends_at
                       and ends > request.starts_at)
        return [TravelRequest.reference_of(pk) for _starts, pk in found]

    def visitors(self, area: int, arrives: dt.datetime, leaves: dt.datetime,
                 request: TravelRequest) -> int:
        """Other cleared travellers (not dependants) in the area during the stay."""
        return len({person for pk, rows in self.visits.get(area, {}).items()
                    if pk != request.pk for person, starts, ends in rows
                    if starts < leaves and ends > arrives})

    def cleared(self, request: TravelRequest, presences: Sequence[tuple[Any, ...]]) -> None:
        """A request of the batch got its new status and presences (rows of
        PRESENCE_COLUMNS): later ones see them."""
        trips = self.trips.setdefault(request.traveller_id, {})
        trips.pop(request.pk, None)
        if request.status == TravelRequest.Status.CLEARED and request.starts_at \
                and request.ends_at:
            trips[request.pk] = (request.starts_at, request.ends_at)
        for visits in self.visits.values():
            visits.pop(request.pk, None)
        for (_request, _segment, person, dependant, _kind, cleared, starts, ends, *_where,
             area) in presences:
            if cleared and dependant is None and area in self.visits:
                self.visits[area].setdefault(request.pk, []).append((person, starts, ends))


def evaluate(request: TravelRequest, *, now: dt.datetime | None = None,
             facts: ClearanceFacts | None = None) -> list[StopResult]:
    """Run the clearance rules on every stop of the itinerary (nothing is written). ``facts``:
    what the rules read, loaded for a batch that includes this request."""
    now = now or timezone.now()
    facts = facts or ClearanceFacts([request])
    policy = facts.policy
    segments = facts.segments.get(request.pk, [])
    home = request.traveller.duty_station_id
    dependants = facts.dependants.get(request.pk, [])
    traveller = rules.Traveller(bsafe_valid=True)
    common: list[rules.Reason] = []
    if segments:
        first_day = (request.starts_at or segments[0].departs_at).date()
        last_day = (request.ends_at or segments[-1].arrives_at).date()
        bsafe = facts.standing(request.traveller, dependants, "BSAFE", first_day, last_day)
        traveller = rules.Traveller(bsafe_valid=bsafe.valid, bsafe_on=bsafe.latest_on,
                                    dependants_without_bsafe=bsafe.dependants_without)
        common += rules.traveller_reasons(traveller, last_day)
        common += [rules.Reason("overlap", {"other": other})
                   for other in facts.overlapping(request)]
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
        control = facts.controls.get(area_id) if area_id else None
        visitors = 0
        if area_id and control is not None and control.max_visitors is not None:
            visitors = facts.visitors(area_id, segment.arrives_at, leaves, request)
        # The segment that arrives here, and a segment home from here, fly its operators.
        following = segments[index + 1] if index + 1 < len(segments) else None
        flown = [o for o in [segment.operator] + (
            [following.operator] if following is not None and index + 1 not in stops else [])
            if o is not None]
        stop = rules.Stop(
            place=segment.destination_name, arrives_at=segment.arrives_at, leaves_at=leaves,
            level=facts.levels.get(area_id) if area_id else None,
            advisories=[(a.level, a.title) for a in facts.advisories_in_force(
                segment.destination_country_id, area_id, segment.arrives_at.date())],
            control=control.as_rule() if control else rules.Control(), visitors=visitors,
            operator=str(segment.operator) if segment.operator else "",
            flown=[operator_flown(o) for o in flown])
        here = traveller
        if stop.control.ssafe_required:
            ssafe = facts.standing(request.traveller, dependants, "SSAFE",
                                   segment.arrives_at.date(), leaves.date())
            here = replace(traveller, ssafe_valid=ssafe.valid,
                           dependants_without_ssafe=ssafe.dependants_without)
        reasons = common + rules.stop_reasons(stop, here, policy, now)
        results.append(StopResult(segment, leaves, reasons, stop.level))
    return results


def _stop_key(segment: Segment, leaves: dt.datetime) -> str:
    return (f"{segment.destination_country_id}:{segment.destination_area_id}:"
            f"{segment.destination_station_id}:{segment.destination_name}:"
            f"{segment.arrives_at:%Y%m%d%H%M}:{leaves:%Y%m%d%H%M}")


def _clearances(request: TravelRequest, results: Sequence[StopResult],
                before: Sequence[Clearance], now: dt.datetime,
                settings: TravelSettings, *, keep_pending: bool = False) -> list[Clearance]:
    """The stops' new clearances. An approval given before is kept where its stop and the
    reasons that made it manual are unchanged (the fingerprint); with ``keep_pending`` (a
    re-clearance nobody asked for) a stop that still waits keeps its place in the queue."""
    approved = {c.fingerprint: c for c in before if c.status == Clearance.Status.APPROVED}
    waiting = {c.fingerprint: c for c in before if c.status == Clearance.Status.PENDING} \
        if keep_pending else {}
    created: list[Clearance] = []
    for position, result in enumerate(results, start=1):
        segment = result.segment
        fingerprint = rules.fingerprint(_stop_key(segment, result.leaves_at), result.reasons)
        outcome = result.outcome
        kept = approved.get(fingerprint) if outcome is rules.Outcome.APPROVAL else None
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
            still = waiting.get(fingerprint)
            if still is not None:
                clearance.requested_at, clearance.due_at = still.requested_at, still.due_at
        else:  # the rules decided it, and the decision says so
            clearance.decided_as, clearance.decided_at = rules.DECIDED_BY_RULES, now
        if kept is not None:
            clearance.status = Clearance.Status.APPROVED
            clearance.decided_by_id, clearance.decided_at = kept.decided_by_id, kept.decided_at
            clearance.decided_as = kept.decided_as
            clearance.comment, clearance.requested_at = kept.comment, kept.requested_at
            clearance.due_at = kept.due_at
        created.append(clearance)
    return created


def _outcome_changes(previous_status: str, request: TravelRequest,
                     created: Sequence[Clearance]) -> dict[str, Any]:
    return {"status": [previous_status, request.status],
            "stops": [{"place": c.place, "status": c.status,
                       "reasons": [r["code"] for r in c.reasons]} for c in created]}


def _evaluate_and_route(actor: AnyUser, request: TravelRequest, *, action: str,
                        segments: list[Segment] | None = None,
                        dependants: list[Dependant] | None = None) -> None:
    """Run the rules, keep approvals of unchanged stops, set the request's state, tell the
    approvers of new pending stops, and rewrite the presences. ``segments``: the stored
    itinerary in order, with operators, and ``dependants``: the travelling dependants, when
    the caller has them already."""
    now = timezone.now()
    facts = ClearanceFacts([request], segments=None if segments is None
                           else {request.pk: segments},
                           dependants=None if dependants is None
                           else {request.pk: dependants})
    # A request never submitted has no clearances and no presences yet.
    submitted = request.submitted_at is not None
    before = list(request.clearances.filter(status=Clearance.Status.APPROVED)) \
        if submitted else []
    if submitted:
        request.clearances.all().delete()
    created = _clearances(request, evaluate(request, now=now, facts=facts), before, now,
                          facts.settings)
    Clearance.objects.bulk_create(created)
    previous_status = request.status
    request.status = _status_after_clearance(created)
    if request.submitted_at is None:
        request.submitted_at = now
    if request.status in {TravelRequest.Status.CLEARED, TravelRequest.Status.REFUSED}:
        request.decided_at = now
    save_new_version(request, ["status", "submitted_at", "decided_at"])
    presence_rebuild(request, segments=facts.segments[request.pk],
                     dependant_ids=[d.pk for d in facts.dependants[request.pk]],
                     stored=submitted)
    audit.record_many(actor=actor, action=f"travel.request.{action}.outcome",
                      entries=[(request, _outcome_changes(previous_status, request, created))])
    pending = [c for c in created if c.status == Clearance.Status.PENDING]
    for held in selectors.held_stops(pending) if pending else []:
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


# --- Clearance of many requests at once ----------------------------------------------------------

#: Requests cleared per transaction by the bulk paths.
CLEAR_BATCH = 500


@dataclass
class ClearedMany:
    """What a bulk clearance did: requests read, requests whose clearance changed (written and
    audited), and their new statuses."""

    read: int = 0
    changed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, other: ClearedMany) -> None:
        self.read += other.read
        self.changed += other.changed
        for key, count in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + count


def _same_clearances(before: Sequence[Clearance], after: Sequence[Clearance]) -> bool:
    """The same stops with the same outcomes, reasons and deciders (when it was asked or
    decided aside)."""
    def key(c: Clearance) -> tuple[Any, ...]:
        return (c.position, c.place, c.arrives_at, c.status, c.fingerprint, c.level,
                c.reasons, c.decided_by_id, c.decided_as)
    return [key(c) for c in before] == [key(c) for c in after]


#: The columns of a clearance row as _clearance_row gives it (attribute names).
CLEARANCE_COLUMNS = ("request_id", "position", "place", "country_id", "security_area_id",
                     "duty_station_id", "arrives_at", "level", "reasons", "status",
                     "fingerprint", "requested_at", "due_at", "decided_by_id", "decided_at",
                     "decided_as", "comment")


def _clearance_row(clearance: Clearance) -> tuple[Any, ...]:
    """A new clearance as a row of CLEARANCE_COLUMNS (its reasons as JSON text)."""
    return (clearance.request_id, clearance.position, clearance.place, clearance.country_id,
            clearance.security_area_id, clearance.duty_station_id, clearance.arrives_at,
            clearance.level, json.dumps(clearance.reasons, ensure_ascii=False),
            str(clearance.status), clearance.fingerprint, clearance.requested_at,
            clearance.due_at, clearance.decided_by_id, clearance.decided_at,
            clearance.decided_as, clearance.comment)


def _lead_time_as_filed(results: list[StopResult],
                        stored: Sequence[Clearance]) -> list[StopResult]:
    """A re-clearance judges the lead time as it was judged when the request was filed (or
    last amended): each stop keeps the lead-time reason it has stored, in the same words, and
    gets none it did not have. Else a trip cleared in good time would be held as its day
    comes closer, and a waiting one rewritten every day for the days left."""
    had = {c.position: [r for r in c.reason_list if r.code == "lead_time"] for c in stored}
    out = []
    for position, result in enumerate(results, start=1):
        kept = had.get(position, [])
        reasons = [r for r in result.reasons if r.code != "lead_time"]
        if kept:
            at = next((i for i, r in enumerate(result.reasons) if r.code == "lead_time"),
                      next((i for i, r in enumerate(reasons)
                            if r.code.startswith("operator_")), len(reasons)))
            reasons[at:at] = kept
        out.append(replace(result, reasons=reasons))
    return out


def _clear_batch(actor: AnyUser | None, requests: list[TravelRequest], *, action: str,
                 now: dt.datetime, settings: TravelSettings,
                 segments: dict[int, list[Segment]] | None = None) -> ClearedMany:
    """Clear locked requests as _evaluate_and_route clears one after the other (the same rules
    on the same facts, approvals of unchanged stops kept, the same presences, one audit event
    each) in a fixed number of queries whatever their number. A submitted request whose
    clearance comes out exactly as stored is left as it is (not written, not audited); a stop
    that still waits keeps its place in the approval queue."""
    facts = ClearanceFacts(requests, settings, segments)
    stored: dict[int, list[Clearance]] = {r.pk: [] for r in requests}
    submitted = [r.pk for r in requests if r.submitted_at is not None]
    for clearance in Clearance.objects.filter(request_id__in=submitted).order_by(
            "request_id", "position"):
        stored[clearance.request_id].append(clearance)
    done = ClearedMany(read=len(requests))
    changed: list[TravelRequest] = []
    clearances: list[Clearance] = []
    presences: list[tuple[Any, ...]] = []
    entries: list[tuple[TravelRequest, dict[str, Any]]] = []
    waiting: list[tuple[TravelRequest, Clearance]] = []
    for request in requests:
        before = stored[request.pk]
        results = evaluate(request, now=now, facts=facts)
        if action == "reclear":
            results = _lead_time_as_filed(results, before)
        created = _clearances(request, results, before, now, settings,
                              keep_pending=request.submitted_at is not None)
        status = _status_after_clearance(created)
        if request.submitted_at is not None and status == request.status and \
                _same_clearances(before, created):
            continue  # unchanged: its stored clearances and presences stand
        previous_status, request.status = request.status, status
        if request.submitted_at is None:
            request.submitted_at = now
        if status != previous_status and status in {TravelRequest.Status.CLEARED,
                                                    TravelRequest.Status.REFUSED}:
            request.decided_at = now
        request.version += 1  # as the UPDATE below does
        request.updated_at = now
        rows = _presence_values_of(request, facts.segments[request.pk],
                                   [d.pk for d in facts.dependants[request.pk]])
        facts.cleared(request, rows)
        changed.append(request)
        clearances += created
        presences += rows
        entries.append((request, _outcome_changes(previous_status, request, created)))
        asked = {c.fingerprint for c in before if c.status == Clearance.Status.PENDING}
        waiting += [(request, c) for c in created if c.status == Clearance.Status.PENDING
                    and c.fingerprint not in asked]
        done.statuses[status] = done.statuses.get(status, 0) + 1
    done.changed = len(changed)
    if not changed:
        return done
    ids = [r.pk for r in changed]
    Clearance.objects.filter(request_id__in=ids).delete()
    bulk.insert_rows(Clearance, CLEARANCE_COLUMNS, [_clearance_row(c) for c in clearances])
    # One UPDATE per new status (and whether it is decided now): the rows are locked, so the
    # version each was read at is the one it is raised from.
    groups: dict[tuple[str, bool], list[int]] = {}
    for request in changed:
        groups.setdefault((request.status, request.decided_at == now), []).append(request.pk)
    for (new_status, decided), pks in groups.items():
        values: dict[str, Any] = {"decided_at": now} if decided else {}
        TravelRequest.objects.filter(pk__in=pks).update(
            status=new_status, version=F("version") + 1, updated_at=now,
            submitted_at=Coalesce(F("submitted_at"), Value(now)), **values)
    Presence.objects.filter(request_id__in=ids).delete()
    bulk.insert_rows(Presence, PRESENCE_COLUMNS, presences)
    audit.record_many(actor=actor, action=f"travel.request.{action}.outcome", entries=entries)
    _notify_waiting(waiting)
    return done


def _notify_waiting(waiting: Sequence[tuple[TravelRequest, Clearance]]) -> None:
    """Tell whoever holds each newly waiting stop: one message per stop where a holder has
    one, else one message per holder level and people listing their stops (a level change
    must not send an officer hundreds of mails)."""
    if not waiting:
        return
    # By the stop itself: new stops are written without reading their keys back.
    requests = {id(c): r for r, c in waiting}
    held = selectors.held_stops([c for _r, c in waiting])
    groups: dict[tuple[Any, tuple[int, ...]], list[selectors.HeldStop]] = {}
    for item in held:
        if item.holders:
            groups.setdefault((item.holder, item.holding.users), []).append(item)
    for (holder, _users), items in groups.items():
        if len(items) == 1:
            _notify_approvers(requests[id(items[0].clearance)], items[0])
            continue
        lines = "\n".join(
            f"- {requests[id(i.clearance)].reference} {requests[id(i.clearance)].traveller}: "
            f"{i.clearance.place}, {i.clearance.arrives_at:%Y-%m-%d %H:%M} UTC" for i in items)
        body: Any = Msg(gettext_lazy("%(count)s stops need your approval:\n%(stops)s"),
                        count=len(items), stops=lines)
        if items[0].holding.fallback and holder is not None:
            body = Msg(gettext_lazy("No security officer covers these places, so the stops "
                                    "come to you (%(holder)s).\n\n%(request)s"),
                       holder=holder.label, request=body)
        notify(users=items[0].holders,
               subject=Msg(gettext_lazy("Travel clearance requested for %(count)s stops"),
                           count=len(items)),
               body=body, url=reverse("travel:approval_queue"))


def requests_submit_many(*, actor: AnyUser, requests: Sequence[TravelRequest]
                         ) -> ClearedMany:
    """Submit several drafts at once (the drafts an assistant or an office selected): each
    must be one the actor may file and complete, as request_submit asks; then all are
    cleared as if submitted in turn, CLEAR_BATCH per transaction. A fault refuses the whole
    batch it is in, naming the request."""
    done = ClearedMany()
    ids = [r.pk for r in requests]
    for start in range(0, len(ids), CLEAR_BATCH):
        done.add(_submit_batch(actor, ids[start:start + CLEAR_BATCH]))
    return done


@transaction.atomic
def _submit_batch(actor: AnyUser, ids: Sequence[int]) -> ClearedMany:
    filer = account(actor)
    batch = list(TravelRequest.objects.select_for_update(of=("self",)).filter(
        pk__in=ids).select_related("traveller").order_by("pk"))
    allowed = set(visible(filer, Perm.REQUEST_TRAVEL, TravelRequest.objects.filter(
        pk__in=ids)).values_list("pk", flat=True))
    delegated = set(Delegation.objects.filter(
        assistant_id=filer.pk, person_id__in={r.traveller_id for r in batch}).values_list(
        "person_id", flat=True))
    if len(batch) != len(set(ids)) or any(
            r.pk not in allowed and r.traveller_id not in delegated for r in batch):
        raise Forbidden()
    settings = travel_settings()
    segments = _itineraries([r.pk for r in batch])
    for request in batch:
        if not request.allows("submit"):
            raise TransitionRefused(_("Only a draft can be submitted: %(ref)s is not one.")
                                    % {"ref": request.reference})
        try:
            _check_complete(request, segments[request.pk], is_new_trip=True)
        except ValidationFailed as error:
            raise ValidationFailed([replace(e, field=f"{request.reference}.{e.field}")
                                    for e in error.errors]) from error
    return _clear_batch(actor, batch, action="submit", now=timezone.now(), settings=settings,
                        segments=segments)


def requests_reclear(*, actor: AnyUser | None, area_ids: Sequence[int] | None = None,
                     country_ids: Sequence[int] = (),
                     batch: int = CLEAR_BATCH) -> ClearedMany:
    """Run the clearance rules again on every open request (pending or cleared, not yet
    over) that stops in one of ``area_ids`` or ``country_ids`` (area_ids None: anywhere),
    after a fact they read changed:
    a security level, an area's controls, an advisory, the travel settings. Each batch of
    ``batch`` requests is one transaction. A request whose clearance comes out as stored is
    not touched; one that changes is written and audited as an amendment's outcome is
    ("travel.request.reclear.outcome"), keeping approvals of unchanged stops, and whoever
    holds a newly waiting stop is told. ``actor`` None: Vigil itself (a scheduled run); else
    one who configures travel for the whole system."""
    if actor is not None and not holds_globally(actor, Perm.CONFIGURE_TRAVEL):
        raise Forbidden()
    now = timezone.now()
    open_requests = TravelRequest.objects.filter(
        status__in=[TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED],
        ends_at__gt=now)
    if area_ids is not None:
        open_requests = open_requests.filter(pk__in=Segment.objects.filter(
            Q(destination_area_id__in=list(area_ids))
            | Q(destination_country_id__in=list(country_ids))).values("request_id"))
    ids = list(open_requests.order_by("pk").values_list("pk", flat=True))
    done = ClearedMany()
    settings = travel_settings()
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            requests = list(TravelRequest.objects.select_for_update(of=("self",)).filter(
                pk__in=ids[start:start + batch],
                status__in=[TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED])
                .select_related("traveller").order_by("pk"))
            done.add(_clear_batch(actor, requests, action="reclear", now=now,
                                  settings=settings))
    return done


def requests_reclear_changed(*, since: dt.datetime, batch: int = CLEAR_BATCH) -> ClearedMany:
    """Vigil itself (a periodic task) re-clears the open requests whose facts changed at or
    after ``since``: those that stop in an area whose security level in force was approved
    since, or whose controls were set since; in a country with an advisory issued or changed
    since; all of them when the travel settings changed since. A request whose clearance
    comes out as stored is neither written nor audited, so windows that overlap cost only
    the reading. (Risk approves levels and must not call travel: this is how a new level
    reaches the trips.)"""
    if TravelSettings.objects.filter(updated_at__gte=since).exists():
        return requests_reclear(actor=None, batch=batch)
    areas = set(reviews_in_force().filter(decided_at__gte=since).values_list(
        "security_area_id", flat=True))
    areas |= set(AreaControl.objects.filter(updated_at__gte=since).values_list(
        "security_area_id", flat=True))
    countries = set(Advisory.objects.filter(updated_at__gte=since).values_list(
        "country_id", flat=True))
    if not areas and not countries:
        return ClearedMany()
    return requests_reclear(actor=None, area_ids=sorted(areas), country_ids=sorted(countries),
                            batch=batch)


# --- Presences -----------------------------------------------------------------------------------

#: The columns of a presence row as presence_values gives it (attribute names).
PRESENCE_COLUMNS = ("request_id", "segment_id", "person_id", "dependant_id", "kind", "cleared",
                    "starts_at", "ends_at", "latitude", "longitude", "cell", "country_id",
                    "security_area_id")


def _presence_places(segments: Sequence[Segment], home_station: int | None
                     ) -> list[tuple[Segment, str, dt.datetime, dt.datetime, float, float, int,
                                     int, int | None]]:
    """Where an itinerary places its travellers: the rules' pieces of the trip, each cut at
    rules.MAX_PRESENCE, as (segment, kind, start, end, latitude, longitude, cell, country,
    area)."""
    legs = [rules.Leg(departs_at=s.departs_at, arrives_at=s.arrives_at,
                      origin=(s.origin_latitude, s.origin_longitude),
                      destination=(s.destination_latitude, s.destination_longitude),
                      lodging=s.lodging_point,
                      home=rules.ends_at_home(s.destination_station_id, home_station),
                      stays_until=s.stays_until) for s in segments]
    places = []
    for piece in rules.pieces(legs):
        segment = segments[piece.leg]
        at_origin = piece.at_origin
        country = segment.origin_country_id if at_origin else segment.destination_country_id
        area = segment.origin_area_id if at_origin else segment.destination_area_id
        lat, lon = piece.point
        cell = rules.cell(lat, lon)
        places += [(segment, piece.kind, start, end, lat, lon, cell, country, area)
                   for start, end in rules.split_interval(piece.starts_at, piece.ends_at)]
    return places


def presence_values(request_id: int, segments: Sequence[Segment],
                    subjects: Sequence[tuple[int, int | None]], home_station: int | None,
                    cleared: bool) -> list[tuple[Any, ...]]:
    """The presences of a stored itinerary as plain rows (PRESENCE_COLUMNS), for
    bulk.insert_rows: presence_rows without the model instances."""
    return [(request_id, segment.pk, person_id, dependant_id, kind, cleared, start, end, lat,
             lon, cell, country, area)
            for segment, kind, start, end, lat, lon, cell, country, area
            in _presence_places(segments, home_station) for person_id, dependant_id in subjects]


def presence_rows(request: TravelRequest, segments: Sequence[Segment],
                  subjects: Sequence[tuple[int, int | None]], home_station: int | None,
                  cleared: bool) -> list[Presence]:
    return [Presence(request=request, segment=segment, person_id=person_id,
                     dependant_id=dependant_id, kind=kind, cleared=cleared, starts_at=start,
                     ends_at=end, latitude=lat, longitude=lon, cell=cell, country_id=country,
                     security_area_id=area)
            for segment, kind, start, end, lat, lon, cell, country, area
            in _presence_places(segments, home_station) for person_id, dependant_id in subjects]


def _presence_values_of(request: TravelRequest, segments: Sequence[Segment],
                        dependant_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The presences a request's status and itinerary call for (none unless submitted)."""
    if request.status not in {TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED}:
        return []
    subjects = [(request.traveller_id, None), *((request.traveller_id, d)
                                                for d in dependant_ids)]
    return presence_values(request.pk, segments, subjects, request.traveller.duty_station_id,
                           request.status == TravelRequest.Status.CLEARED)


def _presences_of(request: TravelRequest, segments: Sequence[Segment],
                  dependant_ids: Sequence[int]) -> list[Presence]:
    """The presences a request's status and itinerary call for (none unless submitted)."""
    if request.status not in {TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED}:
        return []
    subjects = [(request.traveller_id, None), *((request.traveller_id, d)
                                                for d in dependant_ids)]
    return presence_rows(request, segments, subjects, request.traveller.duty_station_id,
                         request.status == TravelRequest.Status.CLEARED)


def presence_rebuild(request: TravelRequest, *, segments: Sequence[Segment] | None = None,
                     dependant_ids: Sequence[int] | None = None, stored: bool = True) -> int:
    """Rewrite where the request places its travellers: submitted requests only; cleared
    ones count for whereabouts, pending ones are kept for a crisis that wants them.
    ``segments`` (in order) and ``dependant_ids``: the itinerary, when the caller has it;
    ``stored`` False: the request has none stored yet (it was never submitted)."""
    if stored:
        request.presences.all().delete()
    if request.status not in {TravelRequest.Status.PENDING, TravelRequest.Status.CLEARED}:
        return 0
    if segments is None:
        segments = list(request.segments.order_by("position"))
    if dependant_ids is None:
        dependant_ids = list(request.dependants.values_list("pk", flat=True))
    rows = _presences_of(request, segments, dependant_ids)
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
    before = control.as_rule() if control.pk else None
    result = record_save(actor=actor, obj=control, perm=Perm.SET_AREA_CONTROLS, data=data,
                         allowed=CONTROL_FIELDS, action="travel.area_control",
                         version=version)
    AreaControl.objects.filter(pk=result.pk).update(set_by=setter)
    if result.as_rule() != (before or rules.Control()):
        # The open trips that stop in the area are cleared again under the new controls
        # (by Vigil: the rules re-ran; the official's change is audited above).
        requests_reclear(actor=None, area_ids=[area.pk])
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
