"""Rate limits: per route, per key, shared scopes, 429 with Retry-After, memory and Redis
storage (two app instances sharing one limit), storage failures."""

from __future__ import annotations

import asyncio

import pytest
from security_support import REDIS_URL

from spruce import Request, Spruce
from spruce.exceptions import ImproperlyConfigured
from spruce.security import RateLimit, Security, limiter_for, rate_limit


def limited_app(security: Security | None = None) -> Spruce:
    app = Spruce(batteries=[security or Security()])

    @app.post("/login")
    @rate_limit("3/minute")
    def login():
        return "tried"

    @app.get("/search", rate_limit="2/minute")
    def search():
        return "results"

    @app.get("/free")
    def free():
        return "free"

    return app


def test_over_the_limit_is_429_with_retry_after():
    client = limited_app().test_client()
    assert [client.post("/login").status_code for _ in range(3)] == [200, 200, 200]
    response = client.post("/login")
    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 60
    assert response.json() == {
        "detail": f"Too many requests (limit: 3/minute). Try again in {retry} seconds.",
        "retry_after": retry,
    }
    assert response.headers["x-frame-options"] == "DENY"


def test_the_route_option_works_like_the_decorator():
    client = limited_app().test_client()
    assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/free").status_code == 200


def test_limits_are_per_route():
    client = limited_app().test_client()
    for _ in range(3):
        client.post("/login")
    assert client.post("/login").status_code == 429
    assert client.get("/search").status_code == 200


