"""Allowed hosts (no host-header poisoning), forwarded headers from untrusted peers, the
redirect to https."""

from __future__ import annotations

import pytest
from security_support import make_app

from spruce import Request, Spruce, WebSocket
from spruce.security import Security
from spruce.security.hosts import AllowedHosts, host_name
from spruce.settings import Settings
from spruce.testing import WebSocketDenied


def link_app(**settings) -> Spruce:
    app = make_app(**settings)

    @app.get("/reset", name="reset")
    def reset(request: Request):
        return {"link": request.url_for("reset", _external=True), "host": request.host}

    return app


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:5000", "[::1]:80", "LOCALHOST"]
)
def test_the_default_hosts_are_served(host):
    response = link_app().test_client().get("/reset", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:80",
        "localhost.evil.example",
        "localhost@evil.example",
        "evil.example/localhost",
        "localhost:80:80",
        "local host",
        "localhost:abc",
        "",
    ],
)
def test_a_foreign_or_malformed_host_gets_400_before_any_handler(host):
    app = link_app()
    called = []

    @app.before_request
    def spy(request: Request):
        called.append(request.path)

    response = app.test_client().get("/reset", headers={"Host": host})
    assert response.status_code == 400
    assert called == []
    assert "evil" not in response.text  # production pages do not echo the host
    assert response.headers["x-frame-options"] == "DENY"


def test_no_link_to_the_attackers_host_can_be_built():
    response = link_app().test_client().get("/reset", headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert "attacker" not in response.text


def test_debug_mode_names_the_host_and_the_fix():
    response = link_app(debug=True).test_client().get("/reset", headers={"Host": "staging.example"})
    assert response.status_code == 400
    assert "'staging.example'" in response.json()["detail"]
    assert "SPRUCE_ALLOWED_HOSTS" in response.json()["detail"]


def test_wildcard_subdomains():
    app = link_app(allowed_hosts=[".example.com"])
    client = app.test_client()
    for host in ("example.com", "www.example.com", "a.b.example.com:8443"):
        assert client.get("/reset", headers={"Host": host}).status_code == 200, host
    for host in ("badexample.com", "example.com.evil.net", "localhost"):
        assert client.get("/reset", headers={"Host": host}).status_code == 400, host


def test_a_star_accepts_any_host():
    response = (
        link_app(allowed_hosts=["*"]).test_client().get("/reset", headers={"Host": "any.example"})
    )
    assert response.status_code == 200


def test_x_forwarded_host_from_an_untrusted_peer_is_ignored():
    client = link_app().test_client()
    response = client.get("/reset", headers={"X-Forwarded-Host": "attacker.example"})
    assert response.status_code == 200
    assert response.json() == {"link": "http://localhost/reset", "host": "localhost"}


def test_x_forwarded_host_from_a_trusted_proxy_must_be_allowed_too():
    app = link_app(trusted_proxies=["127.0.0.1"], allowed_hosts=["shop.example"])
    client = app.test_client()
    # the proxy's own Host header is not what counts: the forwarded one is
    bad = client.get(
        "/reset", headers={"Host": "shop.example", "X-Forwarded-Host": "attacker.example"}
    )
    assert bad.status_code == 400
    good = client.get(
        "/reset", headers={"Host": "internal:8000", "X-Forwarded-Host": "shop.example"}
    )
    assert good.json()["link"] == "http://shop.example/reset"


def test_foreign_hosts_cannot_open_websockets():
    app = make_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.close()

    client = app.test_client()
    with client.websocket_connect("/ws"):
        pass
    with pytest.raises(WebSocketDenied):
        client.websocket_connect("/ws", headers={"Host": "evil.example"})


def test_host_names_are_parsed_strictly():
    assert host_name("Example.COM:8000") == "example.com"
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("example.com.") == "example.com"
    for bad in ("a b", "a@b", "a/b", "a:1:2", "[::1", "exa_mple.com", "é.com"):
        assert host_name(bad) is None, bad


def test_allowed_hosts_cache_only_remembers_accepted_hosts():
    hosts = AllowedHosts([".example.com"])
    for number in range(1000):
        hosts.allows(f"x{number}.example.com")
        hosts.allows(f"evil{number}.net")
    assert len(hosts._accepted) <= 64
    assert not hosts.allows("evil1.net")


def test_hosts_the_filter_passed_skip_it_and_others_are_still_checked():
    app = make_app(allowed_hosts=["shop.example"])
    client = app.test_client(base_url="http://shop.example")
    assert client.get("/plain").status_code == 200
    passed = [hosts for _, hosts in app._request_filters if hosts is not None]
    assert passed == [{b"shop.example": True}]
    for _ in range(100):
        assert client.get("/plain", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/plain").status_code == 200
    assert passed == [{b"shop.example": True}]  # refused hosts are never remembered


def test_a_filter_that_redirects_never_lets_hosts_skip_it():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))
    client = app.test_client(base_url="http://shop.example", follow_redirects=False)
    for _ in range(3):
        assert client.get("/plain").status_code == 301
    assert all(not hosts for _, hosts in app._request_filters)


