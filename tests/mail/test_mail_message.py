"""EmailMessage: validation on the way in, the MIME it builds, encodings, attachments."""

from __future__ import annotations

import email
from email import policy

import pytest

from spruce.mail import (
    Attachment,
    EmailMessage,
    HeaderInjectionError,
    InvalidAddressError,
    InvalidMessageError,
)


def reparse(message: EmailMessage):
    """Read the message back as a mail client would (CRLF line ends become newlines)."""
    raw = message.as_bytes().replace(b"\r\n", b"\n")
    return email.message_from_bytes(raw, policy=policy.default)


def make(**options) -> EmailMessage:
    options.setdefault("from_", "Site <noreply@example.com>")
    options.setdefault("to", ["ann@example.com"])
    return EmailMessage(options.pop("subject", "Hello"), options.pop("body", "Hi Ann"), **options)


def test_plain_text_message() -> None:
    parsed = reparse(make(body="Hi Ann,\nsee you.\n"))
    assert parsed["Subject"] == "Hello"
    assert parsed["From"] == "Site <noreply@example.com>"
    assert parsed["To"] == "ann@example.com"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content() == "Hi Ann,\nsee you.\n"
    assert parsed["Date"] is not None
    assert parsed["Message-ID"].endswith("@example.com>")
    assert parsed["MIME-Version"] == "1.0"


def test_non_ascii_subject_names_and_body_are_encoded_and_come_back_intact() -> None:
    message = make(
        subject="Grüße aus Köln — 東京",
        body="Hallo José, schöne Grüße! ✓\n",
        from_=("Café Spruce", "noreply@example.com"),
        to=["José Ñúñez <jose@example.com>"],
    )
    raw = message.as_bytes()
    assert raw.isascii()  # 7-bit clean: RFC 2047 headers, quoted-printable body
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in head
    parsed = reparse(message)
    assert parsed["Subject"] == "Grüße aus Köln — 東京"
    assert parsed["From"].addresses[0].display_name == "Café Spruce"
    assert parsed["To"].addresses[0].display_name == "José Ñúñez"
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert parsed.get_content() == "Hallo José, schöne Grüße! ✓\n"


def test_html_makes_a_multipart_alternative_with_text_first() -> None:
    parsed = reparse(make(body="Plain", html="<p>Rich <b>ü</b></p>"))
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content() == "Plain\n"
    assert parts[1].get_content() == "<p>Rich <b>ü</b></p>\n"
    assert parsed.get_body(preferencelist=("html",)).get_content().startswith("<p>Rich")


def test_attachments_make_a_multipart_mixed() -> None:
    message = make(body="See attached", html="<p>See attached</p>")
    message.attach("report.csv", "a,b\n1,2\n")
    message.attach("Résumé 2024.pdf", b"%PDF-1.4 binary\x00\xff")
    message.attach("blob", b"\x00\x01", "application/x-custom")
    parsed = reparse(message)
    assert parsed.get_content_type() == "multipart/mixed"
    body, *files = list(parsed.iter_parts())
    assert body.get_content_type() == "multipart/alternative"
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("report.csv", "text/csv"),
        ("Résumé 2024.pdf", "application/pdf"),
        ("blob", "application/x-custom"),
    ]
    assert files[1].get_content() == b"%PDF-1.4 binary\x00\xff"
    assert [a.filename for a in message.attachments] == ["report.csv", "Résumé 2024.pdf", "blob"]


def test_attach_file_reads_the_file_under_its_own_name(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"remember")
    message = make()
    message.attach_file(path)
    assert message.attachments == [Attachment("notes.txt", b"remember", "text/plain")]


def test_attachment_names_lose_their_folders_and_may_not_break_lines() -> None:
    assert Attachment.make("../../etc/passwd", b"x").filename == "passwd"
    with pytest.raises(HeaderInjectionError):
        Attachment.make("a\r\nBcc: x@example.com.txt", b"x")
    with pytest.raises(InvalidMessageError, match="media type"):
        Attachment.make("a.bin", b"x", "nonsense")
    with pytest.raises(InvalidMessageError, match="file name"):
        Attachment.make("folder/", b"x")


