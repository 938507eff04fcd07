"""Models: table names, naming conventions, mixins, repr, and the async lazy-load rule."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from db_models import BlogAuthor, BlogPost, BlogTag
from db_support import make_app
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from spruce.db import LazyLoadError, Model
from spruce.db.models import table_name_for


class HTTPAccessLog(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "base"}


class ErrorAccessLog(HTTPAccessLog):
    __mapper_args__ = {"polymorphic_identity": "error"}


def test_table_names_are_snake_case() -> None:
    assert table_name_for("BlogPost") == "blog_post"
    assert table_name_for("HTTPLog") == "http_log"
    assert HTTPAccessLog.__table__.name == "http_access_log"
    assert ErrorAccessLog.__table__ is HTTPAccessLog.__table__  # single-table inheritance


def test_constraints_have_stable_names() -> None:
    post = BlogPost.__table__
    assert post.primary_key.name == "pk_blog_post"
    names = {c.name for c in post.constraints}
    assert "fk_blog_post_author_id_blog_author" in names
    assert "ck_blog_post_score_positive" in names
    assert {c.name for c in BlogTag.__table__.constraints} >= {"uq_blog_tag_label_lang"}
    assert {c.name for c in BlogAuthor.__table__.constraints} >= {"uq_blog_author_email"}


def test_repr_shows_key_and_loaded_columns_only() -> None:
    author = BlogAuthor(name="Ada " * 20, email="ada@example.com")
    text = repr(author)
    assert text.startswith("<BlogAuthor name='Ada Ada")
    assert "..." in text and text.endswith("(unsaved)>")


async def test_mixins_fill_keys_and_timestamps(database_url: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    before = dt.datetime.now(dt.UTC)
    async with database.session() as session:
        author = BlogAuthor(name="Ada", email="ada@example.com")
        post = BlogPost(title="Hello", author=author)
        tag = BlogTag(label="python")
        session.add_all([post, tag])
        await session.flush()
        assert isinstance(tag.id, uuid.UUID)
        assert post.created_at >= before and post.created_at.tzinfo is not None
        assert repr(post).startswith(f"<BlogPost id={post.id} title='Hello'")
    async with database.session() as session:
        loaded = await session.get(BlogPost, post.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert abs(loaded.created_at - post.created_at) < dt.timedelta(seconds=1)
        created = loaded.updated_at
        loaded.title = "Changed"
        await session.flush()
        assert loaded.updated_at > created
    await database.dispose()


async def test_async_lazy_load_names_the_relationship(database_url: str) -> None:
    app, database = make_app(database_url)
    await database.create_all()
    async with database.session() as session:
        session.add(BlogPost(title="Hello", author=BlogAuthor(name="Ada", email="a@x.org")))
    async with database.session() as session:
        author = (await session.scalars(select(BlogAuthor))).one()
        with pytest.raises(LazyLoadError, match=r"BlogAuthor\.posts is not loaded") as info:
            author.posts  # noqa: B018
        assert "selectinload(BlogAuthor.posts)" in str(info.value)
        assert [p.title for p in await author.awaitable_attrs.posts] == ["Hello"]
        eager = select(BlogAuthor).options(selectinload(BlogAuthor.posts))
        session.expunge_all()
        author = (await session.scalars(eager)).one()
        assert [p.title for p in author.posts] == ["Hello"]
    await database.dispose()
