"""Alembic runs this file for every migration command; ``spruce db ...`` supplies the app's
database URL and models. See ``spruce.db.migrations.environment``."""

from spruce.db.migrations.environment import run_migrations

run_migrations()
