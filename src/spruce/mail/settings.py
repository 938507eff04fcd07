"""Mail settings: ``SPRUCE_MAIL_*`` variables, read from the environment or ``.env``.

| variable | default | meaning |
|---|---|---|
| ``SPRUCE_MAIL_BACKEND`` | ``console`` in debug, else ``smtp`` | ``smtp``, ``console``, ``file`` or ``memory`` |
| ``SPRUCE_MAIL_DEFAULT_FROM`` | ``webmaster@localhost`` | sender of messages that name none |
| ``SPRUCE_MAIL_HOST`` | ``localhost`` | SMTP server |
| ``SPRUCE_MAIL_PORT`` | 465 with ``USE_TLS``, else 587 with ``STARTTLS``, else 25 | SMTP port |
| ``SPRUCE_MAIL_USERNAME`` / ``SPRUCE_MAIL_PASSWORD`` | none | SMTP login (the password is secret) |
| ``SPRUCE_MAIL_USE_TLS`` | false | implicit TLS from the first byte (port 465) |
| ``SPRUCE_MAIL_STARTTLS`` | auto | true: require STARTTLS; false: never; unset: when offered |
| ``SPRUCE_MAIL_VALIDATE_CERTS`` | true | check the server's TLS certificate |
| ``SPRUCE_MAIL_CA_FILE`` | none | a CA bundle (PEM) to check it against (private CAs) |
| ``SPRUCE_MAIL_TIMEOUT`` | 10 | seconds to wait for the server at each step |
| ``SPRUCE_MAIL_LOCAL_HOSTNAME`` | the machine's name | the name sent in EHLO |
| ``SPRUCE_MAIL_FILE_PATH`` | none | folder the ``file`` backend writes ``.eml`` files to |

Arguments to ``Mail(...)`` win over ``mail_*`` fields of the app's own settings class, which win
over the environment.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings

from ..battery_settings import environment_config, merge
from ..exceptions import ImproperlyConfigured
from .addresses import DEFAULT_FROM
from .backends import BACKEND_NAMES

__all__ = ["MailSettings", "load_settings"]


class MailSettings(BaseSettings):
    """The mail battery's settings; each field is also ``SPRUCE_MAIL_<NAME>``."""

    model_config = environment_config("SPRUCE_MAIL_")

    backend: str | None = Field(None, description="smtp, console, file or memory.")
    """Where messages go; unset means ``console`` in debug mode and ``smtp`` otherwise."""
    default_from: str | None = Field(None, description="Sender of messages that name none.")
    """``"Name <address>"`` or a bare address; unset means ``webmaster@localhost``."""
    host: str = Field("localhost", description="SMTP server host name.")
    """The SMTP server's host name or IP address."""
    port: int | None = Field(None, ge=1, le=65535, description="SMTP server port.")
    """Unset: 465 with ``use_tls``, 587 with ``starttls``, else 25."""
    username: str | None = Field(None, description="SMTP login name.")
    """Log in when set (with ``password``)."""
    password: SecretStr | None = Field(None, description="SMTP password (secret).")
    """Never printed, logged or put in an error message."""
    use_tls: bool = Field(False, description="Implicit TLS (SMTPS, port 465).")
    """Speak TLS from the first byte."""
    starttls: bool | None = Field(None, description="true: require, false: never, unset: auto.")
    """Upgrade a plain connection with STARTTLS; unset upgrades when the server offers it."""
    validate_certs: bool = Field(True, description="Check the server's TLS certificate.")
    """Turn off only for a local test server; ``spruce check --deploy`` reports it."""
    ca_file: str | None = Field(None, description="CA bundle (PEM) for the server certificate.")
    """For servers whose certificate a private CA signed."""
    timeout: float = Field(10.0, gt=0, description="Seconds to wait at each SMTP step.")
    """Applies to connecting and to every command; a slow server raises ``DeliveryError``."""
    local_hostname: str | None = Field(None, description="Name sent in EHLO.")
    """Unset: the machine's fully qualified name, looked up once per process."""
    file_path: str | None = Field(None, description="Folder for the file backend.")
    """The ``file`` backend writes one ``.eml`` file per message there."""

    @model_validator(mode="after")
    def _consistent(self) -> MailSettings:
        if self.backend is not None:
            self.backend = self.backend.strip().lower()
            if self.backend not in BACKEND_NAMES:
                raise ValueError(
                    f"SPRUCE_MAIL_BACKEND must be one of {', '.join(BACKEND_NAMES)}, "
                    f"not {self.backend!r}"
                )
        if self.use_tls and self.starttls:
            raise ValueError(
                "SPRUCE_MAIL_USE_TLS and SPRUCE_MAIL_STARTTLS are both on: use_tls is TLS from "
                "the first byte (port 465), starttls upgrades a plain connection (port 587); "
                "choose one"
            )
        return self

    @property
    def resolved_port(self) -> int:
        """The port to connect to, defaulted from the TLS mode."""
        if self.port is not None:
            return self.port
        if self.use_tls:
            return 465
        return 587 if self.starttls else 25

    @property
    def sender(self) -> str:
        """The default sender, ``webmaster@localhost`` when none is configured."""
        return self.default_from or DEFAULT_FROM


def load_settings(overrides: dict[str, Any], app_settings: Any = None) -> MailSettings:
    """Arguments (``overrides``; ``None`` means unset) over ``mail_*`` fields of
    ``app_settings`` over ``SPRUCE_MAIL_*`` variables over the defaults.

    Raises ``ImproperlyConfigured`` naming the variable at fault (never its value).
    """
    from_settings = {
        name: getattr(app_settings, f"mail_{name}", None) for name in MailSettings.model_fields
    }
    values = merge(from_settings, overrides)
    try:
        return MailSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ImproperlyConfigured(f"mail settings are invalid: {problems}") from None


def _describe(error: Any) -> str:
    location = [str(part) for part in error.get("loc", ()) if part]
    variable = f"SPRUCE_MAIL_{location[0].upper()}" if location else "mail settings"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return message if not location else f"{variable}: {message}"
