"""Password reset by mail: one answer for everyone, a link that expires and works once."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from auth_support import make_app, run

from spruce.auth import get_auth
from spruce.auth.models import User
from spruce.auth.resets import RESET_SALT, make_reset_token
from spruce.auth.testing import TEST_PASSWORD, create_test_user, csrf_token_from, login
from spruce.mail import get_mailer
from spruce.mail.testing import capture_mail, links
from spruce.signing import Signer
from spruce.testing import TestClient

SENT = "If an account uses that address, we have sent it a link"


def ask_reset(client, email, **kwargs):
    page = client.get("/auth/password/reset")
    return client.post(
        "/auth/password/reset",
        data={"email": email, "csrf_token": csrf_token_from(page.text)},
        **kwargs,
    )


def set_password(client, new, confirm=None):
    page = client.get("/auth/password/reset/new")
    return client.post(
        "/auth/password/reset/new",
        data={
            "new_password": new,
            "confirm_password": confirm or new,
            "csrf_token": csrf_token_from(page.text),
        },
        follow_redirects=False,
    )


def path_of(url):
    return urlsplit(url).path


def test_a_reset_mails_a_link_that_sets_a_new_password_once(client, user):
    with capture_mail(client.app) as outbox:
        response = ask_reset(client, "ANN@example.com", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/auth/password/reset/sent"
    [message] = outbox
    assert message.to == ["ann@example.com"]  # the stored address
    assert message.subject == "Reset your password"
    link = links(message)[0]
    assert link.startswith("http://localhost/auth/password/reset/")
    assert message.html and "Choose a new password" in message.html

    opened = client.get(path_of(link), follow_redirects=False)
    assert opened.status_code == 303  # the token leaves the address bar
    assert opened.headers["location"] == "/auth/password/reset/new"
    form = client.get("/auth/password/reset/new")
    assert "Choose a new password" in form.text
    assert "password1" not in form.text
    assert set_password(client, "password1").status_code == 400  # the rules apply
    done = set_password(client, "a brand new passphrase")
    assert done.status_code == 303 and done.headers["location"] == "/auth/login"

    again = client.get(path_of(link))  # single use
    assert again.status_code == 400
    assert "invalid, was already used, or has expired" in again.text
    assert client.get("/auth/password/reset/new").status_code == 400
    login(client, user, "a brand new passphrase")


def test_the_answer_is_the_same_whether_or_not_an_account_matches(client, user):
    create_test_user(client, "bob", email="bob@example.com", is_active=False)
    with capture_mail(client.app) as outbox:
        known = ask_reset(client, "ann@example.com")
        unknown = ask_reset(client, "nobody@example.com")
        inactive = ask_reset(client, "bob@example.com")
    assert len(outbox) == 1
    assert known.status_code == unknown.status_code == inactive.status_code == 200
    assert known.url == unknown.url == inactive.url
    pages = [re.sub(r'nonce="[^"]*"', "", r.text) for r in (known, unknown, inactive)]
    assert SENT in pages[0] and pages[0] == pages[1] == pages[2]


def test_a_look_alike_address_receives_nothing(client, user):
    create_test_user(client, "admin", email="admin@example.com")
    with capture_mail(client.app) as outbox:
        ask_reset(client, "adm\u0131n@example.com")  # dotless i (CVE-2019-19844)
        ask_reset(client, "ADMIN@EXAMPLE.COM")
    assert [m.to for m in outbox] == [["admin@example.com"]]


def test_mail_failures_do_not_change_the_answer(client, user):
    class Broken:
        async def send_messages(self, messages):
            from spruce.mail import DeliveryError

            raise DeliveryError("smtp.example.com:25", "down")

    with get_mailer(client.app).use_backend(Broken()):
        response = ask_reset(client, "ann@example.com")
    assert response.status_code == 200 and SENT in response.text


def test_the_mail_is_sent_after_the_response(client, user):
    class Slow:
        sent = 0

        async def send_messages(self, messages):
            import asyncio

            await asyncio.sleep(0.3)
            Slow.sent += len(messages)
            return len(messages)

    with get_mailer(client.app).use_backend(Slow()):
        with client.stream(
            "POST",
            "/auth/password/reset",
            data={
                "email": "ann@example.com",
                "csrf_token": csrf_token_from(client.get("/auth/password/reset").text),
            },
            follow_redirects=False,
        ) as response:
            started = time.perf_counter()
            assert response.status_code == 303
            assert Slow.sent == 0  # the answer came before the mail went
            response.read()
        assert time.perf_counter() - started >= 0.2
    assert Slow.sent == 1


def test_a_login_or_a_password_change_voids_pending_links(client, user):
    token = make_reset_token(client.app, user)
    login(client, user)
    assert client.get(f"/auth/password/reset/{token}").status_code == 400


def test_links_expire_after_an_hour(client, user):
    app = client.app
    token = make_reset_token(app, user)
    assert client.get(f"/auth/password/reset/{token}", follow_redirects=False).status_code == 303
    later = Signer(app.secret_key, salt=RESET_SALT, clock=lambda: time.time() + 3601)
    app.extensions["spruce.signers"][RESET_SALT] = later
    assert client.get(f"/auth/password/reset/{token}").status_code == 400


def test_forged_and_altered_links_are_refused(client, user):
    token = make_reset_token(client.app, user)
    forged = Signer("another key " * 4, salt=RESET_SALT).dumps([str(user.id), "0" * 32])
    for bad in (token[:-2] + "xx", forged, "x" * 40, "a.b.c"):
        assert client.get(f"/auth/password/reset/{bad}").status_code == 400


def test_reset_requests_are_throttled_per_address_and_per_email(sqlite_url):
    app = make_app(
        sqlite_url, reset_requests_per_email="2 per hour", reset_requests_per_address="4 per hour"
    )
    with TestClient(app) as client:
        create_test_user(client, "ann", email="ann@example.com")
        with capture_mail(app) as outbox:
            answers = [ask_reset(client, "ann@example.com").status_code for _ in range(4)]
            assert answers == [200] * 4
            assert len(outbox) == 2  # the mailbox is not flooded; the answer does not say so
            refused = ask_reset(client, "other@example.com", follow_redirects=False)
        assert refused.status_code == 429


def test_without_the_mail_battery_there_is_no_reset(sqlite_url):
    with TestClient(make_app(sqlite_url, mail=False)) as client:
        assert client.get("/auth/password/reset").status_code == 404
        assert client.post("/auth/api/password/reset", json={"email": "a@b.org"}).status_code == 404
        assert "Forgot your password?" not in client.get("/auth/login").text


def test_reset_links_use_server_name_when_set(sqlite_url):
    app = make_app(sqlite_url, settings={"server_name": "blog.example.com"})
    with TestClient(app) as client:
        create_test_user(client, "ann", email="ann@example.com")
        with capture_mail(app) as outbox:
            ask_reset(client, "ann@example.com")
        assert links(outbox[0])[0].startswith("http://blog.example.com/auth/password/reset/")


def test_a_reset_revokes_api_tokens(client, user):
    issued = client.post("/auth/api/login", json={"username": "ann", "password": TEST_PASSWORD})
    token = issued.json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    assert client.get("/auth/api/me", headers=bearer).status_code == 200

    async def stored():
        async with get_auth(client.app).database.session() as db:
            return await db.get(User, user.id)

    client.get(f"/auth/password/reset/{make_reset_token(client.app, run(client, stored))}")
    assert set_password(client, "a brand new passphrase").status_code == 303
    client.cookies.clear()
    assert client.get("/auth/api/me", headers=bearer).status_code == 401
    assert run(client, stored).password != user.password
