"""Prepared reads (``spruce.db.prepare``): the same rows and values as the session gives, the
request's own uncommitted writes, the test transaction, parameters, and what is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import pickle
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from db_models import BlogAuthor, BlogPost
from db_support import make_app, serve
from reads_models import Employee, Gadget, Manager, Mood, ReadsBase, gadget, gadget_database
from sqlalchemy import bindparam, delete, exc, func, insert, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from spruce import Spruce
from spruce.db import Database, PreparedSelect, ReadRow, prepare
from spruce.db.lazysession import is_materialized
from spruce.exceptions import NotFound

GADGET_COLUMNS = list(Gadget.__table__.c)
BY_ID = prepare(select(Gadget.id, Gadget.name).where(Gadget.id == bindparam("id")))
NAMES = prepare(select(Gadget.name).order_by(Gadget.id))
EVERYTHING = prepare(select(*Gadget.__table__.c).order_by(Gadget.id))


@pytest_asyncio.fixture
async def gadgets(database_url: str) -> AsyncIterator[Database]:
    """A database with the ``reads_`` tables and gadgets 1 to 5."""
    database = await gadget_database(database_url, 5)
    yield database
    await database.dispose()


def _checked_in(database: Database) -> int:
    return int(database.engine.sync_engine.pool.checkedout())


# -- the results -------------------------------------------------------------------------------


async def test_every_processed_type_reads_back_as_through_the_session(
    gadgets: Database, backend: str
) -> None:
    statement = select(*GADGET_COLUMNS).order_by(Gadget.id)
    async with gadgets.session() as session:
        expected = (await session.execute(statement)).all()
        rows = await EVERYTHING.all(session)
    assert len(rows) == 5
    for row, want in zip(rows, expected, strict=True):
        assert tuple(row) == tuple(want)
        assert [type(value) for value in row] == [type(value) for value in want]
    first = rows[0]
    assert first.seen == dt.datetime(2026, 11, 26, 12, 1, 30, 123456, tzinfo=dt.UTC)
    assert first.seen.tzinfo is not None  # UTCDateTime on SQLite too
    assert first.mood is Mood.HAPPY and rows[1].mood is Mood.GRUMPY
    assert first.uid == uuid.UUID(int=1)
    assert first.data == {"n": 1, "tags": ["a", "b"], "nested": {"ok": True}}
    assert str(first.price) == "1.25"
    assert first.blob == bytes([1, 0, 255])
    assert rows[2].note == "note 3" and first.note is None
    assert _checked_in(gadgets) == 0


async def test_processed_values_bind_as_through_the_session(gadgets: Database) -> None:
    query = prepare(
        select(Gadget.id)
        .where(
            Gadget.uid == bindparam("uid"),
            Gadget.mood == bindparam("mood"),
            Gadget.seen >= bindparam("since"),
            Gadget.day >= bindparam("day"),
            Gadget.price > bindparam("price"),
            Gadget.flag == bindparam("flag"),
        )
        .order_by(Gadget.id)
    )
    values = {
        "uid": uuid.UUID(int=3),
        "mood": Mood.HAPPY,
        "since": dt.datetime(2026, 11, 26, 13, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "day": dt.date(2026, 1, 2),
        "price": 1,
        "flag": True,
    }
    async with gadgets.session() as session:
        through_session = (await session.scalars(query.statement, values)).all()
        assert await query.scalars(session, **values) == through_session == [3]
    assert await query.scalars(gadgets, **{**values, "uid": uuid.UUID(int=4)}) == []


async def test_rows_and_the_methods(gadgets: Database) -> None:
    async with gadgets.session() as session:
        row = await BY_ID.one(session, id=2)
        assert isinstance(row, ReadRow) and not isinstance(row, tuple)
        assert row == (2, "gadget 2") and tuple(row) == (2, "gadget 2") and len(row) == 2
        number, name = row
        assert (number, name) == (2, "gadget 2") and row[-1] == name and row[:1] == (2,)
        assert hash(row) == hash((2, "gadget 2")) and row == await BY_ID.one(session, id=2)
        assert (row.id, row["name"], row[1], row._fields) == (
            2,
            "gadget 2",
            "gadget 2",
            ("id", "name"),
        )
        assert row._asdict() == {"id": 2, "name": "gadget 2"} == row._mapping
        assert repr(row) == "ReadRow(id=2, name='gadget 2')"
        assert pickle.loads(pickle.dumps(row)) == row
        assert await BY_ID.one_or_none(session, id=99) is None
        assert await BY_ID.first(session, id=99) is None
        assert await NAMES.first(session) == ("gadget 1",)
        assert await NAMES.scalar(session) == "gadget 1"
        assert await NAMES.scalars(session) == [f"gadget {n}" for n in range(1, 6)]
        assert [r.name for r in await NAMES.all(session)] == await NAMES.scalars(session)
        with pytest.raises(exc.NoResultFound):
            await BY_ID.one(session, id=99)
        with pytest.raises(exc.MultipleResultsFound):
            await NAMES.one(session)
        with pytest.raises(exc.MultipleResultsFound):
            await NAMES.one_or_none(session)
        with pytest.raises(NotFound, match="Gadget not found"):
            await BY_ID.one_or_404(session, id=99)
        assert (await BY_ID.one_or_404(session, id=1)).name == "gadget 1"
        with pytest.raises(KeyError, match="no column 'nope'"):
            row["nope"]
        assert not is_materialized(session)  # reads alone never made an ORM session


async def test_names_as_sqlalchemy_gives_them(gadgets: Database) -> None:
    statements = [
        select(Gadget.id.label("number"), func.count()).group_by(Gadget.id),
        select(func.max(Gadget.id)),
        select(Gadget.id, Employee.id).join(Employee, Employee.id == Gadget.id, isouter=True),
        union_all(select(Gadget.id), select(Gadget.id)),
        select(Gadget.name + "!"),
    ]
    async with gadgets.session() as session:
        for statement in statements:
            result = await session.execute(statement)
            expected_keys, expected = tuple(result.keys()), [tuple(r) for r in result]
            rows = await prepare(statement).all(session)
            assert [tuple(r) for r in rows] == expected
            assert all(r._fields == expected_keys for r in rows), statement
        count = await prepare(select(func.count()).select_from(Gadget)).one(session)
        assert count.count == 5  # a column named like a tuple method is the column


async def test_parameters(gadgets: Database) -> None:
    limited = prepare(select(Gadget.id).order_by(Gadget.id).limit(bindparam("n", 2)))
    among = prepare(
        select(Gadget.id).where(Gadget.id.in_(bindparam("ids", expanding=True))).order_by(Gadget.id)
    )
    literal_values = prepare(select(Gadget.id).where(Gadget.name == "gadget 4", Gadget.id > 1))
    twice = prepare(
        select(Gadget.id).where(Gadget.id >= bindparam("x"), Gadget.id <= bindparam("x"))
    )
    async with gadgets.session() as session:
        assert await limited.scalars(session) == [1, 2]  # the default value
        assert await limited.scalars(session, n=4) == [1, 2, 3, 4]
        assert await among.scalars(session, ids=[5, 2, 42]) == [2, 5]
        assert await among.scalars(session, ids=[3]) == [3]
        assert await among.scalars(session, ids=[]) == []
        assert await literal_values.scalars(session) == [4]
        assert await twice.scalars(session, x=3) == [3]
        with pytest.raises(TypeError, match="missing the value of parameter 'id'"):
            await BY_ID.one(session)
        with pytest.raises(TypeError, match=r"unknown parameter\(s\) 'ident'.*its parameters: id"):
            await BY_ID.one(session, ident=1)
        with pytest.raises(TypeError, match="unknown parameter"):
            await BY_ID.one(session, id=1, extra=2)


async def test_single_table_subclasses_keep_their_discriminator(gadgets: Database) -> None:
    async with gadgets.session() as session:
        session.add_all([Employee(id=1, name="eve"), Manager(id=2, name="max")])
    managers = prepare(select(Manager.id, Manager.name))
    everyone = prepare(select(Employee.name).order_by(Employee.id))
    assert [tuple(r) for r in await managers.all(gadgets)] == [(2, "max")]
    assert await everyone.scalars(gadgets) == ["eve", "max"]


# -- where the read runs -----------------------------------------------------------------------


async def test_a_read_sees_the_sessions_own_uncommitted_writes(gadgets: Database) -> None:
    async with gadgets.session(commit=False) as session:
        session.add(gadget(6))  # pending: the read flushes it first, as a query would
        assert await BY_ID.one_or_none(session, id=6) == (6, "gadget 6")
        await session.execute(delete(Gadget).where(Gadget.id == 1))
        assert await BY_ID.one_or_none(session, id=1) is None
        assert len(await NAMES.all(session)) == 5
        # another connection does not see any of it
        assert await BY_ID.one_or_none(gadgets, id=6) is None
        assert await BY_ID.one_or_none(gadgets, id=1) == (1, "gadget 1")
        with session.no_autoflush:
            session.add(gadget(7))
            assert await BY_ID.one_or_none(session, id=7) is None
    # commit=False: rolled back
    assert await BY_ID.one_or_none(gadgets, id=6) is None


async def test_reads_in_a_handler_see_its_writes_and_the_test_transaction(
    database_url: str,
) -> None:
    app, database = make_app(database_url)
    names = prepare(select(BlogAuthor.name).order_by(BlogAuthor.id))

    @app.post("/authors")
    async def create(name: str, session: AsyncSession) -> dict[str, Any]:
        before = await names.scalars(session)
        session.add(BlogAuthor(name=name, email=f"{name}@example.com"))
        return {"before": before, "after": await names.scalars(session)}

    @app.get("/authors")
    async def listing(session: AsyncSession) -> list[str]:
        return await names.scalars(session)

    await database.create_all()
    async with database.test_transaction() as db:
        db.add(BlogAuthor(name="ada", email="ada@example.com"))
        await db.flush()  # uncommitted, inside the test transaction
        assert await names.scalars(database) == ["ada"]
        async with serve(app) as client:
            assert (await client.get("/authors")).json() == ["ada"]
            created = (await client.post("/authors?name=bob")).json()
            assert created == {"before": ["ada"], "after": ["ada", "bob"]}
            assert (await client.get("/authors")).json() == ["ada", "bob"]
    async with database.session() as session:  # the test transaction was rolled back
        assert await names.scalars(session) == []
    await database.dispose()


async def test_other_targets(gadgets: Database) -> None:
    assert await BY_ID.one(gadgets, id=1) == (1, "gadget 1")
    assert await BY_ID.one(gadgets.engine, id=2) == (2, "gadget 2")
    async with gadgets.engine.connect() as connection:
        assert await BY_ID.one(connection, id=3) == (3, "gadget 3")
    with pytest.raises(TypeError, match="runs on an AsyncSession, a Database"):
        await BY_ID.one("postgresql://", id=1)
    # reads on the Database borrow a connection each, so they may run side by side
    rows = await asyncio.gather(*(BY_ID.one(gadgets, id=n) for n in range(1, 6)))
    assert [row.id for row in rows] == [1, 2, 3, 4, 5]
    assert _checked_in(gadgets) == 0


@pytest.mark.postgres
async def test_locking_reads_go_through_the_session_and_begin_its_transaction(
    postgres_url: str,
) -> None:
    database = Database(postgres_url, metadata=ReadsBase.metadata)
    Spruce(batteries=[database])
    await database.create_all()
    async with database.session() as session:
        session.add(gadget(1))
    locking = prepare(select(Gadget.name).where(Gadget.id == 1).with_for_update())
    async with database.session() as session:
        assert await NAMES.scalars(session) == ["gadget 1"]
        assert not session.in_transaction() or not await _in_transaction(session)
        assert await locking.scalar(session) == "gadget 1"
        assert await _in_transaction(session)  # the row lock lasts until the commit
        assert await NAMES.scalars(session) == ["gadget 1"]  # now inside the transaction
    await database.drop_all()
    await database.dispose()


async def _in_transaction(session: AsyncSession) -> bool:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())


@pytest.mark.postgres
async def test_a_read_inside_the_transaction_runs_on_its_connection(postgres_url: str) -> None:
    database = Database(postgres_url, metadata=ReadsBase.metadata)
    Spruce(batteries=[database])
    await database.create_all()
    backend_pid = prepare(select(func.pg_backend_pid().label("pid")))
    async with database.session() as session:
        session.add(gadget(1))
        await session.flush()
        assert await _in_transaction(session)
        own = (await session.execute(select(func.pg_backend_pid()))).scalar_one()
        assert await backend_pid.scalar(session) == own
    await database.drop_all()
    await database.dispose()


@pytest.mark.postgres
async def test_drivers_without_a_direct_path_go_through_sqlalchemy(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    database = Database(url, metadata=ReadsBase.metadata)
    Spruce(batteries=[database])
    await database.create_all()
    async with database.session() as session:
        session.add_all([gadget(1), gadget(2)])
    async with database.session() as session:
        assert [tuple(r) for r in await BY_ID.all(session, id=2)] == [(2, "gadget 2")]
        assert (await EVERYTHING.all(session))[0].mood is Mood.HAPPY
    assert await BY_ID.one(database, id=1) == (1, "gadget 1")
    assert await NAMES.scalars(database.engine) == ["gadget 1", "gadget 2"]
    await database.drop_all()
    await database.dispose()


# -- what prepare() refuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (select(Gadget), "reads columns, not model objects"),
        (select(Gadget.id, Employee), "reads columns, not model objects"),
        (union_all(select(Employee), select(Employee)), "reads columns, not model objects"),
        (text("SELECT 1"), "takes a select"),
        (insert(Gadget).values(name="x"), "takes a select"),
        (delete(Gadget), "takes a select"),
    ],
)
def test_refused(statement: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        prepare(statement)


def test_prepared_select_repr_and_plan_cache() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    query = prepare(select(BlogPost.id).where(BlogPost.score > bindparam("min")))
    assert isinstance(query, PreparedSelect)
    assert "FROM blog_post" in repr(query)
    lite = sqlite.aiosqlite.dialect()  # type: ignore[attr-defined]
    pg = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    plan = query.plan(lite)
    assert plan is not None and query.plan(lite) is plan
    assert plan.sql.endswith("blog_post.score > ?")
    pg_plan = query.plan(pg)
    assert pg_plan is not None and pg_plan.sql.endswith("blog_post.score > $1::INTEGER")
    assert query.plan(postgresql.psycopg.dialect()) is None  # type: ignore[attr-defined]


async def test_literal_select_needs_no_table(database_url: str) -> None:
    app, database = make_app(database_url)
    one = prepare(select(literal(1).label("one"), bindparam("x", type_=BlogPost.score.type)))
    row = await one.one(database, x=5)
    assert row.one == 1 and row[1] == 5
    await database.dispose()


async def test_a_session_that_must_roll_back_refuses_reads_too(gadgets: Database) -> None:
    async with gadgets.session(commit=False) as session:
        session.add(gadget(1))  # its primary key is taken
        with pytest.raises(exc.IntegrityError):
            await session.flush()
        with pytest.raises(exc.PendingRollbackError):
            await session.execute(select(Gadget.id))
        with pytest.raises(exc.PendingRollbackError):
            await BY_ID.one(session, id=1)
        await session.rollback()
        assert await BY_ID.one(session, id=1) == (1, "gadget 1")


async def test_handlers_answer_rows_as_json_objects(database_url: str) -> None:
    app, database = make_app(database_url)
    authors = prepare(select(BlogAuthor.id, BlogAuthor.name).order_by(BlogAuthor.id))
    count = prepare(
        select(BlogAuthor.name, func.count().label("posts"))
        .group_by(BlogAuthor.name)
        .order_by(BlogAuthor.name)
    )

    @app.get("/authors")
    async def listing(session: AsyncSession) -> Any:
        return await authors.all(session)

    @app.get("/first")
    async def first(session: AsyncSession) -> Any:
        return await authors.first(session)  # a row is not a (body, status) tuple

    @app.get("/counts")
    async def counts(session: AsyncSession) -> Any:
        return {"counts": await count.all(session)}

    await database.create_all()
    async with database.session() as session:
        session.add_all([BlogAuthor(name=n, email=f"{n}@example.com") for n in ("ada", "bob")])
    async with serve(app) as client:
        assert (await client.get("/authors")).json() == [
            {"id": 1, "name": "ada"},
            {"id": 2, "name": "bob"},
        ]
        assert (await client.get("/first")).json() == {"id": 1, "name": "ada"}
        assert (await client.get("/counts")).json() == {
            "counts": [{"name": "ada", "posts": 1}, {"name": "bob", "posts": 1}]
        }
    await database.dispose()
