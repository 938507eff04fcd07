"""Helpers for the security battery's tests: an app factory with a known secret key and the
usual routes; the Redis URL."""

from __future__ import annotations

import os

from spruce import Request, Spruce
from spruce.security import Security, get_token
from spruce.sessions import Sessions, SessionStore
from spruce.settings import Settings

REDIS_URL = os.environ.get("SPRUCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "security-tests-secret-key-0123456789-abcdefghijklmnop"

FORM_PAGE = (
    '<form method="post" action="/submit">'
    '<input type="hidden" name="csrf_token" value="{token}"><button>Send</button></form>'
)


def make_app(
    *,
    sessions: bool | SessionStore = False,
    security: Security | None = None,
    **settings,
) -> Spruce:
    """An app with ``Security(...)`` (or the default one), optional sessions, and routes:
    ``GET /form`` (a form with a token), ``GET /token`` (JSON), ``GET /plain`` (no token),
    ``POST/PUT/PATCH/DELETE /submit``, ``POST /json`` (echoes the JSON body)."""
    batteries: list = []
    if security is not None:
        batteries.append(security)
    if sessions is not False:
        batteries.append(Sessions(None if sessions is True else sessions))
    settings.setdefault("secret_key", SECRET)
    app = Spruce(settings=Settings(**settings), batteries=batteries)

    @app.get("/form")
    def form(request: Request):
        return FORM_PAGE.format(token=get_token(request))

    @app.get("/token")
    def token(request: Request):
        return {"token": get_token(request)}

    @app.get("/plain")
    def plain():
        return "plain"

    @app.route("/submit", methods=["POST", "PUT", "PATCH", "DELETE"])
    def submit(request: Request):
        return f"{request.method} ok"

    @app.post("/json")
    async def json_echo(request: Request):
        return {"received": await request.json()}

    return app
