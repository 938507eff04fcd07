"""The debug page: content, formats, masking, escaping, who sees it, and never in production."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from spruce import Spruce
from spruce.debugpage import DebugPage, install_debug_page, preferred_format
from spruce.debugpage.frames import MAX_REPR, describe_exception, safe_repr
from spruce.debugpage.secrets import MASK, is_secret_name
from spruce.exceptions import ImproperlyConfigured
from spruce.settings import Settings

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class LoudRepr:
    def __repr__(self) -> str:
        return "<loud " + "x" * 5000 + ">"


class BrokenRepr:
    def __repr__(self) -> str:
        raise ValueError("no repr for you")


def make_app(**options) -> Spruce:
    app = Spruce(debug=True, **options)

    @app.get("/crash/{item}")
    def crash(item: str):
        password = "hunter2-value"  # noqa: F841
        api_key = "sk-live-123"  # noqa: F841
        settings_like = {"DATABASE": "db", "SECRET_KEY": "s3cr3t-value", "nested": {"token": "t0k"}}  # noqa: F841
        long_value = LoudRepr()  # noqa: F841
        broken = BrokenRepr()  # noqa: F841
        html_value = "<script>alert(1)</script>"  # noqa: F841
        count = 42  # noqa: F841
        raise RuntimeError("failed on <b>" + item + "</b>")

    @app.get("/chained")
    def chained():
        try:
            {}["missing"]
        except KeyError as exc:
            raise ValueError("lookup failed") from exc

    @app.get("/during")
    def during():
        try:
            1 / 0
        except ZeroDivisionError:
            raise LookupError("while handling")

    return app


def test_html_page_shows_exception_traceback_source_locals_and_request():
    client = make_app().test_client()
    response = client.get(
        "/crash/abc?page=2&token=qwerty",
        headers={
            **HTML,
            "Cookie": "sessionid=cookie-secret-value; theme=dark",
            "Authorization": "Bearer bearer-secret-value",
            "X-Api-Key": "header-secret-value",
            "X-Custom": "visible-header",
        },
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    # the exception, escaped
    assert "<h1>RuntimeError</h1>" in page
    assert "failed on &lt;b&gt;abc&lt;/b&gt;" in page
    assert "<b>abc</b>" not in page
    # the frame with source lines around the current one (line numbers, highlighted line)
    assert "test_debug.py" in page
    assert "in <code>crash</code>" in page
    assert 'class="current"' in page
    assert "long_value = LoudRepr()" in page  # a line of context above the raise
    assert "<mark>" in page
    # local variables: reprs, masked secrets, truncation, broken reprs, escaping
    assert "42" in page
    assert "hunter2-value" not in page.split("Local variables")[1]
    assert "sk-live-123" not in page.split("Local variables")[1]
    assert "s3cr3t-value" not in page.split("Local variables")[1]
    assert "t0k" not in page.split("Local variables")[1]
    assert "&#x27;DATABASE&#x27;: &#x27;db&#x27;" in page
    assert MASK in page
    assert "x" * 1000 not in page
    assert "repr() failed: ValueError" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    # request details with secrets masked
    assert "http://localhost/crash/abc" in page
    assert "visible-header" in page
    for secret in ("cookie-secret-value", "bearer-secret-value", "header-secret-value", "qwerty"):
        assert secret not in page, secret
    assert "page" in page and "sessionid, theme" in page
    assert "127.0.0.1:50000" in page
    assert "crash (/crash/{item})" in page
    # the plain-text traceback for copying
    assert "Traceback (most recent call last)" in page


def test_text_for_curl_and_plain_clients():
    client = make_app().test_client()
    for accept in ("*/*", "text/plain", ""):
        response = client.get("/crash/abc", headers={"Accept": accept})
        assert response.status_code == 500
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        text = response.text
        assert "RuntimeError: failed on <b>abc</b>" in text
        assert "Traceback (most recent call last)" in text
        assert "count = 42" in text
        assert f"password = {MASK}" in text
        assert "hunter2-value" not in text.split("Local variables")[1]
        assert "Request: GET http://localhost/crash/abc" in text


def test_json_for_api_clients():
    client = make_app().test_client()
    response = client.get("/crash/abc", headers={"Accept": "application/json"})
    assert response.status_code == 500
    data = response.json()
    assert data["detail"] == "Internal Server Error"
    [main] = data["debug"]["exceptions"]
    assert main["type"] == "RuntimeError"
    assert main["message"] == "failed on <b>abc</b>"
    frame = main["frames"][-1]
    assert frame["function"] == "crash"
    assert frame["code"] == 'raise RuntimeError("failed on <b>" + item + "</b>")'
    assert frame["library"] is False
    assert frame["locals"]["count"] == "42"
    assert frame["locals"]["password"] == MASK
    assert data["debug"]["request"]["method"] == "GET"


def test_chained_exceptions_are_all_shown():
    client = make_app().test_client()
    page = client.get("/chained", headers=HTML).text
    assert "<h1>ValueError</h1>" in page
    assert "raised from this one" in page and "KeyError" in page
    page = client.get("/during", headers=HTML).text
    assert "<h1>LookupError</h1>" in page
    assert "raised while handling this one" in page and "ZeroDivisionError" in page
    data = client.get("/chained", headers={"Accept": "application/json"}).json()
    assert [e["type"] for e in data["debug"]["exceptions"]] == ["ValueError", "KeyError"]
    assert data["debug"]["exceptions"][1]["relation"] == "cause"


def test_library_frames_are_collapsed_app_frames_open():
    page = make_app().test_client().get("/crash/x", headers=HTML).text
    assert '<details class="frame library">' in page
    assert '<details class="frame app" open>' in page


def test_remote_clients_get_the_bare_500():
    client = make_app().test_client(client_address=("203.0.113.7", 4000))
    response = client.get("/crash/abc", headers=HTML)
    assert response.status_code == 500
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert "Internal Server Error" in response.text
    response = client.get("/crash/abc", headers={"Accept": "application/json"})
    assert response.json() == {"detail": "Internal Server Error"}


def test_ipv6_loopback_is_local():
    client = make_app().test_client(client_address=("::1", 4000))
    assert "RuntimeError" in client.get("/crash/abc").text


def test_allowed_ips_setting_opens_the_page_to_a_network():
    app = make_app(settings=Settings(debug=True, debug_allowed_ips=["203.0.113.0/24"]))
    assert "RuntimeError" in app.test_client(client_address=("203.0.113.7", 1)).get("/crash/a").text
    other = app.test_client(client_address=("198.51.100.1", 1)).get("/crash/a")
    assert "RuntimeError" not in other.text


def test_invalid_allowed_ips_are_a_startup_error():
    app = make_app(settings=Settings(debug=True, debug_allowed_ips=["not-an-ip"]))
    with pytest.raises(ImproperlyConfigured, match="debug_allowed_ips"):
        app.freeze()


def test_forwarded_requests_from_an_untrusted_proxy_are_remote():
    client = make_app().test_client()
    response = client.get("/crash/abc", headers={"X-Forwarded-For": "127.0.0.1"})
    assert "RuntimeError" not in response.text
    response = client.get("/crash/abc", headers={"Forwarded": "for=127.0.0.1"})
    assert "RuntimeError" not in response.text


def test_a_trusted_proxy_forwarding_a_remote_client_is_remote():
    app = make_app(settings=Settings(debug=True, trusted_proxies=["127.0.0.1"]))
    client = app.test_client()
    remote = client.get("/crash/abc", headers={"X-Forwarded-For": "203.0.113.9"})
    assert "RuntimeError" not in remote.text
    local = client.get("/crash/abc", headers={"X-Forwarded-For": "127.0.0.1"})
    assert "RuntimeError" in local.text


def test_debug_off_gives_the_bare_500():
    app = Spruce(debug=False)

    @app.get("/crash")
    def crash():
        raise RuntimeError("hidden detail")

    response = app.test_client().get("/crash", headers=HTML)
    assert response.status_code == 500
    assert "hidden detail" not in response.text
    assert app.debug_renderer is None


def test_production_refuses_debug(monkeypatch):
    monkeypatch.setenv("SPRUCE_ENV", "production")
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_ENV says this is production"):
        make_app().freeze()
    app = Spruce(debug=False)
    app.freeze()  # without debug, production starts
    monkeypatch.setenv("SPRUCE_ENV", "Prod")
    with pytest.raises(ImproperlyConfigured):
        install_debug_page(Spruce(debug=True))


def test_production_refuses_debug_even_with_a_custom_renderer(monkeypatch):
    monkeypatch.setenv("SPRUCE_ENV", "production")
    app = Spruce(debug=True)
    app.debug_renderer = lambda request, exc: None
    with pytest.raises(ImproperlyConfigured):
        app.freeze()


def test_production_refuses_debug_through_the_lifespan(monkeypatch):
    monkeypatch.setenv("SPRUCE_ENV", "production")
    app = make_app()
    with pytest.raises(Exception, match="production"):
        with app.test_client():
            pass


def test_a_custom_debug_renderer_is_kept():
    from spruce import PlainTextResponse

    app = make_app()
    app.debug_renderer = lambda request, exc: PlainTextResponse("mine", 500)
    assert app.test_client().get("/crash/x").text == "mine"


def test_errors_escaping_middleware_get_the_debug_page():
    app = Spruce(debug=True)

    class Exploding:
        def __init__(self, inner):
            self.inner = inner

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                raise OSError("middleware broke")
            await self.inner(scope, receive, send)

    app.add_middleware(Exploding)
    response = app.test_client().get("/", headers=HTML)
    assert response.status_code == 500
    assert "<h1>OSError</h1>" in response.text
    assert "middleware broke" in response.text
    assert "no route matched" in response.text


def test_a_failing_renderer_falls_back_to_the_plain_traceback():
    class BadStr(Exception):
        def __str__(self):
            raise RuntimeError("str exploded")

    app = Spruce(debug=True)

    @app.get("/bad")
    def bad():
        raise BadStr()

    response = app.test_client().get("/bad", headers=HTML)
    assert response.status_code == 500
    assert "BadStr" in response.text


def test_the_debug_module_is_not_imported_without_debug(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        from spruce import Spruce
        app = Spruce(debug=False)
        @app.get("/")
        def home():
            raise RuntimeError("x")
        app.test_client().get("/")
        print("spruce.debugpage" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr


# -- the parts -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "password",
        "db_password",
        "dbPassword",
        "PASSWORD2",
        "secret",
        "SECRET_KEY",
        "api_key",
        "apiKey",
        "APIKey",
        "apikey",
        "access_token",
        "tokens",
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "X-CSRF-Token",
        "session_id",
        "private_key",
        "credentials",
        "DATABASE_DSN",
    ],
)
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["user", "count", "monkey", "author", "tokenizer", "keyboard", "accept", "host", "item"]
)
def test_ordinary_names(name):
    assert not is_secret_name(name)


def test_safe_repr():
    assert "..." in safe_repr("x" * 10_000)
    assert len(safe_repr("x" * 10_000)) < 200
    assert len(safe_repr(list(range(10_000)))) < MAX_REPR
    assert len(safe_repr(b"\0" * 10_000)) < 1000
    assert safe_repr(BrokenRepr()) == "<BrokenRepr object; repr() failed: ValueError>"
    assert safe_repr({"password": "p", "user": "u"}) == "{'password': ********, 'user': 'u'}"
    assert (
        safe_repr({"deep": {"deeper": {"token": "t"}}})
        == "{'deep': {'deeper': {'token': ********}}}"
    )
    assert safe_repr("visible", name="secret") == MASK
    scope = {"query_string": b"page=2&token=qwerty", "headers": [(b"cookie", b"sid=1")]}
    shown = safe_repr(scope)
    assert "qwerty" not in shown and "sid=1" not in shown and "page=2" in shown
    assert safe_repr("postgresql://app:pa55word@db/app") == f"'postgresql://app:{MASK}@db/app'"
    assert safe_repr(("Authorization", "Bearer x")) == f"('Authorization', {MASK})"
    assert safe_repr(("accept", "text/html")) == "('accept', 'text/html')"
    assert len(safe_repr(LoudRepr())) <= 200


def test_preferred_format():
    assert preferred_format("text/html,application/xhtml+xml,*/*;q=0.8") == "html"
    assert preferred_format("application/json") == "json"
    assert preferred_format("application/json, text/html") == "json"
    assert preferred_format("application/problem+json") == "json"
    assert preferred_format("*/*") == "text"
    assert preferred_format("") == "text"


def test_describe_exception_context_and_columns():
    def inner():
        value = {"a": 1}
        return value["b"]

    try:
        inner()
    except KeyError as exc:
        [info] = describe_exception(exc, context_lines=1)
    frame = info.frames[-1]
    assert frame.function == "inner"
    assert [line.current for line in frame.source] == [False, True, False]
    assert frame.current_line == 'return value["b"]'
    start, end = frame.highlight
    assert frame.source[1].text[start:end] == 'value["b"]'
    assert ("value", "{'a': 1}") in frame.local_vars


def test_debug_page_can_be_installed_with_options():
    app = make_app()
    page = install_debug_page(app, allowed_ips=["*"])
    assert isinstance(page, DebugPage) and app.debug_renderer is page
    client = app.test_client(client_address=("198.51.100.1", 1))
    assert "RuntimeError" in client.get("/crash/a").text
