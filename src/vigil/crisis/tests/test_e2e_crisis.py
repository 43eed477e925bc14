"""End to end in a real Chromium, with a real SMTP server in the test: an incident leads to a
crisis, the headcount, a broadcast; the e-mail arrives; its check-in link is followed on a
phone; the board, open in another window, shows the person accounted for without reloading."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.tests.second_factor import give_authenticator, sign_in_page
from vigil.core.tests.test_e2e import (  # noqa: F401 - the module's browser
    CHROMIUM,
    browser,
    restore_migrated_rows,
)
from vigil.crisis.models import AccountEntry, AccountStatus, Crisis
from vigil.incidents.models import Incident, IncidentCategory

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM),
                                 reason="Debian's chromium is not installed (.ci/run installs it)")]


@pytest.fixture
def site(django_db_serialized_rollback, transactional_db, live_server, settings):
    restore_migrated_rows()
    settings.VIGIL_BASE_URL = live_server.url
    return live_server.url


def sign_in(page, base, username):
    """Password, then the code of the officer's authenticator (a security officer must)."""
    sign_in_page(page, base, get_user_model().objects.get(username=username),
                 "correct horse battery")


def test_incident_crisis_headcount_broadcast_checkin_board(site, browser, smtp, cast,  # noqa: F811
                                                           user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya,
                        username="adviser")
    give_authenticator(officer)
    for person, address in ((cast.amina, "amina@un.example"), (cast.omar, "omar@un.example"),
                            (cast.fatuma, "fatuma@un.example")):
        person.emails = [address]
        person.save()
    incident = Incident.objects.create(
        category=IncidentCategory.objects.get(code="civil-unrest"), title="Riot in the CBD",
        occurred_at=timezone.now(), country=cast.kenya, latitude=-1.2864, longitude=36.8172,
        place="Nairobi CBD", reported_by=officer)

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, site, "adviser")
    # From the incident, declare a crisis: a 25 km circle around the incident's point.
    page.goto(f"{site}/incidents/{incident.pk}/")
    page.click("main .actions >> text=Declare a crisis")
    page.fill("#id_radius_km", "25")
    page.click("text=Declare and take the headcount")
    page.wait_for_url(re.compile(r".*/crisis/\d+/board/$"))
    crisis = Crisis.objects.get()
    assert crisis.incident == incident
    assert page.locator('[data-count="total"]').inner_text() == "5"  # 3 staff, 2 dependants
    assert page.locator('[data-count="accounted"]').inner_text() == "0"

    # Broadcast to everyone on the headcount.
    page.click("main .actions >> text=Send a message")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/crisis/messages/\d+/$"))
    assert len(smtp.messages) == 3
    mail = smtp.to("omar@un.example")[0]
    body = message_from_bytes(mail.as_bytes()).get_payload(decode=True).decode()
    link = re.search(r"(http://\S+/c/\S+/)", body).group(1)

    # The board stays open in the desk window.
    page.goto(f"{site}/crisis/{crisis.pk}/board/")
    assert page.locator('[data-count="accounted"]').inner_text() == "0"

    # Omar follows his link on a phone, without signing in, and says he is safe.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(link)
    assert "are you safe?" in mobile.locator("h1").inner_text()
    mobile.click("text=I am safe")
    assert "Thank you" in mobile.locator("h1").inner_text()
    entry = AccountEntry.objects.get(crisis=crisis, person=cast.omar, dependant=None)
    assert entry.status == AccountStatus.SAFE

    # The desk's board shows it by itself: counts and Omar's row, without a reload.
    from playwright.sync_api import expect

    expect(page.locator('[data-count="accounted"]')).to_have_text("1", timeout=20_000)
    expect(page.locator(f'#entry-{entry.pk} [data-cell="status"]')).to_contain_text("Safe")
    expect(page.locator('[data-status="safe"]')).to_have_text("1")
    assert page.url.endswith(f"/crisis/{crisis.pk}/board/")  # the same page, not reloaded
    phone.close()
    desk.close()


def test_crisis_pages_pass_axe_scan_and_fit_a_phone(site, browser, smtp, cast,  # noqa: F811
                                                     user_with):
    from axe_playwright_python.sync_playwright import Axe

    from vigil.crisis import checkin, services

    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya,
                        username="adviser")
    give_authenticator(officer)
    cast.amina.emails = ["amina@un.example"]
    cast.amina.save()
    crisis = services.crisis_declare(actor=officer, data={
        "title": "Floods", "zone_kind": "circle", "center_latitude": -1.2864,
        "center_longitude": 36.8172, "radius_km": 25})
    services.broadcast_send(actor=officer, crisis=crisis, subject="Safe?", body="Tell us.")
    from vigil.crisis.models import Delivery

    token = checkin.token(Delivery.objects.get(person=cast.amina))
    axe = Axe()
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, site, "adviser")
    for path in ("/crisis/", "/crisis/declare/", f"/crisis/{crisis.pk}/",
                 f"/crisis/{crisis.pk}/board/", f"/crisis/{crisis.pk}/broadcast/",
                 "/incidents/", "/incidents/new/", "/incidents/statistics/"):
        page.goto(f"{site}{path}")
        results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
        serious = [v["id"] for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, serious)
    desk.close()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(f"{site}/c/{token}/")
    results = axe.run(mobile, options={"runOnly": ["wcag2a", "wcag2aa"]})
    assert [v["id"] for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")] == []
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()
