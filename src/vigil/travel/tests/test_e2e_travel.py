"""End to end in a real Chromium, on the demo: the traveller, on a phone, requests a trip to
Kisumu (level 4 after the elections); it lands in the Kenya security officer's queue with its
reasons; the officer approves it; during the trip the traveller is among the people presumed
in Greater Kisumu. Skips without Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.tests.test_e2e import CHROMIUM, _sign_in, browser, demo_site  # noqa: F401
from vigil.places.models import SecurityArea
from vigil.travel import whereabouts
from vigil.travel.models import TravelRequest

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not __import__("os").path.exists(CHROMIUM),
    reason="Debian's chromium is not installed (.ci/run installs it)")]

PHONE = {"width": 390, "height": 844}


def test_a_trip_to_a_level_4_area_is_approved_and_the_traveller_is_found_there(
        browser, demo_site):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    kisumu = SecurityArea.objects.get(country__iso2="KE", name__icontains="Kisumu")
    day = (timezone.now() + dt.timedelta(days=60)).date()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, demo_site, "traveller")
    page.goto(f"{demo_site}/travel/requests/new/")
    assert not axe.run(page).violations_count
    # The form fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#id_purpose", "Support to the county election office")
    page.fill("#id_seg-0-departs_local", f"{day}T07:30")
    page.fill("#id_seg-0-destination_station", "KE-KISUMU · Kisumu")
    page.fill("#id_seg-0-arrives_local", f"{day}T08:40")
    page.fill("#id_seg-0-operator", "KQ")
    page.fill("#id_seg-0-flight_number", "KQ 652")
    page.click("#add-segment")
    assert page.input_value("#id_seg-1-origin_station") == "KE-KISUMU · Kisumu"
    back = day + dt.timedelta(days=3)
    page.fill("#id_seg-1-departs_local", f"{back}T18:00")
    page.fill("#id_seg-1-destination_station", "KE-NAIROB")
    page.fill("#id_seg-1-arrives_local", f"{back}T19:05")
    page.fill("#id_seg-1-operator", "KQ")
    page.click("button[name=submit]")
    page.wait_for_selector("text=Awaiting approval")
    body = page.locator("main").inner_text()
    assert "level_manual" in body
    assert "Daniel Mwangi" in body  # the Kenya security officer is named as the approver
    travel = TravelRequest.objects.filter(purpose__startswith="Support to the county").get()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, demo_site, "security.officer")
    page.goto(f"{demo_site}/travel/approvals/")
    row = page.locator("tr", has_text=travel.reference)
    assert "level 4" in row.inner_text()
    row.locator("a", has_text=travel.reference).click()
    page.check("input[name=decision][value=approve]")
    page.fill("textarea[name=comment]", "Stay at the UN guest house; check in daily.")
    page.click("text=Record the decision")
    page.wait_for_selector("text=Cleared")
    travel.refresh_from_db()
    assert travel.status == TravelRequest.Status.CLEARED
    during = travel.segments.get(position=1).arrives_at + dt.timedelta(hours=30)
    page.goto(f"{demo_site}/travel/whereabouts/?area={kisumu.pk}"
              f"&at={during:%Y-%m-%dT%H:%M}&when=now")
    assert "ACHIENG, Amina" in page.locator("main").inner_text()
    assert not axe.run(page).violations_count
    context.close()
    found = whereabouts.who_is_in(during, area=kisumu)
    assert any(w.person_id == travel.traveller_id and w.basis == "stay" for w in found)
