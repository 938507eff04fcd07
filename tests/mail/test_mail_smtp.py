"""SMTPBackend against a real aiosmtpd server on loopback: delivery, encodings, login, TLS,
refusals, and failures that name the server but never the password."""

from __future__ import annotations

import asyncio
import socket

import pytest

from conftest import PASSWORD, USERNAME, server_context
from spruce.mail import DeliveryError, EmailMessage, Mailer, SMTPBackend

pytestmark = pytest.mark.filterwarnings(
    # aiosmtpd warns that a login over a plain connection is insecure: these tests do it on purpose
    "ignore:Requiring AUTH while not requiring TLS:UserWarning",
)


def backend_for(server, **options) -> SMTPBackend:
    options.setdefault("timeout", 5)
    options.setdefault("local_hostname", "test.localhost")
    return SMTPBackend(server.host, server.port, **options)


def message(**options) -> EmailMessage:
    options.setdefault("from_", "Site <noreply@example.com>")
    options.setdefault("to", ["ann@example.com"])
    return EmailMessage(options.pop("subject", "Hello"), options.pop("body", "Hi Ann"), **options)


async def test_a_message_reaches_the_server_with_its_envelope(smtp_server) -> None:
    mailer = Mailer(backend_for(smtp_server), default_from="Site <noreply@example.com>")
    sent = await mailer.send_mail(
        "Grüße — 東京",
        "Hallo José ✓\n",
        to=["José <jose@example.com>", "bob@example.com"],
        cc=["carol@example.com"],
        bcc=["hidden@example.com"],
        html="<p>Hallo <b>José</b></p>",
    )
    [received] = smtp_server.received
    assert received.sender == "noreply@example.com"
    assert received.recipients == [
        "jose@example.com",
        "bob@example.com",
        "carol@example.com",
        "hidden@example.com",
    ]
    parsed = received.message
    assert parsed["Subject"] == "Grüße — 東京"
    assert parsed["From"] == "Site <noreply@example.com>"
    assert parsed["To"] == "José <jose@example.com>, bob@example.com"
    assert parsed["Cc"] == "carol@example.com"
    assert parsed["Bcc"] is None
    assert b"hidden@example.com" not in received.raw
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n") == "Hallo José ✓\n"
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert html.strip() == "<p>Hallo <b>José</b></p>"
    assert sent.from_ == "Site <noreply@example.com>"  # the mailer filled in its sender


async def test_attachments_arrive(smtp_server) -> None:
    mail = message(body="Report attached")
    mail.attach("report.pdf", b"%PDF\x00\x01\xff")
    mail.attach("données.csv", "a;b\n")
    await Mailer(backend_for(smtp_server)).send(mail)
    [received] = smtp_server.received
    files = list(received.message.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("report.pdf", "application/pdf"),
        ("données.csv", "text/csv"),
    ]
    assert files[0].get_content() == b"%PDF\x00\x01\xff"


async def test_a_batch_goes_over_one_connection(smtp_server) -> None:
    connections = []
    backend = backend_for(smtp_server)
    original = backend._connect

    async def counting_connect():
        client = await original()
        connections.append(client)
        return client

    backend._connect = counting_connect  # type: ignore[method-assign]
    count = await Mailer(backend).send_many(
        message(subject=f"n{i}", to=[f"user{i}@example.com"]) for i in range(3)
    )
    assert count == 3
    assert len(connections) == 1
    assert [r.message["Subject"] for r in smtp_server.received] == ["n0", "n1", "n2"]
    assert [r.recipients for r in smtp_server.received] == [
        ["user0@example.com"],
        ["user1@example.com"],
        ["user2@example.com"],
    ]
    assert await Mailer(backend).send_many([]) == 0


async def test_login_with_username_and_password(smtp_server) -> None:
    backend = backend_for(smtp_server, username=USERNAME, password=PASSWORD)
    await Mailer(backend).send(message())
    assert smtp_server.recorder.logins == [USERNAME]
    assert len(smtp_server.received) == 1


async def test_a_refused_login_names_the_server_and_not_the_password(smtp_server) -> None:
    backend = backend_for(smtp_server, username=USERNAME, password="wrong-" + PASSWORD)
    with pytest.raises(DeliveryError) as caught:
        await Mailer(backend).send(message())
    text = str(caught.value)
    assert f"127.0.0.1:{smtp_server.port}" in text
    assert (
        f"login as {USERNAME!r} was refused (535 5.7.8 Authentication credentials invalid)" in text
    )
    assert "wrong-" not in text and PASSWORD not in text
    assert PASSWORD not in repr(backend)
    assert caught.value.server == f"127.0.0.1:{smtp_server.port}"
    assert smtp_server.received == []


async def test_the_password_can_be_a_secret_str(smtp_server) -> None:
    from pydantic import SecretStr

    backend = backend_for(smtp_server, username=USERNAME, password=SecretStr(PASSWORD))
    await Mailer(backend).send(message())
    assert smtp_server.recorder.logins == [USERNAME]


async def test_login_over_starttls_with_a_verified_certificate(
    smtp_server_factory, certificate
) -> None:
    server = smtp_server_factory(
        tls_context=server_context(certificate), require_starttls=True, auth_require_tls=True
    )
    backend = backend_for(
        server, username=USERNAME, password=PASSWORD, starttls=True, ca_file=str(certificate[0])
    )
    await Mailer(backend).send(message(subject="over TLS"))
    assert server.recorder.logins == [USERNAME]
    assert server.received[0].message["Subject"] == "over TLS"