def test_clients_are_counted_apart_by_address():
    app = limited_app()
    first = app.test_client(client_address=("192.0.2.1", 1000))
    second = app.test_client(client_address=("192.0.2.2", 1000))
    for _ in range(3):
        first.post("/login")
    assert first.post("/login").status_code == 429
    assert second.post("/login").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted():
    from spruce.settings import Settings

    app = Spruce(settings=Settings(trusted_proxies=["10.0.0.0/8"]))

    @app.get("/", rate_limit="1/minute")
    def index():
        return "ok"

    proxy = app.test_client(client_address=("10.0.0.5", 1000))
    assert proxy.get("/", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert proxy.get("/", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert proxy.get("/", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_a_key_function_counts_per_user_and_none_means_not_counted():
    app = Spruce()

    def api_key(request: Request) -> str | None:
        return request.headers.get("x-api-key")

    @app.get("/data", rate_limit=RateLimit("2/minute", key=api_key))
    def data():
        return "data"

    client = app.test_client()
    for _ in range(2):
        assert client.get("/data", headers={"X-API-Key": "a"}).status_code == 200
    assert client.get("/data", headers={"X-API-Key": "a"}).status_code == 429
    assert client.get("/data", headers={"X-API-Key": "b"}).status_code == 200
    assert all(client.get("/data").status_code == 200 for _ in range(5))  # no key: not counted


def test_async_key_functions_are_awaited():
    app = Spruce()

    async def account(request: Request) -> str:
        await asyncio.sleep(0)
        return request.query_params.get("user", "")

    @app.get("/a")
    @rate_limit("1/minute", key=account)
    async def a():
        return "a"

    client = app.test_client()
    assert client.get("/a", params={"user": "x"}).status_code == 200
    assert client.get("/a", params={"user": "x"}).status_code == 429
    assert client.get("/a", params={"user": "y"}).status_code == 200


def test_a_scope_shares_one_count_between_routes():
    app = Spruce()

    @app.post("/auth/login", csrf_exempt=True)
    @rate_limit("2/minute", scope="login")
    def form_login():
        return "form"

    @app.post("/api/login", csrf_exempt=True)
    @rate_limit("2/minute", scope="login")
    def api_login():
        return "api"

    client = app.test_client()
    assert client.post("/auth/login").status_code == 200
    assert client.post("/api/login").status_code == 200
    assert client.post("/auth/login").status_code == 429
    assert client.post("/api/login").status_code == 429


def test_several_limits_and_methods():
    app = Spruce()

    @app.route("/item", methods=["GET", "POST"])
    @rate_limit("1/second;2/minute", methods=["POST"])
    def item(request: Request):
        return request.method

    client = app.test_client()
    assert all(client.get("/item").status_code == 200 for _ in range(5))  # GET is not counted
    assert client.post("/item").status_code == 200
    assert client.post("/item").status_code == 429  # 1/second


@pytest.mark.parametrize("bad", ["five per minute", "5/fortnight", "", "0/minute/x"])
def test_unreadable_limits_are_refused_at_startup(bad):
    app = Spruce()

    @app.get("/", rate_limit=bad)
    def index():
        return "x"

    with pytest.raises(ImproperlyConfigured, match="route /"):
        app.freeze()


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window-counter", "moving-window"])
def test_every_strategy_limits(strategy):
    client = limited_app(Security(rate_limit_strategy=strategy)).test_client()
    codes = [client.post("/login").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_limiter_counts_events_for_code():
    app = Spruce()
    seen = {}

    @app.post("/attempt", csrf_exempt=True)
    async def attempt(request: Request, user: str):
        limiter = limiter_for(request.app)
        allowed = await limiter.hit("2/minute", "failed-login", user)
        seen["test"] = await limiter.test("2/minute", "failed-login", user)
        seen["retry"] = await limiter.retry_after("2/minute", "failed-login", user)
        if user == "reset":
            await limiter.clear("2/minute", "failed-login", user)
        return {"allowed": allowed}

    client = app.test_client()
    assert client.post("/attempt", params={"user": "bob"}).json() == {"allowed": True}
    assert seen == {"test": True, "retry": 0}
    assert client.post("/attempt", params={"user": "bob"}).json() == {"allowed": True}
    assert seen["test"] is False and 1 <= seen["retry"] <= 60
    assert client.post("/attempt", params={"user": "bob"}).json() == {"allowed": False}
    assert client.post("/attempt", params={"user": "eve"}).json() == {"allowed": True}


def test_limits_library_is_imported_only_when_a_route_is_limited():
    import subprocess
    import sys

    code = (
        "import sys\nfrom spruce import Spruce\napp = Spruce()\n"
        "@app.get('/')\ndef index(): return 'x'\n"
        "app.freeze()\nprint('limits' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- Redis ----------------------------------------------------------------------------------------
def redis_app(prefix: str, **options) -> Spruce:
    security = Security(rate_limit_storage=REDIS_URL, rate_limit_key_prefix=prefix, **options)
    return limited_app(security)


@pytest.mark.redis
def test_two_app_instances_share_a_limit_in_redis(redis_prefix):
    first = redis_app(redis_prefix).test_client()
    second = redis_app(redis_prefix).test_client()  # another process, another server
    assert first.post("/login").status_code == 200
    assert second.post("/login").status_code == 200
    assert first.post("/login").status_code == 200
    response = second.post("/login")
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert first.post("/login").status_code == 429


@pytest.mark.redis
@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window-counter"])
def test_redis_strategies(redis_prefix, strategy):
    client = redis_app(redis_prefix, rate_limit_strategy=strategy).test_client()
    assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.redis
def test_the_keys_live_under_the_prefix(redis_prefix):
    import redis

    client = redis_app(redis_prefix).test_client()
    client.post("/login")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        assert list(connection.scan_iter(f"{redis_prefix}*"))
    finally:
        connection.close()


def test_an_unreachable_storage_answers_503_or_lets_requests_in_when_failing_open(caplog):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = Security(rate_limit_storage=f"redis://127.0.0.1:{port}/0")
    response = limited_app(closed).test_client().post("/login")
    assert response.status_code == 503
    assert "redis" not in response.text.lower()  # no internals in the answer
    assert "rate limit storage" in caplog.text
    open_ = Security(rate_limit_storage=f"redis://127.0.0.1:{port}/0", rate_limit_fail_open=True)
    assert limited_app(open_).test_client().post("/login").status_code == 200


def test_an_unknown_storage_is_a_configuration_error():
    app = limited_app(Security(rate_limit_storage="carrier-pigeon://coop"))
    with pytest.raises(ImproperlyConfigured, match="rate_limit_storage"):
        app.freeze()
