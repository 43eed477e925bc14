"""Every demo user signs in and follows every same-site link from home to depth 2.

No page may answer 5xx, and no link that the UI shows may answer 4xx. The small demo is loaded
once per module (per xdist worker) inside a transaction that is rolled back at the end; each
user is its own test, so xdist spreads them. A failure names the user and the URL, and every
failure of a user is reported at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings

from vigil.core import demo
from vigil.core.models import AuditHead
from vigil.core.tests.second_factor import next_code
from vigil.people.demo import DEMO_USERS
from vigil.places.models import Country
from vigil.places.services import countries_sync

DEPTH = 2
# Links whose GET would end the session, or that are not pages of Vigil.
SKIPPED = ("/static/", "/media/", "/sign-out/", "/admin/logout/", "/i18n/", "/jsi18n/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str, base: str) -> list[str]:
    """The same-site links of a page, absolute paths without fragments, in page order."""
    parser = _Links()
    parser.feed(html)
    out: list[str] = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(SKIPPED) or path in out:
            continue
        out.append(path)
    return out


def crawl(client: Client, start: str = "/", depth: int = DEPTH) -> tuple[list[str], int]:
    """Breadth-first from ``start``: every page at most ``depth`` links away is fetched once.
    Returns the faults ("status URL (linked from PAGE)") and the number of pages fetched."""
    seen = {start}
    frontier = [(start, "")]
    faults: list[str] = []
    fetched = 0
    for level in range(depth + 1):
        following: list[tuple[str, str]] = []
        for url, source in frontier:
            response = client.get(url, follow=True)
            fetched += 1
            status = response.status_code
            if status >= 400:
                faults.append(f"{status} {url}" + (f" (linked from {source})" if source
                                                   else ""))
                continue
            content_type = response.get("Content-Type", "")
            if level == depth or not content_type.startswith("text/html"):
                continue
            final = response.redirect_chain[-1][0] if response.redirect_chain else url
            for link in links_of(response.content.decode(), final):
                if link not in seen:
                    seen.add(link)
                    following.append((link, url))
        frontier = following
    return faults, fetched


@pytest.fixture(scope="module")
def demo_site(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The small demo, loaded once for the module and rolled back after it."""
    # The hasher of the tests (src/conftest.py), so that sign-ins check the demo password.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        # A transactional test that ran before on this worker empties every table, the rows
        # of data migrations included (as in test_e2e).
        AuditHead.objects.get_or_create(pk=1)
        if not Country.objects.exists():
            countries_sync()
        demo.demo_load(scale="small")
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_every_link_answers(demo_site: None, db: Any, username: str) -> None:
    client = Client(raise_request_exception=False)  # a 500 is a fault to list, not an end
    signed_in = client.post("/sign-in/", {"username": username,
                                          "password": settings.VIGIL_DEMO_PASSWORD})
    assert signed_in.status_code == 302, f"{username} could not sign in"
    asked = client.get("/")
    if asked.status_code == 302 and asked["Location"].startswith("/account/second-factor/"):
        # A privileged demo user: the code of the published demo authenticator.
        user = get_user_model().objects.get(username=username)
        verified = client.post(asked["Location"], {"token": next_code(user)})
        assert verified.status_code == 302, f"{username}: second factor refused"
    started = time.monotonic()
    faults, fetched = crawl(client)
    elapsed = time.monotonic() - started
    print(f"crawl {username}: {fetched} pages in {elapsed:.1f} s")  # noqa: T201
    assert fetched > 5, f"{username}: only {fetched} pages reached from home"
    # How long it took is printed, not asserted: speed is measured by the benchmarks, on a
    # quiet machine, not by a timed test that fails under load.
    assert not faults, f"{username} ({fetched} pages):\n" + "\n".join(faults)
