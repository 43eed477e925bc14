"""CAP 1.2 in and out: parsing untrusted messages safely, recording them as hazard incidents,
the people inside an alert's area, feed polling, and the CAP messages and Atom feeds of
advisories and crises. The samples are public alerts (see data/cap/README.md)."""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.error
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from shapely.geometry import shape

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, NotFound, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.crisis import cap, cap_services, cap_tasks
from vigil.crisis.cap_services import (
    cap_import,
    cap_poll_feeds,
    publishable_advisories,
    publishable_crises,
)
from vigil.crisis.models import CapAlert, CapFeed, Crisis
from vigil.crisis.selectors import people_in_area
from vigil.incidents.models import Incident
from vigil.places.models import Country, DutyStation
from vigil.travel import rules
from vigil.travel.models import Advisory

DATA = Path(__file__).resolve().parent / "data" / "cap"
# The project's shared data, beside the repository (as CI lays it out), when present.
SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "cap" / "samples"
CAP_URLS = "vigil.crisis.tests.cap_test_urls"

# file -> (hazard subcategory, distinct polygons, distinct circles, country of a geocode)
VALID = {
    "australia.cap": ("wildfire", 0, 1, "AU"),
    "australia_bom.cap": ("storm", 0, 0, "AU"),
    "canada.cap": ("storm", 2, 0, None),
    "canada_signed.cap": ("weather", 2, 0, None),
    "CanadaNaad.xml": ("weather", 1, 0, None),
    "earthquake-iso8859-1.cap": ("earthquake", 0, 1, None),
    "iceland_met_office.cap": ("storm", 1, 0, None),
    "mexico.xml": ("storm", 1, 0, None),
    "no_info_tag.cap": ("other-hazard", 0, 0, None),
    "NOAA_MultiplePolygons.xml": ("storm", 2, 0, None),
    "ph.cap": ("storm", 1, 0, None),
    "taiwan.cap": ("other-hazard", 0, 0, None),
    "wcatwc-warning.cap": ("tsunami", 0, 0, None),
}
# file -> the country the alert is recorded in (see test_cap_placement.py for the order):
# an ISO geocode (AU), else the outline holding most of the polygons, else none. The USGS
# point lies at sea off El Salvador, farther than 50 km from any coast.
PLACED = {**{name: country for name, (_s, _p, _c, country) in VALID.items()},
          "canada.cap": "CA", "canada_signed.cap": "CA", "CanadaNaad.xml": "CA",
          "NOAA_MultiplePolygons.xml": "US", "iceland_met_office.cap": "IS",
          "mexico.xml": "MX", "ph.cap": "PH"}
# file -> (line, element named in the schema error)
INVALID = {"invalid.cap": (9, "info"), "sweden.cap": (17, "senderName")}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
          + "".join(f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">\n'
                    for i in range(1, 10))
          + ']>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
            '<identifier>&lol9;</identifier></alert>')
PASSWD = ('<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
          '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier>'
          '</alert>')


def sample(path: str) -> bytes:
    return (DATA / path).read_bytes()


def refusal(data: bytes) -> str:
    with pytest.raises(cap.CapError) as caught:
        cap.parse(data)
    return caught.value.message


@pytest.fixture
def importer(user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL)


# --- Reading -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_sample_parses_and_validates(name: str) -> None:
    sub, polygons, circles, country = VALID[name]
    root = etree.fromstring(sample(f"valid/{name}"))
    assert cap.schema_errors(root) == []
    message = cap.parse(sample(f"valid/{name}"))
    assert message.identifier
    assert message.sent.tzinfo is not None
    assert message.hazard_subcategory() == sub
    assert len(message.polygons()) == polygons
    assert len(message.circles()) == circles
    assert message.country_codes()[:1] == ([country] if country else [])
    geometry = message.geometry()
    if polygons:
        assert geometry is not None
        assert geometry["type"] == "MultiPolygon"
        assert len(geometry["coordinates"]) == polygons
        for polygon in geometry["coordinates"]:
            assert polygon[0][0] == polygon[0][-1]
    else:
        assert geometry is None


def test_several_polygons_are_one_multipolygon_longitude_first() -> None:
    message = cap.parse(sample("valid/NOAA_MultiplePolygons.xml"))
    geometry = message.geometry()
    assert geometry is not None
    first = geometry["coordinates"][0][0]
    assert first[0] == [-92.619, 30.094]  # [lon, lat]
    # Every ring counter-clockwise (RFC 7946), closed, and the whole a valid shape.
    for polygon in geometry["coordinates"]:
        assert shape({"type": "Polygon", "coordinates": polygon}).exterior.is_ccw
    lat, lon = message.centroid() or (0.0, 0.0)
    assert lat == pytest.approx(30.29, abs=0.05)
    assert lon == pytest.approx(-92.41, abs=0.05)
    assert message.msg_type == "Update"
    assert len(message.referenced()) == 8
    assert message.referenced()[0] == ("w-nws.webmaster@noaa.gov", "NWS-IDP-PROD-4410291-3675936")


