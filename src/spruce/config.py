"""The core's resolved configuration: what the request path reads, decided once at startup.

``Settings`` (``spruce.settings``, on pydantic-settings) is what users subclass and fill from the
environment. The core turns it, or the defaults when an app has no settings at all, into a frozen
``CoreConfig``, so a hello world never imports pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .formparsers import FormLimits
from .proxies import TrustedProxies

__all__ = ["DEFAULTS", "CoreConfig", "environment_configures_spruce"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class CoreConfig:
    """Core settings as the request path uses them (see ``spruce.settings.Settings`` for docs)."""

    debug: bool = False
    secret_key: str | None = None
    secret_key_fallbacks: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    server_name: str | None = None
    max_body_size: int = 2_621_440  # JSON and url-encoded bodies: 2.5 MiB, as Django
    max_upload_size: int = 100 * MiB  # a whole multipart body
    max_json_depth: int = 64
    max_header_size: int = 64 * 1024
    form_limits: FormLimits = field(default_factory=FormLimits)

    @classmethod
    def from_settings(cls, settings: Any, overrides: Mapping[str, Any] | None = None) -> CoreConfig:
        """Build from a ``Settings`` instance (``SecretStr`` values unwrapped)."""
        values: dict[str, Any] = {}
        for name in (
            "debug",
            "server_name",
            "max_body_size",
            "max_upload_size",
            "max_json_depth",
            "max_header_size",
        ):
            if hasattr(settings, name):
                values[name] = getattr(settings, name)
        secret = getattr(settings, "secret_key", None)
        values["secret_key"] = _reveal(secret)
        values["secret_key_fallbacks"] = tuple(
            revealed
            for s in getattr(settings, "secret_key_fallbacks", ()) or ()
            if (revealed := _reveal(s))
        )
        values["allowed_hosts"] = tuple(getattr(settings, "allowed_hosts", DEFAULTS.allowed_hosts))
        values["trusted_proxies"] = TrustedProxies(getattr(settings, "trusted_proxies", ()) or ())
        values["form_limits"] = FormLimits(
            max_fields=getattr(settings, "max_form_fields", DEFAULTS.form_limits.max_fields),
            max_files=getattr(settings, "max_form_files", DEFAULTS.form_limits.max_files),
            max_field_size=getattr(
                settings, "max_form_field_size", DEFAULTS.form_limits.max_field_size
            ),
            max_file_size=getattr(settings, "max_upload_size", DEFAULTS.form_limits.max_file_size),
            max_form_memory=getattr(
                settings, "max_body_size", DEFAULTS.form_limits.max_form_memory
            ),
        )
        values.update(overrides or {})
        return cls(**values)

    def replace(self, **changes: Any) -> CoreConfig:
        """A copy with some values changed."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return CoreConfig(**current)


def _reveal(secret: Any) -> str | None:
    if secret is None:
        return None
    getter = getattr(secret, "get_secret_value", None)
    value = getter() if getter is not None else str(secret)
    return value or None


DEFAULTS = CoreConfig()


def environment_configures_spruce(folder: str | None = None) -> bool:
    """True when ``SPRUCE_*`` variables or a ``.env`` file could change the settings."""
    if any(name.startswith("SPRUCE_") for name in os.environ):
        return True
    return os.path.isfile(os.path.join(folder or os.getcwd(), ".env"))
