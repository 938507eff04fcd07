"""The console, file and memory backends."""

from __future__ import annotations

import email
import io
import logging
from email import policy

import pytest

from spruce.mail import (
    ConsoleBackend,
    EmailMessage,
    FileBackend,
    InvalidMessageError,
    Mailer,
    MemoryBackend,
    Outbox,
)


def message(**options) -> EmailMessage:
    options.setdefault("to", ["ann@example.com"])
    return EmailMessage(options.pop("subject", "Hello"), options.pop("body", "Hi Ann"), **options)


async def test_console_backend_prints_a_readable_message(capsys) -> None:
    mail = message(
        subject="Réinitialisation",
        body="Open https://example.com/reset/abc to reset.\n",
        html="<p><a href='https://example.com/reset/abc'>Reset</a></p>",
        cc=["carol@example.com"],
        bcc=["audit@example.com"],
        headers={"X-Kind": "reset"},
    )
    mail.attach("a.txt", "x")
    await Mailer(ConsoleBackend(), default_from="Site <noreply@example.com>").send(mail)
    out = capsys.readouterr().out
    assert "Subject: Réinitialisation" in out  # decoded, not =?utf-8?...
    assert "From: Site <noreply@example.com>" in out
    assert "To: ann@example.com" in out
    assert "Cc: carol@example.com" in out
    assert "Bcc: audit@example.com" in out
    assert "X-Kind: reset" in out
    assert "https://example.com/reset/abc to reset." in out  # not quoted-printable
    assert "[text/html alternative]" in out
    assert "[attachment: a.txt (text/plain, 1 bytes)]" in out


async def test_console_backend_writes_to_a_stream_or_a_logger(caplog) -> None:
    stream = io.StringIO()
    assert await ConsoleBackend(stream).send_messages([message(from_="a@example.com")]) == 1
    assert "Subject: Hello" in stream.getvalue()
    caplog.set_level(logging.INFO, logger="myapp.mail")
    backend = ConsoleBackend(logger="myapp.mail")
    await Mailer(backend).send(message(subject="Logged"))
    assert "Subject: Logged" in caplog.text
    assert caplog.records[-1].name == "myapp.mail"
    assert repr(backend) == "<ConsoleBackend to myapp.mail>"


async def test_console_backend_refuses_what_smtp_would_refuse() -> None:
    with pytest.raises(InvalidMessageError, match="no recipients"):
        await Mailer(ConsoleBackend(io.StringIO())).send(EmailMessage("Hi", "Body"))


async def test_memory_backend_keeps_messages_in_order() -> None:
    backend = MemoryBackend()
    mailer = Mailer(backend, default_from="noreply@example.com")
    first = await mailer.send_mail("One", "1", to=["ann@example.com"])
    await mailer.send_many(
        [message(subject="Two", bcc=["Bob@Example.com"]), message(subject="Three")]
    )
    assert isinstance(backend.outbox, Outbox)
    assert backend.outbox[0] is first
    assert backend.outbox.subjects == ["One", "Two", "Three"]
    assert backend.outbox.sent_to("bob@example.com") == [backend.outbox[1]]
    assert backend.outbox.sent_to("Ann <ann@example.com>") == list(backend.outbox)
    assert all(m.from_ == "noreply@example.com" for m in backend.outbox)
    assert repr(backend) == "<MemoryBackend outbox=3 messages>"


async def test_memory_backend_can_share_an_outbox() -> None:
    outbox = Outbox()
    await Mailer(MemoryBackend(outbox)).send(message())
    await Mailer(MemoryBackend(outbox)).send(message())
    assert len(outbox) == 2


async def test_file_backend_writes_eml_files(tmp_path) -> None:
    folder = tmp_path / "mail" / "sent"
    backend = FileBackend(folder)
    count = await Mailer(backend, default_from="noreply@example.com").send_many(
        [message(subject="Ünïcode one"), message(subject="two", html="<p>two</p>")]
    )
    assert count == 2
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    parsed = [
        email.message_from_bytes(f.read_bytes().replace(b"\r\n", b"\n"), policy=policy.default)
        for f in files
    ]
    assert sorted(p["Subject"] for p in parsed) == ["two", "Ünïcode one"]
    assert repr(backend) == f"<FileBackend {folder}>"


async def test_a_mailer_without_a_backend_prints_to_the_console(capsys) -> None:
    mailer = Mailer()
    assert isinstance(mailer.backend, ConsoleBackend)
    assert mailer.default_from == "webmaster@localhost"
    await mailer.send(message())
    assert "From: webmaster@localhost" in capsys.readouterr().out


async def test_use_backend_swaps_and_restores() -> None:
    original = MemoryBackend()
    mailer = Mailer(original)
    with mailer.use_backend(MemoryBackend()) as temporary:
        await mailer.send(message())
    assert mailer.backend is original
    assert len(temporary.outbox) == 1 and original.outbox == []
