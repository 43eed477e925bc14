"""Reads of entry events, unauthorized entries, controller mappings and imports, narrowed to
what the reader may see; the statistics and the premises day view built from them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from vigil.core.authz import Perm, get_visible, visible
from vigil.core.selectors import narrowed, searched
from vigil.core.slices import Slice, SlicePaths
from vigil.hq.access_rules import day_bounds
from vigil.hq.access_selectors import HQ_KINDS, visits_expected
from vigil.hq.gate_rules import DEFAULT_THRESHOLDS, Fact, Rule, Thresholds
from vigil.hq.models import (
    ColumnMapping,
    EntryEvent,
    EntryImport,
    EntryKind,
    EntryResult,
    EntryRuleSettings,
    Gate,
    UnauthorizedEntry,
)
from vigil.incidents.selectors import incidents_seen
from vigil.places.models import DutyStation, Premises

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

LATEST = 15


def zone_of(premises: Premises) -> ZoneInfo:
    return ZoneInfo(premises.duty_station.time_zone or "UTC")


def local_day_bounds(day: dt.date | None, until: dt.date | None, tz: dt.tzinfo
                     ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The instants [start, end) of the local days from ``day`` to ``until`` (either open)."""
    start = day_bounds(day, tz)[0] if day else None
    end = day_bounds(until, tz)[1] if until else None
    return start, end


# --- Premises ---------------------------------------------------------------------------------

def gate_premises(*, user: AnyUser, perm: Perm = Perm.VIEW_ACCESS) -> QuerySet[Premises]:
    """The premises of headquarters and regional commissions where the user holds ``perm``."""
    return visible(user, perm, Premises.objects.filter(
        duty_station__kind__in=HQ_KINDS)).select_related("duty_station").order_by(
        "duty_station__name", "name")


def gate_premises_get(*, user: AnyUser, pk: Any) -> Premises:
    return get_visible(user, Perm.VIEW_ACCESS, Premises.objects.filter(
        duty_station__kind__in=HQ_KINDS).select_related("duty_station",
                                                        "duty_station__country"), pk=pk)


def gate_stations(*, user: AnyUser, perm: Perm = Perm.VIEW_ACCESS) -> QuerySet[DutyStation]:
    return visible(user, perm, DutyStation.objects.filter(kind__in=HQ_KINDS)).order_by("name")


def scan_gates(*, user: AnyUser) -> QuerySet[Gate]:
    """The gates in use where the user records entries (the guard post's choice)."""
    return visible(user, Perm.RECORD_ENTRY, Gate.objects.filter(active=True)).select_related(
        "premises", "premises__duty_station", "zone").order_by("premises__name", "name")


def gates_of(*, user: AnyUser, premises: Premises | None = None) -> QuerySet[Gate]:
    qs = visible(user, Perm.VIEW_ACCESS, Gate.objects.select_related("premises", "zone"))
    return qs.filter(premises=premises) if premises is not None else qs


# --- Entry events -----------------------------------------------------------------------------

def entry_events_seen(user: AnyUser) -> QuerySet[EntryEvent]:
    return visible(user, Perm.VIEW_ACCESS, EntryEvent.objects.all())


def entry_event_list(*, user: AnyUser, search: str = "", premises: Any = None,
                     gate: Any = None, result: str = "", reason: str = "", kind: str = "",
                     source: str = "", since: dt.date | None = None,
                     until: dt.date | None = None, tz: dt.tzinfo = dt.UTC
                     ) -> QuerySet[EntryEvent]:
    """Entry events in the reader's scope; ``since``/``until`` are days in ``tz``."""
    qs = entry_events_seen(user).select_related(
        "premises", "premises__duty_station", "gate", "pass_obj", "unauthorized_entry")
    qs = searched(qs, search, "pass_number__icontains", "description__icontains",
                  "external_id")
    start, end = local_day_bounds(since, until, tz)
    return narrowed(qs, premises_id=premises or None, gate_id=gate or None, result=result,
                    reason=reason, kind=kind, source=source, occurred_at__gte=start,
                    occurred_at__lt=end)


def entry_event_get(*, user: AnyUser, pk: Any) -> EntryEvent:
    return get_visible(user, Perm.VIEW_ACCESS, EntryEvent.objects.select_related(
        "premises", "premises__duty_station", "gate", "pass_obj", "unauthorized_entry",
        "batch"), pk=pk)


