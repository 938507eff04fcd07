"""``SMTPBackend``: delivers messages to an SMTP server with aiosmtplib.

One connection per batch: ``send_many`` of a hundred messages logs in once. Every step (connect,
TLS, login, each command) waits at most ``timeout`` seconds. A failure raises ``DeliveryError``
whose message names ``host:port`` and the reason; the password never appears in it, nor in the
backend's ``repr``.

TLS: ``use_tls`` speaks TLS from the first byte (SMTPS, port 465); ``starttls=True`` upgrades a
plain connection and fails if the server cannot; ``starttls=None`` (the default) upgrades when
the server offers it; ``starttls=False`` never does. Certificates are checked unless
``validate_certs=False``; ``ca_file`` names a CA bundle for a private CA.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...concurrency import run_sync
from ..exceptions import DeliveryError

if TYPE_CHECKING:
    import aiosmtplib

    from ..message import EmailMessage

__all__ = ["SMTPBackend"]

logger = logging.getLogger("spruce.mail")

_local_hostname: str | None = None


async def _machine_name() -> str:
    """The machine's fully qualified name, looked up once per process (the lookup can be slow
    where DNS is misconfigured, and aiosmtplib would repeat it on every connection)."""
    global _local_hostname
    if _local_hostname is None:
        _local_hostname = await run_sync(socket.getfqdn)
    return _local_hostname


class SMTPBackend:
    """Sends through the SMTP server at ``host:port``, logging in when ``username`` is set."""

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        *,
        username: str | None = None,
        password: Any = None,
        use_tls: bool = False,
        starttls: bool | None = None,
        timeout: float = 10.0,
        validate_certs: bool = True,
        ca_file: str | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if use_tls and starttls:
            raise ValueError("use_tls and starttls=True cannot be combined: choose one")
        self.host = host
        self.port = port if port is not None else (465 if use_tls else 587 if starttls else 25)
        self.username = username
        # a pydantic SecretStr, a plain string or None; kept out of repr and error messages
        getter = getattr(password, "get_secret_value", None)
        self._password: str | None = getter() if getter is not None else password
        self.use_tls = use_tls
        self.starttls = starttls
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_file = ca_file
        self.local_hostname = local_hostname

    @property
    def server(self) -> str:
        """``host:port``, as error messages name it."""
        return f"{self.host}:{self.port}"

    async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Deliver ``messages`` over one connection; return how many the server accepted."""
        if not messages:
            return 0
        prepared = [(m.to_mime(), m.sender, m.recipients) for m in messages]  # fail before I/O
        client = await self._connect()
        sent = 0
        try:
            await self._login(client)
            for mime, sender, recipients in prepared:
                await self._send_one(client, mime, sender, recipients, sent)
                sent += 1
        finally:
            await _close(client)
        return sent

    async def _connect(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=self.starttls,
            timeout=self.timeout,
            validate_certs=self.validate_certs,
            cert_bundle=self.ca_file,
            local_hostname=self.local_hostname or await _machine_name(),
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            await _close(client)
            raise self._error("could not connect", exc) from None
        return client

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        if self.username is None:
            return
        import aiosmtplib

        try:
            await client.login(self.username, self._password or "")
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise self._error(f"the login as {self.username!r} was refused", exc) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._error(f"could not log in as {self.username!r}", exc) from None

    async def _send_one(
        self,
        client: aiosmtplib.SMTP,
        mime: Any,
        sender: str | None,
        recipients: list[str],
        sent: int,
    ) -> None:
        import aiosmtplib

        try:
            refused, _ = await client.send_message(mime, sender=sender, recipients=recipients)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            answers = {error.recipient: _answer(error) for error in exc.recipients}
            raise DeliveryError(
                f"{self.server} refused every recipient: "
                + "; ".join(f"{who} ({why})" for who, why in answers.items()),
                server=self.server,
                sent=sent,
                refused=answers,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._error("the message was not accepted", exc, sent) from None
        if refused:  # delivered to the others; resending would duplicate it for them
            logger.warning(
                "mail %r: %s refused some recipients: %s",
                mime["Subject"],
                self.server,
                ", ".join(f"{who} ({_answer(why)})" for who, why in refused.items()),
            )

    def _error(self, what: str, exc: BaseException, sent: int = 0) -> DeliveryError:
        reason = _reason(exc)
        if self._password:
            reason = reason.replace(self._password, "***")
        return DeliveryError(
            f"cannot send mail through {self.server}: {what} ({reason})",
            server=self.server,
            sent=sent,
        )

    def __repr__(self) -> str:
        login = f" as {self.username!r}" if self.username else ""
        return f"<SMTPBackend {self.server}{login}>"


def _reason(exc: BaseException) -> str:
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return f"timed out: {exc}" if str(exc) else "timed out"
    if isinstance(exc, aiosmtplib.SMTPResponseException):  # the server's answer: "535 5.7.8 ..."
        return f"{exc.code} {exc.message}"
    return str(exc) or type(exc).__name__


def _answer(error: Any) -> str:
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or str(error)
    return f"{code} {message}" if code else str(message)


async def _close(client: aiosmtplib.SMTP) -> None:
    """Say QUIT politely; drop the connection if that fails."""
    import aiosmtplib

    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()
