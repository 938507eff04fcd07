"""Helpers for the blog's tests (examples/blog): the app on a test database, a client that
registers and logs in through the real forms, and snapshots of the database."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

BLOG_FOLDER = Path(__file__).resolve().parents[2] / "examples" / "blog"
if str(BLOG_FOLDER) not in sys.path:
    sys.path.insert(0, str(BLOG_FOLDER))

from blog import BlogSettings, create_app  # noqa: E402

SECRET = "blog-tests-" + "b" * 40
PASSWORD = "correct horse battery staple"
TABLES = (
    "post",
    "auth_token",
    "auth_user_groups",
    "auth_user_permissions",
    "auth_group_permissions",
    "auth_group",
    "auth_permission",
    "auth_user",
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_blog(url: str, **settings: Any) -> Any:
    """A new blog app on the database at ``url``."""
    return create_app(BlogSettings(secret_key=SECRET, database_url=url, **settings))


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Rows:
    """Read the blog's tables with a connection of their own (what is really stored)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(sync_url(url))

    def all(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the blog's tables (users without ``last_login``, which a login moves)."""
        return {
            "users": self.all(
                "SELECT id, username, email, password, is_active, is_staff, "
                "is_superuser FROM auth_user ORDER BY id"
            ),
            "posts": self.all("SELECT id, author_id, title, body FROM post ORDER BY id"),
            "tokens": self.all("SELECT id, user_id, digest FROM auth_token ORDER BY id"),
            "groups": self.all("SELECT * FROM auth_user_groups ORDER BY user_id"),
        }

    def posts(self) -> list[tuple[Any, ...]]:
        return self.all("SELECT id, author_id, title, body FROM post ORDER BY id")

    def usernames(self) -> list[str]:
        return [row[0] for row in self.all("SELECT username FROM auth_user ORDER BY id")]

    def empty(self) -> None:
        """Delete every row, and start the ids from 1 again."""
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
                return
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))

    def close(self) -> None:
        self.engine.dispose()


def csrf(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match is not None, "no csrf_token on the page"
    return match.group(1)


def register(client: Any, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/auth/register")
    return client.post(
        "/auth/register",
        data={"username": username, "password": password, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )


def log_in(client: Any, username: str, password: str = PASSWORD, **data: str) -> Any:
    page = client.get("/auth/login")
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf(page.text), **data},
        follow_redirects=False,
    )


def sign_up_and_in(client: Any, username: str) -> None:
    assert register(client, username).status_code == 303
    assert log_in(client, username).status_code == 303


def write_post(client: Any, title: str, body: str = "") -> Any:
    page = client.get("/create")
    return client.post(
        "/create",
        data={"title": title, "body": body, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
