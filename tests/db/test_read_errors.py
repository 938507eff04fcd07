"""Prepared reads when things go wrong: a database that is down or kills connections answers
503 and the app recovers by itself, as through the session; driver errors arrive as
SQLAlchemy's exceptions, with no SQL or values in what the client sees."""

from __future__ import annotations

import asyncio
import socket

import pytest
from db_models import BlogAuthor
from db_support import make_app, serve, terminate_from_outside, wait_for_query
from sqlalchemy import bindparam, exc, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from spruce.db import DatabaseUnavailable, prepare
from spruce.db.handlers import UNAVAILABLE_DETAIL

PID = prepare(select(func.pg_backend_pid().label("pid")))
SLEEP = prepare(select(func.pg_sleep(0.5).label("slept")))
RATIO = prepare(select((literal(10) / bindparam("by", type_=BlogAuthor.id.type)).label("ratio")))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_database_answers_503() -> None:
    app, database = make_app(
        f"postgresql://postgres@127.0.0.1:{_closed_port()}/test", connect_timeout=2
    )
    names = prepare(select(BlogAuthor.name))

    @app.get("/")
    async def index(session: AsyncSession) -> list[str]:
        return await names.scalars(session)

    async with serve(app) as client:
        response = await client.get("/", headers={"accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": UNAVAILABLE_DETAIL}
    with pytest.raises(DatabaseUnavailable):
        await names.all(database)


async def test_pool_timeout_answers_503(tmp_path) -> None:
    app, database = make_app(
        f"sqlite:///{tmp_path}/x.db", pool_size=1, max_overflow=0, pool_timeout=0.2
    )
    one = prepare(select(literal(1).label("one")))

    @app.get("/")
    async def index(session: AsyncSession) -> dict[str, int]:
        return {"one": await one.scalar(session)}

    async with serve(app) as client:
        held = await database.engine.connect()  # the only connection
        try:
            assert (await client.get("/")).status_code == 503
        finally:
            await held.close()
        assert (await client.get("/")).json() == {"one": 1}


@pytest.mark.postgres
async def test_recovers_after_connections_are_killed(postgres_url: str) -> None:
    app, database = make_app(postgres_url, pool_size=2)

    @app.get("/pid")
    async def pid(session: AsyncSession) -> dict[str, int]:
        return {"pid": await PID.scalar(session)}

    async with serve(app) as client:
        first = await client.get("/pid")
        assert first.status_code == 200
        await terminate_from_outside(postgres_url)  # every connection of the pool
        for _ in range(3):  # no request fails: closed connections are replaced on checkout
            again = await client.get("/pid")
            assert again.status_code == 200
            assert again.json() != first.json()
        assert database.engine.sync_engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_connection_killed_during_a_read_costs_that_request_only(postgres_url: str) -> None:
    app, database = make_app(postgres_url, pool_size=2, max_overflow=0)

    @app.get("/slow")
    async def slow() -> dict[str, int]:
        await SLEEP.scalar(database)  # a borrowed connection
        return {"ok": 1}

    @app.get("/pid")
    async def pid(session: AsyncSession) -> dict[str, int]:
        return {"pid": await PID.scalar(session)}

    async with serve(app) as client:
        assert (await client.get("/pid")).status_code == 200
        request = asyncio.ensure_future(client.get("/slow", headers={"accept": "application/json"}))
        await wait_for_query(postgres_url, "pg_sleep")
        await terminate_from_outside(postgres_url)
        lost = await request
        assert lost.status_code == 503
        assert lost.json() == {"detail": UNAVAILABLE_DETAIL}
        for _ in range(4):
            assert (await client.get("/pid")).status_code == 200
        assert database.engine.sync_engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_connection_killed_inside_the_request_transaction(postgres_url: str) -> None:
    app, database = make_app(postgres_url, pool_size=2, max_overflow=0)
    await database.create_all()

    @app.post("/write-then-read")
    async def write_then_read(session: AsyncSession) -> dict[str, int]:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
        await session.flush()  # the transaction is open on the session's connection
        await SLEEP.scalar(session)  # runs on that connection, inside the transaction
        return {"ok": 1}

    @app.get("/count")
    async def count(session: AsyncSession) -> dict[str, int]:
        return {"n": await prepare(select(func.count()).select_from(BlogAuthor)).scalar(session)}

    async with serve(app) as client:
        request = asyncio.ensure_future(
            client.post("/write-then-read", headers={"accept": "application/json"})
        )
        await wait_for_query(postgres_url, "pg_sleep")
        await terminate_from_outside(postgres_url)
        lost = await request
        assert lost.status_code == 503
        assert lost.json() == {"detail": UNAVAILABLE_DETAIL}
        for _ in range(3):
            assert (await client.get("/count")).json() == {"n": 0}  # the write is gone
    await database.drop_all()


async def test_driver_errors_are_sqlalchemy_errors_without_values(
    database_url: str, backend: str
) -> None:
    app, database = make_app(database_url)

    @app.get("/ratio")
    async def ratio(by: int, session: AsyncSession) -> dict[str, object]:
        return {"ratio": int(await RATIO.scalar(session, by=by))}

    async with serve(app) as client:
        assert (await client.get("/ratio?by=5")).json() == {"ratio": 2}
        if backend == "postgresql":  # SQLite answers NULL to a division by zero
            with pytest.raises(exc.DBAPIError) as raised:
                await RATIO.scalar(database, by=0)
            assert "division by zero" in str(raised.value)
            assert raised.value.hide_parameters and "by" not in str(raised.value.params or "")
            failed = await client.get("/ratio?by=0", headers={"accept": "application/json"})
            assert failed.status_code == 500
            assert "SELECT" not in failed.text and "division" not in failed.text
            assert (await client.get("/ratio?by=2")).json() == {"ratio": 5}
    assert database.engine.sync_engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_a_cancelled_read_gives_its_connection_back(postgres_url: str) -> None:
    app, database = make_app(postgres_url, pool_size=1, max_overflow=0)
    async with app.lifespan_context():
        task = asyncio.ensure_future(SLEEP.scalar(database))
        await wait_for_query(postgres_url, "pg_sleep")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        pool = database.engine.sync_engine.pool
        assert pool.checkedout() == 0
        assert await PID.scalar(database) > 0  # the pool's only connection works again
