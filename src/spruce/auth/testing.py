"""Test helpers for apps with the auth battery: the ``user`` and ``superuser`` fixtures and
``login(client, user)``.

In your ``conftest.py``::

    pytest_plugins = ["spruce.auth.testing"]

Then::

    def test_drafts_need_a_login(client, user):
        assert client.get("/drafts", follow_redirects=False).status_code == 303
        login(client, user)                 # through the real login form, CSRF token included
        assert client.get("/drafts").status_code == 200

The fixtures use the ``client`` fixture (a ``TestClient`` with the app's lifespan running; the
database tables must exist, e.g. created by a startup hook or your migrations). The user's
password is ``TEST_PASSWORD``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from ..app import Spruce
    from ..testing.client import TestClient

__all__ = [
    "TEST_PASSWORD",
    "async_login",
    "create_test_user",
    "csrf_token_from",
    "login",
    "superuser",
    "user",
]

TEST_PASSWORD = "correct horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The ``csrf_token`` hidden field's value in a page (``AssertionError`` without one)."""
    match = _CSRF_FIELD.search(html)
    assert match is not None, "the page has no csrf_token field"
    return match.group(1)


def create_test_user(
    client: TestClient,
    username: str = "ann",
    password: str = TEST_PASSWORD,
    **fields: Any,
) -> Any:
    """Create a user through ``client``'s app, on the client's event loop (committed)."""
    app: Spruce = client.app  # type: ignore[assignment]

    async def create() -> Any:
        from .battery import get_auth
        from .users import create_user

        async with get_auth(app).database.session() as db:
            return await create_user(db, app, username, password, **fields)

    return client.portal.call(create)


def _login_path(client: Any) -> str:
    from .battery import get_auth

    return get_auth(client.app).login_path


def login(client: TestClient, user: Any, password: str = TEST_PASSWORD) -> httpx.Response:
    """Log ``user`` in on ``client`` through the login form (GET for the CSRF token, then
    POST); the client keeps the session cookie. Fails the test when the login fails."""
    path = _login_path(client)
    page = client.get(path)
    response = client.post(
        path,
        data={
            "username": user.username,
            "password": password,
            "csrf_token": csrf_token_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, f"login of {user.username!r} failed: {response.text}"
    return response


async def async_login(
    client: httpx.AsyncClient, user: Any, password: str = TEST_PASSWORD, *, app: Spruce
) -> httpx.Response:
    """``login`` for an ``AsyncTestClient`` (or any httpx async client bound to ``app``)."""
    from .battery import get_auth

    path = get_auth(app).login_path
    page = await client.get(path)
    response = await client.post(
        path,
        data={
            "username": user.username,
            "password": password,
            "csrf_token": csrf_token_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, f"login of {user.username!r} failed: {response.text}"
    return response


@pytest.fixture
def user(client: TestClient) -> Any:
    """A user called ``ann`` (password ``TEST_PASSWORD``, address ``ann@example.com``)."""
    return create_test_user(client, "ann", email="ann@example.com")


@pytest.fixture
def superuser(client: TestClient) -> Any:
    """A superuser called ``admin`` (password ``TEST_PASSWORD``)."""
    return create_test_user(client, "admin", is_staff=True, is_superuser=True)
