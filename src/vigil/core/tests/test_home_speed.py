"""The home page of each role asks as many queries with many records as with few (issue 16:
the panels count with capped or grouped queries, never a query per row), and the panels
made cheaper give the same figures: the places panels count in one query, the risk panels
count only when the first rows do not tell, and a queue whose permission the reader holds
nowhere is not read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.coordination.models import ActionPoint, Function, Meeting, MeetingStatus
from vigil.coordination.models import SecurityManagementTeam as Team
from vigil.coordination.tests.test_accountability_selectors import appoint
from vigil.coordination.tests.test_host_services import make_incident
from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.query_counts import queries
from vigil.places.models import DutyStation, Premises, SecurityArea
from vigil.risk import selectors as risk_selectors
from vigil.risk.models import SecurityRiskAssessment

ROLES = [(Role.SECURITY_OFFICER, ScopeKind.COUNTRY), (Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY),
         (Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL), (Role.HQ_SECURITY_OFFICER, ScopeKind.COUNTRY),
         (Role.COUNSELLOR, ScopeKind.COUNTRY), (Role.TRAINING_OFFICER, ScopeKind.GLOBAL),
         (Role.SMT_MEMBER, ScopeKind.COUNTRY), (Role.TRAVELLER, ScopeKind.GLOBAL)]


def add_records(cast: Any, owner: Any, n: int, start: int) -> None:
    """``n`` more of what the panels read: duty stations (without an area, without premises),
    premises, security areas without a level, SRAs past their review, SMT action points of the
    owner, and incidents against UN personnel."""
    today = timezone.localdate()
    team = Team.objects.get_or_create(country=cast.kenya, name="Kenya SMT",
                                      defaults={"established_on": dt.date(2024, 1, 1)})[0]
    meeting = Meeting.objects.create(team=team, held_on=today - dt.timedelta(days=start + 1),
                                     status=MeetingStatus.HELD)
    for i in range(start, start + n):
        station = DutyStation.objects.create(code=f"KE-X{i}", name=f"Field {i}",
                                             country=cast.kenya, latitude=0.1, longitude=37.0,
                                             time_zone="Africa/Nairobi")
        Premises.objects.create(duty_station=cast.nairobi, name=f"Office {i}", address="Road",
                                latitude=-1.2, longitude=36.8, public_access=i % 2 == 0)
        SecurityArea.objects.create(country=cast.kenya, code=f"A{i}", name=f"Area {i}")
        _sra(cast, f"SRA {i}", "approved", today - dt.timedelta(days=i + 1))
        ActionPoint.objects.create(team=team, meeting=meeting, text=f"Action {i}", owner=owner,
                                   due_on=today - dt.timedelta(days=i + 1))
        make_incident(cast, cast.kenya, station, cast.amina, days=i + 1)


@pytest.fixture
def readers(cast: Any, user_with: Any) -> list[Any]:
    found = []
    for role, kind in ROLES:
        user = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
        found.append(user)
    # The SMT member and the designated official hold their functions in Kenya.
    appoint(found[6], Function.SMT_MEMBER, cast)
    appoint(found[1], Function.DESIGNATED_OFFICIAL, cast)
    return found


def test_each_roles_home_asks_the_same_queries_for_ten_and_thirty_records(client, cast,
                                                                          readers):
    url = reverse("core:home")

    def counts() -> list[int]:
        found = []
        for user in readers:
            client.force_login(user)
            found.append(queries(client, url))
        return found

    # Ten: more than a panel shows (its count is then asked, once); thirty: the same queries.
    add_records(cast, readers[6], 10, 0)
    counts()  # settings rows and caches are made on the first read
    few = counts()
    add_records(cast, readers[6], 20, 10)
    assert counts() == few


def _panel(response: Any, key: str) -> dict[str, Any] | None:
    return next((p for p in response.context["panels"] if p["key"] == key), None)


def test_the_places_panels_count_what_they_did(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(officer)
    panel = _panel(client.get(reverse("core:home")), "places.station_quality")
    assert panel is not None
    assert panel["total"] == 2  # Nairobi and Mombasa
    no_area, no_premises = panel["queues"]
    assert (no_area["count"], no_area["items"]) == (1, [cast.mombasa])
    assert (no_premises["count"], no_premises["items"]) == (0, [])
    bare = DutyStation.objects.create(code="KE-BARE", name="Bare", country=cast.kenya,
                                      latitude=0.1, longitude=37.0, time_zone="Africa/Nairobi")
    DutyStation.objects.create(code="KE-OLD", name="Closed", country=cast.kenya, latitude=0.1,
                               longitude=37.0, time_zone="Africa/Nairobi", is_active=False)
    Premises.objects.create(duty_station=cast.mombasa, name="Second", address="Road",
                            latitude=-4.0, longitude=39.6, public_access=True)
    response = client.get(reverse("core:home"))
    panel = _panel(response, "places.station_quality")
    assert panel is not None
    no_area, no_premises = panel["queues"]
    assert panel["total"] == 4  # the closed station counts, but is in no queue
    assert (no_area["count"], no_area["items"]) == (2, [bare, cast.mombasa])
    assert (no_premises["count"], no_premises["items"]) == (1, [bare])
    premises = _panel(response, "places.premises")
    assert premises is not None
    assert (premises["count"], premises["public"]) == (3, 1)
    assert premises["items"][0] == cast.gigiri  # the largest first
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    client.force_login(somali)
    panel = _panel(client.get(reverse("core:home")), "places.station_quality")
    assert panel is not None
    assert panel["total"] == 1


def test_the_risk_panels_count_beyond_their_first_rows(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    desk = user_with(Role.DRO_DESK_OFFICER)
    for user, key in ((officer, "risk.my_proposals"), (desk, "risk.levels_due")):
        client.force_login(user)
        panel = _panel(client.get(reverse("core:home")), key)
        assert panel is not None  # Greater Nairobi has no level yet: overdue
        assert panel["overdue_count"] == len(panel["overdue"]) == 1
    today = timezone.localdate()
    for i in range(12):
        SecurityArea.objects.create(country=cast.kenya, code=f"B{i}", name=f"Area {i}")
        _sra(cast, f"SRA {i}", "approved", today - dt.timedelta(days=i + 1))
    overdue = risk_selectors.areas_with_levels(user=officer, overdue_only=True).count()
    assert overdue == 13
    client.force_login(officer)
    panel = _panel(client.get(reverse("core:home")), "risk.my_proposals")
    assert panel is not None
    assert (len(panel["overdue"]), panel["overdue_count"]) == (8, 13)
    client.force_login(desk)
    panel = _panel(client.get(reverse("core:home")), "risk.levels_due")
    assert panel is not None
    assert (len(panel["overdue"]), panel["overdue_count"]) == (8, 13)
    assert (len(panel["sras_due"]), panel["sras_due_count"]) == (5, 12)
    assert panel["sras_due"][0].title == "SRA 11"  # the longest past its review first
    somali = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    client.force_login(somali)
    panel = _panel(client.get(reverse("core:home")), "risk.my_proposals")
    assert panel is None  # Somalia has no security area: nothing overdue, nothing proposed


def _sra(cast: Any, title: str, status: str, review_due: dt.date | None = None) -> Any:
    today = timezone.localdate()
    return SecurityRiskAssessment.objects.create(
        country=cast.kenya, title=title, status=status, valid_from=today - dt.timedelta(days=400),
        valid_until=today + dt.timedelta(days=400), review_due=review_due or today)


def test_each_reader_sees_the_queues_they_may_decide_and_no_other(client, cast, user_with):
    """The designated official approves SRAs and does not endorse them; the DRO desk
    endorses and does not approve: the queue of a permission held nowhere stays unread."""
    _sra(cast, "Submitted SRA", "submitted")
    _sra(cast, "Approved SRA", "approved")
    official = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    desk = user_with(Role.DRO_DESK_OFFICER)
    shown = {}
    for user in (official, desk):
        client.force_login(user)
        panel = _panel(client.get(reverse("core:home")), "risk.awaiting_approval")
        assert panel is not None
        shown[user] = {str(q["label"]): [i.title for i in q["items"]] for q in panel["queues"]}
    assert shown[official] == {"Security risk assessments to approve": ["Submitted SRA"]}
    assert shown[desk] == {"Security risk assessments to endorse": ["Approved SRA"]}
