"""The demo in a real browser: `spruce run` serves examples/demo with no settings, as
scripts/demo.sh does, and headless Chromium (Playwright) uses it like a visitor: the session counter
goes up across reloads, the stylesheet, logo and script load, the guestbook form posts, redirects
and shows its flash message once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_support import DEMO_FOLDER

from browser_support import chromium_page, clean_environment, spruce_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREEN = "rgb(47, 111, 79)"  # --green in static/css/demo.css


@pytest.fixture
def demo_url(tmp_path) -> Iterator[str]:
    """The demo served by `spruce run --no-reload` on a free port, with no SPRUCE_* variable."""
    log = tmp_path / "server.log"
    with spruce_server(
        ["run", "--no-reload"],
        cwd=DEMO_FOLDER,
        env=clean_environment(),
        ready="/static/css/demo.css",
        log=log,
        timeout=20,
    ) as url:
        yield url
    assert "temporary secret key" in log.read_text()  # debug mode without settings, as documented


@pytest.fixture
def page():
    with chromium_page(viewport={"width": 1100, "height": 800}) as tab:
        yield tab


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
    # Blank once stripped: the server shows the form again, the error by the field, input kept.
    page.fill("#id_name", "Ada")
    page.fill("#id_message", "   ")
    with page.expect_navigation():
        page.click("text=Sign the guestbook")
    assert page.locator("#id_message_errors").inner_text() != ""
    assert page.locator("#id_message").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_name").input_value() == "Ada"
    page.fill("#id_message", "Hello from a <b>real</b> browser")
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

    assert failed_responses == [demo_url + "/guestbook"]  # only the invalid post (422)


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
