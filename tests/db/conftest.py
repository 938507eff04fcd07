"""Fixtures for the db battery's tests: each test runs on SQLite (a fresh file) and, when
SPRUCE_TEST_DATABASE_URL is set, on PostgreSQL (a database per xdist worker, its schema reset
after each test). With SPRUCE_REQUIRE_SERVICES=1 an unreachable server fails instead of skipping.
"""

from __future__ import annotations

import pytest
from sqlalchemy import make_url

# the fixtures users get (database, db_schema, db), tested in test_support.py
from spruce.db.testing import database, db, db_schema  # noqa: F401


@pytest.fixture
def backend(database_url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return make_url(database_url).get_backend_name()
