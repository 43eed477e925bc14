"""Counts only, suppressed: the dashboard's tables and indicator SP2.2.a.iii."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.incidents.models import AffectedPerson
from vigil.people.models import Person
from vigil.wellbeing import selectors, services
from vigil.wellbeing.models import Case


def table(tables: list[Any], dimension: str) -> Any:
    return next(t for t in tables if t.dimension == dimension)


def test_counts_below_the_minimum_are_suppressed(world, user_with):
    services.cases_propose()  # three cases in Kenya
    manager = user_with(Role.PROGRAMME_MANAGER)
    countries = table(selectors.case_counts(user=manager), "country")
    assert [(label, str(cell)) for label, cell in countries.rows] == [("Kenya", "suppressed")]
    assert countries.total.suppressed


def test_counts_at_the_minimum_are_shown_and_complemented(world, user_with, settings):
    settings.VIGIL_WELLBEING_MIN_CELL = 3
    services.cases_propose()
    services.case_request(actor=world.omar_user, data={})
    manager = user_with(Role.PROGRAMME_MANAGER)
    origins = table(selectors.case_counts(user=manager), "origin")
    cells = dict(origins.rows)
    assert str(cells["Requested by the person"]) == "suppressed"
    assert str(cells["Referral"]) == "0"
    # Total 4 minus 3 would give the hidden 1: the 3 is suppressed with it.
    assert str(cells["Proposed from an incident"]) == "suppressed"
    assert str(origins.total) == "4"


def test_counts_follow_the_scope_and_the_right(world, user_with):
    services.cases_propose()
    in_scope = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, world.cast.kenya)
    elsewhere = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, world.cast.somalia)
    assert table(selectors.case_counts(user=in_scope), "country").rows
    assert not table(selectors.case_counts(user=elsewhere), "country").rows
    traveller = user_with(Role.TRAVELLER)
    assert not selectors.may_view_counts(traveller)
    assert not table(selectors.case_counts(user=traveller), "country").rows


def test_pfa_indicator_counts_affected_staff_with_a_first_contact(world, user_with, settings):
    settings.VIGIL_WELLBEING_MIN_CELL = 2
    extra = [Person.objects.create(index_number=f"2000000{i}", family_name=f"P{i}",
                                   organization=world.cast.undp, category="national",
                                   duty_station=world.cast.nairobi) for i in range(3)]
    for person in extra:
        AffectedPerson.objects.create(incident=world.incident, person=person, impact="affected")
    services.cases_propose()
    for person in [world.cast.amina, extra[0]]:
        case = Case.objects.get(person=person, dependant__isnull=True)
        services.case_take(actor=world.counsellor_user, case=case)
        services.contact_record(actor=world.counsellor_user, case=case,
                                data={"at": timezone.now(), "mode": "phone"})
    manager = user_with(Role.PROGRAMME_MANAGER)
    found = selectors.pfa_indicator(user=manager)
    assert found["code"] == "SP2.2.a.iii"
    # 5 staff affected (the child is not staff), 2 received support, 3 did not.
    assert found["overall"].percent == 40.0
    settings.VIGIL_WELLBEING_MIN_CELL = 5
    assert selectors.pfa_indicator(user=manager)["overall"].suppressed
