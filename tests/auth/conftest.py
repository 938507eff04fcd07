"""Fixtures for the auth battery's tests: an app with sessions, a database, memory mail and the
auth battery, on SQLite (a fresh file per test) and, when SPRUCE_TEST_DATABASE_URL is set, on
PostgreSQL (a database per xdist worker, its schema reset after each test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from auth_support import make_app
from sqlalchemy import make_url

# the fixtures users get (user, superuser), tested here too
from spruce.auth.testing import superuser, user  # noqa: F401
from spruce.testing import TestClient

POSTGRES_URL = os.environ.get("SPRUCE_TEST_DATABASE_URL", "")
REQUIRE_SERVICES = os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1"


def _skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"PostgreSQL is required (SPRUCE_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def auth_postgres_url() -> Iterator[str]:
    """A database of this worker's own on the PostgreSQL server, dropped at the end."""
    if not POSTGRES_URL:
        _skip_or_fail("set SPRUCE_TEST_DATABASE_URL to run the auth tests on PostgreSQL")
    name = f"spruce_auth_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    try:
        admin = _connect(POSTGRES_URL)
    except Exception as exc:
        _skip_or_fail(f"PostgreSQL is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _connect(POSTGRES_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_postgres(url: str) -> None:
    with _connect(url) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh SQLite file, or the worker's PostgreSQL database (its schema reset afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'auth.db'}"
        return
    url = request.getfixturevalue("auth_postgres_url")
    try:
        yield url
    finally:
        reset_postgres(url)


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A fresh SQLite file (for tests whose subject does not depend on the database)."""
    return f"sqlite:///{tmp_path / 'auth.db'}"


@pytest.fixture
def app(sqlite_url):  # type: ignore[no-untyped-def]
    """The standard test app on SQLite (tables made at startup)."""
    return make_app(sqlite_url)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client