def test_language_versions_repeat_no_polygon() -> None:
    message = cap.parse(sample("valid/canada.cap"))
    assert len(message.infos) == 2
    assert sum(len(a.polygons) for a in message.areas()) == 4
    assert len(message.polygons()) == 2
    assert message.info is not None
    assert message.info.language.startswith("en")


def test_a_circle_is_kept_and_drawn_as_a_polygon() -> None:
    message = cap.parse(sample("valid/australia.cap"))
    assert message.circles() == [{"lat": -35.3888, "lon": 147.0598, "radius_km": 25.0}]
    assert message.geometry() is None  # no polygon of its own
    drawn = message.geometry(with_circles=True)
    assert drawn is not None
    ring = drawn["coordinates"][0][0]
    assert len(ring) == cap.CIRCLE_SIDES + 1
    for lon, lat in ring:
        assert rules.distance_km(-35.3888, 147.0598, lat, lon) == pytest.approx(25, abs=0.01)
    lat, lon = message.centroid() or (0.0, 0.0)
    assert lat == pytest.approx(-35.3888, abs=0.01)
    assert lon == pytest.approx(147.0598, abs=0.01)


def test_a_circle_of_radius_zero_is_a_point() -> None:
    message = cap.parse(sample("valid/earthquake-iso8859-1.cap"))
    assert message.geometry(with_circles=True) is None
    assert message.centroid() == (12.747, -88.783)
    assert message.info is not None
    assert "Usulután" in message.info.headline  # decoded from ISO-8859-1


def test_a_message_without_info_has_no_area() -> None:
    message = cap.parse(sample("valid/no_info_tag.cap"))
    assert message.infos == []
    assert message.msg_type == "Cancel"
    assert message.geometry() is None
    assert message.centroid() is None
    assert message.circles() == []


def test_a_signed_message_validates_offline() -> None:
    assert b"xmldsig" in sample("valid/canada_signed.cap")
    assert cap.parse(sample("valid/canada_signed.cap")).sender == "cap-pac@ec.gc.ca"


@pytest.mark.parametrize("name", sorted(INVALID))
def test_a_message_breaking_the_schema_is_refused_with_line_and_element(name: str) -> None:
    line, element = INVALID[name]
    message = refusal(sample(f"invalid/{name}"))
    assert message.startswith("This is not a valid CAP 1.2 message: ")
    assert f"line {line}: Element '{element}': This element is not expected." in message
    assert "{urn:" not in message


def test_cap_1_1_is_refused_plainly() -> None:
    message = refusal(sample("other/weather.cap"))
    assert message.startswith("CAP 1.1 message: Vigil accepts CAP 1.2 only")


def test_a_wrong_namespace_is_named() -> None:
    message = refusal(sample("other/invalid_xmlns.cap"))
    assert "urn:oasis:names:tc:emergency:alerts:1.2" in message
    assert "urn:oasis:names:tc:emergency:cap:1.2" in message


def test_an_edxl_envelope_is_opened() -> None:
    messages = cap.parse_all(sample("other/rfs.xml"))
    assert len(messages) == 1
    message = messages[0]
    assert message.identifier == "2014-05-08T10:31:00-00:00:160068"
    assert message.country_codes() == ["AU"]
    assert message.xml.startswith("<cap:alert")
    assert cap.parse(message.xml.encode()).identifier == message.identifier


def test_an_envelope_without_alert_is_refused() -> None:
    envelope = (b'<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0">'
                b"<distributionID>x</distributionID></EDXLDistribution>")
    assert "holds no CAP alert" in refusal(envelope)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_entity_bomb_is_refused_before_parsing(encoding: str) -> None:
    data = LAUGHS.replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    started = time.monotonic()
    message = refusal(data.encode(encoding))
    assert "DOCTYPE" in message
    assert "lollol" not in message
    assert time.monotonic() - started < 1


def test_an_external_entity_is_refused_and_never_read() -> None:
    message = refusal(PASSWD.encode())
    assert "DOCTYPE" in message
    assert "root:" not in message


def test_a_doctype_after_comments_is_refused_too() -> None:
    data = b"<?xml version='1.0'?><!-- a -->\n<?pi x?><!DOCTYPE alert SYSTEM 'http://x/y.dtd'>" \
           b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>"
    assert cap.has_doctype(data)
    assert "DOCTYPE" in refusal(data)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"), (b"  \n ", "empty"), (b"hello, world", "not XML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not XML"), (b"<alert>unclosed", "not XML"),
])
def test_what_is_not_xml_is_refused(data: bytes, words: str) -> None:
    assert words in refusal(data)


def test_a_huge_file_is_refused() -> None:
    assert "larger than" in refusal(b" " * (cap.MAX_BYTES + 1))


