"""Which connection prepared reads run on: a session's reads share one (borrowed at the first,
given back when the session closes or makes its ORM session), reads side by side borrow their
own, and a request gives back what its session held however the handler ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from db_support import serve
from reads_models import Gadget, gadget, gadget_database
from sqlalchemy import bindparam, event, exc, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from spruce import StreamingResponse, WebSocket
from spruce.db import Database, prepare
from spruce.db.lazysession import held_connection, is_materialized
from spruce.exceptions import HTTPException
from spruce.testing import AsyncTestClient

BY_ID = prepare(select(Gadget.id, Gadget.name).where(Gadget.id == bindparam("id")))


def _checked_out(database: Database) -> int:
    return int(database.engine.sync_engine.pool.checkedout())


@pytest_asyncio.fixture
async def gadgets(database_url: str) -> AsyncIterator[Database]:
    database = await gadget_database(database_url, 3)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def on_postgres(postgres_url: str) -> AsyncIterator[Database]:
    database = await gadget_database(postgres_url, 3)
    yield database
    await database.drop_all()
    await database.dispose()


@pytest.mark.postgres
async def test_a_sessions_reads_share_one_connection_until_it_closes(
    on_postgres: Database,
) -> None:
    async with on_postgres.session(commit=False) as session:
        assert await BY_ID.one(session, id=1) == (1, "gadget 1")
        held = held_connection(session)
        assert held is not None
        assert await BY_ID.one(session, id=2) == (2, "gadget 2")
        assert held_connection(session) is held
        assert _checked_out(on_postgres) == 1
        assert not is_materialized(session)  # no ORM session was made for it
    assert _checked_out(on_postgres) == 0
    async with on_postgres.session() as session:  # committing makes the ORM session
        await BY_ID.one(session, id=1)
    assert _checked_out(on_postgres) == 0


@pytest.mark.postgres
async def test_reads_side_by_side_borrow_their_own(on_postgres: Database) -> None:
    checkouts: list[object] = []
    pool = on_postgres.engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *args: checkouts.append(args[1]))
    async with on_postgres.session(commit=False) as session:
        rows = await asyncio.gather(*(BY_ID.one(session, id=n) for n in (1, 2, 3)))
        assert [row.id for row in rows] == [1, 2, 3]
        assert len(checkouts) == 3  # never two queries at once on one connection
        assert _checked_out(on_postgres) == 1  # the others went straight back
    assert _checked_out(on_postgres) == 0


@pytest.mark.postgres
async def test_making_the_orm_session_gives_the_shared_connection_back(
    on_postgres: Database,
) -> None:
    async with on_postgres.session() as session:
        await BY_ID.one(session, id=1)
        assert held_connection(session) is not None
        session.add(gadget(9))
        assert held_connection(session) is None
        await session.flush()
        assert _checked_out(on_postgres) == 1  # the ORM session's own, not two
        assert await BY_ID.one(session, id=9) == (9, "gadget 9")  # on its transaction
    assert _checked_out(on_postgres) == 0


@pytest.mark.postgres
async def test_a_failed_or_cancelled_read_leaves_the_session_usable(
    on_postgres: Database,
) -> None:
    async with on_postgres.session(commit=False) as session:
        await BY_ID.one(session, id=1)
        held = held_connection(session)
        with pytest.raises(exc.DBAPIError):
            await BY_ID.one(session, id="not a number")
        assert held_connection(session) is held  # the connection was fine: kept
        async with on_postgres.engine.connect() as locker:  # the read waits for the lock
            await locker.execute(text(f"LOCK TABLE {Gadget.__tablename__}"))
            task = asyncio.ensure_future(BY_ID.one(session, id=2))
            await asyncio.sleep(0.2)
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await locker.rollback()
        assert held_connection(session) is None  # cancelled mid-query: not reused
        assert await BY_ID.one(session, id=3) == (3, "gadget 3")
    assert _checked_out(on_postgres) == 0


async def test_a_request_gives_back_what_its_reads_held(gadgets: Database) -> None:
    app = gadgets.app
    assert app is not None

    @app.get("/two")
    async def two(session: AsyncSession) -> Any:
        return [(await BY_ID.one(session, id=n)).name for n in (1, 2)]

    @app.get("/fails")
    async def fails(session: AsyncSession) -> Any:
        await BY_ID.one(session, id=1)
        raise HTTPException(409, "after a read")

    @app.get("/crashes")
    async def crashes(session: AsyncSession) -> Any:
        await BY_ID.one(session, id=1)
        raise RuntimeError("boom")

    sessions: list[AsyncSession] = []

    @app.get("/streamed")
    async def streamed(session: AsyncSession) -> Any:
        sessions.append(session)

        async def names() -> AsyncIterator[str]:  # runs after the handler's session closed
            for number in (1, 2, 3):
                yield (await BY_ID.one(session, id=number)).name + "\n"

        return StreamingResponse(names(), media_type="text/plain")

    async with serve(app) as client:
        assert (await client.get("/two")).json() == ["gadget 1", "gadget 2"]
        assert _checked_out(gadgets) == 0
        assert (await client.get("/streamed")).text == "gadget 1\ngadget 2\ngadget 3\n"
        assert held_connection(sessions[0]) is None  # nothing left for nobody to give back
        assert _checked_out(gadgets) == 0
        assert (await client.get("/fails")).status_code == 409
        assert _checked_out(gadgets) == 0
        assert (await client.get("/crashes")).status_code == 500
        assert _checked_out(gadgets) == 0


async def test_a_websockets_session_keeps_no_connection_between_reads(
    gadgets: Database,
) -> None:
    app = gadgets.app
    assert app is not None

    @app.websocket("/names")
    async def names(websocket: WebSocket, session: AsyncSession) -> None:
        await websocket.accept()
        while True:
            number = int(await websocket.receive_text())
            await websocket.send_text((await BY_ID.one(session, id=number)).name)

    async with AsyncTestClient(app) as client, client.websocket_connect("/names") as ws:
        for number in (1, 2):
            await ws.send_text(str(number))
            assert await ws.receive_text() == f"gadget {number}"
            assert _checked_out(gadgets) == 0  # the socket stays open; the pool slot does not
