"""Signed-cookie sessions through the test client: persistence, cookie flags, Vary, tampering,
expiry, key rotation, size limit, clear/regenerate, and what happens without the battery."""

from __future__ import annotations

import secrets

import pytest

from conftest import counter_app
from spruce import Request, Response, Spruce
from spruce.exceptions import ImproperlyConfigured
from spruce.sessions import Session, Sessions, SessionTooLarge
from spruce.settings import Settings
from spruce.signing import Signer


def set_cookie_header(response) -> str:
    values = response.headers.get_list("set-cookie")
    assert len(values) == 1, values
    return values[0]


def test_session_persists_between_requests(make_app):
    client = counter_app(make_app).test_client()
    assert [client.get("/count").json()["n"] for _ in range(3)] == [1, 2, 3]
    assert client.get("/peek").json() == {"n": 3}


def test_cookie_flags_on_http(make_app):
    response = counter_app(make_app).test_client().get("/count")
    header = set_cookie_header(response)
    assert header.startswith("session=")
    parts = header.split("; ")
    assert "HttpOnly" in parts
    assert "SameSite=Lax" in parts
    assert "Path=/" in parts
    assert "Secure" not in parts
    assert f"Max-Age={14 * 24 * 3600}" in parts
    assert response.headers["cache-control"] == "private"


def test_host_prefix_and_secure_on_https(make_app):
    client = counter_app(make_app).test_client(base_url="https://localhost")
    response = client.get("/count")
    header = set_cookie_header(response)
    assert header.startswith("__Host-session=")
    assert "Secure" in header.split("; ")
    assert client.get("/count").json() == {"n": 2}


def test_domain_rules_out_the_host_prefix(make_app):
    app = counter_app(make_app, domain="localhost")
    header = set_cookie_header(app.test_client(base_url="https://localhost").get("/count"))
    assert header.startswith("session=")
    assert "Domain=localhost" in header
    assert "Secure" in header


def test_https_behind_trusted_proxy_gets_secure_cookie(make_app):
    settings = Settings(secret_key=make_app.secret, trusted_proxies=["127.0.0.1"])
    app = Spruce(settings=settings, batteries=[Sessions()])

    @app.get("/")
    def index(request: Request):
        request.session["x"] = 1

    client = app.test_client(client_address=("127.0.0.1", 5000))
    header = set_cookie_header(client.get("/", headers={"x-forwarded-proto": "https"}))
    assert header.startswith("__Host-session=")
    assert "Secure" in header


def test_untouched_session_costs_no_header(make_app):
    client = counter_app(make_app).test_client()
    client.get("/count")
    response = client.get("/untouched")
    assert "set-cookie" not in response.headers
    assert "vary" not in response.headers


def test_reading_sends_vary_but_no_cookie(make_app):
    client = counter_app(make_app).test_client()
    client.get("/count")
    response = client.get("/peek")
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in response.headers


def test_membership_test_counts_as_access(make_app):
    # Flask's CVE-2023-30861 / GHSA-68rp-wp8r-4726: `in` and len() must add Vary too
    response = counter_app(make_app).test_client().get("/has")
    assert response.json() == {"has": False}
    assert response.headers["vary"] == "Cookie"


def test_vary_merges_with_existing_vary(make_app):
    app = make_app()

    @app.get("/")
    def index(request: Request):
        request.session.get("x")
        return Response("hi", headers={"vary": "Accept-Encoding"})

    assert app.test_client().get("/").headers["vary"] == "Accept-Encoding, Cookie"


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "",
        "eyJkIjp7Im4iOjk5OX19.abc.def",
        "....",
        "%00%ff",
        "a" * 5000,
    ],
)
def test_bad_cookie_is_an_empty_session(make_app, cookie):
    client = counter_app(make_app).test_client()
    response = client.get("/peek", headers={"cookie": f"session={cookie}"})
    assert response.status_code == 200
    assert response.json() == {"n": None}


def test_tampered_cookie_is_an_empty_session_and_is_deleted(make_app):
    client = counter_app(make_app).test_client()
    client.get("/count")
    value = client.cookies["session"]
    payload, timestamp, signature = value.rsplit(".", 2)
    forged = f"{payload[:-2]}xy.{timestamp}.{signature}"
    client.cookies.clear()
    response = client.get("/peek", headers={"cookie": f"session={forged}"})
    assert response.json() == {"n": None}
    assert "Max-Age=0" in set_cookie_header(response)


