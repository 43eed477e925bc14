"""Crisis pages and API as each role uses them: the officer declares on the form and runs the
board, the warden accounts for people, others are refused or shown nothing; exports, the
board's polling answer, the map, messages, check-ins."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.crisis import services
from vigil.crisis.models import (
    AccountEntry,
    AccountStatus,
    Broadcast,
    Crisis,
    CrisisMember,
    ScheduledCheckIn,
)
from vigil.people.models import Person

pytestmark = pytest.mark.django_db

NAIROBI = {"center_latitude": -1.2864, "center_longitude": 36.8172, "radius_km": 25}
NAMES = {"ACHIENG, A", "ACHIENG, Tom", "HASSAN, A", "ABDI, A", "ABDI, Ali"}


@pytest.fixture
def officer(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-ke")


@pytest.fixture
def traveller(cast: Any, user_with: Any) -> Any:
    return user_with(Role.TRAVELLER, person=cast.amina, username="amina")


@pytest.fixture
def crisis(cast: Any, officer: Any) -> Crisis:
    return services.crisis_declare(actor=officer, data={
        "title": "Explosion in Westlands", "country": cast.kenya, "zone_kind": "circle",
        **NAIROBI})


def entry_of(crisis: Crisis, person: Person, dependant: Any = None) -> AccountEntry:
    return crisis.entries.get(person=person, dependant=dependant)


def url(name: str, *args: Any) -> str:
    return reverse(f"crisis:{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def streamed(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


# --- List and declaring --------------------------------------------------------------------------

def test_the_crisis_list_shows_the_crises_in_scope(client, cast, officer, somali, crisis):
    client.force_login(officer)
    page = client.get(url("crisis_list"))
    assert page.status_code == 200
    assert "Explosion in Westlands" in page.content.decode()
    rows = streamed(client.get(url("crisis_list"), {"format": "csv"}))
    assert rows[0][0] == "Reference"
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Reference"] == crisis.reference
    assert record["Headcount"] == "5"
    assert record["Accounted for"] == "0"
    assert record["Country"] == "KE"
    client.force_login(somali)
    assert "Explosion in Westlands" not in client.get(url("crisis_list")).content.decode()


def test_the_declare_form_finds_the_place_by_name(client, cast, officer):
    client.force_login(officer)
    form = client.get(url("crisis_create"))
    assert form.status_code == 200
    assert 'name="place"' in form.content.decode()
    response = client.post(url("crisis_create"), {
        "title": "Riots downtown", "zone_kind": "circle", "place": "Nairobi",
        "radius_km": "25", "description": "Protests turned violent."})
    assert response.status_code == 302, response.content.decode()[:3000]
    crisis = Crisis.objects.get()
    assert response["Location"] == url("board", crisis.pk)
    # The duty station called Nairobi gives the centre and the country.
    assert (crisis.center_latitude, crisis.center_longitude) == (-1.286, 36.817)
    assert crisis.country == cast.kenya
    assert crisis.radius_km == 25
    assert crisis.declared_by == officer
    assert crisis.entries.count() == 5
    board = client.get(response["Location"])
    assert "5 people on the headcount" in " ".join(messages_of(board))


def test_the_declare_form_takes_utc_times(client, cast, officer):
    client.force_login(officer)
    response = client.post(url("crisis_create"), {
        "title": "Riots", "zone_kind": "circle", "center_latitude": "-1.2864",
        "center_longitude": "36.8172", "radius_km": "10", "country": "KE",
        "incident_at": "2024-05-01T08:00", "window_start": "2024-05-01T06:00",
        "window_end": "2024-05-03T06:00"})
    assert response.status_code == 302, response.content.decode()[:3000]
    crisis = Crisis.objects.get()
    assert crisis.incident_at == dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    assert crisis.window_start == dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC)
    assert crisis.window_end == dt.datetime(2024, 5, 3, 6, tzinfo=dt.UTC)


def test_declare_form_faults_sit_beside_their_fields(client, cast, officer):
    client.force_login(officer)
    base = {"title": "Riots", "zone_kind": "circle", "radius_km": "25", "country": "KE"}
    nowhere = client.post(url("crisis_create"), {**base, "place": "Atlantis"})
    assert nowhere.status_code == 200
    assert nowhere.context["form"].errors["place"] == ["No duty station or city has this name."]
    assert "No duty station or city has this name." in nowhere.content.decode()
    window = client.post(url("crisis_create"), {
        **base, "place": "Nairobi", "incident_at": "2024-05-01T08:00",
        "window_start": "2024-05-01T10:00", "window_end": "2024-05-01T09:00"})
    assert window.context["form"].errors["window_end"] == [
        "The window must end after it starts."]
    assert "The window must end after it starts." in window.content.decode()
    no_centre = client.post(url("crisis_create"), base)
    assert no_centre.context["form"].errors["center_latitude"]
    polygon = client.post(url("crisis_create"), {**base, "zone_kind": "polygon",
                                                  "polygon": "{not json"})
    assert "This is not JSON" in polygon.context["form"].errors["polygon"][0]
    far = client.post(url("crisis_create"), {**base, "place": "Nairobi", "radius_km": "5000"})
    assert far.context["form"].errors["radius_km"]
    assert not Crisis.objects.exists()


def test_an_areas_zone_without_areas_is_explained_on_the_form(client, cast, officer):
    """The form's optional country must not turn a missing area into a 403."""
    client.force_login(officer)
    response = client.post(url("crisis_create"), {"title": "Floods", "zone_kind": "areas"})
    assert response.status_code == 200
    assert response.context["form"].errors["areas"]


