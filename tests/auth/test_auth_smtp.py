"""The password-reset mail through the SMTP backend to a real SMTP server (aiosmtpd on
loopback), and the link in it working."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from auth_support import make_app

from spruce.auth.testing import create_test_user, csrf_token_from
from spruce.mail import Mail, SMTPBackend
from spruce.testing import TestClient


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_the_reset_mail_goes_through_smtp(sqlite_url, smtp):
    controller, inbox = smtp
    mail = Mail(SMTPBackend("127.0.0.1", controller.port), default_from="blog@example.com")
    app = make_app(sqlite_url, mail=False, extra=[mail])
    with TestClient(app) as client:
        create_test_user(client, "ann", email="ann@example.com")
        page = client.get("/auth/password/reset")
        client.post(
            "/auth/password/reset",
            data={"email": "ann@example.com", "csrf_token": csrf_token_from(page.text)},
        )
        [(recipients, message)] = inbox.messages
        assert recipients == ["ann@example.com"]
        assert message["Subject"] == "Reset your password"
        assert message["From"] == "blog@example.com"
        text = message.get_body(("plain",)).get_content()
        link = re.search(r"http://localhost(/auth/password/reset/\S+)", text).group(1)
        assert client.get(link, follow_redirects=False).status_code == 303
