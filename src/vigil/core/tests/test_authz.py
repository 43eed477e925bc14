"""Each role x scope, allowed and refused, through the selectors, the API and the HTML."""

from __future__ import annotations

import pytest

from vigil.core.authz import ROLE_PERMISSIONS, Perm, Reach, Role, ScopeKind, can, visible
from vigil.people.models import Dependant, Person
from vigil.places.models import Premises

# What each scope, granted over the Kenya-side object, must reveal (by the cast's names).
PERSONNEL_IN_SCOPE = {
    ScopeKind.GLOBAL: {"Achieng", "Hassan", "Abdi"},
    ScopeKind.COUNTRY: {"Achieng", "Hassan"},  # Kenya: Nairobi and Mombasa
    ScopeKind.SECURITY_AREA: {"Achieng"},  # Greater Nairobi
    ScopeKind.DUTY_STATION: {"Achieng"},  # Nairobi
    ScopeKind.ORGANIZATION: {"Achieng"},  # UNDP
    ScopeKind.PREMISES: set(),  # personnel are not placed by premises
}
PREMISES_IN_SCOPE = {
    ScopeKind.GLOBAL: {"UN Gigiri", "Mombasa office", "MIA compound"},
    ScopeKind.COUNTRY: {"UN Gigiri", "Mombasa office"},
    ScopeKind.SECURITY_AREA: {"UN Gigiri"},
    ScopeKind.DUTY_STATION: {"UN Gigiri"},
    ScopeKind.ORGANIZATION: set(),
    ScopeKind.PREMISES: {"UN Gigiri"},
}

# Expected grants, written out independently of ROLE_PERMISSIONS so the table is checked.
SEES_PERSONNEL_IN_SCOPE = {Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL,
                           Role.DRO_DESK_OFFICER, Role.HQ_SECURITY_OFFICER,
                           Role.PROTECTION_COORDINATOR, Role.TRAINING_OFFICER,
                           Role.WARDEN, Role.ADMINISTRATOR}
SEES_PREMISES = {Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL, Role.DRO_DESK_OFFICER,
                 Role.HQ_SECURITY_OFFICER, Role.ADMINISTRATOR}
SEES_PERSONAL_DATA = {Role.SECURITY_OFFICER, Role.ADMINISTRATOR}

ALL_SCOPES = list(ScopeKind)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", ALL_SCOPES)
def test_personnel_visible_by_role_and_scope(cast, user_with, role, kind):
    user = user_with(role, kind, cast.scope(kind))
    seen = {p.family_name for p in visible(user, Perm.VIEW_PERSON, Person.objects.all())}
    expected = PERSONNEL_IN_SCOPE[kind] if role in SEES_PERSONNEL_IN_SCOPE else set()
    assert seen == expected


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", ALL_SCOPES)
def test_premises_visible_by_role_and_scope(cast, user_with, role, kind):
    user = user_with(role, kind, cast.scope(kind))
    seen = {p.name for p in visible(user, Perm.VIEW_PREMISES, Premises.objects.all())}
    assert seen == (PREMISES_IN_SCOPE[kind] if role in SEES_PREMISES else set())


@pytest.mark.parametrize("role", list(Role))
def test_personal_data_only_for_need_to_know_roles(cast, user_with, role):
    user = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    assert can(user, Perm.VIEW_PERSONAL_DATA, cast.amina) is (role in SEES_PERSONAL_DATA)
    # Never outside the scope, whatever the role.
    assert can(user, Perm.VIEW_PERSONAL_DATA, cast.fatuma) is False


@pytest.mark.parametrize("role", list(Role))
def test_reference_data_is_open_to_every_role_and_closed_without_one(cast, user_with, role):
    user = user_with(role, ScopeKind.DUTY_STATION, cast.nairobi)
    assert can(user, Perm.VIEW_REFERENCE, cast.mogadishu)
    assert not can(user_with(None), Perm.VIEW_REFERENCE, cast.mogadishu)


def test_no_grant_sees_nothing(cast, user_with):
    nobody = user_with(None)
    for perm in Perm:
        assert not visible(nobody, perm, Person.objects.all()).exists()
        assert not can(nobody, perm, cast.amina)


def test_traveller_sees_only_own_record_and_dependants(cast, user_with):
    user = user_with(Role.TRAVELLER, person=cast.amina)
    assert list(visible(user, Perm.VIEW_PERSON, Person.objects.all())) == [cast.amina]
    assert list(visible(user, Perm.VIEW_DEPENDANT, Dependant.objects.all())) == [
        cast.amina_child]
    assert can(user, Perm.CHANGE_CONTACT_DATA, cast.amina)
    assert not can(user, Perm.CHANGE_CONTACT_DATA, cast.omar)
    assert not can(user, Perm.CHANGE_PERSON, cast.amina)  # not their own duty station


def test_traveller_without_linked_record_sees_no_person(cast, user_with):
    user = user_with(Role.TRAVELLER)
    assert not visible(user, Perm.VIEW_PERSON, Person.objects.all()).exists()


