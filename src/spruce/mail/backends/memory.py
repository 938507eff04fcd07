"""``MemoryBackend``: keeps sent messages in a list, for tests.

::

    backend = MemoryBackend()
    mailer = Mailer(backend)
    await mailer.send_mail("Hi", "Hello", to=["ann@example.com"])
    assert backend.outbox[0].subject == "Hi"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..addresses import parse_address

if TYPE_CHECKING:
    from ..message import EmailMessage

__all__ = ["MemoryBackend", "Outbox"]


class Outbox(list["EmailMessage"]):
    """The messages a ``MemoryBackend`` received, oldest first (a list, with two helpers)."""

    def sent_to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to ``address`` (by to, cc or bcc), case-insensitively."""
        wanted = parse_address(address).addr_spec.lower()
        return [m for m in self if wanted in (r.lower() for r in m.recipients)]

    @property
    def subjects(self) -> list[str]:
        """The subjects of the messages, in order."""
        return [message.subject for message in self]


class MemoryBackend:
    """Appends each message to ``outbox`` instead of sending it."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox if outbox is not None else Outbox()

    async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Check that each message can be written, then keep it in ``outbox``."""
        for message in messages:
            message.to_mime()  # a message that could not go over SMTP fails here too
            self.outbox.append(message)
        return len(messages)

    def __repr__(self) -> str:
        return f"<MemoryBackend outbox={len(self.outbox)} messages>"
