"""pytest fixtures for apps that use the ``db`` battery.

In your ``conftest.py``::

    pytest_plugins = ["spruce.db.testing"]

    @pytest.fixture
    def app():
        return create_app(database_url="sqlite:///" + ...)   # or your module-level app

Then a test asks for ``db``::

    async def test_create_post(app, db):
        async with client(app) as c:           # requests made during the test...
            await c.post("/posts", json={"title": "Hi"})
        assert await db.scalar(select(func.count()).select_from(Post)) == 1
        # ...and everything else is rolled back when the test ends

* ``database``: the app's ``Database``.
* ``db_schema``: creates the tables (``create_all``) before the test; override it to run your
  migrations instead (``await run_sync(upgrade, database)``).
* ``db``: an ``AsyncSession`` inside a transaction that is rolled back after the test; every
  session the app opens meanwhile (per request, ``db.session()``) works in a savepoint of it,
  so a commit in a handler is visible to the test and gone afterwards.

Sessions run on the test's event loop: use an async client on the same loop (``httpx.AsyncClient``
with ``httpx.ASGITransport``). Sync ``Session`` handlers get a second connection in its own
rolled-back transaction: on SQLite that connection waits for the first one's write lock, so a test
should write through one kind of session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from .battery import Database, get_database

__all__ = ["database", "db", "db_schema"]


@pytest.fixture
def database(app: Any) -> Database:
    """The ``Database`` installed on the ``app`` fixture (which your conftest defines)."""
    return get_database(app)


@pytest_asyncio.fixture
async def db_schema(database: Database) -> None:
    """Create the tables that do not exist yet; override to run migrations instead."""
    await database.create_all()


@pytest_asyncio.fixture
async def db(database: Database, db_schema: None) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction rolled back after the test (requests included)."""
    async with database.test_transaction() as session:
        yield session
