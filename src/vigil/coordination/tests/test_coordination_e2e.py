"""The chief security adviser's journey in a real Chromium, on the small demo: the security
officer signs in, follows the home panel to Kenya's security management team, and sees on that
one page its members, the LATE flag, the late action points and the role gaps. Skips without
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


def test_security_officer_sees_kenyas_team_on_one_page(browser, demo_site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, demo_site, "security.officer")
    panel = page.locator("section, article, div.card").filter(
        has=page.get_by_role("heading", name="Security management teams")).first
    panel.get_by_role("link", name="Kenya security management team").click()
    page.wait_for_url(re.compile(r"/coordination/smt/\d+/$"))
    assert "Kenya security management team" in page.locator("h1").inner_text()
    assert re.search(r"LATE · \d+ days? late", page.locator("h1").inner_text())
    members = page.locator("section", has=page.get_by_role("heading", name=re.compile(
        "^Members")))
    assert members.locator("tbody tr").count() >= 2
    assert "Chief security adviser" in members.inner_text()
    late = page.locator("section", has=page.get_by_role("heading", name=re.compile(
        "^Late action points")))
    assert late.locator("li").count() >= 2
    assert "overdue by" in late.inner_text()
    gaps = page.locator("section", has=page.get_by_role("heading", name=re.compile(
        "^Role gaps")))
    assert gaps.is_visible()
    assert "Overdue duties" in page.locator("main").inner_text()
    context.close()
