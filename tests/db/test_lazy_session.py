"""The battery's sessions make their ORM ``Session`` on first use and are ``AsyncSession``s in
every other way."""

from __future__ import annotations

from typing import Any

from db_models import BlogAuthor
from db_support import make_app, serve
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session

from spruce import HTTPException
from spruce.db import prepare
from spruce.db.lazysession import LazyAsyncSession, is_materialized, lazy_bind
from spruce.db.session import GuardedSession

AUTHORS = prepare(select(func.count()).select_from(BlogAuthor))


async def test_a_session_is_made_when_first_needed(database_url: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    session = database.new_session()
    assert isinstance(session, AsyncSession) and isinstance(session, LazyAsyncSession)
    assert not is_materialized(session)
    assert lazy_bind(session) is not None
    assert await AUTHORS.scalar(session) == 0  # a fast read needs no ORM session
    assert not is_materialized(session)
    await session.close()  # nothing to close
    assert not is_materialized(session)

    author = BlogAuthor(name="ada", email="ada@example.com")
    session.add(author)  # any ORM use makes it
    assert is_materialized(session) and lazy_bind(session) is None
    assert isinstance(session.sync_session, GuardedSession)
    assert session.sync_session.expire_on_commit is False
    assert session.bind is not None and session.info == {}
    await session.commit()
    assert async_object_session(author) is session  # SQLAlchemy finds the async session
    assert await session.scalar(select(BlogAuthor.name)) == "ada"
    await session.close()
    await database.dispose()


async def test_requests_that_never_use_the_orm_make_no_session(database_url: str) -> None:
    app, database = make_app(database_url)
    made: list[Any] = []

    def began(*args: Any) -> None:
        made.append(args)

    event.listen(GuardedSession, "after_begin", began)

    @app.get("/count")
    async def count(session: AsyncSession) -> dict[str, int]:
        return {"n": await AUTHORS.scalar(session)}

    @app.get("/missing")
    async def missing(session: AsyncSession) -> None:
        await AUTHORS.scalar(session)
        raise HTTPException(404, "no such thing")  # nothing to roll back either

    @app.post("/authors")
    async def create(name: str, session: AsyncSession) -> dict[str, int]:
        session.add(BlogAuthor(name=name, email=f"{name}@example.com"))
        return {"before": await AUTHORS.scalar(session)}  # flushed first: sees its own row

    try:
        await database.create_all()
        async with serve(app) as client:
            assert (await client.get("/count")).json() == {"n": 0}
            assert (await client.get("/missing")).status_code == 404
            assert made == []
            assert (await client.post("/authors?name=ada")).json() == {"before": 1}
            assert len(made) == 1
            assert (await client.get("/count")).json() == {"n": 1}  # committed
    finally:
        event.remove(GuardedSession, "after_begin", began)