def test_cookie_forged_with_another_key_is_rejected(make_app):
    forged = Signer("another-key-" * 4, salt="spruce.session").dumps(
        {"d": {"n": 100}, "c": 1, "a": 1}
    )
    client = counter_app(make_app).test_client()
    assert client.get("/peek", headers={"cookie": f"session={forged}"}).json() == {"n": None}


def test_cookie_signed_for_another_purpose_is_rejected(make_app):
    forged = Signer(make_app.secret, salt="spruce.cookie:session").dumps(
        {"d": {"n": 100}, "c": 2_000_000_000, "a": 2_000_000_000}
    )
    client = counter_app(make_app).test_client()
    assert client.get("/peek", headers={"cookie": f"session={forged}"}).json() == {"n": None}


def test_idle_expiry(make_app, clock):
    client = counter_app(make_app, clock=clock, idle_timeout=600).test_client()
    client.get("/count")
    clock.advance(599)
    assert client.get("/peek").json() == {"n": 1}
    clock.advance(602)
    assert client.get("/peek").json() == {"n": None}


def test_activity_extends_the_idle_timeout(make_app, clock):
    client = counter_app(make_app, clock=clock, idle_timeout=600).test_client()
    client.get("/count")
    for _ in range(5):  # a read more than a tenth of the timeout after the last save refreshes
        clock.advance(300)
        response = client.get("/peek")
        assert response.json() == {"n": 1}
        assert "set-cookie" in response.headers
    clock.advance(30)
    assert "set-cookie" not in client.get("/peek").headers  # too soon to refresh again


def test_absolute_expiry_despite_activity(make_app, clock):
    client = counter_app(make_app, clock=clock, idle_timeout=600, max_age=1000).test_client()
    client.get("/count")
    clock.advance(500)
    assert client.get("/count").json() == {"n": 2}
    clock.advance(450)
    response = client.get("/count")
    assert response.json() == {"n": 3}
    assert "Max-Age=50" in set_cookie_header(response)  # what is left of the 1000 s
    clock.advance(100)
    assert client.get("/peek").json() == {"n": None}


def test_rotation_accepts_the_fallback_key_and_resigns(make_app, clock):
    old_client = counter_app(make_app, secret=make_app.old_secret, clock=clock).test_client()
    old_client.get("/count")
    old_cookie = old_client.cookies["session"]

    rotated = counter_app(
        make_app, secret=make_app.secret, fallbacks=(make_app.old_secret,), clock=clock
    )
    client = rotated.test_client()
    response = client.get("/peek", headers={"cookie": f"session={old_cookie}"})
    assert response.json() == {"n": 1}
    new_cookie = client.cookies["session"]
    assert new_cookie != old_cookie  # re-signed with the current key at once
    assert Signer(make_app.secret, salt="spruce.session").loads(new_cookie)["d"] == {"n": 1}

    without_fallback = counter_app(make_app, secret=make_app.secret, clock=clock).test_client()
    response = without_fallback.get("/peek", headers={"cookie": f"session={old_cookie}"})
    assert response.json() == {"n": None}


def test_session_too_big_for_a_cookie_is_an_error(make_app):
    app = make_app()

    @app.get("/big")
    def big(request: Request):
        request.session["blob"] = secrets.token_urlsafe(4000)  # random: does not compress
        return "ok"

    response = app.test_client().get("/big")
    assert response.status_code == 500
    assert "set-cookie" not in response.headers
    with pytest.raises(SessionTooLarge, match="over the 4093 bytes"):
        app.test_client(raise_server_exceptions=True).get("/big")


def test_session_that_compresses_fits(make_app):
    app = make_app()

    @app.get("/")
    def index(request: Request):
        request.session["blob"] = "x" * 10_000  # itsdangerous compresses the payload
        return "ok"

    assert app.test_client().get("/").status_code == 200


def test_values_must_be_json(make_app, caplog):
    app = make_app()

    @app.get("/")
    def index(request: Request):
        request.session["when"] = {1, 2}
        return "ok"

    with pytest.raises(TypeError, match="JSON-serializable"):
        app.test_client(raise_server_exceptions=True).get("/")


def test_clear_deletes_the_cookie(make_app):
    client = counter_app(make_app).test_client()
    client.get("/count")
    response = client.post("/logout")
    header = set_cookie_header(response)
    assert header.startswith("session=;")
    assert "Max-Age=0" in header
    assert client.get("/peek").json() == {"n": None}


