"""The JSON endpoints and bearer tokens: hashed at rest, expiring, revocable, CSRF-free only
without cookies; the same throttling and rules as the pages."""

from __future__ import annotations

import datetime as dt

from auth_support import run
from sqlalchemy import select, update

from spruce.auth import get_auth
from spruce.auth.models import APIToken, User
from spruce.auth.testing import TEST_PASSWORD, create_test_user, login
from spruce.auth.tokens import token_digest
from spruce.mail.testing import capture_mail, links


def api_login(client, username="ann", password=TEST_PASSWORD, **extra):
    return client.post(
        "/auth/api/login", json={"username": username, "password": password, **extra}
    )


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def tokens_in_db(client):
    async def load():
        async with get_auth(client.app).database.session() as db:
            return list((await db.execute(select(APIToken))).scalars())

    return run(client, load)


def test_login_returns_a_token_that_authenticates(client, user):
    response = api_login(client, token_name="phone")
    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert token.startswith("spk_") and len(token) > 40
    assert body["token_type"] == "Bearer"
    assert body["user"]["username"] == "ann" and "password" not in body["user"]
    assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.now(dt.UTC)
    assert "set-cookie" not in response.headers
    me = client.get("/auth/api/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["user"]["email"] == "ann@example.com"
    [stored] = tokens_in_db(client)
    assert stored.digest == token_digest(token) and token not in stored.digest
    assert stored.name == "phone" and stored.last_used_at is not None


def test_wrong_credentials_get_one_answer(client, user):
    for response in (api_login(client, password="wrong"), api_login(client, "nobody", "wrong")):
        assert response.status_code == 401
        assert response.json() == {"detail": "Wrong user name or password."}


def test_api_and_page_failures_count_together(client, user):
    for _ in range(5):
        assert api_login(client, password="wrong").status_code == 401
    throttled = api_login(client)
    assert throttled.status_code == 429 and "retry-after" in throttled.headers
    page = client.get("/auth/login")
    from spruce.auth.testing import csrf_token_from

    refused = client.post(
        "/auth/login",
        data={
            "username": "ann",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert refused.status_code == 429


def test_logout_revokes_the_token(client, user):
    token = api_login(client).json()["token"]
    assert client.post("/auth/api/logout", headers=bearer(token)).status_code == 204
    assert client.get("/auth/api/me", headers=bearer(token)).status_code == 401
    assert tokens_in_db(client) == []


def test_bad_tokens_are_nobody(client, user):
    token = api_login(client).json()["token"]
    for header in (
        "Bearer",
        "Bearer spk_unknown",
        f"Bearer {token}x",
        f"Basic {token}",
        "Bearer " + "x" * 500,
        f"bearer {token[:-1]}",
    ):
        response = client.get("/auth/api/me", headers={"authorization": header})
        assert response.status_code == 401, header
    assert (
        client.get("/auth/api/me", headers={"authorization": f"bearer {token}"}).status_code == 200
    )


def test_expired_tokens_and_inactive_users_are_refused(client, user):
    token = api_login(client).json()["token"]

    async def expire():
        async with get_auth(client.app).database.session() as db:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            await db.execute(update(APIToken).values(expires_at=past))

    run(client, expire)
    assert client.get("/auth/api/me", headers=bearer(token)).status_code == 401

    other = api_login(client).json()["token"]

    async def deactivate():
        async with get_auth(client.app).database.session() as db:
            await db.execute(update(User).values(is_active=False))

    run(client, deactivate)
    assert client.get("/auth/api/me", headers=bearer(other)).status_code == 401


def test_requests_with_a_token_and_no_cookie_need_no_csrf_token(client, user):
    token = api_login(client).json()["token"]
    client.cookies.clear()
    response = client.post(
        "/auth/api/password/change",
        headers=bearer(token),
        json={"old_password": TEST_PASSWORD, "new_password": "another long passphrase"},
    )
    assert response.status_code == 204


def test_requests_with_cookies_are_csrf_checked_even_with_a_token(client, user):
    token = api_login(client).json()["token"]
    login(client, user)  # now the client has a session cookie too
    response = client.post("/auth/api/logout", headers=bearer(token))
    assert response.status_code == 403
    assert client.get("/auth/api/me", headers=bearer(token)).status_code == 200


def test_cookie_sessions_use_the_api_with_the_csrf_header(client, user):
    login(client, user)
    me = client.get("/auth/api/me")
    assert me.json()["user"]["username"] == "ann"
    page = client.get("/auth/logout")
    from spruce.auth.testing import csrf_token_from

    token = csrf_token_from(page.text)
    assert client.post("/auth/api/logout").status_code == 403
    assert client.post("/auth/api/logout", headers={"x-csrf-token": token}).status_code == 204
    assert client.get("/auth/api/me").status_code == 401


def test_registration(client, user):
    created = client.post(
        "/auth/api/register", json={"username": "bob", "password": "correct horse battery"}
    )
    assert created.status_code == 201 and created.json()["user"]["username"] == "bob"
    taken = client.post(
        "/auth/api/register", json={"username": "Ann", "password": "correct horse battery"}
    )
    assert taken.status_code == 422
    assert taken.json()["errors"][0]["type"] == "username_taken"
    weak = client.post("/auth/api/register", json={"username": "carl", "password": "12345678"})
    assert weak.status_code == 422
    assert {e["field"] for e in weak.json()["errors"]} == {"password"}
    bad = client.post("/auth/api/register", json={"username": "c d", "password": "x y z w v u"})
    assert bad.json()["errors"][0]["type"] == "invalid_username"
    missing = client.post("/auth/api/register", json={"username": "dora"})
    assert missing.status_code == 422
    plain = client.post(
        "/auth/api/register", content=b'{"username": "eve"}', headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 415


def test_password_change_keeps_the_current_token_and_revokes_the_others(client, user):
    first = api_login(client).json()["token"]
    second = api_login(client).json()["token"]
    wrong = client.post(
        "/auth/api/password/change",
        headers=bearer(first),
        json={"old_password": "wrong", "new_password": "another long passphrase"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["type"] == "wrong_password"
    weak = client.post(
        "/auth/api/password/change",
        headers=bearer(first),
        json={"old_password": TEST_PASSWORD, "new_password": "password"},
    )
    assert weak.status_code == 422
    done = client.post(
        "/auth/api/password/change",
        headers=bearer(first),
        json={"old_password": TEST_PASSWORD, "new_password": "another long passphrase"},
    )
    assert done.status_code == 204
    assert client.get("/auth/api/me", headers=bearer(first)).status_code == 200
    assert client.get("/auth/api/me", headers=bearer(second)).status_code == 401
    assert api_login(client, password="another long passphrase").status_code == 200


def test_password_reset_through_the_api(client, user):
    with capture_mail(client.app) as outbox:
        known = client.post("/auth/api/password/reset", json={"email": "ann@example.com"})
        unknown = client.post("/auth/api/password/reset", json={"email": "x@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    [message] = outbox
    token = links(message)[0].rsplit("/", 1)[1]
    confirm = {"token": token, "new_password": "a brand new passphrase"}
    assert client.post("/auth/api/password/reset/confirm", json=confirm).status_code == 204
    again = client.post("/auth/api/password/reset/confirm", json=confirm)
    assert again.status_code == 400
    assert api_login(client, password="a brand new passphrase").status_code == 200


def test_the_api_answers_401_to_anonymous_clients(client):
    for method, path in (
        ("GET", "/auth/api/me"),
        ("POST", "/auth/api/logout"),
        ("POST", "/auth/api/password/change"),
    ):
        response = client.request(method, path, headers={"accept": "text/html"}, json={})
        assert response.status_code == 401, path


def test_tokens_of_other_users_are_theirs(client, user):
    create_test_user(client, "bob")
    ann = api_login(client).json()["token"]
    bob = api_login(client, "bob").json()["token"]
    assert client.get("/auth/api/me", headers=bearer(ann)).json()["user"]["username"] == "ann"
    assert client.get("/auth/api/me", headers=bearer(bob)).json()["user"]["username"] == "bob"
