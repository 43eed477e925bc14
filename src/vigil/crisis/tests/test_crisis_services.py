"""Crisis management through its services: declaring a crisis and who lands on its headcount
(homes, trips, the time window), accounting for people, the team and the log, closing, and
broadcasting with one delivery per recipient and channel written before anything is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.crisis import services
from vigil.crisis.models import (
    AccountEntry,
    AccountEvent,
    AccountStatus,
    Broadcast,
    Crisis,
    CrisisMember,
    LogEntry,
    WebhookEndpoint,
)
from vigil.crisis.rules import ALARMING
from vigil.incidents.models import Incident, IncidentCategory
from vigil.people.models import Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.travel import services as travel_services
from vigil.travel.models import TravelRequest
from vigil.travel.tests import conftest as travel_fixtures
from vigil.travel.tests.conftest import hold

pytestmark = pytest.mark.django_db

# The travel fixtures (air operator, areas with levels, the itinerary builder).
airline = travel_fixtures.airline
areas = travel_fixtures.areas
levels = travel_fixtures.levels
trip = travel_fixtures.trip

NAIROBI = {"center_latitude": -1.2864, "center_longitude": 36.8172, "radius_km": 25}
# Greater Nairobi as a box, longitude first (RFC 7946).
NAIROBI_BOX = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.45], [37.1, -1.1],
                                                   [36.6, -1.1], [36.6, -1.45]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.1], [37.1, -1.45],
                                               [36.6, -1.1], [36.6, -1.45]]]}


def fields_of(caught: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e.field for e in caught.value.errors}


def circle(cast: Any, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"title": "Explosion in Westlands", "country": cast.kenya,
                           "description": "A blast near the market.", "zone_kind": "circle",
                           **NAIROBI}
    row.update(extra)
    return row


def declare(actor: Any, cast: Any, **extra: Any) -> Crisis:
    return services.crisis_declare(actor=actor, data=circle(cast, **extra))


def heads(crisis: Crisis) -> set[tuple[str, str | None, str]]:
    """(staff index, dependant given name, basis) of each entry."""
    return {(e.person.index_number, e.dependant.given_name if e.dependant else None, e.basis)
            for e in crisis.entries.select_related("person", "dependant")}


def residents(cast: Any) -> set[tuple[str, str | None, str]]:
    """Everyone of the cast lives in Nairobi (about -1.2, 36.8), with their dependants."""
    return {("10000001", None, "residence"), ("10000001", "Tom", "residence"),
            ("10000002", None, "residence"), ("10000003", None, "residence"),
            ("10000003", "Ali", "residence")}


def entry_of(crisis: Crisis, person: Person, dependant: Any = None) -> AccountEntry:
    return crisis.entries.get(person=person, dependant=dependant)


@pytest.fixture
def officer(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


@pytest.fixture
def traveller(cast: Any, user_with: Any) -> Any:
    return user_with(Role.TRAVELLER, person=cast.amina, username="amina")


@pytest.fixture
def juma(cast: Any) -> Person:
    """A staff member who lives in Mombasa."""
    return Person.objects.create(index_number="10000009", family_name="Mwangi", given_name="Juma",
                                 organization=cast.undp, category="national",
                                 duty_station=cast.mombasa, residence_address="Nyali",
                                 residence_latitude=-4.03, residence_longitude=39.70)


@pytest.fixture
def crisis(cast: Any, officer: Any) -> Crisis:
    return declare(officer, cast)


# --- Declaring -----------------------------------------------------------------------------------

def test_a_circle_around_nairobi_takes_the_headcount_of_those_living_there(cast, officer, juma):
    crisis = declare(officer, cast)
    assert crisis.status == Crisis.Status.ACTIVE
    assert crisis.reference == f"CR-{crisis.pk:05d}"
    assert heads(crisis) == residents(cast)  # not Juma, who lives in Mombasa
    amina = entry_of(crisis, cast.amina)
    assert amina.status == AccountStatus.UNKNOWN
    assert amina.organization == cast.undp
    assert amina.duty_station == cast.nairobi
    assert (amina.latitude, amina.longitude) == (-1.2, 36.8)
    assert amina.version == 1
    # The window: from the incident (now) to a day later.
    assert crisis.window_start == crisis.incident_at == crisis.activated_at
    assert crisis.window_end - crisis.window_start == dt.timedelta(hours=24)
    assert AuditEvent.objects.get(action="crisis.crisis.declare").changes["headcount"] == [
        None, 5]


def test_the_declarer_leads_and_the_log_says_so(cast, officer, crisis):
    lead = crisis.members.get()
    assert lead.user == officer
    assert lead.role == CrisisMember.Role.LEAD
    entry = crisis.log.get()
    assert entry.kind == LogEntry.Kind.SYSTEM
    assert entry.author == officer
    assert entry.text == "Crisis declared by so-ke; 5 people presumed in the zone."
    assert entry.at == crisis.activated_at


def test_the_other_managers_in_scope_are_told(cast, user_with, officer, official, somali,
                                              warden):
    colleague = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    crisis = declare(officer, cast)
    told = set(Notification.objects.filter(subject="Crisis declared: Explosion in Westlands")
               .values_list("user__username", flat=True))
    assert told == {official.username, colleague.username}
    note = Notification.objects.get(user=official)
    assert note.url == f"/crisis/{crisis.pk}/"
    assert note.body == "A blast near the market."


def test_a_polygon_zone(cast, officer, juma):
    crisis = declare(officer, cast, zone_kind="polygon", polygon=NAIROBI_BOX,
                     center_latitude=None, center_longitude=None, radius_km=None)
    assert heads(crisis) == residents(cast)
    mombasa = declare(officer, cast, zone_kind="polygon", polygon={
        "type": "Polygon", "coordinates": [[[39.5, -4.2], [39.9, -4.2], [39.9, -3.9],
                                            [39.5, -3.9], [39.5, -4.2]]]})
    assert heads(mombasa) == {("10000009", None, "residence")}


def test_an_areas_zone_without_a_boundary_holds_the_staff_of_its_duty_stations(cast,
                                                                                 officer):
    crisis = services.crisis_declare(actor=officer, data={
        "title": "Unrest in Nairobi", "zone_kind": "areas"}, areas=[cast.nbi_area])
    assert crisis.country == cast.kenya  # from the area
    assert list(crisis.areas.all()) == [cast.nbi_area]
    # Amina is posted in Nairobi; Omar (Mombasa) and Fatuma (Mogadishu) are not.
    assert heads(crisis) == {("10000001", None, "residence"), ("10000001", "Tom", "residence")}


def test_an_areas_zone_with_a_boundary_holds_everyone_inside_it(cast, officer):
    cast.nbi_area.boundary = NAIROBI_BOX
    cast.nbi_area.save()
    crisis = services.crisis_declare(actor=officer, data={
        "title": "Unrest in Nairobi", "zone_kind": "areas"}, areas=[cast.nbi_area])
    assert heads(crisis) == residents(cast)


def test_declared_from_an_incident_it_takes_its_time_country_and_point(cast, officer):
    occurred = timezone.now() - dt.timedelta(hours=3)
    incident = Incident.objects.create(
        category=IncidentCategory.objects.get(code="terrorism"), title="IED at a checkpoint",
        occurred_at=occurred, country=cast.kenya, security_area=cast.nbi_area,
        latitude=-1.27, longitude=36.81)
    now = timezone.now()
    crisis = services.crisis_declare(actor=officer, incident=incident, now=now, data={
        "title": "IED at a checkpoint", "zone_kind": "circle", "radius_km": 10})
    assert crisis.incident == incident
    assert crisis.incident_at == occurred
    assert crisis.country == cast.kenya
    assert crisis.security_area == cast.nbi_area
    assert (crisis.center_latitude, crisis.center_longitude) == (-1.27, 36.81)
    assert crisis.window_start == occurred
    assert crisis.activated_at == now
    assert crisis.activation_delay == pytest.approx((now - occurred).total_seconds() / 3600)
    assert list(incident.crises.all()) == [crisis]
    assert len(heads(crisis)) == 5


def test_the_activation_delay_is_in_hours(cast, officer):
    now = timezone.now()
    crisis = services.crisis_declare(actor=officer, now=now, data=circle(
        cast, incident_at=now - dt.timedelta(hours=2, minutes=30)))
    assert crisis.activation_delay == 2.5
    same = declare(officer, cast)
    assert same.activation_delay == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"center_latitude": None, "center_longitude": None}, "center_latitude"),
    ({"center_latitude": -91}, "center_latitude"),
    ({"center_longitude": 181}, "center_longitude"),
    ({"radius_km": None}, "radius_km"),
    ({"radius_km": 0.05}, "radius_km"),
    ({"radius_km": 2500}, "radius_km"),
    ({"zone_kind": "polygon", "polygon": BOW_TIE}, "polygon"),
    ({"zone_kind": "polygon", "polygon": {"type": "Point", "coordinates": [36.8, -1.2]}},
     "polygon"),
    ({"zone_kind": "polygon", "polygon": None}, "polygon"),
    ({"zone_kind": "areas"}, "areas"),
    ({"zone_kind": "hexagon"}, "zone_kind"),
    ({"incident_at": "FUTURE"}, "incident_at"),
    ({"window_start": "NOW", "window_end": "HOUR_AGO"}, "window_end"),
    ({"window_start": "DAY_AGO", "window_end": "MONTH_AHEAD"}, "window_end"),
])
def test_a_bad_declaration_is_refused_on_its_field(cast, officer, change, field):
    now = timezone.now()
    times = {"FUTURE": now + dt.timedelta(hours=1), "NOW": now,
             "HOUR_AGO": now - dt.timedelta(hours=1), "DAY_AGO": now - dt.timedelta(days=1),
             "MONTH_AHEAD": now + dt.timedelta(days=31)}
    change = {k: times.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    with pytest.raises(ValidationFailed) as caught:
        services.crisis_declare(actor=officer, now=now, data=circle(cast, **change))
    assert fields_of(caught) == {field}
    assert not Crisis.objects.exists()
    assert not AccountEntry.objects.exists()


def test_an_area_outside_the_declarers_scope_is_refused(cast, officer):
    banadir = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Banadir")
    with pytest.raises(ValidationFailed) as caught:
        services.crisis_declare(actor=officer, data={
            "title": "Floods", "zone_kind": "areas", "country": cast.kenya},
            areas=[cast.nbi_area, banadir])
    assert fields_of(caught) == {"areas"}
    assert "Banadir" in caught.value.for_field("areas")[0]
    assert not Crisis.objects.exists()


def test_an_areas_zone_without_areas_is_a_fault_not_a_refusal(cast, officer):
    """Zone faults come before scope: no country yet is not a refusal."""
    with pytest.raises(ValidationFailed) as caught:
        services.crisis_declare(actor=officer, data={"title": "Floods", "zone_kind": "areas"})
    assert "areas" in fields_of(caught)


def test_declaring_is_refused_to_those_without_the_right_in_scope(cast, user_with, somali,
                                                                  warden, traveller):
    others = [somali, warden, traveller, user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY,
                                                   cast.kenya)]
    for actor in others:
        with pytest.raises(Forbidden):
            declare(actor, cast)
    assert not Crisis.objects.exists()
    # A Somali officer declares in Somalia.
    mogadishu = declare(somali, cast, country=cast.somalia, center_latitude=2.046,
                        center_longitude=45.318)
    assert mogadishu.country == cast.somalia
    assert heads(mogadishu) == set()  # the cast lives in Nairobi


# --- Travel in the window ------------------------------------------------------------------------

def cleared_trip(cast: Any, user_with: Any, trip: Any, person: Person, destination: Any,
                 origin: Any, days_ahead: int, nights: int) -> TravelRequest:
    hold(person, "BSAFE", timezone.localdate() - dt.timedelta(days=100))
    user = person.user or user_with(Role.TRAVELLER, person=person)
    request = travel_services.request_create(
        actor=user, traveller=person, data={"purpose": "Mission"},
        segments=trip.there_and_back(destination, days_ahead=days_ahead, nights=nights,
                                     origin=origin), submit=True)
    assert request.status == TravelRequest.Status.CLEARED
    return request


def test_travellers_in_the_window_count_and_those_away_do_not(cast, user_with, officer, trip,
                                                              levels, juma):
    # Juma flies from Mombasa into Nairobi on day 12 and back on day 13; Amina is in Mombasa
    # from day 10 to day 18. The window runs from day 11 to day 16.
    visit = cleared_trip(cast, user_with, trip, juma, cast.nairobi, cast.mombasa, 12, 1)
    cleared_trip(cast, user_with, trip, cast.amina, cast.mombasa, cast.nairobi, 10, 8)
    start = timezone.now() + dt.timedelta(days=11)
    crisis = declare(officer, cast, window_start=start,
                     window_end=start + dt.timedelta(days=5))
    assert heads(crisis) == {
        # Flew in mid-window: first found on the way, presumed at both ends of the flight.
        ("10000009", None, "transit"),
        ("10000001", "Tom", "residence"),  # Amina's son stays home while she travels
        ("10000002", None, "residence"), ("10000003", None, "residence"),
        ("10000003", "Ali", "residence")}
    juma_entry = entry_of(crisis, juma)
    assert juma_entry.place == f"TR-{visit.pk:06d}"
    # Outside the visit, the same zone finds neither of them.
    before = timezone.now() + dt.timedelta(days=14)
    later = declare(officer, cast, window_start=before, window_end=before + dt.timedelta(days=1))
    assert {h[0] for h in heads(later)} == {"10000001", "10000002", "10000003"}
    assert not later.entries.filter(person=cast.amina, dependant=None).exists()


def test_a_mid_window_visit_to_an_area_without_boundary_counts(cast, user_with, officer, trip,
                                                               levels, juma):
    """Arrivals tagged with an area without boundary are read as moments of the window."""
    cleared_trip(cast, user_with, trip, juma, cast.nairobi, cast.mombasa, 12, 1)
    start = timezone.now() + dt.timedelta(days=11)
    crisis = services.crisis_declare(actor=officer, areas=[cast.nbi_area], data={
        "title": "Unrest", "zone_kind": "areas", "window_start": start,
        "window_end": start + dt.timedelta(days=5)})
    assert "10000009" in {h[0] for h in heads(crisis)}


def test_reading_the_headcount_again_adds_newcomers_only(cast, officer, crisis):
    omar = entry_of(crisis, cast.omar)
    services.entry_update(actor=officer, entry=omar, status=AccountStatus.SAFE,
                          version=omar.version)
    newcomer = Person.objects.create(index_number="10000010", family_name="Otieno",
                                     given_name="Wanjiru", organization=cast.wfp,
                                     category="national", duty_station=cast.nairobi,
                                     residence_latitude=-1.3, residence_longitude=36.79)
    assert services.headcount_refresh(actor=officer, crisis=crisis) == 1
    assert crisis.entries.count() == 6
    assert crisis.entries.get(person=newcomer).status == AccountStatus.UNKNOWN
    omar.refresh_from_db()
    assert omar.status == AccountStatus.SAFE
    assert omar.status_by == officer
    assert services.headcount_refresh(actor=officer, crisis=crisis) == 0
    assert crisis.log.filter(text="Headcount read again: 1 people added.").exists()
    assert AuditEvent.objects.filter(action="crisis.headcount.refresh").count() == 2


def test_reading_the_headcount_again_is_for_managers_of_an_active_crisis(cast, officer, warden,
                                                                         crisis):
    with pytest.raises(Forbidden):
        services.headcount_refresh(actor=warden, crisis=crisis)
    services.crisis_close(actor=officer, crisis=crisis, note="Over", version=crisis.version)
    with pytest.raises(TransitionRefused):
        services.headcount_refresh(actor=officer, crisis=crisis)


# --- Accounting for people -----------------------------------------------------------------------

@pytest.mark.parametrize("status", AccountStatus.values)
@pytest.mark.parametrize("who", ["officer", "warden"])
def test_every_status_may_be_given_by_an_officer_or_a_warden(cast, officer, warden, crisis,
                                                             status, who):
    actor = {"officer": officer, "warden": warden}[who]
    entry = entry_of(crisis, cast.amina)
    before = Notification.objects.count()
    done = services.entry_update(actor=actor, entry=entry, status=status, note=" Called ",
                                 version=entry.version)
    done.refresh_from_db()
    assert done.status == status
    assert done.status_by == actor
    assert done.status_at is not None
    assert done.note == "Called"
    assert not done.via_checkin
    assert done.version == 2
    event = done.events.get()
    assert (event.status, event.by, event.note) == (status, actor, "Called")
    audit = AuditEvent.objects.get(action="crisis.entry.update")
    assert audit.changes["status"] == ["unknown", status]
    alarmed = Notification.objects.count() - before
    if status in ALARMING:
        # The team: the lead (the declaring officer), and every manager in scope.
        assert alarmed == 1
        note = Notification.objects.get(user=officer)
        assert note.subject.endswith(f": ACHIENG, A ({crisis.reference})")
        assert note.url == f"/crisis/{crisis.pk}/board/"
    else:
        assert alarmed == 0


def test_an_alarming_status_tells_the_whole_team(cast, user_with, officer, official, warden,
                                                 crisis):
    services.member_add(actor=officer, crisis=crisis, user=warden, role="warden")
    Notification.objects.all().delete()
    entry = entry_of(crisis, cast.amina, cast.amina_child)
    services.entry_update(actor=warden, entry=entry, status=AccountStatus.INJURED,
                          note="Hospital", version=entry.version)
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {officer.username, official.username, warden.username}
    assert Notification.objects.filter(subject__startswith="Injured: ACHIENG, Tom").count() == 3
    assert Notification.objects.get(user=warden).body == "Hospital"


def test_the_history_of_an_entry_is_kept(cast, officer, warden, crisis):
    entry = entry_of(crisis, cast.omar)
    services.entry_update(actor=warden, entry=entry, status="missing", version=1)
    services.entry_update(actor=officer, entry=entry, status="safe", note="Found",
                          version=2)
    assert [(e.status, e.by) for e in AccountEvent.objects.filter(entry=entry)
            .order_by("at", "pk")] == [("missing", warden), ("safe", officer)]
    entry.refresh_from_db()
    assert entry.note == "Found"


def test_accounting_is_refused_outside_its_rules(cast, user_with, officer, somali, traveller,
                                                 crisis):
    entry = entry_of(crisis, cast.amina)
    for actor in (traveller, somali, user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL)):
        with pytest.raises(Forbidden):
            services.entry_update(actor=actor, entry=entry, status="safe", version=1)
    with pytest.raises(ValidationFailed) as caught:
        services.entry_update(actor=officer, entry=entry, status="fine", version=1)
    assert fields_of(caught) == {"status"}
    services.entry_update(actor=officer, entry=entry, status="safe", version=1)
    with pytest.raises(StaleVersion):
        services.entry_update(actor=officer, entry=AccountEntry.objects.get(pk=entry.pk),
                              status="missing", version=1)
    services.crisis_close(actor=officer, crisis=crisis, note="Over", version=crisis.version)
    closed = AccountEntry.objects.get(pk=entry.pk)
    with pytest.raises(TransitionRefused):
        services.entry_update(actor=officer, entry=closed, status="missing",
                              version=closed.version)
    assert AccountEntry.objects.get(pk=entry.pk).status == "safe"
    assert AccountEvent.objects.count() == 1


def test_a_warden_of_a_duty_station_accounts_for_its_staff_only(cast, user_with, crisis):
    station = user_with(Role.WARDEN, ScopeKind.DUTY_STATION, cast.nairobi)
    amina = entry_of(crisis, cast.amina)
    services.entry_update(actor=station, entry=amina, status="safe", version=1)
    with pytest.raises(Forbidden):
        services.entry_update(actor=station, entry=entry_of(crisis, cast.omar), status="safe",
                              version=1)


def test_someone_found_later_is_added(cast, officer, warden, juma, crisis):
    entry = services.entry_add(actor=warden, crisis=crisis, person=juma, status="safe",
                               place=" Sarit Centre ", note="Visiting")
    assert entry.basis == AccountEntry.Basis.ADDED
    assert entry.place == "Sarit Centre"
    assert entry.organization == cast.undp
    assert entry.duty_station == cast.mombasa
    assert entry.status == "safe"
    assert entry.status_by == warden
    assert entry.events.get().status == "safe"
    assert AuditEvent.objects.filter(action="crisis.entry.add").count() == 1
    with pytest.raises(ValidationFailed) as caught:
        services.entry_add(actor=warden, crisis=crisis, person=juma)
    assert fields_of(caught) == {"person"}
    with pytest.raises(ValidationFailed) as caught:
        services.entry_add(actor=warden, crisis=crisis, person=cast.amina)
    assert fields_of(caught) == {"person"}
    with pytest.raises(ValidationFailed) as caught:
        services.entry_add(actor=warden, crisis=crisis, person=juma,
                           dependant=cast.fatuma_spouse)
    assert fields_of(caught) == {"dependant"}
    with pytest.raises(ValidationFailed) as caught:
        services.entry_add(actor=warden, crisis=crisis,
                           person=Person.objects.create(
                               index_number="10000011", family_name="Kariuki",
                               organization=cast.wfp, category="national",
                               duty_station=cast.nairobi), status="lost")
    assert fields_of(caught) == {"status"}
    assert crisis.entries.filter(basis="added").count() == 1


def test_adding_someone_is_refused_to_others_and_on_a_closed_crisis(cast, officer, traveller,
                                                                    somali, juma, crisis):
    for actor in (traveller, somali):
        with pytest.raises(Forbidden):
            services.entry_add(actor=actor, crisis=crisis, person=juma)
    services.crisis_close(actor=officer, crisis=crisis, note="Over", version=crisis.version)
    with pytest.raises(TransitionRefused):
        services.entry_add(actor=officer, crisis=crisis, person=juma)
    assert not crisis.entries.filter(person=juma).exists()


def test_someone_found_injured_alarms_the_team(cast, officer, official, juma, crisis):
    Notification.objects.all().delete()
    services.entry_add(actor=officer, crisis=crisis, person=juma, status="injured")
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        officer.username, official.username}


# --- Team and log --------------------------------------------------------------------------------

def test_the_team_grows_and_keeps_a_lead(cast, officer, official, somali, warden, traveller,
                                         crisis):
    member = services.member_add(actor=officer, crisis=crisis, user=official, role="lead",
                                 duty=" Liaison with the host government ")
    assert member.duty == "Liaison with the host government"
    assert Notification.objects.filter(
        user=official, subject="You are on the crisis team: Explosion in Westlands").exists()
    assert crisis.log.filter(text__contains="joined the team as Crisis lead").exists()
    with pytest.raises(ValidationFailed) as caught:
        services.member_add(actor=officer, crisis=crisis, user=official, role="member")
    assert fields_of(caught) == {"user"}
    with pytest.raises(ValidationFailed) as caught:
        services.member_add(actor=officer, crisis=crisis, user=somali, role="member")
    assert fields_of(caught) == {"user"}
    assert "holds no role that shows this crisis" in caught.value.for_field("user")[0]
    with pytest.raises(ValidationFailed):
        services.member_add(actor=officer, crisis=crisis, user=traveller, role="member")
    with pytest.raises(Forbidden):
        services.member_add(actor=warden, crisis=crisis, user=warden, role="warden")
    with pytest.raises(ValidationFailed) as caught:
        services.member_add(actor=officer, crisis=crisis, user=warden, role="boss")
    assert fields_of(caught) == {"role"}
    # Two leads: either may go, the last may not.
    first = crisis.members.get(user=officer)
    services.member_remove(actor=officer, member=first)
    with pytest.raises(TransitionRefused):
        services.member_remove(actor=officer, member=member)
    assert list(crisis.members.values_list("user__username", "role")) == [("do-ke", "lead")]
    assert AuditEvent.objects.filter(action="crisis.member.add").count() == 1
    assert AuditEvent.objects.filter(action="crisis.member.remove").count() == 1


def test_members_keep_the_log(cast, officer, warden, crisis):
    with pytest.raises(Forbidden):
        services.log_add(actor=warden, crisis=crisis, text="Convoy left")
    services.member_add(actor=officer, crisis=crisis, user=warden, role="warden")
    entry = services.log_add(actor=warden, crisis=crisis, text="  Convoy left  ")
    assert (entry.text, entry.author, entry.kind) == ("Convoy left", warden, "note")
    earlier = timezone.now() - dt.timedelta(hours=1)
    decision = services.log_add(actor=officer, crisis=crisis, text="Relocate to Gigiri",
                                kind="decision", at=earlier)
    assert decision.at == earlier
    with pytest.raises(ValidationFailed) as caught:
        services.log_add(actor=officer, crisis=crisis, text="  ")
    assert fields_of(caught) == {"text"}
    with pytest.raises(ValidationFailed) as caught:
        services.log_add(actor=officer, crisis=crisis, text="Later",
                         at=timezone.now() + dt.timedelta(hours=1))
    assert fields_of(caught) == {"at"}
    with pytest.raises(ValidationFailed) as caught:
        services.log_add(actor=officer, crisis=crisis, text="Hm", kind="system")
    assert fields_of(caught) == {"kind"}
    # Newest first; the declaration's system entry is the oldest... after the back-dated one.
    assert [e.text for e in crisis.log.all()][:2] == ["Convoy left", "warden-ke joined the "
                                                      "team as Warden."]
    assert AuditEvent.objects.filter(action="crisis.log.add").count() == 2


def test_closing_needs_a_note_and_happens_once(cast, officer, warden, crisis):
    amina = entry_of(crisis, cast.amina)
    services.entry_update(actor=officer, entry=amina, status="safe", version=1)
    omar = entry_of(crisis, cast.omar)
    services.entry_update(actor=officer, entry=omar, status="missing", version=1)
    with pytest.raises(Forbidden):
        services.crisis_close(actor=warden, crisis=crisis, note="Over", version=crisis.version)
    with pytest.raises(ValidationFailed) as caught:
        services.crisis_close(actor=officer, crisis=crisis, note=" ", version=crisis.version)
    assert fields_of(caught) == {"closure_note"}
    with pytest.raises(StaleVersion):
        services.crisis_close(actor=officer, crisis=crisis, note="Over", version=0)
    services.crisis_close(actor=officer, crisis=crisis, note=" All safe but Omar. ",
                          version=crisis.version)
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.CLOSED
    assert crisis.closed_by == officer
    assert crisis.closed_at is not None
    assert crisis.closure_note == "All safe but Omar."
    # Missing is not accounted for; four of five are not.
    assert crisis.log.filter(
        text="Crisis closed by so-ke; 4 people not accounted for.").exists()
    assert AuditEvent.objects.get(action="crisis.crisis.close").changes["unaccounted"] == [
        None, 4]
    with pytest.raises(TransitionRefused):
        services.crisis_close(actor=officer, crisis=crisis, note="Again",
                              version=crisis.version)
    with pytest.raises(TransitionRefused):
        services.member_add(actor=officer, crisis=crisis, user=warden, role="warden")


# --- Broadcasts ----------------------------------------------------------------------------------

@pytest.fixture
def mailboxes(cast: Any) -> None:
    cast.amina.emails = ["amina@undp.example", "amina.home@example.org"]
    cast.amina.save()
    cast.omar.emails = ["omar@wfp.example"]
    cast.omar.save()
    # Fatuma has no e-mail address.


def deliveries(broadcast: Broadcast) -> set[tuple[str, str, str, str]]:
    return {(d.person.index_number, d.channel, d.address, d.status)
            for d in broadcast.deliveries.select_related("person")}


def test_a_broadcast_writes_every_delivery_before_sending(
        cast, officer, crisis, mailboxes, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        broadcast = services.broadcast_send(actor=officer, crisis=crisis,
                                            subject="  Are you safe? ", body="Tell us.",
                                            remind_after=30)
    assert broadcast.reference == f"MSG-{broadcast.pk:06d}"
    assert broadcast.subject == "Are you safe?"
    assert broadcast.created_by == officer
    assert deliveries(broadcast) == {
        ("10000001", "email", "amina@undp.example", "pending"),
        ("10000002", "email", "omar@wfp.example", "pending"),
        ("10000003", "email", "", "skipped")}
    amina = broadcast.deliveries.get(person=cast.amina)
    assert amina.entry.person == cast.amina
    assert mailoutbox == []
    assert crisis.log.filter(text="Broadcast “Are you safe?” sent to 3 people.").exists()
    event = AuditEvent.objects.get(action="crisis.broadcast.broadcast")
    assert event.changes["deliveries"] == [None, 3]
    # After commit: sent.
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == ["amina@undp.example", "omar@wfp.example"]
    message = next(m for m in mailoutbox if m.to == ["amina@undp.example"])
    assert message.subject == "Are you safe?"
    assert "Tell us." in message.body
    assert "/c/" in message.body
    assert broadcast.reference in message.body
    assert message.extra_headers["Message-ID"] == f"<{amina.key}@vigil>"
    assert deliveries(broadcast) == {
        ("10000001", "email", "amina@undp.example", "sent"),
        ("10000002", "email", "omar@wfp.example", "sent"),
        ("10000003", "email", "", "skipped")}
    # Reached: the staff member and their household on the headcount; not Fatuma's.
    statuses = {(e.person.index_number, e.dependant_id is not None): e.status
                for e in crisis.entries.select_related("person")}
    assert statuses == {("10000001", False): "contacted", ("10000001", True): "contacted",
                        ("10000002", False): "contacted", ("10000003", False): "unknown",
                        ("10000003", True): "unknown"}


def test_the_staff_members_own_entry_carries_the_answer(cast, officer, crisis, mailboxes):
    broadcast = services.broadcast_send(actor=officer, crisis=crisis, subject="S", body="B")
    assert broadcast.deliveries.get(person=cast.amina).entry == entry_of(crisis, cast.amina)
    assert broadcast.deliveries.get(person=cast.fatuma).entry == entry_of(crisis, cast.fatuma)


def test_a_status_already_known_is_not_overwritten_by_contacted(
        cast, officer, crisis, mailboxes, mailoutbox, django_capture_on_commit_callbacks):
    amina = entry_of(crisis, cast.amina)
    services.entry_update(actor=officer, entry=amina, status="safe", version=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(actor=officer, crisis=crisis, subject="Update", body="News")
    assert len(mailoutbox) == 2
    amina.refresh_from_db()
    assert amina.status == "safe"
    assert entry_of(crisis, cast.amina, cast.amina_child).status == "contacted"


def test_webhooks_get_a_delivery_each(cast, officer, crisis, mailboxes):
    sms = WebhookEndpoint.objects.create(name="SMS gateway", url="https://sms.example/hook",
                                         secret="s3cret")
    broadcast = services.broadcast_send(actor=officer, crisis=crisis, subject="Alert",
                                        body="Stay home", email=False, webhooks=[sms])
    assert deliveries(broadcast) == {
        ("10000001", "webhook", "SMS gateway", "pending"),
        ("10000002", "webhook", "SMS gateway", "pending"),
        ("10000003", "webhook", "SMS gateway", "pending")}
    both = services.broadcast_send(actor=officer, crisis=crisis, subject="Alert",
                                   body="Stay home", webhooks=[sms])
    assert both.deliveries.count() == 6
    assert both.deliveries.filter(endpoint=sms).count() == 3


def test_the_audience_is_narrowed_by_status_and_organization(cast, officer, crisis, mailboxes):
    omar = entry_of(crisis, cast.omar)
    services.entry_update(actor=officer, entry=omar, status="safe", version=1)

    def people(audience: dict[str, Any]) -> set[str]:
        sent = services.broadcast_send(actor=officer, crisis=crisis, subject="S", body="B",
                                       audience=audience)
        return {p for p, _c, _a, _s in deliveries(sent)}

    assert people({}) == {"10000001", "10000002", "10000003"}
    assert people({"statuses": ["unknown"]}) == {"10000001", "10000003"}
    assert people({"statuses": ["safe", "needs_help"]}) == {"10000002"}
    assert people({"organizations": ["WFP"]}) == {"10000002", "10000003"}
    assert people({"organizations": ["WFP"], "statuses": ["unknown"]}) == {"10000003"}
    assert people({"entries": [omar.pk]}) == {"10000002"}
    # A dependant's status reaches the staff member.
    child = entry_of(crisis, cast.amina, cast.amina_child)
    services.entry_update(actor=officer, entry=child, status="needs_help", version=1)
    assert people({"statuses": ["needs_help"]}) == {"10000001"}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"email": False}, "channels"),
    ({"subject": "  "}, "subject"),
    ({"body": ""}, "body"),
    ({"remind_after": 2}, "remind_after"),
    ({"audience": {"cities": ["Nairobi"]}}, "audience"),
    ({"audience": {"statuses": ["lost"]}}, "audience.statuses"),
])
def test_a_bad_broadcast_is_refused_on_its_field(cast, officer, crisis, kwargs, field):
    call = {"actor": officer, "crisis": crisis, "subject": "S", "body": "B", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        services.broadcast_send(**call)
    assert fields_of(caught) == {field}
    assert not Broadcast.objects.exists()


def test_outside_a_crisis_a_broadcast_names_countries_or_duty_stations(cast, officer, somali,
                                                                       mailboxes):
    with pytest.raises(ValidationFailed) as caught:
        services.broadcast_send(actor=officer, subject="S", body="B")
    assert fields_of(caught) == {"audience"}
    kenya = services.broadcast_send(actor=officer, subject="Curfew", body="From 22:00",
                                    audience={"countries": ["KE"]}, with_checkin=False)
    assert {p for p, _c, _a, _s in deliveries(kenya)} == {"10000001", "10000002"}
    assert not kenya.deliveries.filter(entry__isnull=False).exists()
    mombasa = services.broadcast_send(actor=officer, subject="Curfew", body="From 22:00",
                                      audience={"duty_stations": ["KE-MBA"]})
    assert {p for p, _c, _a, _s in deliveries(mombasa)} == {"10000002"}
    # People of another country are outside the officer's scope.
    with pytest.raises(Forbidden):
        services.broadcast_send(actor=officer, subject="S", body="B",
                                audience={"countries": ["KE", "SO"]})
    with pytest.raises(Forbidden):
        services.broadcast_send(actor=somali, subject="S", body="B",
                                audience={"duty_stations": ["KE-NBO"]})
    assert Broadcast.objects.count() == 2


def test_a_broadcast_for_a_crisis_is_for_its_managers(cast, officer, somali, warden, crisis):
    for actor in (somali, warden):
        with pytest.raises(Forbidden):
            services.broadcast_send(actor=actor, crisis=crisis, subject="S", body="B")
    services.crisis_close(actor=officer, crisis=crisis, note="Over", version=crisis.version)
    with pytest.raises(TransitionRefused):
        services.broadcast_send(actor=officer, crisis=crisis, subject="S", body="B")
    assert not Broadcast.objects.exists()


def test_a_broadcast_that_reaches_no_one_is_refused(cast, officer, crisis):
    for audience in ({"organizations": ["UNICEF"]}, {"statuses": ["deceased"]}):
        with pytest.raises(ValidationFailed) as caught:
            services.broadcast_send(actor=officer, crisis=crisis, subject="S", body="B",
                                    audience=audience)
        assert fields_of(caught) == {"audience"}
    with pytest.raises(ValidationFailed) as caught:
        services.broadcast_send(actor=officer, subject="S", body="B",
                                audience={"duty_stations": ["XX-NONE"]})
    assert fields_of(caught) == {"audience"}
    assert not Broadcast.objects.exists()


# --- Placing a crisis without a country ----------------------------------------------------------

def test_without_a_country_the_crisis_belongs_to_the_outline_holding_it(cast, officer,
                                                                         user_with):
    cast.nbi_area.boundary = NAIROBI_BOX
    cast.nbi_area.save()
    crisis = declare(officer, cast, country=None)
    assert crisis.country == cast.kenya
    assert crisis.security_area == cast.nbi_area  # its boundary holds the centre
    coast = declare(officer, cast, country=None, center_latitude=-4.0, center_longitude=39.6)
    assert coast.country == cast.kenya
    assert coast.security_area is None
    assert not coast.log.filter(text__contains="nearest").exists()
    # Lomé, though a Lagos duty station is nearer than any in Togo.
    DutyStation.objects.create(code="NG-LOS", name="Lagos", country=Country.objects.get(
        iso2="NG"), latitude=6.455, longitude=3.394, time_zone="Africa/Lagos")
    anywhere = user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL)
    lome = declare(anywhere, cast, country=None, center_latitude=6.13, center_longitude=1.22)
    assert lome.country.iso2 == "TG"
    # A polygon belongs to the country holding most of it (here Togo, not Benin).
    west = {"type": "Polygon", "coordinates": [[[1.0, 6.5], [1.8, 6.5], [1.8, 7.0],
                                                [1.0, 7.0], [1.0, 6.5]]]}
    polygon = declare(anywhere, cast, country=None, zone_kind="polygon", polygon=west,
                      center_latitude=None, center_longitude=None, radius_km=None)
    assert polygon.country.iso2 == "TG"


def test_a_centre_off_the_coast_takes_the_nearest_country_and_logs_it(cast, officer):
    crisis = declare(officer, cast, country=None, center_latitude=-4.1, center_longitude=39.8)
    assert crisis.country == cast.kenya
    [said] = crisis.log.filter(text__contains="country taken as the nearest")
    assert "12.6 km away" in said.text


def test_a_centre_far_from_any_country_asks_for_the_country(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        declare(officer, cast, country=None, center_latitude=-30.0, center_longitude=80.0)
    assert "country" in fields_of(caught)
    assert not Crisis.objects.exists()


def test_the_log_of_a_closed_crisis_is_closed_too(cast, officer, crisis):
    services.crisis_close(actor=officer, crisis=crisis, note="Over", version=crisis.version)
    with pytest.raises(TransitionRefused):
        services.log_add(actor=officer, crisis=crisis, text="One more thing")


def test_an_area_officer_writes_to_the_staff_of_their_area(cast, user_with):
    area_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.SECURITY_AREA, cast.nbi_area)
    sent = services.broadcast_send(actor=area_officer, subject="Curfew", body="From 22:00",
                                   audience={"duty_stations": ["KE-NBO"]})
    assert {d.person for d in sent.deliveries.all()} == {cast.amina}


def test_the_title_and_description_are_edited_against_the_version_read(cast, officer,
                                                                       traveller, crisis):
    with pytest.raises(Forbidden):
        services.crisis_update(actor=traveller, crisis=crisis, data={"title": "Mine"},
                               version=crisis.version)
    with pytest.raises(ValidationFailed):
        services.crisis_update(actor=officer, crisis=crisis, data={"radius_km": 1},
                               version=crisis.version)
    edited = services.crisis_update(actor=officer, crisis=crisis,
                                    data={"title": "Flood, Tana river"}, version=1)
    assert (edited.title, edited.version) == ("Flood, Tana river", 2)
    event = AuditEvent.objects.get(action="crisis.crisis.update")
    assert event.changes["title"][1] == "Flood, Tana river"
    with pytest.raises(StaleVersion):
        services.crisis_update(actor=officer, crisis=crisis, data={"title": "Old"}, version=1)
