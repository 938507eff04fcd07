"""WebSocket sessions through the test clients."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from spruce import HTTPException, Spruce, WebSocket, WebSocketDisconnect
from spruce.testing import AsyncTestClient, WebSocketDenied


@pytest.fixture
def app() -> Spruce:
    app = Spruce()
    app.state.disconnects = []
    app.state.gone = threading.Event()

    @app.websocket("/echo/{room}")
    async def echo(websocket: WebSocket, room: str):
        await websocket.accept()
        await websocket.send_json({"room": room})
        try:
            while True:
                message = await websocket.receive()
                if message.get("text") is not None:
                    await websocket.send_text(message["text"].upper())
                else:
                    await websocket.send_bytes(message["bytes"][::-1])
        except WebSocketDisconnect as exc:
            app.state.disconnects.append(exc.code)
            app.state.gone.set()

    @app.websocket("/json")
    async def json_echo(websocket: WebSocket):
        await websocket.accept()
        async for data in websocket.iter_json():
            await websocket.send_json({"got": data}, binary=bool(data.get("binary")))

    @app.websocket("/items/{item_id:int}")
    async def item(websocket: WebSocket, item_id: int):
        await websocket.accept()
        await websocket.send_json({"id": item_id, "type": type(item_id).__name__})

    @app.websocket("/private")
    async def private(websocket: WebSocket):
        if websocket.cookies.get("session") != "ok" and websocket.headers.get("x-token") != "ok":
            await websocket.close(4401, "log in first")
            return
        await websocket.accept()
        await websocket.send_text("welcome")

    @app.websocket("/forbidden")
    async def forbidden(websocket: WebSocket):
        raise HTTPException(403, "no entry")

    @app.websocket("/subprotocols")
    async def subprotocols(websocket: WebSocket):
        offered = websocket.scope["subprotocols"]
        await websocket.accept(subprotocol=offered[-1], headers={"x-accepted": "yes"})
        await websocket.send_json(offered)

    @app.websocket("/goodbye")
    async def goodbye(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("bye")
        await websocket.close(4000, "see you")

    @app.websocket("/crash")
    async def crash(websocket: WebSocket):
        await websocket.accept()
        await websocket.receive_text()
        raise ValueError("handler bug")

    @app.websocket("/silent")
    async def silent(websocket: WebSocket):
        await websocket.accept()
        await asyncio.sleep(3600)

    return app


def test_text_bytes_and_path_params(app):
    with app.test_client().websocket_connect("/echo/lobby") as ws:
        assert ws.receive_json() == {"room": "lobby"}
        ws.send_text("hello")
        assert ws.receive_text() == "HELLO"
        ws.send_bytes(b"\x01\x02\x03")
        assert ws.receive_bytes() == b"\x03\x02\x01"


def test_json_text_and_binary(app):
    with app.test_client().websocket_connect("/json") as ws:
        ws.send_json({"a": 1})
        message = ws.receive()
        assert message["type"] == "websocket.send" and message["text"] == '{"got":{"a":1}}'
        ws.send_json({"binary": True}, mode="binary")
        message = ws.receive()
        assert message["bytes"] == b'{"got":{"binary":true}}'
        ws.send_json([1])  # a list has no .get: the handler crashes, the session is closed 1011
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
        assert info.value.code == 1011


def test_converted_path_parameter(app):
    with app.test_client().websocket_connect("/items/7") as ws:
        assert ws.receive_json() == {"id": 7, "type": "int"}


def test_client_close_is_seen_by_the_handler(app):
    ws = app.test_client().websocket_connect("/echo/x")
    ws.receive_json()
    ws.close(4100)
    assert app.state.gone.is_set()  # the handler had finished when close() returned
    assert app.state.disconnects == [4100]
    with pytest.raises(RuntimeError, match="closed"):
        ws.send_text("too late")


def test_leaving_the_block_closes_with_1000(app):
    with app.test_client().websocket_connect("/echo/x") as ws:
        ws.receive_json()
    assert app.state.disconnects == [1000]


def test_rejected_handshake_raises_websocket_denied_with_the_code(app):
    client = app.test_client()
    with pytest.raises(WebSocketDenied) as info:
        client.websocket_connect("/private")
    assert info.value.code == 4401 and info.value.reason == "log in first"
    assert "4401" in str(info.value)
    assert isinstance(info.value, WebSocketDisconnect)


def test_http_exception_before_accept_and_unknown_path_are_rejected(app):
    client = app.test_client()
    with pytest.raises(WebSocketDenied) as info:
        client.websocket_connect("/forbidden")
    assert info.value.code == 1008 and "no entry" in info.value.reason
    with pytest.raises(WebSocketDenied) as info:
        client.websocket_connect("/nowhere")
    assert info.value.code == 1008


def test_handshake_sends_headers_cookies_and_query(app):
    client = app.test_client()
    with client.websocket_connect("/private", headers={"X-Token": "ok"}) as ws:
        assert ws.receive_text() == "welcome"
    client.cookies.set("session", "ok")
    with client.websocket_connect("ws://localhost/private") as ws:
        assert ws.receive_text() == "welcome"


def test_subprotocols_and_accept_headers(app):
    with app.test_client().websocket_connect(
        "/subprotocols", subprotocols=["chat.v1", "chat.v2"]
    ) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.headers["x-accepted"] == "yes"
        assert ws.receive_json() == ["chat.v1", "chat.v2"]


def test_server_close_raises_websocket_disconnect_with_code(app):
    with app.test_client().websocket_connect("/goodbye") as ws:
        assert ws.receive_text() == "bye"
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4000, "see you")
        with pytest.raises(WebSocketDisconnect):  # and keeps saying so
            ws.receive()


def test_handler_crash_closes_1011_or_raises_with_the_option(app):
    with app.test_client().websocket_connect("/crash") as ws:
        ws.send_text("go")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1011
    with app.test_client(raise_server_exceptions=True).websocket_connect("/crash") as ws:
        ws.send_text("go")
        with pytest.raises(ValueError, match="handler bug"):
            ws.receive_text()


def test_receive_timeout(app):
    with app.test_client().websocket_connect("/silent") as ws:
        with pytest.raises(TimeoutError):
            ws.receive_text(timeout=0.05)


def test_websocket_and_requests_share_the_client(app):
    @app.get("/rooms")
    def rooms():
        return ["lobby"]

    with app.test_client() as client, client.websocket_connect("/echo/lobby") as ws:
        assert client.get("/rooms").json() == ["lobby"]
        ws.receive_json()
        ws.send_text("still here")
        assert ws.receive_text() == "STILL HERE"


async def test_async_client_websockets(app):
    async with AsyncTestClient(app) as client:
        async with client.websocket_connect("/echo/async") as ws:
            assert await ws.receive_json() == {"room": "async"}
            await ws.send_text("hi")
            assert await ws.receive_text() == "HI"
        assert app.state.disconnects == [1000]
        ws = await client.websocket_connect("/items/3")
        assert await ws.receive_json() == {"id": 3, "type": "int"}
        await ws.close()
        with pytest.raises(WebSocketDenied):
            await client.websocket_connect("/private")


def test_a_handler_that_hears_the_disconnect_may_finish_its_cleanup():
    app = Spruce()
    cleaned: list[str] = []

    @app.websocket("/chat")
    async def chat(websocket: WebSocket):
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect:
            await asyncio.sleep(0.3)  # longer than the listening window: still not cancelled
            cleaned.append("left the room")

    with app.test_client().websocket_connect("/chat"):
        pass
    assert cleaned == ["left the room"]


def test_a_handler_that_is_not_listening_is_cancelled_quickly():
    app = Spruce()
    cancelled = threading.Event()

    @app.websocket("/feed")
    async def feed(websocket: WebSocket):
        await websocket.accept()
        try:
            await asyncio.sleep(3600)  # waiting on something other than the client
        except asyncio.CancelledError:
            cancelled.set()
            raise

    client = app.test_client()
    ws = client.websocket_connect("/feed")
    started = time.monotonic()
    ws.close()
    assert time.monotonic() - started < 3  # not the 5 s a listening handler may take
    assert cancelled.is_set()


def test_sending_after_the_client_left_fails_in_the_handler():
    app = Spruce()
    outcome: list[str] = []

    @app.websocket("/ticker")
    async def ticker(websocket: WebSocket):
        await websocket.accept()
        try:
            while True:
                await websocket.send_text("tick")
                await asyncio.sleep(0.01)
        except OSError:
            outcome.append("send failed")

    with app.test_client().websocket_connect("/ticker") as ws:
        assert ws.receive_text() == "tick"
    assert outcome == ["send failed"]
