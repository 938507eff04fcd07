"""Checks that ``spruce check`` (and ``spruce check --deploy``) run for the mail battery.

Each yields sentences that say what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from ..app import Spruce
    from .battery import Mail

__all__ = ["check_configuration", "check_deploy"]


def _mail(app: Spruce) -> Mail:
    from .battery import Mail
    from .mailer import get_mailer

    mailer = get_mailer(app)
    if not isinstance(mailer, Mail):
        raise ImproperlyConfigured("app.extensions['mail'] is not the Mail battery")
    return mailer


def check_configuration(app: Spruce) -> Iterator[str]:
    """The settings parse, the backend can be built and the default sender is an address."""
    mail = _mail(app)
    try:
        mail.backend  # noqa: B018 - building it validates the settings
        mail.default_from  # noqa: B018
    except ImproperlyConfigured as exc:
        yield str(exc)


def check_deploy(app: Spruce) -> Iterator[str]:
    """Production readiness: mail is really delivered, from a real sender, over TLS."""
    from .backends.smtp import SMTPBackend

    mail = _mail(app)
    try:
        name, backend = mail.backend_name, mail.backend
    except ImproperlyConfigured:
        return  # check_configuration reports it
    if name in ("console", "memory", "file"):
        yield (
            f"the {name} mail backend is in use: messages (password resets too) are not "
            "delivered; set SPRUCE_MAIL_BACKEND=smtp and SPRUCE_MAIL_HOST"
        )
    if not mail.sender_configured:
        yield (
            "SPRUCE_MAIL_DEFAULT_FROM is not set: mail is sent as webmaster@localhost, which "
            "servers reject or mark as spam; set it to an address of your domain"
        )
    if isinstance(backend, SMTPBackend):
        if not backend.validate_certs:
            yield (
                "SPRUCE_MAIL_VALIDATE_CERTS is off: anyone between the app and the SMTP server "
                "can read and change the mail; turn it on (SPRUCE_MAIL_CA_FILE for a private CA)"
            )
        if backend.username and not backend.use_tls and backend.starttls is not True:
            yield (
                "the SMTP login may be sent unencrypted (TLS is not required): set "
                "SPRUCE_MAIL_STARTTLS=true (port 587) or SPRUCE_MAIL_USE_TLS=true (port 465)"
            )
