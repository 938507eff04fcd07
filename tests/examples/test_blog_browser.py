"""The blog as its README runs it: `spruce db upgrade` then `spruce serve` in its folder,
configured by the environment alone; then headless Chromium registers, logs in, writes a post
and finds it on the front page."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from blog_support import BLOG_FOLDER

from browser_support import chromium_page, clean_environment, spruce_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def status_of(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def served_blog(tmp_path) -> Iterator[str]:
    # only what the README asks for: a secret key and (here) the database's location
    env = clean_environment(
        "DATABASE_",
        SPRUCE_SECRET_KEY="browser-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'blog.db'}",
    )
    upgrade = subprocess.run(
        [sys.executable, "-m", "spruce.cli", "db", "upgrade"],
        cwd=BLOG_FOLDER,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    with spruce_server(
        ["serve"], cwd=BLOG_FOLDER, env=env, ready="/static/style.css", log=tmp_path / "server.log"
    ) as url:
        yield url


@pytest.fixture
def page():
    with chromium_page(viewport={"width": 1000, "height": 800}) as tab:
        yield tab


def test_the_served_blog_answers_only_to_its_hosts(served_blog):
    port = served_blog.rsplit(":", 1)[1]
    assert status_of(served_blog + "/") == 200
    assert status_of(served_blog + "/", host=f"localhost:{port}") == 200
    assert status_of(served_blog + "/", host="evil.com") == 400
    assert status_of(served_blog + "/", host=f"[::1]:{port}") == 400


def test_register_log_in_write_and_see_the_post(served_blog, page):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )

    page.goto(served_blog + "/")
    assert page.title() == "Posts - Flaskr"
    assert page.locator("text=No posts yet.").is_visible()

    page.click("nav >> text=Register")
    page.wait_for_url(served_blog + "/auth/register")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "analytical engine notes")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == served_blog + "/auth/login"
    assert "Your account was created" in page.locator(".flash").inner_text()

    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "analytical engine notes")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == served_blog + "/"
    assert page.locator("#current-user").inner_text() == "ada"

    page.click("text=New")
    page.wait_for_url(served_blog + "/create")
    page.fill("input[name=title]", "Notes on the <b>engine</b>")
    page.fill("textarea[name=body]", "It weaves algebraic patterns.")
    with page.expect_navigation():
        page.click("button:has-text('Save')")
    assert page.url == served_blog + "/"
    post = page.locator("article.post").first
    assert post.locator("h1").inner_text() == "Notes on the <b>engine</b>"  # shown, not parsed
    assert post.locator("h1 b").count() == 0
    assert "by ada on" in post.locator(".about").inner_text()
    assert post.locator(".body").inner_text() == "It weaves algebraic patterns."
    assert post.locator("a", has_text="Edit").is_visible()
    assert problems == []
