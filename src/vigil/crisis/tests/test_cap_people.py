"""Who may open "people in the area" of a CAP hazard: the readers of the incident, which is
the officers of the alert's country, and for an alert without a country the global roles.
Names go to those who may see whereabouts; a reader of the whereabouts coverage (the
administrator) is given the number without names."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.crisis.cap_services import cap_import
from vigil.incidents.models import Incident

# A flood warning around central Nairobi: the cast's people all live at -1.2, 36.8, 10 km away.
NAIROBI_FLOOD = b"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KMD-2025-0042</identifier>
  <sender>alerts@meteo.example.ke</sender>
  <sent>2025-04-10T06:00:00+03:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Flash flood warning</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>Central Nairobi</areaDesc>
      <circle>-1.2864,36.8172 15</circle>
      <geocode><valueName>ISO3166-1</valueName><value>KE</value></geocode>
    </area>
  </info>
</alert>"""


@pytest.fixture
def hazard(cast: Any, user_with: Any) -> Incident:
    importer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    incident = cap_import(actor=importer, data=NAIROBI_FLOOD).incident
    assert incident.country == cast.kenya
    return incident


@pytest.fixture
def countryless(hazard: Incident) -> Incident:
    """The same hazard as if no country could be found for it."""
    Incident.objects.filter(pk=hazard.pk).update(country=None, security_area=None)
    return hazard


def people_page(client: Any, user: Any, incident: Incident) -> Any:
    client.force_login(user)
    return client.get(reverse("crisis:incident_people", args=[incident.pk]))


def test_an_officer_of_the_alerts_country_sees_who_is_inside(client: Any, cast: Any,
                                                             user_with: Any,
                                                             hazard: Incident) -> None:
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    response = people_page(client, officer, hazard)
    assert response.status_code == 200
    names = {row.person.family_name for row in response.context["rows"]}
    assert names == {"Achieng", "Hassan"}  # Abdi's duty station is in Somalia
    assert str(cast.amina) in response.content.decode()
    assert AuditEvent.objects.filter(action="travel.whereabouts.read", actor_id=officer.pk,
                                     sensitive_read=True).exists()


def test_an_officer_of_another_country_finds_nothing(client: Any, cast: Any, user_with: Any,
                                                     hazard: Incident) -> None:
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    assert people_page(client, officer, hazard).status_code == 404


def test_a_hazard_without_a_country_is_for_the_global_roles(client: Any, cast: Any,
                                                            user_with: Any,
                                                            countryless: Incident) -> None:
    kenya_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert people_page(client, kenya_officer, countryless).status_code == 404
    global_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL)
    response = people_page(client, global_officer, countryless)
    assert response.status_code == 200
    assert {row.person.family_name for row in response.context["rows"]} == {
        "Achieng", "Hassan", "Abdi"}


def test_the_administrator_sees_how_many_but_not_who(client: Any, cast: Any, user_with: Any,
                                                     countryless: Incident) -> None:
    admin = user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL)
    response = people_page(client, admin, countryless)
    assert response.status_code == 200
    assert response.context["rows"] is None
    # Three staff members and the two dependants who live with them.
    assert response.context["count"] == 5
    page = response.content.decode()
    assert "5 people presumed inside the area" in page
    assert str(cast.amina) not in page
    assert AuditEvent.objects.filter(action="travel.whereabouts.read", actor_id=admin.pk,
                                     changes__names=False).exists()


def test_a_global_reader_of_incidents_alone_is_told_who_may_see_people(
        client: Any, user_with: Any, countryless: Incident) -> None:
    hq_officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.GLOBAL)
    response = people_page(client, hq_officer, countryless)
    assert response.status_code == 200
    assert response.context["rows"] is None
    assert response.context["count"] is None
    assert "security officers and designated officials" in response.content.decode()
    assert not AuditEvent.objects.filter(action="travel.whereabouts.read").exists()


def test_a_traveller_is_refused(client: Any, cast: Any, user_with: Any,
                                countryless: Incident) -> None:
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    assert people_page(client, traveller, countryless).status_code == 403
