"""The travel list pages ask as many queries for many requests as for few (issue 16: the
lists read millions of requests; a query per row would not do)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.query_counts import queries
from vigil.travel.models import TravelRequest


def add_requests(cast: Any, user: Any, n: int) -> None:
    now = timezone.now()
    TravelRequest.objects.bulk_create([
        TravelRequest(traveller=person, requested_by=user, purpose=f"Mission {i}",
                      status=TravelRequest.Status.PENDING,
                      starts_at=now + dt.timedelta(days=i + 1),
                      ends_at=now + dt.timedelta(days=i + 3))
        for i in range(n) for person in (cast.amina, cast.omar, cast.fatuma)])


def test_the_request_lists_ask_the_same_queries_for_three_and_sixty_requests(
        client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    reader = user_with(Role.SECURITY_OFFICER)
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    pages = [(officer, reverse("travel:request_list")),
             (officer, reverse("travel:request_list") + "?sort=traveller"),
             (reader, reverse("travel:request_list")),
             (officer, reverse("travel:approval_queue")),
             (traveller, reverse("travel:my_trips")),
             (traveller, reverse("core:home"))]

    def counts() -> list[int]:
        found = []
        for user, url in pages:
            client.force_login(user)
            found.append(queries(client, url))
        return found

    add_requests(cast, traveller, 1)
    counts()  # settings rows and caches are made on the first read
    few = counts()
    add_requests(cast, traveller, 20)
    assert counts() == few


def test_the_scoped_list_shows_the_scope_and_the_global_list_shows_all(client, cast,
                                                                         user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    reader = user_with(Role.SECURITY_OFFICER)
    # Amina and Omar work in Kenya, Fatuma in Somalia; a clerk files them all.
    add_requests(cast, user_with(username="clerk"), 2)
    client.force_login(officer)
    page = client.get(reverse("travel:request_list")).context["page"]
    assert {r.traveller for r in page.object_list} == {cast.amina, cast.omar}
    assert page.paginator.count == 4
    client.force_login(reader)
    page = client.get(reverse("travel:request_list")).context["page"]
    assert page.paginator.count == 6
    assert not page.paginator.capped


def test_the_count_stops_at_the_cap_and_says_more(client, cast, user_with, monkeypatch):
    from vigil.core import views_support

    monkeypatch.setattr(views_support.CappedPaginator, "cap", 4)
    reader = user_with(Role.SECURITY_OFFICER)
    add_requests(cast, reader, 2)
    client.force_login(reader)
    response = client.get(reverse("travel:request_list"))
    page = response.context["page"]
    assert page.paginator.capped
    assert page.paginator.count == 4
    assert "More than 4 records" in response.content.decode()
    # At the cap exactly, the count is exact.
    monkeypatch.setattr(views_support.CappedPaginator, "cap", 6)
    page = client.get(reverse("travel:request_list")).context["page"]
    assert not page.paginator.capped
    assert page.paginator.count == 6
