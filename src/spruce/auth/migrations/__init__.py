"""The auth tables' migrations (``versions/``), run by ``spruce db upgrade`` beside the app's.

The first one creates the group and permission tables always, and ``auth_user``, its membership
tables and ``auth_token`` only when the app uses Spruce's ``User``: an app with its own user
model creates its tables with its own migrations (``spruce db revision --autogenerate``).
"""

from __future__ import annotations

__all__ = ["default_models_in_use"]


def default_models_in_use() -> bool:
    """True unless the app being migrated gives the auth battery its own user model."""
    from alembic import context

    from ...db.migrations.environment import DATABASE_KEY

    database = context.config.attributes.get(DATABASE_KEY)
    app = getattr(database, "app", None)
    auth = app.batteries.get("auth") if app is not None else None
    return bool(getattr(auth, "uses_default_models", True))
