"""The Mail battery: settings, the backend it picks, injection into handlers, startup errors,
and a real SMTP round trip configured by the environment alone."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from conftest import PASSWORD, USERNAME
from spruce import ImproperlyConfigured, Settings, Spruce
from spruce.mail import (
    ConsoleBackend,
    EmailMessage,
    FileBackend,
    InvalidAddressError,
    Mail,
    Mailer,
    MemoryBackend,
    SMTPBackend,
    get_mailer,
    send_mail,
)
from spruce.mail.settings import MailSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path) -> None:
    """No SPRUCE_* variable or .env file of the machine leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("SPRUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def make_app(mail: Mail, tmp_path, **options) -> Spruce:
    return Spruce(batteries=[mail], root_path=str(tmp_path), **options)


def test_console_in_debug_and_smtp_in_production(tmp_path) -> None:
    debug_mail, production_mail = Mail(), Mail()
    make_app(debug_mail, tmp_path, debug=True)
    make_app(production_mail, tmp_path, debug=False)
    assert debug_mail.backend_name == "console"
    assert isinstance(debug_mail.backend, ConsoleBackend)
    assert production_mail.backend_name == "smtp"
    backend = production_mail.backend
    assert isinstance(backend, SMTPBackend)
    assert backend.server == "localhost:25"
    assert production_mail.default_from == "webmaster@localhost"


def test_the_environment_configures_smtp(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_BACKEND", "SMTP")
    monkeypatch.setenv("SPRUCE_MAIL_HOST", "smtp.example.com")
    monkeypatch.setenv("SPRUCE_MAIL_STARTTLS", "true")
    monkeypatch.setenv("SPRUCE_MAIL_USERNAME", "apikey")
    monkeypatch.setenv("SPRUCE_MAIL_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("SPRUCE_MAIL_TIMEOUT", "3.5")
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "Shop <shop@example.com>")
    mail = Mail()
    make_app(mail, tmp_path)
    backend = mail.backend
    assert isinstance(backend, SMTPBackend)
    assert (backend.server, backend.starttls, backend.username, backend.timeout) == (
        "smtp.example.com:587",
        True,
        "apikey",
        3.5,
    )
    assert mail.default_from == "Shop <shop@example.com>"
    assert isinstance(mail.settings.password, SecretStr)
    assert "hunter2" not in repr(mail.settings)
    assert "hunter2" not in repr(mail)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SPRUCE_MAIL_PORT", "not-a-port", "SPRUCE_MAIL_PORT"),
        ("SPRUCE_MAIL_PORT", "70000", "SPRUCE_MAIL_PORT"),
        ("SPRUCE_MAIL_TIMEOUT", "-5", "SPRUCE_MAIL_TIMEOUT"),
        ("SPRUCE_MAIL_BACKEND", "carrier-pigeon", "must be one of smtp, console, file, memory"),
    ],
)
def test_bad_settings_are_configuration_errors_that_hide_the_value(
    monkeypatch, tmp_path, variable, value, expected
) -> None:
    monkeypatch.setenv(variable, value)
    mail = Mail()
    make_app(mail, tmp_path)
    with pytest.raises(ImproperlyConfigured, match=expected) as caught:
        mail.backend  # noqa: B018
    if variable != "SPRUCE_MAIL_BACKEND":
        assert value not in str(caught.value)


def test_tls_and_starttls_together_are_refused(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_USE_TLS", "1")
    monkeypatch.setenv("SPRUCE_MAIL_STARTTLS", "1")
    mail = Mail()
    make_app(mail, tmp_path)
    with pytest.raises(ImproperlyConfigured, match="choose one"):
        mail.backend  # noqa: B018


def test_arguments_win_over_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "env@example.com")
    mail = Mail("memory", default_from="arg@example.com")
    make_app(mail, tmp_path)
    assert isinstance(mail.backend, MemoryBackend)
    assert mail.default_from == "arg@example.com"
    custom = MemoryBackend()
    mail = Mail(custom)
    make_app(mail, tmp_path)
    assert mail.backend is custom
    assert mail.backend_name == "custom"


def test_explicit_settings_and_app_settings_fields(tmp_path) -> None:
    mail = Mail(settings=MailSettings(backend="smtp", host="mx.internal", port=2525))
    make_app(mail, tmp_path)
    assert mail.backend.server == "mx.internal:2525"  # type: ignore[attr-defined]

    class AppSettings(Settings):
        mail_host: str = "relay.example.com"
        mail_use_tls: bool = True

    mail = Mail("smtp")
    make_app(mail, tmp_path, settings=AppSettings())
    assert mail.backend.server == "relay.example.com:465"  # type: ignore[attr-defined]


