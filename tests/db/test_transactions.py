"""Begin on write: reads before a session's first write run without BEGIN/COMMIT round trips,
and writes stay all-or-nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from db_models import BlogAuthor, BlogPost
from db_support import make_app, serve
from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from spruce import HTTPException
from spruce.db import Database, Model
from spruce.db.engine import database_urls
from spruce.db.transactions import BEGIN_ON_WRITE, is_plain_read

# -- which statements count as plain reads ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        select(BlogAuthor),
        select(BlogAuthor).where(BlogAuthor.id == bindparam("id")),
        select(BlogAuthor.id, BlogAuthor.name).order_by(BlogAuthor.name).limit(3),
        select(func.count()).select_from(BlogAuthor),
        select(BlogAuthor).where(func.lower(BlogAuthor.email) == "a@x.org"),
        select(func.max(BlogPost.score), func.coalesce(func.sum(BlogPost.score), 0)),
        select(BlogPost).join(BlogPost.author).where(BlogAuthor.name == "ada"),
        select(BlogAuthor).where(BlogAuthor.id.in_(select(BlogPost.author_id))),
        union_all(select(BlogAuthor.id), select(BlogPost.id)),
    ],
)
def test_plain_reads(statement: Any) -> None:
    assert is_plain_read(statement)


@pytest.mark.parametrize(
    "statement",
    [
        select(BlogAuthor).with_for_update(),
        select(BlogAuthor).where(BlogAuthor.id.in_(select(BlogPost.author_id).with_for_update())),
        select(func.nextval("some_sequence")),
        select(func.pg_advisory_xact_lock(1)),
        select(func.my_own_function(BlogAuthor.id)),
        select(BlogAuthor).where(text("id > 1")),
        select(literal_column("my_function()")),
        text("SELECT 1"),
        insert(BlogAuthor).values(name="x", email="y"),
        update(BlogAuthor).values(name="x"),
        delete(BlogAuthor),
        select(update(BlogAuthor).values(name="x").returning(BlogAuthor.id).cte()),
    ],
)
def test_anything_else_begins_the_transaction_first(statement: Any) -> None:
    assert not is_plain_read(statement)


# -- on PostgreSQL: what goes over the wire ------------------------------------------------------


class Wire:
    """The simple-protocol commands (BEGIN, COMMIT, ROLLBACK, SAVEPOINT...) asyncpg sends."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def __call__(self, record: Any) -> None:
        self.commands.append(record.query.strip().rstrip(";").split()[0].upper())

    def attach(self, database: Database) -> None:
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(self)

        event.listen(database.engine.sync_engine, "connect", on_connect)

    async def taken(self) -> list[str]:
        await asyncio.sleep(0.01)  # the loggers run soon after each query
        commands, self.commands = self.commands, []
        return commands


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """This worker's PostgreSQL database, its tables dropped after the test."""
    yield postgres_url
    engine = create_engine(database_urls(postgres_url)[1])
    try:
        Model.metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[tuple[Any, Database, Wire]]:
    app, database = make_app(pg_url, pool_size=2)
    wire = Wire()
    wire.attach(database)
    yield app, database, wire


async def _in_transaction(session: AsyncSession) -> bool:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())


