"""``Mailer``: sends ``EmailMessage`` objects through a backend, with a default sender.

The ``Mail`` battery is a ``Mailer`` configured from the settings; handlers receive it by type
(``async def handler(mailer: Mailer)``), other code with ``get_mailer(app)``. A ``Mailer`` also
works on its own, in scripts and tests::

    mailer = Mailer(SMTPBackend("smtp.example.com", 587, starttls=True), default_from="...")
    await mailer.send_mail("Report", text, to=["ops@example.com"])
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import ImproperlyConfigured
from .addresses import DEFAULT_FROM, AddressLike, parse_address
from .backends.base import MailBackend
from .message import Attachment, EmailMessage, Recipients
from .rendering import RenderedMail, render_mail_with

if TYPE_CHECKING:
    from ..app import Spruce
    from ..templating import Templates

__all__ = ["Mailer", "get_mailer", "send_mail"]

logger = logging.getLogger("spruce.mail")


class Mailer:
    """Sends messages through ``backend`` (the console when none is given), filling in
    ``default_from`` as the sender of messages that have none.

    ``templates`` (an app's ``app.templates``) lets ``render`` build bodies from templates.
    """

    def __init__(
        self,
        backend: MailBackend | None = None,
        *,
        default_from: AddressLike | None = None,
        templates: Templates | None = None,
    ) -> None:
        self._backend = backend
        self._default_from = None if default_from is None else _sender(default_from)
        self._templates = templates

    @property
    def backend(self) -> MailBackend:
        """Where messages go."""
        if self._backend is None:
            self._backend = self._make_backend()
        return self._backend

    @property
    def default_from(self) -> str:
        """The sender of messages that name none."""
        if self._default_from is None:
            self._default_from = self._configured_sender()
        return self._default_from

    def _make_backend(self) -> MailBackend:
        from .backends.console import ConsoleBackend

        return ConsoleBackend()

    def _configured_sender(self) -> str:
        return DEFAULT_FROM

    @property
    def templates(self) -> Templates | None:
        """The template engine ``render`` uses (``None``: this mailer cannot render)."""
        return self._templates

    # -- sending --------------------------------------------------------------------------------
    async def send(self, message: EmailMessage) -> None:
        """Send one message; raise ``DeliveryError`` when the backend cannot deliver it."""
        await self.send_many([message])

    async def send_many(self, messages: Iterable[EmailMessage]) -> int:
        """Send ``messages`` as one batch (one SMTP connection); return how many were sent."""
        batch = list(messages)
        if not batch:
            return 0
        default_from = self.default_from
        for message in batch:
            if message.from_ is None:
                message.from_ = default_from
        backend = self.backend
        sent = await backend.send_messages(batch)
        logger.debug("%d of %d mail(s) sent through %r", sent, len(batch), backend)
        return sent

    async def send_mail(
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
    ) -> EmailMessage:
        """Build an ``EmailMessage`` from the arguments, send it and return it.

        ``body`` may be a ``RenderedMail`` (from ``render``/``render_mail``): its HTML becomes
        the alternative unless ``html`` is given too.
        """
        message = EmailMessage(
            subject,
            body,
            to,
            from_=from_,
            html=html,
            cc=cc,
            bcc=bcc,
            reply_to=reply_to,
            headers=headers,
            attachments=attachments,
        )
        await self.send(message)
        return message

    def send_sync(self, message: EmailMessage) -> None:
        """Send ``message`` from synchronous code (a sync handler, a script) and wait."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.send(message))
            return
        raise RuntimeError(
            "send_sync() was called from async code, where it would block the event loop; "
            "use `await mailer.send(message)` instead"
        )

    # -- templates and tests --------------------------------------------------------------------
    def render(self, template: str, *, html: str | None = None, **context: Any) -> RenderedMail:
        """Render a text ``template`` (and an ``html`` one) with ``context``, outside requests.

        Links need absolute URLs: ``url_for(..., _external=True)`` uses the ``server_name``
        setting here.
        """
        templates = self.templates
        if templates is None:
            raise ImproperlyConfigured(
                "this mailer has no templates: install the Mail battery on an app, or create it "
                "with Mailer(..., templates=app.templates)"
            )
        return render_mail_with(templates, template, html=html, context=context)

    @contextlib.contextmanager
    def use_backend(self, backend: MailBackend) -> Iterator[MailBackend]:
        """Send through ``backend`` inside the ``with`` block (tests), then restore the old one."""
        previous = self.backend
        self._backend = backend
        try:
            yield backend
        finally:
            self._backend = previous

    def __repr__(self) -> str:
        backend = repr(self._backend) if self._backend is not None else "(not configured yet)"
        return f"<{type(self).__name__} {backend}>"


def _sender(value: AddressLike) -> str:
    return str(parse_address(value, "default sender"))


def get_mailer(app: Spruce) -> Mailer:
    """The ``Mailer`` of ``app`` (its ``Mail`` battery); ``ImproperlyConfigured`` without one."""
    mailer = app.extensions.get("mail")
    if not isinstance(mailer, Mailer):
        raise ImproperlyConfigured(
            "the mail battery is not installed: create the app with Spruce(batteries=[Mail()]) "
            "(from spruce.mail import Mail)"
        )
    return mailer


async def send_mail(
    app_or_mailer: Spruce | Mailer,
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
) -> EmailMessage:
    """Send one message through the app's mailer (or the given one); return the message.

    ``await send_mail(app, "Welcome", "Hello!", to=["ann@example.com"])``
    """
    mailer = app_or_mailer if isinstance(app_or_mailer, Mailer) else get_mailer(app_or_mailer)
    return await mailer.send_mail(
        subject,
        body,
        to,
        from_=from_,
        html=html,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        headers=headers,
        attachments=attachments,
    )
