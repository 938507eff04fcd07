"""Fixtures for the auth battery's tests: an app with sessions, a database, memory mail and the
auth battery, on SQLite (a fresh file per test) and, when SPRUCE_TEST_DATABASE_URL is set, on
PostgreSQL (a database per xdist worker, its schema reset after each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from auth_support import make_app

# the fixtures users get (user, superuser), tested here too
from spruce.auth.testing import superuser, user  # noqa: F401
from spruce.testing import TestClient


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
