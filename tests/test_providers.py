"""Providers (spruce.providers): clean-up order, exceptions at the yield, misbehaving
generators, sync generators, and WebSocket handlers."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import pytest

from spruce import HTTPException, Provide, Request, Spruce, WebSocket


def _tracking_app(events: list[str]) -> Spruce:
    app = Spruce()

    async def outer(request: Request) -> AsyncIterator[str]:
        events.append("outer in")
        try:
            yield "outer"
        except Exception as exc:
            events.append(f"outer saw {type(exc).__name__}")
            raise
        events.append("outer out")

    def inner(request: Request) -> Iterator[str]:
        events.append("inner in")
        try:
            yield "inner"
        except Exception as exc:
            events.append(f"inner saw {type(exc).__name__}")
            raise
        events.append("inner out")

    Outer = Annotated[str, Provide(outer)]
    Inner = Annotated[str, Provide(inner)]

    @app.get("/ok")
    async def ok(a: Outer, b: Inner) -> dict[str, str]:
        events.append("handler")
        return {"a": a, "b": b}

    @app.get("/fails")
    async def fails(a: Outer, b: Inner) -> str:
        raise HTTPException(409, "taken")

    return app


def test_clean_ups_run_last_entered_first_after_the_handler() -> None:
    events: list[str] = []
    client = _tracking_app(events).test_client()
    assert client.get("/ok").json() == {"a": "outer", "b": "inner"}
    assert events == ["outer in", "inner in", "handler", "inner out", "outer out"]


def test_each_clean_up_sees_the_handlers_exception_and_it_still_answers() -> None:
    events: list[str] = []
    response = _tracking_app(events).test_client().get("/fails")
    assert response.status_code == 409
    assert events == ["outer in", "inner in", "inner saw HTTPException", "outer saw HTTPException"]


def test_a_clean_up_cannot_swallow_the_exception_but_may_replace_it() -> None:
    app = Spruce()

    async def swallowing(request: Request) -> AsyncIterator[int]:
        try:
            yield 1
        except Exception:
            pass  # does not re-raise: the handler's error still counts

    async def replacing(request: Request) -> AsyncIterator[int]:
        try:
            yield 2
        except Exception as exc:
            raise HTTPException(503, "replaced") from exc

    @app.get("/swallow")
    async def swallow(value: Annotated[int, Provide(swallowing)]) -> str:
        raise HTTPException(418, "teapot")

    @app.get("/replace")
    async def replace(value: Annotated[int, Provide(replacing)]) -> str:
        raise HTTPException(418, "teapot")

    client = app.test_client()
    assert client.get("/swallow").status_code == 418
    assert client.get("/replace").status_code == 503


def test_providers_that_do_not_yield_once_are_errors() -> None:
    app = Spruce()

    async def never(request: Request) -> AsyncIterator[int]:
        if False:
            yield 0

    def twice(request: Request) -> Iterator[int]:
        yield 1
        yield 2

    @app.get("/never")
    async def uses_never(value: Annotated[int, Provide(never)]) -> str:
        return "unreachable"

    @app.get("/twice")
    async def uses_twice(value: Annotated[int, Provide(twice)]) -> str:
        return "done"

    client = app.test_client(raise_server_exceptions=True)
    with pytest.raises(RuntimeError, match="did not yield"):
        client.get("/never")
    with pytest.raises(RuntimeError, match="exactly once"):
        client.get("/twice")


def test_a_failing_provider_releases_those_entered_before_it() -> None:
    events: list[str] = []
    app = Spruce()

    async def first(request: Request) -> AsyncIterator[str]:
        try:
            yield "first"
        except Exception as exc:
            events.append(f"first saw {type(exc).__name__}")
            raise

    def broken(request: Request) -> str:
        raise HTTPException(401, "no credentials")

    @app.get("/")
    async def index(a: Annotated[str, Provide(first)], b: Annotated[str, Provide(broken)]) -> str:
        return "unreachable"

    assert app.test_client().get("/").status_code == 401
    assert events == ["first saw HTTPException"]


def test_websocket_handlers_get_providers_and_their_clean_up() -> None:
    events: list[str] = []
    app = Spruce()

    async def greeting(websocket: WebSocket) -> AsyncIterator[str]:
        yield "hello"
        events.append("released")

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, text: Annotated[str, Provide(greeting)]) -> None:
        await websocket.accept()
        await websocket.send_text(text)
        await websocket.close()

    with app.test_client().websocket_connect("/ws") as connection:
        assert connection.receive_text() == "hello"
    assert events == ["released"]
