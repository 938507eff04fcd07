"""Flash messages: shown once on the next page, categories and filters, in templates, and the
error without sessions."""

from __future__ import annotations

import pytest

from spruce import RedirectResponse, Request, Spruce
from spruce.exceptions import ImproperlyConfigured
from spruce.flash import flash, get_flashed_messages
from spruce.sessions import Sessions
from spruce.settings import Settings
from spruce.templating import render

SECRET = "flash-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def flash_app(tmp_path) -> Spruce:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "layout.html").write_text(
        "{% for category, message in get_flashed_messages(with_categories=true) %}"
        "<p class='{{ category }}'>{{ message }}</p>{% endfor %}"
        "|{{ get_flashed_messages() | length }}",
        encoding="utf-8",
    )
    app = Spruce(
        root_path=str(tmp_path),
        settings=Settings(secret_key=SECRET),
        batteries=[Sessions()],
        security=False,  # these tests post without CSRF tokens; tests/security covers CSRF
    )

    @app.post("/save")
    def save(request: Request, message: str = "Saved.", category: str = "message"):
        flash(request, message, category)
        return RedirectResponse("/", 303)

    @app.get("/")
    def index():
        return render("layout.html")

    @app.get("/messages")
    def messages(request: Request, categories: bool = False, only: list[str] | None = None):
        return get_flashed_messages(request, with_categories=categories, category_filter=only or ())

    @app.get("/twice")
    def twice(request: Request):
        return [get_flashed_messages(request), get_flashed_messages(request)]

    return app


def test_flash_survives_the_redirect_and_shows_once(tmp_path):
    client = flash_app(tmp_path).test_client()
    response = client.post("/save", params={"message": "Post <b>published</b>"})
    assert response.status_code == 200  # after following the redirect
    assert response.text == "<p class='message'>Post &lt;b&gt;published&lt;/b&gt;</p>|1"
    assert client.get("/").text == "|0"


def test_messages_keep_their_order_and_categories(tmp_path):
    client = flash_app(tmp_path).test_client()
    client.post("/save", params={"message": "one"}, follow_redirects=False)
    client.post("/save", params={"message": "two", "category": "error"}, follow_redirects=False)
    assert client.get("/messages", params={"categories": True}).json() == [
        ["message", "one"],
        ["error", "two"],
    ]
    assert client.get("/messages").json() == []


def test_category_filter_takes_only_those(tmp_path):
    client = flash_app(tmp_path).test_client()
    for message, category in [("a", "error"), ("b", "info"), ("c", "error")]:
        client.post(
            "/save", params={"message": message, "category": category}, follow_redirects=False
        )
    assert client.get("/messages", params={"only": "error"}).json() == ["a", "c"]
    assert client.get("/messages").json() == ["b"]


def test_several_reads_in_one_request_see_the_same_messages(tmp_path):
    client = flash_app(tmp_path).test_client()
    client.post("/save", params={"message": "hi"}, follow_redirects=False)
    assert client.get("/twice").json() == [["hi"], ["hi"]]
    assert client.get("/twice").json() == [[], []]


def test_flash_and_read_in_the_same_request(tmp_path):
    app = flash_app(tmp_path)

    @app.get("/now")
    def now(request: Request):
        flash(request, "instant")
        return render("layout.html")

    client = app.test_client()
    assert client.get("/now").text == "<p class='message'>instant</p>|1"
    assert client.get("/").text == "|0"


def test_flash_needs_sessions():
    app = Spruce()

    @app.get("/")
    def index(request: Request):
        with pytest.raises(ImproperlyConfigured, match="sessions are not enabled"):
            flash(request, "x")
        return "checked"

    assert app.test_client().get("/").text == "checked"