def facts_near(premises: Premises, events: list[EntryEvent], window: dt.timedelta
               ) -> list[Fact]:
    """The events the rules must read to judge ``events``: those of the same premises within
    the window before the first and after the last that carry one of their pass numbers, and
    the officers' reports among ``events``; as plain facts. A system read for the rules."""
    if not events:
        return []
    start = min(e.occurred_at for e in events) - window
    end = max(e.occurred_at for e in events) + window
    numbers = {e.pass_number for e in events if e.pass_number}
    reports = [e.pk for e in events if e.kind != EntryKind.PASS_READ]
    rows = EntryEvent.objects.filter(premises=premises).filter(
        Q(occurred_at__gte=start, occurred_at__lte=end, pass_number__in=numbers)
        | Q(pk__in=reports)).values_list(
        "pk", "premises_id", "occurred_at", "kind", "result", "pass_number", "reason",
        "pass_refusal", "unauthorized_entry_id", "unauthorized_entry__rule")
    return [Fact(id=pk, premises_id=prem, at=at, kind=kind, result=result,
                 pass_number=number, reason=reason, pass_refusal=refusal, entry_id=entry,
                 entry_rule=rule or "")
            for pk, prem, at, kind, result, number, reason, refusal, entry, rule in rows]


# --- Thresholds -------------------------------------------------------------------------------

def thresholds_of(station_id: int) -> Thresholds:
    """The rules' thresholds at a duty station: its settings, else the defaults. A system
    read for the rules."""
    row = EntryRuleSettings.objects.filter(duty_station_id=station_id).first()
    if row is None:
        return DEFAULT_THRESHOLDS
    enabled = {rule for rule, on in ((Rule.DENIED, row.denied_rule),
                                     (Rule.TAILGATING, row.tailgating_rule),
                                     (Rule.FORCED, row.forced_rule),
                                     (Rule.INVALID_PASS, row.invalid_pass_rule)) if on}
    return Thresholds(denied_attempts=row.denied_threshold,
                      window_minutes=row.denied_window_minutes, enabled=frozenset(enabled))


def rule_settings_list(*, user: AnyUser) -> list[dict[str, Any]]:
    """Each headquarters duty station the user may configure, with its settings (or None)."""
    stations = list(gate_stations(user=user, perm=Perm.CONFIGURE_ACCESS))
    rows = {r.duty_station_id: r for r in EntryRuleSettings.objects.filter(
        duty_station__in=stations)}
    return [{"station": s, "settings": rows.get(s.pk), "thresholds": thresholds_of(s.pk)
             if s.pk in rows else DEFAULT_THRESHOLDS} for s in stations]


def rule_settings_for(*, user: AnyUser, station_pk: Any) -> tuple[DutyStation,
                                                                  EntryRuleSettings | None]:
    station = get_visible(user, Perm.CONFIGURE_ACCESS,
                          DutyStation.objects.filter(kind__in=HQ_KINDS), pk=station_pk)
    return station, EntryRuleSettings.objects.filter(duty_station=station).first()


# --- Unauthorized entries ---------------------------------------------------------------------

def unauthorized_list(*, user: AnyUser, search: str = "", premises: Any = None,
                      rule: str = "", status: str = "", since: dt.date | None = None,
                      until: dt.date | None = None, tz: dt.tzinfo = dt.UTC
                      ) -> QuerySet[UnauthorizedEntry]:
    qs = visible(user, Perm.VIEW_ACCESS, UnauthorizedEntry.objects.select_related(
        "premises", "premises__duty_station", "gate", "incident"))
    qs = searched(qs, search, "pass_number__icontains", "review_note__icontains")
    start, end = local_day_bounds(since, until, tz)
    return narrowed(qs, premises_id=premises or None, rule=rule, status=status,
                    occurred_at__gte=start, occurred_at__lt=end)


def unauthorized_get(*, user: AnyUser, pk: Any) -> UnauthorizedEntry:
    return get_visible(user, Perm.VIEW_ACCESS, UnauthorizedEntry.objects.select_related(
        "premises", "premises__duty_station", "gate", "incident", "reviewed_by"), pk=pk)


# How an unauthorized entry reaches its country and duty station (premises belong to no
# organization: an organization slice does not apply).
UNAUTHORIZED_PATHS = SlicePaths(country="premises__duty_station__country",
                                duty_station="premises__duty_station")


def unauthorized_entries_found(*, start: dt.date, end: dt.date, within: Slice | None = None
                               ) -> QuerySet[UnauthorizedEntry] | None:
    """The seed's indicator SP1.a.ii ("number of unauthorized entries into United Nations
    premises") for a period: every unauthorized entry the rules found whose first event fell
    from ``start`` to ``end``, both days included, days counted in UTC (an entry found on the
    last day at 23:59 UTC counts, one at 00:00 UTC the next day does not). Whatever became of
    it since: an entry reviewed and closed was found all the same. ``within`` keeps those of
    one region, country or duty station; None when the slice cannot place them (an
    organization). A system read: the caller narrows it to what a reader may see."""
    condition = (within or Slice.system()).q(UNAUTHORIZED_PATHS)
    if condition is None:
        return None
    begin, finish = local_day_bounds(start, end, dt.UTC)
    return UnauthorizedEntry.objects.filter(condition, occurred_at__gte=begin,
                                            occurred_at__lt=finish)


