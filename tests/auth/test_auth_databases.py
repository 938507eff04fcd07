"""The whole round on SQLite and PostgreSQL: registration, login, groups and permissions, API
tokens, password reset."""

from __future__ import annotations

from auth_support import make_app, run
from sqlalchemy import func, select

from spruce.auth import add_to_group, get_auth, grant, load_permissions
from spruce.auth.models import Group, Permission, User
from spruce.auth.testing import csrf_token_from, login
from spruce.mail.testing import capture_mail, links
from spruce.testing import TestClient


def test_the_whole_round(database_url):
    app = make_app(database_url)
    with TestClient(app) as client:
        page = client.get("/auth/register")
        created = client.post(
            "/auth/register",
            data={
                "username": "ann",
                "password": "correct horse battery staple",
                "csrf_token": csrf_token_from(page.text),
            },
            follow_redirects=False,
        )
        assert created.status_code == 303

        async def setup():
            async with get_auth(app).database.session() as db:
                ann = (await db.execute(select(User).where(User.username == "ann"))).scalar_one()
                ann.email = "ann@example.com"
                await add_to_group(db, ann, "editors")
                editors = (await db.execute(select(Group))).scalar_one()
                await grant(db, editors, "blog.change_post")
                await grant(db, ann, "blog.add_post", "blog.add_post")
            async with get_auth(app).database.session() as db:
                ann = await db.get(User, ann.id)
                names = await load_permissions(ann, db)
                count = await db.scalar(select(func.count()).select_from(Permission))
            return ann, names, count

        ann, names, count = run(client, setup)
        assert names == {"blog.change_post", "blog.add_post"} and count == 2
        assert ann.has_perm("blog.change_post") and not ann.has_perm("blog.delete_post")

        login(client, ann, "correct horse battery staple")
        assert client.get("/edit").json() == {"can": True}

        client.cookies.clear()  # an API client: no cookies, so no CSRF token either
        token = client.post(
            "/auth/api/login", json={"username": "ann", "password": "correct horse battery staple"}
        ).json()["token"]
        me = client.get("/auth/api/me", headers={"authorization": f"Bearer {token}"})
        assert me.json()["user"]["username"] == "ann"

        with capture_mail(app) as outbox:
            client.post("/auth/api/password/reset", json={"email": "ann@example.com"})
        reset_token = links(outbox[0])[0].rsplit("/", 1)[1]
        done = client.post(
            "/auth/api/password/reset/confirm",
            json={"token": reset_token, "new_password": "a brand new passphrase"},
        )
        assert done.status_code == 204
        assert (
            client.get("/auth/api/me", headers={"authorization": f"Bearer {token}"}).status_code
            == 401
        )
        again = client.post(
            "/auth/api/login", json={"username": "ann", "password": "a brand new passphrase"}
        )
        assert again.status_code == 200
