"""Typed application settings, read from the environment (``SPRUCE_`` prefix) and ``.env``.

Subclass ``Settings`` to add your own::

    class AppSettings(Settings):
        database_url: str = "sqlite:///app.db"

    app = Spruce(settings=AppSettings())

Secrets are ``SecretStr``: they never appear in a repr, a log line or an error page.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import DEFAULTS

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Spruce's settings. Every field can be set as ``SPRUCE_<NAME>`` or in ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="SPRUCE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    debug: bool = Field(
        DEFAULTS.debug, description="Debug mode: tracebacks, reloading. Never in production."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Signs sessions, CSRF tokens and other tokens. At least 32 random characters.",
    )
    secret_key_fallbacks: list[SecretStr] = Field(
        default_factory=list, description="Older keys still accepted when verifying (key rotation)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULTS.allowed_hosts),
        description="Host names this app answers to.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses/networks whose X-Forwarded-* headers are believed.",
    )
    server_name: str | None = Field(
        None, description="host[:port] for external URLs outside requests."
    )
    max_body_size: int = Field(
        DEFAULTS.max_body_size, description="Largest JSON/url-encoded body, bytes."
    )
    max_upload_size: int = Field(
        DEFAULTS.max_upload_size, description="Largest multipart body, bytes."
    )
    max_json_depth: int = Field(
        DEFAULTS.max_json_depth, description="Deepest JSON nesting accepted."
    )
    max_header_size: int = Field(
        DEFAULTS.max_header_size, description="Largest total size of request headers."
    )
    max_form_fields: int = Field(
        DEFAULTS.form_limits.max_fields, description="Most form fields per request."
    )
    max_form_files: int = Field(
        DEFAULTS.form_limits.max_files, description="Most uploaded files per request."
    )
    max_form_field_size: int = Field(
        DEFAULTS.form_limits.max_field_size,
        description="Largest single non-file form field, bytes.",
    )
    debug_allowed_ips: list[str] = Field(
        default_factory=list,
        description="Addresses/networks besides loopback that may see the debug page ('*': all).",
    )
    static_root: str | None = Field(
        None,
        description="Folder `spruce static collect` writes to; served from once it has a manifest.",
    )
    static_manifest: str | None = Field(
        None,
        description="Path of the static files manifest (default: <static_root>/staticfiles.json).",
    )

    @field_validator("debug", mode="before")
    @classmethod
    def _empty_debug_is_off(cls, value: Any) -> Any:
        """``SPRUCE_DEBUG=`` (set but empty) means off, as leaving it unset does."""
        return False if isinstance(value, str) and not value.strip() else value
