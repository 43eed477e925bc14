"""Crisis fixtures: a real SMTP server in this process (aiosmtpd), a webhook receiver on a
loopback port, officers, and a crisis declared around Nairobi."""

from __future__ import annotations

import http.server
import socket
import threading
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from vigil.core.authz import Role, ScopeKind
from vigil.travel.tests.conftest import (  # noqa: F401 - travel's fixtures, for trips here
    airline,
    areas,
    kenya_officer,
    levels,
    no_lead_time,
    somalia_officer,
    traveller,
    trip,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(settings: Any) -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


class Receiver:
    """An HTTP endpoint that records each POST; ``fail`` answers the next N with 503."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.fail = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.posts.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Any:
    # The receiver listens on loopback, which core.netguard refuses unless allowed.
    settings.VIGIL_ALLOW_PRIVATE_FETCH = True
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def officer(cast: Any, user_with: Any) -> Any:
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so-kenya")
    user.email = "so.kenya@un.example"
    user.save()
    return user


@pytest.fixture
def somali(cast: Any, user_with: Any) -> Any:
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia, username="so-so")


@pytest.fixture
def warden(cast: Any, user_with: Any) -> Any:
    return user_with(Role.WARDEN, ScopeKind.COUNTRY, cast.kenya, username="warden-ke")


@pytest.fixture
def official(cast: Any, user_with: Any) -> Any:
    return user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya, username="do-ke")


@pytest.fixture
def staff_with_mail(cast: Any) -> Any:
    """Amina, Omar and Fatuma get e-mail addresses; all three live in Nairobi."""
    for person, address in ((cast.amina, "amina@un.example"), (cast.omar, "omar@un.example"),
                            (cast.fatuma, "fatuma@un.example")):
        person.emails = [address]
        person.save()
    return cast


@pytest.fixture
def nairobi_crisis(cast: Any, officer: Any, staff_with_mail: Any) -> Any:
    from vigil.crisis import services

    return services.crisis_declare(actor=officer, data={
        "title": "Unrest in Nairobi", "zone_kind": "circle", "center_latitude": -1.2864,
        "center_longitude": 36.8172, "radius_km": 25})
