"""CAP in by machines: POST /api/v1/cap-alerts/ with the XML as the body, the list and detail
of the alerts received, and `vigil import_cap FILE|URL`. Each gives the upload page's three
answers: recorded as INC-…, already received, or the fault named."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from drf_spectacular.generators import SchemaGenerator

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.crisis import cap
from vigil.crisis.models import CapAlert
from vigil.incidents.models import Incident

DATA = Path(__file__).resolve().parent / "data" / "cap"
URL = "/api/v1/cap-alerts/"
PASSWD = (b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
          b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier>'
          b'</alert>')


def sample(path: str) -> bytes:
    return (DATA / path).read_bytes()


def post(client: Any, data: bytes, content_type: str = "application/cap+xml") -> Any:
    return client.post(URL, data=data, content_type=content_type)


@pytest.fixture
def importer(user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL, username="importer")


# --- POST ----------------------------------------------------------------------------------------

def test_an_alert_is_recorded_then_already_received(cast: Any, api: Any, importer: Any) -> None:
    client = api(importer)
    first = post(client, sample("valid/australia.cap"))
    assert first.status_code == 201
    alert = CapAlert.objects.select_related("incident").get()
    incident = alert.incident
    body = first.json()
    assert body["created"] is True
    assert body["message"] == (f"Alert {alert.identifier} from {alert.sender} recorded as "
                               f"{incident.reference}.")
    assert (body["id"], body["incident"], body["incident_reference"]) == (
        alert.pk, incident.pk, incident.reference)
    assert body["others"] == []
    assert first["Location"] == f"{URL}{alert.pk}/"
    assert AuditEvent.objects.filter(action="crisis.cap.import", actor_id=importer.pk,
                                     object_id=str(alert.pk)).exists()

    again = post(client, sample("valid/australia.cap"), "application/xml; charset=utf-8")
    assert again.status_code == 200
    repeat = again.json()
    assert repeat["created"] is False
    assert repeat["message"] == (f"Alert {alert.identifier} from {alert.sender} was already "
                                 f"received: {incident.reference}.")
    assert (repeat["identifier"], repeat["sender"], repeat["sent"]) == (
        body["identifier"], body["sender"], body["sent"])
    assert repeat["incident"] == incident.pk
    assert Incident.objects.filter(source_kind=Incident.Source.CAP).count() == 1


def test_an_envelope_answers_for_its_alert(cast: Any, api: Any, importer: Any) -> None:
    response = post(api(importer), sample("other/rfs.xml"), "application/xml")
    assert response.status_code == 201
    assert response.json()["identifier"] == "2014-05-08T10:31:00-00:00:160068"


@pytest.mark.parametrize(("path", "words"), [
    ("invalid/sweden.cap", ["line 17", "senderName"]),
    ("invalid/invalid.cap", ["line 9", "info"]),
    ("other/weather.cap", ["CAP 1.1"]),
])
def test_a_refused_message_names_its_fault(cast: Any, api: Any, importer: Any, path: str,
                                           words: list[str]) -> None:
    response = post(api(importer), sample(path))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    for word in words:
        assert word in body["message"]
    assert body["errors"] == [{"field": "body", "code": "bad_file", "message": body["message"]}]
    assert not CapAlert.objects.exists()


def test_hostile_or_empty_or_huge_bodies_are_refused(cast: Any, api: Any,
                                                     importer: Any) -> None:
    client = api(importer)
    doctype = post(client, PASSWD)
    assert doctype.status_code == 400
    assert "DOCTYPE" in doctype.json()["message"]
    empty = post(client, b"")
    assert empty.status_code == 400
    assert "empty" in empty.json()["message"]
    huge = post(client, b" " * (cap.MAX_BYTES + 1))
    assert huge.status_code == 400
    assert "larger than 5 MB" in huge.json()["message"]
    assert not CapAlert.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "text/xml", "text/plain",
                                          "multipart/form-data; boundary=x"])
def test_other_media_types_are_refused_with_the_ones_to_use(cast: Any, api: Any, importer: Any,
                                                            content_type: str) -> None:
    response = post(api(importer), sample("valid/ph.cap"), content_type)
    assert response.status_code == 415
    message = response.json()["message"]
    assert "application/cap+xml or application/xml" in message
    assert content_type.split(";")[0] in message
    assert not CapAlert.objects.exists()


def test_only_those_who_may_upload_may_post(cast: Any, api: Any, user_with: Any) -> None:
    for user in (user_with(Role.TRAVELLER), user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.GLOBAL),
                 user_with(Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL)):
        client = api(user)
        refused = post(client, sample("valid/ph.cap"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
        # Refused before the body is looked at: no hint about the media types either.
        assert post(client, b"{}", "application/json").status_code == 403
    assert api().post(URL, data=sample("valid/ph.cap"),
                      content_type="application/cap+xml").status_code == 401
    admin = api(user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL))
    assert post(admin, sample("valid/ph.cap")).status_code == 201
    assert CapAlert.objects.count() == 1


# --- GET -----------------------------------------------------------------------------------------

def test_the_list_and_detail_follow_the_incidents_scope(cast: Any, api: Any, importer: Any,
                                                        user_with: Any) -> None:
    client = api(importer)
    post(client, sample("valid/australia.cap"))
    post(client, sample("valid/iceland_met_office.cap"))
    australian, icelandic = (CapAlert.objects.select_related("incident").get(
        identifier__startswith=prefix) for prefix in ("tag:www.rfs", "is-IMO"))
    Incident.objects.filter(pk=australian.incident_id).update(country=cast.kenya,
                                                              security_area=None)
    Incident.objects.filter(pk=icelandic.incident_id).update(country=cast.somalia,
                                                             security_area=None)

    everything = client.get(URL).json()
    assert [row["identifier"] for row in everything["results"]] == [
        a.identifier for a in sorted((australian, icelandic), key=lambda a: a.sent,
                                     reverse=True)]

    kenya = api(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    listed = kenya.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [australian.pk]
    assert listed[0]["incident_reference"] == australian.incident.reference
    assert "xml" not in listed[0]
    detail = kenya.get(f"{URL}{australian.pk}/")
    assert detail.status_code == 200
    assert cap.parse(detail.json()["xml"].encode()).identifier == australian.identifier
    missing = kenya.get(f"{URL}{icelandic.pk}/")
    assert missing.status_code == 404
    assert missing.json() == kenya.get(f"{URL}999999/").json()

    traveller = api(user_with(Role.TRAVELLER))
    assert traveller.get(URL).json()["results"] == []
    assert traveller.get(f"{URL}{australian.pk}/").status_code == 404


def test_the_schema_shows_the_xml_body_and_the_answers(cast: Any) -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["paths"][URL]["post"]
    assert set(create["requestBody"]["content"]) == {"application/cap+xml", "application/xml"}
    for body in create["requestBody"]["content"].values():
        assert body["schema"] == {"type": "string", "format": "binary"}
    assert set(create["responses"]) == {"200", "201", "400", "401", "403", "404", "409", "415",
                                        "429"}
    answer = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]["properties"]
    assert {"created", "message", "incident", "incident_reference", "others"} <= set(fields)
    detail = schema["paths"][URL + "{id}/"]["get"]["responses"]["200"]["content"]
    ref = detail["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "xml" in schema["components"]["schemas"][ref]["properties"]


# --- vigil import_cap ----------------------------------------------------------------------------

def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_cap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_records_then_finds_already_received(cast: Any, importer: Any) -> None:
    path = str(DATA / "valid" / "NOAA_MultiplePolygons.xml")
    out, _err = run(path, "--as", "importer")
    alert = CapAlert.objects.select_related("incident").get()
    assert out.strip() == (f"Alert {alert.identifier} from {alert.sender} recorded as "
                           f"{alert.incident.reference}.")
    assert AuditEvent.objects.filter(action="crisis.cap.import", actor_id=importer.pk).exists()
    out, _err = run(path, "--as", "importer")
    assert "was already received" in out
    assert CapAlert.objects.count() == 1


def test_the_command_names_the_fault_and_fails(cast: Any, importer: Any,
                                              user_with: Any) -> None:
    with pytest.raises(CommandError, match=r"line 17.*senderName"):
        run(str(DATA / "invalid" / "sweden.cap"), "--as", "importer")
    with pytest.raises(CommandError, match="No file"):
        run(str(DATA / "valid" / "nothing-here.cap"), "--as", "importer")
    with pytest.raises(CommandError, match="No user"):
        run(str(DATA / "valid" / "ph.cap"), "--as", "nobody")
    user_with(Role.TRAVELLER, username="walker")
    with pytest.raises(CommandError, match="You may not do this"):
        run(str(DATA / "valid" / "ph.cap"), "--as", "walker")
    for address in ("file:///etc/passwd", "ftp://example.org/alert.cap"):
        with pytest.raises(CommandError, match="Only http and https"):
            run(address, "--as", "importer")
    assert not CapAlert.objects.exists()


class Samples(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = DATA / self.path.lstrip("/")
        if ".." in self.path or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/cap+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def samples_server(settings: Any) -> Iterator[str]:
    # The server listens on loopback, which core.netguard refuses unless allowed.
    settings.VIGIL_ALLOW_PRIVATE_FETCH = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Samples)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_command_fetches_an_address(cast: Any, importer: Any, samples_server: str) -> None:
    out, _err = run(f"{samples_server}/other/rfs.xml", "--as", "importer")
    assert "recorded as INC-" in out
    assert CapAlert.objects.get().sender == "webmaster@rfs.nsw.gov.au"
    with pytest.raises(CommandError, match="HTTP error 404"):
        run(f"{samples_server}/valid/gone.cap", "--as", "importer")
    with pytest.raises(CommandError, match=r"CAP 1\.1 message"):
        run(f"{samples_server}/other/weather.cap", "--as", "importer")