@pytest.mark.parametrize(("events", "categories", "code"), [
    (["Earthquake"], ["Geo"], "earthquake"), (["Tsunami Warning"], ["Geo"], "tsunami"),
    (["Bushfire"], ["Fire"], "wildfire"), (["Flood Warning"], ["Met"], "flood"),
    (["Tropical Cyclone"], ["Met"], "storm"), (["Heat"], ["Met"], "weather"),
    (["Wind Chill"], ["Met"], "weather"), (["Cholera outbreak"], ["Health"], "epidemic"),
    (["Civil emergency"], ["Safety"], "other-hazard"),
])
def test_hazard_subcategory(events: list[str], categories: list[str], code: str) -> None:
    assert cap.hazard_subcategory(events, categories) == code


def test_polygon_reading_keeps_closed_rings_and_refuses_what_is_not_a_polygon() -> None:
    assert cap.read_polygon("1,1 1,2 2,2 1,1") == [(1, 1), (1, 2), (2, 2), (1, 1)]
    assert cap.read_polygon("1,1  1, 2\n2,2 1,1") == [(1, 1), (1, 2), (2, 2), (1, 1)]
    for text in ("1,1 1,2 2,2", "1,1 1,2 1,1", "1,1 1,2 95,2 1,1"):
        with pytest.raises(cap.GeometryFault):
            cap.read_polygon(text)
    assert cap.read_circle("-35.3888,147.0598 25.0") == (-35.3888, 147.0598, 25.0)
    with pytest.raises(cap.GeometryFault):
        cap.read_circle("-35.3888 147.0598")


# --- Recording -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_sample_becomes_a_hazard_incident(cast: Any, importer: Any,
                                                      name: str) -> None:
    sub, polygons, circles, _geocode = VALID[name]
    result = cap_import(actor=importer, data=sample(f"valid/{name}"))
    assert result.created
    incident = Incident.objects.select_related("category", "subcategory", "country").get(
        pk=result.incident.pk)
    assert incident.category.code == "hazard"
    assert incident.subcategory is not None
    assert incident.subcategory.code == sub
    assert incident.source_kind == Incident.Source.CAP
    alert = result.alert
    assert incident.source_id == f"{alert.sender} {alert.identifier}"
    assert incident.title
    drawn = [c for c in alert.circles if c["radius_km"] > 0]
    if polygons or drawn:
        assert incident.area_geometry["type"] == "MultiPolygon"
        assert len(incident.area_geometry["coordinates"]) == polygons + len(drawn)
    else:
        assert incident.area_geometry is None
    assert len(alert.circles) == circles
    assert (incident.country.iso2 if incident.country else None) == PLACED[name]
    assert incident.occurred_at <= timezone.now()
    assert incident.source_details["msgType"] == alert.msg_type
    assert cap.parse(alert.xml.encode()).identifier == alert.identifier
    assert AuditEvent.objects.filter(action="crisis.cap.import", object_id=str(alert.pk),
                                     actor_id=importer.pk).exists()


@pytest.mark.parametrize(("name", "lat", "lon"), [
    ("NOAA_MultiplePolygons.xml", 30.29, -92.41), ("iceland_met_office.cap", 64.12, -21.89),
    ("ph.cap", 12.99, 122.53), ("australia.cap", -35.389, 147.06),
])
def test_the_incident_sits_at_the_centre_of_the_area(cast: Any, importer: Any, name: str,
                                                     lat: float, lon: float) -> None:
    incident = cap_import(actor=importer, data=sample(f"valid/{name}")).incident
    assert incident.latitude == pytest.approx(lat, abs=0.05)
    assert incident.longitude == pytest.approx(lon, abs=0.05)


def test_a_test_message_says_so_in_the_title(cast: Any, importer: Any) -> None:
    incident = cap_import(actor=importer, data=sample("valid/ph.cap")).incident
    assert incident.title.startswith("[Test] ")


def test_the_same_message_twice_is_one_incident(cast: Any, importer: Any) -> None:
    first = cap_import(actor=importer, data=sample("valid/canada.cap"))
    again = cap_import(actor=importer, data=sample("valid/canada.cap"))
    assert first.created
    assert not again.created
    assert again.incident.pk == first.incident.pk
    assert Incident.objects.filter(source_kind=Incident.Source.CAP).count() == 1
    assert CapAlert.objects.count() == 1


def test_an_edxl_envelope_imports_its_alert(cast: Any, importer: Any) -> None:
    result = cap_import(actor=importer, data=sample("other/rfs.xml"))
    assert result.alert.identifier == "2014-05-08T10:31:00-00:00:160068"
    assert result.alert.sender == "webmaster@rfs.nsw.gov.au"
    assert result.incident.country == Country.objects.get(iso2="AU")
    assert result.incident.latitude == pytest.approx(-33.1347)


