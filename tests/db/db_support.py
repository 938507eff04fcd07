"""Helpers for the db battery's tests: an app on a URL, a client that runs its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import text

from spruce import Spruce
from spruce.db import Database


def make_app(url: str, **options: Any) -> tuple[Spruce, Database]:
    """An app with the db battery on ``url``."""
    database = Database(url, **options)
    return Spruce(batteries=[database]), database


@contextlib.asynccontextmanager
async def serve(app: Spruce) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app (lifespan) and give an async client bound to it."""
    async with app.lifespan_context():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield client


async def wait_for_query(url: str, fragment: str) -> None:
    """Wait until some backend of the database runs a query containing ``fragment``."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from spruce.db.engine import database_urls

    engine = create_async_engine(database_urls(url)[0])
    try:
        async with engine.connect() as connection:
            for _ in range(100):
                found = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND pid <> pg_backend_pid() AND state = 'active' "
                        "AND query LIKE :pattern"
                    ),
                    {"pattern": f"%{fragment}%"},
                )
                if found:
                    return
                await asyncio.sleep(0.01)
    finally:
        await engine.dispose()
    raise AssertionError(f"no backend ran a query with {fragment!r}")


async def terminate_from_outside(url: str, pid: int | None = None) -> None:
    """Kill backend ``pid`` (default: every other backend of the database), as an admin would,
    and wait until they are gone (so their sockets are closed)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from spruce.db.engine import database_urls

    others = (
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' AND (CAST(:pid AS int) IS NULL OR pid = :pid)"
    )
    engine = create_async_engine(database_urls(url)[0], isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text(f"SELECT pg_terminate_backend(pid) {others}"), {"pid": pid}
            )
            for _ in range(200):
                if not await connection.scalar(text(f"SELECT count(*) {others}"), {"pid": pid}):
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # let the event loop read the closed sockets
    finally:
        await engine.dispose()