def test_cc_reply_to_and_extra_headers_are_written_bcc_is_not() -> None:
    message = make(
        to=["ann@example.com", "bob@example.com"],
        cc=["carol@example.com"],
        bcc=["secret@example.com", "ann@example.com"],
        reply_to=["Support <help@example.com>"],
        headers={"X-Campaign": "spring", "List-Unsubscribe": "<https://example.com/u>"},
    )
    parsed = reparse(message)
    assert parsed["To"] == "ann@example.com, bob@example.com"
    assert parsed["Cc"] == "carol@example.com"
    assert parsed["Reply-To"] == "Support <help@example.com>"
    assert parsed["X-Campaign"] == "spring"
    assert parsed["List-Unsubscribe"] == "<https://example.com/u>"
    assert parsed["Bcc"] is None
    assert b"secret@example.com" not in message.as_bytes()
    assert message.recipients == [
        "ann@example.com",
        "bob@example.com",
        "carol@example.com",
        "secret@example.com",
    ]
    assert message.sender == "noreply@example.com"


def test_date_and_message_id_can_be_given() -> None:
    message = make(
        headers={"Message-ID": "<thread-1@example.com>", "Date": "Mon, 1 Jan 2024 10:00:00 +0000"}
    )
    parsed = reparse(message)
    assert parsed["Message-ID"] == "<thread-1@example.com>"
    assert parsed["Date"] == "Mon, 01 Jan 2024 10:00:00 +0000"
    assert len(parsed.get_all("Message-ID")) == 1


@pytest.mark.parametrize(
    "subject",
    ["Hello\r\nBcc: victim@example.com", "Hello\nBcc: victim@example.com", "Hello\rthere"],
)
def test_line_breaks_in_the_subject_are_refused(subject: str) -> None:
    with pytest.raises(HeaderInjectionError, match="subject") as caught:
        make(subject=subject)
    assert caught.value.field == "subject"


def test_line_breaks_in_extra_headers_and_addresses_are_refused() -> None:
    with pytest.raises(HeaderInjectionError, match="X-Tag"):
        make(headers={"X-Tag": "a\r\nBcc: victim@example.com"})
    with pytest.raises(HeaderInjectionError):
        make(headers={"X-Tag\r\nBcc": "victim@example.com"})
    for field in ("to", "cc", "bcc", "reply_to", "from_"):
        with pytest.raises(HeaderInjectionError):
            make(**{field: "ann@example.com\nBcc: victim@example.com"})


def test_a_message_edited_after_creation_is_checked_again_when_written() -> None:
    message = make()
    message.subject = "Hello\r\nBcc: victim@example.com"
    with pytest.raises(HeaderInjectionError):
        message.to_mime()
    message = make()
    message.to.append("not an address")
    with pytest.raises(InvalidAddressError):
        message.to_mime()


def test_headers_that_have_arguments_or_belong_to_mime_are_refused() -> None:
    with pytest.raises(InvalidMessageError, match="bcc= argument"):
        make(headers={"Bcc": "x@example.com"})
    with pytest.raises(InvalidMessageError, match="subject= argument"):
        make(headers={"SUBJECT": "x"})
    with pytest.raises(InvalidMessageError, match="cannot be overridden"):
        make(headers={"Content-Type": "text/html"})


def test_a_message_needs_a_sender_and_a_recipient_to_be_written() -> None:
    with pytest.raises(InvalidMessageError, match="no sender"):
        EmailMessage("Hi", "Body", to=["ann@example.com"]).to_mime()
    with pytest.raises(InvalidMessageError, match="no recipients"):
        EmailMessage("Hi", "Body", from_="me@example.com").to_mime()
    only_bcc = EmailMessage("Hi", "Body", from_="me@example.com", bcc=["ann@example.com"])
    assert reparse(only_bcc)["To"] is None


def test_long_lines_stay_intact() -> None:
    line = "word " * 400
    parsed = reparse(make(body=line))
    assert parsed.get_content() == line + "\n"
    assert all(len(raw) <= 998 for raw in make(body=line).as_bytes().split(b"\r\n"))


def test_repr_names_subject_and_recipients() -> None:
    assert repr(make()) == "<EmailMessage subject='Hello' to=['ann@example.com']>"


def test_a_rendered_mail_can_be_the_body() -> None:
    from spruce.mail import RenderedMail

    message = make(body=RenderedMail("text", "<p>html</p>"))
    assert (message.body, message.html) == ("text", "<p>html</p>")
    assert make(body=RenderedMail("text", "<p>x</p>"), html="<p>own</p>").html == "<p>own</p>"
    with pytest.raises(TypeError, match="must be a str"):
        make(body=b"bytes")