def test_an_update_names_the_incident_it_updates(cast: Any, importer: Any) -> None:
    earlier = cap.parse(sample("valid/mexico.xml"))
    original = sample("valid/mexico.xml").replace(
        b"<identifier>avisossmn-ciclontropical-4063</identifier>",
        b"<identifier>avisossmn-ciclontropical-4061</identifier>")
    first = cap_import(actor=importer, data=original)
    update = cap_import(actor=importer, data=sample("valid/mexico.xml"))
    assert earlier.referenced() == [("smn.cna.gob.mx", "avisossmn-ciclontropical-4061")]
    assert first.incident.reference in update.incident.description
    assert update.incident.source_details["references_incidents"] == [first.incident.pk]


def test_a_warning_of_what_is_to_come_is_dated_when_sent(cast: Any, importer: Any) -> None:
    data = sample("valid/earthquake-iso8859-1.cap").replace(
        b"<onset>2012-10-14T22:40:56+00:00</onset>", b"<onset>2099-10-14T22:40:56+00:00</onset>")
    incident = cap_import(actor=importer, data=data).incident
    assert incident.occurred_at == dt.datetime(2012, 10, 14, 22, 53, 4, tzinfo=dt.UTC)
    assert incident.source_details["onset"] == "2099-10-14T22:40:56+00:00"


def test_an_envelope_of_two_alerts_records_both(cast: Any, importer: Any) -> None:
    envelope = sample("other/rfs.xml").decode()
    start = envelope.index("<edxlde:contentObject>")
    end = envelope.index("</edxlde:contentObject>") + len("</edxlde:contentObject>")
    second = envelope[start:end].replace(":160068</cap:identifier>", ":160069</cap:identifier>")
    data = (envelope[:end] + second + envelope[end:]).encode()
    result = cap_import(actor=importer, data=data)
    assert [r.alert.identifier[-6:] for r in result.every] == ["160068", "160069"]
    assert all(r.created for r in result.every)
    assert Incident.objects.count() == 2


def test_an_incident_whose_alert_row_was_lost_is_taken_up(cast: Any, importer: Any) -> None:
    first = cap_import(actor=importer, data=sample("valid/ph.cap"))
    incident_pk = first.incident.pk
    CapAlert.objects.all().delete()
    again = cap_import(actor=importer, data=sample("valid/ph.cap"))
    assert again.created
    assert again.incident.pk == incident_pk
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("path", ["invalid/invalid.cap", "invalid/sweden.cap",
                                  "other/weather.cap", "other/invalid_xmlns.cap"])
def test_a_refused_file_is_a_fault_on_the_file_field(cast: Any, importer: Any,
                                                     path: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cap_import(actor=importer, data=sample(path))
    assert caught.value.for_field("file") == [refusal(sample(path))]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("data", [LAUGHS, PASSWD])
def test_hostile_xml_adds_nothing(cast: Any, importer: Any, data: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cap_import(actor=importer, data=data.encode())
    assert "DOCTYPE" in caught.value.for_field("file")[0]
    assert not CapAlert.objects.exists()


def test_only_importers_import(cast: Any, user_with: Any) -> None:
    with pytest.raises(Forbidden):
        cap_import(actor=user_with(Role.TRAVELLER), data=sample("valid/ph.cap"))


# --- The people inside ---------------------------------------------------------------------------

@pytest.fixture
def lake_charles(cast: Any) -> DutyStation:
    return DutyStation.objects.create(code="US-LCH", name="Lake Charles",
                                      country=Country.objects.get(iso2="US"), latitude=30.22,
                                      longitude=-93.22, time_zone="America/Chicago")


def people_inside(user: Any, incident: Incident) -> Any:
    """The names people_in_area gives this reader (the one rule of the people in the area)."""
    return people_in_area(user=user, pk=incident.pk, at=timezone.now()).rows


def test_people_inside_an_alerts_polygon(cast: Any, importer: Any, user_with: Any,
                                         lake_charles: DutyStation) -> None:
    incident = cap_import(actor=importer, data=sample("valid/NOAA_MultiplePolygons.xml")).incident
    inside = shape(incident.area_geometry).geoms[1].representative_point()
    person = cast.person("20000001", "Broussard", cast.undp, lake_charles)
    person.residence_latitude, person.residence_longitude = inside.y, inside.x
    person.save()
    cast.person("20000002", "Outside", cast.undp, lake_charles)  # lives in Nairobi
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, lake_charles.country)
    rows = people_inside(officer, incident)
    assert [r.person.pk for r in rows] == [person.pk]
    assert AuditEvent.objects.filter(action="travel.whereabouts.read", actor_id=officer.pk,
                                     sensitive_read=True).exists()
    kenya_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(NotFound):  # the alert is not in their country: as if it were not there
        people_inside(kenya_officer, incident)
    with pytest.raises(Forbidden):
        people_inside(user_with(Role.TRAVELLER, person=person), incident)


def test_people_inside_a_circle(cast: Any, importer: Any, user_with: Any) -> None:
    incident = cap_import(actor=importer, data=sample("valid/australia.cap")).incident
    sydney = DutyStation.objects.create(code="AU-WGA", name="Wagga Wagga",
                                        country=Country.objects.get(iso2="AU"),
                                        latitude=-35.12, longitude=147.37,
                                        time_zone="Australia/Sydney")
    near = cast.person("20000003", "Near", cast.wfp, sydney)
    near.residence_latitude, near.residence_longitude = -35.40, 147.10  # 4 km from the centre
    near.save()
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL)
    assert [r.person.pk for r in people_inside(officer, incident)] == [near.pk]


