"""Constraint violations as typed exceptions and 409/422 answers; a database that is down as
503, and recovery without a restart."""

from __future__ import annotations

import asyncio
import socket

import pytest
from db_models import BlogAuthor, BlogPost, BlogTag
from db_support import make_app, serve, terminate_from_outside, wait_for_query
from sqlalchemy import delete, exc, text
from sqlalchemy.ext.asyncio import AsyncSession

from spruce.db import (
    CheckViolation,
    DatabaseUnavailable,
    ForeignKeyViolation,
    NotNullViolation,
    UniqueViolation,
)
from spruce.db.handlers import UNAVAILABLE_DETAIL


async def test_violations_are_typed(database_url: str, backend: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    async with database.session() as session:
        ada = BlogAuthor(name="Ada", email="ada@example.com")
        session.add(ada)
    with pytest.raises(UniqueViolation) as unique:
        async with database.session() as session:
            session.add(BlogAuthor(name="Other", email="ada@example.com"))
    assert isinstance(unique.value, exc.IntegrityError)  # still SQLAlchemy's class
    assert unique.value.columns == ("email",)
    assert unique.value.status_code == 409
    assert "ada@example.com" not in unique.value.message
    if backend == "postgresql":
        assert unique.value.table == "blog_author"
        assert unique.value.constraint == "uq_blog_author_email"
    with pytest.raises(UniqueViolation):
        async with database.session() as session:
            session.add_all([BlogTag(label="x", lang="en"), BlogTag(label="x", lang="en")])
    with pytest.raises(ForeignKeyViolation) as missing:
        async with database.session() as session:
            session.add(BlogPost(title="Orphan", author_id=999))
    assert not missing.value.still_referenced
    assert missing.value.status_code == 422
    async with database.session() as session:
        session.add(BlogPost(title="Hello", author_id=ada.id))
    with pytest.raises(ForeignKeyViolation) as referenced:
        async with database.session() as session:
            await session.execute(delete(BlogAuthor).where(BlogAuthor.id == ada.id))
    assert referenced.value.still_referenced
    assert referenced.value.status_code == 409
    with pytest.raises(NotNullViolation):
        async with database.session() as session:
            await session.execute(text("INSERT INTO blog_author (name) VALUES ('x')"))
    with pytest.raises(CheckViolation):
        async with database.session() as session:
            session.add(BlogPost(title="Bad", author_id=ada.id, score=-1))
    await database.dispose()


async def test_violations_answer_409_and_422_with_field_errors(database_url: str) -> None:
    app, database = make_app(database_url)

    @app.post("/authors")
    async def create(email: str, session: AsyncSession) -> dict[str, str]:
        session.add(BlogAuthor(name="x", email=email))
        return {"email": email}  # the INSERT happens at commit, after the handler

    @app.post("/posts")
    async def post(author_id: int, session: AsyncSession) -> None:
        session.add(BlogPost(title="t", author_id=author_id))
        await session.flush()

    await database.create_all()
    async with serve(app) as client:
        assert (await client.post("/authors?email=a@x.org")).status_code == 200
        conflict = await client.post("/authors?email=a@x.org")
        assert conflict.status_code == 409
        body = conflict.json()
        assert body["detail"] == "email already exists"
        assert body["errors"] == [
            {"location": "body", "field": "email", "message": "already exists", "type": "unique"}
        ]
        assert "a@x.org" not in conflict.text and "INSERT" not in conflict.text
        invalid = await client.post("/posts?author_id=999")
        assert invalid.status_code == 422
        assert invalid.json()["errors"][0]["type"] == "foreign_key"
        html = await client.post("/authors?email=a@x.org", headers={"accept": "text/html"})
        assert html.status_code == 409 and "<h1>409" in html.text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_database_answers_503() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    app, database = make_app(url, connect_timeout=2)

    @app.get("/")
    async def index(session: AsyncSession) -> dict[str, int]:
        return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}

    async with serve(app) as client:  # starting does not need the database
        response = await client.get("/", headers={"accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": "The database is unavailable; please try again shortly."}
    assert not await database.ping()


async def test_pool_timeout_answers_503(tmp_path) -> None:
    app, database = make_app(
        f"sqlite:///{tmp_path}/x.db", pool_size=1, max_overflow=0, pool_timeout=0.2
    )

    @app.get("/")
    async def index(session: AsyncSession) -> dict[str, int]:
        return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}

    async with serve(app) as client:
        held = await database.engine.connect()  # the only connection
        try:
            response = await client.get("/")
        finally:
            await held.close()
        assert response.status_code == 503
        assert (await client.get("/")).status_code == 200


@pytest.mark.postgres
async def test_recovers_after_connections_are_killed(postgres_url: str) -> None:
    # the defaults: no pre-ping query, yet a connection the server closed is never handed out
    app, database = make_app(postgres_url, pool_size=2)
    assert database.config.pool_pre_ping is False

    @app.get("/pid")
    async def pid(session: AsyncSession) -> dict[str, int]:
        return {"pid": (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()}

    async with serve(app) as client:
        first = await client.get("/pid")
        assert first.status_code == 200
        await terminate_from_outside(postgres_url)  # every connection of the pool
        second = await client.get("/pid")
        assert second.status_code == 200
        assert second.json() != first.json()

    # with pre-ping (a query per checkout) it works the same way
    app, database = make_app(postgres_url, pool_size=2, pool_pre_ping=True)
    app.get("/pid")(pid)
    async with serve(app) as client:
        first = await client.get("/pid")
        await terminate_from_outside(postgres_url)
        second = await client.get("/pid")
        assert second.status_code == 200
        assert second.json() != first.json()


@pytest.mark.postgres
async def test_connection_killed_during_a_request_costs_that_request_only(
    postgres_url: str,
) -> None:
    app, database = make_app(postgres_url, pool_size=2, max_overflow=0)

    @app.get("/slow")
    async def slow(session: AsyncSession) -> dict[str, int]:
        await session.execute(text("SELECT pg_sleep(0.5)"))
        return {"ok": 1}

    @app.get("/pid")
    async def pid(session: AsyncSession) -> dict[str, int]:
        return {"pid": (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()}

    async with serve(app) as client:
        assert (await client.get("/pid")).status_code == 200
        request = asyncio.ensure_future(client.get("/slow", headers={"accept": "application/json"}))
        await wait_for_query(postgres_url, "pg_sleep")
        await terminate_from_outside(postgres_url)  # every connection, one of them mid-query
        lost = await request
        assert lost.status_code == 503
        assert lost.json() == {"detail": UNAVAILABLE_DETAIL}
        for _ in range(4):  # then every request works again, on new connections
            assert (await client.get("/pid")).status_code == 200


def test_unavailable_is_an_operational_error() -> None:
    error = DatabaseUnavailable("cannot connect", ConnectionRefusedError(111, "refused"))
    assert isinstance(error, exc.OperationalError)
    assert str(error).startswith("cannot connect (ConnectionRefusedError")
