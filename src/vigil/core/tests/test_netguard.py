"""ASVS V12.6: CAP feeds are fetched and webhooks posted only to public addresses
(vigil.core.netguard), unless VIGIL_ALLOW_PRIVATE_FETCH allows others. No test touches the
network: names are resolved by a stand-in for socket.getaddrinfo, and refused addresses are
refused before any connection."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from vigil.core import netguard
from vigil.core.authz import Role
from vigil.crisis import cap_services, delivery
from vigil.crisis.models import CapFeed, WebhookEndpoint

PUBLIC = "93.184.215.14"


def resolving(monkeypatch: Any, *answers: str) -> list[str]:
    """Make every name (not an IP address) resolve to ``answers``, one after the other when
    several calls are made (the last one repeats). Returns the names looked up."""
    asked: list[str] = []
    queue = list(answers)

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        try:
            address = str(ipaddress.ip_address(host))  # an address resolves to itself
        except ValueError:
            address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize(("url", "address", "kind"), [
    ("http://127.0.0.1/feed", "127.0.0.1", "loopback"),
    ("http://localhost:8000/feed", "", "loopback"),
    ("https://10.1.2.3/hook", "10.1.2.3", "private"),
    ("http://192.168.0.10/", "192.168.0.10", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://[::1]:8080/hook", "::1", "loopback"),
    ("http://[::ffff:10.0.0.1]/", "10.0.0.1", "private"),
    ("http://0.0.0.0/", "0.0.0.0", "unspecified"),  # noqa: S104 - the address refused
    ("http://224.0.0.1/", "224.0.0.1", "multicast"),
    ("http://240.0.0.1/", "240.0.0.1", "reserved"),
])
def test_addresses_that_are_not_public_are_refused(settings: Any, url: str, address: str,
                                                   kind: str) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    with pytest.raises(netguard.NotPublic, match=f"a {kind} address") as refused:
        netguard.require_public(url)
    assert address in str(refused.value)
    assert "VIGIL_ALLOW_PRIVATE_FETCH" in str(refused.value)


def test_a_name_resolving_to_loopback_is_refused_naming_the_address(
        settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    asked = resolving(monkeypatch, "127.0.0.1")
    with pytest.raises(netguard.NotPublic,
                       match=r"feeds\.example\.org resolves to 127\.0\.0\.1, a loopback"):
        netguard.require_public("https://feeds.example.org/cap.xml")
    assert asked == ["feeds.example.org"]


def test_every_address_of_a_name_is_checked(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(netguard.NotPublic, match=r"10\.0\.0\.7, a private address"):
        netguard.require_public("https://mixed.example.org/")


def test_a_public_address_is_allowed(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    asked = resolving(monkeypatch, PUBLIC)
    netguard.require_public("https://feeds.example.org/cap.xml")
    netguard.require_public(f"http://{PUBLIC}:8080/")
    assert "feeds.example.org" in asked


def test_the_setting_allows_private_addresses(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = True
    resolving(monkeypatch, "10.0.0.5")
    netguard.require_public("http://127.0.0.1:8000/hook")
    netguard.require_public("http://gateway.internal/hook")
    netguard.validate_public_url("http://10.0.0.5/hook")


def test_the_setting_is_off_by_default() -> None:
    from vigil.config import settings as project_settings

    assert project_settings.VIGIL_ALLOW_PRIVATE_FETCH is False


def test_a_name_that_resolves_public_then_private_is_refused_when_connecting(
        settings: Any, monkeypatch: Any) -> None:
    """DNS rebinding: the addresses connected to are the ones checked, not a second answer."""
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    resolving(monkeypatch, PUBLIC, "127.0.0.1")
    connected: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, to: connected.append(to))
    with pytest.raises(netguard.NotPublic, match=r"127\.0\.0\.1, a loopback"):
        netguard.urlopen(urllib.request.Request("http://rebind.example.org/"), timeout=1)
    assert connected == []


def test_a_redirect_to_a_private_address_is_refused(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    resolving(monkeypatch, PUBLIC)
    handler = netguard._RedirectHandler()
    request = urllib.request.Request("https://feeds.example.org/cap.xml")
    with pytest.raises(netguard.NotPublic, match=r"169\.254\.169\.254, a link-local"):
        handler.redirect_request(request, None, 302, "Found", {},
                                 "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(netguard.NotPublic, match="Only http and https"):
        handler.redirect_request(request, None, 302, "Found", {}, "file:///etc/passwd")
    moved = handler.redirect_request(request, None, 302, "Found", {},
                                     "https://mirror.example.org/cap.xml")
    assert moved is not None
    assert moved.full_url == "https://mirror.example.org/cap.xml"


# --- The two callers: CAP feed polling and webhook sending ---------------------------------------

def test_cap_polling_refuses_a_private_address_before_connecting(
        settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    opened: list[Any] = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open",
                        lambda *args, **kwargs: opened.append(args))
    with pytest.raises(ValueError, match=r"10\.20\.30\.40, a private address"):
        cap_services.fetch_url("http://10.20.30.40/feed.xml")
    resolving(monkeypatch, "127.0.0.1")
    with pytest.raises(ValueError, match=r"alerts\.example\.org resolves to 127\.0\.0\.1"):
        cap_services.fetch_url("https://alerts.example.org/feed.xml")
    assert opened == []


def test_a_webhook_to_a_private_address_is_not_sent(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    sent: list[Any] = []

    def opener(request: Any, timeout: float) -> Any:
        sent.append(request)
        raise AssertionError("not to be opened")

    hook = WebhookEndpoint(name="SMS gateway", url="http://169.254.169.254/hook", secret="k")
    with pytest.raises(ValueError, match=r"169\.254\.169\.254, a link-local address"):
        delivery._send_webhook(SimpleNamespace(endpoint=hook), None, opener)  # type: ignore[arg-type]
    resolving(monkeypatch, "::1")
    hook.url = "https://sms.example.org/hook"
    with pytest.raises(ValueError, match=r"sms\.example\.org resolves to ::1, a loopback"):
        delivery._send_webhook(SimpleNamespace(endpoint=hook), None, opener)  # type: ignore[arg-type]
    assert sent == []


def test_a_webhook_to_a_public_address_is_sent(settings: Any, monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    resolving(monkeypatch, PUBLIC)
    sent: list[Any] = []

    class Answer:
        status = 204

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

    def opener(request: Any, timeout: float) -> Answer:
        sent.append(request.full_url)
        return Answer()

    monkeypatch.setattr(delivery, "webhook_body", lambda *args: b"{}")
    hook = WebhookEndpoint(name="SMS gateway", url="https://sms.example.org/hook", secret="k")
    delivery._send_webhook(SimpleNamespace(endpoint=hook, key="k1"), None, opener)  # type: ignore[arg-type]
    assert sent == ["https://sms.example.org/hook"]


# --- Saving an address: the model validator, for the admin site and any API ---------------------

@pytest.mark.parametrize("model", [WebhookEndpoint, CapFeed])
def test_saving_a_private_address_is_refused_on_the_field(settings: Any, monkeypatch: Any,
                                                          model: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    record = model(name="Local", url="http://10.0.0.5/x", secret="k") if model is \
        WebhookEndpoint else model(name="Local", url="http://10.0.0.5/x")
    with pytest.raises(ValidationError) as refused:
        record.clean_fields()
    assert "10.0.0.5, a private address" in refused.value.message_dict["url"][0]
    resolving(monkeypatch, "127.0.0.1")
    record.url = "https://feeds.example.org/x"
    with pytest.raises(ValidationError, match=r"127\.0\.0\.1, a loopback"):
        record.clean_fields()
    resolving(monkeypatch, PUBLIC)
    record.clean_fields()  # allowed
    settings.VIGIL_ALLOW_PRIVATE_FETCH = True
    record.url = "http://10.0.0.5/x"
    record.clean_fields()  # allowed by the setting


def test_the_admin_site_refuses_a_private_webhook_address(db: Any, settings: Any, client: Any,
                                                          user_with: Any,
                                                          monkeypatch: Any) -> None:
    settings.VIGIL_ALLOW_PRIVATE_FETCH = False
    client.force_login(user_with(Role.ADMINISTRATOR))
    form = {"name": "SMS gateway", "url": "http://127.0.0.1:9000/hook", "secret": "k",
            "active": "on"}
    response = client.post("/admin/crisis/webhookendpoint/add/", form)
    assert response.status_code == 200
    assert "127.0.0.1, a loopback address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    resolving(monkeypatch, PUBLIC)
    form["url"] = "https://sms.example.org/hook"
    response = client.post("/admin/crisis/webhookendpoint/add/", form)
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().url == "https://sms.example.org/hook"
