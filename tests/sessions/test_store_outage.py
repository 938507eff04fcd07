"""When the session store is down: 503 with Retry-After and a short message (never a 500 or a
traceback), a warning in the log, requests that do not need the store unaffected, bounded waits
on a hung Redis, and recovery by itself when Redis is back (a real redis-server that the tests
stop, pause and restart; a refused connection on a port where nothing listens)."""

from __future__ import annotations

import logging
import os
import time

import pytest

from conftest import counter_app, free_port
from spruce.sessions import RedisSessionStore, Session, SessionStoreUnavailable
from spruce.testing import WebSocketDenied

REDIS_URL = os.environ.get("SPRUCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
A_SESSION_ID = "A" * 43  # the shape of a session id, so the store is asked
DETAIL = "Sessions are unavailable; please try again shortly."


def outage_app(make_app, store, **options):
    app = counter_app(make_app, store=store, **options)

    @app.get("/asks")
    async def asks(session: Session):
        return {"n": session.get("n")}

    @app.websocket("/ws")
    async def ws(websocket):
        await websocket.accept()
        await websocket.send_text(str(websocket.session.get("n")))
        await websocket.close()

    return app


def refused_store(**options) -> RedisSessionStore:
    return RedisSessionStore(f"redis://127.0.0.1:{free_port()}/0", **options)


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "set-cookie" not in response.headers
    assert response.json() == {"detail": DETAIL}


def outage_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "spruce.sessions"]