def test_an_alert_without_area_has_nobody_inside(cast: Any, importer: Any,
                                                 user_with: Any) -> None:
    incident = cap_import(actor=importer, data=sample("valid/taiwan.cap")).incident
    assert people_inside(importer, incident) == []


# --- Publishing ----------------------------------------------------------------------------------

BOUNDARY = {"type": "Polygon", "coordinates": [[[36.6, -1.45], [37.1, -1.45], [37.1, -1.1],
                                                 [36.6, -1.1], [36.6, -1.45]]]}


def advisory(cast: Any, **extra: Any) -> Advisory:
    data: dict[str, Any] = {"country": cast.kenya, "level": 3, "title": "Reconsider travel",
                            "text": "Crime & terrorism.\x0b", "issued_on": dt.date(2026, 1, 5)}
    data.update(extra)
    return Advisory.objects.create(**data)


def crisis(cast: Any, user: Any, **extra: Any) -> Crisis:
    now = timezone.now()
    data: dict[str, Any] = {
        "title": "Flooding in Nairobi", "description": "Roads cut.", "country": cast.kenya,
        "security_area": cast.nbi_area, "incident_at": now - dt.timedelta(hours=2),
        "activated_at": now - dt.timedelta(hours=1), "declared_by": user,
        "zone_kind": Crisis.ZoneKind.CIRCLE, "center_latitude": -1.286,
        "center_longitude": 36.817, "radius_km": 15, "window_start": now - dt.timedelta(days=1),
        "window_end": now + dt.timedelta(days=1)}
    data.update(extra)
    return Crisis.objects.create(**data)


