"""Mail backends: where messages go.

* ``SMTPBackend``: an SMTP server, through aiosmtplib (production).
* ``ConsoleBackend``: printed to the terminal or a logger (development).
* ``FileBackend``: one ``.eml`` file per message in a folder (development, staging).
* ``MemoryBackend``: kept in an ``outbox`` list (tests).

Any object with ``async send_messages(messages) -> int`` is a backend (``MailBackend``).
``SPRUCE_MAIL_BACKEND`` picks one of the four by name (``backend_from_settings``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import MailBackend
from .console import ConsoleBackend
from .file import FileBackend
from .memory import MemoryBackend, Outbox
from .smtp import SMTPBackend

if TYPE_CHECKING:
    from ..settings import MailSettings

__all__ = [
    "BACKEND_NAMES",
    "ConsoleBackend",
    "FileBackend",
    "MailBackend",
    "MemoryBackend",
    "Outbox",
    "SMTPBackend",
    "backend_from_settings",
]

BACKEND_NAMES = ("smtp", "console", "file", "memory")
"""The backends ``SPRUCE_MAIL_BACKEND`` (or ``Mail("name")``) can name."""


def backend_from_settings(settings: MailSettings, name: str) -> MailBackend:
    """The backend called ``name`` (``smtp``, ``console``, ``file``, ``memory``), configured
    from ``settings``."""
    from ...exceptions import ImproperlyConfigured

    if name == "smtp":
        return SMTPBackend(
            settings.host,
            settings.resolved_port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.use_tls,
            starttls=settings.starttls,
            timeout=settings.timeout,
            validate_certs=settings.validate_certs,
            ca_file=settings.ca_file,
            local_hostname=settings.local_hostname,
        )
    if name == "console":
        return ConsoleBackend()
    if name == "memory":
        return MemoryBackend()
    if name == "file":
        if not settings.file_path:
            raise ImproperlyConfigured(
                "the file mail backend needs a folder: set SPRUCE_MAIL_FILE_PATH (or "
                "Mail(file_path=...)) to where the .eml files should go"
            )
        return FileBackend(settings.file_path)
    raise ImproperlyConfigured(
        f"unknown mail backend {name!r}: use smtp, console, file or memory, or pass a backend "
        "object as Mail(backend=...)"
    )
