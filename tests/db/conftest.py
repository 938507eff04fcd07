"""Fixtures for the db battery's tests: each test runs on SQLite (a fresh file) and, when
SPRUCE_TEST_DATABASE_URL is set, on PostgreSQL (a database per xdist worker, its schema reset
after each test). With SPRUCE_REQUIRE_SERVICES=1 an unreachable server fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

# the fixtures users get (database, db_schema, db), tested in test_support.py
from spruce.db.testing import database, db, db_schema  # noqa: F401

ADMIN_URL = os.environ.get("SPRUCE_TEST_DATABASE_URL", "")
REQUIRE_SERVICES = os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"PostgreSQL is required (SPRUCE_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def _admin_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    return psycopg.connect(
        parsed.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this worker's own, dropped at the end of the run."""
    if not ADMIN_URL:
        _unavailable("set SPRUCE_TEST_DATABASE_URL to run the PostgreSQL tests")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"spruce_db_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        admin = _admin_connect(ADMIN_URL)
    except Exception as exc:
        _unavailable(f"PostgreSQL at {make_url(ADMIN_URL)!r} is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connect(ADMIN_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_schema(url: str) -> None:
    with _admin_connect(url) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL in the plain form users write (the battery picks the drivers)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    try:
        yield url
    finally:
        _reset_schema(url)


@pytest.fixture
def backend(database_url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return make_url(database_url).get_backend_name()
