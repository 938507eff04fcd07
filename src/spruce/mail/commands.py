"""``spruce mail ...``: check the mail setup from the command line.

``spruce mail test ann@example.com`` sends a test message through the configured backend.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from ..exceptions import ImproperlyConfigured
from .exceptions import MailError

if TYPE_CHECKING:
    from .battery import Mail

__all__ = ["mail_commands"]

TEST_BODY = """\
This is a test message from your Spruce application.

If you can read it, the application can send mail: the backend ({backend})
delivered it. There is nothing else to do.
"""


def mail_commands(mail: Mail) -> click.Group:
    """The ``spruce mail`` command group for the app ``mail`` is installed on."""

    @click.group("mail")
    def group() -> None:
        """Mail: check that the application can send messages."""

    @group.command("test")
    @click.argument("recipients", nargs=-1, required=True)
    @click.option("--from", "sender", default=None, help="Sender (default: the configured one).")
    @click.option("--subject", default="Test message from Spruce", show_default=True)
    def test_command(recipients: tuple[str, ...], sender: str | None, subject: str) -> None:
        """Send a test message to RECIPIENTS through the configured backend."""
        try:
            backend = repr(mail.backend)
            asyncio.run(
                mail.send_mail(
                    subject, TEST_BODY.format(backend=backend), list(recipients), from_=sender
                )
            )
        except (MailError, ImproperlyConfigured) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Sent a test message to {', '.join(recipients)} through {backend}.")

    return group
