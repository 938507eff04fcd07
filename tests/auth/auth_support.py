"""Helpers for the auth battery's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spruce import HTMLResponse, Request, Settings, Spruce
from spruce.auth import Auth, login_required, permission_required
from spruce.db import Database
from spruce.mail import Mail
from spruce.sessions import Sessions, SessionStore

SECRET = "auth-tests-" + "s" * 40
FAST_HASHING = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}
GREETING = (
    "{% if current_user.is_authenticated %}Hello {{ current_user.username }}"
    "{% else %}Hello stranger{% endif %}"
)


def make_app(
    url: str,
    *,
    mail: bool = True,
    store: SessionStore | None = None,
    settings: dict[str, Any] | None = None,
    extra: Sequence[Any] = (),
    **auth_options: Any,
) -> Spruce:
    """An app with sessions, the database at ``url`` (tables created at startup), memory mail
    and the auth battery (cheap hashing unless ``auth_options`` say otherwise), plus a few pages
    to guard."""
    database = Database(url)
    options = {**FAST_HASHING, **auth_options}
    batteries: list[Any] = [Sessions(store), database, Auth(**options), *extra]
    if mail:
        batteries.append(Mail("memory"))
    app = Spruce(
        settings=Settings(secret_key=SECRET, **(settings or {})),
        batteries=batteries,
        template_folder=None,
        static_folder=None,
    )
    app.on_startup(database.create_all)

    @app.get("/")
    async def home(request: Request) -> dict[str, Any]:
        user = request.user
        return {"authenticated": user.is_authenticated, "username": user.username}

    @app.get("/private")
    @login_required
    async def private(request: Request) -> dict[str, Any]:
        return {"username": request.user.username}

    @app.get("/sync-private")
    @login_required
    def sync_private(request: Request) -> dict[str, Any]:
        return {"username": request.user.username}

    @app.get("/edit")
    @permission_required("blog.change_post")
    async def edit(request: Request) -> dict[str, Any]:
        return {"can": request.user.has_perm("blog.change_post")}

    @app.get("/api/stats", login_required=True, api=True)
    async def stats(request: Request) -> dict[str, Any]:
        return {"ok": True}

    @app.get("/page")
    async def page(request: Request) -> HTMLResponse:
        templates = request.app.templates
        template = templates.environment.from_string(GREETING)
        return HTMLResponse(template.render(templates.context(request)))

    return app


def run(client: Any, coroutine_function: Any, *args: Any) -> Any:
    """Run ``coroutine_function(*args)`` on the client's event loop."""
    return client.portal.call(coroutine_function, *args)
