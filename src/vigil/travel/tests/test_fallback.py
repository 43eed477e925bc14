"""No trip waits for nobody: a stop that no security officer covers goes up a level, to the
designated official of its country, then the DRO desk for its region, then the global
administrators. Each level is told, sees the stop in its queue and on the board, and may
decide it; the levels below and beside it may not. A decision names who made it, or says
that the rules made it."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import ROLE_PERMISSIONS, Perm, Role, ScopeKind
from vigil.core.errors import Forbidden
from vigil.core.models import AuditEvent, Notification
from vigil.travel import rules, selectors, services
from vigil.travel.models import Clearance, TravelRequest
from vigil.travel.tests.conftest import hold

# --- The rule, over plain data ------------------------------------------------------------------

KENYA, SOMALIA = 1, 2
MOGADISHU = rules.Place(SOMALIA, area=20, station=200)
SO_OFFICER = rules.Cover(11, "security_officer", "country", SOMALIA)
SO_DO = rules.Cover(12, "designated_official", "country", SOMALIA)
SO_DRO = rules.Cover(13, "dro_desk_officer", "country", SOMALIA)
ADMIN = rules.Cover(14, "administrator", "global")
KE_OFFICER = rules.Cover(21, "security_officer", "country", KENYA)
KE_DO = rules.Cover(22, "designated_official", "country", KENYA)


def level(covers: list[rules.Cover], traveller: int | None = None) -> tuple[str | None, tuple]:
    held = rules.holding(MOGADISHU, covers, traveller=traveller)
    return (held.holder.level if held.holder else None), held.users


@pytest.mark.parametrize(("covers", "expected"), [
    ([SO_OFFICER, SO_DO, SO_DRO, ADMIN], ("security_officer", (11,))),
    ([SO_DO, SO_DRO, ADMIN, KE_OFFICER], ("designated_official", (12,))),
    ([SO_DRO, ADMIN, KE_OFFICER, KE_DO], ("dro_desk", (13,))),
    ([ADMIN, KE_OFFICER, KE_DO], ("administrators", (14,))),
    ([KE_OFFICER, KE_DO], (None, ())),
    ([], (None, ())),
])
def test_each_level_holds_only_where_none_below_covers_the_stop(covers, expected):
    assert level(covers) == expected


def test_an_officer_covers_a_stop_through_its_area_or_station_too():
    area = rules.Cover(31, "security_officer", "security_area", 20)
    station = rules.Cover(32, "security_officer", "duty_station", 200)
    elsewhere = rules.Cover(33, "security_officer", "security_area", 99)
    assert level([area, station, elsewhere, SO_DO]) == ("security_officer", (31, 32))


def test_a_fallback_counts_only_the_scopes_of_its_level():
    # A designated official or DRO desk officer of an area, or an administrator of a country,
    # is not the designated official of the country, its DRO desk, or a global administrator.
    narrow = [rules.Cover(41, "designated_official", "security_area", 20),
              rules.Cover(42, "dro_desk_officer", "duty_station", 200),
              rules.Cover(43, "administrator", "country", SOMALIA)]
    assert level(narrow) == (None, ())
    assert level([*narrow, rules.Cover(44, "dro_desk_officer", "global")]) == ("dro_desk", (44,))


def test_the_traveller_never_holds_their_own_stop():
    assert level([SO_OFFICER, SO_DO], traveller=11) == ("designated_official", (12,))
    assert level([SO_OFFICER, rules.Cover(15, "security_officer", "global")], traveller=11) == \
        ("security_officer", (15,))


def test_every_holder_of_the_level_holds_the_stop_and_other_roles_never():
    second = rules.Cover(16, "designated_official", "global")
    stranger = rules.Cover(17, "warden", "country", SOMALIA)
    assert level([SO_DO, second, stranger]) == ("designated_official", (12, 16))
    held = rules.holding(MOGADISHU, [SO_DO])
    assert held.fallback
    assert not rules.holding(MOGADISHU, [SO_OFFICER]).fallback
    assert rules.holding(MOGADISHU, []).fallback  # nobody: a fallback that found no one


def test_the_first_level_is_whoever_may_approve_travel():
    approvers = {role.value for role, table in ROLE_PERMISSIONS.items()
                 if Perm.APPROVE_TRAVEL in table}
    assert approvers == {rules.HOLDERS[0].role}
    assert rules.HOLDERS[0].scopes == {ScopeKind.GLOBAL.value,
                                       *(k.value for k in Clearance.scope_paths)}
    assert [h.level for h in rules.HOLDERS] == ["security_officer", "designated_official",
                                                "dro_desk", "administrators"]
    assert all(str(h.note) for h in rules.HOLDERS[1:])


# --- Routing, queues, the board and decisions -----------------------------------------------------

LEVELS = [h.level for h in rules.HOLDERS]


@pytest.fixture
def deciders(cast, user_with, somalia_officer):
    """One user at each level for Somalia, and a designated official of Kenya beside them.
    ``at(level)`` removes the levels below: the stop is then held at ``level``."""
    made = {
        "security_officer": somalia_officer,
        "designated_official": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY,
                                         cast.somalia, username="do-so"),
        "dro_desk": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.somalia,
                              username="dro-so"),
        "administrators": user_with(Role.ADMINISTRATOR, username="admin"),
    }
    kenya_do = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya,
                         username="do-ke")

    class Deciders(dict):
        outsider = kenya_do

        def at(self, level: str) -> Any:
            for below in LEVELS[:LEVELS.index(level)]:
                self[below].is_active = False  # no longer anyone's, as when a post is empty
                self[below].save(update_fields=["is_active"])
            return self[level]

    return Deciders(made)


def mogadishu_trip(cast, traveller, trip):
    return services.request_create(actor=traveller, traveller=cast.amina,
                                   data={"purpose": "Assessment"},
                                   segments=trip.there_and_back(cast.mogadishu), submit=True)


@pytest.mark.parametrize("held_at", LEVELS)
def test_the_stop_goes_to_the_first_level_present_who_alone_is_told_and_may_decide(
        cast, traveller, trip, levels, deciders, held_at):
    holder = deciders.at(held_at)
    others = [u for u in (*deciders.values(), deciders.outsider)
              if u.is_active and u != holder]
    request = mogadishu_trip(cast, traveller, trip)
    clearance = request.clearances.get()
    assert clearance.status == Clearance.Status.PENDING
    assert services.approvers_of(clearance) == [holder]
    # Told: only the holder, and where it went up a level, the note says why.
    note = Notification.objects.get(user=holder)
    assert "Travel clearance requested" in note.subject
    fallback = held_at != "security_officer"
    assert ("No security officer covers Mogadishu" in note.body) is fallback
    assert not Notification.objects.filter(user__in=others).exists()
    # In the holder's queue, in nobody else's; on the board of the fallback levels.
    assert [c.pk for c in selectors.approval_queue(user=holder)] == [clearance.pk]
    for other in others:
        assert selectors.approval_queue(user=other) == []
    board = selectors.uncovered_stops(user=deciders["administrators"])
    assert [(h.clearance.pk, h.holders) for h in board] == (
        [(clearance.pk, [holder])] if fallback else [])
    # Refused to everyone else, the levels above and beside included.
    for other in others:
        with pytest.raises(Forbidden):
            services.clearance_decide(actor=other, clearance=clearance, approve=True,
                                      comment="")
    services.clearance_decide(actor=holder, clearance=clearance, approve=True,
                              comment="Only with the MIA convoy.")
    clearance.refresh_from_db()
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.CLEARED
    assert (clearance.decided_by, clearance.decided_as) == (holder, held_at)
    event = AuditEvent.objects.get(action="travel.clearance.approve")
    assert event.actor_id == holder.pk
    assert event.changes["decided_as"] == held_at


def test_nobody_holds_a_stop_where_not_even_an_administrator_exists(cast, traveller, trip,
                                                                    levels, user_with):
    outsider = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    request = mogadishu_trip(cast, traveller, trip)
    clearance = request.clearances.get()
    assert services.approvers_of(clearance) == []
    assert selectors.uncovered_stops(user=outsider) == []
    with pytest.raises(Forbidden):
        services.clearance_decide(actor=outsider, clearance=clearance, approve=True,
                                  comment="")


def test_an_officer_travelling_to_their_own_place_is_decided_a_level_up(
        cast, trip, levels, deciders):
    officer = deciders["security_officer"]
    cast.omar.user = officer
    cast.omar.save()
    hold(cast.omar, "BSAFE", timezone.localdate())
    request = services.request_create(
        actor=deciders["administrators"], traveller=cast.omar, data={"purpose": "Visit"},
        submit=True, segments=trip.there_and_back(cast.mogadishu, origin=cast.mombasa))
    clearance = request.clearances.get()
    assert services.approvers_of(clearance) == [deciders["designated_official"]]
    assert selectors.approval_queue(user=officer) == []
    with pytest.raises(Forbidden, match="your own travel"):
        services.clearance_decide(actor=officer, clearance=clearance, approve=True,
                                  comment="")


def test_cancelling_tells_the_fallback_holder_who_was_asked(cast, traveller, trip, levels,
                                                            deciders):
    holder = deciders.at("dro_desk")
    request = mogadishu_trip(cast, traveller, trip)
    services.request_cancel(actor=traveller, request=request, reason="Not needed",
                            version=request.version)
    assert Notification.objects.filter(user=holder, subject__contains="cancelled").exists()


# --- Pages ----------------------------------------------------------------------------------------

def test_the_dro_desk_finds_decides_and_sees_the_stop_on_its_pages(
        client, cast, traveller, trip, levels, deciders):
    dro = deciders.at("dro_desk")
    request = mogadishu_trip(cast, traveller, trip)
    clearance = request.clearances.get()
    detail = reverse("travel:request_detail", args=[request.pk])
    # The traveller reads who holds the stop now, instead of being told that nobody does.
    client.force_login(traveller)
    page = client.get(detail).content.decode()
    assert "the DRO desk for the region holds it now" in page
    assert "Waiting for dro-so" in page
    assert client.get(reverse("travel:uncovered_stops")).status_code == 403
    assert client.get(reverse("travel:approval_queue")).status_code == 403
    # The DRO desk officer (who holds no travel permission of their own) is led to it.
    client.force_login(dro)
    home = client.get("/").content.decode()
    assert reverse("travel:uncovered_stops") in home
    assert detail in home
    board = client.get(reverse("travel:uncovered_stops")).content.decode()
    assert request.reference in board
    assert "DRO desk officer" in board
    queue = client.get(reverse("travel:approval_queue")).content.decode()
    assert request.reference in queue
    assert "Record the decision" in client.get(detail).content.decode()
    decided = client.post(reverse("travel:clearance_decide", args=[clearance.pk]),
                          {"decision": "approve", "comment": "Convoy only."})
    assert decided.status_code == 302
    after = client.get(detail)
    assert after.status_code == 200  # still theirs to read: they decided it
    assert "Decided by dro-so (DRO desk officer)" in after.content.decode()


def test_the_board_is_for_the_fallback_levels_and_shows_no_covered_stop(
        client, cast, traveller, trip, levels, deciders, kenya_officer):
    request = mogadishu_trip(cast, traveller, trip)  # the Somalia officer covers it
    for user in (deciders["designated_official"], deciders["dro_desk"],
                 deciders["administrators"]):
        client.force_login(user)
        page = client.get(reverse("travel:uncovered_stops"))
        assert page.status_code == 200
        assert request.reference not in page.content.decode()
    client.force_login(kenya_officer)
    assert client.get(reverse("travel:uncovered_stops")).status_code == 403


def test_a_stop_the_rules_cleared_says_the_rules_decided(client, cast, traveller, trip, levels):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    clearance = request.clearances.get()
    assert (clearance.decided_by, clearance.decided_as) == (None, rules.DECIDED_BY_RULES)
    assert clearance.decided_at is not None
    client.force_login(traveller)
    page = client.get(reverse("travel:request_detail", args=[request.pk])).content.decode()
    assert "Decided by the clearance rules on" in page


def test_a_decision_without_its_decider_is_refused_by_the_database(cast, traveller, trip,
                                                                   levels, somalia_officer):
    clearance = mogadishu_trip(cast, traveller, trip).clearances.get()
    for decided_as in ("", "security_officer"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Clearance.objects.filter(pk=clearance.pk).update(
                status=Clearance.Status.APPROVED, decided_at=timezone.now(),
                decided_as=decided_as)
    with pytest.raises(IntegrityError), transaction.atomic():
        Clearance.objects.filter(pk=clearance.pk).update(
            decided_at=timezone.now(), decided_as=rules.DECIDED_BY_RULES,
            decided_by=somalia_officer)


def test_the_migration_names_the_decider_of_every_decided_stop(cast, traveller, trip, levels,
                                                               deciders):
    """Rows as they were before decisions named their decider: the demo's approvals had
    none, an officer's had no capacity, and the rules' had neither."""
    from importlib import import_module

    name_the_deciders = import_module(
        "vigil.travel.migrations.0003_clearance_decided_as").name_the_deciders
    dro = deciders.at("dro_desk")
    somalia = mogadishu_trip(cast, traveller, trip).clearances.get()
    kenya = services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "Workshop"}, submit=True,
        segments=trip.there_and_back(cast.mombasa, days_ahead=60)).clearances.get()
    Clearance.objects.filter(pk=somalia.pk).update(status=Clearance.Status.APPROVED,
                                                   decided_at=None, decided_as="")
    Clearance.objects.filter(pk=kenya.pk).update(decided_at=None, decided_as="")
    name_the_deciders(django_apps, None)
    somalia.refresh_from_db()
    kenya.refresh_from_db()
    assert (somalia.decided_by, somalia.decided_as) == (dro, "dro_desk")
    assert somalia.decided_at == somalia.requested_at
    assert (kenya.decided_by, kenya.decided_as) == (None, rules.DECIDED_BY_RULES)
    assert kenya.decided_at == kenya.requested_at


def test_the_board_and_the_queue_ask_as_many_queries_for_one_stop_as_for_three(
        client, cast, traveller, trip, levels, deciders):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dro = deciders.at("dro_desk")
    client.force_login(dro)

    def counts() -> list[int]:
        out = []
        for url in (reverse("travel:uncovered_stops"), reverse("travel:approval_queue"), "/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    mogadishu_trip(cast, traveller, trip)
    counts()  # the first visit writes the settings rows the home page's figures read
    one = counts()
    for days in (60, 90):
        services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                segments=trip.there_and_back(cast.mogadishu, days_ahead=days),
                                submit=True)
    assert len(selectors.uncovered_stops(user=dro)) == 3
    assert counts() == one


def test_the_api_queue_and_decision_follow_the_fallback(api, cast, traveller, trip, levels,
                                                        deciders):
    holder = deciders.at("designated_official")
    clearance = mogadishu_trip(cast, traveller, trip).clearances.get()
    listed = api(holder).get("/api/v1/clearances/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [clearance.pk]
    refused = api(deciders["dro_desk"]).post(f"/api/v1/clearances/{clearance.pk}/decide/",
                                             {"decision": "approve", "comment": ""},
                                             format="json")
    assert refused.status_code == 404  # not in their queue: the same answer as missing
    decided = api(holder).post(f"/api/v1/clearances/{clearance.pk}/decide/",
                               {"decision": "approve", "comment": "Convoy only."},
                               format="json")
    assert decided.status_code == 200, decided.content
    clearance.refresh_from_db()
    assert (clearance.decided_by, clearance.decided_as) == (holder, "designated_official")
