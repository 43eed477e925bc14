"""The programme manager's journey in a real Chromium, on the small demo: from the menu to the
dashboard, to the previous biennium, to an indicator's page with its trend table and the
records behind its figure, and on to one of those records. Skips without Chromium."""

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

BIENNIUMS = ["2014-2015", "2016-2017", "2018-2019", "2020-2021", "2022-2023", "2024-2025"]


def test_programme_manager_follows_an_indicator_to_its_records(browser, demo_site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, demo_site, "programme.manager")

    # The menu's performance section leads to the dashboard of the current biennium.
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Performance").click()
    nav.get_by_role("link", name="Indicators", exact=True).click()
    page.wait_for_url(re.compile(r"/performance/$"))
    assert page.locator("h1").inner_text() == "Programme performance"
    assert page.locator("article.pf-tile").count() == 18

    # The previous biennium, kept in the address.
    page.select_option("#id_period", "2024-2025")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=2024-2025"))
    assert "2024-2025 · Whole system" in page.locator("main").inner_text()
    assert page.locator("article.pf-tile").count() == 18

    # Security level reviews: its page keeps the period and slice.
    tile = page.locator("#tile-SP2\\.1\\.c\\.i")
    assert "on time" in tile.inner_text()
    tile.get_by_role("link", name=re.compile(r"^Open SP2\.1\.c\.i")).click()
    page.wait_for_url(re.compile(r"/performance/SP2\.1\.c\.i/\?period=2024-2025"))
    assert page.locator("h1").inner_text().startswith("SP2.1.c.i")

    # The trend: a chart and, beside it, a table of the six bienniums ending with 2024-2025.
    trend = page.locator("section", has=page.get_by_role("heading", name="Trend"))
    assert (trend.locator("svg title").first.text_content() or "").startswith("SP2.1.c.i")
    periods = trend.locator("tbody th").all_inner_texts()
    assert periods == BIENNIUMS
    assert "on time" in trend.locator("tbody tr").last.inner_text()

    # The drill-down: the reviews counted, each a link to its record.
    records = page.locator("#records")
    assert re.search(r"\d+ records? you may open", records.inner_text())
    first = records.locator("tbody th a").first
    label = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/risk/"))
    assert page.locator("h1").is_visible()
    assert label
    context.close()
