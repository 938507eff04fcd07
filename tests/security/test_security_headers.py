"""Security headers: on every response by default, overridable per route, HSTS once https is
declared, a CSP with per-response nonces."""

from __future__ import annotations

import re

import pytest
from security_support import make_app

from spruce import HTMLResponse, Request, Response, Spruce
from spruce.exceptions import ImproperlyConfigured, NotFound
from spruce.security import Security, csp_nonce, security_headers

DEFAULTS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": "frame-ancestors 'none'",
}


def headers_of(response) -> dict[str, str]:
    return {name: response.headers.get(name) for name in DEFAULTS}


def test_every_kind_of_response_gets_the_defaults():
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/missing")
    def missing():
        raise NotFound()

    client = app.test_client()
    for path in ("/plain", "/token", "/missing", "/nowhere", "/boom", "/plain/"):
        response = client.get(path, follow_redirects=False)
        assert headers_of(response) == DEFAULTS, path
    assert headers_of(client.post("/plain")) == DEFAULTS  # 405
    assert headers_of(client.options("/plain")) == DEFAULTS  # the automatic OPTIONS answer
    assert "strict-transport-security" not in client.get("/plain").headers


def test_each_header_is_sent_once():
    response = make_app().test_client().get("/plain")
    names = [name for name, _ in response.headers.multi_items()]
    assert len(names) == len(set(names))


def test_headers_the_handler_sets_itself_win():
    app = make_app()

    @app.get("/embeddable")
    def embeddable():
        return HTMLResponse("<p>hi</p>", headers={"X-Frame-Options": "SAMEORIGIN"})

    response = app.test_client().get("/embeddable")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_response_object_sent_many_times_does_not_pile_up_headers():
    app = make_app()
    shared = Response("same object every time")

    @app.get("/shared")
    def handler():
        return shared

    client = app.test_client()
    for _ in range(3):
        response = client.get("/shared")
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert len(shared.raw_headers) == len(DEFAULTS)  # ours, once (a bare Response has no type)


def test_a_route_changes_its_headers_with_the_decorator_or_the_option():
    app = make_app()

    @app.get("/widget")
    @security_headers(frame_options="SAMEORIGIN", referrer_policy=None)
    def widget():
        return "widget"

    @app.get("/report", security_headers={"content_security_policy": "default-src 'self'"})
    def report():
        return "report"

    client = app.test_client()
    widget_headers = client.get("/widget").headers
    assert widget_headers["x-frame-options"] == "SAMEORIGIN"
    assert widget_headers["content-security-policy"] == "frame-ancestors 'self'"
    assert "referrer-policy" not in widget_headers
    assert widget_headers["x-content-type-options"] == "nosniff"
    assert (
        client.get("/report").headers["content-security-policy"]
        == "default-src 'self'; frame-ancestors 'none'"
    )
    assert headers_of(client.get("/plain")) == DEFAULTS  # the others are unchanged


def test_unknown_header_settings_are_refused():
    with pytest.raises(ImproperlyConfigured, match="unknown header settings"):
        security_headers(frame_option="DENY")
    app = make_app()

    @app.get("/x", security_headers={"nosniff": False})
    def x():
        return "x"

    with pytest.raises(ImproperlyConfigured, match="unknown header settings"):
        app.freeze()


def test_headers_can_be_turned_off_or_changed_app_wide():
    security = Security(
        frame_options=False,
        referrer_policy="strict-origin-when-cross-origin",
        cross_origin_opener_policy=False,
        content_type_nosniff=False,
    )
    response = make_app(security=security).test_client().get("/plain")
    assert "x-frame-options" not in response.headers
    assert "content-security-policy" not in response.headers
    assert "cross-origin-opener-policy" not in response.headers
    assert "x-content-type-options" not in response.headers
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_sameorigin_framing():
    response = make_app(security=Security(frame_options="sameorigin")).test_client().get("/plain")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["content-security-policy"] == "frame-ancestors 'self'"


def test_hsts_once_https_is_declared():
    app = make_app(security=Security(https=True, https_redirect=False))
    response = app.test_client(base_url="https://localhost").get("/plain")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_hsts_flags_and_age():
    security = Security(
        https=True, hsts_seconds=600, hsts_include_subdomains=True, hsts_preload=True
    )
    response = make_app(security=security).test_client(base_url="https://localhost").get("/plain")
    assert (
        response.headers["strict-transport-security"] == "max-age=600; includeSubDomains; preload"
    )


def test_a_csp_is_sent_with_frame_ancestors_added():
    security = Security(content_security_policy="default-src 'self'; img-src *")
    response = make_app(security=security).test_client().get("/plain")
    assert (
        response.headers["content-security-policy"]
        == "default-src 'self'; img-src *; frame-ancestors 'none'"
    )


def test_a_report_only_csp_still_forbids_framing():
    security = Security(content_security_policy="default-src 'self'", csp_report_only=True)
    response = make_app(security=security).test_client().get("/plain")
    assert response.headers["content-security-policy-report-only"] == "default-src 'self'"
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"


def nonce_app(tmp_path) -> Spruce:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '<script nonce="{{ csp_nonce }}">go()</script><style nonce="{{ csp_nonce() }}"></style>'
    )
    from spruce.templating import render

    app = Spruce(
        root_path=str(tmp_path),
        batteries=[
            Security(
                content_security_policy="script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'"
            )
        ],
    )

    @app.get("/")
    def page():
        return render("page.html")

    @app.get("/api")
    def api(request: Request):
        return {"nonce": csp_nonce(request)}

    @app.get("/bare")
    def bare():
        return {"no": "template"}

    return app


def test_the_csp_nonce_matches_the_page_and_changes_every_response(tmp_path):
    client = nonce_app(tmp_path).test_client()
    seen = set()
    for _ in range(3):
        response = client.get("/")
        page_nonces = set(re.findall(r'nonce="([^"]+)"', response.text))
        assert len(page_nonces) == 1
        (nonce,) = page_nonces
        assert response.headers["content-security-policy"] == (
            f"script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'; frame-ancestors 'none'"
        )
        seen.add(nonce)
    assert len(seen) == 3
    assert len(next(iter(seen))) >= 22  # 128 bits


def test_a_nonce_is_sent_even_when_no_template_asked_for_one(tmp_path):
    client = nonce_app(tmp_path).test_client()
    header = client.get("/bare").headers["content-security-policy"]
    assert "{nonce}" not in header
    assert re.search(r"'nonce-[A-Za-z0-9_-]{22,}'", header)
    api = client.get("/api")
    assert f"'nonce-{api.json()['nonce']}'" in api.headers["content-security-policy"]


def test_a_csp_with_line_breaks_is_refused():
    app = make_app(security=Security(content_security_policy="default-src 'self'\r\nX-Evil: 1"))
    with pytest.raises(ImproperlyConfigured, match="line breaks"):
        app.test_client(raise_server_exceptions=True).get("/plain")


def test_no_headers_without_the_battery():
    app = Spruce(security=False)

    @app.get("/")
    def index():
        return "bare"

    response = app.test_client().get("/")
    assert not set(DEFAULTS) & set(response.headers)