def test_an_unknown_backend_name_is_refused_at_once() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown mail backend 'sendgrid'"):
        Mail("sendgrid")


def test_file_backend_needs_a_folder(monkeypatch, tmp_path) -> None:
    mail = Mail("file")
    make_app(mail, tmp_path)
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_MAIL_FILE_PATH"):
        mail.backend  # noqa: B018
    monkeypatch.setenv("SPRUCE_MAIL_FILE_PATH", str(tmp_path / "out"))
    mail = Mail("file")
    make_app(mail, tmp_path)
    assert isinstance(mail.backend, FileBackend)


async def test_a_bad_configuration_stops_the_app_at_startup(tmp_path) -> None:
    app = make_app(Mail("file"), tmp_path)
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_MAIL_FILE_PATH"):
        async with app.lifespan_context():
            pass


async def test_a_bad_default_sender_is_refused_early(monkeypatch, tmp_path) -> None:
    with pytest.raises(InvalidAddressError, match="not a valid e-mail address"):
        Mail(default_from="not an address")
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "not an address")
    app = make_app(Mail(), tmp_path)
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_MAIL_DEFAULT_FROM is not a valid"):
        async with app.lifespan_context():
            pass


def test_handlers_receive_the_mailer_by_type(tmp_path) -> None:
    mail = Mail("memory", default_from="noreply@example.com")
    app = make_app(mail, tmp_path)

    @app.post("/invite/{email}")
    async def invite(email: str, mailer: Mailer) -> dict:
        await mailer.send_mail("Invitation", f"Welcome {email}", to=[email])
        return {"sent": True}

    @app.get("/same")
    async def same(mailer: Mailer, battery: Mail) -> dict:
        return {"same": mailer is battery is mail}

    @app.post("/sync")
    def sync_handler(mailer: Mailer) -> dict:
        mailer.send_sync(EmailMessage("From a sync handler", "Hi", to=["bob@example.com"]))
        return {"sent": True}

    with app.test_client() as client:
        assert client.post("/invite/ann@example.com").json() == {"sent": True}
        assert client.get("/same").json() == {"same": True}
        assert client.post("/sync").json() == {"sent": True}
    outbox = mail.backend.outbox  # type: ignore[attr-defined]
    assert [(m.subject, m.to) for m in outbox] == [
        ("Invitation", ["ann@example.com"]),
        ("From a sync handler", ["bob@example.com"]),
    ]


async def test_other_code_finds_the_mailer_on_the_app(tmp_path) -> None:
    mail = Mail("memory")
    app = make_app(mail, tmp_path)
    assert app.extensions["mail"] is mail
    assert get_mailer(app) is mail
    assert app.batteries["mail"] is mail
    sent = await send_mail(app, "Hi", "Body", to="ann@example.com", from_="me@example.com")
    assert mail.backend.outbox == [sent]  # type: ignore[attr-defined]
    await send_mail(mail, "Again", "Body", to=["ann@example.com"])
    assert len(mail.backend.outbox) == 2  # type: ignore[attr-defined]


def test_get_mailer_without_the_battery_says_how_to_install_it(tmp_path) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Spruce\(batteries=\[Mail\(\)\]\)"):
        get_mailer(Spruce(root_path=str(tmp_path)))


def test_installing_twice_is_refused(tmp_path) -> None:
    app = make_app(Mail(), tmp_path)
    with pytest.raises(ImproperlyConfigured, match="installed twice"):
        app.install(Mail())


def test_smtp_round_trip_configured_by_the_environment(monkeypatch, tmp_path, smtp_server) -> None:
    monkeypatch.setenv("SPRUCE_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SPRUCE_MAIL_HOST", smtp_server.host)
    monkeypatch.setenv("SPRUCE_MAIL_PORT", str(smtp_server.port))
    monkeypatch.setenv("SPRUCE_MAIL_USERNAME", USERNAME)
    monkeypatch.setenv("SPRUCE_MAIL_PASSWORD", PASSWORD)
    monkeypatch.setenv("SPRUCE_MAIL_LOCAL_HOSTNAME", "app.localhost")
    monkeypatch.setenv("SPRUCE_MAIL_DEFAULT_FROM", "Shop <shop@example.com>")
    app = make_app(Mail(), tmp_path)

    @app.post("/order")
    async def order(mailer: Mailer) -> dict:
        await mailer.send_mail("Order confirmed", "Thank you!", to=["ann@example.com"])
        return {"ok": True}

    with app.test_client() as client:
        assert client.post("/order").json() == {"ok": True}
    [received] = smtp_server.received
    assert received.sender == "shop@example.com"
    assert received.message["Subject"] == "Order confirmed"
    assert smtp_server.recorder.logins == [USERNAME]
