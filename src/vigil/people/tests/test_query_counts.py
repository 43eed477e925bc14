"""The people list pages ask as many queries for many staff members as for few (issue 16:
300,000 personnel and 400,000 dependants)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.query_counts import queries_of
from vigil.people.models import Dependant, Person


def add_people(cast: Any, n: int, start: int) -> None:
    people = Person.objects.bulk_create([
        Person(index_number=f"2{start + i:07d}", family_name=f"Staff {start + i}",
               given_name="B", organization=(cast.undp, cast.wfp)[i % 2], category="international",
               duty_station=(cast.nairobi, cast.mombasa, cast.mogadishu)[i % 3])
        for i in range(n)])
    Dependant.objects.bulk_create([
        Dependant(person=person, family_name=person.family_name, given_name="C",
                  relationship="child") for person in people])


def test_the_people_lists_ask_the_same_queries_for_few_and_many(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    admin = user_with(Role.ADMINISTRATOR)
    pages = [reverse("people:person_list"), reverse("people:person_list") + "?q=staff",
             reverse("people:person_list") + "?sort=duty_station",
             reverse("people:dependant_list"), reverse("people:organization_list")]

    def counts() -> list[int]:
        return queries_of(client, (officer, admin), pages)

    add_people(cast, 3, 0)
    counts()
    few = counts()
    add_people(cast, 60, 100)
    assert counts() == few


def test_the_officer_lists_kenya_and_the_administrator_everyone(client, cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    admin = user_with(Role.ADMINISTRATOR)
    add_people(cast, 6, 0)  # two each in Nairobi, Mombasa and Mogadishu
    client.force_login(officer)
    page = client.get(reverse("people:person_list")).context["page"]
    assert page.paginator.count == 2 + 4  # Amina, Omar and the four in Kenya
    client.force_login(admin)
    page = client.get(reverse("people:person_list")).context["page"]
    assert page.paginator.count == 3 + 6
