"""Password reset by e-mail through a real SMTP server (aiosmtpd) in this process."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from vigil.core.authz import Role
from vigil.core.models import AuditEvent


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_reset_link_arrives_by_smtp_and_sets_a_new_password(cast, user_with, client, smtp):
    user = user_with(Role.TRAVELLER, username="amina")
    user.email = "amina@un.example"
    user.save()
    response = client.post("/password-reset/", {"email": "amina@un.example"})
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "amina@un.example"
    body = message_from_bytes(mail.as_bytes()).get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/password-reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "a long new passphrase 2026"
    done = client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    signed_in = client.post("/sign-in/", {"username": "amina", "password": new})
    assert signed_in.status_code == 302
    event = AuditEvent.objects.get(action="core.user.password_set")
    assert event.changes == {"password": ["…", "(changed)"]}
    assert new not in str(event.changes)


def test_unknown_address_gets_the_same_answer_and_no_mail(db, client, smtp):
    response = client.post("/password-reset/", {"email": "nobody@un.example"})
    assert response.status_code == 302
    assert smtp.messages == []


def test_weak_new_password_is_refused_beside_the_field(cast, user_with, client):
    user = user_with(Role.TRAVELLER)
    client.force_login(user)
    response = client.post("/password/", {"old_password": "correct horse battery",
                                           "new_password1": "short",
                                           "new_password2": "short"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not AuditEvent.objects.filter(action="core.user.password_set").exists()


def test_each_step_of_a_password_change_says_where_it_stands(cast, user_with, client):
    assert "Check your e-mail" in client.get("/password-reset/sent/").content.decode()
    assert "Sign in with it." in client.get("/password-reset/complete/").content.decode()
    client.force_login(user_with(Role.TRAVELLER))
    new = "a long new passphrase 2026"
    changed = client.post("/password/", {"old_password": "correct horse battery",
                                         "new_password1": new, "new_password2": new})
    assert changed.url == "/password/done/"
    assert "Other sessions were signed out." in client.get(changed.url).content.decode()
