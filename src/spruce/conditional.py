"""Conditional requests (RFC 9110 section 13): validators, 304 Not Modified and 412.

A response carries *validators* — an ``ETag`` and/or a ``Last-Modified`` date — and a client that
cached it sends them back (``If-None-Match``, ``If-Modified-Since``). When they still match, the
server answers ``304 Not Modified`` without a body and the client reuses its copy.

    from spruce.conditional import conditional_response

    @app.after_request
    async def add_etags(request, response):
        return conditional_response(request, response)

``FileResponse`` evaluates these headers itself, from the file's modification time and size.

The rules follow RFC 9110 section 13.2.2, in its order: ``If-Match`` (strong comparison), else
``If-Unmodified-Since``, decide 412; then ``If-None-Match`` (weak comparison), else
``If-Modified-Since``, decide 304. ``*`` matches any current representation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import formatdate, mktime_tz, parsedate_tz
from typing import TYPE_CHECKING

from .datastructures import Headers
from .responses import RawHeaders, Receive, Response, Scope, Send, StreamingResponse

if TYPE_CHECKING:
    from .requests import Request

__all__ = [
    "NotModifiedResponse",
    "conditional_response",
    "etag_for",
    "http_date",
    "is_not_modified",
    "is_precondition_failed",
    "kept_by_304",
    "parse_etags",
    "parse_http_date",
]

LastModified = datetime | float | str | None
"""A ``Last-Modified`` value: an aware ``datetime``, a POSIX timestamp or an HTTP-date string."""

#: Headers a 304 keeps (RFC 9110 section 15.4.5), plus cookies the response set.
_KEPT_BY_304 = frozenset(
    {
        b"cache-control",
        b"content-location",
        b"date",
        b"etag",
        b"expires",
        b"vary",
        b"last-modified",
        b"set-cookie",
    }
)
_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"|[^\s,]+')


def etag_for(body: bytes) -> str:
    """A strong ``ETag`` for ``body``: a quoted BLAKE2b hash of the content (32 hex digits)."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def http_date(timestamp: float) -> str:
    """Format a POSIX ``timestamp`` as an HTTP-date (``Sun, 06 Nov 1994 08:49:37 GMT``)."""
    return formatdate(timestamp, usegmt=True)


def parse_http_date(value: str) -> float | None:
    """The POSIX timestamp of an HTTP-date (IMF-fixdate, RFC 850 or asctime form), or ``None``
    when ``value`` is not a date."""
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    try:
        return float(mktime_tz(parsed))
    except (OverflowError, ValueError):
        return None


def parse_etags(header: str) -> list[str]:
    """The entity-tags of an ``If-Match``/``If-None-Match`` value, as sent (``W/`` kept).

    ``*`` is returned as ``["*"]``. A bare, unquoted tag (a common client mistake) is quoted.
    """
    tags: list[str] = []
    for tag in _ENTITY_TAG.findall(header):
        if tag != "*" and not tag.endswith('"'):
            tag = f'"{tag}"'
        tags.append(tag)
    return tags


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _matches_weakly(header: str, etag: str | None) -> bool:
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if etag is None:
        return False
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in tags)


def _matches_strongly(header: str, etag: str | None) -> bool:
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if etag is None or etag.startswith("W/"):
        return False
    return etag in tags


def _timestamp(last_modified: LastModified) -> float | None:
    if last_modified is None:
        return None
    if isinstance(last_modified, str):
        return parse_http_date(last_modified)
    if isinstance(last_modified, datetime):
        return last_modified.timestamp()
    return float(last_modified)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None and not isinstance(headers, Headers):  # a plain dict, keys in any case
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def is_not_modified(
    request_headers: Mapping[str, str], etag: str | None, last_modified: LastModified = None
) -> bool:
    """True when the client's cached copy is current, so a GET/HEAD may be answered with 304.

    ``If-None-Match`` is compared weakly against ``etag`` (``*`` and lists work); only when it is
    absent is ``If-Modified-Since`` compared with ``last_modified`` (whole seconds). An
    unparseable date is ignored.
    """
    if_none_match = _header(request_headers, "if-none-match")
    if if_none_match is not None:
        return _matches_weakly(if_none_match, etag)
    if_modified_since = _header(request_headers, "if-modified-since")
    if if_modified_since is None:
        return False
    modified = _timestamp(last_modified)
    since = parse_http_date(if_modified_since)
    return modified is not None and since is not None and int(modified) <= since


def is_precondition_failed(
    request_headers: Mapping[str, str], etag: str | None, last_modified: LastModified = None
) -> bool:
    """True when ``If-Match`` (strong comparison) or, without it, ``If-Unmodified-Since`` says
    the client's copy is outdated: the server should answer 412 and change nothing."""
    if_match = _header(request_headers, "if-match")
    if if_match is not None:
        return not _matches_strongly(if_match, etag)
    if_unmodified_since = _header(request_headers, "if-unmodified-since")
    if if_unmodified_since is None:
        return False
    modified = _timestamp(last_modified)
    since = parse_http_date(if_unmodified_since)
    if modified is None or since is None:
        return False
    return int(modified) > since


class NotModifiedResponse(Response):
    """A ``304 Not Modified``: no body, no ``Content-Length``, the validators and caching headers
    of the response it stands for (``from_response``)."""

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(None, 304, headers)

    @classmethod
    def from_response(cls, response: Response) -> NotModifiedResponse:
        """The 304 for ``response``: its ETag, Last-Modified, Cache-Control, Vary, Expires,
        Content-Location, Date and cookies, nothing else."""
        not_modified = cls.from_raw_headers(response.raw_headers)
        not_modified._cookies = response._cookies
        return not_modified

    @classmethod
    def from_raw_headers(cls, raw_headers: RawHeaders) -> NotModifiedResponse:
        """The 304 for a response with these raw ``(name, value)`` headers (lower-case names)."""
        not_modified = cls()
        not_modified.raw_headers = kept_by_304(raw_headers)
        return not_modified

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = self._final_headers(scope)
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def kept_by_304(raw_headers: RawHeaders) -> RawHeaders:
    """The headers a 304 (or 412) repeats from the full response: validators, caching headers
    and cookies (RFC 9110 section 15.4.5)."""
    return [(name, value) for name, value in raw_headers if name in _KEPT_BY_304]


def _precondition_failed(response: Response) -> Response:
    failed = Response(None, 412)
    failed.raw_headers = kept_by_304(response.raw_headers)
    failed._cookies = response._cookies
    return failed


def conditional_response(request: Request, response: Response) -> Response:
    """Add an ``ETag`` (a hash of the body) to ``response`` when it has none, and answer 304
    (or 412) instead when the request's validators say so.

    Only ``200`` answers to ``GET``/``HEAD`` are touched; anything else is returned as it is.
    Streaming responses get no computed ETag (their body is not known in advance) but their own
    ``ETag``/``Last-Modified`` headers are honoured. A ``FileResponse`` is returned unchanged: it
    evaluates the same headers itself when it is sent.
    """
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    from .files import FileResponse

    if isinstance(response, FileResponse):
        return response
    headers = response.headers
    etag = headers.get("etag")
    if etag is None and not isinstance(response, StreamingResponse):
        etag = etag_for(response.body)
        headers["etag"] = etag
    last_modified = headers.get("last-modified")
    if etag is None and last_modified is None:
        return response
    request_headers = request.headers
    if is_precondition_failed(request_headers, etag, last_modified):
        return _precondition_failed(response)
    if is_not_modified(request_headers, etag, last_modified):
        return NotModifiedResponse.from_response(response)
    return response
