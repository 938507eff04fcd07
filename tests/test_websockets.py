"""WebSocket routes: path parameters, text/bytes/JSON, close, rejection."""

import pytest

from spruce import Spruce, WebSocket, WebSocketDisconnect


@pytest.fixture
def app() -> Spruce:
    app = Spruce()

    @app.websocket("/echo/{room}")
    async def echo(websocket: WebSocket, room: str, prefix: str = ""):
        await websocket.accept()
        await websocket.send_json({"room": room, "prefix": prefix})
        async for text in websocket.iter_text():
            if text == "bytes":
                await websocket.send_bytes(await websocket.receive_bytes())
            elif text == "json":
                await websocket.send_json({"got": await websocket.receive_json()})
            elif text == "bye":
                await websocket.close(4000, "bye")
                return
            else:
                await websocket.send_text(prefix + text)

    @app.websocket("/private")
    async def private(websocket: WebSocket):
        if websocket.headers.get("x-token") != "ok":
            await websocket.close(4401)
            return
        await websocket.accept()
        await websocket.send_text("welcome")

    @app.websocket("/int/{n:int}")
    async def ints(websocket: WebSocket, n: int):
        await websocket.accept()
        await websocket.send_json(n * 2)

    return app


def test_echo_text_bytes_json(app):
    client = app.test_client()
    with client.websocket_connect("/echo/lobby?prefix=>") as ws:
        assert ws.receive_json() == {"room": "lobby", "prefix": ">"}
        ws.send_text("hi")
        assert ws.receive_text() == ">hi"
        ws.send_text("bytes")
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"
        ws.send_text("json")
        ws.send_json({"a": 1})
        assert ws.receive_json() == {"got": {"a": 1}}


def test_server_close_code(app):
    client = app.test_client()
    with client.websocket_connect("/echo/x") as ws:
        ws.receive_json()
        ws.send_text("bye")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 4000


def test_rejection_and_headers(app):
    client = app.test_client()
    with pytest.raises(Exception) as info:
        with client.websocket_connect("/private"):
            pass
    assert "4401" in str(info.value) or getattr(info.value, "code", None) == 4401
    with client.websocket_connect("/private", headers={"X-Token": "ok"}) as ws:
        assert ws.receive_text() == "welcome"


def test_path_converters(app):
    with app.test_client().websocket_connect("/int/21") as ws:
        assert ws.receive_json() == 42


def test_unknown_path_is_rejected(app):
    with pytest.raises(Exception):
        with app.test_client().websocket_connect("/nope"):
            pass
