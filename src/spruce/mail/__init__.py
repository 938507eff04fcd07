"""The ``mail`` battery: e-mail through SMTP (aiosmtplib), the console, files or a test outbox.

    from spruce import Spruce
    from spruce.mail import Mail, Mailer

    app = Spruce(batteries=[Mail()])      # SPRUCE_MAIL_*; console in debug, else SMTP

    @app.post("/contact")
    async def contact(form: ContactForm, mailer: Mailer) -> dict:
        await mailer.send_mail(
            "New contact request", form.message, to=["team@example.com"], reply_to=[form.email]
        )
        return {"sent": True}

Messages are checked when they are made: no line breaks in headers (no header injection), every
address one valid mailbox. Bodies can come from templates (``render_mail``). Tests take the
``mail_outbox`` fixture from ``spruce.mail.testing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .backends import (
    ConsoleBackend,
    FileBackend,
    MailBackend,
    MemoryBackend,
    Outbox,
    SMTPBackend,
)
from .battery import Mail
from .exceptions import (
    DeliveryError,
    HeaderInjectionError,
    InvalidAddressError,
    InvalidMessageError,
    MailError,
)
from .mailer import Mailer, get_mailer, send_mail
from .message import Attachment, EmailMessage
from .rendering import RenderedMail, render_mail

if TYPE_CHECKING:
    from .settings import MailSettings

__all__ = [
    "Attachment",
    "ConsoleBackend",
    "DeliveryError",
    "EmailMessage",
    "FileBackend",
    "HeaderInjectionError",
    "InvalidAddressError",
    "InvalidMessageError",
    "Mail",
    "MailBackend",
    "MailError",
    "MailSettings",
    "Mailer",
    "MemoryBackend",
    "Outbox",
    "RenderedMail",
    "SMTPBackend",
    "get_mailer",
    "render_mail",
    "send_mail",
]


def __getattr__(name: str) -> Any:
    """Load ``MailSettings`` (pydantic-settings) on first use, not with the package."""
    if name != "MailSettings":
        raise AttributeError(f"module 'spruce.mail' has no attribute {name!r}")
    from .settings import MailSettings

    globals()[name] = MailSettings
    return MailSettings