# -- https --------------------------------------------------------------------------------------
def test_plain_http_is_redirected_to_https_when_declared():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))
    client = app.test_client(base_url="http://shop.example", follow_redirects=False)
    response = client.get("/plain?page=2")
    assert response.status_code == 301
    assert response.headers["location"] == "https://shop.example/plain?page=2"
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    post = client.post("/submit")
    assert post.status_code == 308  # keeps the method and the body
    assert post.headers["location"] == "https://shop.example/submit"


def test_https_requests_are_served():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))
    response = app.test_client(base_url="https://shop.example").get("/plain")
    assert response.status_code == 200
    assert response.text == "plain"


def test_the_redirect_never_targets_a_foreign_host():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))
    client = app.test_client(base_url="http://shop.example", follow_redirects=False)
    response = client.get("/plain", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_behind_a_trusted_proxy_x_forwarded_proto_counts():
    settings = Settings(trusted_proxies=["127.0.0.1"], allowed_hosts=["shop.example"])
    app = Spruce(settings=settings, batteries=[Security(https=True)])

    @app.get("/")
    def index(request: Request):
        return request.url.scheme

    client = app.test_client(base_url="http://shop.example", follow_redirects=False)
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).text == "https"
    assert client.get("/").status_code == 301


def test_x_forwarded_proto_from_an_untrusted_peer_does_not_skip_the_redirect():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))
    client = app.test_client(base_url="http://shop.example", follow_redirects=False)
    assert client.get("/plain", headers={"X-Forwarded-Proto": "https"}).status_code == 301


def test_websockets_over_plain_ws_are_refused_when_https_is_declared():
    app = make_app(allowed_hosts=["shop.example"], security=Security(https=True))

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.close()

    with pytest.raises(WebSocketDenied):
        app.test_client(base_url="http://shop.example").websocket_connect("/ws")
    with app.test_client(base_url="https://shop.example").websocket_connect("/ws"):
        pass


def test_a_second_host_header_cannot_slip_past_the_check():
    # The check reads the first Host; a handler that builds a link from the host gets a 400
    # instead of "localhost, attacker.example".
    app = link_app()
    response = app.test_client().get(
        "/reset", headers=[("Host", "localhost"), ("Host", "attacker.example")]
    )
    assert response.status_code == 400
    assert "attacker" not in response.text


def test_a_malformed_forwarded_host_from_a_trusted_proxy_is_refused():
    app = link_app(trusted_proxies=["127.0.0.1"], allowed_hosts=["*"])
    response = app.test_client().get("/reset", headers={"X-Forwarded-Host": "[::1"})
    assert response.status_code == 400
    websocket_app = make_app(trusted_proxies=["127.0.0.1"], allowed_hosts=["*"])

    @websocket_app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.close()

    with pytest.raises(WebSocketDenied):
        websocket_app.test_client().websocket_connect("/ws", headers={"X-Forwarded-Host": "a b"})
