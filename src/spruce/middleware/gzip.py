"""Compressing responses with gzip, or brotli when it is installed and the client prefers it.

``app.add_middleware(GZipMiddleware, minimum_size=500)``. A response is compressed when the client
accepts an encoding, the body is at least ``minimum_size`` bytes (or is streamed), its media type is
worth compressing and it is not encoded already. Streamed bodies are compressed chunk by chunk and
flushed after each one, so server-sent events and progressive pages still arrive as they are sent.

A request whose ``Accept-Encoding`` names neither gzip nor br goes straight through: the middleware
only scans the request headers.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ..responses import Message, Receive, Scope, Send

__all__ = [
    "DEFAULT_EXCLUDED_TYPES",
    "GZipMiddleware",
    "choose_encoding",
    "is_compressible_type",
]

ASGIApp = Callable[[Scope, Receive, Send], Any]

DEFAULT_EXCLUDED_TYPES: tuple[str, ...] = (
    "image/",
    "video/",
    "audio/",
    "font/woff",
    "application/font-woff",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-7z-compressed",
    "application/x-rar-compressed",
    "application/zstd",
    "application/pdf",
    "application/octet-stream",
)
"""Media type prefixes that are already compressed (or opaque): never compressed again.

``image/svg+xml`` is text and is compressed despite the ``image/`` prefix.
"""

_ALWAYS_COMPRESSIBLE = ("image/svg+xml",)
_UNCOMPRESSIBLE_STATUS = frozenset({204, 206, 304})


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...

    def flush(self, mode: int = ...) -> bytes: ...


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def choose_encoding(accept_encoding: str, offered: Iterable[str]) -> str | None:
    """The best of ``offered`` (in preference order) that ``accept_encoding`` allows, or None.

    Honours q-values (``gzip;q=0`` refuses gzip) and ``*``; on a tie the earlier offer wins.
    """
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        token, *params = item.split(";")
        token = token.strip().lower()
        if token:
            weights[token] = _quality(params)
    best: str | None = None
    best_weight = 0.0
    wildcard = weights.get("*", 0.0)
    for encoding in offered:
        weight = weights.get(encoding, wildcard)
        if weight > best_weight:
            best, best_weight = encoding, weight
    return best


def is_compressible_type(
    content_type: str, excluded_types: tuple[str, ...] = DEFAULT_EXCLUDED_TYPES
) -> bool:
    """True when a body of ``content_type`` (parameters allowed) is worth compressing: its media
    type starts with none of ``excluded_types`` (lower-case prefixes), or is SVG."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return False
    if media.startswith(_ALWAYS_COMPRESSIBLE):
        return True
    return not media.startswith(excluded_types)


class _BrotliCompressor:
    """Adapts ``brotli.Compressor`` to the zlib-style ``compress``/``flush`` interface."""

    def __init__(self, brotli: Any, quality: int) -> None:
        self._compressor = brotli.Compressor(quality=quality)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._compressor.process(data))

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        if mode == zlib.Z_FINISH:
            return bytes(self._compressor.finish())
        return bytes(self._compressor.flush())


class GZipMiddleware:
    """Compress responses for clients that accept gzip (or br, preferred when brotli is installed).

    ``minimum_size``: smaller complete bodies are sent as they are. ``compresslevel``: gzip level
    (1 fastest … 9 smallest). ``brotli_quality``: 0 … 11 (4 is fast and beats gzip -6).
    ``excluded_types``: media type prefixes never compressed (see ``DEFAULT_EXCLUDED_TYPES``).
    ``use_brotli=False`` sticks to gzip even when brotli is installed.

    Responses already carrying ``Content-Encoding``, partial (206), empty-status (204, 304) and
    ``Cache-Control: no-transform`` responses, and HEAD requests, pass through untouched. Compressed
    responses get ``Vary: Accept-Encoding``, lose ``Content-Length`` when streamed, and a strong
    ``ETag`` becomes weak (the bytes differ from the identity representation).
    """

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 6,
        *,
        brotli_quality: int = 4,
        use_brotli: bool = True,
        excluded_types: Iterable[str] = DEFAULT_EXCLUDED_TYPES,
    ) -> None:
        if not 1 <= compresslevel <= 9:
            raise ValueError("compresslevel must be between 1 and 9")
        if not 0 <= brotli_quality <= 11:
            raise ValueError("brotli_quality must be between 0 and 11")
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.brotli_quality = brotli_quality
        self.excluded_types = tuple(t.lower() for t in excluded_types)
        self._brotli = _import_brotli() if use_brotli else None
        self.offered: tuple[str, ...] = ("br", "gzip") if self._brotli else ("gzip",)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "HEAD":
            for name, value in scope["headers"]:
                if name == b"accept-encoding":
                    if b"gzip" in value or b"br" in value or b"*" in value:
                        encoding = choose_encoding(value.decode("latin-1"), self.offered)
                        if encoding is not None:
                            responder = _CompressingResponder(self, encoding, send)
                            await self.app(scope, receive, responder.send)
                            return
                    break
        await self.app(scope, receive, send)

    def compressible(self, content_type: bytes | None) -> bool:
        """True when a body of ``content_type`` is worth compressing."""
        if not content_type:
            return False
        return is_compressible_type(content_type.decode("latin-1"), self.excluded_types)

    def compressor(self, encoding: str) -> _Compressor:
        """A fresh streaming compressor for ``encoding``."""
        if encoding == "br":
            return _BrotliCompressor(self._brotli, self.brotli_quality)
        return zlib.compressobj(self.compresslevel, zlib.DEFLATED, 31)  # 31: gzip container