@pytest.mark.postgres
async def test_read_only_requests_send_no_begin_or_commit(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    app, database, wire = pg_app

    @app.get("/authors/{author_id}")
    async def show(author_id: int, session: AsyncSession) -> dict[str, Any]:
        author = await session.get(BlogAuthor, author_id)
        posts = await session.scalar(select(func.count()).select_from(BlogPost))
        assert not await _in_transaction(session)
        return {"name": author.name if author else None, "posts": posts}

    await database.create_all()
    async with database.session() as session:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
    async with serve(app) as client:
        await wire.taken()
        for _ in range(3):
            response = await client.get("/authors/1")
            assert response.json() == {"name": "ada", "posts": 0}
        assert await wire.taken() == []


@pytest.mark.postgres
async def test_the_first_write_begins_and_the_request_commits(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    app, database, wire = pg_app

    @app.post("/authors")
    async def create(name: str, session: AsyncSession) -> dict[str, Any]:
        existing = await session.scalar(select(func.count()).select_from(BlogAuthor))
        assert not await _in_transaction(session)
        author = BlogAuthor(name=name, email=f"{name}@example.com")
        session.add(author)
        await session.flush()
        assert await _in_transaction(session)
        # a read after the write is inside the transaction: it sees the new row
        mine = await session.scalar(select(BlogAuthor.name).where(BlogAuthor.id == author.id))
        return {"before": existing, "mine": mine}

    await database.create_all()
    async with serve(app) as client:
        await wire.taken()
        response = await client.post("/authors?name=ada")
        assert response.json() == {"before": 0, "mine": "ada"}
        assert await wire.taken() == ["BEGIN", "COMMIT"]
    async with database.session() as session:
        assert await session.scalar(select(BlogAuthor.name)) == "ada"


@pytest.mark.postgres
async def test_a_failed_request_leaves_none_of_its_writes(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    app, database, wire = pg_app

    @app.post("/orm")
    async def orm(session: AsyncSession) -> None:
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
        await session.flush()
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        raise HTTPException(400, "changed my mind")

    @app.post("/statements")
    async def statements(session: AsyncSession) -> None:
        await session.execute(insert(BlogAuthor).values(name="bob", email="bob@example.com"))
        await session.execute(text("UPDATE blog_author SET name = 'robert'"))
        raise RuntimeError("bug")

    await database.create_all()
    async with serve(app) as client:
        await wire.taken()
        assert (await client.post("/orm")).status_code == 400
        assert await wire.taken() == ["BEGIN", "ROLLBACK"]
        assert (await client.post("/statements")).status_code == 500
        assert await wire.taken() == ["BEGIN", "ROLLBACK"]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(BlogAuthor)) == 0


@pytest.mark.postgres
async def test_locks_savepoints_and_textual_sql_run_inside_the_transaction(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    app, database, wire = pg_app
    await database.create_all()
    async with database.session() as session:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
    await wire.taken()

    async with database.session() as session:
        await session.execute(select(BlogAuthor).with_for_update())
        assert await _in_transaction(session)
    assert await wire.taken() == ["BEGIN", "COMMIT"]

    async with database.session() as session:
        await session.execute(text("SELECT 1"))
        assert await _in_transaction(session)
    assert await wire.taken() == ["BEGIN", "COMMIT"]

    async with database.session() as session:
        await session.get(BlogAuthor, 1)
        async with session.begin_nested():
            session.add(BlogAuthor(name="bob", email="bob@example.com"))
    assert await wire.taken() == ["BEGIN", "COMMIT"]  # SAVEPOINT goes as a prepared statement
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(BlogAuthor)) == 2


@pytest.mark.postgres
async def test_isolation_levels_and_the_switch_turn_it_off(pg_url: str) -> None:
    app, database = make_app(pg_url)
    await database.create_all()
    async with database.session() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        assert await _in_transaction(session)  # the snapshot is taken by the first read
    await database.dispose()

    app, database = make_app(pg_url, begin_on_write=False)
    async with database.session() as session:
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        assert await _in_transaction(session)
    await database.dispose()


@pytest.mark.postgres
async def test_connections_go_back_to_the_pool_as_they_came(pg_url: str) -> None:
    app, database = make_app(pg_url, pool_size=1, max_overflow=0)
    await database.create_all()
    async with database.session() as session:
        await session.scalar(select(func.count()).select_from(BlogAuthor))
    async with database.engine.connect() as connection:  # the same pooled connection
        await connection.scalar(select(func.count()).select_from(BlogAuthor))
        raw = await connection.get_raw_connection()
        assert raw.driver_connection.is_in_transaction()  # plain engine use is untouched
    await database.dispose()


@pytest.mark.postgres
def test_sync_sessions_begin_on_write_too(pg_url: str) -> None:
    from psycopg.pq import TransactionStatus

    app, database = make_app(pg_url)
    database.metadata.create_all(database.sync_engine, tables=[BlogAuthor.__table__])

    def status(session: Session) -> TransactionStatus:
        return session.connection().connection.driver_connection.info.transaction_status

    @app.get("/read")
    def read(session: Session) -> dict[str, str]:
        session.scalar(select(func.count()).select_from(BlogAuthor))
        return {"status": status(session).name}

    @app.post("/write")
    def write(session: Session) -> dict[str, str]:
        session.scalar(select(func.count()).select_from(BlogAuthor))
        before = status(session).name
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
        session.flush()
        if session.scalar(select(func.count()).select_from(BlogAuthor)) > 1:
            raise HTTPException(409, "only one")
        return {"before": before, "after": status(session).name}

    from spruce.testing import TestClient

    with TestClient(app) as client:
        assert client.get("/read").json() == {"status": "IDLE"}
        assert client.post("/write").json() == {"before": "IDLE", "after": "INTRANS"}
        assert client.post("/write").status_code == 409  # its INSERT was rolled back
    with database.sync_session() as session:
        assert session.scalar(select(func.count()).select_from(BlogAuthor)) == 1
    database.sync_engine.dispose()


@pytest.mark.postgres
async def test_read_only_requests_still_commit_for_after_commit_listeners(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    from spruce.db.session import GuardedSession

    app, database, wire = pg_app
    commits: list[str] = []

    @app.get("/count")
    async def count(session: AsyncSession) -> dict[str, int]:
        return {"n": await session.scalar(select(func.count()).select_from(BlogAuthor)) or 0}

    def after_commit(session: Session) -> None:
        commits.append("committed")

    await database.create_all()
    async with serve(app) as client:
        await wire.taken()
        assert (await client.get("/count")).json() == {"n": 0}
        assert commits == []  # nothing to commit: the session was only closed
        event.listen(GuardedSession, "after_commit", after_commit)
        try:
            assert (await client.get("/count")).json() == {"n": 0}
        finally:
            event.remove(GuardedSession, "after_commit", after_commit)
        assert commits == ["committed"]
        assert await wire.taken() == []  # still no BEGIN/COMMIT on the wire


@pytest.mark.postgres
async def test_an_unused_session_checks_out_no_connection(
    pg_app: tuple[Any, Database, Wire],
) -> None:
    app, database, wire = pg_app
    checkouts: list[int] = []

    @app.get("/cached")
    async def cached(session: AsyncSession) -> dict[str, str]:
        return {"from": "cache"}  # asked for a session, did not need it

    event.listen(database.engine.sync_engine, "checkout", lambda *args: checkouts.append(1))
    async with serve(app) as client:
        checkouts.clear()
        for _ in range(3):
            assert (await client.get("/cached")).json() == {"from": "cache"}
    assert checkouts == []


@pytest.mark.postgres
async def test_a_connection_that_opts_out_gets_a_transaction(pg_url: str) -> None:
    app, database = make_app(pg_url)
    await database.create_all()
    async with database.session() as session:
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        assert not await _in_transaction(session)  # the read left the driver in autocommit
        connection = await session.connection()
        await connection.execution_options(**{BEGIN_ON_WRITE: False})
        await session.scalar(select(func.count()).select_from(BlogAuthor))
        assert await _in_transaction(session)
    await database.dispose()