def test_expired_grant_gives_nothing(cast, user_with):
    import datetime as dt

    from django.utils import timezone

    from vigil.core.authz import forget_grants
    from vigil.core.models import RoleGrant

    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert can(user, Perm.VIEW_PERSON, cast.amina)
    RoleGrant.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(1))
    forget_grants(user)
    assert not can(user, Perm.VIEW_PERSON, cast.amina)


def test_can_judges_unsaved_objects_by_their_fields(cast, user_with):
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert can(user, Perm.CHANGE_PREMISES, Premises(duty_station=cast.mombasa))
    assert not can(user, Perm.CHANGE_PREMISES, Premises(duty_station=cast.mogadishu))


def test_every_role_is_declared():
    assert set(ROLE_PERMISSIONS) == set(Role)
    for table in ROLE_PERMISSIONS.values():
        assert all(isinstance(r, Reach) for r in table.values())


# --- The same rules over HTTP -----------------------------------------------------------------

@pytest.mark.parametrize("kind", [ScopeKind.COUNTRY, ScopeKind.SECURITY_AREA,
                                  ScopeKind.DUTY_STATION, ScopeKind.ORGANIZATION])
def test_api_person_out_of_scope_is_404_and_absent_from_list(cast, user_with, api, kind):
    client = api(user_with(Role.SECURITY_OFFICER, kind, cast.scope(kind)))
    assert client.get(f"/api/v1/personnel/{cast.amina.pk}/").status_code == 200
    out = client.get(f"/api/v1/personnel/{cast.fatuma.pk}/")
    missing = client.get("/api/v1/personnel/999999/")
    assert out.status_code == missing.status_code == 404
    assert out.json() == missing.json()
    names = {p["family_name"] for p in client.get("/api/v1/personnel/").json()["results"]}
    assert "Abdi" not in names
    assert "Achieng" in names


@pytest.mark.parametrize("kind", [ScopeKind.COUNTRY, ScopeKind.DUTY_STATION,
                                  ScopeKind.PREMISES])
def test_html_premises_out_of_scope_is_404_and_absent_from_list(cast, user_with, client, kind):
    client.force_login(user_with(Role.HQ_SECURITY_OFFICER, kind, cast.scope(kind)))
    assert client.get(f"/places/premises/{cast.gigiri.pk}/").status_code == 200
    assert client.get(f"/places/premises/{cast.mogadishu_compound.pk}/").status_code == 404
    assert client.get("/places/premises/999999/").status_code == 404
    page = client.get("/places/premises/").content.decode()
    assert "UN Gigiri" in page
    assert "MIA compound" not in page


def test_html_person_out_of_scope_is_404(cast, user_with, client):
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(f"/people/personnel/{cast.omar.pk}/").status_code == 200
    assert client.get(f"/people/personnel/{cast.fatuma.pk}/").status_code == 404
    page = client.get("/people/personnel/").content.decode()
    assert "HASSAN" in page
    assert "ABDI" not in page


def test_anonymous_is_sent_to_sign_in_and_api_refuses(cast, client, api):
    response = client.get("/people/personnel/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
    assert api().get("/api/v1/personnel/").status_code in (401, 403)


def test_role_without_list_permission_gets_403_page(cast, user_with, client):
    client.force_login(user_with(Role.BUDGET_OFFICER))
    assert client.get("/people/personnel/").status_code == 403
    assert client.get("/places/premises/").status_code == 403


# --- The actor as the account a record names ----------------------------------------------------

def test_account_is_the_signed_in_user_and_refuses_anyone_else(cast, user_with):
    from django.contrib.auth.models import AnonymousUser

    from vigil.core.authz import account, account_or_none
    from vigil.core.errors import Forbidden

    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert account(officer) is officer
    assert account_or_none(officer) is officer
    with pytest.raises(Forbidden):
        account(AnonymousUser())
    assert account_or_none(AnonymousUser()) is None
    assert account_or_none(None) is None  # Vigil itself


def test_scope_and_own_records_make_one_subquery_per_relation(cast, user_with):
    """A security officer in Kenya who is also a staff member in Mogadishu sees Kenya's
    dependants and his or her own, through ONE subquery on the staff member (the grants and the
    ownership ORed inside it), which the database can join instead of testing every dependant
    against two subqueries; and the same rows as the grants taken one by one."""
    from vigil.core.authz import forget_grants
    from vigil.core.models import RoleGrant

    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, person=cast.fatuma)
    RoleGrant.objects.create(user=user, role=Role.TRAVELLER, scope_kind=ScopeKind.GLOBAL)
    forget_grants(user)
    seen = visible(user, Perm.VIEW_DEPENDANT, Dependant.objects.all())
    assert {d.given_name for d in seen} == {"Tom", "Ali"}  # Kenya's, and his own
    sql = str(seen.query)
    assert sql.count('FROM "people_person"') == 1
    assert sql.count("SELECT") == 2  # the list, and one subquery
    # The same rows as each term alone, united.
    by_country = set(Dependant.objects.filter(person__duty_station__country=cast.kenya)
                     .values_list("pk", flat=True))
    own = set(Dependant.objects.filter(person__user=user).values_list("pk", flat=True))
    assert set(seen.values_list("pk", flat=True)) == by_country | own
