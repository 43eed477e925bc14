"""Name search on PostgreSQL is served by trigram indexes (migration people 0005): they exist,
and the search finds the same people through them as without them, in both directions."""

from __future__ import annotations

import pytest
from django.db import connection

from vigil.core.authz import Role
from vigil.people import selectors

INDEXES = {"people_person_family_trgm", "people_person_given_trgm",
           "people_person_original_trgm", "people_person_index_upper",
           "people_dependant_family_trgm", "people_dependant_given_trgm"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
@pytest.mark.django_db
def test_the_name_search_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename IN "
                       "('people_person', 'people_dependant')")
        found = {row[0] for row in cursor.fetchall()}
    assert found >= INDEXES


@pytest.mark.parametrize(("text", "found"), [
    ("chien", {"Achieng"}),        # inside the family name, any case
    ("ACH", {"Achieng"}),
    ("10000002", {"Hassan"}),      # the whole index number
    ("1000000", set()),            # part of an index number finds nobody
    ("zz", set()),
])
def test_the_search_finds_names_inside_and_whole_index_numbers(cast, user_with, text, found):
    admin = user_with(Role.ADMINISTRATOR)
    assert {p.family_name for p in selectors.person_list(user=admin, search=text)} == found


def test_dependants_are_searched_by_name(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    assert {d.given_name for d in selectors.dependant_list(user=admin, search="ali")} == {"Ali"}
    assert not selectors.dependant_list(user=admin, search="nobody").exists()
