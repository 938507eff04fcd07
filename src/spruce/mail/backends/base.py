"""``MailBackend``: what a mail backend provides.

A backend takes messages that are complete (the mailer has filled in the sender) and hands them
on: to an SMTP server, the console, files, a list. Write your own for an HTTP mail API::

    class PostmarkBackend:
        async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
            for message in messages:
                await post_to_api(message.as_bytes())
            return len(messages)

    app = Spruce(batteries=[Mail(backend=PostmarkBackend())])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..message import EmailMessage

__all__ = ["MailBackend"]


@runtime_checkable
class MailBackend(Protocol):
    """Delivers messages; one call is one batch (one SMTP connection, for instance)."""

    async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Deliver ``messages`` and return how many were delivered.

        Raise ``DeliveryError`` when they cannot be; ``sent`` on it tells how many of the batch
        were handed over before the failure.
        """
        ...
