"""AsyncTestClient: the same app driven on the test's own event loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spruce import Request, Response, Spruce, StreamingResponse
from spruce.testing import AsyncTestClient


@pytest.fixture
def app() -> Spruce:
    app = Spruce()
    app.state.events = []

    @app.on_startup
    async def start():
        app.state.events.append("startup")

    @app.on_shutdown
    async def stop():
        app.state.events.append("shutdown")

    @app.get("/sync")
    def sync_handler():
        return {"kind": "sync"}

    @app.get("/async")
    async def async_handler():
        await asyncio.sleep(0)
        return {"kind": "async"}

    app.state.arrived = 0
    app.state.all_arrived = asyncio.Event()

    @app.get("/meet")
    async def meet():
        app.state.arrived += 1
        if app.state.arrived == 10:
            app.state.all_arrived.set()
        await asyncio.wait_for(app.state.all_arrived.wait(), 5)  # only if all ten run at once
        return "met"

    @app.post("/login")
    def login():
        response = Response("ok")
        response.set_cookie("token", "t-1")
        return response

    @app.get("/me")
    def me(request: Request):
        return {"token": request.cookies.get("token")}

    @app.post("/chunks")
    async def chunks(request: Request):
        return {"chunks": [chunk.decode() async for chunk in request.stream()]}

    @app.get("/stream")
    async def stream():
        async def parts():
            for n in range(5):
                yield f"part{n}\n"
                await asyncio.sleep(0)

        return StreamingResponse(parts(), media_type="text/plain")

    return app


async def test_lifespan_runs_around_the_block(app):
    async with AsyncTestClient(app) as client:
        assert app.state.events == ["startup"]
        assert (await client.get("/async")).json() == {"kind": "async"}
    assert app.state.events == ["startup", "shutdown"]


async def test_sync_and_async_handlers(app):
    async with AsyncTestClient(app) as client:
        assert isinstance(client, httpx.AsyncClient)
        assert (await client.get("/sync")).json() == {"kind": "sync"}
        assert (await client.get("/async")).json() == {"kind": "async"}


async def test_concurrent_requests_overlap(app):
    async with AsyncTestClient(app) as client:
        responses = await asyncio.gather(*(client.get("/meet") for _ in range(10)))
    assert [r.text for r in responses] == ["met"] * 10


async def test_cookies_persist(app):
    async with AsyncTestClient(app) as client:
        await client.post("/login")
        assert (await client.get("/me")).json() == {"token": "t-1"}


async def test_request_body_in_chunks_from_an_async_iterator(app):
    async def body():
        for part in ("one", "two", "three"):
            yield part.encode()
            await asyncio.sleep(0)

    async with AsyncTestClient(app) as client:
        response = await client.post("/chunks", content=body())
    assert response.json() == {"chunks": ["one", "two", "three"]}


async def test_streaming_response(app):
    async with AsyncTestClient(app) as client:
        async with client.stream("GET", "/stream") as response:
            lines = [line async for line in response.aiter_lines()]
    assert lines == [f"part{n}" for n in range(5)]


async def test_failing_startup_raises(app):
    @app.on_startup
    def explode():
        raise RuntimeError("no cache server")

    with pytest.raises(RuntimeError, match="no cache server"):
        async with AsyncTestClient(app):
            pass


async def test_raise_server_exceptions():
    app = Spruce()

    @app.get("/boom")
    async def boom():
        raise LookupError("async bug")

    async with AsyncTestClient(app) as client:
        assert (await client.get("/boom")).status_code == 500
    async with AsyncTestClient(app, raise_server_exceptions=True) as client:
        with pytest.raises(LookupError, match="async bug"):
            await client.get("/boom")


async def test_works_without_the_async_with_block(app):
    client = AsyncTestClient(app)
    assert (await client.get("/sync")).json() == {"kind": "sync"}
    assert app.state.events == []
    await client.aclose()
