"""The writes of places: each saves in the actor's scope only, counts the version up and
records one audit event with what changed."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.places import services
from vigil.places.models import DutyStation, SecurityArea

pytestmark = pytest.mark.django_db

STATION = {"code": "ke-ksm", "name": "Kisumu", "latitude": -0.09, "longitude": 34.77,
           "time_zone": "Africa/Nairobi"}


def changes_of(action: str) -> dict:
    return AuditEvent.objects.get(action=action).changes


def fresh(station: DutyStation) -> DutyStation:
    """As stored: a refused edit leaves its values on the instance it was given."""
    return DutyStation.objects.get(pk=station.pk)


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)


def test_a_security_area_is_created_and_edited_in_scope(cast, officer):
    area = services.security_area_create(actor=officer, data={
        "country": cast.kenya, "code": "MBA", "name": "Coast"})
    assert changes_of("places.security_area.create")["name"] == [None, "Coast"]
    services.security_area_update(actor=officer, area=area, data={"name": "Coast region"},
                                  version=1)
    area.refresh_from_db()
    assert (area.name, area.version) == ("Coast region", 2)
    assert changes_of("places.security_area.update") == {"name": ["Coast", "Coast region"],
                                                         "version": [1, 2]}


def test_a_security_area_keeps_its_country_and_code(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        services.security_area_update(actor=officer, area=cast.nbi_area,
                                      data={"country": cast.somalia, "code": "X"}, version=1)
    assert [e.field for e in caught.value.errors] == ["code", "country"]
    with pytest.raises(Forbidden):
        services.security_area_create(actor=officer, data={
            "country": cast.somalia, "code": "MGQ", "name": "Banadir"})
    assert not SecurityArea.objects.filter(code="MGQ").exists()


def test_a_duty_station_code_is_kept_in_capitals(cast, officer):
    station = services.duty_station_create(actor=officer, data={**STATION,
                                                                 "country": cast.kenya})
    assert station.code == "KE-KSM"
    changes = changes_of("places.duty_station.create")
    assert changes["code"] == [None, "KE-KSM"]
    assert changes["name"] == [None, "Kisumu"]


def test_a_duty_station_moves_only_within_the_actors_scope(cast, officer):
    with pytest.raises(Forbidden):
        services.duty_station_update(actor=officer, station=cast.mombasa,
                                     data={"country": cast.somalia}, version=1)
    with pytest.raises(StaleVersion):
        services.duty_station_update(actor=officer, station=fresh(cast.mombasa),
                                     data={"name": "Mombasa"}, version=7)
    services.duty_station_update(actor=officer, station=fresh(cast.mombasa),
                                 data={"name": "Mombasa port"}, version=1)
    assert DutyStation.objects.get(pk=cast.mombasa.pk).version == 2
    assert changes_of("places.duty_station.update") == {
        "name": ["Mombasa", "Mombasa port"], "version": [1, 2]}


def test_premises_name_their_organizations_when_created_and_when_they_change(cast, officer):
    premises = services.premises_create(actor=officer, data={
        "duty_station": cast.nairobi, "name": "Annex", "address": "UN Avenue 2",
        "latitude": -1.23, "longitude": 36.81},
        organization_ids=[cast.wfp.pk, cast.undp.pk])
    created = changes_of("places.premises.create")
    assert created["organizations"] == [[], sorted([cast.undp.pk, cast.wfp.pk])]
    assert created["name"] == [None, "Annex"]
    services.premises_update(actor=officer, premises=premises, data={"name": "Annex B"},
                             version=1)  # organizations not given: kept, and not in the audit
    assert changes_of("places.premises.update") == {"name": ["Annex", "Annex B"],
                                                    "version": [1, 2]}
    assert set(premises.organizations.values_list("pk", flat=True)) == {cast.undp.pk,
                                                                         cast.wfp.pk}
    services.premises_update(actor=officer, premises=premises, data={}, version=2,
                             organization_ids=[cast.undp.pk])
    assert AuditEvent.objects.filter(action="places.premises.update").latest("seq").changes == {
        "organizations": [sorted([cast.undp.pk, cast.wfp.pk]), [cast.undp.pk]],
        "version": [2, 3]}


def test_premises_created_without_organizations_say_so(cast, officer):
    services.premises_create(actor=officer, data={
        "duty_station": cast.nairobi, "name": "Annex", "address": "UN Avenue 2",
        "latitude": -1.23, "longitude": 36.81})
    assert changes_of("places.premises.create")["organizations"] == [[], []]


def test_an_unknown_organization_writes_nothing(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        services.premises_update(actor=officer, premises=cast.gigiri, data={"name": "New"},
                                 version=1, organization_ids=[999_999])
    assert [e.field for e in caught.value.errors] == ["organizations"]
    cast.gigiri.refresh_from_db()
    assert (cast.gigiri.name, cast.gigiri.version) == ("UN Gigiri", 1)
    assert not AuditEvent.objects.filter(action__startswith="places.premises").exists()
