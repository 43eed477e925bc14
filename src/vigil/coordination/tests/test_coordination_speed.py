"""The reads made fast for issue 16 give the same answers as the full reads they replace:
my_functions reads only the facts of the functions held (the same duties as the country's
overdue_duties for that holder), the gap board's countries, the SMT panel's states, and the host
countries' incident figures read once for a page (the same as counted per country, in any
order)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vigil.coordination import accountability_selectors as accountability
from vigil.coordination import host_rules
from vigil.coordination import host_selectors as host
from vigil.coordination import smt_selectors as smt
from vigil.coordination.models import (
    ActionPoint,
    Function,
    IncidentHandling,
    Meeting,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core.authz import Role, ScopeKind
from vigil.incidents.selectors import incidents_seen, with_personnel_affected
from vigil.places.models import DutyStation
from vigil.risk.models import Mission, MissionRecommendation

from .test_accountability_selectors import appoint, level
from .test_host_services import make_incident

TODAY = dt.date(2026, 3, 10)
LATER = TODAY + dt.timedelta(days=1)


def _records(cast, user_with):
    """A country with something overdue for every duty."""
    by = user_with()
    level(cast.nbi_area, 3, due=TODAY - dt.timedelta(days=5), by=by)
    team = SecurityManagementTeam.objects.create(country=cast.kenya, name="Kenya SMT",
                                                 established_on=dt.date(2024, 1, 1))
    area_team = SecurityManagementTeam.objects.create(
        country=cast.kenya, security_area=cast.nbi_area, name="Nairobi SMT",
        established_on=dt.date(2024, 1, 1))
    meeting = Meeting.objects.create(team=team, held_on=TODAY - dt.timedelta(days=200),
                                     status=MeetingStatus.HELD)
    Meeting.objects.create(team=team, held_on=TODAY - dt.timedelta(days=400),
                           status=MeetingStatus.HELD)
    mission = Mission.objects.create(country=cast.kenya, kind="assessment", purpose="Review",
                                     planned_start=dt.date(2025, 1, 1),
                                     planned_end=dt.date(2025, 1, 5))
    MissionRecommendation.objects.create(mission=mission, finding="f",
                                         recommendation="Fix the gate", owner="CSA", due=TODAY)
    return team, area_team, meeting


def _holder_duties(reader, appointment, on):
    return [d for d in accountability.overdue_duties(user=reader, country_id=appointment
                                                     .country_id, on=on)
            if d.appointment_id == appointment.pk]


def test_my_functions_gives_each_holder_the_duties_the_country_page_gives_them(cast,
                                                                                user_with):
    reader = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    team, _area_team, meeting = _records(cast, user_with)
    for function in Function.values:
        holder = user_with()
        appointment = appoint(holder, function, cast, station=cast.nairobi)
        ActionPoint.objects.create(team=team, meeting=meeting, text="Radio check",
                                   owner=holder, due_on=TODAY - dt.timedelta(days=3))
        mine = accountability.my_functions(user=holder, on=LATER)
        assert [m.appointment for m in mine] == [appointment]
        assert mine[0].duties == _holder_duties(reader, appointment, LATER), function
        assert mine[0].duties, function  # each function has one overdue duty at least


def test_my_functions_reads_only_the_facts_of_the_functions_held(cast, user_with):
    _records(cast, user_with)
    member, adviser = user_with(), user_with()
    appoint(member, Function.SMT_MEMBER, cast)
    appoint(adviser, Function.CHIEF_SECURITY_ADVISER, cast)
    appoint(adviser, Function.DESIGNATED_OFFICIAL, cast)

    def queries(user):
        with CaptureQueriesContext(connection) as captured:
            accountability.my_functions(user=user, on=LATER)
        return len(captured)

    # The appointments, then the action points: the SMT member answers for nothing else.
    assert queries(member) == 2
    # Two functions in one country: the country's facts read once, for both.
    assert queries(adviser) <= 11


def test_an_appointment_to_come_has_no_duties_and_reads_no_facts(cast, user_with):
    _records(cast, user_with)
    holder = user_with()
    appoint(holder, Function.CHIEF_SECURITY_ADVISER, cast, starts=LATER + dt.timedelta(days=9))
    with CaptureQueriesContext(connection) as captured:
        mine = accountability.my_functions(user=holder, on=LATER)
    assert [m.duties for m in mine] == [[]]
    assert len(captured) == 1


def test_the_gap_board_places_the_countries_with_an_active_station(cast, user_with):
    reader = user_with(Role.SECURITY_OFFICER)
    DutyStation.objects.filter(pk=cast.mogadishu.pk).update(is_active=False)
    countries = {g.place.pk for g in accountability.gaps(user=reader, on=TODAY)
                 if g.place.level == "country"}
    assert cast.kenya.pk in countries
    assert cast.somalia.pk not in countries
    DutyStation.objects.filter(pk=cast.mogadishu.pk).update(is_active=True)
    countries = {g.place.pk for g in accountability.gaps(user=reader, on=TODAY)
                 if g.place.level == "country"}
    assert cast.somalia.pk in countries
    # A country's level is the highest of its areas': the areas of the countries placed.
    level(cast.nbi_area, 4, due=TODAY + dt.timedelta(days=30), by=reader)
    do_gap = next(g for g in accountability.gaps(user=reader, on=TODAY)
                  if g.place.level == "country" and g.place.pk == cast.kenya.pk
                  and g.function == Function.DESIGNATED_OFFICIAL)
    assert do_gap.security_level == 4
    scoped = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert {g.place.country_id for g in accountability.gaps(user=scoped, on=TODAY)} == {
        cast.kenya.pk}


def test_the_team_panel_gives_the_state_of_the_team_page(cast, user_with):
    reader = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    _records(cast, user_with)
    rows = smt.my_teams(user=reader)
    assert rows
    for row in rows:
        page = smt.team_get(user=reader, pk=row["team"].pk)
        assert row["state"] == smt.team_state(page)


def _figures_counted_per_country(user, country):
    """The incident figures as the list counted them before: a query per figure."""
    recent = with_personnel_affected(incidents_seen(user)).filter(
        country=country, occurred_at__date__gte=host.window_start(timezone.localdate()))
    return {"incidents_12m": recent.count(),
            "investigated_12m": recent.filter(
                host_handling__investigation__in=host_rules.INVESTIGATED).count(),
            "arrests_12m": recent.filter(host_handling__arrests__gt=0).count(),
            "prosecuted_12m": recent.filter(
                host_handling__prosecution__in=host_rules.PROSECUTED).count(),
            "unhandled_12m": recent.filter(host_handling__isnull=True).count()}


def _host_world(cast):
    handled = make_incident(cast, cast.kenya, cast.nairobi, cast.amina, days=10)
    IncidentHandling.objects.create(incident=handled, country=cast.kenya,
                                    investigation=sorted(host_rules.INVESTIGATED)[0],
                                    arrests=2, prosecution=sorted(host_rules.PROSECUTED)[0])
    make_incident(cast, cast.kenya, cast.mombasa, cast.omar, days=40)
    make_incident(cast, cast.kenya, cast.mombasa, None, days=20)  # no UN personnel
    make_incident(cast, cast.kenya, cast.mombasa, cast.omar, days=400)  # too old
    make_incident(cast, cast.somalia, cast.mogadishu, cast.fatuma, days=5)


def test_host_countries_read_once_give_the_figures_counted_per_country(cast, user_with):
    _host_world(cast)
    for user in (user_with(Role.SECURITY_OFFICER),
                 user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)):
        for by_incidents in (False, True):
            rows = list(host.country_list(user=user, order_by_incidents=by_incidents))
            assert rows
            for country in rows:
                assert {name: getattr(country, name) for name in host.INCIDENT_FIGURES} == \
                    _figures_counted_per_country(user, country), (country, by_incidents)
    kenya = next(c for c in host.country_list(user=user_with(Role.SECURITY_OFFICER))
                 if c.pk == cast.kenya.pk)
    assert (kenya.incidents_12m, kenya.investigated_12m, kenya.arrests_12m,
            kenya.prosecuted_12m, kenya.unhandled_12m) == (2, 1, 1, 1, 1)


def test_host_countries_sort_by_incidents_and_keep_their_query_count(client, cast,
                                                                      user_with):
    _host_world(cast)
    reader = user_with(Role.SECURITY_OFFICER)
    client.force_login(reader)
    url = reverse("coordination:host_country_list")
    page = client.get(url + "?sort=-incidents").context["page"]
    counts = [c.incidents_12m for c in page.object_list]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 2

    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url + query).status_code == 200
        return len(captured)

    first = [queries(""), queries("?sort=-incidents")]
    for days in (3, 4, 6):
        make_incident(cast, cast.somalia, cast.mogadishu, cast.fatuma, days=days)
        make_incident(cast, cast.kenya, cast.nairobi, cast.amina, days=days)
    assert [queries(""), queries("?sort=-incidents")] == first
    exported = b"".join(client.get(url + "?format=csv").streaming_content).decode()
    kenya = next(line for line in exported.splitlines() if "Kenya" in line)
    assert kenya.split(",")[-5:] == ["5", "1", "1", "1", "4"]  # the figures, exported too
