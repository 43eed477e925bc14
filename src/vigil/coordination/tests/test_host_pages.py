"""Pages and API of host-country cooperation per role and scope: the officer in scope uses
them, out of scope answers 404 as for a missing record, roles without the right are refused;
the analysis says "no data" where there is no incident; the list keeps its query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import IntegerField, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vigil.coordination import host_selectors as selectors
from vigil.coordination import host_services as services
from vigil.coordination.models import EngagementRating, IncidentHandling
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.places.models import Country

from .test_host_services import ago, make_incident


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


@pytest.fixture
def world(cast, officer):
    incident = make_incident(cast, cast.kenya, cast.nairobi, cast.amina)
    agreement = services.agreement_create(actor=officer, data={
        "country": cast.kenya, "kind": "host_country", "title": "Host country agreement",
        "in_force_from": ago(900)})
    support = services.support_create(actor=officer, data={
        "country": cast.kenya, "duty_station": cast.nairobi, "kind": "police_escort",
        "provider": "National Police", "starts_on": ago(100), "reliable": False})
    meeting = services.meeting_record(actor=officer, data={
        "country": cast.kenya, "held_on": ago(5), "host_authority": "Ministry of Interior",
        "topics": "Escorts", "follow_up": "Roster", "follow_up_due": ago(-3)})
    for start, end, score in ((dt.date(2024, 10, 1), dt.date(2024, 12, 31), 2),
                              (dt.date(2025, 1, 1), dt.date(2025, 3, 31), 4)):
        rating = services.rating_record(actor=officer, data={
            "country": cast.kenya, "period_start": start, "period_end": end, "score": score,
            "justification": "Reasons."})
    return {"incident": incident, "agreement": agreement, "support": support,
            "meeting": meeting, "rating": rating}


def _client(client, user):
    client.force_login(user)
    return client


def test_officer_uses_the_pages(client, cast, officer, world):
    c = _client(client, officer)
    listing = c.get(reverse("coordination:host_country_list"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Kenya" in body
    assert "improving" in body
    assert "Somalia" not in body
    page = c.get(reverse("coordination:host_country_detail", args=[cast.kenya.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text
    assert "Not delivered as agreed" in text
    assert "Record handling" in text
    assert world["incident"].reference in text
    for name, args in (("host_agreement_create", []), ("host_support_create", []),
                       ("host_meeting_create", []), ("host_rating_create", []),
                       ("host_agreement_edit", [world["agreement"].pk]),
                       ("host_support_edit", [world["support"].pk]),
                       ("host_meeting_edit", [world["meeting"].pk]),
                       ("host_rating_edit", [world["rating"].pk]),
                       ("host_handling_edit", [world["incident"].pk])):
        assert c.get(reverse(f"coordination:{name}", args=args)).status_code == 200, name
    for fmt in ("csv", "xlsx"):
        assert c.get(reverse("coordination:host_country_list") + f"?format={fmt}"
                     ).status_code == 200


def test_recording_handling_through_the_form(client, cast, officer, world):
    c = _client(client, officer)
    url = reverse("coordination:host_handling_edit", args=[world["incident"].pk])
    refused = c.post(url, {"investigation": "declined", "arrests": "0",
                           "prosecution": "charged"})
    assert refused.status_code == 200
    assert "needs an investigation" in refused.content.decode()
    assert not IncidentHandling.objects.exists()
    saved = c.post(url, {"investigation": "open", "arrests": "2", "prosecution": "none",
                         "authority": "DCI"})
    assert saved.status_code == 302
    assert IncidentHandling.objects.get().arrests == 2
    handling = IncidentHandling.objects.get()
    updated = c.post(url, {"investigation": "closed_solved", "arrests": "2",
                           "prosecution": "convicted", "version": handling.version})
    assert updated.status_code == 302
    assert IncidentHandling.objects.get().prosecution == "convicted"


def test_rating_form_shows_the_overlap_beside_the_field(client, cast, officer, world):
    c = _client(client, officer)
    response = c.post(reverse("coordination:host_rating_create"), {
        "country": cast.kenya.pk, "period_start": "2025-03-01", "period_end": "2025-05-31",
        "score": "3", "justification": "Why."})
    assert response.status_code == 200
    assert "2025-01-01/2025-03-31" in response.content.decode()
    assert EngagementRating.objects.count() == 2


def test_ending_support_from_the_country_page(client, cast, officer, world):
    c = _client(client, officer)
    support = world["support"]
    response = c.post(reverse("coordination:host_support_end", args=[support.pk]),
                      {"version": support.version})
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.ends_on == timezone.localdate()


def test_out_of_scope_is_not_found(client, api, cast, user_with, world):
    elsewhere = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    c = _client(client, elsewhere)
    assert c.get(reverse("coordination:host_country_detail", args=[cast.kenya.pk])
                 ).status_code == 404
    for name, key in (("host_agreement_edit", "agreement"), ("host_support_edit", "support"),
                      ("host_meeting_edit", "meeting"), ("host_rating_edit", "rating")):
        assert c.get(reverse(f"coordination:{name}", args=[world[key].pk])).status_code == 404
    assert c.get(reverse("coordination:host_handling_edit", args=[world["incident"].pk])
                 ).status_code == 404
    client_api = api(elsewhere)
    for path, key in (("host-agreements", "agreement"), ("host-support", "support"),
                      ("liaison-meetings", "meeting"), ("engagement-ratings", "rating")):
        assert client_api.get(f"/api/v1/coordination/{path}/{world[key].pk}/"
                              ).status_code == 404
    assert client_api.get(f"/api/v1/coordination/host-countries/{cast.kenya.pk}/"
                          ).status_code == 404


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.HQ_SECURITY_OFFICER,
                                  Role.TRAINING_OFFICER, Role.WARDEN])
def test_roles_without_coordination_are_refused(client, api, user_with, role):
    user = user_with(role)
    assert _client(client, user).get(reverse("coordination:host_country_list")
                                     ).status_code == 403
    assert api(user).get("/api/v1/coordination/host-countries/").json()["count"] == 0


def test_readers_read_but_do_not_write(client, api, cast, user_with, world):
    reader = user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.kenya)
    c = _client(client, reader)
    page = c.get(reverse("coordination:host_country_detail", args=[cast.kenya.pk]))
    assert page.status_code == 200
    assert "Record handling" not in page.content.decode()
    assert c.get(reverse("coordination:host_rating_create")).status_code == 403
    assert c.get(reverse("coordination:host_rating_edit", args=[world["rating"].pk])
                 ).status_code == 403
    created = api(reader).post("/api/v1/coordination/engagement-ratings/", {
        "country": cast.kenya.pk, "period_start": "2025-04-01", "period_end": "2025-06-30",
        "score": 3, "justification": "x"}, format="json")
    assert created.status_code == 400
    assert created.json()["errors"][0]["field"] == "country"


def test_no_incident_is_no_data(client, cast, officer):
    summary = selectors.country_analysis(user=officer, country=cast.kenya)
    assert not summary.has_data
    assert summary.investigated.percent is None
    c = _client(client, officer)
    page = c.get(reverse("coordination:host_country_detail", args=[cast.kenya.pk]))
    assert "No data: no incident against UN personnel." in page.content.decode()


def test_api_for_the_officer(api, cast, officer, world):
    client = api(officer)
    countries = client.get("/api/v1/coordination/host-countries/").json()["results"]
    kenya = next(c for c in countries if c["iso2"] == "KE")
    assert (kenya["latest_score"], kenya["trend"], kenya["incidents_12m"],
            kenya["unhandled_12m"], kenya["support_not_delivered"]) == (4, "improving", 1, 1, 1)
    created = client.post("/api/v1/coordination/incident-handling/", {
        "incident": world["incident"].pk, "investigation": "closed_solved", "arrests": 1,
        "prosecution": "convicted", "reported_on": ago(29).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    detail = client.get(f"/api/v1/coordination/host-countries/{cast.kenya.pk}/").json()
    assert detail["last_12_months"]["convicted"] == {"count": 1, "of": 1, "percent": 100.0}
    assert detail["slope"] == 2.0
    handling = created.json()
    patched = client.patch(f"/api/v1/coordination/incident-handling/{handling['id']}/",
                           {"arrests": -1, "version": handling["version"]}, format="json")
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["field"] == "arrests"
    stale = client.patch(f"/api/v1/coordination/incident-handling/{handling['id']}/",
                         {"arrests": 3, "version": 99}, format="json")
    assert stale.status_code == 409
    again = client.post("/api/v1/coordination/incident-handling/", {
        "incident": world["incident"].pk, "investigation": "reported"}, format="json")
    assert again.status_code == 400
    plain = make_incident(cast, cast.kenya, cast.nairobi)
    unknown = client.post("/api/v1/coordination/incident-handling/", {
        "incident": plain.pk, "investigation": "reported"}, format="json")
    assert unknown.json()["errors"][0]["field"] == "incident"
    ended = client.post(f"/api/v1/coordination/host-agreements/{world['agreement'].pk}/end/",
                        {"version": world["agreement"].version}, format="json")
    assert ended.json()["in_force"] is True  # in force through its last day, today
    meeting = client.post("/api/v1/coordination/liaison-meetings/", {
        "country": cast.kenya.pk, "held_on": ago(1).isoformat(), "host_authority": "Police",
        "topics": "Roster"}, format="json")
    assert meeting.status_code == 201
    assert AuditEvent.objects.filter(action="coordination.liaison_meeting.create").count() == 2
    support = client.get("/api/v1/coordination/host-support/").json()["results"]
    assert support[0]["reliable"] is False


def test_the_home_panel_lists_the_queues(client, cast, officer, world):
    page = _client(client, officer).get("/").content.decode()
    assert "Incidents against UN personnel without a recorded handling" in page
    assert "Liaison follow-ups due" in page
    assert "Engagement rating due this quarter" in page or \
        selectors.ratings_due(user=officer) == []


def test_trend_in_the_database_agrees_with_the_rule(cast, officer):
    from vigil.coordination import host_rules as rules

    for latest in (None, 1, 3, 5):
        for previous in (None, 1, 3, 5):
            row = Country.objects.filter(pk=cast.kenya.pk).annotate(
                a=Value(latest, output_field=IntegerField()),
                b=Value(previous, output_field=IntegerField())).annotate(
                t=selectors.trend_case("a", "b")).values_list("t", flat=True).first()
            scores = [s for s in (previous, latest) if s is not None] \
                if latest is not None else []
            assert row == rules.trend(scores).value, (latest, previous)


def test_the_list_does_not_grow_with_data(client, cast, officer, world):
    c = _client(client, officer)
    url = reverse("coordination:host_country_list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        return len(queries)

    first = count()
    for i in range(3):
        make_incident(cast, cast.kenya, cast.mombasa, cast.omar, days=10 + i)
        services.meeting_record(actor=officer, data={
            "country": cast.kenya, "held_on": ago(20 + i), "host_authority": f"Authority {i}",
            "topics": "More"})
    assert count() == first