def _import_brotli() -> Any:
    import importlib

    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


class _CompressingResponder:
    """Wraps ``send`` for one response: decides at the first body message, then compresses."""

    __slots__ = ("compressor", "encoding", "middleware", "send_downstream", "start", "state")

    def __init__(self, middleware: GZipMiddleware, encoding: str, send: Send) -> None:
        self.middleware = middleware
        self.encoding = encoding
        self.send_downstream = send
        self.start: Message | None = None
        self.compressor: _Compressor | None = None
        self.state = "waiting"  # waiting -> passthrough | compressing

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            if not self._eligible(message):
                self.state = "passthrough"
                self.start = None
                await self.send_downstream(message)
            return
        if kind == "http.response.pathsend" and self.start is not None:
            # the server sends the file itself (FileResponse on Granian): nothing to compress
            start, self.start = self.start, None
            self.state = "passthrough"
            await self.send_downstream(start)
        if kind != "http.response.body" or self.state == "passthrough":
            await self.send_downstream(message)
            return
        if self.state == "waiting":
            await self._first_body(message)
            return
        await self._next_body(message)

    def _eligible(self, start: Message) -> bool:
        if start["status"] < 200 or start["status"] in _UNCOMPRESSIBLE_STATUS:
            return False
        content_type: bytes | None = None
        for name, value in start.get("headers", ()):
            if name == b"content-encoding":
                return False
            if name == b"content-type":
                content_type = value
            elif name == b"cache-control" and b"no-transform" in value.lower():
                return False
        return self.middleware.compressible(content_type)

    async def _first_body(self, message: Message) -> None:
        start = self.start
        assert start is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if not more and len(body) < self.middleware.minimum_size:
            self.state = "passthrough"
            await self.send_downstream(start)
            await self.send_downstream(message)
            return
        compressor = self.middleware.compressor(self.encoding)
        if more:
            self.state = "compressing"
            self.compressor = compressor
            await self.send_downstream(self._compressed_start(start, None))
            chunk = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH) if body else b""
            await self.send_downstream(
                {"type": "http.response.body", "body": chunk, "more_body": True}
            )
            return
        compressed = compressor.compress(body) + compressor.flush(zlib.Z_FINISH)
        self.state = "passthrough"
        await self.send_downstream(self._compressed_start(start, len(compressed)))
        await self.send_downstream({"type": "http.response.body", "body": compressed})

    async def _next_body(self, message: Message) -> None:
        compressor = self.compressor
        assert compressor is not None
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):
            if body:
                chunk = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.send_downstream(
                    {"type": "http.response.body", "body": chunk, "more_body": True}
                )
            return
        chunk = compressor.compress(body) + compressor.flush(zlib.Z_FINISH)
        await self.send_downstream({"type": "http.response.body", "body": chunk})

    def _compressed_start(self, start: Message, length: int | None) -> Message:
        headers: list[tuple[bytes, bytes]] = []
        vary: list[bytes] = []
        for name, value in start.get("headers", ()):
            if name in (b"content-length", b"accept-ranges"):
                continue
            if name == b"vary":
                vary.append(value)
                continue
            if name == b"etag" and value.startswith(b'"'):
                value = b"W/" + value
            headers.append((name, value))
        headers.append((b"content-encoding", self.encoding.encode("latin-1")))
        headers.append((b"vary", _vary_with_accept_encoding(vary)))
        if length is not None:
            headers.append((b"content-length", str(length).encode("latin-1")))
        return {**start, "headers": headers}


def _vary_with_accept_encoding(existing: list[bytes]) -> bytes:
    fields = [f.strip() for value in existing for f in value.split(b",") if f.strip()]
    if not any(f.lower() in (b"accept-encoding", b"*") for f in fields):
        fields.append(b"Accept-Encoding")
    return b", ".join(fields)
