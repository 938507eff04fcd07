"""`spruce check` findings for mail, and the `spruce mail test` command."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from spruce import Spruce
from spruce.cli.checks import run_checks
from spruce.mail import Mail, SMTPBackend
from spruce.mail.commands import mail_commands


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path) -> None:
    for name in list(os.environ):
        if name.startswith("SPRUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def mail_problems(mail: Mail, tmp_path, *, deploy: bool) -> list[str]:
    app = Spruce(batteries=[mail], root_path=str(tmp_path))
    return [p for p in run_checks(app, deploy=deploy) if "mail" in p.lower() or "SMTP" in p]


def test_a_good_production_setup_has_no_findings(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_HOST", "smtp.example.com")
    monkeypatch.setenv("SPRUCE_MAIL_STARTTLS", "true")
    monkeypatch.setenv("SPRUCE_MAIL_USERNAME", "apikey")
    monkeypatch.setenv("SPRUCE_MAIL_PASSWORD", "secret")
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "Shop <shop@example.com>")
    assert mail_problems(Mail(), tmp_path, deploy=True) == []


def test_deploy_checks_report_undelivered_mail_and_default_sender(tmp_path) -> None:
    problems = mail_problems(Mail("console"), tmp_path, deploy=True)
    assert any("console mail backend is in use" in p for p in problems)
    assert any("SPRUCE_MAIL_DEFAULT_FROM is not set" in p for p in problems)
    # not without --deploy
    assert mail_problems(Mail("console"), tmp_path, deploy=False) == []


def test_deploy_checks_report_weak_tls(tmp_path) -> None:
    backend = SMTPBackend("mx", username="me", password="pw", validate_certs=False)
    problems = mail_problems(Mail(backend, default_from="a@example.com"), tmp_path, deploy=True)
    assert any("SPRUCE_MAIL_VALIDATE_CERTS is off" in p for p in problems)
    assert any("may be sent unencrypted" in p for p in problems)
    assert not any("pw" in p.split() for p in problems)


def test_configuration_errors_are_reported_without_deploy(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "nobody")
    problems = mail_problems(Mail(), tmp_path, deploy=False)
    assert any("SPRUCE_MAIL_DEFAULT_FROM is not a valid sender" in p for p in problems)
    problems = mail_problems(Mail("file"), tmp_path, deploy=False)
    assert any("SPRUCE_MAIL_FILE_PATH" in p for p in problems)


def test_mail_test_command_sends_through_smtp(smtp_server, tmp_path) -> None:
    mail = Mail(SMTPBackend(smtp_server.host, smtp_server.port, local_hostname="t.localhost"))
    Spruce(batteries=[mail], root_path=str(tmp_path))
    result = CliRunner().invoke(
        mail_commands(mail),
        ["test", "ann@example.com", "bob@example.com", "--from", "ops@example.com"],
    )
    assert result.exit_code == 0, result.output
    assert "Sent a test message to ann@example.com, bob@example.com" in result.output
    [received] = smtp_server.received
    assert received.sender == "ops@example.com"
    assert received.recipients == ["ann@example.com", "bob@example.com"]
    assert received.message["Subject"] == "Test message from Spruce"


def test_mail_test_command_reports_failures_cleanly(tmp_path) -> None:
    mail = Mail(SMTPBackend("127.0.0.1", 9, timeout=1, local_hostname="t.localhost"))
    Spruce(batteries=[mail], root_path=str(tmp_path))
    result = CliRunner().invoke(mail_commands(mail), ["test", "ann@example.com"])
    assert result.exit_code == 1
    assert "Error: cannot send mail through 127.0.0.1:9: could not connect" in result.output
    result = CliRunner().invoke(mail_commands(mail), ["test", "not an address"])
    assert result.exit_code == 1
    assert "not a valid e-mail address" in result.output


def test_the_command_is_offered_by_the_spruce_cli(tmp_path) -> None:
    mail = Mail("memory")
    app = Spruce(batteries=[mail], root_path=str(tmp_path))
    assert [c.name for c in app.commands] == ["mail"]
    result = CliRunner().invoke(app.commands[0], ["test", "ann@example.com"])
    assert result.exit_code == 0, result.output
    assert mail.backend.outbox.subjects == ["Test message from Spruce"]  # type: ignore[attr-defined]
