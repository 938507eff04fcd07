"""The blog's pages: the list of posts for everyone, writing and editing for logged-in authors.

| route | |
|---|---|
| ``GET /`` | every post, newest first |
| ``GET, POST /create`` | a new post (logged in) |
| ``GET, POST /{id}/update`` | edit one of your posts |
| ``POST /{id}/delete`` | delete one of your posts |

Registration, login and logout are the auth battery's pages under ``/auth``.
"""

from __future__ import annotations

from typing import Any

from spruce import RedirectResponse, Request, Response
from spruce.auth import login_required
from spruce.db import AsyncSession, get_or_404, select, selectinload
from spruce.exceptions import Forbidden, NotFound
from spruce.routing import Router
from spruce.templating import render

from .forms import PostForm
from .models import Post

__all__ = ["router"]

router = Router()
MAX_ID = 2**31 - 1  # PostgreSQL's integer


def _status(form: PostForm) -> int:
    return 400 if form.is_bound and not form.is_valid else 200


async def _own_post(db: AsyncSession, post_id: int, user: Any) -> Post:
    """The post ``post_id`` if ``user`` wrote it: 404 when there is none, 403 when it is
    someone else's."""
    if post_id > MAX_ID:  # the path accepts any digits; the database's integers stop here
        raise NotFound()
    post = await get_or_404(db, Post, post_id)
    if post.author_id != user.id:
        raise Forbidden("You can only change your own posts.")
    return post


@router.get("/", name="index")
async def index(db: AsyncSession) -> Response:
    query = (
        select(Post)
        .options(selectinload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    posts = (await db.scalars(query)).all()
    return render("blog/index.html", posts=posts)


@router.route("/create", methods=["GET", "POST"], name="create")
@login_required
async def create(request: Request, form: PostForm, db: AsyncSession) -> Response:
    if form.is_bound:
        await form.use_instance(Post(author_id=request.user.id))
    if await form.save(db):
        return RedirectResponse(request.url_for("index"), 303)
    return render("blog/create.html", form=form, status_code=_status(form))


@router.route("/{post_id:int}/update", methods=["GET", "POST"], name="update")
@login_required
async def update(request: Request, post_id: int, form: PostForm, db: AsyncSession) -> Response:
    post = await _own_post(db, post_id, request.user)
    await form.use_instance(post)
    if await form.save(db):
        return RedirectResponse(request.url_for("index"), 303)
    return render("blog/update.html", form=form, post=post, status_code=_status(form))


@router.post("/{post_id:int}/delete", name="delete")
@login_required
async def delete(request: Request, post_id: int, db: AsyncSession) -> Response:
    post = await _own_post(db, post_id, request.user)
    await db.delete(post)
    return RedirectResponse(request.url_for("index"), 303)
