"""Engine URLs, settings, seeding, checks and the pytest fixtures users get."""

from __future__ import annotations

import json

import pytest
from db_models import BlogAuthor, BlogPost
from db_support import make_app, serve
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from spruce import ImproperlyConfigured, Spruce
from spruce.db import Database
from spruce.db.engine import database_urls
from spruce.db.seeding import SeedError, seed


@pytest.mark.parametrize(
    ("given", "async_url", "sync_url"),
    [
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
        (
            "postgresql+asyncpg://u@h/db",
            "postgresql+asyncpg://u@h/db",
            "postgresql+psycopg://u@h/db",
        ),
        (
            "postgresql+psycopg://u@h/db",
            "postgresql+psycopg://u@h/db",
            "postgresql+psycopg://u@h/db",
        ),
        (
            "sqlite:////abs/app.db",
            "sqlite+aiosqlite:////abs/app.db",
            "sqlite+pysqlite:////abs/app.db",
        ),
        ("sqlite:///app.db", "sqlite+aiosqlite:////proj/app.db", "sqlite+pysqlite:////proj/app.db"),
        ("sqlite://", "sqlite+aiosqlite://", "sqlite+pysqlite://"),
    ],
)
def test_urls_in_the_usual_form_pick_drivers(given: str, async_url: str, sync_url: str) -> None:
    made = database_urls(given, "/proj")
    assert [u.render_as_string(hide_password=False) for u in made] == [async_url, sync_url]


def test_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_urls("not a url")


def test_settings_come_from_arguments_then_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@h/db")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    database = Database(pool_size=7)
    Spruce(batteries=[database], root_path=str(tmp_path))
    assert database.config.url == "postgresql://env@h/db"
    assert database.config.pool_size == 7
    assert database.config.url_from_default is False
    monkeypatch.delenv("DATABASE_URL")
    default = Database()
    Spruce(batteries=[default], root_path=str(tmp_path))
    assert default.config.url_from_default
    assert default.urls[0].database == str(tmp_path / "app.db")


async def test_sqlite_gets_foreign_keys_and_wal(tmp_path) -> None:
    app, database = make_app(f"sqlite:///{tmp_path}/x.db")
    async with database.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    await database.dispose()


async def test_seed_from_json_and_function(database_url: str, tmp_path) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    data = {
        "BlogAuthor": [{"name": "Ada", "email": "ada@example.com"}],
        "blog_post": [{"title": "Hi", "author_id": 1, "created_at": "2024-05-01T12:00:00Z"}],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data))
    assert await seed(database, str(path)) == f"loaded 2 rows from {path}"
    async with database.session() as session:
        post = (await session.scalars(select(BlogPost))).one()
        assert post.created_at.year == 2024 and post.created_at.tzinfo is not None
    module = tmp_path / "seeds_for_db_test.py"
    module.write_text(
        "from db_models import BlogAuthor\n"
        "def run(session):\n"
        "    session.add(BlogAuthor(name='Bob', email='bob@example.com'))\n"
    )
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        assert await seed(database, "seeds_for_db_test:run") == "ran seeds_for_db_test:run"
    finally:
        sys.path.remove(str(tmp_path))
    async with database.session() as session:
        assert await session.scalar(select(func.count(BlogAuthor.id))) == 2
    path.write_text(json.dumps({"Nope": []}))
    with pytest.raises(SeedError, match="no model or table named 'Nope'"):
        await seed(database, str(path))
    path.write_text(json.dumps({"BlogAuthor": [{"nickname": "x"}]}))
    with pytest.raises(SeedError, match="has no column 'nickname'"):
        await seed(database, str(path))
    await database.dispose()


def test_checks(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = Database(echo=True)
    app = Spruce(batteries=[database], root_path=str(tmp_path / "missing"))
    problems = [p for check in app.checks for p in check.func(app)]
    assert any("folder of the SQLite database does not exist" in p for p in problems)
    assert any("DATABASE_URL is not set" in p for p in problems)
    assert any("DATABASE_ECHO is on" in p for p in problems)
    assert {check.deploy for check in app.checks} == {False, True}


# -- the fixtures of spruce.db.testing ---------------------------------------------------------
_first_url: dict[str, str] = {}


@pytest.fixture
def app(database_url: str) -> Spruce:
    app, _ = make_app(database_url)

    @app.post("/authors")
    async def create(name: str, session: AsyncSession) -> dict[str, int]:
        author = BlogAuthor(name=name, email=f"{name}@example.com")
        session.add(author)
        await session.flush()
        return {"id": author.id}

    @app.post("/fail")
    async def fail(session: AsyncSession) -> None:
        session.add(BlogAuthor(name="zed", email="zed@example.com"))
        await session.flush()
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize("round_", [1, 2])
async def test_db_fixture_rolls_back_requests_too(
    app: Spruce, db: AsyncSession, round_: int
) -> None:
    # the same database for both rounds: what round 1 wrote must be gone in round 2
    async with serve(app) as client:
        assert (await client.post("/authors?name=ada")).status_code == 200
        assert (await client.post("/fail")).status_code == 500
    names = (await db.scalars(select(BlogAuthor.name))).all()
    assert names == ["ada"]  # committed by the handler, visible here; the failed one is not
    db.add(BlogAuthor(name="eve", email="eve@example.com"))
    await db.commit()
    assert await db.scalar(select(func.count(BlogAuthor.id))) == 2


async def test_rolled_back_after_the_fixture(database_url: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    async with database.test_transaction() as session:
        session.add(BlogAuthor(name="ada", email="ada@example.com"))
        await session.commit()
    async with database.session() as session:
        assert await session.scalar(select(func.count(BlogAuthor.id))) == 0
    await database.dispose()
