"""Demo entry events: a controller mapping at New York and Geneva, four days of gate events
at their main premises up to now (granted, and denied for every reason), imported through the
import service at New York (as the HQ security officer) so that the rules raise unauthorized
entries of every kind with their incidents; tailgating and forced entry reported by the
officer; and at Geneva the same events written directly, their unauthorized entries raised
without incidents (no demo officer records incidents there)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.hq.gate_services import detect, entries_import, entry_report
from vigil.hq.models import (
    ColumnMapping,
    EntryEvent,
    EntryKind,
    EntryReason,
    EntrySource,
    Gate,
    HolderKind,
    Pass,
    PassHolder,
    PassStatus,
    Zone,
)
from vigil.places.models import DutyStation, Premises

# The demo's controller, and the synthetic export shipped in hq/data (see its README).
SAMPLE_MAPPING: dict[str, Any] = {
    "name": "acs-export", "description": "Access-control system event export (CSV)",
    "time_column": "Event Time", "time_format": "%m/%d/%Y %I:%M:%S %p",
    "gate_column": "Reader", "pass_column": "Badge ID", "result_column": "Event",  # nosec B105 - a badge column
    "granted_values": "Access Granted", "denied_values": "Access Denied",
    "reason_column": "Reason", "reason_values": {
        "Invalid Badge": "unknown_pass", "Badge Expired": "expired",
        "Badge Revoked": "revoked", "Badge Suspended": "suspended",
        "Badge Not Yet Active": "not_yet_valid", "Wrong Site": "wrong_station",
        "Area Not Permitted": "zone_not_allowed", "Anti-Passback": "anti_passback",
        "Wrong PIN": "invalid_pin", "Outside Schedule": "outside_schedule",
        "Door Forced": "door_forced", "Door Held": "door_held", "Duress": "duress"},
    "event_id_column": "Serial Number", "direction_column": "Direction",
    "in_values": "IN", "out_values": "OUT"}
SAMPLE_READERS = [("NL-MAIN-01", "North lobby turnstile 1"),
                  ("NL-MAIN-02", "North lobby turnstile 2"),
                  ("VIS-LOBBY-01", "Visitors' lobby"), ("GARAGE-01", "Garage ramp")]
HEADER = ["Serial Number", "Event Time", "Reader", "Badge ID", "Event", "Reason", "Direction",
          "Cardholder"]
WORD = {v: k for k, v in SAMPLE_MAPPING["reason_values"].items()}
DAYS = 4


def _gates(premises: Premises) -> list[Gate]:
    """The premises' gates, with the sample export's readers added where missing."""
    zone = Zone.objects.filter(premises=premises).order_by("pk").first() or \
        Zone.objects.create(premises=premises, code="main", name="Main building")
    garage = Zone.objects.filter(premises=premises, code="garage").first() or zone
    have = set(Gate.objects.filter(premises=premises).values_list("code", flat=True))
    for code, name in SAMPLE_READERS:
        if code not in have:
            Gate.objects.create(premises=premises, zone=garage if code == "GARAGE-01" else zone,
                                code=code, name=name)
    return list(Gate.objects.filter(premises=premises, code__in=[c for c, _n in SAMPLE_READERS])
                .order_by("code"))


def _passes(station: DutyStation, now: dt.datetime) -> tuple[list[str], str, str]:
    """Numbers of valid passes at the station, and of one expired and one revoked pass
    (made here when the access demo left none)."""
    valid = list(Pass.objects.filter(duty_station=station, status=PassStatus.ACTIVE,
                                     valid_from__lte=now - dt.timedelta(days=DAYS),
                                     valid_until__gt=now).values_list("number", flat=True)[:40])
    expired = Pass.objects.filter(duty_station=station, valid_until__lt=now).first()
    revoked = Pass.objects.filter(duty_station=station, status=PassStatus.REVOKED).first()
    if expired is None or revoked is None or not valid:
        holder = PassHolder.objects.create(duty_station=station, kind=HolderKind.CONTRACTOR,
                                           family_name="Berger", given_name="Hans",
                                           affiliation="Facilities contractor (demo)")
        year = dt.timedelta(days=365)

        def make(suffix: str, start: dt.datetime, end: dt.datetime, status: str) -> Pass:
            return Pass.objects.create(number=f"{station.code}-GD{suffix}", holder=holder,
                                       duty_station=station, kind=HolderKind.CONTRACTOR,
                                       valid_from=start, valid_until=end, status=status)

        expired = expired or make("1", now - 2 * year, now - 30 * dt.timedelta(days=1),
                                  PassStatus.ACTIVE)
        revoked = revoked or make("2", now - year, now + year, PassStatus.REVOKED)
        if not valid:
            valid = [make(str(10 + i), now - year, now + year, PassStatus.ACTIVE).number
                     for i in range(6)]
    return valid, expired.number, revoked.number


def _rows(ctx: DemoContext, station: DutyStation, gates: list[Gate], valid: list[str],
          expired: str, revoked: str, now: dt.datetime) -> list[list[str]]:
    """The export lines of the last DAYS days up to ``now``: reads every few minutes in
    working hours, one denial for each reason the controller gives, a burst of denials with
    an unknown badge, and an expired and a revoked badge presented."""
    tz = ZoneInfo(station.time_zone or "UTC")
    rng = ctx.rng
    lines: list[tuple[dt.datetime, str, str, str, str, str]] = []
    local_now = now.astimezone(tz)
    reasons = [r for r in EntryReason.values if r in WORD and r not in {"expired", "revoked"}]
    for back in range(DAYS - 1, -1, -1):
        day = (local_now - dt.timedelta(days=back)).date()
        t = dt.datetime.combine(day, dt.time(7, 0), tzinfo=tz)
        end = min(dt.datetime.combine(day, dt.time(19, 0), tzinfo=tz), local_now)
        while t < end:
            t += dt.timedelta(minutes=rng.randint(2, 14), seconds=rng.randint(0, 59))
            if t >= end:
                break
            gate = rng.choice(gates)
            lines.append((t, gate.code, rng.choice(valid), "Access Granted", "",
                          rng.choice(["IN", "IN", "OUT"])))
        start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz)
        span = max((end - start).total_seconds(), 3600)
        for i, reason in enumerate(reasons if back % 2 == 0 else reasons[:4]):
            at = start + dt.timedelta(seconds=span * (i + 1) / (len(reasons) + 2))
            if at < end:
                lines.append((at, rng.choice(gates).code, rng.choice(valid), "Access Denied",
                               WORD[reason], "IN"))
        burst = start + dt.timedelta(seconds=span * 0.37)
        if burst + dt.timedelta(minutes=5) < end:
            for m in (0, 1, 3):
                lines.append((burst + dt.timedelta(minutes=m, seconds=11 * m), gates[0].code,
                              f"{station.code}-X{900 + back}", "Access Denied",
                              WORD["unknown_pass"], "IN"))
        used = start + dt.timedelta(seconds=span * 0.61)
        if used < end:
            lines.append((used, gates[1].code, expired if back % 2 else revoked,
                          "Access Denied", WORD["expired" if back % 2 else "revoked"], "IN"))
    lines.sort()
    out: list[list[str]] = []
    for serial, (at, code, badge, event, reason, direction) in enumerate(lines, start=1):
        out.append([f"{station.code}-{serial:07d}", at.strftime(SAMPLE_MAPPING["time_format"]),
                    code, badge, event, reason, direction, ""])
    return out


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def load_entries(ctx: DemoContext) -> None:
    officer = get_user_model().objects.filter(username="hq.security").first()
    now = timezone.now().replace(microsecond=0)
    made = 0
    for name in ("New York", "Geneva"):
        station = DutyStation.objects.filter(
            name=name, kind=DutyStation.Kind.HEADQUARTERS).first()
        premises = Premises.objects.filter(duty_station=station).order_by("pk").first() \
            if station is not None else None
        if station is None or premises is None:
            continue
        mapping = ColumnMapping.objects.create(duty_station=station, **SAMPLE_MAPPING)
        gates = _gates(premises)
        valid, expired, revoked = _passes(station, now)
        rows = _rows(ctx, station, gates, valid, expired, revoked, now)
        if officer is not None and name == "New York":
            entries_import(actor=officer, premises=premises, mapping=mapping, data=_csv(rows),
                           file_name=f"{station.code.lower()}-export.csv")
            for back, kind, text in (
                    (1, EntryKind.TAILGATING, "A person followed a delegate through the "
                                              "north lobby turnstile and was stopped."),
                    (0, EntryKind.FORCED, "The garage side door was found forced open at "
                                          "the night round.")):
                at = now - dt.timedelta(days=back, hours=2)
                entry_report(actor=officer, premises=premises, kind=kind, occurred_at=at,
                             description=text, gate=gates[-1])
        else:
            _write_directly(premises, mapping, rows)
        made += len(rows)
    made += _earlier_reports(now)
    ctx.counts["entry_events"] = made


# Tailgating and forced entries reported in the previous biennium and earlier this one, so
# that the seed's indicator SP1.a.ii has a direction of travel: per duty station, how many,
# spread evenly from about three years ago to six weeks ago.
EARLIER_REPORTS = {"New York": 12, "Geneva": 8, "Nairobi": 6}


def _earlier_reports(now: dt.datetime) -> int:
    """Officers' reports written as the report form would, each with the day's first pass
    read, judged by the rules with no actor (their incidents are left to be recorded)."""
    made = 0
    for name, number in EARLIER_REPORTS.items():
        station = DutyStation.objects.filter(
            name=name, kind=DutyStation.Kind.HEADQUARTERS).first()
        premises = Premises.objects.filter(duty_station=station).order_by("pk").first() \
            if station is not None else None
        if premises is None:
            continue
        reports = []
        for i in range(number):
            at = now - dt.timedelta(days=40 + i * 1010 // number, hours=3)
            kind = EntryKind.FORCED if i % 4 == 3 else EntryKind.TAILGATING
            EntryEvent.objects.create(
                premises=premises, occurred_at=at - dt.timedelta(hours=1), pass_number="",  # nosec B106 - no badge
                result="granted", kind=EntryKind.PASS_READ, source=EntrySource.IMPORT,
                external_id=f"earlier-read-{i}")
            reports.append(EntryEvent.objects.create(
                premises=premises, occurred_at=at, kind=kind, source=EntrySource.REPORT,
                description="Reported by the officer on the night round.",
                external_id=f"earlier-report-{i}"))
            made += 2
        detect(actor=None, premises=premises, events=reports)
    return made


def _write_directly(premises: Premises, mapping: ColumnMapping, rows: list[list[str]]) -> None:
    """Events at a premises no demo officer imports for: written as the import would, then
    judged by the rules with no actor (their incidents are left to be recorded)."""
    tz = ZoneInfo(premises.duty_station.time_zone or "UTC")
    gates = {g.code: g for g in Gate.objects.filter(premises=premises)}
    passes = {p.number: p for p in Pass.objects.filter(duty_station=premises.duty_station)}
    reasons = SAMPLE_MAPPING["reason_values"]
    events = []
    for serial, at, gate, badge, event, reason, direction, _name in rows:
        when = dt.datetime.strptime(at, SAMPLE_MAPPING["time_format"]).replace(tzinfo=tz)
        found = passes.get(badge)
        refusal = reasons.get(reason, "")
        events.append(EntryEvent(
            premises=premises, gate=gates[gate], occurred_at=when.astimezone(dt.UTC),
            pass_obj=found, pass_number=badge, direction=direction.lower(),
            result="granted" if event == "Access Granted" else "denied", reason=refusal,
            pass_refusal=refusal if refusal in {"expired", "revoked", "unknown_pass"} else "",
            kind=EntryKind.PASS_READ, source=EntrySource.IMPORT, external_id=serial))
    EntryEvent.objects.bulk_create(events, batch_size=2000)
    detect(actor=None, premises=premises, events=list(EntryEvent.objects.filter(premises=premises)))


register_step(101, "entry events", load_entries)
