"""``EmailMessage``: one e-mail, validated when it is made, written with the standard library.

::

    message = EmailMessage(
        "Your invoice",
        "Hello Ann, your invoice is attached.",
        to=["Ann Example <ann@example.com>"],
        html="<p>Hello Ann, your invoice is attached.</p>",
    )
    message.attach("invoice.pdf", pdf_bytes)
    await mailer.send(message)

The subject, every address and every extra header are checked on the way in: a line break
raises ``HeaderInjectionError`` and an address that is not one mailbox ``InvalidAddressError``,
before anything is sent. ``to_mime()`` builds an ``email.message.EmailMessage``: UTF-8 text (or
``multipart/alternative`` when there is HTML, ``multipart/mixed`` with attachments), non-ASCII
subjects and names encoded per RFC 2047 and file names per RFC 2231, and no ``Bcc`` header.
"""

from __future__ import annotations

import email.message
import email.utils
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from pathlib import Path

from .addresses import (
    AddressLike,
    check_header_name,
    check_header_value,
    parse_address,
    parse_addresses,
)
from .exceptions import InvalidMessageError
from .rendering import RenderedMail

__all__ = ["Attachment", "EmailMessage"]

Recipients = str | Address | Iterable[AddressLike] | None

# Headers with an argument of their own; setting them through ``headers`` would be ambiguous.
_ARGUMENT_HEADERS = {
    "from": "from_",
    "to": "to",
    "cc": "cc",
    "bcc": "bcc",
    "reply-to": "reply_to",
    "subject": "subject",
}
# Headers the MIME structure owns.
_STRUCTURAL_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
# Quoted-printable keeps UTF-8 text readable and is safe for servers without 8BITMIME.
_TEXT_POLICY = policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message: its ``filename``, ``content`` and ``mimetype``."""

    filename: str
    content: bytes
    mimetype: str

    @classmethod
    def make(cls, filename: str, content: bytes | str, mimetype: str | None = None) -> Attachment:
        """An attachment with its type guessed from ``filename`` when not given; ``str``
        content is encoded as UTF-8."""
        name = os.path.basename(check_header_value(filename, "attachment filename"))
        if not name:
            raise InvalidMessageError("an attachment needs a file name", field="attachments")
        if mimetype is None:
            from ..files import guess_media_type

            mimetype = guess_media_type(name)
        check_header_value(mimetype, "attachment type")
        if mimetype.count("/") != 1:
            raise InvalidMessageError(
                f"the attachment type {mimetype!r} is not a media type such as 'text/plain'",
                field="attachments",
            )
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return cls(name, data, mimetype)


class EmailMessage:
    """An e-mail: subject, plain-text ``body``, optional ``html`` alternative, addresses,
    extra ``headers`` and ``attachments``.

    ``body`` may be a ``RenderedMail`` (from ``render_mail``): its HTML becomes the alternative
    unless ``html`` is given too.

    Addresses are kept formatted (``"Ann <ann@example.com>"``); ``recipients`` lists the bare
    addresses the message goes to (``to``, ``cc`` and ``bcc``). ``from_`` may stay ``None``:
    the mailer fills in its default sender when it sends the message.
    """

    def __init__(
        self,
        subject: str,
        body: str | RenderedMail,
        to: Recipients = None,
        *,
        from_: AddressLike | None = None,
        html: str | None = None,
        cc: Recipients = None,
        bcc: Recipients = None,
        reply_to: Recipients = None,
        headers: Mapping[str, str] | None = None,
        attachments: Iterable[Attachment] = (),
    ) -> None:
        self.subject = check_header_value(str(subject), "subject")
        if isinstance(body, RenderedMail):
            html = body.html if html is None else html
            body = body.text
        if not isinstance(body, str):
            raise TypeError(f"the body must be a str or a RenderedMail, not {type(body).__name__}")
        self.body: str = body
        self.html = html
        self.from_ = None if from_ is None else str(parse_address(from_, "from_"))
        self.to = parse_addresses(to, "to")
        self.cc = parse_addresses(cc, "cc")
        self.bcc = parse_addresses(bcc, "bcc")
        self.reply_to = parse_addresses(reply_to, "reply_to")
        self.headers = _checked_headers(headers or {})
        self.attachments: list[Attachment] = list(attachments)

    def attach(self, filename: str, content: bytes | str, mimetype: str | None = None) -> None:
        """Attach ``content`` as a file called ``filename`` (type guessed when not given)."""
        self.attachments.append(Attachment.make(filename, content, mimetype))

    def attach_file(self, path: str | os.PathLike[str], mimetype: str | None = None) -> None:
        """Attach the file at ``path`` under its own name (read now, synchronously)."""
        file = Path(path)
        self.attachments.append(Attachment.make(file.name, file.read_bytes(), mimetype))

    @property
    def recipients(self) -> list[str]:
        """Every address the message is delivered to (to, cc, bcc), bare and without repeats."""
        found: dict[str, None] = {}
        for text in (*self.to, *self.cc, *self.bcc):
            found.setdefault(parse_address(text).addr_spec, None)
        return list(found)

    @property
    def sender(self) -> str | None:
        """The bare address of ``from_`` (the SMTP envelope sender), if set."""
        return None if self.from_ is None else parse_address(self.from_, "from_").addr_spec

    def to_mime(self) -> email.message.EmailMessage:
        """Build the standard library message (checked again, so later edits are safe too)."""
        if self.from_ is None:
            raise InvalidMessageError(
                "the message has no sender: pass from_=... or send it through a mailer, which "
                "fills in its default sender",
                field="from_",
            )
        if not self.recipients:
            raise InvalidMessageError(
                "the message has no recipients: give at least one address in to, cc or bcc",
                field="to",
            )
        sender = parse_address(self.from_, "from_")
        mime = email.message.EmailMessage(policy=policy.default)
        mime["Subject"] = check_header_value(self.subject, "subject")
        mime["From"] = sender
        for name, values, field in (
            ("To", self.to, "to"),
            ("Cc", self.cc, "cc"),
            ("Reply-To", self.reply_to, "reply_to"),
        ):
            if values:
                mime[name] = [parse_address(value, field) for value in values]
        extra = _checked_headers(self.headers)
        lowered = {name.lower() for name in extra}
        if "date" not in lowered:
            mime["Date"] = email.utils.format_datetime(datetime.now(UTC))
        if "message-id" not in lowered:
            mime["Message-ID"] = email.utils.make_msgid(domain=sender.domain)
        for name, value in extra.items():
            mime[name] = value
        self._add_parts(mime)
        return mime

    def _add_parts(self, mime: email.message.EmailMessage) -> None:
        mime.set_content(self.body, charset="utf-8", cte=_text_encoding(self.body))
        if self.html is not None:
            mime.add_alternative(
                self.html, subtype="html", charset="utf-8", cte=_text_encoding(self.html)
            )
        for attachment in self.attachments:
            maintype, _, subtype = attachment.mimetype.partition("/")
            mime.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype,
                filename=check_header_value(attachment.filename, "attachment filename"),
            )

    def as_bytes(self) -> bytes:
        """The message as it goes over SMTP (CRLF line endings, no ``Bcc`` header)."""
        return self.to_mime().as_bytes(policy=_TEXT_POLICY)

    def __repr__(self) -> str:
        return f"<EmailMessage subject={self.subject!r} to={self.to!r}>"


def _text_encoding(text: str) -> str:
    """7bit for short-lined ASCII, else quoted-printable (readable, and 7-bit safe)."""
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _checked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, value in headers.items():
        check_header_name(name)
        lowered = name.lower()
        if lowered in _ARGUMENT_HEADERS:
            raise InvalidMessageError(
                f"set {name!r} with the {_ARGUMENT_HEADERS[lowered]}= argument, not in headers",
                field="headers",
            )
        if lowered in _STRUCTURAL_HEADERS:
            raise InvalidMessageError(
                f"the {name!r} header is set from the message's parts and cannot be overridden",
                field="headers",
            )
        checked[name] = check_header_value(str(value), f"header {name!r}")
    return checked
