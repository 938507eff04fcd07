"""Response classes. Every response is an ASGI application: ``await response(scope, receive, send)``.

Handlers usually return plain values and let Spruce build the response (``str`` -> HTML,
``dict``/``list``/pydantic model -> JSON, ``None`` -> 204); these classes are for when you want
control over the status, the headers, cookies or streaming.
"""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import orjson

from .concurrency import iterate_in_threadpool
from .cookies import Cookie, SameSite

__all__ = [
    "EventSourceResponse",
    "HTMLResponse",
    "JSONResponse",
    "MutableHeaders",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "html_response",
    "json_dumps",
    "json_response",
]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:  # a pydantic model nested in plain data
        return dump(mode="json")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(content: Any) -> bytes:
    """Encode ``content`` as compact UTF-8 JSON (orjson; pydantic models, Decimal and sets too)."""
    return orjson.dumps(content, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


class MutableHeaders:
    """Case-insensitive view over a response's raw header list; ``h["X"] = "1"`` replaces."""

    __slots__ = ("raw",)

    def __init__(self, raw: RawHeaders) -> None:
        self.raw = raw

    def __getitem__(self, name: str) -> str:
        key = name.lower().encode("latin-1")
        for k, v in self.raw:
            if k == key:
                return v.decode("latin-1")
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        try:
            return self[name]
        except KeyError:
            return default

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``."""
        key = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw if k == key]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower().encode("latin-1")
        return any(k == key for k, _ in self.raw)

    def __setitem__(self, name: str, value: str) -> None:
        _check_header_value(value)
        key = name.lower().encode("latin-1")
        self.raw[:] = [(k, v) for k, v in self.raw if k != key]
        self.raw.append((key, value.encode("latin-1")))

    def __delitem__(self, name: str) -> None:
        key = name.lower().encode("latin-1")
        self.raw[:] = [(k, v) for k, v in self.raw if k != key]

    def append(self, name: str, value: str) -> None:
        """Add a value without removing existing ones (e.g. several ``Set-Cookie``)."""
        _check_header_value(value)
        self.raw.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    def setdefault(self, name: str, value: str) -> str:
        """Set ``name`` unless present; return its value."""
        current = self.get(name)
        if current is None:
            self[name] = value
            return value
        return current

    def add_vary(self, field: str) -> None:
        """Add ``field`` to the ``Vary`` header unless it is already listed."""
        current = self.get("vary")
        if current is None:
            self["vary"] = field
        elif field.lower() not in (v.strip().lower() for v in current.split(",")):
            self["vary"] = f"{current}, {field}"

    def items(self) -> list[tuple[str, str]]:
        """All ``(name, value)`` pairs, decoded."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k.decode("latin-1") for k, _ in self.raw))

    def __repr__(self) -> str:
        return f"MutableHeaders({self.items()!r})"


def _check_header_value(value: str) -> None:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError("header values may not contain CR, LF or NUL (header injection)")


def _encode_headers(headers: Mapping[str, str] | None) -> RawHeaders:
    raw: RawHeaders = []
    if headers:
        for name, value in headers.items():
            _check_header_value(value)
            raw.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return raw


def _content_type_header(media: str | None, charset: str) -> tuple[bytes, bytes] | None:
    if media is None:
        return None
    if media.startswith("text/") and "charset" not in media:
        media = f"{media}; charset={charset}"
    return (b"content-type", media.encode("latin-1"))


def _is_https(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss")


class Response:
    """A response with a body known in advance.

    ``content`` may be ``bytes`` or ``str`` (encoded with ``charset``). ``media_type`` sets the
    ``Content-Type`` (``; charset=utf-8`` is added for text types).
    """

    media_type: ClassVar[str | None] = None
    charset: ClassVar[str] = "utf-8"
    _class_content_type: ClassVar[tuple[bytes, bytes] | None] = None
    #: True when sending is ``messages()`` and nothing else (the class keeps ``__call__``), so
    #: the app may send those two messages itself.
    plain_send: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._class_content_type = _content_type_header(cls.media_type, cls.charset)
        cls.plain_send = cls.__call__ is Response.__call__ and cls.messages is Response.messages

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = self.render(content)
        self._cookies: list[Cookie] | None = None
        if headers is None:
            content_type = (
                self._class_content_type
                if media_type is None
                else _content_type_header(media_type, self.charset)
            )
            self.raw_headers: RawHeaders = [content_type] if content_type is not None else []
            return
        self.raw_headers = _encode_headers(headers)
        if all(name != b"content-type" for name, _ in self.raw_headers):
            content_type = _content_type_header(media_type or self.media_type, self.charset)
            if content_type is not None:
                self.raw_headers.append(content_type)

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into the body bytes."""
        kind = type(content)
        if kind is str:
            return content.encode(self.charset)  # type: ignore[no-any-return]
        if kind is bytes or content is None:
            return content or b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, (bytearray, memoryview)):
            return bytes(content)
        return str(content).encode(self.charset)

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, editable."""
        return MutableHeaders(self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | int | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Set a cookie. Secure defaults: HttpOnly, SameSite=Lax, and Secure when served on https
        (``secure=None``); pass ``secure=True``/``False`` to force it."""
        cookie = Cookie(
            key, value, max_age, expires, path, domain, secure, httponly, samesite, partitioned
        )
        if self._cookies is None:
            self._cookies = []
        self._cookies.append(cookie)

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: SameSite | None = "lax",
    ) -> None:
        """Tell the browser to forget a cookie (same ``path``/``domain`` as when it was set)."""
        self.set_cookie(
            key,
            "",
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    def _final_headers(self, scope: Scope) -> RawHeaders:
        headers = self.raw_headers
        if self._cookies:
            https = _is_https(scope)
            headers = headers + [
                (b"set-cookie", c.header_value(https).encode("latin-1")) for c in self._cookies
            ]
        return headers

    def messages(self, scope: Scope) -> tuple[Message, Message]:
        """The ``http.response.start`` and ``http.response.body`` messages that send it."""
        body = self.body
        status = self.status_code
        headers = self._final_headers(scope) if self._cookies else self.raw_headers
        if status >= 200 and status != 204 and status != 304:
            headers = [*headers, (b"content-length", str(len(body)).encode())]
        if scope["method"] == "HEAD":
            body = b""
        return (
            {"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start, body = self.messages(scope)
        await send(start)
        await send(body)


class PlainTextResponse(Response):
    """``text/plain; charset=utf-8``."""

    media_type = "text/plain"


class HTMLResponse(Response):
    """``text/html; charset=utf-8``."""

    media_type = "text/html"


class JSONResponse(Response):
    """``application/json``, encoded by orjson (pydantic models, dataclasses, datetimes, UUIDs)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_dumps(content)


_JSON_CONTENT_TYPE = JSONResponse._class_content_type
_HTML_CONTENT_TYPE = HTMLResponse._class_content_type
_new_object = object.__new__


def json_response(content: Any) -> JSONResponse:
    """``JSONResponse(content)`` at less cost (the app's return path for dicts and lists)."""
    response: JSONResponse = _new_object(JSONResponse)
    response.status_code = 200
    response.body = orjson.dumps(content, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    response._cookies = None
    response.raw_headers = [_JSON_CONTENT_TYPE]  # type: ignore[list-item]
    return response


def html_response(text: str) -> HTMLResponse:
    """``HTMLResponse(text)`` at less cost (the app's return path for strings)."""
    response: HTMLResponse = _new_object(HTMLResponse)
    response.status_code = 200
    response.body = text.encode("utf-8")
    response._cookies = None
    response.raw_headers = [_HTML_CONTENT_TYPE]  # type: ignore[list-item]
    return response


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


class RedirectResponse(Response):
    """Redirect to ``url`` (302 Found by default, as Flask and Django do).

    Use 303 after a form POST, 307/308 to keep the method. Control characters are percent-encoded,
    so a URL can never inject headers.
    """

    def __init__(
        self, url: str, status_code: int = 302, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(b"", status_code, headers)
        self.headers["location"] = quote(str(url), safe=_URL_SAFE)


class StreamingResponse(Response):
    """A body produced piece by piece by an (async or sync) iterable of ``bytes`` or ``str``.

    Sync iterables are advanced in the thread pool. The stream stops when the client disconnects.
    """

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(None, status_code, headers, media_type)
        self.body_iterator: AsyncIterable[Any] = (
            content if isinstance(content, AsyncIterable) else iterate_in_threadpool(content)
        )

    def _encode(self, chunk: Any) -> bytes:
        if isinstance(chunk, bytes):
            return chunk
        return str(chunk).encode(self.charset)

    async def _stream(self, scope: Scope, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": self._final_headers(scope),
            }
        )
        if scope.get("method") != "HEAD":
            async for chunk in self.body_iterator:
                await send(
                    {"type": "http.response.body", "body": self._encode(chunk), "more_body": True}
                )
        await send({"type": "http.response.body", "body": b""})

    async def _wait_for_disconnect(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = asyncio.ensure_future(self._stream(scope, send))
        watcher = asyncio.ensure_future(self._wait_for_disconnect(receive))
        try:
            done, _ = await asyncio.wait({stream, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (stream, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(stream, watcher, return_exceptions=True)
        if stream in done:
            stream.result()  # re-raise an error from the body iterator
        aclose = getattr(self.body_iterator, "aclose", None)
        if aclose is not None:
            await aclose()


class ServerSentEvent:
    """One server-sent event: ``data`` (str, or anything JSON-encodable), ``event``, ``id``, ``retry``."""

    __slots__ = ("data", "event", "id", "retry")

    def __init__(
        self,
        data: Any = None,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
    ) -> None:
        self.data, self.event, self.id, self.retry = data, event, id, retry

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` wire format."""
        lines: list[str] = []
        for field, value in (("event", self.event), ("id", self.id)):
            if value is not None:
                if "\n" in value or "\r" in value:
                    raise ValueError(f"an SSE {field} may not contain newlines")
                lines.append(f"{field}: {value}")
        if self.retry is not None:
            lines.append(f"retry: {int(self.retry)}")
        if self.data is not None:
            data = self.data if isinstance(self.data, str) else json_dumps(self.data).decode()
            lines.extend(f"data: {line}" for line in data.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode()


class EventSourceResponse(StreamingResponse):
    """Server-sent events from an iterable of ``ServerSentEvent``, ``str`` or JSON-able values.

    With ``ping`` (seconds), a comment line is sent when nothing else was, to keep proxies from
    closing an idle stream.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        ping: float | None = None,
    ) -> None:
        super().__init__(content, status_code, headers)
        self.headers.setdefault("cache-control", "no-cache")
        self.headers.setdefault("x-accel-buffering", "no")
        self.ping = ping
        self.body_iterator = self._events(self.body_iterator)

    async def _events(self, source: AsyncIterable[Any]) -> AsyncIterable[bytes]:
        iterator = source.__aiter__()
        pending: asyncio.Future[Any] | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(iterator.__anext__())
                done, _ = await asyncio.wait({pending}, timeout=self.ping)
                if not done:  # nothing to say for `ping` seconds: keep the connection alive
                    yield b": ping\n\n"
                    continue
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                event = item if isinstance(item, ServerSentEvent) else ServerSentEvent(item)
                yield event.encode()
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