def test_only_declarers_reach_the_declare_form(client, cast, warden, traveller, official):
    for user in (warden, traveller):
        client.force_login(user)
        assert client.get(url("crisis_create")).status_code == 403
    client.force_login(official)
    assert client.get(url("crisis_create")).status_code == 200


# --- The crisis page and the board ---------------------------------------------------------------

def test_the_crisis_page(client, cast, officer, crisis):
    client.force_login(officer)
    page = client.get(url("crisis_detail", crisis.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Explosion in Westlands" in text
    assert "so-ke · Crisis lead" in text
    assert "Crisis declared by so-ke; 5 people presumed in the zone." in text
    assert url("crisis_close", crisis.pk) in text
    assert page.context["board"]["total"] == 5


def test_the_board_lists_and_exports_the_headcount(client, cast, officer, crisis):
    services.entry_update(actor=officer, entry=entry_of(crisis, cast.omar), status="safe",
                          note="At home", version=1)
    client.force_login(officer)
    board = client.get(url("board", crisis.pk))
    assert board.status_code == 200
    text = board.content.decode()
    for name in NAMES:
        assert name in text
    assert url("entry_update", crisis.pk, entry_of(crisis, cast.amina).pk) in text
    assert AuditEvent.objects.filter(action="crisis.headcount.read").exists()
    safe = client.get(url("board", crisis.pk), {"status": "safe"}).content.decode()
    assert "HASSAN, A" in safe
    assert "ABDI, Ali" not in safe
    wfp = client.get(url("board", crisis.pk), {"organization": "wfp"}).content.decode()
    assert "ABDI, Ali" in wfp
    assert "ACHIENG, Tom" not in wfp
    rows = streamed(client.get(url("board", crisis.pk), {"format": "csv"}))
    header = rows[0]
    assert header[:3] == ["Name", "Staff member", "Index number"]
    records = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(records) == NAMES
    assert records["ACHIENG, Tom"]["Staff member"] == "ACHIENG, A"
    assert records["ACHIENG, Tom"]["Index number"] == "10000001"
    assert records["HASSAN, A"]["Status"] == "Safe"
    assert records["HASSAN, A"]["Note"] == "At home"
    assert records["HASSAN, A"]["Duty station"] == "KE-MBA"
    assert records["ABDI, A"]["Status"] == "Unknown"
    assert records["ABDI, A"]["Basis"] == "Residence"
    only_unknown = streamed(client.get(url("board", crisis.pk),
                                       {"format": "csv", "status": "unaccounted"}))
    assert {r[0] for r in only_unknown[1:]} == NAMES - {"HASSAN, A"}
    book = client.get(url("board", crisis.pk), {"format": "xlsx"})
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"headcount-{crisis.reference}" in book["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(book.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Name", "Staff member", "Index number")
    assert {v[0] for v in values[1:]} == NAMES
    omar = next(v for v in values[1:] if v[0] == "HASSAN, A")
    assert omar[header.index("Status")] == "Safe"
    assert AuditEvent.objects.filter(action="core.export").count() == 3


def test_board_json_gives_counts_and_the_entries_changed_since(client, cast, officer, crisis):
    omar = entry_of(crisis, cast.omar)
    services.entry_update(actor=officer, entry=omar, status="safe", version=1)
    since = timezone.now()
    amina = entry_of(crisis, cast.amina)
    services.entry_update(actor=officer, entry=amina, status="needs_help", note="Trapped",
                          version=1)
    client.force_login(officer)
    data = client.get(url("board_json", crisis.pk), {"since": since.isoformat()}).json()
    assert data["total"] == 5
    assert data["accounted"] == 2
    assert data["pct"] == 40.0
    counts = {s["key"]: s["n"] for s in data["statuses"]}
    assert counts["safe"] == 1
    assert counts["needs_help"] == 1
    assert counts["unknown"] == 3
    assert [c["id"] for c in data["changed"]] == [amina.pk]
    changed = data["changed"][0]
    assert changed["status"] == "needs_help"
    assert changed["note"] == "Trapped"
    assert changed["version"] == 2
    organizations = {g["key"]: g for g in data["organizations"]}
    assert organizations["UNDP"]["help"] == 1
    assert organizations["WFP"]["accounted"] == 1
    assert data["now"]
    # Without "since": the counts only.
    assert client.get(url("board_json", crisis.pk)).json()["changed"] == []
    later = client.get(url("board_json", crisis.pk), {"since": data["now"]}).json()
    assert later["changed"] == []


def test_the_headcount_map_puts_people_where_they_said_they_are(client, cast, officer, crisis):
    amina = entry_of(crisis, cast.amina)
    AccountEntry.objects.filter(pk=amina.pk).update(reported_latitude=-1.3,
                                                    reported_longitude=36.9)
    client.force_login(officer)
    response = client.get(url("headcount_geojson", crisis.pk))
    assert response["Content-Type"] == "application/geo+json"  # RFC 7946's media type
    data = response.json()
    points = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in data["features"]}
    assert set(points) == NAMES
    assert points["ACHIENG, A"] == [36.9, -1.3]
    assert points["HASSAN, A"] == [36.8, -1.2]
    assert AuditEvent.objects.get(action="crisis.headcount.map").changes["rows"] == 5


def test_a_status_is_set_on_the_board_with_and_without_htmx(client, cast, warden, crisis):
    client.force_login(warden)
    amina = entry_of(crisis, cast.amina)
    response = client.post(url("entry_update", crisis.pk, amina.pk),
                           {"status": "safe", "note": "Phoned", "version": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(url("board", crisis.pk))
    amina.refresh_from_db()
    assert (amina.status, amina.note, amina.status_by) == ("safe", "Phoned", warden)
    omar = entry_of(crisis, cast.omar)
    row = client.post(url("entry_update", crisis.pk, omar.pk),
                      {"status": "injured", "version": 1}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    text = row.content.decode()
    assert text.startswith("<tr") or text.lstrip().startswith("<tr")
    assert f'id="entry-{omar.pk}"' in text
    assert "Injured" in text
    assert 'name="version" value="2"' in text
    stale = client.post(url("entry_update", crisis.pk, omar.pk),
                        {"status": "safe", "version": 1}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409
    # The row as it stands comes back with the reason, for the board to show.
    assert "Injured" in stale.content.decode()
    assert 'role="alert"' in stale.content.decode()
    bad = client.post(url("entry_update", crisis.pk, omar.pk),
                      {"status": "fine", "version": 2}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    omar.refresh_from_db()
    assert omar.status == "injured"


def test_someone_found_later_is_added_on_the_board(client, cast, officer, crisis):
    Person.objects.create(index_number="10000009", family_name="Mwangi", given_name="Juma",
                          organization=cast.undp, category="national",
                          duty_station=cast.mombasa)
    client.force_login(officer)
    response = client.post(url("entry_add", crisis.pk), {
        "person": "10000009", "status": "safe", "place": "Sarit Centre"}, follow=True)
    assert "MWANGI, Juma added to the headcount." in messages_of(response)
    entry = crisis.entries.get(person__index_number="10000009")
    assert (entry.basis, entry.status, entry.place) == ("added", "safe", "Sarit Centre")
    unknown = client.post(url("entry_add", crisis.pk), {"person": "404", "status": "safe"},
                          follow=True)
    assert any("No staff member in your scope has this index number" in m
               for m in messages_of(unknown))
    twice = client.post(url("entry_add", crisis.pk), {"person": "10000001", "status": "safe"},
                        follow=True)
    assert any("already on the headcount" in m for m in messages_of(twice))
    assert crisis.entries.count() == 6


def test_the_team_and_the_log_on_the_crisis_page(client, cast, officer, official, crisis):
    client.force_login(officer)
    added = client.post(url("member_add", crisis.pk), {"username": "do-ke", "role": "member",
                                                       "duty": "Media"}, follow=True)
    assert "do-ke added to the team." in messages_of(added)
    member = crisis.members.get(user=official)
    assert member.duty == "Media"
    nobody = client.post(url("member_add", crisis.pk), {"username": "ghost", "role": "member"},
                         follow=True)
    assert any("No active user has this name" in m for m in messages_of(nobody))
    lead = crisis.members.get(role=CrisisMember.Role.LEAD)
    kept = client.post(url("member_remove", crisis.pk, lead.pk), follow=True)
    assert any("keeps a lead" in m for m in messages_of(kept))
    assert crisis.members.count() == 2
    removed = client.post(url("member_remove", crisis.pk, member.pk))
    assert removed.status_code == 302
    assert not crisis.members.filter(user=official).exists()
    logged = client.post(url("log_add", crisis.pk), {"kind": "decision",
                                                     "text": "Relocate to Gigiri"},
                         follow=True)
    assert "Entry added to the log." in messages_of(logged)
    assert crisis.log.filter(kind="decision", text="Relocate to Gigiri",
                             author=officer).exists()
    empty = client.post(url("log_add", crisis.pk), {"kind": "note", "text": ""}, follow=True)
    assert messages_of(empty)
    assert crisis.log.count() == 4  # declared, joined, left, decision


def test_closing_on_the_crisis_page(client, cast, officer, crisis):
    client.force_login(officer)
    client.post(url("crisis_close", crisis.pk), {"note": "", "version": crisis.version})
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.ACTIVE
    closed = client.post(url("crisis_close", crisis.pk),
                         {"note": "Everyone accounted for", "version": crisis.version},
                         follow=True)
    assert "Crisis closed." in messages_of(closed)
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.CLOSED
    # Closed: no more status buttons, no close form.
    board = client.get(url("board", crisis.pk)).content.decode()
    assert url("entry_update", crisis.pk, entry_of(crisis, cast.amina).pk) not in board
    assert url("crisis_close", crisis.pk) not in client.get(
        url("crisis_detail", crisis.pk)).content.decode()
    again = client.post(url("crisis_close", crisis.pk),
                        {"note": "Again", "version": crisis.version}, follow=True)
    assert any("closed" in m for m in messages_of(again))


def test_a_message_is_sent_from_the_form(client, cast, officer, crisis, mailoutbox,
                                         django_capture_on_commit_callbacks):
    cast.amina.emails = ["amina@undp.example"]
    cast.amina.save()
    client.force_login(officer)
    form = client.get(url("broadcast_create", crisis.pk))
    assert form.status_code == 200
    assert "Explosion in Westlands: are you safe?" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("broadcast_create", crisis.pk), {
            "subject": "Are you safe?", "body": "Answer with the link.",
            "organizations": "undp", "email": "on", "with_checkin": "on",
            "remind_after": "30"})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert response["Location"] == url("broadcast_detail", broadcast.pk)
    assert broadcast.audience == {"organizations": ["UNDP"]}
    assert broadcast.remind_after == 30
    assert [m.to for m in mailoutbox] == [["amina@undp.example"]]
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "ACHIENG, A" in detail.content.decode()
    assert detail.context["counts"] == {"sent": 1}
    no_channel = client.post(url("broadcast_create", crisis.pk), {
        "subject": "S", "body": "B"})
    assert no_channel.status_code == 200
    assert no_channel.context["form"].errors
    assert Broadcast.objects.count() == 1


def test_the_scheduled_check_ins_page(client, cast, officer, somali, warden, traveller):
    ScheduledCheckIn.objects.create(person=cast.amina, security_area=cast.nbi_area, level=4,
                                    due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(officer)
    page = client.get(url("checkin_list"))
    assert page.status_code == 200
    assert "ACHIENG, A" in page.content.decode()
    assert "not answered" in page.content.decode()
    client.force_login(traveller)
    assert "ACHIENG, A" in client.get(url("checkin_list")).content.decode()
    client.force_login(somali)
    assert "ACHIENG, A" not in client.get(url("checkin_list")).content.decode()
    client.force_login(warden)
    assert client.get(url("checkin_list")).status_code == 403


# --- Who may do what -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["crisis_list", "crisis_create", "broadcast_list",
                                  "broadcast_general", "checkin_list"])
def test_each_gated_page_asks_for_sign_in_then_for_its_right(client, user_with, officer, name):
    assert client.get(url(name)).status_code == 302  # to sign in
    client.force_login(user_with())  # signed in, with no role
    assert client.get(url(name)).status_code == 403
    client.force_login(officer)
    assert client.get(url(name)).status_code == 200


def test_a_traveller_is_refused_the_crisis_pages(client, cast, traveller, crisis):
    client.force_login(traveller)
    assert client.get(url("crisis_list")).status_code == 403
    assert client.get(url("crisis_detail", crisis.pk)).status_code == 404
    assert client.get(url("board", crisis.pk)).status_code == 404
    amina = entry_of(crisis, cast.amina)
    assert client.post(url("entry_update", crisis.pk, amina.pk),
                       {"status": "safe", "version": 1}).status_code == 404


def test_an_officer_of_another_country_finds_nothing(client, cast, somali, crisis):
    client.force_login(somali)
    amina = entry_of(crisis, cast.amina)
    for path in (url("crisis_detail", crisis.pk), url("board", crisis.pk),
                 url("board_json", crisis.pk), url("headcount_geojson", crisis.pk),
                 url("broadcast_create", crisis.pk)):
        assert client.get(path).status_code == 404, path
    assert client.post(url("entry_update", crisis.pk, amina.pk),
                       {"status": "safe", "version": 1}).status_code == 404
    assert client.post(url("crisis_close", crisis.pk),
                       {"note": "x", "version": 1}).status_code == 404
    amina.refresh_from_db()
    assert amina.status == AccountStatus.UNKNOWN


def test_a_warden_accounts_but_neither_broadcasts_nor_closes(client, cast, warden, crisis):
    client.force_login(warden)
    board = client.get(url("board", crisis.pk))
    assert board.status_code == 200
    assert url("broadcast_create", crisis.pk) not in board.content.decode()
    amina = entry_of(crisis, cast.amina)
    assert client.post(url("entry_update", crisis.pk, amina.pk),
                       {"status": "safe", "version": 1}).status_code == 302
    assert client.get(url("broadcast_create", crisis.pk)).status_code == 403
    assert client.post(url("broadcast_create", crisis.pk),
                       {"subject": "S", "body": "B", "email": "on"}).status_code == 403
    assert client.post(url("crisis_close", crisis.pk),
                       {"note": "Done", "version": crisis.version}).status_code == 403
    assert client.post(url("member_add", crisis.pk),
                       {"username": "warden-ke", "role": "warden"}).status_code == 403
    assert client.post(url("headcount_refresh", crisis.pk)).status_code == 403
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.ACTIVE
    assert not Broadcast.objects.exists()
    assert entry_of(crisis, cast.amina).status == "safe"


def test_a_warden_of_a_duty_station_reaches_the_board_of_their_staff(client, cast, user_with,
                                                                     crisis):
    station = user_with(Role.WARDEN, ScopeKind.DUTY_STATION, cast.nairobi)
    client.force_login(station)
    board = client.get(url("board", crisis.pk))
    assert board.status_code == 200
    text = board.content.decode()
    assert "ACHIENG, A" in text
    assert "HASSAN, A" not in text
    # The counts are of their people too, not the whole crisis's.
    theirs = AccountEntry.objects.filter(crisis=crisis, duty_station=cast.nairobi).count()
    assert 0 < theirs < AccountEntry.objects.filter(crisis=crisis).count()
    counts = client.get(url("board_json", crisis.pk)).json()
    assert counts["total"] == theirs
    assert {g["key"] for g in counts["places"]} == {cast.nairobi.code}


# --- API -----------------------------------------------------------------------------------------

def test_the_api_declares_and_lists(api, cast, officer, somali):
    created = api(officer).post("/api/v1/crises/", {
        "title": "Explosion in Westlands", "country": "KE", "zone_kind": "circle",
        **NAIROBI}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"] == f"CR-{body['id']:05d}"
    assert body["country"] == "KE"
    assert body["status"] == "active"
    assert body["activation_delay_hours"] == 0
    assert AccountEntry.objects.filter(crisis_id=body["id"]).count() == 5
    listed = api(officer).get("/api/v1/crises/").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert api(somali).get("/api/v1/crises/").json()["results"] == []
    counts = api(officer).get(f"/api/v1/crises/{body['id']}/headcount/").json()
    assert counts["total"] == 5
    assert counts["accounted"] == 0
    assert api(somali).get(f"/api/v1/crises/{body['id']}/headcount/").status_code == 404


def test_api_declaration_faults(api, cast, officer, somali):
    bad = api(officer).post("/api/v1/crises/", {
        "title": "X", "country": "KE", "zone_kind": "circle", **NAIROBI, "radius_km": 5000},
        format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["radius_km"]
    kind = api(officer).post("/api/v1/crises/", {"title": "X", "zone_kind": "square"},
                             format="json")
    assert kind.status_code == 400
    assert [e["field"] for e in kind.json()["errors"]] == ["zone_kind"]
    assert api(somali).post("/api/v1/crises/", {
        "title": "X", "country": "KE", "zone_kind": "circle", **NAIROBI},
        format="json").status_code == 403
    assert not Crisis.objects.exists()


def test_the_api_sets_a_status_with_the_version(api, cast, officer, warden, traveller, crisis):
    listed = api(warden).get("/api/v1/headcount/", {"crisis": crisis.pk}).json()
    assert {e["name"] for e in listed["results"]} == NAMES
    amina = entry_of(crisis, cast.amina)
    path = f"/api/v1/headcount/{amina.pk}/"
    done = api(warden).patch(path, {"status": "safe", "note": "Seen", "version": 1},
                             format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "safe"
    assert done.json()["version"] == 2
    missing = api(warden).patch(path, {"status": "missing"}, format="json")
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["version"]
    stale = api(officer).patch(path, {"status": "missing", "version": 1}, format="json")
    assert stale.status_code == 409
    assert api(traveller).patch(path, {"status": "safe", "version": 2},
                                format="json").status_code == 404
    amina.refresh_from_db()
    assert (amina.status, amina.note) == ("safe", "Seen")
    assert AuditEvent.objects.filter(action="crisis.headcount.read").exists()


def test_the_api_sends_a_broadcast(api, cast, officer, somali, warden, crisis):
    cast.omar.emails = ["omar@wfp.example"]
    cast.omar.save()
    sent = api(officer).post("/api/v1/broadcasts/", {
        "crisis": crisis.pk, "subject": "Are you safe?", "body": "Answer please.",
        "audience": {"organizations": ["WFP"]}}, format="json")
    assert sent.status_code == 201, sent.json()
    body = sent.json()
    assert body["reference"].startswith("MSG-")
    assert body["deliveries"] == {"pending": 1, "skipped": 1}  # Omar; Fatuma has no address
    assert [b["id"] for b in api(officer).get("/api/v1/broadcasts/").json()["results"]] == [
        body["id"]]
    outside = api(somali).post("/api/v1/broadcasts/", {
        "crisis": crisis.pk, "subject": "S", "body": "B"}, format="json")
    assert outside.status_code == 400
    assert [e["field"] for e in outside.json()["errors"]] == ["crisis"]
    assert api(warden).post("/api/v1/broadcasts/", {
        "crisis": crisis.pk, "subject": "S", "body": "B"}, format="json").status_code == 403
    assert Broadcast.objects.count() == 1


# --- Messages outside a crisis and timeliness ----------------------------------------------------

def test_a_message_outside_a_crisis_from_the_form(client, cast, user_with, officer, warden,
                                                   crisis):
    cast.amina.emails = ["amina@undp.example"]
    cast.amina.save()
    client.force_login(officer)
    assert client.get(url("broadcast_general")).status_code == 200
    response = client.post(url("broadcast_general"), {
        "subject": "Curfew tonight", "body": "From 22:00.", "countries": "ke, ",
        "organizations": "undp", "email": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    broadcast = Broadcast.objects.get()
    assert response["Location"] == url("broadcast_detail", broadcast.pk)
    assert broadcast.crisis is None
    assert broadcast.audience == {"countries": ["KE"], "organizations": ["UNDP"]}
    assert not broadcast.with_checkin
    assert [d.person for d in broadcast.deliveries.all()] == [cast.amina]
    detail = client.get(response["Location"]).content.decode()
    assert "Curfew tonight" in detail
    assert "KE" in detail
    listed = client.get(url("broadcast_list")).content.decode()
    assert "Curfew tonight" in listed
    # Outside a crisis, a message is its sender's (and global readers').
    colleague = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(colleague)
    assert client.get(url("broadcast_detail", broadcast.pk)).status_code == 404
    assert "Curfew tonight" not in client.get(url("broadcast_list")).content.decode()
    client.force_login(user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL))
    assert client.get(url("broadcast_detail", broadcast.pk)).status_code == 200
    client.force_login(warden)
    assert client.get(url("broadcast_general")).status_code == 403
    assert client.get(url("broadcast_list")).status_code == 200


def test_message_form_faults_outside_a_crisis(client, cast, officer):
    client.force_login(officer)
    nobody = client.post(url("broadcast_general"), {"subject": "S", "body": "B",
                                                    "email": "on"})
    assert nobody.status_code == 200
    assert "name the countries or duty stations" in nobody.content.decode()
    outside = client.post(url("broadcast_general"), {"subject": "S", "body": "B",
                                                     "countries": "SO", "email": "on"})
    assert outside.status_code == 403
    assert not Broadcast.objects.exists()


def test_the_api_sends_outside_a_crisis(api, cast, officer):
    sent = api(officer).post("/api/v1/broadcasts/", {
        "subject": "Curfew", "body": "From 22:00", "audience": {"duty_stations": ["KE-MBA"]}},
        format="json")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["crisis"] is None
    assert sent.json()["deliveries"] == {"skipped": 1}  # Omar, without an address
    refused = api(officer).post("/api/v1/broadcasts/", {"subject": "S", "body": "B"},
                                format="json")
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["audience"]


def test_timely_activation_is_counted_in_scope(client, api, cast, officer, somali):
    now = timezone.now()
    base = {"title": "T", "country": cast.kenya, "zone_kind": "circle", **NAIROBI}
    for hours in (1, 2, 10):
        services.crisis_declare(actor=officer, now=now, data={
            **base, "incident_at": now - dt.timedelta(hours=hours)})
    body = api(officer).get("/api/v1/crises/timeliness/").json()
    assert body == {"crises": 3, "timely": 2, "hours": 6, "pct": 66.7, "median_hours": 2.0}
    assert api(somali).get("/api/v1/crises/timeliness/").json()["crises"] == 0
    client.force_login(officer)
    page = client.get(url("crisis_list")).content.decode()
    assert "2 of 3 crises (66.7 %) were activated within 6 hours" in page


def test_someone_added_later_who_said_where_they_are_is_on_the_map(client, cast, officer,
                                                                   crisis):
    juma = Person.objects.create(index_number="10000009", family_name="Mwangi",
                                 given_name="Juma", organization=cast.undp, category="national",
                                 duty_station=cast.mombasa)
    entry = services.entry_add(actor=officer, crisis=crisis, person=juma, status="safe")
    AccountEntry.objects.filter(pk=entry.pk).update(reported_latitude=-1.25,
                                                    reported_longitude=36.85)
    client.force_login(officer)
    data = client.get(url("headcount_geojson", crisis.pk)).json()
    points = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in data["features"]}
    assert points["MWANGI, Juma"] == [36.85, -1.25]


def test_the_triggering_incident_is_linked_only_for_a_reader_who_may_open_it(
        client, cast, officer, warden, crisis):
    from vigil.incidents.models import Incident, IncidentCategory
    from vigil.incidents.taxonomy import ensure_default

    ensure_default(IncidentCategory)
    incident = Incident.objects.create(
        category=IncidentCategory.objects.get(code="terrorism"), title="Blast",
        occurred_at=timezone.now(), country=cast.kenya)
    crisis.incident = incident
    crisis.save(update_fields=["incident"])
    link = reverse("incidents:incident_detail", args=[incident.pk])
    client.force_login(officer)
    text = client.get(url("crisis_detail", crisis.pk)).content.decode()
    assert link in text
    client.force_login(warden)
    page = client.get(url("crisis_detail", crisis.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert link not in text
    assert incident.reference in text


def test_send_through_is_offered_only_when_there_is_somewhere_to_send():
    """The broadcast forms' "Send through" lists the active webhook endpoints; with none
    active it is left out (no empty group of check boxes), and a valid form sends through
    none."""
    from vigil.crisis.forms import BroadcastForm, GeneralBroadcastForm
    from vigil.crisis.models import WebhookEndpoint

    data = {"subject": "Stay home", "body": "Stay home tonight.", "email": "on"}
    for form_class in (BroadcastForm, GeneralBroadcastForm):
        form = form_class(data=data)
        assert "webhooks" not in form.fields
        assert form.is_valid(), form.errors
        assert form.cleaned_data.get("webhooks") is None
    WebhookEndpoint.objects.create(name="Inactive", url="https://off.example/hook", secret="k",
                                   active=False)
    assert "webhooks" not in BroadcastForm().fields
    hook = WebhookEndpoint.objects.create(name="SMS gateway", url="https://sms.example/hook",
                                          secret="k")
    for form_class in (BroadcastForm, GeneralBroadcastForm):
        form = form_class(data={**data, "webhooks": [hook.pk]})
        assert list(form.fields["webhooks"].queryset) == [hook]
        assert form.is_valid(), form.errors
        assert list(form.cleaned_data["webhooks"]) == [hook]
