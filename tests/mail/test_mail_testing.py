"""The test helpers users get: the mail_outbox fixture, capture_mail and links."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from spruce import Spruce
from spruce.mail import EmailMessage, Mail, Mailer, MemoryBackend, SMTPBackend
from spruce.mail.testing import capture_mail, links


@pytest.fixture
def app(tmp_path) -> Spruce:
    # SMTP to a port nobody listens on: a message that escaped the outbox would fail the test
    app = Spruce(
        batteries=[Mail(SMTPBackend("127.0.0.1", 9, timeout=1), default_from="a@example.com")],
        root_path=str(tmp_path),
    )

    @app.post("/welcome/{email}")
    async def welcome(email: str, mailer: Mailer) -> dict:
        await mailer.send_mail("Welcome", "Visit https://example.com/start.", to=[email])
        return {"ok": True}

    return app


def test_mail_outbox_collects_what_the_app_sends(app, mail_outbox) -> None:
    with app.test_client() as client:
        client.post("/welcome/ann@example.com")
        client.post("/welcome/bob@example.com")
    assert [m.to for m in mail_outbox] == [["ann@example.com"], ["bob@example.com"]]
    assert mail_outbox.subjects == ["Welcome", "Welcome"]
    assert links(mail_outbox.sent_to("bob@example.com")[0]) == ["https://example.com/start"]


def test_capture_mail_restores_the_backend_afterwards(app) -> None:
    mailer = app.extensions["mail"]
    before = mailer.backend
    with capture_mail(app) as outbox:
        mailer.send_sync(EmailMessage("One", "1", to=["ann@example.com"]))
        assert isinstance(mailer.backend, MemoryBackend)
    assert len(outbox) == 1
    assert mailer.backend is before
    standalone = Mailer(MemoryBackend())
    with capture_mail(standalone) as other:
        standalone.send_sync(EmailMessage("Two", "2", to=["ann@example.com"], from_="a@b.org"))
    assert other.subjects == ["Two"]


def test_links_reads_text_then_html() -> None:
    message = EmailMessage(
        "Links",
        "Confirm: https://example.com/confirm?u=1&t=abc. Or see (https://example.com/help)!\n",
        to=["ann@example.com"],
        html=(
            '<a href="https://example.com/confirm?u=1&amp;t=abc">Confirm</a>'
            "<a href='http://example.com/only-html'>x</a>"
        ),
    )
    assert links(message) == [
        "https://example.com/confirm?u=1&t=abc",
        "https://example.com/help",
        "http://example.com/only-html",
    ]


PROJECT_APP = """
from spruce import Spruce
from spruce.mail import Mail, Mailer

app = Spruce(batteries=[Mail("smtp")])

@app.post("/reset")
async def reset(mailer: Mailer):
    await mailer.send_mail("Reset", "Open https://example.com/r/123", to=["ann@example.com"])
    return {"ok": True}
"""

PROJECT_TESTS = """
from spruce.mail.testing import links

def test_reset_sends_a_link(client, mail_outbox):
    client.post("/reset")
    [message] = mail_outbox
    assert message.to == ["ann@example.com"]
    assert links(message) == ["https://example.com/r/123"]
"""


@pytest.mark.slow  # a pytest run in a subprocess: 1.5 s alone, more under xdist
def test_a_project_gets_the_fixture_through_pytest_plugins(tmp_path) -> None:
    (tmp_path / "mailproj.py").write_text(PROJECT_APP)
    (tmp_path / "test_mailproj.py").write_text(PROJECT_TESTS)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["spruce.mail.testing"]\n')
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nspruce_app = mailproj:app\nasyncio_default_fixture_loop_scope = function\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SPRUCE_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
