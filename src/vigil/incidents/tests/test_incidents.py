"""Incidents through their services, selectors, pages and API: who may record what, the rules
of a record (taxonomy, time, place, casualties), the people and assets affected, the audit,
the list with its filters, map, statistics and export, and scope everywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.incidents import selectors, services
from vigil.incidents.models import AffectedAsset, AffectedPerson, Incident, IncidentCategory
from vigil.places.models import Country, DutyStation

pytestmark = pytest.mark.django_db

# Greater Nairobi as a box, longitude first (RFC 7946).
NAIROBI_BOX = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.45], [37.1, -1.1],
                                                   [36.6, -1.1], [36.6, -1.45]]]}


def cat(code: str) -> IncidentCategory:
    return IncidentCategory.objects.get(code=code)


def fields_of(caught: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e.field for e in caught.value.errors}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def officer(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


@pytest.fixture
def somali(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia, username="so-so")


@pytest.fixture
def official(cast: Any, user_with: Any) -> Any:
    return user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya, username="do-ke")


@pytest.fixture
def global_officer(user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL, username="so-hq")


def data(cast: Any, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "category": cat("crime"), "subcategory": cat("robbery"),
        "title": "Robbery on Waiyaki Way",
        "occurred_at": timezone.now() - dt.timedelta(hours=2), "time_zone": "Africa/Nairobi",
        "country": cast.kenya, "latitude": -1.26, "longitude": 36.78,
        "description": "Two staff members robbed at a junction.", "source": "Staff report"}
    row.update(extra)
    return row


def record(actor: Any, cast: Any, **extra: Any) -> Incident:
    return services.incident_create(actor=actor, data=data(cast, **extra))


# --- Recording -----------------------------------------------------------------------------------

def test_an_officer_in_kenya_records_an_incident_and_it_is_audited(cast, officer):
    incident = record(officer, cast, duty_station=cast.nairobi)
    incident.refresh_from_db()
    assert incident.reference == f"INC-{incident.pk:06d}"
    assert incident.reported_by == officer
    assert incident.category.code == "crime"
    assert incident.subcategory.code == "robbery"
    assert incident.source_kind == Incident.Source.REPORT
    assert incident.version == 1
    # No area has a boundary: the area comes from the duty station.
    assert incident.security_area == cast.nbi_area
    event = AuditEvent.objects.get(action="incidents.incident.create")
    assert event.object_id == str(incident.pk)
    assert event.actor == officer
    assert event.changes["title"] == [None, "Robbery on Waiyaki Way"]


def test_the_country_comes_from_the_duty_station(cast, officer):
    incident = record(officer, cast, country=None, latitude=None, longitude=None,
                      duty_station=cast.mombasa)
    assert incident.country == cast.kenya
    assert incident.security_area is None


def test_without_a_country_the_outline_holding_the_point_places_it(cast, officer,
                                                                     global_officer):
    cast.nbi_area.boundary = NAIROBI_BOX
    cast.nbi_area.save()
    incident = record(officer, cast, country=None)
    assert incident.country == cast.kenya
    assert incident.country_basis == Incident.CountryBasis.POINT
    assert incident.country_distance_km is None
    assert incident.security_area == cast.nbi_area
    # Lomé, with a Lagos duty station nearer than any in Togo: Togo, by its outline.
    DutyStation.objects.create(code="NG-LOS", name="Lagos", country=Country.objects.get(
        iso2="NG"), latitude=6.455, longitude=3.394, time_zone="Africa/Lagos")
    lome = record(global_officer, cast, country=None, latitude=6.13, longitude=1.22)
    assert lome.country.iso2 == "TG"
    # Far at sea, with no country given: Vigil cannot place it, and says so on the country
    # field, to a global recorder too.
    for actor in (officer, global_officer):
        with pytest.raises(ValidationFailed) as caught:
            record(actor, cast, country=None, latitude=-30.0, longitude=80.0)
        assert [e.field for e in caught.value.errors] == ["country"]
        assert "choose the country" in str(caught.value.errors[0].message)
    assert Incident.objects.count() == 2


def test_a_point_off_the_coast_takes_the_nearest_country_and_says_so(cast, officer, client,
                                                                      api):
    # About 12 km off Mombasa, in the Indian Ocean.
    incident = record(officer, cast, country=None, latitude=-4.1, longitude=39.8)
    assert incident.country == cast.kenya
    assert incident.country_basis == Incident.CountryBasis.POINT
    assert incident.country_distance_km == pytest.approx(12.6)
    client.force_login(officer)
    page = client.get(reverse("incidents:incident_detail", args=[incident.pk]))
    assert "Country taken as the nearest, 12.6 km away" in page.content.decode()
    body = api(officer).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert (body["country"], body["country_basis"], body["country_distance_km"]) == (
        "KE", "point", 12.6)


def test_a_moved_point_moves_a_country_vigil_found_but_not_one_chosen(cast, global_officer):
    found = record(global_officer, cast, country=None)
    moved = services.incident_update(actor=global_officer, incident=found, version=1,
                                     data={"latitude": 2.05, "longitude": 45.32})
    assert moved.country == cast.somalia
    assert Incident.objects.get(pk=found.pk).country_basis == Incident.CountryBasis.POINT
    chosen = record(global_officer, cast)  # Kenya given
    kept = services.incident_update(actor=global_officer, incident=chosen, version=1,
                                    data={"latitude": 2.05, "longitude": 45.32})
    assert kept.country == cast.kenya
    assert kept.country_basis == ""


@pytest.mark.parametrize("who", ["somali", "traveller", "official", "nobody"])
def test_recording_in_kenya_is_refused_to_others(cast, user_with, who, somali, official):
    actor = {"somali": somali, "official": official,
             "traveller": user_with(Role.TRAVELLER, person=cast.amina),
             "nobody": user_with()}[who]
    with pytest.raises(Forbidden):
        record(actor, cast)
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="incidents.").exists()


def test_a_designated_official_reads_but_does_not_amend(cast, officer, official):
    incident = record(officer, cast)
    assert selectors.incident_get(user=official, pk=incident.pk) == incident
    with pytest.raises(Forbidden):
        services.incident_update(actor=official, incident=incident, data={"title": "x"},
                                 version=incident.version)
    with pytest.raises(Forbidden):
        services.affected_person_add(actor=official, incident=incident, person=cast.amina,
                                     impact="injured")
    with pytest.raises(Forbidden):
        services.affected_asset_add(actor=official, incident=incident,
                                    data={"asset": "Vehicle UN 123"})


def test_an_officer_may_not_move_an_incident_out_of_their_scope(cast, officer):
    incident = record(officer, cast)
    with pytest.raises(Forbidden):
        services.incident_update(actor=officer, incident=incident,
                                 data={"country": cast.somalia, "latitude": 2.04,
                                       "longitude": 45.31}, version=incident.version)
    incident.refresh_from_db()
    assert incident.country == cast.kenya


def test_a_subcategory_of_another_category_is_refused_on_its_field(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, category=cat("crime"), subcategory=cat("flood"))
    assert fields_of(caught) == {"subcategory"}
    assert "Flood" in caught.value.for_field("subcategory")[0]
    assert not Incident.objects.exists()


def test_a_subcategory_given_as_category_is_refused_on_its_field(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, category=cat("robbery"), subcategory=None)
    assert fields_of(caught) == {"category"}
    assert not Incident.objects.exists()


def test_a_subcategory_given_as_category_is_refused_in_words(cast, officer):
    """Vigil's own rule speaks before the model's limit_choices_to check."""
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, category=cat("robbery"), subcategory=None)
    assert caught.value.for_field("category") == ["Choose a category, not a subcategory."]


def test_an_incident_in_the_future_is_refused(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, occurred_at=timezone.now() + dt.timedelta(hours=2))
    assert fields_of(caught) == {"occurred_at"}
    # A phone's clock a few minutes ahead is not the future.
    record(officer, cast, occurred_at=timezone.now() + dt.timedelta(minutes=5))


def test_a_duty_station_or_area_of_another_country_is_refused(cast, officer):
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, duty_station=cast.mogadishu)
    assert fields_of(caught) == {"duty_station"}
    assert "Mogadishu" in caught.value.for_field("duty_station")[0]
    from vigil.places.models import SecurityArea

    banadir = SecurityArea.objects.create(country=cast.somalia, code="MGQ", name="Banadir")
    with pytest.raises(ValidationFailed) as caught:
        record(officer, cast, security_area=banadir)
    assert fields_of(caught) == {"security_area"}


def test_the_security_area_is_found_from_the_point_when_the_area_has_a_boundary(cast, officer):
    assert record(officer, cast).security_area is None  # no boundary yet
    cast.nbi_area.boundary = NAIROBI_BOX
    cast.nbi_area.save()
    inside = record(officer, cast)
    assert inside.security_area == cast.nbi_area
    outside = record(officer, cast, latitude=-4.05, longitude=39.66, place="Mombasa")
    assert outside.security_area is None
    # Moving the point moves the area.
    services.incident_update(actor=officer, incident=inside,
                             data={"latitude": -4.05, "longitude": 39.66},
                             version=inside.version)
    inside.refresh_from_db()
    assert inside.security_area is None
    services.incident_update(actor=officer, incident=inside,
                             data={"latitude": -1.29, "longitude": 36.82},
                             version=inside.version)
    inside.refresh_from_db()
    assert inside.security_area == cast.nbi_area


def test_totals_never_fall_below_the_people_named(cast, officer):
    incident = record(officer, cast, killed=3)
    services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                 impact="injured", note="  Broken arm ")
    services.affected_person_add(actor=officer, incident=incident, person=cast.omar,
                                 impact="injured")
    services.affected_person_add(actor=officer, incident=incident, person=cast.fatuma,
                                 impact="killed")
    incident.refresh_from_db()
    assert incident.injured == 2
    assert incident.killed == 3  # three reported, one of them named: stays 3
    assert incident.version == 4
    assert AffectedPerson.objects.get(person=cast.amina).note == "Broken arm"
    # An amendment that lowers a total is raised back to the named count.
    services.incident_update(actor=officer, incident=incident,
                             data={"injured": 0, "killed": 0}, version=incident.version)
    incident.refresh_from_db()
    assert incident.injured == 2
    assert incident.killed == 1
    assert incident.casualties == 3


def test_the_same_person_twice_is_refused(cast, officer):
    incident = record(officer, cast)
    services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                 impact="injured")
    with pytest.raises(ValidationFailed) as caught:
        services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                     impact="killed")
    assert fields_of(caught) == {"person"}
    # Her child is another person.
    services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                 dependant=cast.amina_child, impact="affected")
    with pytest.raises(ValidationFailed):
        services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                     dependant=cast.amina_child, impact="affected")
    assert incident.affected_people.count() == 2


def test_a_dependant_of_another_person_is_refused(cast, officer):
    incident = record(officer, cast)
    with pytest.raises(ValidationFailed) as caught:
        services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                     dependant=cast.fatuma_spouse, impact="injured")
    assert fields_of(caught) == {"dependant"}
    assert not incident.affected_people.exists()


def test_an_unknown_impact_is_refused(cast, officer):
    incident = record(officer, cast)
    with pytest.raises(ValidationFailed) as caught:
        services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                     impact="bored")
    assert fields_of(caught) == {"impact"}


def test_a_stale_version_is_refused(cast, officer):
    incident = record(officer, cast)
    read = incident.version
    services.incident_update(actor=officer, incident=incident, data={"title": "First"},
                             version=read)
    stale = Incident.objects.get(pk=incident.pk)
    with pytest.raises(StaleVersion):
        services.incident_update(actor=officer, incident=stale, data={"title": "Second"},
                                 version=read)
    # Adding a person is a change too: the version read before it is stale.
    services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                 impact="injured")
    with pytest.raises(StaleVersion):
        services.incident_update(actor=officer, incident=Incident.objects.get(pk=incident.pk),
                                 data={"title": "Third"}, version=read + 1)
    incident.refresh_from_db()
    assert incident.title == "First"


def test_assets_are_added_and_removed(cast, officer, somali):
    incident = record(officer, cast)
    with pytest.raises(ValidationFailed) as caught:
        services.affected_asset_add(actor=officer, incident=incident,
                                    data={"asset": "  ", "damage": "major"})
    assert fields_of(caught) == {"asset"}
    with pytest.raises(ValidationFailed) as caught:
        services.affected_asset_add(actor=officer, incident=incident,
                                    data={"asset": "Vehicle", "damage": "vaporized"})
    assert fields_of(caught) == {"damage"}
    with pytest.raises(ValidationFailed) as caught:  # premises of another country
        services.affected_asset_add(actor=officer, incident=incident,
                                    data={"premises": cast.mogadishu_compound})
    assert fields_of(caught) == {"premises"}
    premises = services.affected_asset_add(actor=officer, incident=incident,
                                           data={"premises": cast.gigiri, "damage": "minor"})
    vehicle = services.affected_asset_add(actor=officer, incident=incident,
                                          data={"asset": "Land Cruiser UN-123",
                                                "damage": "destroyed", "note": "Burnt"})
    assert str(premises) == "UN Gigiri"
    assert list(incident.affected_assets.all()) == [premises, vehicle]
    with pytest.raises(Forbidden):
        services.affected_asset_remove(actor=somali, row=vehicle)
    services.affected_asset_remove(actor=officer, row=vehicle)
    assert list(AffectedAsset.objects.all()) == [premises]
    incident.refresh_from_db()
    assert incident.version == 4


def test_people_are_removed_and_totals_kept(cast, officer, somali):
    incident = record(officer, cast)
    row = services.affected_person_add(actor=officer, incident=incident, person=cast.amina,
                                       impact="injured")
    with pytest.raises(Forbidden):
        services.affected_person_remove(actor=somali, row=row)
    services.affected_person_remove(actor=officer, row=row)
    incident.refresh_from_db()
    assert not incident.affected_people.exists()
    assert incident.injured == 1  # the reported total stands: others may have been hurt


def test_every_change_is_audited(cast, officer):
    incident = record(officer, cast)
    services.incident_update(actor=officer, incident=incident,
                             data={"verification": "verified"}, version=incident.version)
    person = services.affected_person_add(actor=officer, incident=incident, person=cast.omar,
                                          impact="abducted")
    services.affected_person_remove(actor=officer, row=person)
    asset = services.affected_asset_add(actor=officer, incident=incident,
                                        data={"asset": "Radio"})
    services.affected_asset_remove(actor=officer, row=asset)
    events = list(AuditEvent.objects.filter(object_id=str(incident.pk))
                  .order_by("seq").values_list("action", flat=True))
    assert events == ["incidents.incident.create", "incidents.incident.update",
                      "incidents.person.add", "incidents.person.remove",
                      "incidents.asset.add", "incidents.asset.remove"]
    update = AuditEvent.objects.get(action="incidents.incident.update")
    assert update.changes["verification"] == ["unverified", "verified"]
    add = AuditEvent.objects.get(action="incidents.person.add")
    assert add.changes["impact"] == [None, "abducted"]


# --- Selectors -----------------------------------------------------------------------------------

def make(cast: Any, code: str, sub: str | None, country: Any, when: dt.datetime,
         **extra: Any) -> Incident:
    return Incident.objects.create(category=cat(code), subcategory=cat(sub) if sub else None,
                                   occurred_at=when, country=country, **extra)


@pytest.fixture
def three(cast: Any) -> dict[str, Incident]:
    robbery = make(cast, "crime", "robbery", cast.kenya, utc(2024, 3, 10, 9),
                   title="Robbery at the market", verification="verified", killed=1,
                   injured=2, latitude=-1.28, longitude=36.82, organization=cast.undp)
    demo = make(cast, "civil-unrest", "demonstration", cast.kenya, utc(2024, 6, 1, 12),
                title="Demonstration downtown", place="Uhuru Park", injured=3)
    flood = make(cast, "hazard", "flood", cast.somalia, utc(2023, 11, 5, 6),
                 title="Flood in Banadir", source_kind="awsd", source_id="AWSD-1", killed=4,
                 latitude=2.04, longitude=45.31)
    return {"robbery": robbery, "demo": demo, "flood": flood}


def titles(qs: Any) -> set[str]:
    return {i.title for i in qs}


def test_the_list_filters(cast, user_with, three):
    reader = user_with(Role.PROGRAMME_MANAGER)

    def found(**filters: Any) -> set[str]:
        return titles(selectors.incident_list(user=reader, **filters))

    assert found() == {"Robbery at the market", "Demonstration downtown", "Flood in Banadir"}
    assert found(category="crime") == {"Robbery at the market"}
    assert found(category="robbery") == {"Robbery at the market"}
    assert found(category="demonstration") == {"Demonstration downtown"}
    assert found(category="flood") == {"Flood in Banadir"}
    assert found(category="robbery", country="SO") == set()
    assert found(country="so") == {"Flood in Banadir"}
    assert found(since=dt.date(2024, 1, 1)) == {"Robbery at the market",
                                                "Demonstration downtown"}
    assert found(until=dt.date(2024, 3, 10)) == {"Robbery at the market", "Flood in Banadir"}
    assert found(since=dt.date(2024, 3, 11), until=dt.date(2024, 6, 1)) == {
        "Demonstration downtown"}
    assert found(search="uhuru") == {"Demonstration downtown"}
    assert found(search="MARKET") == {"Robbery at the market"}
    assert found(search="AWSD-1") == {"Flood in Banadir"}
    assert found(verification="verified") == {"Robbery at the market"}
    assert found(source="awsd") == {"Flood in Banadir"}
    assert found(source="report") == {"Robbery at the market", "Demonstration downtown"}
    assert found(organization="undp") == {"Robbery at the market"}


def test_the_list_is_scoped(cast, user_with, officer, somali, official, three):
    kenya = {"Robbery at the market", "Demonstration downtown"}
    assert titles(selectors.incident_list(user=officer)) == kenya
    assert titles(selectors.incident_list(user=official)) == kenya
    assert titles(selectors.incident_list(user=somali)) == {"Flood in Banadir"}
    assert titles(selectors.incident_list(user=user_with(Role.PROGRAMME_MANAGER))) == {
        *kenya, "Flood in Banadir"}
    assert not selectors.incident_list(user=user_with(Role.TRAVELLER, person=cast.amina))
    assert not selectors.incident_list(user=user_with(Role.WARDEN, ScopeKind.COUNTRY,
                                                      cast.kenya))
    undp = user_with(Role.PROGRAMME_MANAGER, ScopeKind.ORGANIZATION, cast.undp)
    assert titles(selectors.incident_list(user=undp)) == {"Robbery at the market"}
    with pytest.raises(NotFound):
        selectors.incident_get(user=somali, pk=three["robbery"].pk)


def test_statistics_count_per_group_and_period(cast, user_with, three):
    qs = selectors.incident_list(user=user_with(Role.PROGRAMME_MANAGER))
    stats = selectors.statistics(qs)
    assert stats["totals"]["incidents"] == 3
    assert stats["totals"]["killed"] == 5
    assert stats["totals"]["injured"] == 5
    assert stats["totals"]["abducted"] == 0
    groups = {g["key"]: g for g in stats["groups"]}
    assert set(groups) == {"crime", "civil-unrest", "hazard"}
    assert groups["crime"]["incidents"] == 1
    assert groups["crime"]["label"] == "Crime"
    assert groups["hazard"]["killed"] == 4
    periods = {p["period"].year: p["incidents"] for p in stats["periods"]}
    assert periods == {2023: 1, 2024: 2}
    by_country = selectors.statistics(qs, by="country", period="month")
    countries = {g["key"]: g["incidents"] for g in by_country["groups"]}
    assert countries == {"KE": 2, "SO": 1}
    assert by_country["groups"][0]["key"] == "KE"  # most incidents first
    months = [(p["period"].year, p["period"].month) for p in by_country["periods"]]
    assert months == [(2023, 11), (2024, 3), (2024, 6)]
    cells = {(p.year, p.month): row for p, row in by_country["matrix"].items()}
    assert cells[(2024, 6)] == {"KE": 1}
    # An empty selection counts zeros, not None.
    empty = selectors.statistics(qs.none())
    assert empty["totals"]["killed"] == 0
    assert empty["groups"] == []


def test_map_features_are_points_longitude_first(cast, user_with, three):
    features = selectors.map_features(selectors.incident_list(
        user=user_with(Role.PROGRAMME_MANAGER)))["features"]
    assert [f["id"] for f in features] == [three["robbery"].pk, three["flood"].pk]
    assert features[0]["geometry"]["coordinates"] == [36.82, -1.28]
    assert features[0]["properties"]["category"] == "crime"


# --- Pages ---------------------------------------------------------------------------------------

def test_the_list_page_and_its_csv_export_show_the_readers_incidents(client, cast, officer,
                                                                     three):
    client.force_login(officer)
    page = client.get(reverse("incidents:incident_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Robbery at the market" in text
    assert "Flood in Banadir" not in text
    filtered = client.get(reverse("incidents:incident_list"), {"category": "demonstration"})
    assert "Robbery at the market" not in filtered.content.decode()
    assert "Demonstration downtown" in filtered.content.decode()
    export = client.get(reverse("incidents:incident_list"), {"format": "csv"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode()
                                       .lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Reference", "Date", "Category", "Subcategory", "Title"]
    by_ref = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert set(by_ref) == {three["robbery"].reference, three["demo"].reference}
    robbery = by_ref[three["robbery"].reference]
    assert robbery["Subcategory"] == "Robbery"
    assert robbery["Country"] == "KE"
    assert robbery["Killed"] == "1"
    assert robbery["Organization"] == "UNDP"
    assert robbery["Verification"] == "Verified"
    assert AuditEvent.objects.filter(action="core.export").exists()
    # The export follows the filters.
    only = client.get(reverse("incidents:incident_list"),
                      {"format": "csv", "q": "uhuru"})
    lines = b"".join(only.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2
    assert three["demo"].reference in lines[1]


def test_map_geojson_and_statistics_pages(client, cast, officer, somali, three):
    client.force_login(officer)
    assert client.get(reverse("incidents:incident_map")).status_code == 200
    geo = client.get(reverse("incidents:incident_geojson")).json()
    assert [f["id"] for f in geo["features"]] == [three["robbery"].pk]
    assert client.get(reverse("incidents:incident_geojson"),
                      {"id": three["flood"].pk}).json()["features"] == []
    stats = client.get(reverse("incidents:statistics"), {"by": "category", "period": "month"})
    assert stats.status_code == 200
    assert "Civil unrest" in stats.content.decode()
    # Only the officer's incidents are counted: the Somali flood is not.
    assert [g["key"] for g in stats.context["columns"]] in (["crime", "civil-unrest"],
                                                           ["civil-unrest", "crime"])
    assert stats.context["stats"]["totals"]["incidents"] == 2
    assert [r["cells"] for r in stats.context["rows"]] in ([[1, 0], [0, 1]], [[0, 1], [1, 0]])
    client.force_login(somali)
    geo = client.get(reverse("incidents:incident_geojson")).json()
    assert [f["id"] for f in geo["features"]] == [three["flood"].pk]


def test_pages_are_refused_without_the_right_and_404_outside_scope(client, cast, user_with,
                                                                   somali, three):
    for name in ("incident_list", "incident_map", "incident_geojson", "statistics"):
        assert client.get(reverse(f"incidents:{name}")).status_code == 302, name  # sign in
    client.force_login(user_with(Role.TRAVELLER, person=cast.amina))
    for name in ("incident_list", "incident_map", "incident_geojson", "statistics",
                 "incident_create"):
        assert client.get(reverse(f"incidents:{name}")).status_code == 403, name
    client.force_login(somali)
    robbery = three["robbery"].pk
    assert client.get(reverse("incidents:incident_detail", args=[robbery])).status_code == 404
    assert client.get(reverse("incidents:incident_edit", args=[robbery])).status_code == 404
    assert client.post(reverse("incidents:person_add", args=[robbery]),
                       {"person": "10000001", "impact": "injured"}).status_code == 404
    assert not AffectedPerson.objects.exists()
    assert client.get(reverse("incidents:incident_detail",
                              args=[three["flood"].pk])).status_code == 200


def test_a_designated_official_sees_the_record_without_edit_buttons(client, cast, official,
                                                                    three):
    client.force_login(official)
    pk = three["robbery"].pk
    page = client.get(reverse("incidents:incident_detail", args=[pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Robbery at the market" in text
    assert reverse("incidents:incident_edit", args=[pk]) not in text
    assert client.get(reverse("incidents:incident_edit", args=[pk])).status_code == 403
    assert client.get(reverse("incidents:incident_create")).status_code == 403
    assert client.post(reverse("incidents:asset_add", args=[pk]),
                       {"asset": "Car", "damage": "minor"}).status_code == 403


def form(cast: Any, **extra: Any) -> dict[str, Any]:
    row = {"category": cat("crime").pk, "subcategory": cat("robbery").pk,
           "title": "Robbery at a checkpoint", "occurred_at": "2024-05-01T10:00",
           "time_zone": "Africa/Nairobi", "country": cast.kenya.pk, "place": "Westlands",
           "latitude": "-1.265", "longitude": "36.805", "description": "",
           "source": "Guard", "verification": "unverified", "killed": "0", "injured": "1",
           "abducted": "0", "missing": "0", "detained": "0", "affected": "0"}
    row.update(extra)
    return row


def test_an_incident_recorded_on_the_form_in_local_time(client, cast, officer):
    client.force_login(officer)
    assert client.get(reverse("incidents:incident_create")).status_code == 200
    response = client.post(reverse("incidents:incident_create"), form(cast))
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    assert response["Location"] == reverse("incidents:incident_detail", args=[incident.pk])
    # 10:00 in Nairobi (UTC+3) is 07:00 UTC.
    assert incident.occurred_at == utc(2024, 5, 1, 7, 0)
    assert incident.time_zone == "Africa/Nairobi"
    assert incident.reported_by == officer
    detail = client.get(response["Location"]).content.decode()
    assert "2024-05-01 07:00 UTC" in detail
    assert "Africa/Nairobi" in detail
    # The edit form shows the local time again.
    edit = client.get(reverse("incidents:incident_edit", args=[incident.pk])).content.decode()
    assert 'value="2024-05-01T10:00"' in edit


def test_form_faults_sit_beside_their_field(client, cast, officer):
    client.force_login(officer)
    response = client.post(reverse("incidents:incident_create"),
                           form(cast, subcategory=cat("flood").pk))
    assert response.status_code == 200
    assert "is not a kind of" in response.content.decode()
    assert response.context["form"].errors["subcategory"]
    future = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("incidents:incident_create"),
                           form(cast, occurred_at=future))
    assert "cannot happen in the future" in response.content.decode()
    assert response.context["form"].errors["occurred_at"]
    assert not Incident.objects.exists()


def test_an_incident_is_edited_with_the_version_read(client, cast, officer):
    client.force_login(officer)
    incident = record(officer, cast, occurred_at=utc(2024, 5, 1, 7))
    url = reverse("incidents:incident_edit", args=[incident.pk])
    response = client.post(url, form(cast, title="Armed robbery at a checkpoint",
                                     version=incident.version))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Armed robbery at a checkpoint"
    assert incident.version == 2
    stale = client.post(url, form(cast, title="Overwritten", version=1))
    assert stale.status_code == 200
    assert "Someone else changed this record" in stale.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Armed robbery at a checkpoint"


def test_people_and_assets_are_added_and_removed_on_the_page(client, cast, officer):
    client.force_login(officer)
    incident = record(officer, cast)
    add_person = reverse("incidents:person_add", args=[incident.pk])
    response = client.post(add_person, {"person": "10000001", "impact": "injured",
                                        "note": "Hospital"})
    assert response.status_code == 302
    client.post(add_person, {"person": "10000001", "dependant": cast.amina_child.pk,
                             "impact": "injured"})
    client.post(add_person, {"person": "10000002", "impact": "injured"})
    assert incident.affected_people.count() == 3
    incident.refresh_from_db()
    assert incident.injured == 3
    # Faults come back as messages; nothing is added.
    unknown = client.post(add_person, {"person": "99999999", "impact": "injured"},
                          follow=True)
    assert "No staff member in your scope has this index number" in unknown.content.decode()
    twice = client.post(add_person, {"person": "10000001", "impact": "killed"}, follow=True)
    assert "already listed" in twice.content.decode()
    other = client.post(add_person, {"person": "10000001", "dependant": cast.fatuma_spouse.pk,
                                     "impact": "injured"}, follow=True)
    assert "has no such dependant" in other.content.decode()
    assert incident.affected_people.count() == 3
    detail = client.get(reverse("incidents:incident_detail", args=[incident.pk]))
    text = detail.content.decode()
    assert "ACHIENG, Tom" in text
    assert "Hospital" in text
    row = incident.affected_people.get(person=cast.omar)
    assert client.post(reverse("incidents:person_remove",
                               args=[incident.pk, row.pk])).status_code == 302
    assert not incident.affected_people.filter(person=cast.omar).exists()
    assert client.post(reverse("incidents:person_remove",
                               args=[incident.pk, row.pk])).status_code == 404
    add_asset = reverse("incidents:asset_add", args=[incident.pk])
    assert client.post(add_asset, {"premises": cast.gigiri.pk, "damage": "major",
                                   "note": "Gate"}).status_code == 302
    assert client.post(add_asset, {"damage": "minor"}).status_code == 302
    asset = incident.affected_assets.get()
    assert asset.premises == cast.gigiri
    assert client.post(reverse("incidents:asset_remove",
                               args=[incident.pk, asset.pk])).status_code == 302
    assert not incident.affected_assets.exists()


# --- API -----------------------------------------------------------------------------------------

def test_the_api_lists_in_scope(api, cast, officer, somali, three):
    body = api(officer).get("/api/v1/incidents/").json()
    assert {r["title"] for r in body["results"]} == {"Robbery at the market",
                                                     "Demonstration downtown"}
    assert body["count"] == 2
    robbery = next(r for r in body["results"] if r["title"] == "Robbery at the market")
    assert robbery["category"] == "crime"
    assert robbery["subcategory"] == "robbery"
    assert robbery["country"] == "KE"
    assert robbery["reference"] == three["robbery"].reference
    assert [r["title"] for r in api(somali).get("/api/v1/incidents/").json()["results"]] == [
        "Flood in Banadir"]
    filtered = api(officer).get("/api/v1/incidents/", {"category__code": "civil-unrest"})
    assert [r["title"] for r in filtered.json()["results"]] == ["Demonstration downtown"]
    assert api(somali).get(f"/api/v1/incidents/{three['robbery'].pk}/").status_code == 404
    assert api().get("/api/v1/incidents/").status_code in (401, 403)


def test_the_api_records_and_amends_with_the_version(api, cast, officer, somali):
    client = api(officer)
    created = client.post("/api/v1/incidents/", {
        "category": "crime", "subcategory": "carjacking", "title": "Carjacking in Karen",
        "occurred_at": "2024-05-01T10:00:00+03:00", "time_zone": "Africa/Nairobi",
        "country": "KE", "latitude": -1.32, "longitude": 36.7, "injured": 1}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["category"] == "crime"
    assert body["subcategory"] == "carjacking"
    assert body["country"] == "KE"
    assert body["version"] == 1
    incident = Incident.objects.get(pk=body["id"])
    assert incident.occurred_at == utc(2024, 5, 1, 7)
    assert incident.reported_by == officer
    url = f"/api/v1/incidents/{body['id']}/"
    patched = client.patch(url, {"verification": "verified", "version": 1}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["verification"] == "verified"
    assert patched.json()["version"] == 2
    missing = client.patch(url, {"verification": "disputed"}, format="json")
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["version"]
    stale = client.patch(url, {"verification": "disputed", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert api(somali).patch(url, {"title": "x", "version": 2},
                             format="json").status_code == 404
    assert Incident.objects.get().verification == "verified"


def test_api_faults_name_their_field(api, cast, officer):
    client = api(officer)
    base = {"category": "crime", "title": "Theft", "occurred_at": "2024-05-01T10:00:00Z",
            "country": "KE"}
    unknown = client.post("/api/v1/incidents/", {**base, "category": "nope"}, format="json")
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.json()["errors"]] == ["category"]
    wrong = client.post("/api/v1/incidents/", {**base, "subcategory": "flood"}, format="json")
    assert wrong.status_code == 400
    assert [e["field"] for e in wrong.json()["errors"]] == ["subcategory"]
    country = client.post("/api/v1/incidents/", {**base, "country": "XX"}, format="json")
    assert country.status_code == 400
    assert [e["field"] for e in country.json()["errors"]] == ["country"]
    latitude = client.post("/api/v1/incidents/", {**base, "latitude": 95, "longitude": 36},
                           format="json")
    assert latitude.status_code == 400
    assert "latitude" in {e["field"] for e in latitude.json()["errors"]}
    outside = client.post("/api/v1/incidents/", {**base, "country": "SO"}, format="json")
    assert outside.status_code == 403
    assert not Incident.objects.exists()


def test_the_taxonomy_is_read_by_every_signed_in_user(api, user_with):
    body = api(user_with()).get("/api/v1/incident-categories/", {"page_size": 500}).json()
    codes = {r["code"]: r for r in body["results"]}
    assert codes["robbery"]["category"] == "crime"
    assert codes["crime"]["category"] is None


def test_an_asset_without_a_name_is_explained_on_the_page(client, cast, officer):
    """The model constraint carries the service's words, which the ModelForm shows."""
    client.force_login(officer)
    incident = record(officer, cast)
    empty = client.post(reverse("incidents:asset_add", args=[incident.pk]),
                        {"damage": "minor"}, follow=True)
    assert not incident.affected_assets.exists()
    assert "Name the premises or the asset" in empty.content.decode()


def test_moving_the_point_on_the_edit_page_moves_the_area(client, cast, officer):
    """The page posts the old area back; an unchanged area is found again from the point."""
    cast.nbi_area.boundary = NAIROBI_BOX
    cast.nbi_area.save()
    incident = record(officer, cast, occurred_at=utc(2024, 5, 1, 7))
    assert incident.security_area == cast.nbi_area
    client.force_login(officer)
    edit = client.get(reverse("incidents:incident_edit", args=[incident.pk]))
    posted = {k: v for k, v in edit.context["form"].initial.items() if v is not None}
    posted.update(form(cast, latitude="-4.05", longitude="39.66", place="Mombasa",
                       security_area=cast.nbi_area.pk, version=incident.version))
    assert client.post(reverse("incidents:incident_edit", args=[incident.pk]),
                       posted).status_code == 302
    incident.refresh_from_db()
    assert incident.latitude == -4.05
    assert incident.security_area is None
