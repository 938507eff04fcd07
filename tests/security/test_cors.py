"""CORS: explicit origins, preflights answered or refused, credentials rules, Vary: Origin, and
no way around the CSRF check."""

from __future__ import annotations

import pytest
from security_support import make_app

from spruce.exceptions import ImproperlyConfigured
from spruce.security import Security
from spruce.security.testing import csrf_token_from

SPA = "https://app.example.com"


def cors_app(**options):
    options.setdefault("cors_origins", [SPA])
    return make_app(security=Security(**options))


def preflight(client, origin=SPA, method="PUT", headers="content-type, x-csrf-token"):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/submit", headers=request_headers)


def test_an_allowed_preflight_is_answered_before_routing():
    response = preflight(cors_app(cors_max_age=120).test_client())
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
    assert (
        response.headers["access-control-allow-headers"]
        == "authorization, content-type, x-csrf-token"
    )
    assert response.headers["access-control-max-age"] == "120"
    assert "Origin" in response.headers["vary"]
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        ("https://evil.example", "PUT", "content-type"),  # origin not listed
        ("null", "POST", ""),
        ("http://app.example.com", "POST", ""),  # scheme differs
        (SPA, "TRACE", ""),  # method not allowed
        (SPA, "POST", "x-admin-override"),  # header not allowed
    ],
)
def test_a_disallowed_preflight_gets_no_cors_headers(origin, method, headers):
    response = preflight(cors_app().test_client(), origin, method, headers)
    assert response.status_code == 403
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert "Origin" in response.headers["vary"]


def test_responses_to_an_allowed_origin_carry_its_name_and_exposed_headers():
    app = cors_app(cors_expose_headers=["X-Total-Count"])
    response = app.test_client().get("/plain", headers={"Origin": SPA})
    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-expose-headers"] == "X-Total-Count"
    assert response.headers["vary"] == "Origin"


def test_responses_to_other_origins_carry_nothing_to_read_them_with():
    response = cors_app().test_client().get("/plain", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_vary_origin_even_without_an_origin_so_caches_keep_them_apart():
    response = cors_app().test_client().get("/plain")
    assert response.headers["vary"] == "Origin"


def test_credentials_are_allowed_only_when_asked():
    app = cors_app(cors_credentials=True)
    response = app.test_client().get("/plain", headers={"Origin": SPA})
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-origin"] == SPA


def test_any_origin_without_credentials_gets_a_star():
    app = cors_app(cors_origins=["*"])
    response = app.test_client().get("/plain", headers={"Origin": "https://anyone.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers


def test_a_star_with_credentials_is_refused_at_startup():
    app = cors_app(cors_origins=["*"], cors_credentials=True)
    with pytest.raises(ImproperlyConfigured, match="every web site"):
        app.test_client(raise_server_exceptions=True).get("/plain")


def test_origin_patterns_cover_subdomains():
    app = cors_app(cors_origins=["https://*.example.com"])
    client = app.test_client()
    assert preflight(client, "https://a.example.com").status_code == 204
    assert preflight(client, "https://example.com").status_code == 403
    assert preflight(client, "https://a.example.com.evil.net").status_code == 403


@pytest.mark.parametrize(
    "bad", ["example.com", "https://", "https://*", "ftp://x.example", "https://a/b"]
)
def test_origins_must_be_written_as_origins(bad):
    app = cors_app(cors_origins=[bad])
    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        app.freeze()  # settings are checked when the app starts


def test_errors_carry_cors_headers_so_scripts_can_read_them():
    response = cors_app().test_client().get("/nowhere", headers={"Origin": SPA})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == SPA


def test_cors_does_not_exempt_from_the_csrf_check():
    app = cors_app(cors_credentials=True)
    client = app.test_client()
    token = csrf_token_from(client.get("/form").text)
    response = client.post("/submit", data={"csrf_token": token}, headers={"Origin": SPA})
    assert response.status_code == 403
    assert response.json()["reason"] == "bad-origin"
    assert response.headers["access-control-allow-origin"] == SPA  # the SPA can read why
    trusted = make_app(
        security=Security(cors_origins=[SPA], cors_credentials=True, csrf_trusted_origins=[SPA])
    ).test_client()
    token = csrf_token_from(trusted.get("/form").text)
    ok = trusted.post("/submit", headers={"Origin": SPA, "X-CSRF-Token": token})
    assert ok.status_code == 200


def test_cors_is_off_by_default():
    response = make_app().test_client().get("/plain", headers={"Origin": SPA})
    assert "access-control-allow-origin" not in response.headers
    assert "vary" not in response.headers
    assert preflight(make_app().test_client()).status_code == 204  # the plain OPTIONS answer
    assert "access-control-allow-origin" not in preflight(make_app().test_client()).headers
