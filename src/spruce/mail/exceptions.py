"""The mail battery's exceptions.

The tree::

    MailError                        root of the mail battery's errors (a SpruceError)
    ├── InvalidMessageError          a message that cannot be sent as given (also a ValueError)
    │   ├── HeaderInjectionError     a line break (CR or LF) in a subject, address or header
    │   └── InvalidAddressError      an address that does not parse as one mailbox
    └── DeliveryError                the backend could not hand the message over (SMTP refused,
                                     connection failed, timed out...)

Messages name what was wrong and where (the field, the SMTP server's ``host:port``), never a
password.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..exceptions import SpruceError

__all__ = [
    "DeliveryError",
    "HeaderInjectionError",
    "InvalidAddressError",
    "InvalidMessageError",
    "MailError",
]


class MailError(SpruceError):
    """Root of the mail battery's exceptions."""


class InvalidMessageError(MailError, ValueError):
    """The message cannot be sent as given; ``field`` names the part at fault (``"subject"``,
    ``"to"``, ``"headers"``...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class HeaderInjectionError(InvalidMessageError):
    """A header value (subject, address, extra header, attachment name) contains CR or LF.

    A line break would end the header and let the rest of the value add headers of its own
    (``Bcc:`` to a spam list), so such values are refused rather than cleaned.
    """


class InvalidAddressError(InvalidMessageError):
    """An e-mail address does not parse as exactly one mailbox (``name@example.com`` or
    ``Name <name@example.com>``)."""


class DeliveryError(MailError):
    """The backend could not deliver: the SMTP server refused the connection, the login, the
    sender or the recipients, or did not answer in time.

    ``server`` is ``"host:port"`` for SMTP (``None`` for other backends); ``sent`` counts the
    messages of the batch handed over before the failure; ``refused`` maps each refused
    recipient to the server's answer.
    """

    def __init__(
        self,
        message: str,
        *,
        server: str | None = None,
        sent: int = 0,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.server = server
        self.sent = sent
        self.refused: dict[str, str] = dict(refused or {})
