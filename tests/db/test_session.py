"""A session per request: commit on return, rollback on any exception, async and sync."""

from __future__ import annotations

import pytest
from db_models import BlogAuthor, BlogPost
from db_support import make_app, serve
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from spruce import HTTPException, ImproperlyConfigured, Spruce
from spruce.db import Database, get_database


async def _count(database: Database, model: type) -> int:
    async with database.session() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_async_handler_commits_when_it_returns(database_url: str) -> None:
    app, database = make_app(database_url)

    @app.post("/authors")
    async def create(name: str, session: AsyncSession) -> dict[str, object]:
        author = BlogAuthor(name=name, email=f"{name}@example.com")
        session.add(author)
        await session.flush()
        return {"id": author.id}

    await database.create_all()
    async with serve(app) as client:
        response = await client.post("/authors?name=ada")
        assert response.status_code == 200
        assert response.json()["id"] >= 1
        assert await _count(database, BlogAuthor) == 1


async def test_async_handler_rolls_back_when_it_raises(database_url: str) -> None:
    app, database = make_app(database_url)

    @app.post("/authors")
    async def create(session: AsyncSession) -> None:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
        await session.flush()  # written to the database, inside the transaction
        raise HTTPException(400, "changed my mind")

    @app.post("/crash")
    async def crash(session: AsyncSession) -> None:
        session.add(BlogAuthor(name="bob", email="bob@example.com"))
        await session.flush()
        raise RuntimeError("bug")

    await database.create_all()
    async with serve(app) as client:
        assert (await client.post("/authors")).status_code == 400
        assert (await client.post("/crash")).status_code == 500
        assert await _count(database, BlogAuthor) == 0


async def test_sync_handler_gets_a_sync_session(database_url: str) -> None:
    app, database = make_app(database_url)

    @app.post("/authors")
    def create(name: str, session: Session) -> dict[str, object]:
        author = BlogAuthor(name=name, email=f"{name}@example.com")
        session.add(author)
        session.flush()
        if name == "fail":
            raise HTTPException(409, "no")
        return {"id": author.id, "count": session.scalar(select(func.count(BlogAuthor.id)))}

    @app.get("/authors/{author_id}/posts")
    def posts(author_id: int, session: Session) -> list[str]:
        author = session.get(BlogAuthor, author_id)
        assert author is not None
        return [post.title for post in author.posts]  # lazy loading works in sync code

    await database.create_all()
    async with serve(app) as client:
        first = await client.post("/authors?name=ada")
        assert first.status_code == 200, first.text
        assert first.json()["count"] == 1
        assert (await client.post("/authors?name=fail")).status_code == 409
        assert await _count(database, BlogAuthor) == 1
        async with database.session() as session:
            session.add(BlogPost(title="Hello", author_id=first.json()["id"]))
        assert (await client.get(f"/authors/{first.json()['id']}/posts")).json() == ["Hello"]


async def test_async_handler_asking_for_a_sync_session_is_refused(tmp_path) -> None:
    app, database = make_app(f"sqlite:///{tmp_path}/x.db")

    @app.get("/wrong")
    async def wrong(session: Session) -> str:
        return "never"

    async with serve(app) as client:
        response = await client.get("/wrong")
    assert response.status_code == 500


async def test_session_outside_requests_commits_or_rolls_back(database_url: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    async with database.session() as session:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            session.add(BlogAuthor(name="bob", email="bob@example.com"))
            await session.flush()
            raise RuntimeError("stop")
    async with database.session(commit=False) as session:
        session.add(BlogAuthor(name="eve", email="eve@example.com"))
    assert await _count(database, BlogAuthor) == 1
    await database.dispose()


async def test_sync_session_outside_requests(tmp_path) -> None:
    app, database = make_app(f"sqlite:///{tmp_path}/x.db")
    await database.create_all()
    with database.sync_session() as session:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
    with database.sync_session() as session:
        assert session.scalar(select(func.count(BlogAuthor.id))) == 1
    await database.dispose()


async def test_unused_session_opens_no_connection(tmp_path) -> None:
    app, database = make_app(f"sqlite:///{tmp_path}/x.db")
    checkouts = []

    @app.get("/")
    async def index(session: AsyncSession) -> str:
        return "no query"

    async with serve(app) as client:
        from sqlalchemy import event

        event.listen(database.engine.sync_engine.pool, "checkout", lambda *a: checkouts.append(1))
        assert (await client.get("/")).text == "no query"
    assert checkouts == []


def test_get_database() -> None:
    database = Database("sqlite://")
    app = Spruce(batteries=[database])
    assert get_database(app) is database
    assert app.extensions["db"] is database
    with pytest.raises(ImproperlyConfigured, match="Database"):
        get_database(Spruce())
