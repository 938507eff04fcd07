"""The demo in a real browser: `spruce run` serves examples/demo with no settings, as
scripts/demo.sh does, and headless Chromium (Playwright) uses it like a visitor: the session counter
goes up across reloads, the stylesheet, logo and script load, the guestbook form posts, redirects
and shows its flash message once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_support import DEMO_FOLDER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
GREEN = "rgb(47, 111, 79)"  # --green in static/css/demo.css


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_url(tmp_path) -> Iterator[str]:
    """The demo served by `spruce run --no-reload` on a free port, with no SPRUCE_* variable."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SPRUCE_", "PYTEST_"))}
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "spruce.cli", "run", "--no-reload", "--port", str(port)],
            cwd=DEMO_FOLDER, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(url + "/static/css/demo.css", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"the demo did not start:\n{log.read_text()}"
                time.sleep(0.05)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    assert "temporary secret key" in log.read_text()  # debug mode without settings, as documented


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        message = f"the browser tests need Debian's chromium at {CHROMIUM}"
        if os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 800})
            tab.set_default_timeout(10_000)
            yield tab
        finally:
            browser.close()


def count(page) -> int:
    return int(page.locator("#visits").inner_text())


def test_a_visitor_uses_the_demo(demo_url, page):
    failed_responses: list[str] = []
    page.on("response", lambda r: failed_responses.append(r.url) if r.status >= 400 else None)

    # The session counter goes up across reloads.
    page.goto(demo_url + "/")
    assert page.title() == "Home · Spruce demo"
    assert count(page) == 1
    page.reload()
    assert count(page) == 2
    page.reload()
    assert count(page) == 3

    # The static files loaded: the stylesheet styles the page, the logo has pixels, the script ran.
    assert page.locator(".count").evaluate("e => getComputedStyle(e).color") == GREEN
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.locator(".brand img").evaluate("e => e.complete && e.naturalWidth") > 0
    assert page.evaluate("document.documentElement.classList.contains('js')")

    # The guestbook: the form posts, the server redirects, the flash message says thanks.
    page.click("nav >> text=Guestbook")
    page.wait_for_url(demo_url + "/guestbook")
    assert page.locator("#message-left").inner_text() == "280 characters left"
    page.fill("#name", "Ada")
    page.fill("#message", "Hello from a <b>real</b> browser")
    assert page.locator("#message-left").inner_text() == "248 characters left"
    with page.expect_navigation():
        page.click("text=Sign the guestbook")
    assert page.url == demo_url + "/guestbook"  # after the redirect (a GET: reloading is safe)
    flash = page.locator(".flash")
    assert flash.inner_text() == "Thanks, Ada! Your message is in the guestbook."
    assert page.locator(".flash").evaluate("e => getComputedStyle(e).borderLeftColor") == GREEN
    assert page.locator(".entry .message").inner_text() == "Hello from a <b>real</b> browser"
    assert page.locator(".entry .meta").inner_text().startswith("Ada ·")
    page.reload()
    assert page.locator(".flash").count() == 0  # shown once
    assert page.locator(".entry").count() == 1

    # The session survived the form post; the counter can start again (a second form, via POST).
    page.click("nav >> text=Home")
    assert count(page) == 4
    with page.expect_navigation():
        page.click("text=Start again")
    assert page.locator(".flash").inner_text() == "The counter starts again."
    assert count(page) == 1

    assert failed_responses == []


def test_a_form_from_another_site_is_refused(demo_url, page):
    page.goto(demo_url + "/")  # the visitor has a session with the demo
    evil = (
        "<form id=f method=post action='" + demo_url + "/guestbook'>"
        "<input name=name value=Eve><input name=message value=forged></form>"
    )
    page.goto("data:text/html," + evil)
    with page.expect_navigation() as navigation:
        page.evaluate("document.getElementById('f').submit()")
    assert navigation.value.status == 403  # the browser says Origin: null
    page.goto(demo_url + "/guestbook")
    assert page.locator(".entry").count() == 0
