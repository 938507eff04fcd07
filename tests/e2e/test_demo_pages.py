"""The demo's pages through the test client: layout, session counter, guestbook form with redirect
and flash message, CSRF, static files. The browser test (test_demo.py) drives the real server."""

from __future__ import annotations

import re

import pytest
from demo_support import load_demo


def csrf_token(page) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def visits(page) -> int:
    match = re.search(r'<span class="count" id="visits">(\d+)</span>', page.text)
    assert match, page.text
    return int(match.group(1))


def test_runs_with_no_settings_as_spruce_run_starts_it(settings_free, monkeypatch):
    monkeypatch.setenv("SPRUCE_DEBUG", "1")  # what `spruce run` sets; no secret key anywhere
    demo = load_demo()
    with pytest.warns(RuntimeWarning, match="temporary secret key"):
        with demo.app.test_client() as client:
            first, second = client.get("/"), client.get("/")
    assert demo.app.debug
    assert (visits(first), visits(second)) == (1, 2)


def test_pages_share_the_layout(demo_client):
    for path, title in [("/", "Home"), ("/guestbook", "Guestbook")]:
        page = demo_client.get(path)
        assert page.status_code == 200
        assert f"<title>{title} · Spruce demo</title>" in page.text
        assert '<link rel="stylesheet" href="/static/css/demo.css">' in page.text
        assert '<script src="/static/js/demo.js" defer></script>' in page.text
        assert '<img src="/static/img/spruce.svg"' in page.text
        current = re.search(r'<a href="([^"]+)" aria-current="page">', page.text)
        assert current and current.group(1) == path


def test_the_counter_counts_the_visits_of_one_session(demo, demo_client):
    assert [visits(demo_client.get("/")) for _ in range(3)] == [1, 2, 3]
    with demo.app.test_client() as other_browser:
        assert visits(other_browser.get("/")) == 1
    assert visits(demo_client.get("/")) == 4


def test_the_counter_cannot_be_edited_by_the_browser(demo_client):
    demo_client.get("/")
    [cookie] = list(demo_client.cookies.jar)
    value = cookie.value
    forged = value[:10] + ("x" if value[10] != "x" else "y") + value[11:]
    demo_client.cookies.clear()
    demo_client.cookies.set(cookie.name, forged, domain=cookie.domain, path=cookie.path)
    assert visits(demo_client.get("/")) == 1  # the signature does not match: a new session


def test_resetting_the_counter_redirects_with_a_flash_message(demo_client):
    demo_client.get("/")
    token = csrf_token(demo_client.get("/"))
    response = demo_client.post(
        "/counter/reset", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/")
    page = demo_client.get("/")
    assert "The counter starts again." in page.text
    assert visits(page) == 1


def test_signing_the_guestbook_redirects_to_a_flash_message(demo_client):
    form = demo_client.get("/guestbook")
    assert "No messages yet" in form.text
    response = demo_client.post(
        "/guestbook",
        data={"name": " Ada ", "message": "Hello there", "csrf_token": csrf_token(form)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/guestbook")

    page = demo_client.get("/guestbook")
    assert (
        '<p class="flash flash-success" role="status">Thanks, Ada! Your message is in the guestbook.</p>'
        in page.text
    )
    assert '<p class="message">Hello there</p>' in page.text
    again = demo_client.get("/guestbook")
    assert "Thanks, Ada!" not in again.text  # a flash message shows once
    assert "Hello there" in again.text


def test_entries_are_escaped_and_newest_first(demo_client):
    for name, message in [("first", "<script>alert(1)</script>"), ("second", "b")]:
        token = csrf_token(demo_client.get("/guestbook"))
        demo_client.post("/guestbook", data={"name": name, "message": message, "csrf_token": token})
    page = demo_client.get("/guestbook").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert page.index("second ·") < page.index("first ·")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "message": "hi"},
        {"name": "Ada", "message": "   "},
        {"name": "x" * 41, "message": "hi"},
        {"name": "Ada", "message": "m" * 281},
        {"message": "hi"},
    ],
)
def test_invalid_entries_are_refused(demo, demo_client, fields):
    token = csrf_token(demo_client.get("/guestbook"))
    response = demo_client.post("/guestbook", data={**fields, "csrf_token": token})
    assert response.status_code == 422
    assert len(demo.GUESTBOOK) == 0
    # The page comes back with the form: an error next to the field, the input kept.
    assert '<ul class="errorlist"' in response.text
    assert 'aria-invalid="true"' in response.text
    if fields.get("name") == "Ada":
        assert 'value="Ada"' in response.text


def test_forms_without_their_csrf_token_are_refused(demo, demo_client):
    demo_client.get("/guestbook")  # the browser now has a session
    response = demo_client.post("/guestbook", data={"name": "Eve", "message": "forged"})
    assert response.status_code == 403
    assert len(demo.GUESTBOOK) == 0


@pytest.mark.parametrize(
    ("path", "media_type", "content"),
    [
        ("/static/css/demo.css", "text/css", ".flash"),
        ("/static/js/demo.js", "text/javascript", "characters left"),
        ("/static/img/spruce.svg", "image/svg+xml", "<svg"),
    ],
)
def test_static_files_are_served(demo_client, path, media_type, content):
    response = demo_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert content in response.text
    assert "etag" in response.headers
