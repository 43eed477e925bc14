"""Where a CAP alert is placed, and what geometry it may carry.

The country of an alert is decided in this order: the ISO 3166 geocodes of its areas, then
the country outline holding most of its polygons and circles, then the alerting authority's
country named by a WMO OID in its identifier or sender, then the country set on its feed.
Duty stations never decide it. A polygon that crosses itself is made valid and noted; a
shape out of range or degenerate refuses the whole file, naming the area and the fault.
The alerts are small hand-written files in data/cap/placement and data/cap/geometry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from shapely.geometry import shape

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import ValidationFailed
from vigil.crisis import cap
from vigil.crisis.cap_services import cap_import, cap_poll_feeds
from vigil.crisis.models import CapAlert, CapFeed
from vigil.incidents.models import Incident
from vigil.places.models import Country, DutyStation

DATA = Path(__file__).resolve().parent / "data" / "cap"
Basis = Incident.CountryBasis


def sample(path: str) -> bytes:
    return (DATA / path).read_bytes()


@pytest.fixture
def importer(user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL)


@pytest.fixture
def lagos(cast: Any) -> DutyStation:
    return DutyStation.objects.create(code="NG-LOS", name="Lagos",
                                      country=Country.objects.get(iso2="NG"),
                                      latitude=6.455, longitude=3.394, time_zone="Africa/Lagos")


def imported(importer: Any, path: str, **extra: Any) -> Incident:
    return Incident.objects.select_related("country", "cap_alert").get(
        pk=cap_import(actor=importer, data=sample(path), **extra).incident.pk)


@pytest.mark.parametrize("path", sorted(
    f"{p.parent.name}/{p.name}" for kind in ("placement", "geometry")
    for p in (DATA / kind).glob("*.cap")))
def test_every_hand_written_alert_passes_the_schema(path: str) -> None:
    # The faults of the geometry files are Vigil's to find: the schema types shapes as text.
    assert cap.schema_errors(cap.read_xml(sample(path))) == []


# --- The WMO OID of the alerting authority (pure) ------------------------------------------------

@pytest.mark.parametrize(("text", "iso2"), [
    ("urn:oid:2.49.0.0.690.0", "SC"),                  # the authority itself
    ("urn:oid:2.49.0.1.690.0.2025.4.12.6.0", "SC"),    # one of its messages
    ("2.49.0.1.124.6bddbc91.2012", "CA"),              # without the urn:oid: prefix
    ("URN:OID:2.49.0.0.36", "AU"),                     # numeric 036, written without zeros
    ("2.49.0.0.404", "KE"),
])
def test_a_wmo_oid_names_the_authoritys_country(text: str, iso2: str) -> None:
    assert cap.wmo_oid_country(text) == iso2


@pytest.mark.parametrize("text", [
    "", "cap-pac@canada.ca", "urn:oid:2.49.0.2.690.0",  # 2.49.0.2: not a country's arc
    "urn:oid:2.49.0.1.999.0",                          # 999 is no ISO 3166 country
    "urn:oid:2.49.0.1.0.1", "urn:oid:2.49.0.1.abc", "urn:oid:2.49.0.1.690abc",
    "12.49.0.1.690.0", "urn:oid:1.2.49.0.1.690", "tag:2.49.0.1.690.0", "2.49.0.1.6900.1",
])
def test_anything_else_names_no_country(text: str) -> None:
    assert cap.wmo_oid_country(text) is None


def test_the_identifier_is_read_before_the_sender() -> None:
    message = cap.parse(sample("placement/geocode_and_polygon.cap"))
    assert message.authority_country() == "BJ"  # from the sender: urn:oid:2.49.0.0.204.0
    message = cap.parse(sample("placement/seychelles_aldabra.cap"))
    assert message.authority_country() == "SC"  # from the identifier
    assert cap.parse(sample("placement/togo.cap")).authority_country() is None


# --- The order of placement ---------------------------------------------------------------------

def test_an_alert_in_togo_is_recorded_in_togo_though_lagos_is_nearer(
        cast: Any, importer: Any, lagos: DutyStation) -> None:
    incident = imported(importer, "placement/togo.cap")
    assert incident.country is not None
    assert incident.country.iso2 == "TG"
    assert incident.country_basis == Basis.AREA
    assert incident.country_distance_km is None  # the outline holds it: no fallback


def test_a_seychelles_alert_for_outer_waters_is_placed_by_its_authority(
        cast: Any, importer: Any) -> None:
    incident = imported(importer, "placement/seychelles_aldabra.cap")
    assert incident.country is not None
    assert incident.country.iso2 == "SC"
    assert incident.country_basis == Basis.AUTHORITY
    assert incident.area_geometry is not None  # the circle is kept for the map


def test_the_geocode_wins_over_the_polygon(cast: Any, importer: Any) -> None:
    incident = imported(importer, "placement/geocode_and_polygon.cap")
    assert incident.country is not None
    assert incident.country.iso2 == "BJ"  # alpha-3 BEN; the polygon lies mostly in Togo
    assert incident.country_basis == Basis.GEOCODE


def test_the_feeds_country_is_used_last(cast: Any, importer: Any) -> None:
    feed = CapFeed.objects.create(name="KMD", url="https://feeds.example.ke/cap.xml",
                                  country=cast.kenya)
    uploaded = imported(importer, "placement/no_place.cap")
    assert uploaded.country is None  # no feed: nothing places it
    assert uploaded.country_basis == ""
    CapAlert.objects.all().delete()
    Incident.objects.all().delete()
    polled = imported(importer, "placement/no_place.cap", feed=feed)
    assert polled.country == cast.kenya
    assert polled.country_basis == Basis.FEED
    # A WMO OID is the authority's own word: it comes before the feed's country.
    oid = imported(importer, "placement/seychelles_aldabra.cap", feed=feed)
    assert oid.country is not None
    assert oid.country.iso2 == "SC"


def test_a_polled_alert_takes_the_feeds_country(cast: Any) -> None:
    CapFeed.objects.create(name="KMD", url="https://feeds.example.ke/heat.cap",
                           country=cast.kenya)
    summary = cap_poll_feeds(fetch=lambda url: sample("placement/no_place.cap"))
    assert summary["created"] == 1
    incident = Incident.objects.get()
    assert (incident.country, incident.country_basis) == (cast.kenya, Basis.FEED)


def test_an_alert_just_off_the_coast_says_it_fell_back(cast: Any, importer: Any) -> None:
    # A 2 km circle about 10 km off Mahé: no outline holds it, the Seychelles are nearest.
    data = sample("placement/no_place.cap").replace(
        b"</areaDesc>", b"</areaDesc>\n      <circle>-4.62,55.6 2</circle>")
    incident = Incident.objects.get(pk=cap_import(actor=importer, data=data).incident.pk)
    assert incident.country is not None
    assert incident.country.iso2 == "SC"
    assert incident.country_basis == Basis.AREA
    assert incident.country_distance_km is not None
    assert 5 < incident.country_distance_km <= 50


def test_the_incident_page_says_how_the_country_was_found(cast: Any, importer: Any,
                                                          client: Any) -> None:
    data = sample("placement/no_place.cap").replace(
        b"</areaDesc>", b"</areaDesc>\n      <circle>-4.62,55.6 2</circle>")
    incident = cap_import(actor=importer, data=data).incident
    client.force_login(importer)
    page = client.get(reverse("incidents:incident_detail", args=[incident.pk])).content.decode()
    assert "Country taken as the nearest, " in page
    assert " km away" in page


# --- Geometry: made valid, or refused -----------------------------------------------------------

def test_a_bow_tie_is_made_valid_and_noted(cast: Any, importer: Any, client: Any) -> None:
    incident = imported(importer, "geometry/bowtie.cap")
    area = shape(incident.area_geometry)
    assert area.is_valid
    # The box of area 1 (0.12 square degrees) and the two triangles of the bow-tie (0.25
    # each); a bow-tie read as drawn would have an area of 0.
    assert area.area == pytest.approx(0.12 + 0.5)
    alert = incident.cap_alert
    assert "<area> 2 “Kajiado and Machakos”" in alert.notes
    assert "crossed itself (Self-intersection at -2,37)" in alert.notes  # CAP's order
    assert shape(alert.geometry).is_valid
    client.force_login(importer)
    page = client.get(reverse("incidents:incident_detail", args=[incident.pk]))
    assert "polygon 1 crossed itself" in page.content.decode()
    assert incident.country is not None
    assert incident.country.iso2 == "KE"


@pytest.mark.parametrize(("name", "fault"), [
    ("out_of_range.cap", "point 3 (95.00,37.50) is out of range"),
    ("circle_centre.cap", "its centre (-1.80,200.00) is out of range"),
    ("circle_radius.cap", "its radius -25 is not a distance"),
    ("two_points.cap", "it has 2 points: CAP 1.2 requires at least 4"),
    ("unclosed.cap", "its last point (-2.50,36.50) is not its first (-1.50,36.50)"),
])
def test_a_faulty_shape_refuses_the_whole_file(cast: Any, importer: Any, name: str,
                                               fault: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cap_import(actor=importer, data=sample(f"geometry/{name}"))
    [error] = caught.value.errors
    assert error.field == "file"
    assert "<area> 2 “Kajiado and Machakos”" in str(error.message)
    assert fault in str(error.message)
    assert not Incident.objects.exists()
    assert not CapAlert.objects.exists()


def test_a_faulty_alert_in_an_envelope_refuses_the_good_one_too(cast: Any,
                                                                importer: Any) -> None:
    good = sample("placement/togo.cap").split(b"?>", 1)[1].split(b"-->", 1)[1]
    bad = sample("geometry/unclosed.cap").split(b"?>", 1)[1].split(b"-->", 1)[1]
    envelope = (b'<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0">'
                b"<distributionID>x</distributionID><senderID>s@example.org</senderID>"
                b"<dateTimeSent>2025-06-14T08:00:00+00:00</dateTimeSent>"
                b"<distributionStatus>Actual</distributionStatus>"
                b"<distributionType>Report</distributionType>"
                b"<combinedConfidentiality>UNCLASSIFIED</combinedConfidentiality>"
                + b"".join(b"<contentObject><xmlContent><embeddedXMLContent>" + alert
                           + b"</embeddedXMLContent></xmlContent></contentObject>"
                           for alert in (good, bad))
                + b"</EDXLDistribution>")
    with pytest.raises(ValidationFailed):
        cap_import(actor=importer, data=envelope)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(("text", "fault"), [
    ("1,1 1,2 2,2 1,1 x", "“x” is not a latitude,longitude pair"),
    ("1,1 1,2 1,3 1,1", "its points enclose no area"),
    ("1,1 1,2 1,1", "it has 3 points"),
])
def test_other_polygon_faults(text: str, fault: str) -> None:
    with pytest.raises(cap.GeometryFault) as caught:
        cap.read_polygon(text)
    assert fault in str(caught.value)


@pytest.mark.parametrize(("text", "fault"), [
    ("1,1", "is not “latitude,longitude radius”"),
    ("1,1 nan", "is not “latitude,longitude radius”"),
    ("-91,1 5", "its centre (-91,1) is out of range"),
    ("1,1 30000", "its radius 30000 is not a distance"),
])
def test_other_circle_faults(text: str, fault: str) -> None:
    with pytest.raises(cap.GeometryFault) as caught:
        cap.read_circle(text)
    assert fault in str(caught.value)
