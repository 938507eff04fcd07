"""``ConsoleBackend``: prints messages instead of sending them, for development.

Each message is written readably (decoded headers, the text and HTML bodies, a list of
attachments) to standard output, another stream, or a logger, so a password-reset link can be
copied from the terminal.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..message import EmailMessage

__all__ = ["ConsoleBackend", "describe"]

_RULE = "-" * 72


class ConsoleBackend:
    """Writes each message to ``stream`` (standard output by default) or, when ``logger`` is
    given (a name or a ``logging.Logger``), logs it at INFO level."""

    def __init__(
        self, stream: TextIO | None = None, *, logger: str | logging.Logger | None = None
    ) -> None:
        self.stream = stream
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger

    async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Write ``messages`` out; they count as sent."""
        for message in messages:
            message.to_mime()  # refuse what SMTP would refuse
            text = describe(message)
            if self.logger is not None:
                self.logger.info("mail not sent (console backend):\n%s", text)
            else:
                stream = self.stream if self.stream is not None else sys.stdout
                stream.write(f"{_RULE}\n{text}\n{_RULE}\n")
                stream.flush()
        return len(messages)

    def __repr__(self) -> str:
        target = self.logger.name if self.logger is not None else "stdout"
        return f"<ConsoleBackend to {target}>"


def describe(message: EmailMessage) -> str:
    """A readable rendering of ``message``: headers, text body, HTML body, attachments."""
    lines = [f"Subject: {message.subject}", f"From: {message.from_}"]
    for name, values in (
        ("To", message.to),
        ("Cc", message.cc),
        ("Bcc", message.bcc),
        ("Reply-To", message.reply_to),
    ):
        if values:
            lines.append(f"{name}: {', '.join(values)}")
    lines.extend(f"{name}: {value}" for name, value in message.headers.items())
    lines.extend(["", message.body.rstrip("\n")])
    if message.html is not None:
        lines.extend(["", "[text/html alternative]", message.html.rstrip("\n")])
    for attachment in message.attachments:
        lines.append(
            f"[attachment: {attachment.filename} ({attachment.mimetype}, "
            f"{len(attachment.content)} bytes)]"
        )
    return "\n".join(lines)
