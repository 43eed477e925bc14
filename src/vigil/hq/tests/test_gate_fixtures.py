"""Shared records of the entry-event tests (imported by the test_gate_* modules): a zone
and gates at Gigiri (Nairobi, a headquarters in the cast), passes valid, expired and revoked,
a controller mapping, and an HQ security officer of Nairobi."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.hq.models import ColumnMapping, Gate, HolderKind, Pass, PassHolder, PassStatus, Zone
from vigil.incidents.models import IncidentCategory
from vigil.incidents.taxonomy import ensure_default

NOW = timezone.now().replace(microsecond=0)


@dataclass
class Site:
    cast: Any
    zone: Zone
    lobby: Gate
    garage: Gate
    valid: Pass
    expired: Pass
    revoked: Pass
    mapping: ColumnMapping
    officer: Any


def make_pass(holder: PassHolder, number: str, zones: list[Zone], *,
              start: dt.datetime, end: dt.datetime, status: str = PassStatus.ACTIVE) -> Pass:
    p = Pass.objects.create(number=number, holder=holder, duty_station=holder.duty_station,
                            kind=holder.kind, valid_from=start, valid_until=end, status=status)
    p.zones.set(zones)
    return p


@pytest.fixture
def site(cast: Any, user_with: Any) -> Site:
    ensure_default(IncidentCategory)
    zone = Zone.objects.create(premises=cast.gigiri, code="lobby", name="Lobby")
    lobby = Gate.objects.create(premises=cast.gigiri, zone=zone, code="L1", name="Lobby 1")
    garage = Gate.objects.create(premises=cast.gigiri, zone=zone, code="G1", name="Garage")
    holder = PassHolder.objects.create(duty_station=cast.nairobi, kind=HolderKind.STAFF,
                                       family_name="Achieng", given_name="Amina")
    year = dt.timedelta(days=365)
    valid = make_pass(holder, "NBO-000001", [zone], start=NOW - year, end=NOW + year)
    expired = make_pass(holder, "NBO-000002", [zone], start=NOW - 2 * year, end=NOW - year)
    revoked = make_pass(holder, "NBO-000003", [zone], start=NOW - year, end=NOW + year,
                        status=PassStatus.REVOKED)
    mapping = ColumnMapping.objects.create(
        duty_station=cast.nairobi, name="acme", time_column="Timestamp",
        time_format="%d/%m/%Y %H:%M:%S", gate_column="Door", pass_column="Card",
        result_column="Outcome", granted_values="GRANTED, OK", denied_values="DENIED",
        reason_column="Reason", reason_values={"EXPIRED": "expired", "APB": "anti_passback"},
        event_id_column="EventID", direction_column="Dir", in_values="IN", out_values="OUT")
    officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    return Site(cast=cast, zone=zone, lobby=lobby, garage=garage, valid=valid, expired=expired,
                revoked=revoked, mapping=mapping, officer=officer)


def export(*rows: str, header: str = "EventID,Timestamp,Door,Card,Outcome,Reason,Dir,Extra"
           ) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def local(at: dt.datetime) -> str:
    """A time as the mapping writes it, in Nairobi's time."""
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo("Africa/Nairobi")).strftime("%d/%m/%Y %H:%M:%S")
