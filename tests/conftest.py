"""Shared test configuration: pytester, and the database URLs the battery tests run on.

``database_url`` gives each test a fresh SQLite file and, when SPRUCE_TEST_DATABASE_URL is set, the
PostgreSQL database of this xdist worker (created for the run, its schema reset after each test).
With SPRUCE_REQUIRE_SERVICES=1 (CI) an unreachable PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest_plugins = ["pytester"]

POSTGRES_ADMIN_URL = os.environ.get("SPRUCE_TEST_DATABASE_URL", "")
REQUIRE_SERVICES = os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1"


def postgres_unavailable(reason: str) -> None:
    """Skip, or fail when the services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"PostgreSQL is required (SPRUCE_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def connect_postgres(url: str) -> Any:
    """An autocommit psycopg connection to ``url`` (any driver name in it is ignored)."""
    import psycopg
    from sqlalchemy import make_url

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True, connect_timeout=5)


def reset_postgres(url: str) -> None:
    """Drop everything in the database's public schema."""
    with connect_postgres(url) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this worker's own, dropped at the end of the run."""
    from sqlalchemy import make_url

    if not POSTGRES_ADMIN_URL:
        postgres_unavailable("set SPRUCE_TEST_DATABASE_URL to run the PostgreSQL tests")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"spruce_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        admin = connect_postgres(POSTGRES_ADMIN_URL)
    except Exception as exc:
        postgres_unavailable(f"PostgreSQL is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with connect_postgres(POSTGRES_ADMIN_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL in the plain form users write: a fresh SQLite file, or the worker's PostgreSQL
    database (its schema reset afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    try:
        yield url
    finally:
        reset_postgres(url)