def test_a_refused_connection_answers_503_when_the_session_is_loaded(make_app, caplog):
    app = outage_app(make_app, refused_store())
    # raise_server_exceptions: an error that escaped or was logged as unhandled fails the test
    with app.test_client(raise_server_exceptions=True) as client:
        client.cookies.set("session", A_SESSION_ID)
        started = time.monotonic()
        assert_unavailable(client.get("/count"))
        assert time.monotonic() - started < 2  # refused: no waiting for a timeout
    [record] = outage_warnings(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None  # a line, not a traceback
    message = record.getMessage()
    assert message.startswith("GET /count: session store unavailable: Redis read failed:")
    assert "ConnectionError" in message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_refused_connection_answers_503_when_the_session_is_saved(make_app, caplog):
    app = outage_app(make_app, refused_store())
    with app.test_client(raise_server_exceptions=True) as client:
        response = client.get("/count")  # no cookie: nothing to load, a new session to save
        assert_unavailable(response)  # in place of the handler's response
    [record] = outage_warnings(caplog)
    assert "Redis write failed" in record.getMessage()


def test_handlers_that_ask_for_the_session_get_503_too(make_app, caplog):
    app = outage_app(make_app, refused_store(), preload=False)
    with app.test_client(raise_server_exceptions=True) as client:
        client.cookies.set("session", A_SESSION_ID)
        assert_unavailable(client.get("/asks"))
        assert client.get("/untouched").json() == {"ok": True}
    assert len(outage_warnings(caplog)) == 1


def test_the_error_page_is_html_for_browsers_and_never_a_traceback(make_app):
    for debug in (False, True):
        app = outage_app(make_app, refused_store(), debug=debug)
        with app.test_client(raise_server_exceptions=True) as client:
            client.cookies.set("session", A_SESSION_ID)
            response = client.get("/count", headers={"accept": "text/html"})
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/html")
            assert "503 Service Unavailable" in response.text
            assert DETAIL in response.text
            assert "Traceback" not in response.text
            assert "redis" not in response.text.lower()
            head = client.head("/count")
            assert (head.status_code, head.content) == (503, b"")


def test_requests_that_need_no_store_are_unaffected(make_app):
    app = outage_app(make_app, refused_store())
    with app.test_client(raise_server_exceptions=True) as client:
        assert client.get("/untouched").json() == {"ok": True}  # no cookie: store never asked
        client.cookies.set("other", "cookie")
        assert client.get("/untouched").json() == {"ok": True}  # no session cookie either
        client.cookies.set("session", A_SESSION_ID)
        assert client.get("/untouched").status_code == 503  # preloading asks the store
    lazy = outage_app(make_app, refused_store(), preload=False)
    with lazy.test_client(raise_server_exceptions=True) as client:
        client.cookies.set("session", A_SESSION_ID)
        assert client.get("/untouched").json() == {"ok": True}


def test_a_websocket_is_refused_with_try_again_later(make_app):
    app = outage_app(make_app, refused_store())
    with app.test_client(raise_server_exceptions=True) as client:
        client.cookies.set("session", A_SESSION_ID)
        with pytest.raises(WebSocketDenied) as denied, client.websocket_connect("/ws"):
            pass
        assert denied.value.code == 1013


def test_the_store_error_says_what_failed_and_keeps_the_cause():
    import asyncio

    store = refused_store()

    async def read() -> None:
        try:
            await store.read(A_SESSION_ID)
        finally:
            await store.close()

    with pytest.raises(SessionStoreUnavailable) as caught:
        asyncio.run(read())
    error = caught.value
    assert (error.status_code, error.detail, error.headers) == (503, DETAIL, {"Retry-After": "5"})
    assert error.reason.startswith("Redis read failed: ConnectionError")
    assert type(error.__cause__).__module__ == "redis.exceptions"


def test_timeouts_are_bounded_by_default():
    store = RedisSessionStore(REDIS_URL)
    connection = store.client.connection_pool.make_connection()
    assert (connection.socket_connect_timeout, connection.socket_timeout) == (2.0, 2.0)
    quick = RedisSessionStore(REDIS_URL + "?socket_timeout=0.5", timeout=3)
    assert quick.client.connection_pool.make_connection().socket_timeout == 0.5  # the URL wins
    with pytest.raises(ValueError, match="positive"):
        RedisSessionStore(timeout=0)


def test_redis_going_away_and_coming_back(make_app, redis_server, caplog):
    app = outage_app(make_app, RedisSessionStore(redis_server.url))
    with app.test_client(raise_server_exceptions=True) as client:
        assert client.get("/count").json() == {"n": 1}
        assert client.get("/count").json() == {"n": 2}

        redis_server.stop()  # the pooled connection is now dead, and nothing listens
        assert_unavailable(client.get("/count"))
        assert_unavailable(client.get("/count"))
        assert client.get("/untouched").status_code == 503  # it carries the session cookie

        redis_server.start()  # an empty Redis on the same port: the session is gone
        assert client.get("/count").json() == {"n": 1}
        assert client.get("/count").json() == {"n": 2}
    assert len(outage_warnings(caplog)) == 3


def test_a_hung_redis_answers_503_after_the_timeout_then_recovers(make_app, redis_server):
    app = outage_app(make_app, RedisSessionStore(redis_server.url, timeout=0.3))
    with app.test_client(raise_server_exceptions=True) as client:
        assert client.get("/count").json() == {"n": 1}
        redis_server.pause()
        try:
            started = time.monotonic()
            assert_unavailable(client.get("/count"))
            waited = time.monotonic() - started
        finally:
            redis_server.resume()
        assert 0.3 <= waited < 2.3  # the timeout, not forever (and no retry doubling it)
        assert client.get("/count").json() == {"n": 2}


@pytest.mark.redis
def test_a_connection_redis_dropped_is_retried_without_an_error(
    make_app, redis_prefix, redis_client, caplog
):
    name = "spruce-test-" + redis_prefix.split(":")[1]
    store = RedisSessionStore(f"{REDIS_URL}?client_name={name}", prefix=redis_prefix)
    with outage_app(make_app, store).test_client(raise_server_exceptions=True) as client:
        assert client.get("/count").json() == {"n": 1}
        ids = [c["id"] for c in redis_client.client_list() if c["name"] == name]
        assert ids, "the store's connection is not in CLIENT LIST"
        for client_id in ids:
            redis_client.client_kill_filter(_id=client_id)
        assert client.get("/count").json() == {"n": 2}  # reconnected at once
    assert outage_warnings(caplog) == []
