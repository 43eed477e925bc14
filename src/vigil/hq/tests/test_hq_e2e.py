"""The two journeys of headquarters security in a real Chromium, on the small demo: the HQ
security officer opens the day view of a premises from their home page, and the protection
coordinator takes a senior official's travel case from request to decision. Skips without
Chromium."""

from __future__ import annotations

import os
import re

import pytest

# The shared browser and demo fixtures.
from vigil.core.tests.test_e2e import CHROMIUM, _sign_in, browser, demo_site  # noqa: F401

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def _page(chromium, base: str, username: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, base, username)
    return page


def test_hq_journeys_in_the_demo(browser, demo_site):  # noqa: F811
    """One demo load for both journeys: the suite stays cheap."""
    _day_view_of_a_premises(browser, demo_site)
    _travel_case_from_request_to_decision(browser, demo_site)


def _day_view_of_a_premises(chromium, base: str) -> None:
    page = _page(chromium, base, "hq.security")
    panel = page.locator("section, article, div.card").filter(
        has=page.get_by_role("heading", name="HQ premises today")).first
    panel.get_by_role("link", name="UN House New York").click()
    page.wait_for_url(re.compile(r"/hq/premises/\d+/day/"))
    assert "UN House New York" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    for heading in ("Entries granted", "Denials", "Unauthorized entries", "Visitors expected",
                    "Incidents", "Latest events"):
        assert heading in body, heading
    # The day before is one click away. The demo's events of a whole working day at this
    # premises (today's run only up to New York's present hour, none before 07:00 there):
    # some granted, some denied, and the unauthorized entries found among them, each an
    # incident.
    page.get_by_role("link", name=re.compile("Previous day")).click()
    page.wait_for_url(re.compile(r"date=\d{4}-\d{2}-\d{2}"))
    assert "UN House New York" in page.locator("h1").inner_text()
    assert page.get_by_text("Repeated denied attempts").count() >= 1
    assert page.locator("a", has_text=re.compile(r"Unauthorized entry:")).count() >= 1
    page.context.close()


def _travel_case_from_request_to_decision(chromium, base: str) -> None:
    from vigil.core.models import AuditEvent
    from vigil.hq.models import ProtectionCase

    page = _page(chromium, base, "protection")
    page.goto(f"{base}/hq/protection/cases/?status=requested")
    row = page.locator("tr", has_text="Visit to the Kenya and Somalia country teams")
    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/hq/protection/cases/\d+/$"))
    case_id = int(re.search(r"/cases/(\d+)/", page.url).group(1))
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(rf"/hq/protection/cases/{case_id}/"))
    # The threat picture of each destination is taken from the security levels and SRAs.
    assert "Nairobi" in page.locator("main").inner_text()
    page.get_by_role("link", name="Edit the assessment").click()
    page.wait_for_url(re.compile(r"/assessment/$"))
    page.fill("#id_threat_summary", "Demonstrations expected near the venue; level 5 at "
                                    "Mogadishu.")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/hq/protection/cases/{case_id}/"))
    # Advance work: every task planned (or done, or not needed) before the decision.
    rows = page.locator("#advance tbody tr")
    for index in range(rows.count()):
        row = page.locator("#advance tbody tr").nth(index)
        row.locator("select[name$=status]").select_option("planned")
        row.get_by_role("button", name=re.compile("Save")).click()
        page.wait_for_load_state()
    page.get_by_role("button", name="Submit for decision").click()
    page.wait_for_url(re.compile(rf"/hq/protection/cases/{case_id}/"))
    page.select_option("#decide select[name=decision]", "approved")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(re.compile(rf"/hq/protection/cases/{case_id}/"))
    case = ProtectionCase.objects.get(pk=case_id)
    assert (case.status, case.decision) == ("decided", "approved")
    assert case.decided_by.username == "protection"
    assert "Decided" in page.locator("main").inner_text()
    # Every read of the case was audited, as a read of sensitive data.
    assert AuditEvent.objects.filter(object_id=str(case_id), sensitive_read=True).exists()
    page.context.close()
