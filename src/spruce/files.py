"""``FileResponse``: a file from disk, with caching validators, conditional GET and byte ranges.

    from spruce import FileResponse

    @app.get("/report")
    def report():
        return FileResponse("reports/2024.pdf", filename="Rapport annuel 2024.pdf")

What it sends, decided when the response is sent (the file is looked at then, not before):

- ``Content-Type`` guessed from the file name (``text/*`` gets ``; charset=utf-8``), ``ETag``
  (strong, ``"<mtime in ns, hex>-<size, hex>"``), ``Last-Modified``, ``Accept-Ranges: bytes``;
  ``Content-Disposition`` when a ``filename`` is given.
- ``304 Not Modified`` for a matching ``If-None-Match`` / ``If-Modified-Since``; ``412`` for a
  failing ``If-Match`` / ``If-Unmodified-Since``.
- ``206 Partial Content`` for ``Range: bytes=...`` (one range as is, several as
  ``multipart/byteranges``), ``416`` when no range fits in the file. See ``parse_byte_ranges``
  for the rules that keep abusive range sets cheap.

Only ``200`` answers to ``GET``/``HEAD`` are made conditional or partial; a ``FileResponse`` with
another status (a custom 404 page) always sends the whole file.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import secrets
import stat
import unicodedata
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

from .concurrency import run_sync
from .conditional import (
    NotModifiedResponse,
    http_date,
    is_not_modified,
    is_precondition_failed,
    kept_by_304,
    parse_etags,
    parse_http_date,
)
from .datastructures import Headers
from .responses import MutableHeaders, RawHeaders, Receive, Response, Scope, Send

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_RANGES",
    "FileResponse",
    "content_disposition",
    "guess_media_type",
    "parse_byte_ranges",
]

DEFAULT_CHUNK_SIZE = 64 * 1024
"""Bytes read from disk (and sent) at a time."""

MAX_RANGES = 10
"""The most ranges one ``Range`` header may ask for; past that the whole file is sent (200)."""

_MAX_DIGITS = 18  # a longer byte position is past the end of any file
_FAR_AWAY = 10**_MAX_DIGITS

#: What a compressed file's ``Content-Encoding`` guess means for its own media type.
_ENCODED_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}

ByteRange = tuple[int, int]
"""``(first, last)`` byte positions, both included."""

Piece = bytes | ByteRange
"""A part of the body: literal bytes (multipart framing) or a slice of the file."""


def guess_media_type(name: str) -> str:
    """The media type for a file called ``name`` (``application/octet-stream`` when unknown).

    A compressed file (``.gz``, ``.br``...) is its archive type: ``notes.txt.gz`` is
    ``application/gzip``, because the bytes sent are the compressed ones.
    """
    media_type, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _ENCODED_TYPES.get(encoding, "application/octet-stream")
    return media_type or "application/octet-stream"


def content_disposition(disposition_type: str, filename: str) -> str:
    """A ``Content-Disposition`` value naming ``filename`` (RFC 6266).

    An ASCII name is sent quoted; any other gets an ASCII fallback plus the exact name as
    RFC 5987 ``filename*=UTF-8''...``. Quotes, backslashes and control characters never reach the
    header as they are.
    """
    fallback = _ascii_fallback(filename)
    value = f'{disposition_type}; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def _ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = decomposed.encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(
        "_" if char in '"\\' or ord(char) < 0x20 or ord(char) == 0x7F else char
        for char in ascii_name
    )
    return cleaned or "download"


def _position(digits: str) -> int | None:
    """An ASCII decimal number; huge ones become "past any end". ``None`` when not a number."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits) if len(digits) <= _MAX_DIGITS else _FAR_AWAY


def parse_byte_ranges(header: str, size: int) -> list[ByteRange] | None:
    """The ranges a ``Range`` header asks of a ``size``-byte file, sorted and merged.

    ``None`` means "ignore the header and send the whole file": another unit than ``bytes``, a
    syntax error anywhere (``bytes=5-2``, ``bytes=x-``, ``bytes=-``), or more than
    ``MAX_RANGES`` ranges. An empty list means none of the ranges fits in the file (416).
    Ranges that overlap or touch are merged into one, so a response is never larger than the
    file plus the multipart framing. The header is scanned once; its cost is linear in its length.
    """
    unit, equals, specs = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    if specs.count(",") >= MAX_RANGES:
        return None
    ranges: list[ByteRange] = []
    seen_any = False
    for raw_spec in specs.split(","):
        spec = raw_spec.strip()
        if not spec:  # an empty list element is allowed and means nothing
            continue
        seen_any = True
        first_text, dash, last_text = spec.partition("-")
        if not dash:
            return None
        first = _position(first_text) if first_text else None
        last = _position(last_text) if last_text else None
        if (first_text and first is None) or (last_text and last is None):
            return None
        if first is None:
            if last is None:
                return None
            if last > 0 and size > 0:  # a suffix: the final `last` bytes
                ranges.append((max(0, size - last), size - 1))
            continue
        if last is not None and last < first:
            return None
        if first < size:
            ranges.append((first, size - 1 if last is None else min(last, size - 1)))
    if not seen_any:
        return None
    return _merged(ranges)


