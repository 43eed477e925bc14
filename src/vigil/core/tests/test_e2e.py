"""End to end in a real Chromium: each demo user signs in and sees their home page, in English
and in Chinese, and the page passes an axe accessibility scan. Skips without Chromium."""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from vigil.core import demo
from vigil.core.tests.migrated_rows import restore_migrated_rows
from vigil.core.tests.second_factor import sign_in_page
from vigil.people.demo import DEMO_USERS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(django_db_serialized_rollback, transactional_db, live_server, settings):
    """The small demo on a live server, with the rows of data migrations put back first."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    restore_migrated_rows()
    demo.demo_load(scale="small", seed=1)
    return live_server.url


def _sign_in(page, base: str, username: str) -> None:
    """The demo password, then (privileged users) the code of the published demo
    authenticator."""
    sign_in_page(page, base, get_user_model().objects.get(username=username),
                 "vigil-demo-2026")


def test_every_demo_user_signs_in_and_sees_home_in_english_and_chinese(browser, demo_site):
    for username, first, _last, *_rest in DEMO_USERS:
        for language, greeting in (("en", "Welcome"), ("zh-hans", "欢迎")):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": "vigil_language", "value": language,
                                  "url": demo_site}])
            page = context.new_page()
            _sign_in(page, demo_site, username)
            heading = page.locator("h1").inner_text()
            assert greeting in heading, (username, language, heading)
            assert first in heading, (username, language, heading)
            context.close()


def test_home_and_lists_pass_axe_scan(browser, demo_site):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, demo_site, "admin")
    axe = Axe()
    for path in ("/", "/places/duty-stations/", "/people/personnel/",
                 "/people/personnel/?q=achieng"):
        page.goto(f"{demo_site}{path}")
        results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
        serious = [v["id"] for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, serious)
    context.close()


def test_traveller_phone_layout_and_contact_update(browser, demo_site):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    _sign_in(page, demo_site, "traveller")
    page.click("text=Update contact details")
    page.fill("#id_phones", "+254 722 111222")
    page.fill("#id_contacts-0-name", "Joseph Achieng")
    page.fill("#id_contacts-0-relationship", "Brother")
    page.fill("#id_contacts-0-phone", "+254 733 444555")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{demo_site}/people/me/")
    assert "+254 722 111222" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    context.close()
