"""Reads of HQ access control, narrowed to what the reader may see: zones and gates, pass
holders, passes, visits, meetings with their delegations and accreditations.

Four reads are system reads with no user (``pass_state``, ``passes_by_number``,
``pass_by_token``, ``visit_for_pass``): the gate scan and the entry-event import call them after
checking their own permission, and must see every pass to say why one is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Perm, can, get_visible, visible
from vigil.core.errors import NotFound
from vigil.core.models import AuditEvent
from vigil.core.selectors import narrowed, searched
from vigil.hq.access_rules import PassCondition, PassState, day_bounds, masked, qr_token
from vigil.hq.models import (
    Accreditation,
    AccreditationStatus,
    Delegation,
    Gate,
    Meeting,
    Pass,
    PassHolder,
    PassStatus,
    Visit,
    VisitStatus,
    Zone,
)
from vigil.people.models import Person
from vigil.places.models import DutyStation, Premises

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

HQ_KINDS = (DutyStation.Kind.HEADQUARTERS, DutyStation.Kind.REGIONAL_COMMISSION)


# --- The contract read by the gate (system reads) ---------------------------------------------

def pass_state(pass_: Pass) -> PassState:
    """The plain facts the admission rule (``access_rules.refusal``) reads from a pass: its
    stored status, its window, its duty station and the ids of the zones it opens. The zones
    come from the prefetch cache when the pass was read with ``prefetch_related("zones")`` (as
    ``passes_by_number`` and ``pass_by_token`` do), else from one query."""
    cache = getattr(pass_, "_prefetched_objects_cache", {})
    if "zones" in cache:
        zone_ids = frozenset(zone.pk for zone in cache["zones"])
    else:
        zone_ids = frozenset(pass_.zones.values_list("pk", flat=True))
    return PassState(status=pass_.status, valid_from=pass_.valid_from,
                     valid_until=pass_.valid_until, duty_station_id=pass_.duty_station_id,
                     zone_ids=zone_ids)


def _passes_for_gate() -> QuerySet[Pass]:
    return Pass.objects.select_related("holder", "duty_station").prefetch_related("zones")


def passes_by_number(numbers: Iterable[str]) -> dict[str, Pass]:
    """The passes with these numbers, by number, with holder and zones read: one query for the
    passes and one for their zones, however many numbers. A number that names no pass is
    absent from the answer (the rule then gives ``Refusal.UNKNOWN``). Numbers are matched
    exactly, after trimming spaces. A system read: the caller has checked its own permission
    (importing entry events, recording an entry) and may see every pass."""
    wanted = {n.strip() for n in numbers if n and n.strip()}
    if not wanted:
        return {}
    return {p.number: p for p in _passes_for_gate().filter(number__in=wanted)}


def pass_by_token(token: str) -> Pass | None:
    """The pass whose QR code was scanned, or None when the code names no pass. ``token`` is
    the whole scanned text (``VIGIL-PASS:<number>:<secret>``, as the printed card carries) or
    the bare secret; the number in the text is not trusted, only the secret is matched. Holder
    and zones are read with it. A system read, as ``passes_by_number``."""
    secret = qr_token(token)
    if not secret:
        return None
    return _passes_for_gate().filter(token=secret).first()


def visit_for_pass(pass_: Pass) -> Visit | None:
    """The visit a visitor pass was issued for (with its host and premises), or None for a
    pass that belongs to no visit (staff, delegates, contractors, media). A system read."""
    return (Visit.objects.select_related("host", "host__user", "premises", "visitor")
            .filter(pass_issued=pass_).first())


def visits_seen(user: AnyUser) -> QuerySet[Visit]:
    """The visits this user may read: those in the scope of their access-control grants, and
    the ones they host themselves."""
    return (visible(user, Perm.VIEW_ACCESS, Visit.objects.all())
            | visible(user, Perm.HOST_VISITOR, Visit.objects.all()))


def visits_expected(user: AnyUser, premises: Premises, day: dt.date) -> QuerySet[Visit]:
    """The visits at ``premises`` whose expected window touches the calendar ``day`` as the
    premises' duty station counts it (its time zone), in every status, that ``user`` may see
    (their scope, or their own visitors as host), earliest first, with visitor, host, pass and
    gate read."""
    tz = ZoneInfo(premises.duty_station.time_zone)
    start, end = day_bounds(day, tz)
    return (visits_seen(user).filter(premises=premises, expected_from__lt=end,
                                     expected_until__gt=start)
            .select_related("visitor", "host", "host__user", "premises__duty_station",
                            "pass_issued", "arrival_gate")
            .order_by("expected_from", "pk"))


# --- Premises, zones and gates ----------------------------------------------------------------

def access_premises_list(*, user: AnyUser, search: str = "",
                         duty_station: Any = None) -> QuerySet[Premises]:
    """The premises of headquarters duty stations and regional commissions whose access
    control the user reads, with their zone and gate counts."""
    qs = visible(user, Perm.VIEW_ACCESS, Premises.objects.filter(
        duty_station__kind__in=HQ_KINDS).select_related("duty_station",
                                                         "duty_station__country"))
    qs = searched(qs, search, "name__icontains", "duty_station__name__icontains")
    return narrowed(qs, duty_station_id=duty_station or None).annotate(
        zone_count=Count("zones", distinct=True),
        gate_count=Count("gates", distinct=True)).order_by("duty_station__name", "name")


def access_premises_get(*, user: AnyUser, pk: Any) -> Premises:
    return get_visible(user, Perm.VIEW_ACCESS, Premises.objects.select_related(
        "duty_station", "duty_station__country"), pk=pk)


def access_stations(*, user: AnyUser, perm: Perm = Perm.VIEW_ACCESS) -> QuerySet[DutyStation]:
    """The headquarters duty stations where the user holds ``perm`` (a filter's choices)."""
    return visible(user, perm, DutyStation.objects.filter(kind__in=HQ_KINDS)).order_by("name")


def zone_list(*, user: AnyUser, premises: Premises | None = None) -> QuerySet[Zone]:
    qs = visible(user, Perm.VIEW_ACCESS, Zone.objects.select_related(
        "premises", "premises__duty_station"))
    return qs.filter(premises=premises) if premises is not None else qs


def zone_get(*, user: AnyUser, pk: Any) -> Zone:
    return get_visible(user, Perm.VIEW_ACCESS, Zone.objects.select_related(
        "premises", "premises__duty_station"), pk=pk)


def zones_at_station(*, duty_station: DutyStation | int) -> QuerySet[Zone]:
    """The zones in use at the premises of a duty station: those a pass there may open."""
    return Zone.objects.filter(premises__duty_station=duty_station, active=True).select_related(
        "premises").order_by("premises__name", "code")


def gate_list(*, user: AnyUser, premises: Premises | None = None) -> QuerySet[Gate]:
    qs = visible(user, Perm.VIEW_ACCESS, Gate.objects.select_related(
        "premises", "premises__duty_station", "zone"))
    return qs.filter(premises=premises) if premises is not None else qs


def gate_get(*, user: AnyUser, pk: Any) -> Gate:
    return get_visible(user, Perm.VIEW_ACCESS, Gate.objects.select_related(
        "premises", "premises__duty_station", "zone"), pk=pk)


# --- Pass holders -----------------------------------------------------------------------------

def may_read_documents(user: AnyUser, holder: PassHolder) -> bool:
    """Identity document numbers are shown in full only to those who issue passes or receive
    visitors at the holder's duty station; everyone else sees them masked."""
    return can(user, Perm.MANAGE_PASSES, holder) or can(user, Perm.MANAGE_VISITORS, holder)


def pass_holder_list(*, user: AnyUser, search: str = "", kind: str = "",
                     duty_station: Any = None) -> QuerySet[PassHolder]:
    qs = visible(user, Perm.VIEW_ACCESS, PassHolder.objects.select_related(
        "duty_station", "organization", "nationality", "person"))
    qs = searched(qs, search, "family_name__icontains", "given_name__icontains",
                  "affiliation__icontains", "email__iexact")
    return narrowed(qs, kind=kind, duty_station_id=duty_station or None).annotate(
        pass_count=Count("passes"))


def pass_holder_get(*, user: AnyUser, pk: Any) -> PassHolder:
    return get_visible(user, Perm.VIEW_ACCESS, PassHolder.objects.select_related(
        "duty_station", "organization", "nationality", "person"), pk=pk)


def pass_holder_document(*, user: AnyUser, holder: PassHolder) -> dict[str, str]:
    """The holder's identity document as this reader may see it: in full (and the read
    audited) for those who may read documents, masked for everyone else."""
    if not holder.document_number:
        return {"type": holder.document_type, "number": "", "masked": ""}
    if may_read_documents(user, holder):
        audit.record_read(actor=user, action="hq.pass_holder.document_read", obj=holder)
        return {"type": holder.document_type, "number": holder.document_number,
                "masked": masked(holder.document_number)}
    return {"type": holder.document_type, "number": "", "masked": masked(holder.document_number)}


def staff_choices(*, user: AnyUser, duty_station: DutyStation | int | None) -> QuerySet[Person]:
    """The staff a pass holder may be linked to: people of that duty station whom the user may
    see."""
    qs = visible(user, Perm.VIEW_PERSON, Person.objects.select_related("organization"))
    if duty_station is not None:
        qs = qs.filter(duty_station=duty_station)
    return qs.order_by("family_name", "given_name")


def host_choices(*, user: AnyUser, premises: Premises | None = None) -> QuerySet[Person]:
    """The staff a visit may be hosted by: people of the premises' duty station whom the user
    may see."""
    qs = visible(user, Perm.VIEW_PERSON, Person.objects.select_related("organization"))
    if premises is not None:
        qs = qs.filter(duty_station_id=premises.duty_station_id)
    return qs.order_by("family_name", "given_name")


# --- Passes -----------------------------------------------------------------------------------

def _condition_filter(condition: str, at: dt.datetime) -> Q | None:
    active = Q(status=PassStatus.ACTIVE)
    table = {
        PassCondition.VALID: active & Q(valid_from__lte=at, valid_until__gt=at),
        PassCondition.NOT_YET_VALID: active & Q(valid_from__gt=at),
        PassCondition.EXPIRED: active & Q(valid_until__lte=at),
        PassCondition.SUSPENDED: Q(status=PassStatus.SUSPENDED),
        PassCondition.REVOKED: Q(status=PassStatus.REVOKED),
    }
    known = {c.value for c in PassCondition}
    return table.get(PassCondition(condition)) if condition in known else None


def pass_list(*, user: AnyUser, search: str = "", condition: str = "", kind: str = "",
              duty_station: Any = None, zone: Any = None, holder: Any = None,
              at: dt.datetime | None = None) -> QuerySet[Pass]:
    """Passes the user may see, filtered by their condition at ``at`` (now by default: valid,
    not yet valid, expired, suspended, revoked), type, duty station, zone and holder."""
    qs = visible(user, Perm.VIEW_ACCESS, Pass.objects.select_related(
        "holder", "duty_station")).prefetch_related("zones")
    qs = searched(qs, search, "number__iexact", "holder__family_name__icontains",
                  "holder__given_name__icontains", "holder__affiliation__icontains")
    condition_q = _condition_filter(condition, at or timezone.now())
    if condition_q is not None:
        qs = qs.filter(condition_q)
    if zone:
        qs = qs.filter(pk__in=Pass.zones.through.objects.filter(zone_id=zone)
                       .values("pass_id"))
    return narrowed(qs, kind=kind, duty_station_id=duty_station or None,
                    holder_id=holder or None)


def pass_get(*, user: AnyUser, pk: Any) -> Pass:
    return get_visible(user, Perm.VIEW_ACCESS, Pass.objects.select_related(
        "holder", "duty_station", "issued_by", "status_changed_by").prefetch_related(
        Prefetch("zones", Zone.objects.select_related("premises"))), pk=pk)


def pass_history(*, pass_: Pass) -> QuerySet[AuditEvent]:
    """What happened to a pass, oldest first, from the audit log."""
    return AuditEvent.objects.filter(object_type="hq.pass", object_id=str(pass_.pk),
                                     sensitive_read=False).order_by("seq")


def passes_expiring(*, user: AnyUser, days: int = 7,
                    at: dt.datetime | None = None) -> QuerySet[Pass]:
    """Valid passes whose window ends within ``days`` days: to renew or to let lapse."""
    now = at or timezone.now()
    return visible(user, Perm.VIEW_ACCESS, Pass.objects.select_related(
        "holder", "duty_station")).filter(
        status=PassStatus.ACTIVE, valid_from__lte=now, valid_until__gt=now,
        valid_until__lte=now + dt.timedelta(days=days)).order_by("valid_until", "pk")


# --- Visits -----------------------------------------------------------------------------------

def visit_list(*, user: AnyUser, search: str = "", status: str = "", premises: Any = None,
               day: dt.date | None = None) -> QuerySet[Visit]:
    qs = visits_seen(user).select_related("visitor", "host", "premises",
                                          "premises__duty_station", "pass_issued")
    qs = searched(qs, search, "visitor__family_name__icontains",
                  "visitor__given_name__icontains", "host__family_name__icontains",
                  "purpose__icontains")
    qs = narrowed(qs, status=status, premises_id=premises or None)
    if day is not None:
        # The day as UTC counts it: a list across stations has no single local day.
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(expected_from__lt=start + dt.timedelta(days=1), expected_until__gt=start)
    return qs.order_by("-expected_from", "-pk")


def my_visits(*, user: AnyUser, upcoming: bool = True) -> QuerySet[Visit]:
    """The visitors this user hosts: upcoming and in the building first, or past ones."""
    if not user.is_authenticated:
        return Visit.objects.none()
    qs = Visit.objects.filter(host__user_id=user.pk).select_related(
        "visitor", "premises", "premises__duty_station", "pass_issued")
    live = Q(status__in=[VisitStatus.EXPECTED, VisitStatus.ARRIVED]) & Q(
        expected_until__gt=timezone.now() - dt.timedelta(days=1))
    return (qs.filter(live).order_by("expected_from", "pk") if upcoming
            else qs.exclude(live).order_by("-expected_from", "-pk"))


def visit_get(*, user: AnyUser, pk: Any) -> Visit:
    """One visit the user may read (in scope, or hosted by them); the same NotFound for a
    visit that does not exist and for one that is not theirs."""
    visit = visits_seen(user).select_related(
        "visitor", "host", "host__user", "premises", "premises__duty_station", "pass_issued",
        "arrival_gate", "document_checked_by", "registered_by").filter(pk=pk).first()
    if visit is None:
        raise NotFound()
    return visit


def visit_premises_choices(*, user: AnyUser) -> QuerySet[Premises]:
    """The premises where the user may register a visit: for security, those in scope; for a
    host, the premises of their own duty station."""
    managed = visible(user, Perm.MANAGE_VISITORS, Premises.objects.filter(
        duty_station__kind__in=HQ_KINDS))
    if not user.is_authenticated:
        return managed
    own = Premises.objects.filter(duty_station__kind__in=HQ_KINDS,
                                  duty_station__personnel__user_id=user.pk)
    return (managed | own).distinct().select_related("duty_station").order_by(
        "duty_station__name", "name")


def visits_today_count(*, user: AnyUser) -> int:
    now = timezone.now()
    return visible(user, Perm.VIEW_ACCESS, Visit.objects.all()).filter(
        status=VisitStatus.EXPECTED, expected_from__lt=now + dt.timedelta(hours=24),
        expected_until__gt=now).count()


# --- Meetings ---------------------------------------------------------------------------------

def meeting_list(*, user: AnyUser, search: str = "", kind: str = "", duty_station: Any = None,
                 current: bool = False) -> QuerySet[Meeting]:
    qs = visible(user, Perm.VIEW_ACCESS, Meeting.objects.select_related(
        "duty_station", "premises"))
    qs = narrowed(searched(qs, search, "name__icontains"), kind=kind,
                  duty_station_id=duty_station or None)
    if current:
        qs = qs.filter(ends_on__gte=timezone.now().date())
    return qs.annotate(
        delegation_count=Count("delegations", distinct=True),
        accredited_count=Count("delegations__accreditations", distinct=True,
                               filter=Q(delegations__accreditations__status=(
                                   AccreditationStatus.ACCREDITED))))


def meeting_get(*, user: AnyUser, pk: Any) -> Meeting:
    return get_visible(user, Perm.VIEW_ACCESS, Meeting.objects.select_related(
        "duty_station", "premises").prefetch_related("zones"), pk=pk)


def delegations_of(*, meeting: Meeting) -> QuerySet[Delegation]:
    """A meeting's delegations with their delegates and passes, in two further queries."""
    return meeting.delegations.select_related("country").prefetch_related(
        Prefetch("accreditations", Accreditation.objects.select_related(
            "holder", "pass_issued").order_by("holder__family_name", "pk")))


def delegation_get(*, user: AnyUser, pk: Any) -> Delegation:
    return get_visible(user, Perm.VIEW_ACCESS, Delegation.objects.select_related(
        "meeting", "meeting__duty_station", "country"), pk=pk)


def accreditation_get(*, user: AnyUser, pk: Any) -> Accreditation:
    return get_visible(user, Perm.VIEW_ACCESS, Accreditation.objects.select_related(
        "delegation", "delegation__meeting", "delegation__meeting__duty_station", "holder",
        "pass_issued"), pk=pk)


def accreditation_list(*, user: AnyUser, meeting: Any = None,
                       status: str = "") -> QuerySet[Accreditation]:
    qs = visible(user, Perm.VIEW_ACCESS, Accreditation.objects.select_related(
        "delegation", "delegation__meeting", "holder", "pass_issued"))
    return narrowed(qs, delegation__meeting_id=meeting or None, status=status)


def delegate_choices(*, user: AnyUser, meeting: Meeting) -> QuerySet[PassHolder]:
    """Delegates of the meeting's duty station who may be accredited."""
    return visible(user, Perm.VIEW_ACCESS, PassHolder.objects.filter(
        duty_station_id=meeting.duty_station_id, kind="delegate"))
