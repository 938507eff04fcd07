"""get_or_404, first_or_404, one_or_404 and pagination, async and sync."""

from __future__ import annotations

import pytest
from db_models import BlogAuthor, BlogPost
from db_support import make_app, serve
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from spruce import Request
from spruce.db import Page, first_or_404, get_or_404, one_or_404, paginate
from spruce.exceptions import NotFound


async def _seed(database, posts: int) -> int:  # type: ignore[no-untyped-def]
    await database.create_all()
    async with database.session() as session:
        author = BlogAuthor(name="Ada", email="ada@example.com")
        session.add_all([BlogPost(title=f"post {i:02d}", author=author) for i in range(posts)])
        await session.flush()
        return author.id


async def test_or_404_helpers(database_url: str) -> None:
    app, database = make_app(database_url)
    author_id = await _seed(database, 2)
    async with database.session() as session:
        assert (await get_or_404(session, BlogAuthor, author_id)).name == "Ada"
        with pytest.raises(NotFound, match="BlogAuthor not found"):
            await get_or_404(session, BlogAuthor, 12345)
        with pytest.raises(NotFound, match="no such author"):
            await get_or_404(session, BlogAuthor, 12345, detail="no such author")
        first = await first_or_404(session, select(BlogPost).order_by(BlogPost.title.desc()))
        assert first.title == "post 01"
        with pytest.raises(NotFound, match="BlogPost not found"):
            await first_or_404(session, select(BlogPost).where(BlogPost.title == "nope"))
        one = await one_or_404(session, select(BlogAuthor).where(BlogAuthor.id == author_id))
        assert one.id == author_id
    with database.sync_session() as sync:
        assert get_or_404(sync, BlogAuthor, author_id).name == "Ada"
        with pytest.raises(NotFound):
            first_or_404(sync, select(BlogPost).where(BlogPost.title == "nope"))
    await database.dispose()


async def test_get_or_404_in_a_handler_answers_404(tmp_path) -> None:
    app, database = make_app(f"sqlite:///{tmp_path}/x.db")

    @app.get("/authors/{author_id}")
    async def show(author_id: int, session: AsyncSession) -> dict[str, str]:
        author = await get_or_404(session, BlogAuthor, author_id)
        return {"name": author.name}

    await database.create_all()
    async with serve(app) as client:
        response = await client.get("/authors/7")
    assert response.status_code == 404
    assert response.json() == {"detail": "BlogAuthor not found"}


async def test_paginate_reads_the_request_and_builds_links(database_url: str) -> None:
    app, database = make_app(database_url)

    @app.get("/posts")
    async def list_posts(request: Request, session: AsyncSession) -> dict[str, object]:
        statement = select(BlogPost).order_by(BlogPost.title)
        page = await paginate(session, statement, request=request, max_per_page=10)
        return page.map(lambda post: post.title).to_dict()

    @app.get("/sync-posts")
    def sync_posts(request: Request, session: Session) -> dict[str, object]:
        page = paginate(
            session, select(BlogPost.id, BlogPost.title).order_by(BlogPost.id), page=2, per_page=4
        )
        return {"rows": [list(row) for row in page.items], "pages": page.pages}

    await _seed(database, 23)
    async with serve(app) as client:
        body = (await client.get("/posts?per_page=5&page=2&q=x")).json()
        assert body["items"] == [f"post {i:02d}" for i in range(5, 10)]
        assert body["total"] == 23 and body["pages"] == 5
        assert body["next"] == "/posts?per_page=5&q=x&page=3"
        assert body["prev"] == "/posts?per_page=5&q=x&page=1"
        last = (await client.get("/posts?per_page=5&page=5")).json()
        assert last["items"] == ["post 20", "post 21", "post 22"] and last["next"] is None
        capped = (await client.get("/posts?per_page=1000")).json()
        assert capped["per_page"] == 10 and len(capped["items"]) == 10
        for bad in ("page=0", "page=abc", "page=6&per_page=5", "page=-1", "page=" + "9" * 5000):
            assert (await client.get(f"/posts?{bad}")).status_code == 404, bad
        sync = (await client.get("/sync-posts")).json()
        assert [row[1] for row in sync["rows"]] == ["post 04", "post 05", "post 06", "post 07"]
        assert sync["pages"] == 6


def test_empty_page_and_pager_numbers() -> None:
    empty: Page[int] = Page([], 1, 20, 0)
    assert empty.pages == 0 and not empty.has_next and not empty.has_prev
    assert empty.next_url is None and list(empty.iter_pages()) == []
    middle = Page(list(range(10)), 10, 10, 200, "/items")
    assert list(middle.iter_pages()) == [1, 2, None, 8, 9, 10, 11, 12, None, 19, 20]
    assert middle.url_for_page(3) == "/items?page=3"
    assert len(middle) == 10 and list(middle)[0] == 0
