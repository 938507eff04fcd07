"""The helpers users get in spruce.auth.testing."""

from __future__ import annotations

import pytest
from auth_support import make_app

from spruce.auth import create_user, get_auth
from spruce.auth.testing import TEST_PASSWORD, async_login, csrf_token_from, login
from spruce.testing import AsyncTestClient


def test_the_user_fixture_and_login(client, user, superuser):
    assert (user.username, user.email, user.is_superuser) == ("ann", "ann@example.com", False)
    assert superuser.is_superuser and superuser.is_staff
    response = login(client, user)
    assert response.headers["location"] == "/"
    assert client.get("/private").json() == {"username": "ann"}


def test_login_fails_the_test_when_the_password_is_wrong(client, user):
    with pytest.raises(AssertionError, match="login of 'ann' failed"):
        login(client, user, "not it")


def test_csrf_token_from_needs_a_form():
    with pytest.raises(AssertionError, match="no csrf_token"):
        csrf_token_from("<p>nothing here</p>")


async def test_async_login(sqlite_url):
    app = make_app(sqlite_url)
    async with AsyncTestClient(app) as client:
        async with get_auth(app).database.session() as db:
            ann = await create_user(db, app, "ann", TEST_PASSWORD)
        await async_login(client, ann, app=app)
        assert (await client.get("/private")).json() == {"username": "ann"}
