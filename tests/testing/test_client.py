"""The synchronous TestClient: requests, cookies, lifespan, streaming, errors."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest

from spruce import (
    EventSourceResponse,
    Request,
    Response,
    ServerSentEvent,
    Spruce,
    StreamingResponse,
)
from spruce.testing import LifespanError, TestClient


def test_app_test_client_returns_a_testclient_on_localhost():
    app = Spruce()

    @app.get("/where")
    def where(request: Request):
        return {
            "host": request.headers["host"],
            "url": str(request.url),
            "client": request.client.host,
        }

    client = app.test_client()
    assert isinstance(client, TestClient) and isinstance(client, httpx.Client)
    assert client.get("/where").json() == {
        "host": "localhost",
        "url": "http://localhost/where",
        "client": "127.0.0.1",
    }


def test_client_address_and_base_url_options():
    app = Spruce()

    @app.get("/peer")
    def peer(request: Request):
        return {"client": list(request.client), "scheme": request.scheme}

    client = TestClient(app, client_address=("10.1.2.3", 4321), base_url="https://127.0.0.1")
    assert client.get("/peer").json() == {"client": ["10.1.2.3", 4321], "scheme": "https"}


def test_sync_and_async_handlers_run_off_the_test_thread():
    app = Spruce()
    test_thread = threading.get_ident()

    @app.get("/sync")
    def sync_handler():
        return {"same_thread": threading.get_ident() == test_thread}

    @app.get("/async")
    async def async_handler():
        await asyncio.sleep(0)
        return {"same_thread": threading.get_ident() == test_thread}

    client = app.test_client()
    assert client.get("/sync").json() == {"same_thread": False}
    assert client.get("/async").json() == {"same_thread": False}


def test_query_headers_json_and_form_bodies():
    app = Spruce()

    @app.post("/echo")
    async def echo(request: Request):
        kind = request.content_type
        body = await request.json() if kind == "application/json" else dict(await request.form())
        return {"q": request.query_params.get("q"), "h": request.headers.get("x-h"), "body": body}

    client = app.test_client()
    response = client.post("/echo", params={"q": "1"}, headers={"X-H": "v"}, json={"a": [1, 2]})
    assert response.json() == {"q": "1", "h": "v", "body": {"a": [1, 2]}}
    assert client.post("/echo", data={"name": "ann"}).json()["body"] == {"name": "ann"}


def test_cookies_persist_between_requests():
    app = Spruce(security=False)  # a POST with cookies would need a CSRF token

    @app.post("/login")
    def login():
        response = Response("ok")
        response.set_cookie("session", "abc123")
        return response

    @app.get("/me")
    def me(request: Request):
        return {"session": request.cookies.get("session")}

    @app.post("/logout")
    def logout():
        response = Response("bye")
        response.delete_cookie("session")
        return response

    client = app.test_client()
    assert client.get("/me").json() == {"session": None}
    client.post("/login")
    assert client.cookies.get("session") == "abc123"
    assert client.get("/me").json() == {"session": "abc123"}
    assert client.get("/me").json() == {"session": "abc123"}
    client.post("/logout")
    assert client.get("/me").json() == {"session": None}


def test_redirects_are_followed_unless_asked_not_to():
    app = Spruce()

    @app.get("/old")
    def old():
        from spruce import RedirectResponse

        return RedirectResponse("/new")

    @app.get("/new")
    def new():
        return "new"

    client = app.test_client()
    assert client.get("/old").text == "new"
    response = client.get("/old", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/new"
    assert TestClient(app, follow_redirects=False).get("/old").status_code == 302


def test_with_block_runs_the_lifespan():
    events: list[str] = []
    app = Spruce()

    @app.on_startup
    async def start():
        events.append("startup")
        app.state.ready = True

    @app.on_shutdown
    def stop():
        events.append("shutdown")

    @app.get("/")
    def index(request: Request):
        return {"ready": request.app.state.ready}

    with app.test_client() as client:
        assert events == ["startup"]
        assert client.get("/").json() == {"ready": True}
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


def test_without_with_there_is_no_lifespan_and_the_app_freezes_on_first_request():
    events: list[str] = []
    app = Spruce()
    app.on_startup(lambda: events.append("startup"))

    @app.get("/")
    def index():
        return "hi"

    client = app.test_client()
    assert not app.started
    assert client.get("/").text == "hi"
    assert app.started and events == []
    client.close()


def test_lifespan_objects_live_on_the_loop_requests_use():
    app = Spruce()

    @app.on_startup
    async def start():
        app.state.lock = asyncio.Lock()  # bound to the loop it is first used on
        app.state.queue = asyncio.Queue()
        await app.state.queue.put("from startup")

    @app.get("/")
    async def index():
        async with app.state.lock:
            return await app.state.queue.get()

    with app.test_client() as client:
        assert client.get("/").text == "from startup"


def test_failing_startup_raises_the_original_exception():
    app = Spruce()

    class DatabaseDown(Exception):
        pass

    @app.on_startup
    def connect():
        raise DatabaseDown("cannot connect to the database")

    with pytest.raises(DatabaseDown, match="cannot connect"), app.test_client():
        pass


def test_failing_shutdown_raises():
    app = Spruce()

    @app.on_shutdown
    def close():
        raise RuntimeError("pool did not close")

    with pytest.raises(RuntimeError, match="pool did not close"), app.test_client():
        pass


def test_lifespan_failure_without_a_logged_exception_is_a_lifespan_error():
    async def app(scope, receive, send):
        assert scope["type"] == "lifespan"
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(LifespanError, match="no database"), TestClient(app):
        pass


def test_plain_asgi_app_without_lifespan_support_and_lifespan_state():
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            raise RuntimeError("lifespan not supported")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["method"].encode()})

    with TestClient(app) as client:
        assert client.put("/").text == "PUT"

    async def stateful(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["greeting"] = "hello"
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["greeting"] += "!"  # a request's copy: the next request does not see it
        body = scope["state"]["greeting"].encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    with TestClient(stateful) as client:
        assert client.get("/").text == "hello!"
        assert client.get("/").text == "hello!"


def test_unhandled_exception_gives_the_500_users_see(caplog):
    app = Spruce()

    @app.get("/boom")
    def boom():
        raise ValueError("secret detail")

    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="spruce"):
        response = client.get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert any(r.exc_info and isinstance(r.exc_info[1], ValueError) for r in caplog.records)


def test_raise_server_exceptions_reraises_the_handler_exception():
    app = Spruce()

    @app.get("/boom")
    async def boom():
        raise ValueError("the real bug")

    @app.get("/fine")
    def fine():
        return "fine"

    client = app.test_client(raise_server_exceptions=True)
    with pytest.raises(ValueError, match="the real bug"):
        client.get("/boom")
    assert client.get("/fine").text == "fine"  # one failure does not poison the next request


def test_raise_server_exceptions_also_covers_sync_handlers():
    app = Spruce()

    @app.get("/boom")
    def boom():
        raise KeyError("sync bug")

    with pytest.raises(KeyError, match="sync bug"):
        app.test_client(raise_server_exceptions=True).get("/boom")


def test_an_app_crashing_before_responding_gets_a_bare_500():
    async def broken(scope, receive, send):
        raise RuntimeError("crashed before the response")

    response = TestClient(broken).get("/")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    with pytest.raises(RuntimeError, match="crashed before"):
        TestClient(broken, raise_server_exceptions=True).get("/")


def test_an_app_returning_without_a_response_gets_a_500():
    async def silent(scope, receive, send):
        return None

    assert TestClient(silent).get("/").status_code == 500
    with pytest.raises(RuntimeError, match="without sending a response"):
        TestClient(silent, raise_server_exceptions=True).get("/")


def test_streaming_response_is_read_piece_by_piece():
    app = Spruce()
    produced: list[int] = []
    closed = threading.Event()

    @app.get("/count")
    async def count():
        async def numbers():
            try:
                for n in range(1000):
                    produced.append(n)
                    yield f"{n}\n"
            finally:
                closed.set()

        return StreamingResponse(numbers(), media_type="text/plain")

    client = app.test_client()
    with client.stream("GET", "/count") as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert [next(lines) for _ in range(3)] == ["0", "1", "2"]
        assert len(produced) < 1000  # the stream waits for the reader: no unbounded buffering
    assert closed.wait(2)  # leaving the block disconnected the client and ended the generator
    assert client.get("/count").text.count("\n") == 1000


def test_sync_generator_streams_and_head_has_no_body():
    app = Spruce()

    @app.get("/gen")
    def gen():
        return StreamingResponse((f"chunk{i};" for i in range(3)), media_type="text/plain")

    client = app.test_client()
    assert client.get("/gen").text == "chunk0;chunk1;chunk2;"
    head = client.head("/gen")
    assert head.status_code == 200 and head.content == b""


def test_server_sent_events_are_read_through_the_client():
    app = Spruce()

    @app.get("/events")
    async def events():
        async def stream():
            yield ServerSentEvent({"n": 1}, event="tick", id="1")
            yield "plain text"
            for n in range(2, 1000):
                yield ServerSentEvent({"n": n}, event="tick", id=str(n))
                await asyncio.sleep(0)

        return EventSourceResponse(stream())

    with app.test_client() as client, client.stream("GET", "/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = []
        block: list[str] = []
        for line in response.iter_lines():
            if line:
                block.append(line)
                continue
            events.append(block)
            block = []
            if len(events) == 3:
                break
    assert events == [
        ["event: tick", "id: 1", 'data: {"n":1}'],
        ["data: plain text"],
        ["event: tick", "id: 2", 'data: {"n":2}'],
    ]


def test_error_in_the_middle_of_a_stream_breaks_the_body(caplog):
    app = Spruce()

    @app.get("/broken")
    async def broken():
        async def pieces():
            yield "first;"
            raise RuntimeError("stream failed")

        return StreamingResponse(pieces())

    with caplog.at_level(logging.ERROR):
        with pytest.raises(httpx.RemoteProtocolError):
            app.test_client().get("/broken")
    with pytest.raises(RuntimeError, match="stream failed"):
        app.test_client(raise_server_exceptions=True).get("/broken")


def test_request_body_from_a_generator_arrives_in_chunks():
    app = Spruce()

    @app.post("/upload")
    async def upload(request: Request):
        sizes = [len(chunk) async for chunk in request.stream()]
        return {"chunks": sizes}

    def body():
        yield b"a" * 10
        yield b"b" * 20
        yield b"c" * 30

    response = app.test_client().post("/upload", content=body())
    assert response.json() == {"chunks": [10, 20, 30]}


def test_teardown_has_run_when_the_request_returns():
    app = Spruce()
    torn_down: list[str] = []

    @app.teardown
    async def cleanup(request, exc):
        await asyncio.sleep(0.01)
        torn_down.append(request.path)

    @app.get("/x")
    def x():
        return "x"

    client = app.test_client()
    client.get("/x")
    assert torn_down == ["/x"]


def test_the_client_is_not_collected_as_a_test_class():
    assert TestClient.__test__ is False


def test_calling_the_client_from_inside_the_app_is_refused():
    app = Spruce()
    client = app.test_client()

    @app.get("/inner")
    async def inner():
        try:
            client.get("/other")
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    assert "inside the application" in client.get("/inner").text


def test_slow_teardown_after_a_complete_response_is_not_cut_short():
    app = Spruce()
    done: list[bool] = []

    @app.teardown
    async def slow_cleanup(request, exc):
        await asyncio.sleep(0.3)
        done.append(True)

    @app.get("/")
    def index():
        return "ok"

    assert app.test_client().get("/").text == "ok"
    assert done == [True]


def test_using_a_closed_client_fails_clearly():
    app = Spruce()

    @app.get("/")
    def index():
        return "ok"

    with app.test_client() as client:
        client.get("/")
    with pytest.raises(RuntimeError, match="closed"):
        client.get("/")
