"""GZipMiddleware: gzip and brotli, minimum size, skipped types, streaming, Vary, pass-through."""

from __future__ import annotations

import gzip
import zlib

import brotli
import httpx
import pytest

from spruce import Response, Spruce, StreamingResponse
from spruce.middleware.gzip import GZipMiddleware, choose_encoding

TEXT = "Spruce compresses text. " * 100  # 2400 bytes


def make_app(**options) -> Spruce:
    app = Spruce()
    app.add_middleware(GZipMiddleware, **options)

    @app.get("/text")
    def text():
        return Response(TEXT, media_type="text/plain")

    @app.get("/small")
    def small():
        return Response("tiny", media_type="text/plain")

    @app.get("/png")
    def png():
        return Response(b"\x89PNG" + b"\0" * 2000, media_type="image/png")

    @app.get("/svg")
    def svg():
        return Response("<svg>" + "<g/>" * 500 + "</svg>", media_type="image/svg+xml")

    @app.get("/encoded")
    def encoded():
        return Response(
            gzip.compress(TEXT.encode()),
            headers={"content-encoding": "gzip"},
            media_type="text/plain",
        )

    @app.get("/no-transform")
    def no_transform():
        return Response(TEXT, headers={"cache-control": "no-transform"}, media_type="text/plain")

    @app.get("/etag")
    def etag():
        return Response(TEXT, headers={"etag": '"v1"', "vary": "Cookie"}, media_type="text/plain")

    @app.get("/stream")
    def stream():
        async def parts():
            for index in range(5):
                yield f"part {index} " * 50

        return StreamingResponse(parts(), media_type="text/html")

    return app


async def fetch(app, path, accept_encoding: str | None, method: str = "GET"):
    """(status, headers, raw body bytes as sent on the wire)."""
    messages = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost")]
        + ([(b"accept-encoding", accept_encoding.encode())] if accept_encoding else []),
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
        "root_path": "",
    }
    sent_request = False

    async def receive():
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        import asyncio

        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    headers = httpx.Headers([(k.decode(), v.decode()) for k, v in start["headers"]])
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], headers, body, messages


async def test_gzip_when_accepted():
    app = make_app(use_brotli=False)
    status, headers, body, _ = await fetch(app, "/text", "gzip, deflate")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body).decode() == TEXT
    assert len(body) < len(TEXT) / 5


async def test_brotli_preferred_when_installed_and_accepted():
    app = make_app()
    status, headers, body, _ = await fetch(app, "/text", "gzip, deflate, br")
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body).decode() == TEXT


async def test_q_values_are_honoured():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/text", "br;q=0.5, gzip")
    assert headers["content-encoding"] == "gzip"
    _, headers, body, _ = await fetch(app, "/text", "gzip;q=0, br;q=0")
    assert "content-encoding" not in headers
    assert body.decode() == TEXT


def test_choose_encoding():
    assert choose_encoding("gzip", ["br", "gzip"]) == "gzip"
    assert choose_encoding("br, gzip", ["br", "gzip"]) == "br"
    assert choose_encoding("gzip;q=1.0, br;q=1.0", ["br", "gzip"]) == "br"
    assert choose_encoding("*", ["br", "gzip"]) == "br"
    assert choose_encoding("*;q=0.1, gzip;q=0", ["gzip"]) is None
    assert choose_encoding("identity", ["gzip"]) is None
    assert choose_encoding("GZIP;Q=0.5", ["gzip"]) == "gzip"
    assert choose_encoding("gzip;q=nonsense", ["gzip"]) is None
    assert choose_encoding("", ["gzip"]) is None


async def test_client_that_does_not_accept_gets_identity():
    app = make_app()
    for accept in (None, "identity", "deflate"):
        _, headers, body, _ = await fetch(app, "/text", accept)
        assert "content-encoding" not in headers
        assert "vary" not in headers
        assert body.decode() == TEXT


async def test_small_bodies_are_left_alone():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/small", "gzip")
    assert "content-encoding" not in headers
    assert body == b"tiny"
    app = make_app(minimum_size=1)
    _, headers, body, _ = await fetch(app, "/small", "gzip")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == b"tiny"


async def test_already_compressed_types_are_skipped_but_svg_is_compressed():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/png", "gzip")
    assert "content-encoding" not in headers
    assert body.startswith(b"\x89PNG")
    _, headers, body, _ = await fetch(app, "/svg", "gzip")
    assert headers["content-encoding"] == "gzip"


async def test_existing_content_encoding_and_no_transform_pass_through():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/encoded", "gzip, br")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).decode() == TEXT
    _, headers, body, _ = await fetch(app, "/no-transform", "gzip")
    assert "content-encoding" not in headers
    assert body.decode() == TEXT


async def test_head_is_not_compressed():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/text", "gzip", method="HEAD")
    assert "content-encoding" not in headers
    assert headers["content-length"] == str(len(TEXT))
    assert body == b""


async def test_strong_etag_becomes_weak_and_vary_is_merged():
    app = make_app(use_brotli=False)
    _, headers, body, _ = await fetch(app, "/etag", "gzip")
    assert headers["etag"] == 'W/"v1"'
    assert headers["vary"] == "Cookie, Accept-Encoding"


async def test_streaming_is_compressed_incrementally():
    app = make_app(use_brotli=False)
    _, headers, body, messages = await fetch(app, "/stream", "gzip")
    assert headers["content-encoding"] == "gzip"
    assert "content-length" not in headers
    expected = "".join(f"part {index} " * 50 for index in range(5))
    assert gzip.decompress(body).decode() == expected
    chunks = [m["body"] for m in messages[1:] if m.get("more_body") and m["body"]]
    assert len(chunks) == 5  # one compressed chunk per part, each flushed
    # every chunk on its own is decodable so far: the client sees data as it is produced
    decoder = zlib.decompressobj(31)
    assert decoder.decompress(chunks[0]).decode() == "part 0 " * 50


async def test_streaming_brotli():
    app = make_app()
    _, headers, body, _ = await fetch(app, "/stream", "br")
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body).decode().startswith("part 0 part 0")


async def test_through_an_http_client():
    app = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.get("/text", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == TEXT


async def test_non_http_scopes_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    middleware = GZipMiddleware(inner)
    await middleware({"type": "lifespan"}, None, None)
    assert seen == ["lifespan"]


def test_invalid_levels_are_refused():
    with pytest.raises(ValueError):
        GZipMiddleware(None, compresslevel=0)
    with pytest.raises(ValueError):
        GZipMiddleware(None, brotli_quality=12)


async def test_send_is_not_wrapped_when_the_client_does_not_accept():
    received = []

    async def inner(scope, receive, send):
        received.append(send)

    async def send(message):
        pass

    middleware = GZipMiddleware(inner)
    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"identity")]}
    await middleware(scope, None, send)
    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    await middleware(scope, None, send)
    assert received[0] is send
    assert received[1] is not send


async def test_pathsend_passes_through_uncompressed():
    async def inner(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5000")],
            }
        )
        await send({"type": "http.response.pathsend", "path": "/srv/big.txt"})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    await GZipMiddleware(inner)(scope, None, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert (b"content-length", b"5000") in sent[0]["headers"]
    assert all(name != b"content-encoding" for name, _ in sent[0]["headers"])
