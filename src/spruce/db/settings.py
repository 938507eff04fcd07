"""Database settings: ``DATABASE_URL`` and friends, read from the environment or ``.env``.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | ``sqlite:///app.db`` | where the data lives; the async driver is picked for you |
| ``DATABASE_POOL_SIZE`` | 10 | connections kept open (per process) |
| ``DATABASE_MAX_OVERFLOW`` | 10 | extra connections opened under load, closed when idle |
| ``DATABASE_POOL_TIMEOUT`` | 10 | seconds a request waits for a free connection before 503 |
| ``DATABASE_POOL_RECYCLE`` | 1800 | seconds after which a connection is replaced |
| ``DATABASE_POOL_PRE_PING`` | false | a query per checkout, for networks that drop idle connections silently |
| ``DATABASE_BEGIN_ON_WRITE`` | true | PostgreSQL: reads before a session's first write run without ``BEGIN`` |
| ``DATABASE_CONNECT_TIMEOUT`` | 5 | seconds to wait for the server when connecting |
| ``DATABASE_ECHO`` | false | log every SQL statement |

Arguments to ``Database(...)`` win over the environment; a ``database_url`` field on the app's
own settings class is used when no ``url`` argument is given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..battery_settings import load_values

__all__ = ["DEFAULT_URL", "DatabaseConfig", "load_config"]

DEFAULT_URL = "sqlite:///app.db"
"""A SQLite file beside the application module (relative SQLite paths resolve there)."""


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """The resolved database configuration (the URL as given; see ``engine.database_urls``)."""

    url: str = DEFAULT_URL
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 10.0
    pool_recycle: int = 1800
    pool_pre_ping: bool = False
    begin_on_write: bool = True
    connect_timeout: float = 5.0
    echo: bool = False
    url_from_default: bool = True

    def replace(self, **changes: Any) -> DatabaseConfig:
        """A copy with some values changed."""
        return replace(self, **changes)


def _reveal(value: Any) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    text = getter() if getter is not None else value
    return str(text) if text else None


def load_config(overrides: dict[str, Any], app_settings: Any = None) -> DatabaseConfig:
    """Arguments (``overrides``, ``None`` meaning unset) over ``app_settings.database_url`` over
    ``DATABASE_*`` variables over the defaults."""
    from_settings = {"url": _reveal(getattr(app_settings, "database_url", None))}
    values = load_values(
        DatabaseConfig,
        from_settings,
        overrides,
        owner="Database()",
        env_prefix="DATABASE_",
        exclude=("url_from_default",),
    )
    values["url_from_default"] = "url" not in values
    return DatabaseConfig(**values)
