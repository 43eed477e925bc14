"""The headcount's entries and their status changes, in one place. ``entries_write`` writes
the entries of the people presumed in a crisis's zone, in one statement. ``status_write`` is
the one writer of a headcount entry's status: every change goes through it, and it records
the change's AccountEvent (the entry's history). The other functions here are the changes
Vigil makes on its own account: a person's answer to their check-in link, and a household
marked contacted when a message reaches the staff member.

Below services, checkin, delivery, schedules and tasks, which all call it: it reads through
the selectors and writes through the models, and imports nothing above them."""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, users_with_perm
from vigil.core.errors import StaleVersion
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.crisis.models import AccountEntry, AccountEvent, AccountStatus
from vigil.crisis.rules import ALARMING
from vigil.people.models import Person
from vigil.places.models import DutyStation
from vigil.travel.models import TravelRequest
from vigil.travel.whereabouts import Basis, Whereabouts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOTE_LENGTH = 500
CHUNK = 5000  # ids per IN list, rows per INSERT (SQLite's limit on parameters)
PLACE_LENGTH = 200


def status_write(entries: Sequence[AccountEntry], status: str, *, at: dt.datetime,
                 by: User | None = None, note: str = "",
                 via_checkin: bool = False, lat: float | None = None,
                 lon: float | None = None) -> list[AccountEvent]:
    """Give ``entries`` the status ``status`` as of ``at``, set by ``by`` (None: Vigil, or
    the person answering), and record one AccountEvent for each, all in one UPDATE and one
    INSERT. ``note`` replaces an entry's note when given; ``lat`` and ``lon`` are where the
    person said they are.

    Each entry must still be at the version it was read at (compare-and-set): otherwise
    StaleVersion, and the caller's transaction writes nothing. Read the entries under
    select_for_update, or with the version the user saw."""
    if not entries:
        return []
    values: dict[str, Any] = {"status": status, "status_at": at, "status_by": by,
                              "via_checkin": via_checkin}
    if note:
        values["note"] = note[:NOTE_LENGTH]
    if lat is not None and lon is not None:
        values["reported_latitude"], values["reported_longitude"] = lat, lon
    by_version: dict[int, list[int]] = defaultdict(list)
    for entry in entries:
        by_version[entry.version].append(entry.pk)
    read_as = reduce(operator.or_, (Q(version=version, pk__in=pks)
                                    for version, pks in by_version.items()))
    written = AccountEntry.objects.filter(read_as).update(
        version=F("version") + 1, updated_at=timezone.now(), **values)
    if written != len(entries):
        raise StaleVersion()
    for entry in entries:
        for name, value in values.items():
            setattr(entry, name, value)
        entry.version += 1
    return AccountEvent.objects.bulk_create([
        AccountEvent(entry=entry, at=at, status=status, by=by, via_checkin=via_checkin,
                     note=note[:NOTE_LENGTH]) for entry in entries])


def alarm(entry: AccountEntry, status: str, note: str) -> None:
    """A status that needs someone to act at once: the crisis team is told."""
    if status not in ALARMING:
        return
    crisis = entry.crisis
    team = [m.user for m in crisis.members.select_related("user")]
    notify(users=[*team, *users_with_perm(Perm.MANAGE_CRISIS, crisis)], subject=Msg(
        gettext_lazy("%(status)s: %(name)s (%(crisis)s)"), status=AccountStatus(status).label,
        name=entry.dependant or entry.person, crisis=crisis.reference),
        body=note, url=reverse("crisis:board", args=[crisis.pk]))


def checkin_status(entry: AccountEntry, *, answer: str, note: str, lat: float | None,
                   lon: float | None, alarm_team: bool = True) -> None:
    """The person answered their check-in link: their status changes at once. Called by
    crisis.checkin inside its transaction, with the entry locked; ``alarm_team`` False for
    the household of a staff member whose own answer already told the team."""
    status_write([entry], answer, at=timezone.now(), note=note, via_checkin=True, lat=lat,
                 lon=lon)
    audit.record(actor=None, action="crisis.entry.checkin", obj=entry,
                 changes={"status": [None, answer], "note": [None, note or None]})
    if alarm_team:
        alarm(entry, answer, note)


# --- Writing the entries -------------------------------------------------------------------------

def _place_of(w: Whereabouts, station_of: dict[int, int | None],
              stations: dict[int, str]) -> str:
    """Where the board says the person is presumed: a residence by the staff member's duty
    station (the board shows no addresses), a trip by its request."""
    if w.basis in (Basis.DUTY_STATION, Basis.RESIDENCE):
        station = station_of.get(w.person_id)
        return stations.get(station, "None") if station is not None else "None"
    return TravelRequest.reference_of(w.request_id) if w.request_id else ""


def entries_write(crisis_id: int, found: Iterable[Whereabouts]) -> int:
    """Write an entry (status unknown) for each of ``found`` whose staff member exists, with the
    staff member's organization and duty station as they are now; returns how many. On
    PostgreSQL one INSERT from arrays (unnest), elsewhere one executemany per CHUNK rows: no
    model instance is built, as a crisis over a city writes thousands at once."""
    found = list(found)
    people: dict[int, tuple[int, int | None]] = {}
    ids = sorted({w.person_id for w in found})
    for first in range(0, len(ids), CHUNK):
        for pk, organization_id, station_id in Person.objects.filter(
                pk__in=ids[first:first + CHUNK]).order_by().values_list(
                "pk", "organization_id", "duty_station_id"):
            people[pk] = (organization_id, station_id)
    station_of = {pk: station for pk, (_org, station) in people.items()}
    stations = {pk: f"{name} ({code})" for pk, name, code in DutyStation.objects.filter(
        pk__in={s for s in station_of.values() if s is not None}).values_list(
        "pk", "name", "code")}
    rows = []
    for w in found:
        if w.person_id not in people:
            continue
        organization, station = people[w.person_id]
        lat, lon = w.point
        rows.append((w.person_id, w.dependant_id, organization, station,
                     _place_of(w, station_of, stations)[:PLACE_LENGTH], w.basis, lat, lon))
    if not rows:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(AccountEntry._meta.db_table)
    fixed = ("created_at", "updated_at", "version", "crisis_id", "status", "note", "via_checkin")
    varying = ("person_id", "dependant_id", "organization_id", "duty_station_id", "place",
               "basis", "latitude", "longitude")
    columns = ", ".join(connection.ops.quote_name(c) for c in (*fixed, *varying))
    head = [now, now, 1, crisis_id, AccountStatus.UNKNOWN, "", False]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ("bigint", "bigint", "bigint", "bigint", "text", "text", "float8", "float8")
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - the model's names
                f"SELECT %s, %s, %s, %s, %s, %s, %s, u.* FROM unnest({arrays}) AS u",
                [*head, *(list(column) for column in zip(*rows, strict=True))])
        else:
            marks = ", ".join(["%s"] * (len(fixed) + len(varying)))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - as above
            for first in range(0, len(rows), CHUNK):
                cursor.executemany(sql, [(*head, *row) for row in rows[first:first + CHUNK]])
    return len(rows)
