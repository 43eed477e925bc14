"""The travel API: requests in local time, the queue and decisions, advisories, contacts,
operators, whereabouts and coverage; refused where the caller has no right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.travel.models import TravelRequest

pytestmark = pytest.mark.django_db


def local(days: int, hour: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).strftime(f"%Y-%m-%dT{hour:02d}:00:00")


def payload(airline, destination="SO-MGQ", **extra):
    body = {"purpose": "Assessment", "kind": "official", "submit": True, "segments": [
        {"origin_station": "KE-NBO", "destination_station": destination,
         "departs_local": local(30, 22), "arrives_local": local(31, 1), "mode": "air",
         "operator": airline.pk, "flight_number": "KQ 310"},
        {"origin_station": destination, "destination_station": "KE-NBO",
         "departs_local": local(34, 8), "arrives_local": local(34, 10), "mode": "air",
         "operator": airline.pk}]}
    body.update(extra)
    return body


def test_a_request_in_local_time_crossing_midnight(api, cast, traveller, airline, levels,
                                                   somalia_officer):
    response = api(traveller).post("/api/v1/travel-requests/", payload(airline), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    first = body["segments"][0]
    assert first["departs_local"].endswith("22:00:00+03:00")
    assert first["arrives_local"].endswith("01:00:00+03:00")
    assert first["departs_at"].replace("Z", "+00:00").endswith("19:00:00+00:00")
    reason = body["clearances"][0]["reasons"][0]
    assert (body["clearances"][0]["decided_by"], body["clearances"][0]["decided_as"]) == \
        (None, "")  # waiting: nobody has decided
    assert reason["code"] == "level_manual"
    assert reason["outcome"] == "approval"
    assert "level 5" in reason["message"]
    # In Chinese, the same stable code with a message in Chinese.
    chinese = api(traveller).get(f"/api/v1/travel-requests/{body['id']}/",
                                 HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["clearances"][0]["reasons"][0]["code"] == "level_manual"
    # The queue of the officer of the destination, and the decision.
    queue = api(somalia_officer).get("/api/v1/clearances/").json()
    assert [c["request"] for c in queue["results"]] == [body["id"]]
    decided = api(somalia_officer).post(f"/api/v1/clearances/{queue['results'][0]['id']}/decide/",
                                        {"decision": "approve", "comment": "ok"}, format="json")
    assert decided.status_code == 200
    assert TravelRequest.objects.get().status == "cleared"


def test_offsets_and_bad_rows_are_refused_by_name(api, traveller, airline, levels):
    body = payload(airline)
    body["segments"][0]["departs_local"] = local(30, 22) + "+02:00"
    response = api(traveller).post("/api/v1/travel-requests/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("segments[0].departs_local")
    body = payload(airline)
    body["segments"][1]["destination_station"] = "XX-NONE"
    response = api(traveller).post("/api/v1/travel-requests/", body, format="json")
    assert response.status_code == 400
    assert "segments[1].destination_station" in {e["field"] for e in response.json()["errors"]}
    assert not TravelRequest.objects.exists()


def test_amend_and_cancel_through_the_api(api, traveller, airline, levels):
    created = api(traveller).post("/api/v1/travel-requests/",
                                  payload(airline, destination="KE-MBA"), format="json").json()
    assert created["status"] == "cleared"
    client = api(traveller)
    missing_version = client.patch(f"/api/v1/travel-requests/{created['id']}/",
                                   {"purpose": "x"}, format="json")
    assert missing_version.status_code == 400
    amended = client.patch(f"/api/v1/travel-requests/{created['id']}/",
                           {"purpose": "Longer", "version": created["version"],
                            "segments": payload(airline)["segments"]}, format="json")
    assert amended.status_code == 200
    assert amended.json()["status"] == "pending"
    stale = client.post(f"/api/v1/travel-requests/{created['id']}/cancel/",
                        {"version": created["version"], "reason": "x"}, format="json")
    assert stale.status_code == 409
    done = client.post(f"/api/v1/travel-requests/{created['id']}/cancel/",
                       {"version": amended.json()["version"], "reason": "Postponed"},
                       format="json")
    assert done.json()["status"] == "cancelled"


def test_other_people_cannot_read_or_file(api, cast, traveller, airline, levels, user_with):
    created = api(traveller).post("/api/v1/travel-requests/",
                                  payload(airline, destination="KE-MBA"), format="json").json()
    stranger = user_with(Role.TRAVELLER, person=cast.omar)
    assert api(stranger).get(f"/api/v1/travel-requests/{created['id']}/").status_code == 404
    response = api(stranger).post("/api/v1/travel-requests/",
                                  payload(airline, traveller=cast.amina.pk), format="json")
    # Answered as for an id that does not exist, so that staff ids cannot be probed.
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["traveller"]
    assert api().get("/api/v1/travel-requests/").status_code in (401, 403)


def test_whereabouts_api(api, cast, traveller, airline, levels, kenya_officer, somalia_officer,
                         user_with):
    api(traveller).post("/api/v1/travel-requests/", payload(airline, destination="KE-MBA"),
                        format="json")
    travel = TravelRequest.objects.get()
    during = travel.segments.first().arrives_at + dt.timedelta(hours=2)
    near = api(kenya_officer).get("/api/v1/whereabouts/near/", {
        "lat": cast.mombasa.latitude, "lon": cast.mombasa.longitude, "radius_km": 25,
        "at": during.isoformat()})
    assert near.status_code == 200
    rows = near.json()["results"]
    assert any(r["person"] == cast.amina.pk and r["basis"] == "stay" for r in rows)
    # Somalia's officer sees nobody of Kenya.
    other = api(somalia_officer).get("/api/v1/whereabouts/near/", {
        "lat": cast.mombasa.latitude, "lon": cast.mombasa.longitude,
        "at": during.isoformat()}).json()
    assert other["count"] == 0
    assert api(traveller).get("/api/v1/whereabouts/near/", {"lat": 0, "lon": 0}).status_code \
        == 403
    bad = api(kenya_officer).get("/api/v1/whereabouts/near/", {"lat": 91, "lon": 0})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "lat"
    inside = api(kenya_officer).get("/api/v1/whereabouts/in/", {
        "area": levels["mba"].pk, "at": during.isoformat()}).json()
    assert cast.amina.pk in {r["person"] for r in inside["results"]}
    assert api(kenya_officer).get("/api/v1/whereabouts/in/", {
        "area": levels["mgq"].pk}).status_code == 404  # as for an area that does not exist
    assert api(somalia_officer).get("/api/v1/whereabouts/where/", {
        "person": cast.amina.pk}).status_code == 404
    where = api(kenya_officer).get("/api/v1/whereabouts/where/", {
        "person": cast.amina.pk, "at": during.isoformat()}).json()
    assert where["basis"] == "stay"
    assert AuditEvent.objects.filter(action="travel.whereabouts.read").count() == 4
    coverage = api(kenya_officer).get("/api/v1/whereabouts/coverage/").json()
    assert coverage["total"] >= 3
    assert api(traveller).get("/api/v1/whereabouts/coverage/").status_code == 403
    manager = user_with(Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL)
    assert api(manager).get("/api/v1/whereabouts/coverage/").status_code == 200


def test_advisories_contacts_and_operators(api, cast, traveller, kenya_officer, airline,
                                           user_with):
    body = {"country": "KE", "level": 2, "title": "Demonstrations", "text": "Avoid crowds.",
            "issued_on": timezone.localdate().isoformat()}
    assert api(traveller).post("/api/v1/advisories/", body, format="json").status_code == 403
    created = api(kenya_officer).post("/api/v1/advisories/", body, format="json")
    assert created.status_code == 201
    assert api(kenya_officer).post("/api/v1/advisories/", {**body, "country": "SO"},
                                   format="json").status_code == 403
    assert api(traveller).get("/api/v1/advisories/").json()["count"] == 1
    bad = api(kenya_officer).post("/api/v1/advisories/", {**body, "level": 5}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "level"
    contact = api(kenya_officer).post("/api/v1/security-contacts/", {
        "country": "KE", "function": "Radio room", "name": "Nairobi radio room",
        "phones": ["+254 20 7621111"]}, format="json")
    assert contact.status_code == 201
    # The registry is read here; suitability is assessed under /api/v1/aviation/.
    assert api(traveller).get(f"/api/v1/air-operators/{airline.pk}/").status_code == 200
    assert api(user_with(Role.AVIATION_OFFICER)).post(
        f"/api/v1/air-operators/{airline.pk}/assess/",
        {"suitability": "unsuitable", "note": "Audit", "version": airline.version},
        format="json").status_code == 404


def test_an_advisory_is_changed_against_the_version_read(api, kenya_officer):
    # As every record written through the API: PATCH needs the version; POST ignores one.
    body = {"country": "KE", "level": 2, "title": "Demonstrations", "text": "Avoid crowds.",
            "issued_on": timezone.localdate().isoformat(), "version": 7}
    created = api(kenya_officer).post("/api/v1/advisories/", body, format="json").json()
    assert created["version"] == 1
    url = f"/api/v1/advisories/{created['id']}/"
    unversioned = api(kenya_officer).patch(url, {"level": 3}, format="json")
    assert unversioned.status_code == 400
    assert unversioned.json()["errors"][0]["field"] == "version"
    assert api(kenya_officer).patch(url, {"level": 3, "version": 1},
                                    format="json").json()["level"] == 3
    assert api(kenya_officer).patch(url, {"level": 4, "version": 1},
                                    format="json").status_code == 409


def test_an_unsuitable_operator_makes_the_stop_manual(api, traveller, airline, levels):
    airline.suitability = "unsuitable"
    airline.save()
    created = api(traveller).post("/api/v1/travel-requests/",
                                  payload(airline, destination="KE-MBA"), format="json").json()
    assert created["status"] == "pending"
    assert {r["code"] for r in created["clearances"][0]["reasons"]} == {"operator_unsuitable"}


def test_whereabouts_without_personal_data_rights_show_the_duty_station(
        api, cast, user_with, kenya_officer):
    official = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    nairobi = {"lat": cast.nairobi.latitude, "lon": cast.nairobi.longitude, "radius_km": 50}
    officer_rows = api(kenya_officer).get("/api/v1/whereabouts/near/", nairobi).json()
    official_rows = api(official).get("/api/v1/whereabouts/near/", nairobi).json()
    amina = next(r for r in officer_rows["results"] if r["person"] == cast.amina.pk
             and r["dependant"] is None)
    assert amina["points"] == [[-1.2, 36.8]]  # the residence, for the security officer
    seen = [r for r in official_rows["results"] if r["person"] == cast.amina.pk]
    own = next(r for r in seen if r["dependant"] is None)
    assert own["points"] == [[cast.nairobi.latitude, cast.nairobi.longitude]]
    child = next(r for r in seen if r["dependant"] is not None)
    assert child["dependant_name"] == "A dependant of ACHIENG, A"


def test_who_is_in_a_drawn_polygon(api, cast, kenya_officer, traveller):
    import json

    square = {"type": "Polygon", "coordinates": [[[36.7, -1.3], [36.9, -1.3], [36.9, -1.1],
                                                  [36.7, -1.1], [36.7, -1.3]]]}
    found = api(kenya_officer).get("/api/v1/whereabouts/in/",
                                   {"polygon": json.dumps(square)}).json()
    assert cast.amina.pk in {r["person"] for r in found["results"]}  # residence -1.2, 36.8
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    bad = api(kenya_officer).get("/api/v1/whereabouts/in/", {"polygon": json.dumps(bow_tie)})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "polygon"
    assert api(kenya_officer).get("/api/v1/whereabouts/in/",
                                  {"polygon": "{not json"}).status_code == 400
    assert api(traveller).get("/api/v1/whereabouts/in/",
                              {"polygon": json.dumps(square)}).status_code == 403
