"""The blog does what the Flask tutorial's does: register, log in and out, list, create, update
and delete one's own posts; with the tutorial's form fields and a CSRF token in each form."""

from __future__ import annotations

import re

from blog_support import PASSWORD, csrf, log_in, make_blog, register, sign_up_and_in, write_post

from spruce.auth import get_auth
from spruce.testing import TestClient

HTML = {"accept": "text/html"}


def hidden_csrf_inputs(html: str) -> int:
    """How many POST forms the page has, after checking that each carries the CSRF token as a
    hidden input."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
    posting = [f for f in forms if 'method="post"' in f.split(">", 1)[0]]
    assert posting and len(posting) == len(forms)
    for form in posting:
        assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', form), form
    return len(posting)


def test_the_index_lists_posts_newest_first(client, rows):
    page = client.get("/")
    assert page.status_code == 200
    assert "No posts yet." in page.text
    assert 'href="/auth/register"' in page.text and 'href="/auth/login"' in page.text
    sign_up_and_in(client, "ann")
    write_post(client, "First", "one")
    write_post(client, "Second", "two")
    page = client.get("/")
    assert page.text.index("Second") < page.text.index("First")
    assert "by ann on" in page.text
    assert 'href="/1/update"' in page.text and 'href="/create"' in page.text
    assert [r[2] for r in rows.posts()] == ["First", "Second"]


def test_register_with_the_tutorial_fields(client, rows):
    page = client.get("/auth/register")
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert hidden_csrf_inputs(page.text) == 1
    response = register(client, "ann")
    assert response.status_code == 303 and response.headers["location"] == "/auth/login"
    assert rows.usernames() == ["ann"]
    again = register(client, "ann")
    assert again.status_code == 400 and "This user name is taken." in again.text
    assert "This field is required." in register(client, "", "").text
    assert rows.usernames() == ["ann"]


def test_log_in_and_out(client):
    register(client, "ann")
    page = client.get("/auth/login")
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert hidden_csrf_inputs(page.text) == 1
    assert log_in(client, "ann", "wrong").status_code == 400
    response = log_in(client, "ann")
    assert response.status_code == 303 and response.headers["location"] == "/"
    index = client.get("/")
    assert '<span id="current-user">ann</span>' in index.text
    assert hidden_csrf_inputs(index.text) == 1  # the Log Out button's form
    logged_out = client.post(
        "/auth/logout", data={"csrf_token": csrf(index.text)}, follow_redirects=False
    )
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/"
    assert 'href="/auth/login"' in client.get("/").text


def test_writing_needs_a_login(client):
    for path in ("/create", "/1/update"):
        response = client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/auth/login?next=")
    response = client.post("/1/delete", headers=HTML, follow_redirects=False)
    assert response.status_code in (303, 403)  # no cookie: login page; the CSRF check first


def test_create_update_delete(client, rows):
    sign_up_and_in(client, "ann")
    form = client.get("/create")
    assert 'name="title"' in form.text and 'name="body"' in form.text
    assert hidden_csrf_inputs(form.text) == 2  # the post's form and the Log Out button's
    created = write_post(client, "Hello", "World")
    assert created.status_code == 303 and created.headers["location"] == "/"
    [(post_id, author_id, title, body)] = rows.posts()
    assert (title, body) == ("Hello", "World")

    edit = client.get(f"/{post_id}/update")
    assert 'value="Hello"' in edit.text and "\nWorld</textarea>" in edit.text
    assert hidden_csrf_inputs(edit.text) == 3  # edit, delete, log out
    updated = client.post(
        f"/{post_id}/update",
        data={"title": "Hello again", "body": "Changed", "csrf_token": csrf(edit.text)},
        follow_redirects=False,
    )
    assert updated.status_code == 303
    assert rows.posts() == [(post_id, author_id, "Hello again", "Changed")]

    deleted = client.post(
        f"/{post_id}/delete", data={"csrf_token": csrf(edit.text)}, follow_redirects=False
    )
    assert deleted.status_code == 303 and rows.posts() == []


def test_a_title_is_required(client, rows):
    sign_up_and_in(client, "ann")
    response = write_post(client, "", "body only")
    assert response.status_code == 400 and "This field is required." in response.text
    assert "body only" in response.text  # the input is kept
    assert rows.posts() == []


def test_the_blogs_own_configuration(blog_url, monkeypatch):
    for name in (
        "SPRUCE_AUTH_ARGON2_MEMORY_KIB",
        "SPRUCE_AUTH_ARGON2_TIME_COST",
        "SPRUCE_ALLOWED_HOSTS",
    ):
        monkeypatch.delenv(name, raising=False)
    app = make_blog(blog_url)
    config = get_auth(app).config
    assert (config.argon2_memory_kib, config.argon2_time_cost) == (19456, 2)
    assert app.config.allowed_hosts == ("localhost", "127.0.0.1")
    with TestClient(app) as client:
        register(client, "ann")
        stored = get_auth(app)  # the hash really uses those parameters
        assert stored.hasher.memory_kib == 19456
        page = client.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert log_in(client, "ann", PASSWORD).status_code == 303
