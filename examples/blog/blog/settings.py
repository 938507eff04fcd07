"""The blog's settings: Spruce's own, read from ``SPRUCE_*`` variables (and ``.env``).

``SPRUCE_SECRET_KEY`` signs the session cookie and is required outside debug mode;
``SPRUCE_ALLOWED_HOSTS`` (a JSON list: ``'["blog.example.com"]'``) names the hosts the blog
answers to, only ``localhost`` and ``127.0.0.1`` when unset. ``DATABASE_URL`` is read by the
database battery (a SQLite file ``blog/app.db`` when unset).
"""

from __future__ import annotations

from pydantic import Field

import spruce

__all__ = ["BlogSettings"]


class BlogSettings(spruce.Settings):
    """Spruce's settings with the blog's defaults."""

    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1"],
        description="Host names the blog answers to.",
    )
    database_url: str | None = Field(
        None, description="Where the data lives; None: DATABASE_URL, else blog/app.db."
    )