def entry_events_recorded(*, start: dt.date, end: dt.date, within: Slice | None = None
                          ) -> bool | None:
    """Whether any entry event was recorded from ``start`` to ``end`` (UTC days, both
    included) at the premises of the slice: without events, "no unauthorized entry" is not
    known, so SP1.a.ii has no data. None when the slice cannot place premises."""
    condition = (within or Slice.system()).q(UNAUTHORIZED_PATHS)
    if condition is None:
        return None
    begin, finish = local_day_bounds(start, end, dt.UTC)
    return EntryEvent.objects.filter(condition, occurred_at__gte=begin,
                                     occurred_at__lt=finish).exists()


def unauthorized_events(entry: UnauthorizedEntry) -> QuerySet[EntryEvent]:
    return entry.events.select_related("gate", "pass_obj").order_by("occurred_at", "pk")


def incident_seen(user: AnyUser, incident_id: int | None) -> bool:
    """May the reader open the incident (its link is shown only then)?"""
    return incident_id is not None and incidents_seen(user).filter(pk=incident_id).exists()


# --- Mappings and imports ---------------------------------------------------------------------

def mapping_list(*, user: AnyUser, station: Any = None) -> QuerySet[ColumnMapping]:
    qs = visible(user, Perm.VIEW_ACCESS, ColumnMapping.objects.select_related("duty_station"))
    return narrowed(qs, duty_station_id=station or None)


def mapping_get(*, user: AnyUser, pk: Any) -> ColumnMapping:
    return get_visible(user, Perm.VIEW_ACCESS,
                       ColumnMapping.objects.select_related("duty_station"), pk=pk)


def mapping_named(*, station_id: int, name: str) -> ColumnMapping | None:
    """The mapping a command line names for a premises' duty station."""
    return ColumnMapping.objects.filter(duty_station_id=station_id, name=name).first()


def import_list(*, user: AnyUser, premises: Any = None) -> QuerySet[EntryImport]:
    qs = visible(user, Perm.VIEW_ACCESS, EntryImport.objects.select_related(
        "premises", "premises__duty_station", "mapping", "imported_by"))
    return narrowed(qs, premises_id=premises or None)


def import_get(*, user: AnyUser, pk: Any) -> EntryImport:
    return get_visible(user, Perm.VIEW_ACCESS, EntryImport.objects.select_related(
        "premises", "premises__duty_station", "mapping", "imported_by"), pk=pk)


# --- Statistics -------------------------------------------------------------------------------

PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
GROUPS = {"premises": ("premises_id", "premises__name"), "gate": ("gate_id", "gate__name")}