async def test_starttls_is_used_when_offered(smtp_server_factory, certificate) -> None:
    server = smtp_server_factory(tls_context=server_context(certificate), require_starttls=True)
    # starttls=None (the default) upgrades because the server offers it; the server would
    # refuse MAIL FROM on a plain connection
    await Mailer(backend_for(server, ca_file=str(certificate[0]))).send(message())
    assert len(server.received) == 1


async def test_an_untrusted_certificate_is_refused(smtp_server_factory, certificate) -> None:
    server = smtp_server_factory(tls_context=server_context(certificate), require_starttls=True)
    with pytest.raises(DeliveryError, match="could not connect") as caught:
        await Mailer(backend_for(server, starttls=True)).send(message())
    assert "certificate" in str(caught.value).lower()
    # ...unless checking is turned off (a local test server)
    await Mailer(backend_for(server, starttls=True, validate_certs=False)).send(message())
    assert len(server.received) == 1


async def test_required_starttls_fails_when_the_server_cannot(smtp_server) -> None:
    with pytest.raises(DeliveryError, match="could not connect") as caught:
        await Mailer(backend_for(smtp_server, starttls=True)).send(message())
    assert "STARTTLS" in str(caught.value)
    assert smtp_server.received == []


async def test_implicit_tls(smtp_server_factory, certificate) -> None:
    server = smtp_server_factory(ssl_context=server_context(certificate))
    backend = backend_for(
        server, use_tls=True, username=USERNAME, password=PASSWORD, ca_file=str(certificate[0])
    )
    await Mailer(backend).send(message(subject="SMTPS"))
    assert server.received[0].message["Subject"] == "SMTPS"
    assert server.recorder.logins == [USERNAME]


async def test_refused_recipients(smtp_server) -> None:
    smtp_server.recorder.refuse = {"ghost@example.com", "nobody@example.com"}
    backend = backend_for(smtp_server)
    with pytest.raises(DeliveryError, match="refused every recipient") as caught:
        await Mailer(backend).send(message(to=["ghost@example.com", "nobody@example.com"]))
    assert set(caught.value.refused) == {"ghost@example.com", "nobody@example.com"}
    assert "550" in caught.value.refused["ghost@example.com"]
    assert smtp_server.received == []


async def test_a_partly_refused_message_reaches_the_others_and_is_logged(
    smtp_server, caplog
) -> None:
    smtp_server.recorder.refuse = {"ghost@example.com"}
    await Mailer(backend_for(smtp_server)).send(
        message(to=["ann@example.com", "ghost@example.com"])
    )
    assert smtp_server.received[0].recipients == ["ann@example.com"]
    assert "ghost@example.com" in caplog.text
    assert "refused some recipients" in caplog.text


async def test_a_failure_mid_batch_counts_what_was_sent(smtp_server) -> None:
    smtp_server.recorder.refuse = {"ghost@example.com"}
    batch = [message(to=["ann@example.com"]), message(to=["ghost@example.com"])]
    with pytest.raises(DeliveryError) as caught:
        await Mailer(backend_for(smtp_server)).send_many(batch)
    assert caught.value.sent == 1
    assert len(smtp_server.received) == 1


async def test_connection_refused_names_host_and_port() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = SMTPBackend("127.0.0.1", port, username="u", password=PASSWORD, timeout=2)
    with pytest.raises(DeliveryError) as caught:
        await Mailer(backend).send(message())
    text = str(caught.value)
    assert text.startswith(f"cannot send mail through 127.0.0.1:{port}: could not connect")
    assert PASSWORD not in text
    assert caught.value.sent == 0


async def test_a_silent_server_times_out() -> None:
    writers = []

    async def accept_and_say_nothing(reader, writer) -> None:
        writers.append(writer)  # closed below; the greeting never comes

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    backend = SMTPBackend("127.0.0.1", port, timeout=0.2, local_hostname="t.localhost")
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(DeliveryError, match="timed out") as caught:
            await Mailer(backend).send(message())
        assert loop.time() - started < 2
        assert f"127.0.0.1:{port}" in str(caught.value)
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


def test_options_and_default_ports() -> None:
    assert SMTPBackend().server == "localhost:25"
    assert SMTPBackend(use_tls=True).port == 465
    assert SMTPBackend(starttls=True).port == 587
    assert SMTPBackend("mx", 2525, starttls=True).server == "mx:2525"
    with pytest.raises(ValueError, match="choose one"):
        SMTPBackend(use_tls=True, starttls=True)
    assert repr(SMTPBackend("mx", username="me", password="pw")) == "<SMTPBackend mx:25 as 'me'>"


def test_send_sync_from_plain_code(smtp_server) -> None:
    Mailer(backend_for(smtp_server)).send_sync(message(subject="from sync code"))
    assert smtp_server.received[0].message["Subject"] == "from sync code"


async def test_send_sync_inside_an_event_loop_is_refused(smtp_server) -> None:
    with pytest.raises(RuntimeError, match="await mailer.send"):
        Mailer(backend_for(smtp_server)).send_sync(message())