def _merged(ranges: list[ByteRange]) -> list[ByteRange]:
    merged: list[ByteRange] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _if_range_holds(if_range: str, etag: str | None, last_modified: str | None) -> bool:
    """``If-Range``: the validator must match exactly (strong ETag, or the very same date)."""
    if if_range.lstrip().startswith(("W/", '"')):
        tags = parse_etags(if_range)
        return etag is not None and not etag.startswith("W/") and tags == [etag]
    when = parse_http_date(if_range)
    return when is not None and last_modified is not None and parse_http_date(last_modified) == when


class FileResponse(Response):
    """Send the file at ``path``, read in ``chunk_size`` pieces in the thread pool.

    ``media_type`` defaults to a guess from ``filename`` or ``path``. With ``filename``, a
    ``Content-Disposition`` of ``content_disposition_type`` (``"attachment"`` to download,
    ``"inline"`` to display) names it, non-ASCII names included. ``stat_result`` (from
    ``os.stat``) saves a system call when you already have one, and sets the ``ETag`` and
    ``Last-Modified`` headers at once instead of at send time.

    The file is opened when the response is sent: if it is missing then (or is not a regular
    file, or cannot be read) sending raises ``RuntimeError`` before anything went out, so the
    client gets a 500 and the error is logged. Check ``os.path.isfile`` in the handler to answer
    404 instead. On servers offering the ASGI ``http.response.pathsend`` extension (Granian), a whole
    file is handed to the server to send.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        filename: str | None = None,
        content_disposition_type: Literal["attachment", "inline"] = "attachment",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        stat_result: os.stat_result | None = None,
    ) -> None:
        if content_disposition_type not in ("attachment", "inline"):
            raise ValueError('content_disposition_type must be "attachment" or "inline"')
        if chunk_size < 1:
            raise ValueError("chunk_size must be a positive number of bytes")
        self.path = os.fspath(path)
        self._absolute_path = os.path.abspath(self.path)
        if media_type is None:
            media_type = guess_media_type(filename or self.path)
        super().__init__(None, status_code, headers, media_type)
        self.filename = filename
        self.chunk_size = chunk_size
        self.stat_result = stat_result
        del self.headers["content-length"]  # computed for each request: ranges change it
        if filename is not None:
            self.headers.setdefault(
                "content-disposition", content_disposition(content_disposition_type, filename)
            )
        if stat_result is not None:
            _add_validators(self.headers, stat_result)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        request_headers = Headers(scope["headers"])
        pathsend = "http.response.pathsend" in scope.get("extensions", {})
        # One thread-pool call stats the file and, when it fits in a chunk and a body will
        # probably be sent, reads it too.
        preload = not (method == "HEAD" or pathsend or _is_conditional(request_headers))
        file_stat, content = await run_sync(
            _stat_and_read, self.path, self.stat_result, self.chunk_size if preload else -1
        )
        headers = list(self._final_headers(scope))
        view = MutableHeaders(headers)
        _add_validators(view, file_stat)
        size = file_stat.st_size
        status = self.status_code
        pieces: list[Piece] = [(0, size - 1)] if size else []
        if status == 200 and method in ("GET", "HEAD"):
            etag, last_modified = view.get("etag"), view.get("last-modified")
            if is_precondition_failed(request_headers, etag, last_modified):
                await _send_empty(send, 412, kept_by_304(headers))
                return
            if is_not_modified(request_headers, etag, last_modified):
                await NotModifiedResponse.from_raw_headers(headers)(scope, receive, send)
                return
            range_header = request_headers.get("range")
            if_range = request_headers.get("if-range")
            if range_header is not None and (
                if_range is None or _if_range_holds(if_range, etag, last_modified)
            ):
                ranges = parse_byte_ranges(range_header, size)
                if ranges == []:
                    del view["content-type"], view["content-disposition"]
                    view["content-range"] = f"bytes */{size}"
                    await _send_empty(send, 416, headers)
                    return
                if ranges:
                    status = 206
                    pieces = self._partial(view, ranges, size)
        length = sum(len(p) if isinstance(p, bytes) else p[1] - p[0] + 1 for p in pieces)
        headers.append((b"content-length", str(length).encode()))
        if method == "HEAD" or not pieces:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
        elif status != 206 and pathsend:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.pathsend", "path": self._absolute_path})
        elif content is not None or length <= self.chunk_size:
            if content is not None:
                body = _slice_pieces(content, pieces)
            else:
                body = await run_sync(_read_pieces, self.path, pieces)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:
            file = await run_sync(_open, self.path)
            try:
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await _until_done_or_disconnected(self._stream(file, pieces, send), receive)
            finally:
                file.close()

    def _partial(self, view: MutableHeaders, ranges: list[ByteRange], size: int) -> list[Piece]:
        """Set the 206 headers for ``ranges`` and return the body's pieces."""
        if len(ranges) == 1:
            first, last = ranges[0]
            view["content-range"] = f"bytes {first}-{last}/{size}"
            return [ranges[0]]
        boundary = secrets.token_hex(16)
        part_type = view.get("content-type") or "application/octet-stream"
        view["content-type"] = f"multipart/byteranges; boundary={boundary}"
        pieces: list[Piece] = []
        for index, (first, last) in enumerate(ranges):
            opening = "" if index == 0 else "\r\n"
            pieces.append(
                f"{opening}--{boundary}\r\nContent-Type: {part_type}\r\n"
                f"Content-Range: bytes {first}-{last}/{size}\r\n\r\n".encode("latin-1")
            )
            pieces.append((first, last))
        pieces.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
        return pieces

    async def _stream(self, file: BinaryIO, pieces: Sequence[Piece], send: Send) -> None:
        for piece in pieces:
            if isinstance(piece, bytes):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                continue
            offset, remaining = piece[0], piece[1] - piece[0] + 1
            while remaining:
                chunk = await run_sync(_read_at, file, offset, min(self.chunk_size, remaining))
                offset += len(chunk)
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def _add_validators(headers: MutableHeaders, file_stat: os.stat_result) -> None:
    headers.setdefault("etag", f'"{file_stat.st_mtime_ns:x}-{file_stat.st_size:x}"')
    headers.setdefault("last-modified", http_date(file_stat.st_mtime))
    headers.setdefault("accept-ranges", "bytes")


_CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since", "if-match", "if-unmodified-since")


def _is_conditional(request_headers: Headers) -> bool:
    return any(name in request_headers for name in _CONDITIONAL_HEADERS)


def _stat_and_read(
    path: str, known_stat: os.stat_result | None, read_limit: int
) -> tuple[os.stat_result, bytes | None]:
    """The file's stat (``known_stat`` if given) and, when it is at most ``read_limit`` bytes
    (and not empty), its content."""
    file_stat = known_stat if known_stat is not None else _stat_regular_file(path)
    size = file_stat.st_size
    if not 0 < size <= read_limit:
        return file_stat, None
    with _open(path) as file:
        return file_stat, _read_at(file, 0, size)


def _slice_pieces(content: bytes, pieces: Sequence[Piece]) -> bytes:
    return b"".join(
        piece if isinstance(piece, bytes) else content[piece[0] : piece[1] + 1] for piece in pieces
    )


def _stat_regular_file(path: str) -> os.stat_result:
    try:
        file_stat = os.stat(path)
    except FileNotFoundError:
        raise RuntimeError(f"FileResponse cannot send {path!r}: the file does not exist") from None
    except OSError as exc:
        raise RuntimeError(f"FileResponse cannot send {path!r}: {exc.strerror}") from exc
    if not stat.S_ISREG(file_stat.st_mode):
        raise RuntimeError(f"FileResponse cannot send {path!r}: it is not a regular file")
    return file_stat


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")  # closed by the caller
    except OSError as exc:
        raise RuntimeError(f"FileResponse cannot open {path!r}: {exc.strerror}") from exc


def _read_at(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    data = file.read(size)
    if len(data) < size:
        raise RuntimeError(f"{file.name!r} became shorter while it was being sent")
    return data


def _read_pieces(path: str, pieces: Sequence[Piece]) -> bytes:
    with _open(path) as file:
        return b"".join(
            piece if isinstance(piece, bytes) else _read_at(file, piece[0], piece[1] - piece[0] + 1)
            for piece in pieces
        )


async def _send_empty(send: Send, status: int, headers: RawHeaders) -> None:
    headers = [*headers, (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _until_done_or_disconnected(sending: Coroutine[Any, Any, None], receive: Receive) -> None:
    """Run the ``sending`` coroutine; stop it if the client disconnects first."""
    sender = asyncio.ensure_future(sending)
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, watcher):
            task.cancel()
        await asyncio.gather(sender, watcher, return_exceptions=True)
    if sender.done() and not sender.cancelled():
        sender.result()


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