def statistics(*, user: AnyUser, period: str = "day", by: str = "premises",
               premises: Any = None, gate: Any = None, since: dt.date | None = None,
               until: dt.date | None = None, tz: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """Entries granted, denied, reported, and unauthorized entries, per period (in ``tz``)
    and per premises or gate: two GROUP BY reads, whatever the number of events."""
    trunc = PERIODS.get(period, TruncDay)
    key, label = GROUPS.get(by, GROUPS["premises"])
    start, end = local_day_bounds(since, until, tz)
    events = narrowed(entry_events_seen(user), premises_id=premises or None,
                      gate_id=gate or None, occurred_at__gte=start, occurred_at__lt=end)
    cells = events.order_by().annotate(when=trunc("occurred_at", tzinfo=tz)).values(
        "when", key, label).annotate(
        granted=Count("pk", filter=Q(result=EntryResult.GRANTED)),
        denied=Count("pk", filter=Q(result=EntryResult.DENIED)),
        reported=Count("pk", filter=~Q(kind=EntryKind.PASS_READ)))
    entries = narrowed(visible(user, Perm.VIEW_ACCESS, UnauthorizedEntry.objects.all()),
                       premises_id=premises or None, gate_id=gate or None,
                       occurred_at__gte=start, occurred_at__lt=end)
    ue_cells = entries.order_by().annotate(when=trunc("occurred_at", tzinfo=tz)).values(
        "when", key, label).annotate(n=Count("pk"))
    figures = ("granted", "denied", "reported", "unauthorized")
    periods: dict[Any, dict[str, Any]] = {}
    groups: dict[Any, dict[str, Any]] = {}
    totals = dict.fromkeys(figures, 0)

    def add(cell: dict[str, Any], values: dict[str, int]) -> None:
        when = cell["when"].date() if cell["when"] is not None else None
        row = periods.setdefault(when, {"period": when, **dict.fromkeys(figures, 0)})
        group = groups.setdefault(cell[key], {"key": cell[key], "label": cell[label] or "—",
                                              **dict.fromkeys(figures, 0)})
        for name, value in values.items():
            row[name] += value
            group[name] += value
            totals[name] += value

    for cell in cells:
        add(cell, {"granted": cell["granted"], "denied": cell["denied"],
                   "reported": cell["reported"]})
    for cell in ue_cells:
        add(cell, {"unauthorized": cell["n"]})
    rows = [periods[p] for p in sorted(periods, key=lambda p: (p is None, p))]
    peak = max([r["granted"] + r["denied"] for r in rows] or [0])
    return {"periods": rows, "groups": sorted(groups.values(), key=lambda g: str(g["label"])),
            "totals": totals, "peak": peak, "period": period, "by": by}


# --- The premises day view and the home panel -------------------------------------------------

def day_view(*, user: AnyUser, premises: Premises, day: dt.date) -> dict[str, Any]:
    """What happened at a premises on one local day: entries and denials by hour and the
    latest events, the unauthorized entries, the visitors expected, and the incidents at the
    premises or its duty station."""
    tz = zone_of(premises)
    start, end = day_bounds(day, tz)
    events = entry_events_seen(user).filter(premises=premises, occurred_at__gte=start,
                                            occurred_at__lt=end)
    by_hour: Counter[tuple[int, str]] = Counter()
    for at, result, kind in events.values_list("occurred_at", "result", "kind"):
        hour = at.astimezone(tz).hour
        by_hour[(hour, result or kind)] += 1
    hours = [{"hour": h, "granted": by_hour[(h, EntryResult.GRANTED)],
              "denied": by_hour[(h, EntryResult.DENIED)],
              "reported": by_hour[(h, EntryKind.TAILGATING)] + by_hour[(h, EntryKind.FORCED)]}
             for h in range(24)]
    peak = max([h["granted"] + h["denied"] for h in hours] or [0])
    incidents = incidents_seen(user).filter(
        Q(duty_station=premises.duty_station) | Q(affected_assets__premises=premises),
        occurred_at__gte=start, occurred_at__lt=end).select_related(
        "category").distinct().order_by("occurred_at")
    totals = {"granted": sum(h["granted"] for h in hours),
              "denied": sum(h["denied"] for h in hours),
              "reported": sum(h["reported"] for h in hours)}
    return {
        "day": day, "zone": tz.key, "start": start, "end": end, "hours": hours, "peak": peak,
        "totals": totals,
        "latest": list(events.select_related("gate", "unauthorized_entry").order_by(
            "-occurred_at", "-pk")[:LATEST]),
        "unauthorized": list(visible(user, Perm.VIEW_ACCESS, UnauthorizedEntry.objects.filter(
            premises=premises, occurred_at__gte=start, occurred_at__lt=end)).select_related(
            "gate", "incident").order_by("occurred_at")),
        "visits": list(visits_expected(user, premises, day)),
        "incidents": list(incidents[:50]),
    }


def premises_today(*, user: AnyUser) -> list[dict[str, Any]]:
    """Each premises in the user's scope with today's (local) entries, denials and
    unauthorized entries: one read of the premises and one grouped read of each count."""
    places = list(gate_premises(user=user)[:20])
    rows: list[dict[str, Any]] = []
    now = timezone.now()
    for place in places:
        tz = zone_of(place)
        start, end = day_bounds(now.astimezone(tz).date(), tz)
        rows.append({"premises": place, "day": now.astimezone(tz).date(), "zone": tz.key,
                     "start": start, "end": end})
    if not rows:
        return []
    span = Q()
    for row in rows:
        span |= Q(premises=row["premises"], occurred_at__gte=row["start"],
                  occurred_at__lt=row["end"])
    counts = {(p, r): n for p, r, n in EntryEvent.objects.filter(span).order_by().values(
        "premises_id", "result").annotate(n=Count("pk")).values_list("premises_id", "result",
                                                                     "n")}
    raised = dict(UnauthorizedEntry.objects.filter(span).order_by().values(
        "premises_id").annotate(n=Count("pk")).values_list("premises_id", "n"))
    for row in rows:
        pk = row["premises"].pk
        row.update(granted=counts.get((pk, EntryResult.GRANTED), 0),
                   denied=counts.get((pk, EntryResult.DENIED), 0),
                   unauthorized=raised.get(pk, 0))
    return rows

