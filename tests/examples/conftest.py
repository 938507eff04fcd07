"""Fixtures for the blog's tests: its migrations run once per test session on SQLite and, when
SPRUCE_TEST_DATABASE_URL is set, on PostgreSQL (a database per xdist worker); the tables are
emptied after each test. Passwords are hashed with cheap argon2 parameters here (the blog's own
configuration is checked in test_blog_pages.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from blog_support import Rows, make_blog
from sqlalchemy import make_url

from spruce.db import migrations
from spruce.testing import TestClient

POSTGRES_URL = os.environ.get("SPRUCE_TEST_DATABASE_URL", "")
REQUIRE_SERVICES = os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1"
FAST_HASHING = {"SPRUCE_AUTH_ARGON2_MEMORY_KIB": "1024", "SPRUCE_AUTH_ARGON2_TIME_COST": "1"}


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True, connect_timeout=5)


def _migrated(url: str) -> str:
    migrations.upgrade(make_blog(url))
    return url


@pytest.fixture(scope="session")
def blog_sqlite(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    return _migrated(f"sqlite:///{tmp_path_factory.mktemp('blog') / 'blog.db'}")


@pytest.fixture(scope="session")
def blog_postgresql() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PostgreSQL is required (SPRUCE_REQUIRE_SERVICES=1)")
        pytest.skip("set SPRUCE_TEST_DATABASE_URL to run the blog's tests on PostgreSQL")
    name = f"spruce_blog_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    with _connect(POSTGRES_URL) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield _migrated(url)
    finally:
        with _connect(POSTGRES_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blog_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The migrated database of this backend, emptied after the test."""
    url: str = request.getfixturevalue(f"blog_{request.param}")
    rows = Rows(url)
    try:
        yield url
    finally:
        rows.empty()
        rows.close()


@pytest.fixture
def rows(blog_url) -> Iterator[Rows]:  # type: ignore[no-untyped-def]
    reader = Rows(blog_url)
    yield reader
    reader.close()


@pytest.fixture
def blog(blog_url, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh blog app (its own rate-limit counters) on the test database."""
    for name in [n for n in os.environ if n.startswith("SPRUCE_")]:
        monkeypatch.delenv(name)
    for name, value in FAST_HASHING.items():
        monkeypatch.setenv(name, value)
    return make_blog(blog_url)


@pytest.fixture
def client(blog) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(blog) as test_client:
        yield test_client


@pytest.fixture
def other_client(blog, blog_url) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A second browser, served by a second instance of the blog on the same database (as a
    second worker process would; each test client runs its app on an event loop of its own)."""
    with TestClient(make_blog(blog_url)) as test_client:
        yield test_client
