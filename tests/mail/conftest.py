"""A real SMTP peer for the mail tests: aiosmtpd on loopback, on a free port, in a thread.

``smtp_server`` is plain SMTP; ``smtp_server_factory(...)`` starts one with other options
(login, STARTTLS, implicit TLS). Each keeps what it received in ``received``.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# the fixture users get (mail_outbox), tested in test_mail_testing.py
from spruce.mail.testing import mail_outbox  # noqa: F401

USERNAME = "mailer"
PASSWORD = "s3cret-Pa55word"


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed content."""

    sender: str
    recipients: list[str]
    raw: bytes
    message: MimeMessage


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps messages, can refuse recipients."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USERNAME.encode()
            and auth_data.password == PASSWORD.encode()
        ):
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@dataclass
class SMTPPeer:
    host: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        if os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1":
            pytest.fail("openssl is required (SPRUCE_REQUIRE_SERVICES=1) to test SMTP over TLS")
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SMTPPeer]]:
    """Start aiosmtpd servers with the given options; all are stopped after the test."""
    controllers: list[Controller] = []

    def start(**options: Any) -> SMTPPeer:
        recorder = Recorder()
        options.setdefault("authenticator", recorder.authenticate)
        options.setdefault("auth_require_tls", False)
        for attempt in range(5):
            port = free_port()
            controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
            try:
                controller.start()
            except (OSError, RuntimeError):
                if attempt == 4:
                    raise
                continue
            controllers.append(controller)
            return SMTPPeer("127.0.0.1", port, recorder)
        raise AssertionError("unreachable")

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SMTPPeer]) -> SMTPPeer:
    """A plain SMTP server (login allowed without TLS) on loopback."""
    return smtp_server_factory()