def test_clear_then_set_starts_over(make_app):
    app = make_app()

    @app.post("/")
    def index(request: Request):
        request.session.clear()
        request.session["fresh"] = True

    @app.get("/")
    def show(request: Request):
        return request.session.to_dict()

    client = app.test_client()
    client.post("/", headers={"cookie": "session=x"})
    assert client.get("/").json() == {"fresh": True}


def test_regenerate_keeps_the_data_and_sends_a_new_cookie(make_app, clock):
    client = counter_app(make_app, clock=clock).test_client()
    client.get("/count")
    before = client.cookies["session"]
    clock.advance(5)
    response = client.post("/login")
    assert "set-cookie" in response.headers
    assert client.cookies["session"] != before
    assert client.get("/peek").json() == {"n": 1}


def test_in_place_change_needs_modified(make_app):
    app = make_app()

    @app.post("/add")
    def add(request: Request, item: int, mark: bool = False):
        cart = request.session.setdefault("cart", [])
        cart.append(item)
        if mark:
            request.session.modified = True

    @app.get("/cart")
    def cart(request: Request):
        return request.session.get("cart", [])

    client = app.test_client()
    client.post("/add?item=1")  # setdefault saved the new list, with the item in it
    client.post("/add?item=2")  # in place, not noticed
    assert client.get("/cart").json() == [1]
    client.post("/add?item=3&mark=true")
    assert client.get("/cart").json() == [1, 3]


def test_session_parameter_is_injected(make_app):
    app = make_app()

    @app.get("/")
    async def index(session: Session):
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    client = app.test_client()
    client.get("/")
    assert client.get("/").json() == {"visits": 2}


def test_session_in_async_handler_and_hooks(make_app):
    app = make_app()

    @app.before_request
    async def remember(request: Request):
        request.session["seen"] = request.session.get("seen", 0) + 1

    @app.get("/")
    async def index(request: Request):
        return {"seen": request.session["seen"]}

    client = app.test_client()
    client.get("/")
    assert client.get("/").json() == {"seen": 2}


def test_session_saved_for_error_pages(make_app):
    app = make_app()

    @app.errorhandler(404)
    def not_found(request: Request, exc):
        request.session["missed"] = request.path
        return "nothing here", 404

    @app.get("/where")
    def where(request: Request):
        return {"missed": request.session.get("missed")}

    client = app.test_client()
    assert client.get("/nope").status_code == 404
    assert client.get("/where").json() == {"missed": "/nope"}


def test_websocket_reads_the_session(make_app):
    app = make_app()

    @app.get("/login")
    def login(request: Request):
        request.session["user"] = "ada"

    @app.websocket("/ws")
    async def ws(websocket):
        await websocket.accept()
        await websocket.send_text(websocket.session.get("user", "nobody"))

    client = app.test_client()
    client.get("/login")
    with client.websocket_connect("/ws") as connection:
        assert connection.receive_text() == "ada"


def test_request_session_without_the_battery_says_how_to_enable():
    app = Spruce()

    @app.get("/")
    def index(request: Request):
        try:
            request.session
        except ImproperlyConfigured as exc:
            return {"error": str(exc)}

    error = app.test_client().get("/").json()["error"]
    assert "sessions are not enabled" in error
    assert "Sessions()" in error


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SPRUCE_SECRET_KEY", raising=False)
    app = Spruce(settings=Settings(debug=False), batteries=[Sessions()])
    with pytest.raises(ImproperlyConfigured, match="sessions needs one"):
        app.freeze()


def test_production_refuses_a_weak_secret_key():
    app = Spruce(settings=Settings(secret_key="changeme"), batteries=[Sessions()])
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        app.freeze()


def test_options_are_checked():
    with pytest.raises(ValueError, match="positive"):
        Sessions(idle_timeout=0)
    with pytest.raises(ValueError, match="Secure"):
        Sessions(samesite="none", secure=False)
    with pytest.raises(ValueError, match="__Host-"):
        Sessions(cookie_name="__Host-sid", domain="example.com")


def test_custom_cookie_name_and_deploy_checks(make_app):
    app = counter_app(make_app, cookie_name="sid", secure=False, max_age=365 * 24 * 3600)
    client = app.test_client(base_url="https://localhost")
    header = set_cookie_header(client.get("/count"))
    assert header.startswith("sid=")
    assert "Secure" not in header.split("; ")
    problems = [p for check in app.checks if check.deploy for p in check.func(app)]
    assert any("secure=False" in p for p in problems)
    assert any("90 days" in p for p in problems)
