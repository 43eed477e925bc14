"""The client's address behind a reverse proxy (core.middleware.TrustedProxyMiddleware): believed
from X-Forwarded-For only when the connection comes from a proxy named in
VIGIL_TRUSTED_PROXIES, read from the right past the trusted proxies, so that a client can never
choose the address its sign-in failures and resets are counted against."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.test import Client

from vigil.core.authz import Role
from vigil.core.middleware import forwarded_client, trusted_networks
from vigil.core.models import AuditEvent, UserSession

PASSWORD = "correct horse battery"
LOCAL = trusted_networks(["127.0.0.1", "::1"])
TWO_HOPS = trusted_networks(["127.0.0.1", "10.0.0.0/24"])


@pytest.mark.parametrize(("remote", "header", "trusted", "client"), [
    # No proxy named: the header is never read.
    ("127.0.0.1", "203.0.113.5", [], "127.0.0.1"),
    # nginx on the same host appended the client's address.
    ("127.0.0.1", "203.0.113.5", LOCAL, "203.0.113.5"),
    ("::1", "2001:db8::7", LOCAL, "2001:db8::7"),
    # What the client wrote itself, left of what nginx appended, is not believed.
    ("127.0.0.1", "6.6.6.6, 203.0.113.5", LOCAL, "203.0.113.5"),
    # A load balancer (10.0.0.7) before nginx: past both trusted proxies.
    ("127.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.7", TWO_HOPS, "203.0.113.5"),
    # A connection from an address that is not a trusted proxy: its header is ignored.
    ("198.51.100.9", "203.0.113.5", LOCAL, "198.51.100.9"),
    # No header: the connection's address.
    ("127.0.0.1", "", LOCAL, "127.0.0.1"),
    # A malformed entry stops the walk at the last good address.
    ("127.0.0.1", "junk, 203.0.113.5", LOCAL, "203.0.113.5"),
    ("127.0.0.1", "203.0.113.5, junk", LOCAL, "127.0.0.1"),
    # Only trusted proxies in the list: the farthest of them is all that is known.
    ("127.0.0.1", "10.0.0.8, 10.0.0.7", TWO_HOPS, "10.0.0.8"),
])
def test_the_client_is_the_first_untrusted_address_from_the_right(remote, header, trusted,
                                                                   client):
    assert forwarded_client(remote, header, trusted) == client


def test_a_proxy_setting_that_is_not_an_address_names_the_value():
    with pytest.raises(ValueError, match=r"'nginx\.local' is not an address or a network"):
        trusted_networks(["127.0.0.1", "nginx.local"])
    assert trusted_networks([" 10.0.0.0/24 "]) == [ipaddress.ip_network("10.0.0.0/24")]


def sign_in(client: Client, forwarded_for: str, password: str = PASSWORD):
    return client.post("/sign-in/", {"username": "amina", "password": password},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.fixture
def amina(cast, user_with):
    cache.clear()
    yield user_with(Role.TRAVELLER, username="amina")
    cache.clear()


def test_behind_a_trusted_proxy_sign_ins_record_the_clients_address(amina, settings):
    settings.VIGIL_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()  # its handler reads the setting when it loads the middleware
    sign_in(client, "6.6.6.6, 203.0.113.5", password="wrong")
    failed = AuditEvent.objects.get(action="core.user.sign_in_failed")
    assert failed.changes["ip_address"] == "203.0.113.5"
    assert sign_in(client, "203.0.113.5").status_code == 302
    assert UserSession.objects.get(user=amina).ip_address == "203.0.113.5"
    assert AuditEvent.objects.get(action="core.user.sign_in").changes == {
        "ip_address": "203.0.113.5"}


def test_without_trusted_proxies_a_forwarded_address_is_ignored(amina, settings):
    settings.VIGIL_TRUSTED_PROXIES = []
    client = Client()
    sign_in(client, "203.0.113.5", password="wrong")
    assert AuditEvent.objects.get(action="core.user.sign_in_failed").changes[
        "ip_address"] == "127.0.0.1"
    assert sign_in(client, "203.0.113.5").status_code == 302
    assert UserSession.objects.get(user=amina).ip_address == "127.0.0.1"