def root_of(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    assert cap.schema_errors(root) == []
    return root


def text(root: etree._Element, path: str) -> str:
    found = root.find(path, {"c": cap.CAP12})
    assert found is not None, path
    return found.text or ""


def test_an_advisory_is_a_valid_public_alert_then_an_update(cast: Any) -> None:
    item = advisory(cast, level=4, valid_until=dt.date(2026, 6, 30))
    root = root_of(cap.advisory_alert(item, base_url="https://vigil.example.org"))
    assert text(root, "c:identifier") == f"vigil-advisory-{item.pk}-v1"
    assert text(root, "c:sender") == "vigil@vigil.example.org"
    assert CAP_TIME.match(text(root, "c:sent"))
    assert text(root, "c:sent").endswith("-00:00")
    assert text(root, "c:msgType") == "Alert"
    assert text(root, "c:scope") == "Public"
    assert text(root, "c:info/c:category") == "Security"
    assert text(root, "c:info/c:severity") == "Extreme"
    assert text(root, "c:info/c:urgency") == "Immediate"
    assert text(root, "c:info/c:expires") == "2026-07-01T00:00:00-00:00"
    assert text(root, "c:info/c:description") == "Crime & terrorism."
    assert text(root, "c:info/c:web").endswith(f"/travel/advisories/{item.pk}/")
    assert text(root, "c:info/c:area/c:areaDesc") == str(cast.kenya)
    assert text(root, "c:info/c:area/c:geocode/c:valueName") == "ISO3166-1"
    assert text(root, "c:info/c:area/c:geocode/c:value") == "KE"
    item.version, item.level = 2, 2
    item.save()
    update = root_of(cap.advisory_alert(item, base_url="https://vigil.example.org"))
    assert text(update, "c:identifier") == f"vigil-advisory-{item.pk}-v2"
    assert text(update, "c:msgType") == "Update"
    assert text(update, "c:references").startswith(
        f"vigil@vigil.example.org,vigil-advisory-{item.pk}-v1,")
    assert text(update, "c:info/c:severity") == "Moderate"
    item.version, item.withdrawn = 3, True
    item.save()
    cancel = root_of(cap.advisory_alert(item, base_url="https://vigil.example.org"))
    assert text(cancel, "c:msgType") == "Cancel"


def test_an_advisory_for_an_area_carries_its_boundary(cast: Any, settings: Any) -> None:
    settings.VIGIL_CAP_SENDER = "security@un.example"
    cast.nbi_area.boundary = BOUNDARY
    cast.nbi_area.save()
    item = advisory(cast, security_area=cast.nbi_area)
    message = cap.parse(cap.advisory_alert(item, base_url="http://127.0.0.1:8000"))
    assert message.sender == "security@un.example"
    assert len(message.polygons()) == 1
    assert message.polygons()[0][0] == (-1.45, 36.6)  # lat, lon
    assert message.area_descriptions() == [f"{cast.kenya} — Greater Nairobi"]


def test_a_crisis_is_a_valid_restricted_alert_for_each_zone(cast: Any, user_with: Any) -> None:
    lead = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    base = "https://vigil.example.org"
    circle = crisis(cast, lead)
    message = cap.parse(cap.crisis_alert(circle, base_url=base))
    assert message.scope == "Restricted"
    assert message.circles() == [{"lat": -1.286, "lon": 36.817, "radius_km": 15.0}]
    assert message.info is not None
    assert message.info.categories == ["Security"]
    assert message.info.severity == "Severe"
    polygon = crisis(cast, lead, zone_kind=Crisis.ZoneKind.POLYGON, polygon=BOUNDARY)
    assert len(cap.parse(cap.crisis_alert(polygon, base_url=base)).polygons()) == 1
    cast.nbi_area.boundary = BOUNDARY
    cast.nbi_area.save()
    areas = crisis(cast, lead, zone_kind=Crisis.ZoneKind.AREAS)
    areas.areas.add(cast.nbi_area)
    assert cap.parse(cap.crisis_alert(areas, base_url=base)).polygons() == [
        [(-1.45, 36.6), (-1.45, 37.1), (-1.1, 37.1), (-1.1, 36.6), (-1.45, 36.6)]]
    circle.status, circle.version = Crisis.Status.CLOSED, 2
    circle.closed_at = timezone.now()
    circle.save()
    closed = cap.parse(cap.crisis_alert(circle, base_url=base))
    assert closed.msg_type == "Update"
    assert closed.referenced() == [(closed.sender, f"vigil-crisis-{circle.pk}-v1")]
    assert closed.info is not None
    assert closed.info.urgency == "Past"


def test_a_message_that_fails_the_schema_is_a_bug(monkeypatch: Any, cast: Any) -> None:
    monkeypatch.setitem(cap.ADVISORY_LEVELS, 3, ("Soon", "Minor", "Likely"))
    with pytest.raises(cap.CapBuildError):
        cap.advisory_alert(advisory(cast), base_url="http://127.0.0.1:8000")


def test_the_atom_feed_links_each_cap_message() -> None:
    when = dt.datetime(2026, 11, 28, 19, 0, tzinfo=dt.UTC)
    data = cap.atom_feed([cap.FeedEntry("https://x/a.cap", "A", when, "Level 1",
                                        "https://x/a.cap", "https://x/a/")],
                         title="Feed", feed_url="https://x/feed.atom", base_url="https://x")
    root = etree.fromstring(data)
    atom = {"a": cap.ATOM}
    assert root.findtext("a:updated", namespaces=atom) == "2026-11-28T19:00:00Z"
    entries = root.findall("a:entry", atom)
    assert len(entries) == 1
    link = entries[0].find("a:link[@rel='alternate']", atom)
    assert link is not None
    assert link.get("type") == "application/cap+xml"
    assert cap.feed_items(data, base_url="https://x/") == [cap.FeedItem(url="https://x/a.cap")]


# --- Pages and endpoints -------------------------------------------------------------------------

def feed_entries(data: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(data)
    assert root.tag == f"{{{cap.ATOM}}}feed"
    return [(e.findtext(f"{{{cap.ATOM}}}title") or "",
             e.find(f"{{{cap.ATOM}}}link[@type='application/cap+xml']").get("href", ""))
            for e in root.iterfind(f"{{{cap.ATOM}}}entry")]


@pytest.mark.urls(CAP_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(cast: Any, client: Any) -> None:
    item = advisory(cast)
    for name, args in (("cap_upload", []), ("cap_alert_list", []), ("advisory_cap", [item.pk]),
                       ("crisis_cap", [1]), ("advisories_feed", []), ("crises_feed", [])):
        response = client.get(reverse(f"crisis:{name}", args=args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("core:login")), name


@pytest.mark.urls(CAP_URLS)
def test_a_traveller_may_not_import(cast: Any, user_with: Any, client: Any) -> None:
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get(reverse("crisis:cap_upload")).status_code == 403
    response = client.post(reverse("crisis:cap_upload"),
                           {"file": _upload("valid/ph.cap")})
    assert response.status_code == 403
    assert not CapAlert.objects.exists()


def _upload(path: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(Path(path).name, sample(path), content_type="application/xml")


@pytest.mark.urls(CAP_URLS)
def test_an_officer_uploads_and_sees_the_alert_listed(cast: Any, importer: Any,
                                                      client: Any) -> None:
    client.force_login(importer)
    assert client.get(reverse("crisis:cap_upload")).status_code == 200
    response = client.post(reverse("crisis:cap_upload"),
                           {"file": _upload("valid/NOAA_MultiplePolygons.xml")})
    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:cap_alert_list")
    page = client.get(response["Location"]).content.decode()
    assert "NWS-IDP-PROD-4412298-3677414" in page
    assert "w-nws.webmaster@noaa.gov" in page
    assert Incident.objects.get(source_kind=Incident.Source.CAP).reference in page


@pytest.mark.urls(CAP_URLS)
def test_a_pasted_message_is_read_whatever_its_declared_encoding(cast: Any, importer: Any,
                                                                 client: Any) -> None:
    client.force_login(importer)
    pasted = "\ufeff" + sample("valid/earthquake-iso8859-1.cap").decode("iso-8859-1")
    response = client.post(reverse("crisis:cap_upload"), {"xml": pasted})
    assert response.status_code == 302
    assert "Usulután" in CapAlert.objects.get().headline


@pytest.mark.urls(CAP_URLS)
def test_a_refused_upload_shows_why_on_its_field(cast: Any, importer: Any,
                                                 client: Any) -> None:
    client.force_login(importer)
    response = client.post(reverse("crisis:cap_upload"), {"file": _upload("invalid/sweden.cap")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This is not a valid CAP 1.2 message" in page
    assert "Element &#x27;senderName&#x27;" in page
    pasted = client.post(reverse("crisis:cap_upload"), {"xml": PASSWD})
    assert pasted.status_code == 400
    assert "DOCTYPE" in pasted.context["form"].errors["xml"][0]
    empty = client.post(reverse("crisis:cap_upload"), {})
    assert empty.status_code == 400
    assert not CapAlert.objects.exists()


@pytest.mark.urls(CAP_URLS)
def test_every_signed_in_user_reads_the_advisories_as_cap(cast: Any, user_with: Any,
                                                          client: Any) -> None:
    today = timezone.localdate()
    in_force = advisory(cast, issued_on=today - dt.timedelta(days=3))
    advisory(cast, title="Old", issued_on=today - dt.timedelta(days=30),
             valid_until=today - dt.timedelta(days=1))
    advisory(cast, title="Withdrawn", issued_on=today - dt.timedelta(days=3), withdrawn=True)
    assert list(publishable_advisories()) == [in_force]
    client.force_login(user_with(Role.TRAVELLER))
    feed = client.get(reverse("crisis:advisories_feed"))
    assert feed.status_code == 200
    assert feed["Content-Type"] == "application/atom+xml"
    entries = feed_entries(feed.content)
    assert [title for title, _href in entries] == [f"{cast.kenya}: Reconsider travel"]
    href = entries[0][1]
    assert href.endswith(reverse("crisis:advisory_cap", args=[in_force.pk]))
    one = client.get(reverse("crisis:advisory_cap", args=[in_force.pk]))
    assert one.status_code == 200
    assert one["Content-Type"] == "application/cap+xml"
    assert cap.parse(one.content).identifier == f"vigil-advisory-{in_force.pk}-v1"
    assert client.get(reverse("crisis:advisory_cap", args=[999999])).status_code == 404


@pytest.mark.urls(CAP_URLS)
def test_crises_as_cap_follow_the_crisis_scope(cast: Any, user_with: Any, client: Any) -> None:
    kenya_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    somalia_officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    nairobi = crisis(cast, kenya_officer)
    mogadishu = crisis(cast, somalia_officer, title="Mogadishu", country=cast.somalia,
                       security_area=None, center_latitude=2.04, center_longitude=45.3)
    assert list(publishable_crises(kenya_officer)) == [nairobi]
    client.force_login(kenya_officer)
    response = client.get(reverse("crisis:crisis_cap", args=[nairobi.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    assert cap.parse(response.content).scope == "Restricted"
    assert client.get(reverse("crisis:crisis_cap", args=[mogadishu.pk])).status_code == 404
    entries = feed_entries(client.get(reverse("crisis:crises_feed")).content)
    assert [title for title, _href in entries] == [f"{nairobi.reference} {nairobi.title}"]
    client.force_login(user_with(Role.TRAVELLER))
    assert feed_entries(client.get(reverse("crisis:crises_feed")).content) == []


# --- Polling feeds -------------------------------------------------------------------------------

ATOM_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id><title>Alerts</title>
<updated>2026-11-28T19:00:00Z</updated>
<entry><id>1</id><title>NOAA</title><updated>2026-11-28T19:00:00Z</updated>
<link rel="alternate" type="application/cap+xml" href="/alerts/noaa.cap"/></entry>
<entry><id>2</id><title>Test</title><updated>2026-11-28T19:00:00Z</updated>
<link rel="alternate" type="application/cap+xml" href="https://feeds.example.org/ph.cap"/>
</entry>
<entry><id>3</id><title>Gone</title><updated>2026-11-28T19:00:00Z</updated>
<link rel="alternate" type="application/cap+xml" href="https://feeds.example.org/gone.cap"/>
</entry>
</feed>"""


class FakeWeb:
    """Answers the poller from a table; an address not in it fails like a network error."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.asked.append(url)
        if url not in self.pages:
            raise urllib.error.URLError("Name or service not known")
        return self.pages[url]


@pytest.fixture
def web() -> FakeWeb:
    from django.core.cache import cache

    cache.clear()
    return FakeWeb({"https://feeds.example.org/atom": ATOM_FEED,
                    "https://feeds.example.org/alerts/noaa.cap":
                        sample("valid/NOAA_MultiplePolygons.xml"),
                    "https://feeds.example.org/ph.cap": sample("valid/ph.cap"),
                    "https://single.example.org/rfs.xml": sample("other/rfs.xml")})


def test_polling_imports_each_feed_and_records_each_failure(cast: Any, web: FakeWeb) -> None:
    atom = CapFeed.objects.create(name="Atom", url="https://feeds.example.org/atom")
    down = CapFeed.objects.create(name="Down", url="https://down.example.org/feed")
    single = CapFeed.objects.create(name="Single", url="https://single.example.org/rfs.xml")
    CapFeed.objects.create(name="Off", url="https://off.example.org/", active=False)
    now = timezone.now()
    summary = cap_poll_feeds(now=now, fetch=web)
    assert summary["feeds"] == 3
    assert summary["created"] == 2  # NOAA and the RFS alert; ph.cap is a Test: skipped
    assert summary["skipped"] == 1
    assert set(summary["errors"]) == {"Atom", "Down"}
    atom.refresh_from_db()
    down.refresh_from_db()
    single.refresh_from_db()
    assert "https://feeds.example.org/gone.cap: Name or service not known" in atom.last_error
    assert down.last_error == "Name or service not known"
    assert single.last_error == ""
    assert atom.last_polled_at == now
    assert down.last_polled_at == now
    assert atom.version == 1  # the poll is no edit of the feed
    noaa = CapAlert.objects.get(identifier="NWS-IDP-PROD-4412298-3677414")
    assert noaa.feed == atom
    assert noaa.incident.reported_by is None
    assert AuditEvent.objects.filter(action="crisis.cap.import", actor_id__isnull=True).count() \
        == 2
    assert "https://off.example.org/" not in web.asked
    again = cap_poll_feeds(fetch=web)
    assert again["created"] == 0
    assert again["known"] >= 2
    assert CapAlert.objects.count() == 2


def test_the_task_polls_with_a_lock(cast: Any, web: FakeWeb, monkeypatch: Any) -> None:
    monkeypatch.setattr(cap_services, "fetch_url", web)
    CapFeed.objects.create(name="Single", url="https://single.example.org/rfs.xml")
    assert cap_tasks.poll_cap_feeds()["created"] == 1
    from vigil.core.tests.lock_holder import held_elsewhere

    with held_elsewhere(cap_tasks.LOCK):
        assert cap_tasks.poll_cap_feeds() is None


def test_only_http_addresses_are_fetched() -> None:
    with pytest.raises(ValueError, match="Only http and https"):
        cap_services.fetch_url("file:///etc/passwd")


def test_an_rss_feed_of_cap_messages() -> None:
    rss = (b"<rss version='2.0'><channel><title>x</title><item><title>a</title>"
           b"<link>https://x.example.org/page</link>"
           b"<enclosure url='a.cap' type='application/cap+xml' length='1'/></item>"
           b"<item><title>b</title><link>b.xml</link></item></channel></rss>")
    assert cap.feed_items(rss, base_url="https://x.example.org/feed") == [
        cap.FeedItem(url="https://x.example.org/a.cap"),
        cap.FeedItem(url="https://x.example.org/b.xml")]
    assert cap.feed_items(sample("valid/ph.cap"), base_url="https://x") is None
    with pytest.raises(cap.CapError, match="neither a CAP message nor an Atom or RSS feed"):
        cap.feed_items(b"<html/>", base_url="https://x")


# --- The project's shared copies of the samples --------------------------------------------------

def _shared(kind: str) -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"the shared CAP samples are not at {SHARED}"))]
    return sorted(p.name for p in (SHARED / kind).iterdir())


@pytest.mark.parametrize("name", _shared("valid"))
def test_shared_valid_samples_import(cast: Any, importer: Any, name: str) -> None:
    data = (SHARED / "valid" / name).read_bytes()
    result = cap_import(actor=importer, data=data)
    assert result.created
    assert result.incident.category.code == "hazard"
    if name in VALID:
        assert result.incident.subcategory is not None
        assert result.incident.subcategory.code == VALID[name][0]


@pytest.mark.parametrize("name", _shared("invalid"))
def test_shared_invalid_samples_are_refused(name: str) -> None:
    message = refusal((SHARED / "invalid" / name).read_bytes())
    assert message.startswith("This is not a valid CAP 1.2 message: line ")
    assert "Element '" in message


@pytest.mark.parametrize("name", _shared("other"))
def test_shared_other_samples(cast: Any, importer: Any, name: str) -> None:
    data = (SHARED / "other" / name).read_bytes()
    if name == "rfs.xml":
        assert cap_import(actor=importer, data=data).created
    elif name == "weather.cap":
        assert refusal(data).startswith("CAP 1.1 message")
    elif name == "invalid_xmlns.cap":
        assert "urn:oasis:names:tc:emergency:alerts:1.2" in refusal(data)
    else:
        pytest.skip(f"no expectation for {name}")
