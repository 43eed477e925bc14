"""Travel pages as each role uses them: the traveller files a trip on the form, the officer of
the destination decides it from the queue, others are refused; directory, advisories,
controls, operators, whereabouts and coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.travel import selectors, services
from vigil.travel.models import Advisory, AreaControl, SecurityContact, TravelRequest

pytestmark = pytest.mark.django_db


def local(days: int, hour: int = 8) -> str:
    moment = timezone.now() + dt.timedelta(days=days)
    return moment.strftime(f"%Y-%m-%dT{hour:02d}:00")


def form_data(cast, airline, destination_code: str, **extra):
    data = {
        "traveller": cast.amina.pk, "purpose": "Field visit", "kind": "official",
        "contacts": "Hotel Sahafi; +252 1 234567; front@sahafi.example",
        "seg-TOTAL_FORMS": "2", "seg-INITIAL_FORMS": "0", "seg-MIN_NUM_FORMS": "1",
        "seg-MAX_NUM_FORMS": "20",
        "seg-0-origin_station": "KE-NBO · Nairobi", "seg-0-departs_local": local(30),
        "seg-0-destination_station": destination_code, "seg-0-arrives_local": local(30, 11),
        "seg-0-mode": "air", "seg-0-operator": f"{airline.iata} · {airline.name}",
        "seg-0-flight_number": "KQ 310", "seg-0-lodging_name": "MIA compound",
        "seg-1-origin_station": destination_code, "seg-1-departs_local": local(33),
        "seg-1-destination_station": "KE-NBO", "seg-1-arrives_local": local(33, 11),
        "seg-1-mode": "air", "seg-1-operator": airline.iata, "seg-1-flight_number": "KQ 311",
    }
    data.update(extra)
    return data


def test_the_traveller_files_a_trip_on_the_form_and_the_right_officer_decides(
        client, cast, traveller, airline, levels, kenya_officer, somalia_officer):
    client.force_login(traveller)
    page = client.get(reverse("travel:request_create"))
    assert page.status_code == 200
    assert "KE-NBO · Nairobi" in page.content.decode()
    response = client.post(reverse("travel:request_create"),
                           form_data(cast, airline, "SO-MGQ", submit="1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    travel = TravelRequest.objects.get()
    assert travel.status == TravelRequest.Status.PENDING
    assert travel.contacts == [{"name": "Hotel Sahafi", "phone": "+252 1 234567",
                                "email": "front@sahafi.example"}]
    detail = client.get(reverse("travel:request_detail", args=[travel.pk])).content.decode()
    # Times are shown as entered: wall-clock time of each place, with its zone.
    assert f"{local(30)[:10]} 08:00" in detail
    assert "Africa/Mogadishu" in detail
    assert "level_manual" in detail
    assert "Waiting for" in detail
    # The Kenya officer sees the trip of a Nairobi traveller, but it is not in their queue
    # and they may not decide a stop in Somalia.
    client.force_login(kenya_officer)
    assert "Field visit" not in client.get(reverse("travel:approval_queue")).content.decode()
    clearance = travel.clearances.get()
    assert client.post(reverse("travel:clearance_decide", args=[clearance.pk]),
                       {"decision": "approve"}).status_code == 403
    client.force_login(somalia_officer)
    queue = client.get(reverse("travel:approval_queue")).content.decode()
    assert travel.reference in queue
    assert "level 5" in queue
    refused = client.post(reverse("travel:clearance_decide", args=[clearance.pk]),
                          {"decision": "refuse", "comment": ""})
    assert refused.status_code == 400
    approved = client.post(reverse("travel:clearance_decide", args=[clearance.pk]),
                           {"decision": "approve", "comment": "Use the MIA convoy."})
    assert approved.status_code == 302
    travel.refresh_from_db()
    assert travel.status == TravelRequest.Status.CLEARED


def test_form_faults_sit_beside_the_segment_field(client, cast, traveller, airline, levels):
    client.force_login(traveller)
    data = form_data(cast, airline, "SO-MGQ", **{"seg-1-arrives_local": local(32)})
    data["seg-0-destination_station"] = "XX-NOPE"
    response = client.post(reverse("travel:request_create"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "No duty station has the code" in text
    assert not TravelRequest.objects.exists()
    data = form_data(cast, airline, "SO-MGQ", **{"seg-1-arrives_local": local(32)})
    response = client.post(reverse("travel:request_create"), data)
    assert response.status_code == 400
    assert "is before the departure" in response.content.decode()


def test_a_draft_is_saved_then_submitted_and_cancelled(client, cast, traveller, airline,
                                                       levels):
    client.force_login(traveller)
    response = client.post(reverse("travel:request_create"),
                           form_data(cast, airline, "KE-MBA", draft="1"))
    assert response.status_code == 302
    travel = TravelRequest.objects.get()
    assert travel.status == "draft"
    client.post(reverse("travel:request_submit", args=[travel.pk]),
                {"version": travel.version})
    travel.refresh_from_db()
    assert travel.status == "cleared"
    assert client.post(reverse("travel:request_cancel", args=[travel.pk]),
                       {"version": travel.version, "reason": ""}).status_code == 400
    client.post(reverse("travel:request_cancel", args=[travel.pk]),
                {"version": travel.version, "reason": "Postponed"})
    travel.refresh_from_db()
    assert travel.status == "cancelled"
    assert "Postponed" in client.get(reverse("travel:request_detail",
                                             args=[travel.pk])).content.decode()


def test_another_traveller_cannot_see_or_change_the_trip(client, cast, traveller, trip, levels,
                                                         user_with):
    travel = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Private"},
                                      segments=trip.there_and_back(cast.mombasa))
    other = user_with(Role.TRAVELLER, person=cast.omar)
    client.force_login(other)
    assert client.get(reverse("travel:request_detail", args=[travel.pk])).status_code == 404
    assert client.get(reverse("travel:request_edit", args=[travel.pk])).status_code == 404
    assert client.post(reverse("travel:request_cancel", args=[travel.pk]),
                       {"version": 1, "reason": "x"}).status_code == 404


def test_advisories_and_directory(client, cast, traveller, kenya_officer, user_with):
    Advisory.objects.create(country=cast.somalia, level=4, title="Somalia - Level 4",
                            text="Do not travel.", issued_on=timezone.localdate(),
                            source=Advisory.Source.US_STATE)
    client.force_login(traveller)
    listing = client.get(reverse("travel:advisory_list")).content.decode()
    assert "Somalia - Level 4" in listing
    assert client.get(reverse("travel:advisory_create")).status_code == 403
    box = client.get(reverse("travel:advisories_for"), {"station": "SO-MGQ"}).content.decode()
    assert "Somalia - Level 4" in box
    assert client.get(reverse("travel:directory_country", args=["SO"])).status_code == 200
    assert client.get(reverse("travel:contact_create")).status_code == 403
    client.force_login(kenya_officer)
    response = client.post(reverse("travel:contact_create"), {
        "country": cast.kenya.pk, "function": "Security adviser", "name": "Daniel Mwangi",
        "phones": "+254 20 7621234", "email": "sa@un.example", "position": 1})
    assert response.status_code == 302
    assert SecurityContact.objects.get().phones == ["+254 20 7621234"]
    # Not in the officer's scope: Somalia.
    response = client.post(reverse("travel:contact_create"), {
        "country": cast.somalia.pk, "function": "Security adviser", "name": "X",
        "phones": "", "position": 1})
    assert response.status_code == 403
    assert "Daniel Mwangi" in client.get(reverse("travel:directory_country",
                                                 args=["KE"])).content.decode()


def test_the_designated_official_sets_area_controls(client, cast, levels, user_with,
                                                    kenya_officer):
    official = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(official)
    url = reverse("travel:area_control_edit", args=[levels["mba"].pk])
    board = client.get(reverse("travel:area_controls")).content.decode()
    assert "Coast" in board
    assert url in board  # the official may set Kenya's areas
    assert reverse("travel:area_control_edit", args=[levels["mgq"].pk]) not in board
    response = client.post(url, {"manual_clearance": "on", "max_visitors": "3",
                                 "movement_limits": "No road travel after dark."})
    assert response.status_code == 302
    control = AreaControl.objects.get()
    assert control.manual_clearance
    assert control.max_visitors == 3
    assert control.set_by == official
    assert client.get(reverse("travel:area_control_edit",
                              args=[levels["mgq"].pk])).status_code == 404
    client.force_login(kenya_officer)
    assert client.get(url).status_code == 404


def test_whereabouts_page_is_for_officers_in_scope_and_audited(client, cast, traveller, trip,
                                                               levels, kenya_officer,
                                                               somalia_officer):
    services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                            segments=trip.there_and_back(cast.mombasa, days_ahead=10),
                            submit=True)
    client.force_login(traveller)
    assert client.get(reverse("travel:whereabouts")).status_code == 403
    client.force_login(kenya_officer)
    page = client.get(reverse("travel:whereabouts"), {"area": levels["nbi"].pk})
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="travel.whereabouts.read",
                                     sensitive_read=True).exists()
    points = client.get(reverse("travel:whereabouts_geojson"),
                        {"area": levels["nbi"].pk}).json()
    assert points["type"] == "FeatureCollection"
    # An area outside the officer's scope is not offered.
    assert client.get(reverse("travel:whereabouts"),
                      {"area": levels["mgq"].pk}).status_code == 200
    assert "Select a valid choice" in client.get(
        reverse("travel:whereabouts"), {"area": levels["mgq"].pk}).content.decode()


def test_coverage_page(client, cast, user_with, kenya_officer):
    cast.amina.residence_confirmed_on = timezone.localdate()
    cast.amina.save()
    client.force_login(kenya_officer)
    page = client.get(reverse("travel:coverage")).content.decode()
    assert "Nairobi" in page
    assert "SP2.2.c.i" in page
    manager = user_with(Role.PROGRAMME_MANAGER)
    client.force_login(manager)
    page = client.get(reverse("travel:coverage")).content.decode()
    assert "Not covered" not in page  # aggregates only
    client.force_login(user_with(Role.TRAVELLER, person=cast.omar))
    assert client.get(reverse("travel:coverage")).status_code == 403


def test_operator_assessment_hands_over_to_aviation(client, airline, user_with, traveller):
    """Travel's operator page no longer sets suitability: the aviation officer is sent to the
    operator's page in aviation, where assessments are recorded with their basis."""
    client.force_login(traveller)
    assert client.get(reverse("travel:operator_edit", args=[airline.pk])).status_code == 403
    client.force_login(user_with(Role.AVIATION_OFFICER))
    response = client.post(reverse("travel:operator_edit", args=[airline.pk]),
                           {"suitability": "unsuitable", "version": airline.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("aviation:operator_detail", args=[airline.pk])
    airline.refresh_from_db()
    assert airline.suitability != "unsuitable"


def test_delegation_page(client, cast, traveller, user_with):
    assistant = user_with(None, username="assistant")
    client.force_login(traveller)
    client.post(reverse("travel:delegations"), {"username": "assistant"})
    assert cast.amina.travel_delegates.filter(assistant=assistant).exists()
    client.force_login(assistant)
    page = client.get(reverse("travel:request_create"))
    assert page.status_code == 200
    assert "ACHIENG" in page.content.decode()


def test_residence_confirmation(client, cast, traveller):
    client.force_login(traveller)
    client.post(reverse("travel:residence_confirm"))
    cast.amina.refresh_from_db()
    assert cast.amina.residence_confirmed_on == timezone.localdate()


def test_travel_settings_in_the_admin_site(client, user_with, kenya_officer):
    admin = user_with(Role.ADMINISTRATOR)
    client.force_login(admin)
    page = client.get(reverse("admin:travel_travelsettings_changelist"), follow=True)
    assert page.status_code == 200
    settings = selectors.travel_settings()
    data = {"manual_level": 3, "advisory_level": 4, "lead_days": 5,
            "approval_hours": 24, "residence_days": 180, "refusal_level": ""}
    response = client.post(reverse("admin:travel_travelsettings_change", args=[settings.pk]),
                           data)
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.manual_level, settings.lead_days) == (3, 5)
    event = AuditEvent.objects.get(action="travel.settings.update")
    assert event.changes["manual_level"] == [4, 3]
    client.force_login(kenya_officer)
    assert client.get(reverse("admin:travel_travelsettings_change",
                              args=[settings.pk])).status_code in (302, 403)


def test_each_gated_page_asks_for_sign_in_then_for_its_right(client, user_with):
    pages = {"travel:request_list": Role.ADMINISTRATOR, "travel:area_controls": Role.ADMINISTRATOR,
             "travel:whereabouts": Role.SECURITY_OFFICER,
             "travel:whereabouts_geojson": Role.SECURITY_OFFICER,
             "travel:coverage": Role.ADMINISTRATOR, "travel:contact_create": Role.ADMINISTRATOR}
    for name in pages:
        assert client.get(reverse(name)).status_code == 302, name  # to the sign-in page
    client.force_login(user_with())  # signed in, holding no role
    for name in pages:
        assert client.get(reverse(name)).status_code == 403, name
    for name, role in pages.items():
        client.force_login(user_with(role))
        assert client.get(reverse(name)).status_code == 200, name


def test_a_form_goes_back_only_to_a_page_of_this_site(client, cast, traveller):
    client.force_login(traveller)
    inside = client.post(reverse("travel:residence_confirm"), {"next": "/travel/"})
    assert inside["Location"] == "/travel/"
    for elsewhere in ("https://evil.example/phish", "//evil.example/", "javascript:alert(1)"):
        refused = client.post(reverse("travel:residence_confirm"), {"next": elsewhere})
        assert refused["Location"] == reverse("travel:my_trips"), elsewhere
